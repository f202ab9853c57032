"""Asset checks: corrupt input stops the KPIs, suspicious data warns, freshness follows the schedule."""

from __future__ import annotations

import datetime as dt
import math
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
import pytest

from pipelines.build import REFRESH_JOB, build_definitions
from pipelines.checks import KPI_BOUNDS, freshness_deadline_cron
from pipelines.config import load_config
from pipelines.demo import write_demo
from pipelines.schedules import range_tags
from tests.fakes.meta import VALID_TOKEN, FakePage
from tests.helpers import warehouse
from transforms.catalogue import KPIS
from warehouse import checks as quality

pytest_plugins = ["tests.fakes.meta"]

D = dt.date
FACEBOOK = ("facebook", "100000000000001")
LAST_DAY = D(2025, 1, 12)


class Demo:
    """A copy of the built demo, with its config edited by `edit_config`, ready to be corrupted."""

    def __init__(self, built, tmp_path, edit_config=lambda text: text):
        shutil.copytree(built, tmp_path / "demo")
        path = tmp_path / "demo" / "socialkpi.yaml"
        path.write_text(edit_config(path.read_text(encoding="utf-8")), encoding="utf-8")
        self.config = load_config(path)
        self.defs = build_definitions(self.config)
        self.instance = dg.DagsterInstance.ephemeral()

    def run(self, start, end):
        return self.defs.resolve_job_def(REFRESH_JOB).execute_in_process(
            instance=self.instance, tags=range_tags(start, end), raise_on_error=False)

    def sql(self, statement, params=()):
        with duckdb.connect(str(self.config.warehouse_path)) as con:
            return con.execute(statement, list(params)).fetchall()

    def set_raw(self, platform, account_id, day, metric, value):
        """Overwrite what an export said (core is rebuilt from raw, so corrupting core is not enough)."""
        self.sql("UPDATE raw.account_daily_values SET value = ? "
                 "WHERE platform = ? AND account_id = ? AND date = ? AND metric = ?",
                 [value, platform, account_id, day, metric])


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The demo (1-12 January 2025) built once through the refresh job: (its folder, that run's result)."""
    folder = tmp_path_factory.mktemp("built")
    config = load_config(write_demo(folder, D(2025, 1, 1), LAST_DAY))
    result = build_definitions(config).resolve_job_def(REFRESH_JOB).execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), tags=range_tags(D(2025, 1, 1), LAST_DAY))
    return folder, result


@pytest.fixture
def demo(built, tmp_path):
    return Demo(built[0], tmp_path)


def evaluation(result, name):
    found = [e for e in result.get_asset_check_evaluations() if e.check_name == name]
    assert len(found) == 1, [e.check_name for e in result.get_asset_check_evaluations()]
    return found[0]


def materialized(result):
    return {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}


def kpi_value(demo, kpi, day, where=FACEBOOK):
    return demo.sql("SELECT value FROM kpi.daily WHERE platform = ? AND account_id = ? AND kpi = ? AND date = ?",
                    [*where, kpi, day])


def test_clean_demo_passes_every_check(built):
    _, result = built
    assert result.success
    assert {e.check_name: e.passed for e in result.get_asset_check_evaluations()} == {
        "non_negative_counts": True, "reported_negative_counts": True, "followers_continuity": True,
        "accounts_have_latest_day": True, "kpis_within_bounds": True}  # no API account: no api_fresh_*


def test_negative_count_fails_the_blocking_check_and_stops_the_kpis(demo):
    day = D(2025, 1, 10)
    reach_before = kpi_value(demo, "reach", day)
    assert reach_before[0][0] > 0
    snapshot = demo.config.snapshot_path
    snapshot_before = (snapshot.stat().st_mtime_ns, snapshot.stat().st_ino)
    demo.set_raw(*FACEBOOK, day, "reach", -7)

    result = demo.run(day, day)

    assert not result.success
    check = evaluation(result, "non_negative_counts")
    assert not check.passed
    assert check.severity == dg.AssetCheckSeverity.ERROR
    assert check.metadata["violations"].value == 1
    assert "| facebook | 100000000000001 | 2025-01-10 | reach | -7.0 |" in check.metadata["examples"].value
    assert "core_account_daily" in materialized(result)  # the corrupt value did reach core ...
    assert not {"kpi_daily", "kpi_baselines", "kpi_target_progress", "analytics_snapshot"} & materialized(result)
    assert kpi_value(demo, "reach", day) == reach_before  # ... but no KPI and no snapshot
    assert (snapshot.stat().st_mtime_ns, snapshot.stat().st_ino) == snapshot_before


STUDIO_OVERVIEW = Path(__file__).parent / "fixtures" / "Overview_2025-01-12.csv"


