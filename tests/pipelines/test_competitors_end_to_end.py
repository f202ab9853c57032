"""Competitor benchmarking end to end: public-endpoint emulator -> competitor accounts ->
kpi.competitor_benchmarks -> the flash report's competitor section.

Brand acme has two competitors, globex and initech, on instagram and x; initech's second Instagram
handle is private (unknown to Business Discovery). Two nightly pulls (2026-11-20 and -21, 05:00 UTC)
date the public follower totals 11-19 and 11-20. Every expected value below is worked out by hand
from the seeded numbers (comments show the arithmetic).
"""

from __future__ import annotations

import datetime as dt
import re

import dagster as dg
import duckdb
import pytest

from connectors.base import AccountDayValue, ApiAccount, ParsedExport, PostMetricValue, PostRecord, load_connectors
from ingest.api import ApiPull, land_api_pull, replay
from pipelines.api_assets import api_account
from pipelines.build import build_definitions
from pipelines.config import load_config
from pipelines.report import render_report
from pipelines.resources import sync_config
from tests.fakes import FakeClock
from tests.fakes.competitors import IG_TOKEN, X_BEARER, PublicPost, PublicProfile, PublicProfilesEmulator
from tests.fakes.meta import VALID_TOKEN as META_TOKEN
from tests.fakes.meta import FakeIgUser
from tests.helpers import warehouse
from transforms.core import build_core
from transforms.kpis import build_kpi_daily, write_catalogue
from transforms.report import load_report, period_of
from warehouse.snapshot import publish_snapshot

pytest_plugins = ["tests.fakes.competitors", "tests.fakes.meta"]

D = dt.date
UTC = dt.UTC
ACME_IG = "17841400000000001"
DAY = D(2026, 11, 20)


def at(day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, tzinfo=UTC)


def write_config(tmp_path, url: str, own_instagram_url: str | None = None) -> object:
    """Competitor IG handles are asked through the brand's own IG account (its token and host,
    unless the entry names its own api_base_url)."""
    competitor_ig = f', api_base_url: "{url}"' if own_instagram_url else ""
    path = tmp_path / "socialkpi.yaml"
    path.write_text(f"""
timezone: "UTC"
start_date: "2026-11-01"
brands:
  - id: acme
    name: Acme
    competitors:
      - id: globex
        name: Globex
        accounts:
          - {{platform: instagram, handle: globex{competitor_ig}}}
          - {{platform: x, handle: "@globex_x", token_env: X_APP_BEARER, api_base_url: "{url}"}}
      - id: initech
        name: Initech
        accounts:
          - {{platform: instagram, handle: initech{competitor_ig}}}
          - {{platform: instagram, handle: initech_private{competitor_ig}}}
          - {{platform: x, handle: initech_x, token_env: X_APP_BEARER, api_base_url: "{url}"}}
accounts:
  - {{platform: instagram, account_id: "{ACME_IG}", brand: acme, token_env: ACME_IG_TOKEN,
      api_base_url: "{own_instagram_url or url}"}}
  - {{platform: x, account_id: acme_x, brand: acme}}
""", encoding="utf-8")
    return load_config(path)


def seed(public_profiles, followers: dict[str, int]) -> None:
    """The competitors' public profiles as they stand on one night."""
    public_profiles.instagram["globex"] = PublicProfile(followers["globex"], [
        PublicPost("g1", at(20), likes=100, comments=10),
        PublicPost("g2", at(19), likes=60, comments=6)])
    public_profiles.instagram["initech"] = PublicProfile(followers["initech"], [
        PublicPost("i1", at(20), likes=40, comments=0),
        PublicPost("i2", at(20, 15), likes=None, comments=4)])  # likes hidden: no public engagements
    public_profiles.x["globex_x"] = PublicProfile(followers["globex_x"], account_id="901", posts=[
        PublicPost("gx1", at(20), likes=20, comments=5, reposts=3)])
    public_profiles.x["initech_x"] = PublicProfile(followers["initech_x"], account_id="902")


