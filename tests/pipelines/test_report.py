"""The flash report: periods, values equal to the KPI tables, escaping, no external URL, CLI and asset."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
import pytest

from pipelines.cli import main, print_kpis
from pipelines.report import build_report, fmt_number, headline_markdown, platform_chart
from pipelines.report_assets import build_flash_report
from pipelines.resources import SocialKpi
from tests.helpers import D
from tests.pipelines.report_fixtures import build_demo
from transforms.report import (
    SUMMARY_KPIS,
    Period,
    default_period,
    latest_complete_period,
    load_report,
    period_of,
    period_summary,
)

PERIOD_TABLE = {"day": ("kpi.daily", "date"), "week": ("kpi.weekly", "week_start"),
                "month": ("kpi.monthly", "month_start")}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return build_demo(tmp_path_factory.mktemp("report_demo"))


@pytest.fixture(scope="module")
def snapshot(demo):
    with duckdb.connect(str(demo.snapshot_path), read_only=True) as con:
        yield con


def test_periods():
    assert period_of("week", D(2025, 3, 26)) == Period("week", D(2025, 3, 24), D(2025, 3, 30))
    assert period_of("month", D(2024, 2, 10)) == Period("month", D(2024, 2, 1), D(2024, 2, 29))
    assert period_of("month", D(2025, 1, 5)).previous() == Period("month", D(2024, 12, 1), D(2024, 12, 31))
    assert period_of("week", D(2025, 1, 1)).previous(2).start == D(2024, 12, 16)
    assert period_of("day", D(2025, 3, 1)).previous() == Period("day", D(2025, 2, 28), D(2025, 2, 28))
    with pytest.raises(ValueError, match="period must be one of"):
        period_of("year", D(2025, 1, 1))


def test_latest_complete_period_ends_on_or_before_the_last_day_of_data(snapshot):
    # demo data ends on Monday 2025-03-31: the week of that day is not complete
    assert latest_complete_period(snapshot, "acme", "week") == Period("week", D(2025, 3, 24), D(2025, 3, 30))
    assert latest_complete_period(snapshot, "acme", "month") == Period("month", D(2025, 3, 1), D(2025, 3, 31))
    assert latest_complete_period(snapshot, "acme", "day") == Period("day", D(2025, 3, 31), D(2025, 3, 31))
    assert latest_complete_period(snapshot, "nobody", "week") is None


@pytest.mark.parametrize(("kind", "day"), [("day", D(2025, 3, 20)), ("week", D(2025, 3, 26)),
                                           ("month", D(2025, 2, 14))])
def test_scorecards_equal_the_kpi_tables(snapshot, kind, day):
    period = period_of(kind, day)
    data = load_report(snapshot, "acme", period)
    table, key = PERIOD_TABLE[kind]
    cards = data.headline()
    assert {c.kpi for c in cards} >= {"impressions", "engagements", "engagement_rate", "followers"}
    for card in cards:
        for start, value in ((period.start, card.value), (period.previous().start, card.previous)):
            expected = snapshot.execute(
                f"SELECT value FROM {table} WHERE {key} = ? AND brand_id = 'acme' AND platform = 'all' "
                "AND account_id = 'all' AND kpi = ?", [start, card.kpi]).fetchall()
            assert value == (expected[0][0] if expected else None), (card.kpi, start)
    if kind == "day":
        reach = next(c for c in cards if c.kpi == "reach")
        assert reach.baseline == snapshot.execute(
            "SELECT median_28d FROM kpi.baselines WHERE date = ? AND brand_id = 'acme' AND platform = 'all' "
            "AND account_id = 'all' AND kpi = 'reach'", [day]).fetchall()[0][0]
    else:  # reach has no period value: not a headline of weeks and months
        assert "reach" not in {c.kpi for c in cards}


def test_week_baseline_is_the_median_of_the_four_weeks_before(snapshot):
    data = load_report(snapshot, "acme", period_of("week", D(2025, 3, 26)))
    card = next(c for c in data.headline() if c.kpi == "impressions")
    values = sorted(v for (v,) in snapshot.execute(
        "SELECT value FROM kpi.weekly WHERE week_start BETWEEN ? AND ? AND brand_id = 'acme' AND platform = 'all' "
        "AND account_id = 'all' AND kpi = 'impressions'", [D(2025, 2, 24), D(2025, 3, 17)]).fetchall())
    assert len(values) == 4 and card.baseline == (values[1] + values[2]) / 2


def local_day(moment: dt.datetime) -> dt.date:
    """The demo accounts' calendar day of a UTC moment (posts are dated in the account's timezone)."""
    from pipelines.demo import DEMO_TIMEZONE

    return moment.astimezone(ZoneInfo(DEMO_TIMEZONE)).date()


def test_anomalies_targets_posts_and_coverage(snapshot):
    data = load_report(snapshot, "acme", period_of("month", D(2025, 3, 1)))
    # the demo's launch-day spike (2025-03-02) is flagged
    assert any(a["date"] == D(2025, 3, 2) for a in data.anomalies)
    target = data.targets[0]
    assert target["target_id"] == "x-followers-q1" and target["date"] == D(2025, 3, 31)
    assert target["status"] == "off_track" and data.targets_off_track == [target]
    followers = next(c for c in data.headline() if c.kpi == "followers")
    assert [t["target_id"] for t in followers.targets] == ["x-followers-q1"]
    # top posts: latest snapshot, engagements = likes+comments+shares+saves, engagement_rate = / followers
    # at the end of the day before publication x100 (the rate engagement_rate_per_post averages)
    post = data.top_by_engagements[0]
    assert post["engagements"] == max(p["engagements"] for p in data.top_by_engagements)
    likes, comments, shares, saves, impressions = snapshot.execute(
        "SELECT likes, comments, shares, saves, impressions FROM core.post_snapshots WHERE platform = ? "
        "AND post_id = ? ORDER BY snapshot_date DESC LIMIT 1", [post["platform"], post["post_id"]]).fetchall()[0]
    assert post["engagements"] == likes + comments + shares + (saves or 0)
    assert post["engagement_rate_impressions"] == pytest.approx(post["engagements"] / impressions * 100)
    # Meta's daily files give follows but no follower totals: only the X posts have a follower-based
    # rate, engagements / followers at the end of the day before publication x100
    # (see test_top_posts_by_engagement_rate_per_post)
    assert data.top_by_rate and data.posts_in_period > len(data.top_by_rate)
    assert {p["platform"] for p in data.top_by_rate} == {"x"}
    best = data.top_by_rate[0]
    followers = snapshot.execute(
        "SELECT followers FROM core.account_daily WHERE platform = 'x' AND account_id = 'acme' AND date = ?",
        [local_day(best["published_at"]) - dt.timedelta(days=1)]).fetchall()[0][0]
    assert best["engagement_rate"] == pytest.approx(best["engagements"] / followers * 100)
    assert best["engagement_rate"] == max(p["engagement_rate"] for p in data.top_by_rate)
    assert {(c["platform"], c["days_with_data"], c["days"]) for c in data.coverage} == {
        ("facebook", 31, 31), ("instagram", 31, 31), ("x", 31, 31)}
    assert data.quarantined is None  # the snapshot has no raw schema and no list was given


def test_top_posts_by_engagement_rate_per_post(tmp_path):
    from tests.transforms.test_kpi_posts import build_posts_warehouse

    con = build_posts_warehouse(tmp_path)
    data = load_report(con, "acme", period_of("week", D(2025, 3, 3)))
    # engagements / followers at the end of the day before publication x100 (tests/transforms/test_kpi_posts.py)
    assert [(p["platform"], round(p["engagement_rate"], 4)) for p in data.top_by_rate] == [
        ("tiktok", 32.84), ("linkedin", 8.0), ("x", 5.9), ("x", round(39 / 1010 * 100, 4)), ("x", 1.3)]
    assert data.posts_in_period == 8
    card = next(c for c in data.headline() if c.kpi == "engagement_rate_per_post")
    # the week's mean over the 6 posts with a rate: (5.9 + 1.3 + 0 + 3.861 + 32.84 + 8.0) / 6
    assert card.value == pytest.approx((5.9 + 1.3 + 0 + 39 / 1010 * 100 + 32.84 + 8.0) / 6)
    # only the 3 accounts with followers can produce it (facebook and youtube carry none): all 3 are
    # counted, and the days without posts do not make it partial either
    assert (card.coverage.accounts_in_scope, card.coverage.accounts_counted) == (3, 3)
    assert card.coverage.badge == ""


@pytest.mark.parametrize("kind", ["week", "month"])
def test_cli_summary_report_and_period_views_agree_to_the_last_digit(demo, snapshot, kind, capsys):
    period = default_period(snapshot, "acme", kind)
    table, key = PERIOD_TABLE[kind]
    summary = {(r["platform"], r["account_id"], r["kpi"]): r["value"] for r in period_summary(snapshot, "acme", period)}
    viewed = {(p, a, k): v for p, a, k, v in snapshot.execute(
        f"SELECT platform, account_id, kpi, value FROM {table} WHERE {key} = ? AND brand_id = 'acme' "
        f"AND list_contains(?, kpi)", [period.start, list(SUMMARY_KPIS)]).fetchall()}
    assert summary == viewed and len(summary) > 10
    cards = {c.kpi: c.value for c in load_report(snapshot, "acme", period).headline()}
    for kpi in SUMMARY_KPIS:
        if summary[("all", "all", kpi)] is None:  # no value: no card (demo: no post has a follower-based rate)
            assert kpi not in cards, kpi
        else:
            assert cards[kpi] == summary[("all", "all", kpi)], kpi
    if kind == "week":
        print_kpis(demo, period.end)
        out = capsys.readouterr().out
        assert period.label in out
        rate = summary[("all", "all", "engagement_rate")]
        assert f"{rate:,.2f}" in next(line for line in out.splitlines() if line.startswith("all "))


def test_each_anomaly_is_listed_once(snapshot):
    period = period_of("month", D(2025, 3, 1))
    data = load_report(snapshot, "acme", period)
    flagged = snapshot.execute("SELECT count(*) FROM kpi.baselines WHERE brand_id = 'acme' AND is_anomaly "
                               "AND date BETWEEN ? AND ?", [period.start, period.end]).fetchall()[0][0]
    # the demo brand has one account per platform: its platform rollup repeats the account's anomaly
    assert 0 < len(data.anomalies) < flagged
    listed = {(a["date"], a["kpi"], a["platform"], a["account_id"]): a["value"] for a in data.anomalies}
    for (day, kpi, platform, account), value in listed.items():
        if account == "all":  # a rollup is listed only when no row inside it shows the same anomaly
            assert not [k for k, v in listed.items() if k[:2] == (day, kpi) and k[3] != "all" and v == value
                        and platform in ("all", k[2])], (day, kpi, platform)


def test_a_single_platform_chart_is_sized_like_the_others():
    units = {"impressions": "count"}
    one = platform_chart({"x": {"impressions": 10.0}}, ["impressions"], units)
    three = platform_chart({"x": {"impressions": 10.0}, "facebook": {"impressions": 5.0},
                            "tiktok": {"impressions": 1.0}}, ["impressions"], units)
    view_box = re.compile(r'viewBox="0 0 ([\d.]+) ([\d.]+)"')
    assert view_box.search(one).groups() == view_box.search(three).groups()


def test_numbers_are_formatted_for_people():
    assert fmt_number(1234567.0) == "1,234,567"
    assert fmt_number(3.4567, "percent") == "3.46 %"
    assert fmt_number(1234.5, "currency", "EUR") == "1,234.50 EUR"
    assert fmt_number(None) == "—"


class _Refs(HTMLParser):
    """Collects tags and every URL-bearing attribute."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.urls: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "xlink:href", "srcset", "poster", "data", "action", "formaction",
                        "background", "ping") and value:
                self.urls.append((tag, name, value))