def _with_tiktok_studio(text):
    return text.replace("accounts:\n", 'accounts:\n  - platform: "tiktok"\n    account_id: "studio"\n'
                        '    brand: "acme"\n', 1)


def test_tiktok_negative_daily_comments_land_with_a_warning_and_the_run_succeeds(built, tmp_path):
    # TikTok Studio Overview: comments net of deletions, -2 on 9 January and -1 on 11 January
    demo = Demo(built[0], tmp_path, _with_tiktok_studio)
    folder = demo.config.exports_path / "tiktok" / "studio"
    folder.mkdir(parents=True)
    shutil.copy(STUDIO_OVERVIEW, folder / STUDIO_OVERVIEW.name)

    result = demo.run(D(2025, 1, 8), LAST_DAY)

    assert result.success
    assert {"kpi_daily", "analytics_snapshot"} <= materialized(result)
    assert evaluation(result, "non_negative_counts").passed
    warning = evaluation(result, "reported_negative_counts")
    assert not warning.passed
    assert warning.severity == dg.AssetCheckSeverity.WARN
    assert warning.metadata["violations"].value == 2
    assert "| tiktok | studio | 2025-01-09 | comments | -2.0 |" in warning.metadata["examples"].value
    assert evaluation(result, "kpis_within_bounds").passed
    # kept as reported: comments and engagements (likes + comments + shares) of that day
    assert demo.sql("SELECT comments, engagements FROM core.account_daily WHERE platform = 'tiktok' "
                    "AND account_id = 'studio' AND date = ?", [D(2025, 1, 9)]) == [(-2.0, 20.0)]


def test_the_run_summary_names_ownership_conflicts(demo):
    source = demo.config.exports_path / "x" / "acme"
    copy = demo.config.exports_path / "x" / "acme-old"  # the same file dropped for a second account
    copy.mkdir()
    [name] = [p.name for p in source.iterdir() if p.suffix == ".csv"][:1]
    shutil.copy(source / name, copy / name)

    result = demo.run(LAST_DAY, LAST_DAY)

    assert result.success
    [files] = [e for e in result.get_asset_materialization_events() if e.asset_key.to_user_string() == "export_files"]
    metadata = files.materialization.metadata
    assert metadata["files_conflict"].value == 1
    assert (f"x/acme-old/{name} was not loaded: the same file is already loaded for x/acme (as x/acme/{name})"
            in metadata["conflicts"].value)
    assert f"`x/acme-old/{name}`: not loaded: the same file is already loaded for x/acme" in metadata["problems"].value


def test_counts_check_judges_the_days_the_run_rebuilt(demo):
    demo.sql("UPDATE core.account_daily SET reach = -7 WHERE platform = ? AND account_id = ? AND date = ?",
             [*FACEBOOK, D(2025, 1, 10)])  # left by an earlier run
    later = demo.run(D(2025, 1, 11), LAST_DAY)  # other days: not judged by that row, not blocked
    assert later.success
    check = evaluation(later, "non_negative_counts")
    assert check.passed
    assert check.metadata["window"].value == "2025-01-11 .. 2025-01-12"


def test_followers_jump_warns_kpi_out_of_bounds_errs_and_neither_blocks(demo):
    day = D(2025, 1, 10)
    demo.set_raw("x", "acme", day, "followers_gained", 100_000)  # ~8,200 followers the day before
    impressions = demo.sql("SELECT impressions FROM core.account_daily WHERE platform = ? AND account_id = ? "
                           "AND date = ?", [*FACEBOOK, day])[0][0]
    demo.set_raw(*FACEBOOK, day, "clicks", impressions * 3)  # ctr 300 %

    result = demo.run(day, day)

    assert result.success
    assert {"kpi_daily", "analytics_snapshot"} <= materialized(result)
    followers = evaluation(result, "followers_continuity")
    assert not followers.passed
    assert followers.severity == dg.AssetCheckSeverity.WARN
    assert followers.metadata["violations"].value == 1
    assert "| x | acme | 2025-01-10 |" in followers.metadata["examples"].value
    bounds = evaluation(result, "kpis_within_bounds")
    assert not bounds.passed
    assert bounds.severity == dg.AssetCheckSeverity.ERROR
    assert "| 2025-01-10 | acme | facebook | 100000000000001 | ctr | 300.0 | 0.0 | 100.0 |" in \
        bounds.metadata["examples"].value


def test_followers_jump_share_comes_from_the_config(built, tmp_path):
    demo = Demo(built[0], tmp_path, lambda text: text + "checks: {followers_jump_share: 20}\n")
    day = D(2025, 1, 10)
    demo.set_raw("x", "acme", day, "followers_gained", 100_000)  # +1,200 %: below 2,000 %
    check = evaluation(demo.run(day, day), "followers_continuity")
    assert check.passed
    assert check.metadata["max_share"].value == 20