def brand_records(followers: dict[dt.date, float], posts: dict[str, dict[str, float]], published: int,
                  snapshot: dt.date) -> ParsedExport:
    """The brand's own account pull (its own clients are tested elsewhere): followers per day,
    posts_published on DAY and posts published on DAY with lifetime counters."""
    return ParsedExport(
        format="test",
        account_daily=[AccountDayValue(day, "followers", "followers_count", n) for day, n in followers.items()]
        + [AccountDayValue(DAY, "posts_published", "posts", published)],
        posts=[PostRecord(pid, at(20, 8), "photo", "FEED/IMAGE", None, pid) for pid in posts],
        post_metrics=[PostMetricValue(pid, snapshot, metric, metric, value)
                      for pid, values in posts.items() for metric, value in values.items()])


def land(con, account: ApiAccount, start: dt.date, end: dt.date, parsed: ParsedExport) -> None:
    land_api_pull(con, ApiPull(account, start, end, [], parsed))


def nightly_pull(con, config, public_profiles, now: dt.datetime) -> list[str]:
    """Pull every competitor account as the `<platform>_api` assets do, with the clock at `now`."""
    clock = FakeClock(now)
    public_profiles.now = clock.now
    registry = load_connectors()
    end = now.date() - dt.timedelta(days=1)
    start = end - dt.timedelta(days=2)
    notes = []
    for account in config.accounts:
        if account.brand == "acme":
            continue
        api, skipped = api_account(config, account, registry[account.platform].platform)
        assert skipped is None, skipped
        client = registry[account.platform].api(api)
        client._now, client._sleep = clock.now, clock.sleep
        pages = client.fetch(start, end)
        parsed = client.normalise(pages)
        notes += parsed.notes
        land_api_pull(con, ApiPull(api, start, end, pages, parsed))
    return notes


@pytest.fixture(scope="module")
def public_emulator():
    emulator = PublicProfilesEmulator()
    with emulator.server:
        yield emulator


@pytest.fixture(scope="module")
def benchmarked(tmp_path_factory, public_emulator):
    """Built once for the module (the tests only read it; the replay test restores what it deletes)."""
    public_profiles = public_emulator
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("ACME_IG_TOKEN", IG_TOKEN)
        monkeypatch.setenv("X_APP_BEARER", X_BEARER)
        config = write_config(tmp_path_factory.mktemp("benchmarked"), public_profiles.url)
        con = warehouse()
        sync_config(con, config, load_connectors())
        seed(public_profiles, {"globex": 5000, "initech": 2000, "globex_x": 1000, "initech_x": 400})
        notes = nightly_pull(con, config, public_profiles, dt.datetime(2026, 11, 20, 5, tzinfo=UTC))
        seed(public_profiles, {"globex": 5100, "initech": 1950, "globex_x": 1010, "initech_x": 400})
        notes += nightly_pull(con, config, public_profiles, dt.datetime(2026, 11, 21, 5, tzinfo=UTC))
    # the brand's own accounts: instagram p1 (likes 300, comments 20, shares 5, saves 7), p2 (180, 0, 0, 0)
    ig = ApiAccount("instagram", ACME_IG, "UTC")
    land(con, ig, D(2026, 11, 18), DAY, brand_records(
        {D(2026, 11, 19): 10000, DAY: 10100},
        {"p1": {"likes": 300, "comments": 20, "shares": 5, "saves": 7},
         "p2": {"likes": 180, "comments": 0, "shares": 0, "saves": 0}}, 2, D(2026, 11, 21)))
    land(con, ApiAccount("x", "acme_x", "UTC"), D(2026, 11, 18), DAY, brand_records(
        {D(2026, 11, 19): 800, DAY: 820}, {"x1": {"likes": 30, "comments": 6, "shares": 2}}, 1, D(2026, 11, 21)))
    build_core(con, D(2026, 11, 17), DAY)
    write_catalogue(con)
    build_kpi_daily(con, D(2026, 11, 17), DAY)
    return con, notes


