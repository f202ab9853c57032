"""YouTube Studio export parsers against the real files and small hand-written edge cases.

Every expected number below was counted from the files with a throwaway script using only the
csv module (or by hand), never by running the parsers. Real files are read in place.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from connectors.base import AccountDayValue, ExportContext, ExportFileError, ParsedExport, PostMetricValue
from connectors.tables import read_sheets
from connectors.youtube import connector
from connectors.youtube.exports import EXPORT_FORMATS

CONTENT = "youtube/priyankapatel05_content"
TRAFFIC = "youtube/rehantharusha_traffic_source"
SUBSCRIPTION = "youtube/dhanrajmkanade_subscription_status"
# priyankapatel05's Totals.csv covers 2025-06-13 .. 2026-06-12 and its Table's newest video was
# published Jun 11, 2026: downloaded 2026-06-13. The channel is Indian (Hindi titles).
EXPORT_DATE = dt.date(2026, 6, 13)
TZ = "Asia/Kolkata"


def parse(path: Path, export_date: dt.date = EXPORT_DATE, timezone: str = TZ) -> tuple[str, ParsedExport]:
    """Recognise by content (exactly one format must claim the file) and parse."""
    sheets = read_sheets(path)
    claimed = [fmt.name for fmt in EXPORT_FORMATS if fmt.recognise(sheets)]
    assert len(claimed) == 1, f"{path.name} claimed by {claimed}"
    fmt = connector.recognise(sheets)
    assert fmt is not None
    ctx = ExportContext(path=path, platform="youtube", account_id="chan", timezone=timezone,
                        export_date=export_date)
    return fmt.name, fmt.parse(sheets, ctx)


def write(path: Path, text: str) -> Path:
    """Studio CSVs are UTF-8 without BOM, unquoted except cells with commas."""
    path.write_text(text, encoding="utf-8")
    return path


def total(values: list[AccountDayValue] | list[PostMetricValue]) -> float:
    return sum(v.value for v in values if v.value is not None)


def post_values(parsed: ParsedExport, source_metric: str) -> list[PostMetricValue]:
    return [v for v in parsed.post_metrics if v.source_metric == source_metric]


# --------------------------------------------------------------------------------------------
# Every real file is accounted for
# --------------------------------------------------------------------------------------------

REAL_FILES = {
    f"{CONTENT}/Table data.csv": "youtube_content_table",
    f"{CONTENT}/Totals.csv": "youtube_totals",
    f"{TRAFFIC}/Table data.csv": "youtube_dimension_table",
    f"{TRAFFIC}/Chart data.csv": "youtube_chart_data",
    f"{TRAFFIC}/Totals.csv": "youtube_totals",
    f"{SUBSCRIPTION}/Table data.csv": "youtube_dimension_table",
    f"{SUBSCRIPTION}/Table data-Geography.csv": "youtube_dimension_table",
}


def test_every_real_youtube_file_is_listed(real_exports: Path) -> None:
    on_disk = {p.relative_to(real_exports).as_posix() for p in (real_exports / "youtube").rglob("*")
               if p.is_file()}
    assert on_disk == set(REAL_FILES)


@pytest.mark.parametrize(("relative", "format_name"), sorted(REAL_FILES.items()))
def test_real_file_recognised_by_content_not_name(real_exports: Path, tmp_path: Path,
                                                  relative: str, format_name: str) -> None:
    renamed = tmp_path / "export.csv"
    renamed.write_bytes((real_exports / relative).read_bytes())
    sheets = read_sheets(renamed)
    assert [fmt.name for fmt in EXPORT_FORMATS if fmt.recognise(sheets)] == [format_name]


@pytest.mark.parametrize(("relative", "reason"), [
    (f"{TRAFFIC}/Table data.csv",
     "YouTube Studio table by Traffic source: totals per traffic source for the selected period, "
     "not daily facts"),
    (f"{SUBSCRIPTION}/Table data.csv",
     "YouTube Studio table by Subscription status: totals per subscription status for the selected "
     "period, not daily facts"),
    (f"{SUBSCRIPTION}/Table data-Geography.csv",
     "YouTube Studio table by Geography: totals per geography for the selected period, not daily facts"),
])
def test_real_dimension_tables_are_skipped(real_exports: Path, relative: str, reason: str) -> None:
    _, parsed = parse(real_exports / relative)
    assert parsed.skipped_reason == reason
    assert not parsed.account_daily and not parsed.posts


# --------------------------------------------------------------------------------------------
# Real files with data
# --------------------------------------------------------------------------------------------


def test_content_table_real(real_exports: Path) -> None:
    _, parsed = parse(real_exports / CONTENT / "Table data.csv")
    assert len(parsed.posts) == 442  # 443 data rows minus the Total row
    assert "Total" not in {p.post_id for p in parsed.posts}
    assert len({p.post_id for p in parsed.posts}) == 442
    assert {m.snapshot_date for m in parsed.post_metrics} == {EXPORT_DATE}
    # Five columns of counters per video: Views, Watch time, Subscribers, Impressions, CTR.
    assert len(parsed.post_metrics) == 442 * 5
    assert {(m.source_metric, m.metric) for m in parsed.post_metrics} == {
        ("Views", "views"), ("Watch time (hours)", None), ("Subscribers", None),
        ("Impressions", "impressions"), ("Impressions click-through rate (%)", None)}
    assert total(post_values(parsed, "Views")) == 153235
    assert total(post_values(parsed, "Impressions")) == 37715
    assert total(post_values(parsed, "Subscribers")) == 97
    assert total(post_values(parsed, "Watch time (hours)")) == pytest.approx(204.8174)
    assert any(n.startswith("dropped the Total row: channel Views 181588") and "153235" in n
               for n in parsed.notes)
    # Five ids start with "-" and were written with a leading space.
    assert any("leading space of 5 video ids" in n for n in parsed.notes)
    by_id = {p.post_id: p for p in parsed.posts}
    assert not any(post_id.startswith(" ") for post_id in by_id)
    dashed = by_id["-i5vAKwX_bY"]
    assert dashed.title == "Life is unexpected journey || Lifelession #trending #viralshorts #ytshorts #motivation"
    assert dashed.permalink == "https://www.youtube.com/watch?v=-i5vAKwX_bY"
    # "Mar 5, 2026" at midnight in Kolkata (UTC+5:30).
    assert dashed.published_at == dt.datetime(2026, 3, 4, 18, 30, tzinfo=dt.UTC)
    dashed_counts = {m.source_metric: m.value for m in parsed.post_metrics if m.post_id == "-i5vAKwX_bY"}
    assert dashed_counts == {"Views": 634, "Watch time (hours)": 0.4615, "Subscribers": 0,
                             "Impressions": 194, "Impressions click-through rate (%)": 1.03}
    published = [p.published_at for p in parsed.posts if p.published_at is not None]
    assert len(published) == 442
    assert min(published) == dt.datetime(2022, 1, 28, 18, 30, tzinfo=dt.UTC)  # Jan 29, 2022
    assert max(published) == dt.datetime(2026, 6, 10, 18, 30, tzinfo=dt.UTC)  # Jun 11, 2026
    assert {p.post_type for p in parsed.posts} == {"video"}


def test_totals_real_day_first_resave(real_exports: Path) -> None:
    """priyankapatel05's Totals.csv was re-saved with DD-MM-YYYY dates ("13-06-2025"): first
    fields go up to 31 and second fields only to 12, so the order is decidable: day first."""
    _, parsed = parse(real_exports / CONTENT / "Totals.csv")
    views = parsed.account_daily
    assert len(views) == 365
    assert {(v.metric, v.source_metric) for v in views} == {("video_views", "Views")}
    assert parsed.covers == (dt.date(2025, 6, 13), dt.date(2026, 6, 12))
    assert len({v.date for v in views}) == 365
    assert total(views) == 181588  # equals the Content table's Total row
    by_day = {v.date: v.value for v in views}
    assert by_day[dt.date(2025, 6, 13)] == 1224
    assert by_day[dt.date(2025, 12, 31)] == 4
    assert by_day[dt.date(2026, 1, 1)] == 2
    assert by_day[dt.date(2026, 6, 12)] == 19
    assert any(n.startswith("dates read as DD-MM-YYYY") for n in parsed.notes)


TRAFFIC_TOTALS = [16481, 17463, 20254, 19583, 16927, 16228, 16006, 16195, 17319, 19994, 19847, 16699,
                  15781, 16068, 15151, 16719, 19814, 20433, 17568, 16654, 16476, 15917, 16972, 19399,
                  20232, 16739, 17387, 15374]  # Totals.csv, 2025-02-27 .. 2025-03-26


def test_totals_real_iso(real_exports: Path) -> None:
    _, parsed = parse(real_exports / TRAFFIC / "Totals.csv", dt.date(2025, 3, 28))
    assert parsed.covers == (dt.date(2025, 2, 27), dt.date(2025, 3, 26))
    assert [v.value for v in parsed.account_daily] == TRAFFIC_TOTALS
    assert total(parsed.account_daily) == 489680
    assert parsed.notes == []  # native YYYY-MM-DD, nothing re-read


def test_chart_data_real_summed_over_traffic_sources(real_exports: Path) -> None:
    _, parsed = parse(real_exports / TRAFFIC / "Chart data.csv", dt.date(2025, 3, 28))
    values = parsed.account_daily
    assert parsed.covers == (dt.date(2025, 2, 27), dt.date(2025, 3, 26))
    assert len(values) == 28  # 420 rows = 28 days x 15 traffic sources
    assert {(v.metric, v.source_metric) for v in values} == {
        ("video_views", "Views (sum over Traffic source)")}
    # The 15 sources add up to Totals.csv on every day but 2025-03-23, where 15 views that
    # YouTube did not attribute to any source are missing (20217 vs 20232).
    expected = list(TRAFFIC_TOTALS)
    expected[24] = 20217
    assert [v.value for v in values] == expected
    assert total(values) == 489665
    assert any("15 Traffic source items" in n for n in parsed.notes)


# --------------------------------------------------------------------------------------------
# Content table edge cases (2026 column names, negative subscribers, empty publish time)
# --------------------------------------------------------------------------------------------

CONTENT_2026 = """\
Content,Video title,Video publish time,Duration,Views,Watch time (hours),Subscribers,\
Thumbnail impressions,Thumbnail click-through rate (%),Likes,Comments added,Shares,Average view duration
Total,,,,1500,20.5,3,9000,4.1,60,7,5,0:00:49
 -HHGH-TTqYM,Dough stretch #shorts,"Jan 5, 2026",31,1200,12.25,-2,7000,4.5,50,6,4,0:00:37