def assert_self_contained(html: str) -> None:
    refs = _Refs()
    refs.feed(html)
    assert not {"img", "script", "link", "iframe", "object", "embed", "audio", "video", "source"} & set(refs.tags)
    for tag, name, value in refs.urls:
        if re.match(r"\s*(https?:)?//", value, re.I):  # only plain links to posts, which never load by themselves
            assert (tag, name) == ("a", "href"), (tag, name, value)
        else:
            assert value.startswith("#"), (tag, name, value)  # SVG-internal references only
    assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//|@import", html, re.I)
    assert "default-src 'none'" in html  # and the browser refuses any load anyway (CSP)


def test_report_is_self_contained_and_escaped(demo, tmp_path):
    copy = tmp_path / "analytics.duckdb"
    shutil.copy(demo.snapshot_path, copy)
    hostile = '<script>alert("x")</script> آکمه & Co'
    with duckdb.connect(str(copy)) as con:
        con.execute("UPDATE core.accounts SET name = ? WHERE platform = 'instagram'", [hostile]).fetchall()
        con.execute("UPDATE core.posts SET title = ?, permalink = 'javascript:alert(1)' WHERE platform = 'instagram'",
                    [hostile]).fetchall()
        data, html = build_report(con, "acme", "week", D(2025, 3, 26), brand_name="Acme <b>", currency="EUR")
    assert "<script>" not in html and "<b>" not in html and "javascript:" not in html
    assert '<bdi dir="auto">&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; آکمه &amp; Co</bdi>' in html
    assert_self_contained(html)
    assert html.count("<svg") == len(data.trends) + 1 and len(data.trends) >= 4