def benchmarks(con, platform: str) -> dict[tuple[str, str], tuple]:
    rows = con.execute("""
        SELECT kpi, competitor_id, brand_value, competitor_value, competitor_average, competitors_counted
        FROM kpi.competitor_benchmarks
        WHERE brand_id = 'acme' AND period = 'day' AND period_start = ? AND platform = ?""",
                       [DAY, platform]).fetchall()
    return {(kpi, competitor): tuple(rest) for kpi, competitor, *rest in rows}


def test_instagram_benchmarks_by_hand(benchmarked):
    con, notes = benchmarked
    got = benchmarks(con, "instagram")
    approx = pytest.approx
    # followers: globex 5100, initech 1950 -> average 3525; acme 10100
    assert got[("followers", "globex")] == (10100, 5100, 3525, 2)
    assert got[("followers", "initech")] == (10100, 1950, 3525, 2)
    # net change: acme +100, globex 5100 - 5000 = +100, initech 1950 - 2000 = -50 -> average 25
    assert got[("followers_net_change", "initech")] == (100, -50, 25, 2)
    # growth: acme 100/10000 = 1 %; globex 100/5000 = 2 %, initech -50/2000 = -2.5 % -> -0.25
    assert got[("audience_growth_rate", "globex")] == approx((1.0, 2.0, -0.25, 2))
    # posts published on 11-20: acme 2, globex 1 (g1), initech 2 (i1, i2) -> 1.5
    assert got[("posts_published", "initech")] == (2, 2, 1.5, 2)
    # engagements per post = likes + comments on both sides: acme (320 + 180) / 2 = 250 (its shares
    # and saves are left out); globex g1 110; initech i1 40 (i2 hides likes) -> (110 + 40) / 2 = 75
    assert got[("engagements_per_post", "globex")] == (250, 110, 75, 2)
    assert got[("engagements_per_post", "initech")] == (250, 40, 75, 2)
    # rate per post over followers the day before: acme (3.2 + 1.8) / 2 = 2.5; globex 110/5000 = 2.2;
    # initech 40/2000 = 2.0 -> 2.1
    assert got[("engagement_rate_per_post", "globex")] == approx((2.5, 2.2, 2.1, 2))
    # the private handle loaded nothing and was named; the others loaded
    assert [n for n in notes if "initech_private" in n] == [n for n in notes if n.startswith("competitor handle")]
    assert len([n for n in notes if "initech_private" in n]) == 2  # one per nightly pull
    assert con.execute("SELECT count(*) FROM raw.account_daily_values WHERE account_id = 'initech_private'"
                       ).fetchall() == [(0,)]


def test_x_benchmarks_by_hand(benchmarked):
    con, _ = benchmarked
    got = benchmarks(con, "x")
    approx = pytest.approx
    # followers: globex_x 1010, initech_x 400 -> 705; acme 820
    assert got[("followers", "globex")] == (820, 1010, 705, 2)
    # growth: acme 20/800 = 2.5 %; globex 10/1000 = 1 %, initech 0 -> 0.5
    assert got[("audience_growth_rate", "initech")] == approx((2.5, 0.0, 0.5, 2))
    # posts: acme 1, globex 1, initech 0 (its timeline is empty) -> 0.5
    assert got[("posts_published", "initech")] == (1, 0, 0.5, 2)
    # engagements per post: acme 30 + 6 = 36; only globex has a post: 20 + 5 = 25 (1 counted)
    assert got[("engagements_per_post", "globex")] == (36, 25, 25, 1)
    assert ("engagements_per_post", "initech") not in got
    # rate: acme 36/800 = 4.5 %, globex 25/1000 = 2.5 %
    assert got[("engagement_rate_per_post", "globex")] == approx((4.5, 2.5, 2.5, 1))