abcDEF12345,"Private draft, unlisted",,610,300,8.25,5,2000,2.9,10,1,1,0:01:39
"""


def test_content_table_2026_columns(tmp_path: Path) -> None:
    _, parsed = parse(write(tmp_path / "Table data.csv", CONTENT_2026), dt.date(2026, 2, 1), "UTC")
    assert [p.post_id for p in parsed.posts] == ["-HHGH-TTqYM", "abcDEF12345"]
    assert [p.published_at for p in parsed.posts] == [dt.datetime(2026, 1, 5, tzinfo=dt.UTC), None]
    assert [p.title for p in parsed.posts] == ["Dough stretch #shorts", "Private draft, unlisted"]
    metric_of = {m.source_metric: m.metric for m in parsed.post_metrics}
    assert metric_of == {
        "Views": "views", "Watch time (hours)": None, "Subscribers": None,
        "Thumbnail impressions": "impressions", "Thumbnail click-through rate (%)": None,
        "Likes": "likes", "Comments added": "comments", "Shares": "shares", "Average view duration": None}
    assert [m.value for m in post_values(parsed, "Subscribers")] == [-2, 5]  # net, can be negative
    assert [m.value for m in post_values(parsed, "Thumbnail impressions")] == [7000, 2000]
    assert [m.value for m in post_values(parsed, "Average view duration")] == [37, 99]  # seconds
    assert [m.value for m in post_values(parsed, "Comments added")] == [6, 1]


def test_content_table_bad_number_names_row_and_column(tmp_path: Path) -> None:
    text = CONTENT_2026.replace(",300,8.25,", ",3oo,8.25,")
    with pytest.raises(ExportFileError) as raised:
        parse(write(tmp_path / "Table data.csv", text))
    assert (raised.value.row, raised.value.column, raised.value.reason) == (4, "Views", "not a number: '3oo'")


def test_content_table_bad_publish_date_names_row_and_column(tmp_path: Path) -> None:
    text = CONTENT_2026.replace('"Jan 5, 2026"', "5th of Jan")
    with pytest.raises(ExportFileError) as raised:
        parse(write(tmp_path / "Table data.csv", text))
    assert (raised.value.row, raised.value.column) == (3, "Video publish time")


# --------------------------------------------------------------------------------------------
# Totals.csv dates
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("lines", "expected", "note"), [
    (["2025-06-13,5", "2025-06-14,6"], ["2025-06-13", "2025-06-14"], None),  # native
    (["13-06-2025,5", "14-06-2025,6"], ["2025-06-13", "2025-06-14"], "DD-MM-YYYY"),
    # One day > 12 decides the whole file, including days <= 12.
    (["12-06-2025,5", "13-06-2025,6"], ["2025-06-12", "2025-06-13"], "DD-MM-YYYY"),
    (["06-12-2025,5", "06-13-2025,6"], ["2025-06-12", "2025-06-13"], "MM-DD-YYYY"),
    (["31/12/2025,5", "01/01/2026,6"], ["2025-12-31", "2026-01-01"], "DD-MM-YYYY"),
    (["31.12.2025,5", "1.1.2026,6"], ["2025-12-31", "2026-01-01"], "DD-MM-YYYY"),
])
def test_totals_date_formats(tmp_path: Path, lines: list[str], expected: list[str], note: str | None) -> None:
    _, parsed = parse(write(tmp_path / "t.csv", "Date,Views\n" + "\n".join(lines) + "\n"))
    assert [v.date.isoformat() for v in parsed.account_daily] == expected
    assert [v.value for v in parsed.account_daily] == [5, 6]
    assert any(n.startswith(f"dates read as {note}") for n in parsed.notes) == (note is not None)


def test_totals_day_month_order_cannot_be_decided(tmp_path: Path) -> None:
    lines = [f"{day:02d}-06-2025,{day}" for day in range(1, 13)]  # every field <= 12
    path = write(tmp_path / "Totals.csv", "Date,Views\n" + "\n".join(lines) + "\n")
    with pytest.raises(ExportFileError) as raised:
        parse(path)
    assert raised.value.reason.startswith("day/month order cannot be decided")
    assert raised.value.column == "Date"
    assert str(raised.value).startswith("Totals.csv")


@pytest.mark.parametrize(("lines", "row", "reason"), [
    (["2025-06-13,5", "13-06-2025,6"], 3, "mixed date formats in one column"),
    (["13-06-2025,5", "06-13-2025,6"], 3, "dates fit neither DD-MM-YYYY nor MM-DD-YYYY"),
    (["31-02-2025,5", "13-06-2025,6"], 2, "not a date: 31-2-2025"),
    (["2025-06-13,5", "yesterday,6"], 3, "not a date: 'yesterday'"),
    (["2025-06-13,5", "2025-06-14,lots"], 3, "not a number: 'lots'"),
    (["2025-06-13,5", "2025-06-13,6"], 3, "date 2025-06-13 appears twice"),
])
def test_totals_bad_rows_name_row(tmp_path: Path, lines: list[str], row: int, reason: str) -> None:
    with pytest.raises(ExportFileError) as raised:
        parse(write(tmp_path / "t.csv", "Date,Views\n" + "\n".join(lines) + "\n"))
    assert (raised.value.row, raised.value.reason) == (row, reason)


def test_totals_empty_cell_is_null_and_subscribers_are_net(tmp_path: Path) -> None:
    text = "Date,Subscribers\n2012-04-15,3\n2012-04-16,\n2012-04-17,-2\n"
    _, parsed = parse(write(tmp_path / "t.csv", text))
    assert [(v.date.isoformat(), v.metric, v.value) for v in parsed.account_daily] == [
        ("2012-04-15", "followers_net_change", 3), ("2012-04-16", "followers_net_change", None),
        ("2012-04-17", "followers_net_change", -2)]
    assert any("1 empty cells" in n for n in parsed.notes)


# --------------------------------------------------------------------------------------------
# Chart data by other dimensions
# --------------------------------------------------------------------------------------------


def test_chart_data_by_subscription_status_is_summed(tmp_path: Path) -> None:
    text = ("Date,Subscription status,Views,Average view duration\n"
            "2025-03-01,Not subscribed,90,0:01:09\n2025-03-01,Subscribed,11,0:01:15\n"
            "2025-03-02,Not subscribed,,0:00:00\n2025-03-02,Subscribed,4,0:01:00\n"
            "2025-03-03,Not subscribed,,\n2025-03-03,Subscribed,,\n")
    _, parsed = parse(write(tmp_path / "c.csv", text))
    assert [(v.date.isoformat(), v.metric, v.value) for v in parsed.account_daily] == [
        ("2025-03-01", "video_views", 101), ("2025-03-02", "video_views", 4),
        ("2025-03-03", "video_views", None)]  # no item reported: no data, not 0
    assert "not summed (not counts): Average view duration" in parsed.notes


@pytest.mark.parametrize(("text", "dimension"), [
    ("Date,Content,Video title,Video publish time,Duration,Views\n"
     '2025-03-01,UWQNrpakgcA,Consistency,"Aug 28, 2025",9,30\n', "Content"),
    ("Date,Geography,Views\n2025-03-01,IN,25\n2025-03-01,CZ,3\n", "Geography"),
])
def test_chart_data_by_partial_dimensions_is_skipped(tmp_path: Path, text: str, dimension: str) -> None:
    name, parsed = parse(write(tmp_path / "c.csv", text))
    assert name == "youtube_chart_data"
    assert parsed.skipped_reason == (
        f"YouTube Studio chart data by {dimension}: its items do not cover every view, "
        "so they do not add up to daily channel totals")
    assert not parsed.account_daily