def test_account_without_data_on_the_latest_day_warns(built, tmp_path):
    extra = '  - {platform: tiktok, account_id: "acme.tt", brand: acme}\n'  # configured, no files
    demo = Demo(built[0], tmp_path, lambda text: text.replace("targets:\n", extra + "targets:\n", 1))
    result = demo.run(LAST_DAY, LAST_DAY)
    assert result.success
    check = evaluation(result, "accounts_have_latest_day")
    assert not check.passed
    assert check.severity == dg.AssetCheckSeverity.WARN
    assert check.metadata["day"].value == "2025-01-12"
    assert check.metadata["accounts_without_data"].value == 1
    assert check.metadata["accounts"].value.endswith("| tiktok | acme.tt |\n")


def test_each_api_account_has_its_own_freshness_check(built, tmp_path, monkeypatch, meta_graph):
    """One fresh and one stale Facebook API account, one missing token: the UI names the stale two."""
    monkeypatch.setenv("VALID_FB_TOKEN", VALID_TOKEN)
    monkeypatch.delenv("ACME_TT_TOKEN", raising=False)
    meta_graph.pages["777"] = FakePage("777", daily={"page_follows": {LAST_DAY: 12001}})
    meta_graph.pages["888"] = FakePage("888")  # pulled without error, but the API has no day for it
    extra = "".join(f'  - {{platform: facebook, account_id: "{page}", brand: acme, token_env: VALID_FB_TOKEN, '
                    f'api_base_url: "{meta_graph.url}"}}\n' for page in ("777", "888"))
    extra += '  - {platform: tiktok, account_id: "acme.tt", brand: acme, token_env: ACME_TT_TOKEN}\n'
    demo = Demo(built[0], tmp_path, lambda text: text.replace("targets:\n", extra + "targets:\n", 1))
    result = demo.run(LAST_DAY, LAST_DAY)
    assert result.success  # not blocking: the other accounts' KPIs publish
    checks = {(e.asset_key.to_user_string(), e.check_name): e for e in result.get_asset_check_evaluations()
              if e.check_name.startswith("api_fresh_")}
    assert {key: e.passed for key, e in checks.items()} == {
        ("facebook_api", "api_fresh_777"): True, ("facebook_api", "api_fresh_888"): False,
        ("tiktok_api", "api_fresh_acme_tt"): False}
    stale = checks[("facebook_api", "api_fresh_888")]
    assert stale.severity == dg.AssetCheckSeverity.ERROR and not stale.blocking
    assert stale.description == "facebook/888 has no API data since 2025-01-09 (last: never)"  # 12 Jan - 3 days
    assert stale.metadata["last_api_date"].value == "never"
    assert checks[("facebook_api", "api_fresh_777")].metadata["since"].value == "2025-01-09"
    assert checks[("tiktok_api", "api_fresh_acme_tt")].metadata["account"].value == "tiktok/acme.tt"


def test_stale_api_accounts_judges_each_account_by_its_last_api_day():
    con = warehouse()
    rows = [("api", "p1", "tiktok", "fresh", D(2025, 1, 9)), ("api", "p2", "tiktok", "stale", D(2025, 1, 8)),
            ("export", "f1", "tiktok", "exports", D(2025, 1, 12))]  # export data does not count
    con.executemany("INSERT INTO raw.account_daily_values VALUES (?, ?, TIMESTAMP '2025-01-12', ?, ?, ?, "
                    "'reach', 'reach', 1)", rows)
    accounts = [("tiktok", "fresh"), ("tiktok", "stale"), ("tiktok", "exports"), ("tiktok", "never")]
    findings = quality.stale_api_accounts(con, accounts, D(2025, 1, 9))
    assert findings.rows == [("tiktok", "exports", None), ("tiktok", "never", None),
                             ("tiktok", "stale", D(2025, 1, 8))]
    assert quality.stale_api_accounts(con, [], D(2025, 1, 9)).ok


def test_a_row_of_nulls_or_a_known_count_is_no_data():
    con = warehouse()
    day = D(2025, 1, 5)
    con.execute("INSERT INTO core.account_daily (platform, account_id, date, reach, source, loaded_at) VALUES "
                "('x', 'has', ?, 10, 'export', now()), ('x', 'nulls', ?, NULL, 'export', now()), "
                "('x', 'net_only', ?, NULL, 'export', now())", [day, day, day])
    con.execute("UPDATE core.account_daily SET followers_net_change = -3 WHERE account_id = 'net_only'")
    con.execute("INSERT INTO core.account_daily (platform, account_id, date, followers, source, loaded_at) "
                "VALUES ('x', 'anchor', ?, 500, 'config', now())", [day])
    found = quality.accounts_without_day(con, [("x", a) for a in ("has", "nulls", "net_only", "anchor", "none")], day)
    assert found.rows == [("x", "anchor"), ("x", "none"), ("x", "nulls")]
    assert quality.latest_day(con) == day