def test_competitors_never_enter_the_brands_rollups(benchmarked):
    con, _ = benchmarked
    rollup = dict(con.execute("SELECT platform, value FROM kpi.daily WHERE brand_id = 'acme' AND account_id = 'all' "
                              "AND kpi = 'followers' AND date = ?", [DAY]).fetchall())
    assert rollup == {"instagram": 10100, "x": 820, "all": 10920}
    accounts = con.execute("SELECT platform, account_id, brand_id, is_competitor FROM core.accounts "
                           "WHERE is_competitor ORDER BY ALL").fetchall()
    assert accounts == [("instagram", "globex", "globex", True), ("instagram", "initech", "initech", True),
                        ("instagram", "initech_private", "initech", True), ("x", "globex_x", "globex", True),
                        ("x", "initech_x", "initech", True)]
    # the competitor's own rollup exists under its id (for the benchmark view)
    assert con.execute("SELECT value FROM kpi.daily WHERE brand_id = 'globex' AND platform = 'instagram' "
                       "AND account_id = 'all' AND kpi = 'followers' AND date = ?", [DAY]).fetchall() == [(5100,)]


def test_flash_report_competitor_section(benchmarked):
    con, _ = benchmarked
    data = load_report(con, "acme", period_of("day", DAY), brand_name="Acme")
    section = {(r["platform"], r["kpi"]): r for r in data.competitors}
    followers = section[("instagram", "followers")]
    assert (followers["brand_value"], followers["competitor_average"], followers["competitors_counted"]) == \
        (10100, 3525, 2)
    assert followers["competitors"] == [{"competitor": "Globex", "value": 5100},
                                        {"competitor": "Initech", "value": 1950}]
    assert [r["kpi"] for r in data.competitors if r["platform"] == "x"] == [
        "followers", "followers_net_change", "audience_growth_rate", "posts_published", "engagements_per_post",
        "engagement_rate_per_post"]
    html = render_report(data)
    section_html = re.search(r'<section id="competitors">.*?</section>', html, re.S).group(0)
    row = re.search(r'<tr data-platform="instagram" data-kpi="followers">.*?</tr>', section_html, re.S).group(0)
    assert "10,100" in row and "3,525" in row and "(2)" in row
    assert "+186.5 %" in row  # (10100 - 3525) / 3525
    assert "Globex</bdi> 5,100" in row and "Initech</bdi> 1,950" in row
    rate = re.search(r'data-platform="x" data-kpi="engagement_rate_per_post">.*?</tr>', section_html, re.S).group(0)
    assert "+2.00 pp" in rate  # 4.5 % - 2.5 %


def test_report_without_competitors_has_no_section(tmp_path):
    con = warehouse()
    write_catalogue(con)
    data = load_report(con, "acme", period_of("day", DAY))
    assert data.competitors == []
    assert 'id="competitors"' not in render_report(data)


def test_pipeline_pulls_competitors_and_a_private_handle_does_not_fail_the_step(tmp_path, public_profiles,
                                                                                 meta_graph, monkeypatch):
    meta_graph.ig_users[ACME_IG] = FakeIgUser(ACME_IG, followers_count=10100)
    public_profiles.ig_tokens.add(META_TOKEN)
    monkeypatch.setenv("ACME_IG_TOKEN", META_TOKEN)
    monkeypatch.setenv("X_APP_BEARER", X_BEARER)
    config = write_config(tmp_path, public_profiles.url, own_instagram_url=meta_graph.url)
    seed(public_profiles, {"globex": 5000, "initech": 2000, "globex_x": 1000, "initech_x": 400})
    yesterday = dt.datetime.now(UTC).date() - dt.timedelta(days=1)
    defs = build_definitions(config)
    result = dg.materialize(
        list(defs.assets), selection=[dg.AssetKey("instagram_api"), dg.AssetKey("x_api")], resources=defs.resources,
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False,
        tags={"dagster/asset_partition_range_start": yesterday.isoformat(),
              "dagster/asset_partition_range_end": yesterday.isoformat()})
    assert result.success
    [instagram] = [m for m in result.asset_materializations_for_node("instagram_api")]
    assert instagram.metadata["unavailable_competitor_handles"].data[0].startswith(
        "instagram initech_private: not found as an Instagram Business or Creator account")
    assert instagram.metadata["accounts_pulled"].value == 4  # the brand's own, globex, initech, initech_private
    with duckdb.connect(str(config.warehouse_path), read_only=True) as con:
        followers = con.execute("SELECT platform, account_id, value FROM raw.account_daily_values "
                                "WHERE metric = 'followers' ORDER BY ALL").fetchall()
        assert followers == [("instagram", ACME_IG, 10100), ("instagram", "globex", 5000),
                             ("instagram", "initech", 2000), ("x", "globex_x", 1000), ("x", "initech_x", 400)]
        assert con.execute("SELECT competitor_id, brand_id FROM core.brand_competitors ORDER BY 1").fetchall() == [
            ("globex", "acme"), ("initech", "acme")]