def test_cli_report_writes_next_to_the_snapshot(demo, capsys, tmp_path):
    config = str(demo.source)
    assert main(["--config", config, "report", "--brand", "acme", "--period", "week"]) == 0
    path = demo.snapshot_path.parent / "reports" / "acme_week_2025-03-24.html"
    assert f"wrote {path}" in capsys.readouterr().out
    html = path.read_text(encoding="utf-8")
    assert "week 2025-W13" in html
    assert "Quarantined export files" in html and "Unknown:" not in html  # read from the warehouse
    out = tmp_path / "day.html"
    assert main(["--config", config, "report", "--brand", "acme", "--period", "day", "--date", "2025-03-02",
                 "--out", str(out)]) == 0
    assert 'class="flag"' in out.read_text(encoding="utf-8")  # the launch-day spike
    assert main(["--config", config, "report", "--brand", "globex"]) == 2
    assert "--brand 'globex' is not a brand" in capsys.readouterr().err


def test_flash_report_asset_writes_the_latest_complete_week(demo):
    flash_report = build_flash_report(dg.DailyPartitionsDefinition(start_date="2025-01-01"))
    result = dg.materialize([flash_report], resources={"socialkpi": SocialKpi(config_path=str(demo.source))},
                            instance=dg.DagsterInstance.ephemeral(), partition_key="2025-01-01")  # any day: same report
    assert result.success
    metadata = result.asset_materializations_for_node("flash_report")[0].metadata
    path = demo.snapshot_path.parent / "reports" / "acme_week_2025-03-24.html"
    assert metadata["path"].value == str(path) and path.is_file()
    preview = metadata["preview"].value
    assert "| Impressions |" in preview and "x-followers-q1: off track" in preview
    with duckdb.connect(str(demo.snapshot_path), read_only=True) as con:
        data = load_report(con, "acme", period_of("week", D(2025, 3, 24)), brand_name="Acme")
    assert preview == headline_markdown(data)
    assert "None." in path.read_text(encoding="utf-8")  # quarantined files: none in the demo


def test_report_for_a_brand_without_rows_is_none(snapshot):
    assert build_report(snapshot, "nobody", "week") is None
    assert build_report(snapshot, "acme", "week", dt.date(2025, 3, 26)) is not None


def test_quarantined_files_come_from_the_warehouse(demo, tmp_path):
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(demo.warehouse_path, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("INSERT INTO raw.export_files (file_hash, path, platform, account_id, status, reason, size_bytes, "
                    "records, loaded_at) VALUES ('h', 'x/acme/<b>bad</b>.csv', 'x', 'acme', 'quarantined', "
                    "'row 3, column Date: not a date', 10, 0, now())").fetchall()
        data, html = build_report(con, "acme", "week", D(2025, 3, 26))
    assert [q["path"] for q in data.quarantined] == ["x/acme/<b>bad</b>.csv"]
    assert ('<td dir="auto">x/acme/&lt;b&gt;bad&lt;/b&gt;.csv</td>'
            '<td dir="auto">row 3, column Date: not a date</td>') in html
