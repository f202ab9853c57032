"""LinkedIn Page admin exports: the real NPLF workbook (2020, BIFF .xls, visitors + content sheets
combined by hand) and small 2023+ .xlsx workbooks written here.

Expected numbers were counted from the files with a separate xlrd script / by hand, not with
the parser: see the comments next to each value.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from connectors.base import ExportContext, ExportFileError, ParsedExport
from connectors.linkedin import connector
from connectors.linkedin.exports import LinkedInPageExport, parse_linkedin_date, post_id_from
from connectors.tables import read_sheets

NPLF = "linkedin/NPLF LinkedIn Q1.xls"
UTC = dt.UTC


def context(path: Path, timezone: str = "America/Chicago", export_date: dt.date = dt.date(2020, 7, 2)
            ) -> ExportContext:
    return ExportContext(path=path, platform="linkedin", account_id="nplf", timezone=timezone,
                         export_date=export_date)


def parse_file(path: Path, timezone: str = "America/Chicago",
               export_date: dt.date = dt.date(2020, 7, 2)) -> ParsedExport:
    sheets = read_sheets(path)
    fmt = connector.recognise(sheets)
    assert fmt is not None, f"{path.name} not recognised"
    return fmt.parse(sheets, context(path, timezone, export_date))


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def total(values: list, metric: str) -> float:
    return sum(v.value for v in values if v.metric == metric and v.value is not None)


def by_source(values: list, source: str) -> dict[dt.date, float | None]:
    return {v.date: v.value for v in values if v.source_metric == source}


# ---------------------------------------------------------------------------------------------
# Real file: NPLF LinkedIn Q1.xls (Visitor metrics + 5 demographic sheets + Update metrics
# (aggregated) + Update Engagement), 2020-04-01..2020-06-30.
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def nplf(real_exports: Path) -> ParsedExport:
    return parse_file(real_exports / NPLF)


def test_real_workbook_yields_records_of_every_native_sheet(nplf: ParsedExport) -> None:
    # Visitor metrics: 91 days x 24 value columns = 2184; Update metrics: 91 days x 19 = 1729.
    assert len(nplf.account_daily) == 2184 + 1729
    assert len(nplf.posts) == 10  # Update Engagement rows 3..12
    assert len(nplf.post_metrics) == 10 * 9  # 9 counter columns per post
    assert nplf.covers == (dt.date(2020, 4, 1), dt.date(2020, 6, 30))
    assert {v.date for v in nplf.account_daily} == {
        dt.date(2020, 4, 1) + dt.timedelta(days=i) for i in range(91)}
    assert nplf.skipped_reason is None
    skipped = [n for n in nplf.notes if n.startswith("skipped demographic sheet")]
    assert len(skipped) == 5  # Location, Job function, Seniority, Industry, Company size


def test_real_content_metrics_totals(nplf: ParsedExport) -> None:
    daily = nplf.account_daily
    # Column sums of 'Update metrics (aggregated)' rows 3..93.
    assert total(daily, "impressions") == 2147
    assert total(daily, "reach") == 1523
    assert total(daily, "clicks") == 44
    assert total(daily, "likes") == 74
    assert total(daily, "comments") == 4
    assert total(daily, "shares") == 4
    assert by_source(daily, "Impressions (total)")[dt.date(2020, 5, 21)] == 146  # row 53
    assert by_source(daily, "Unique impressions (organic)")[dt.date(2020, 5, 21)] == 111
    assert by_source(daily, "Shares (total)")[dt.date(2020, 6, 30)] == 2  # last row, 93
    # Organic/sponsored splits and rates stay for lineage with no canonical metric.
    lineage = {v.source_metric for v in daily if v.metric is None}
    assert {"Impressions (organic)", "Impressions (sponsored)", "Engagement rate (total)"} <= lineage
    assert sum(by_source(daily, "Engagement rate (total)").values()) == pytest.approx(2.510476205905014)
    assert sum(by_source(daily, "Impressions (sponsored)").values()) == 0


def test_real_visitor_metrics(nplf: ParsedExport) -> None:
    daily = nplf.account_daily
    assert total(daily, "profile_visits") == 49  # Total unique visitors (total), rows 2..92
    assert sum(by_source(daily, "Total page views (total)").values()) == 119
    assert by_source(daily, "Total unique visitors (total)")[dt.date(2020, 6, 12)] == 5  # row 74
    assert by_source(daily, "Total page views (total)")[dt.date(2020, 6, 12)] == 21
    assert {v.metric for v in daily if v.source_metric == "Total page views (total)"} == {None}


def test_real_posts_snapshot(nplf: ParsedExport) -> None:
    posts = {p.post_id: p for p in nplf.posts}
    bob = posts["urn:li:activity:6668629362029412352"]  # row 10, Created date 43970.0
    # Excel serial 43970 = 2020-05-19; 00:00 America/Chicago (CDT, UTC-5) = 05:00 UTC.
    assert bob.published_at == dt.datetime(2020, 5, 19, 5, 0, tzinfo=UTC)
    assert bob.permalink == "https://www.linkedin.com/feed/update/urn:li:activity:6668629362029412352"
    assert bob.title.startswith("Bob Higgins is definitely a NPLF Board M")
    assert (bob.post_type, bob.post_type_raw) == (None, "Organic")
    first = posts["urn:li:activity:6682292579746279424"]  # row 3, serial 44008
    assert first.published_at == dt.datetime(2020, 6, 26, 5, 0, tzinfo=UTC)
    assert min(p.published_at for p in nplf.posts) == dt.datetime(2020, 5, 7, 5, 0, tzinfo=UTC)  # 43958

    metrics = nplf.post_metrics
    assert {m.snapshot_date for m in metrics} == {dt.date(2020, 7, 2)}  # the export date
    assert total(metrics, "impressions") == 2551
    assert total(metrics, "clicks") == 55
    assert total(metrics, "likes") == 101
    assert total(metrics, "comments") == 4
    assert total(metrics, "shares") == 5
    bob_metrics = {m.source_metric: m.value for m in metrics if m.post_id == bob.post_id}
    assert bob_metrics == {
        "Impressions": 1014, "Video views": None, "Clicks": 17, "Click through rate (CTR)": 0.016765285,
        "Likes": 37, "Comments": 3, "Shares": 1, "Follows": None, "Engagement rate": 0.05719921,
    }
    # Empty "Video views" / "Follows" cells are unknown, never 0.
    assert all(m.value is None for m in metrics if m.source_metric in {"Video views", "Follows"})


# ---------------------------------------------------------------------------------------------
# 2023+ workbooks (.xlsx): "Metrics" with Reposts, "All posts" with Post* columns, followers.
# ---------------------------------------------------------------------------------------------

METRICS_HEADER = [
    "Date", "Impressions (organic)", "Impressions (sponsored)", "Impressions (total)",
    "Unique impressions (organic)", "Clicks (organic)", "Clicks (sponsored)", "Clicks (total)",
    "Reactions (organic)", "Reactions (sponsored)", "Reactions (total)", "Comments (organic)",
    "Comments (sponsored)", "Comments (total)", "Reposts (organic)", "Reposts (sponsored)",
    "Reposts (total)", "Engagement rate (organic)", "Engagement rate (sponsored)", "Engagement rate (total)",
]
METRICS_SHEET: list[list[object]] = [
    ["Aggregated engagement metrics for your organic and sponsored posts over time. All dates and times are in UTC."],
    METRICS_HEADER,
    # A text date, a real date cell and another text date: exports and re-saves mix them.
    ["10/01/2023", 120, 30, 150, 95, 4, 1, 5, 9, 2, 11, 1, 0, 1, 2, 0, 2, 0.1333, 0.1, 0.1267],
    [dt.datetime(2023, 10, 2), 80, 0, 80, 61, 2, 0, 2, 5, 0, 5, 0, 0, 0, 1, 0, 1, 0.1, 0, 0.1],
    ["10/03/2023", 200, 50, 250, 170, 10, 3, 13, 14, 4, 18, 2, 1, 3, 0, 0, 0, 0.13, 0.16, 0.136],
]
POSTS_HEADER = [
    "Post title", "Post link", "Post type", "Campaign name", "Posted by", "Created date",
    "Campaign start date", "Campaign end date", "Audience", "Impressions", "Views", "Offsite Views",
    "Clicks", "Click through rate (CTR)", "Likes", "Comments", "Reposts", "Follows", "Engagement rate",
    "Content Type",
]
POSTS_SHEET: list[list[object]] = [
    ["Engagement metrics for individual posts. Created date indicates when your post was created."],
    POSTS_HEADER,
    ["Autumn launch", "https://www.linkedin.com/feed/update/urn:li:activity:7114000000000000001", "Organic",
     "", "Jane Roe", "10/02/2023", "", "", "All followers", 410, "", "", 12, 0.029, 25, 3, 4, "", 0.107, "Image"],
    ["Behind the scenes", "https://www.linkedin.com/feed/update/urn:li:ugcPost:7114000000000000002",
     "Sponsored", "Q4 awareness", "Jane Roe", "10/03/2023", "10/03/2023", "10/31/2023", "Custom", 1290, 640,
     12, 31, 0.024, 40, 6, 2, 5, 0.061, "Video"],
    ["Poll: what next?", "", "Organic", "", "John Doe", "10/03/2023", "", "", "All followers", 75, "-", "",
     1, 0.013, 3, 9, 0, "", 0.173, "Poll"],
]
FOLLOWERS_SHEET: list[list[object]] = [
    ["Date", "Sponsored followers", "Organic followers", "Auto-invited followers", "Total followers"],
    ["10/01/2023", 0, 3, 1, 4],
    ["10/02/2023", 2, 5, 0, 7],
    ["10/03/2023", 0, 0, 0, 0],
]
LOCATION_SHEET: list[list[object]] = [["Location", "Total followers"], ["Berlin, Germany", 120], ["Paris", 33]]
SENIORITY_SHEET: list[list[object]] = [["Seniority", "Total followers"], ["Senior", 61], ["Entry", 40]]


@pytest.fixture(scope="module")
def content_2023(tmp_path_factory: pytest.TempPathFactory) -> ParsedExport:
    path = write_xlsx(tmp_path_factory.mktemp("li") / "acme_content_1696800000000.xlsx",
                      {"Metrics": METRICS_SHEET, "All posts": POSTS_SHEET})
    return parse_file(path, timezone="Europe/Berlin", export_date=dt.date(2023, 10, 9))


def test_2023_metrics_sheet_with_reposts_and_mixed_date_cells(content_2023: ParsedExport) -> None:
    daily = content_2023.account_daily
    assert len(daily) == 3 * 19
    assert content_2023.covers == (dt.date(2023, 10, 1), dt.date(2023, 10, 3))
    assert total(daily, "impressions") == 150 + 80 + 250
    assert total(daily, "reach") == 95 + 61 + 170
    assert total(daily, "clicks") == 5 + 2 + 13
    assert total(daily, "likes") == 11 + 5 + 18
    assert total(daily, "comments") == 1 + 0 + 3
    assert by_source(daily, "Reposts (total)") == {
        dt.date(2023, 10, 1): 2, dt.date(2023, 10, 2): 1, dt.date(2023, 10, 3): 0}
    assert {v.metric for v in daily if v.source_metric == "Reposts (total)"} == {"shares"}
    assert {v.metric for v in daily if v.source_metric == "Reposts (organic)"} == {None}


def test_2023_all_posts_sheet(content_2023: ParsedExport) -> None:
    posts = {p.post_id: p for p in content_2023.posts}
    launch = posts["urn:li:activity:7114000000000000001"]
    # 10/02/2023 00:00 Europe/Berlin (CEST, UTC+2) = 2023-10-01 22:00 UTC.
    assert launch.published_at == dt.datetime(2023, 10, 1, 22, 0, tzinfo=UTC)
    assert (launch.post_type, launch.post_type_raw, launch.title) == ("photo", "Image", "Autumn launch")
    video = posts["urn:li:ugcPost:7114000000000000002"]
    assert (video.post_type, video.post_type_raw) == ("video", "Video")
    poll = next(p for p in content_2023.posts if p.permalink is None)
    assert poll.post_id == post_id_from("", dt.date(2023, 10, 3))
    assert poll.post_id.startswith("linkedin-export-")
    assert (poll.post_type, poll.post_type_raw) == ("post", "Poll")

    metrics = content_2023.post_metrics
    assert len(metrics) == 3 * 10  # 10 counter columns; campaign/targeting columns are not counters
    assert {m.snapshot_date for m in metrics} == {dt.date(2023, 10, 9)}
    assert total(metrics, "impressions") == 410 + 1290 + 75
    assert total(metrics, "likes") == 25 + 40 + 3
    assert total(metrics, "comments") == 3 + 6 + 9
    assert total(metrics, "shares") == 4 + 2 + 0  # "Reposts"
    assert total(metrics, "clicks") == 12 + 31 + 1
    views = {m.post_id: m.value for m in metrics if m.metric == "views"}
    assert views == {launch.post_id: None, video.post_id: 640, poll.post_id: None}  # "" and "-" -> None
    assert {m.source_metric for m in metrics if m.metric is None} == {
        "Offsite Views", "Click through rate (CTR)", "Follows", "Engagement rate"}


def test_followers_workbook_total_followers_is_daily_gain(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "acme_followers_1696800000000.xlsx",
                      {"New followers": FOLLOWERS_SHEET, "Location": LOCATION_SHEET,
                       "Seniority": SENIORITY_SHEET})
    parsed = parse_file(path, timezone="Europe/Berlin", export_date=dt.date(2023, 10, 9))
    assert len(parsed.account_daily) == 3 * 4
    assert by_source(parsed.account_daily, "Total followers") == {
        dt.date(2023, 10, 1): 4, dt.date(2023, 10, 2): 7, dt.date(2023, 10, 3): 0}
    assert {v.metric for v in parsed.account_daily if v.source_metric == "Total followers"} == {
        "followers_gained"}
    assert not [v for v in parsed.account_daily if v.metric == "followers"]  # no running total
    assert total(parsed.account_daily, "followers_gained") == 11
    assert sum(by_source(parsed.account_daily, "Organic followers").values()) == 8
    assert parsed.covers == (dt.date(2023, 10, 1), dt.date(2023, 10, 3))
    assert "skipped demographic sheet 'Location' (no daily facts)" in parsed.notes


def test_combined_workbook_with_renamed_sheets_yields_all_kinds(tmp_path: Path) -> None:
    # Sheets are told apart by their headers, so user names do not matter.
    path = write_xlsx(tmp_path / "combined.xlsx", {"Q4 followers": FOLLOWERS_SHEET, "Sheet2": METRICS_SHEET,
                                                   "posts copy": POSTS_SHEET, "my notes": [["remember to"]]})
    parsed = parse_file(path, timezone="Europe/Berlin", export_date=dt.date(2023, 10, 9))
    assert len(parsed.account_daily) == 3 * 4 + 3 * 19
    assert len(parsed.posts) == 3
    assert total(parsed.account_daily, "followers_gained") == 11
    assert total(parsed.account_daily, "impressions") == 480
    assert "ignored sheet 'my notes': not a LinkedIn page export sheet" in parsed.notes


def test_identical_copies_of_a_sheet_are_dropped_once() -> None:
    sheets = {"Metrics": [[str(c) for c in row] for row in METRICS_SHEET[:3]],
              "Metrics (2)": [[str(c) for c in row] for row in METRICS_SHEET[:3]]}
    parsed = LinkedInPageExport().parse(sheets, context(Path("twice.xls")))
    assert len(parsed.account_daily) == 19
    assert "dropped 19 day values and 0 posts repeated identically in several sheets" in parsed.notes


def test_demographic_only_workbook_is_recognised_and_skipped(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "demographics.xlsx", {"Location": LOCATION_SHEET, "Seniority": SENIORITY_SHEET})
    parsed = parse_file(path)
    assert parsed.skipped_reason == "LinkedIn demographic sheets only: no daily facts"
    assert (parsed.account_daily, parsed.posts, parsed.covers) == ([], [], None)


@pytest.mark.parametrize("sheets", [
    {},
    {"": []},
    {"": [[]]},
    {"": [["Date", "Impressions", "Reach"], ["2025-01-01", "1", "1"]]},  # Meta-like, no (total)
    {"Sheet1": [["Location", "Total views", "Share"]]},  # three columns: not a demographic sheet
    {"": [["date", "subject_id", "platform", "mentions"]]},
], ids=["no-sheets", "empty-sheet", "empty-row", "other-daily-table", "three-columns", "template"])
def test_recognise_rejects_other_tables_without_raising(sheets: dict) -> None:
    assert LinkedInPageExport().recognise(sheets) is False


# ---------------------------------------------------------------------------------------------
# Parsing tables
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("04/01/2020", dt.date(2020, 4, 1)),  # MM/DD/YYYY text (2020 Metrics/Visitor sheets)
    ("12/31/2023", dt.date(2023, 12, 31)),
    ("1/5/2024", dt.date(2024, 1, 5)),
    ("44008", dt.date(2020, 6, 26)),  # Excel serial (2020 Update Engagement "Created date")
    ("44008.0", dt.date(2020, 6, 26)),
    ("2023-10-02", dt.date(2023, 10, 2)),  # date cell rendered by connectors.tables
    ("2023-10-02T00:00:00", dt.date(2023, 10, 2)),
    (" 10/03/2023 ", dt.date(2023, 10, 3)),
])
def test_parse_linkedin_date(text: str, expected: dt.date) -> None:
    assert parse_linkedin_date(text) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("31/12/2023", "month first"),  # a day-first re-save
    ("June 26, 2020", "not a date"),
    ("4400", "not a date"),
    ("", "not a date"),
    ("2023-13-01", "month must be in 1..12"),
])
def test_parse_linkedin_date_rejects(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_linkedin_date(text)


@pytest.mark.parametrize(("link", "created", "expected"), [
    ("https://www.linkedin.com/feed/update/urn:li:activity:6682292579746279424", None,
     "urn:li:activity:6682292579746279424"),
    ("https://www.linkedin.com/feed/update/urn:li:share:7012345678901234567/", dt.date(2023, 1, 2),
     "urn:li:share:7012345678901234567"),
    ("https://www.linkedin.com/posts/acme_launch-activity-7123456789012345678-AbCd", None,
     "urn:li:activity:7123456789012345678"),
])
def test_post_id_from_link(link: str, created: dt.date | None, expected: str) -> None:
    assert post_id_from(link, created) == expected


def test_post_id_without_urn_is_a_stable_hash_of_link_and_date() -> None:
    first = post_id_from("", dt.date(2023, 10, 3))
    assert first == post_id_from("", dt.date(2023, 10, 3))
    assert first != post_id_from("", dt.date(2023, 10, 4))
    assert post_id_from("https://lnkd.in/abc", None) != post_id_from("https://lnkd.in/abd", None)


def _cells(rows: list[list[object]]) -> list[list[str]]:
    return [[str(c) for c in row] for row in rows]


def _replace(rows: list[list[object]], row: int, column: int, value: str) -> list[list[str]]:
    out = _cells(rows)
    out[row - 1][column] = value
    return out


CONFLICTING = _cells(METRICS_SHEET[:3])
CONFLICTING[2][3] = "151"  # Impressions (total) of 10/01/2023 differs from the first copy (150)


@pytest.mark.parametrize(("sheets", "row", "column", "message"), [
    ({"Metrics": _replace(METRICS_SHEET, 4, 3, "12abc")}, 4, "Impressions (total)", "not a number"),
    ({"Metrics": _replace(METRICS_SHEET, 3, 0, "31/10/2023")}, 3, "Date", "month first"),
    ({"Metrics": _replace(METRICS_SHEET, 5, 0, "")}, 5, "Date", "not a date"),
    ({"All posts": _replace(_replace(POSTS_SHEET, 5, 1, ""), 5, 5, "")}, 5, "Post link",
     "needs a post link or a created date"),
    ({"All posts": _replace(POSTS_SHEET, 3, 9, "n/a!")}, 3, "Impressions", "not a number"),
    ({"New followers": _replace(FOLLOWERS_SHEET, 3, 4, "9")}, 3, "Total followers",
     "not the sum of the day's sponsored, organic and auto-invited"),
    ({"Metrics": _cells(METRICS_SHEET[:3]), "Metrics copy": CONFLICTING}, 3, "Impressions (total)",
     "conflicting copies"),
], ids=["number", "day-first-date", "empty-date", "unidentifiable-post", "post-number",
        "followers-total-not-daily", "conflicting-sheets"])
def test_bad_values_name_sheet_row_and_column(sheets: dict, row: int, column: str, message: str) -> None:
    with pytest.raises(ExportFileError) as caught:
        LinkedInPageExport().parse(sheets, context(Path("acme_content.xlsx")))
    error = caught.value
    assert (error.row, error.column) == (row, column)
    assert message in error.reason
    assert "sheet '" in str(error) and "acme_content.xlsx" in str(error)