def test_replay_renormalises_competitor_pages_with_their_client(benchmarked, tmp_path):
    con, _ = benchmarked
    before = con.execute("SELECT account_id, date, metric, value FROM raw.account_daily_values "
                         "WHERE account_id IN ('globex', 'initech_x') ORDER BY ALL").fetchall()
    con.execute("DELETE FROM raw.account_daily_values WHERE account_id IN ('globex', 'initech_x')")
    config = write_config(tmp_path, "http://127.0.0.1:9")
    options = {(a.platform, a.account_id): {"competitor": a.api_options["competitor"]}
               for a in config.accounts if "competitor" in a.api_options}
    landed = replay(con, load_connectors(), D(2026, 11, 1), D(2026, 11, 30), {}, "UTC", options)
    assert landed["instagram/globex"] > 0 and landed["x/initech_x"] > 0
    after = con.execute("SELECT account_id, date, metric, value FROM raw.account_daily_values "
                        "WHERE account_id IN ('globex', 'initech_x') ORDER BY ALL").fetchall()
    assert after == before
    assert ("globex", DAY, "followers", 5100) in after


def test_the_analysts_snapshot_has_the_benchmarks(benchmarked, tmp_path):
    con, _ = benchmarked
    publish_snapshot(con, tmp_path / "analytics.duckdb")
    with duckdb.connect(str(tmp_path / "analytics.duckdb"), read_only=True) as snapshot:
        assert snapshot.execute("SELECT competitor_value FROM kpi.competitor_benchmarks WHERE period = 'day' "
                                "AND period_start = ? AND platform = 'instagram' AND kpi = 'followers' "
                                "AND competitor_id = 'initech'", [DAY]).fetchall() == [(1950,)]


def test_week_benchmarks_follow_the_period_rule(benchmarked):
    con, _ = benchmarked
    rows = dict(((kpi, competitor), tuple(rest)) for kpi, competitor, *rest in con.execute("""
        SELECT kpi, competitor_id, brand_value, competitor_value, competitor_average, period_end
        FROM kpi.competitor_benchmarks
        WHERE brand_id = 'acme' AND period = 'week' AND period_start = '2026-11-16' AND platform = 'instagram'
        """).fetchall())
    week_end = D(2026, 11, 22)
    # followers is a level: the week's last day with data (11-20)
    assert rows[("followers", "globex")] == (10100, 5100, 3525, week_end)
    # posts are summed over the week: acme 2; globex g2 (11-19) + g1 (11-20) = 2; initech 2 -> 2
    assert rows[("posts_published", "globex")] == (2, 2, 2, week_end)
    # per post over the week's posts: globex (110 + 66) / 2 = 88 (g2 at its latest snapshot: 60 + 6);
    # initech 40 (i2 hides likes) -> (88 + 40) / 2 = 64; acme (320 + 180) / 2 = 250
    assert rows[("engagements_per_post", "globex")] == (250, 88, 64, week_end)