def test_bounds_queries_catch_not_finite_values_and_respect_open_ends():
    con = duckdb.connect()
    con.execute("CREATE SCHEMA kpi")
    con.execute("CREATE TABLE kpi.daily (date DATE, brand_id VARCHAR, platform VARCHAR, account_id VARCHAR, "
                "kpi VARCHAR, value DOUBLE, numerator DOUBLE, denominator DOUBLE)")
    rows = [("nps", 120.0), ("nps", -100.0), ("csat", math.nan), ("engagement_rate", math.inf),
            ("engagement_rate", 250.0), ("followers_net_change", -40.0), ("follower_retention_rate", -5.0),
            ("average_rating", 0.5), ("brand_new_kpi", -3.0), ("brand_new_kpi", math.nan), ("ctr", None)]
    con.executemany("INSERT INTO kpi.daily (date, brand_id, platform, account_id, kpi, value, numerator, denominator) "
        "VALUES ('2025-01-01', 'acme', 'x', 'a', ?, ?, NULL, NULL)", rows)
    found = quality.kpis_out_of_bounds(con, None, None, KPI_BOUNDS)
    assert sorted((r[4], r[5]) for r in found.rows if not math.isnan(r[5])) == [
        ("average_rating", 0.5), ("engagement_rate", math.inf), ("nps", 120.0)]
    assert sorted(r[4] for r in found.rows if math.isnan(r[5])) == ["brand_new_kpi", "csat"]
    assert found.total == 5
    assert quality.kpis_out_of_bounds(con, D(2025, 1, 2), D(2025, 1, 3), KPI_BOUNDS).total == 0


def test_every_catalogue_kpi_has_declared_bounds():
    # A new KPI needs a decision on its bounds in pipelines/checks.py (KPI_BOUNDS).
    assert sorted(k.name for k in KPIS if k.name not in KPI_BOUNDS) == []
    shares = [name for name, (low, high) in KPI_BOUNDS.items() if (low, high) == (0, 100)]
    assert sorted(shares) == ["bounce_rate", "csat", "ctr", "share_of_voice"]


@pytest.mark.parametrize(("schedule", "grace", "cron"), [
    ("{hour: 4, minute: 15}", 2, "15 6 * * *"), ("{hour: 22, minute: 30}", 3, "59 23 * * *")])
def test_freshness_deadline_is_the_schedule_plus_grace(tmp_path, schedule, grace, cron):
    path = write_demo(tmp_path, D(2025, 1, 1), D(2025, 1, 2))
    path.write_text(path.read_text(encoding="utf-8")
                    + f"schedule: {schedule}\nchecks: {{freshness_grace_hours: {grace}}}\n", encoding="utf-8")
    assert freshness_deadline_cron(load_config(path)) == cron


def test_freshness_checks_cover_every_partitioned_asset_and_fail_until_the_partition_exists(tmp_path):
    demo_config = load_config(write_demo(tmp_path, D(2025, 1, 1), D(2025, 1, 2)))
    defs = build_definitions(demo_config)
    graph = defs.resolve_asset_graph()
    partitioned = {k for k in graph.get_all_asset_keys() if graph.get(k).partitions_def is not None}
    freshness = {key.asset_key for key in graph.asset_check_keys if key.name == "freshness_check"}
    assert freshness == partitioned
    assert dg.AssetKey("kpi_daily") in freshness

    job = dg.define_asset_job("freshness", selection=dg.AssetSelection.checks(
        dg.AssetCheckKey(dg.AssetKey("kpi_daily"), "freshness_check")))
    run_defs = dg.Definitions(assets=defs.assets, asset_checks=defs.asset_checks, jobs=[job],
                              resources=defs.resources)
    instance = dg.DagsterInstance.ephemeral()
    first = run_defs.resolve_job_def("freshness").execute_in_process(instance=instance)
    [stale] = first.get_asset_check_evaluations()
    assert not stale.passed
    params = stale.metadata["dagster/freshness_params"].value
    assert params["deadline_cron"] == freshness_deadline_cron(demo_config)
    assert params["timezone"] == "Europe/Berlin"
    # the partition expected by the last deadline: the day before the deadline's local date
    deadline = dt.datetime.fromtimestamp(stale.metadata["dagster/latest_cron_tick_timestamp"].value, dt.UTC)
    expected = deadline.astimezone(ZoneInfo("Europe/Berlin")).date() - dt.timedelta(days=1)
    assert expected.isoformat() in stale.description
    instance.report_runless_asset_event(dg.AssetMaterialization("kpi_daily", partition=expected.isoformat()))
    [fresh] = run_defs.resolve_job_def("freshness").execute_in_process(instance=instance).get_asset_check_evaluations()
    assert fresh.passed
