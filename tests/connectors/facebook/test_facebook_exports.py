"""Facebook exports: every real Meta file under real-exports/facebook, parsed or refused.

Expected numbers were computed independently of the code under test: the daily and post CSVs
with a throwaway csv-module script (UTF-16 / UTF-8-BOM decode, csv.reader, sums by column), and
the legacy .xls by walking its SpreadsheetML XML with ElementTree.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from connectors.base import ExportContext, ExportFileError, ParsedExport
from connectors.facebook import connector
from connectors.meta.business_suite import AUDIENCE_SKIPPED_REASON, COLLAPSED_RESAVE_REASON
from connectors.tables import read_sheets

OIGETIT = "facebook/oigetit_mbs_2025"
OIGETIT_POSTS = f"{OIGETIT}/Jan-14-2025_Apr-14-2025_1396269028466733.csv"
RESAVED = "facebook/vintage_mbs_2025_resaved"
LEGACY = "facebook/NPLF_Facebook Posts Q2.xls"
EXPORT_DATE = dt.date(2025, 4, 15)


def _ctx(path: Path, timezone: str = "Africa/Johannesburg") -> ExportContext:
    return ExportContext(path=path, platform="facebook", account_id="100066300057039", timezone=timezone,
                         export_date=EXPORT_DATE)


def _parse(path: Path, timezone: str = "Africa/Johannesburg") -> tuple[str, ParsedExport]:
    sheets = read_sheets(path)
    fmt = connector.recognise(sheets)
    assert fmt is not None, f"{path.name} not recognised"
    return fmt.name, fmt.parse(sheets, _ctx(path, timezone))


def _total(values: list[float | None]) -> float:
    return sum(v for v in values if v is not None)


# --------------------------------------------------------------------------------------------
# Daily metric files (oigetit, 2025-01-01 .. 2025-04-15, UTF-16LE + sep=,)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "title", "metric", "total", "first_value", "last_value", "peak"),
    [
        ("Reach.csv", "Facebook reach", "reach", 10734, 5, 43, 961),
        ("Views.csv", "Views", "impressions", 29981, 16, 77, 2973),
        ("Visits.csv", "Facebook visits", "profile_visits", 976, 0, 0, 174),
        ("Follows.csv", "Follows", "followers_gained", 66, 0, 0, 10),
        ("Interactions.csv", "Content interactions", "engagements", 208, 0, 0, 34),
    ],
)
def test_oigetit_daily_files(real_exports, file, title, metric, total, first_value, last_value, peak):
    name, parsed = _parse(real_exports / OIGETIT / file)
    assert name == "meta_daily_metric"
    days = parsed.account_daily
    assert len(days) == 105  # 31 + 28 + 31 + 15 days, no gaps
    assert {(d.metric, d.source_metric) for d in days} == {(metric, title)}
    assert (days[0].date, days[-1].date) == (dt.date(2025, 1, 1), dt.date(2025, 4, 15))
    assert parsed.covers == (dt.date(2025, 1, 1), dt.date(2025, 4, 15))
    assert len({d.date for d in days}) == 105
    assert _total([d.value for d in days]) == total
    assert (days[0].value, days[-1].value) == (first_value, last_value)
    assert max(d.value for d in days) == peak
    # 68 days (Jan 1 .. Mar 9) are stamped T01:00:00, the rest T00:00:00: read by date part.
    assert "68 days stamped T01:00:00 read by their date part, not shifted" in parsed.notes


def test_oigetit_daily_specific_cells(real_exports):
    _, reach = _parse(real_exports / OIGETIT / "Reach.csv")
    by_date = {d.date: d.value for d in reach.account_daily}
    assert by_date[dt.date(2025, 1, 5)] == 155  # "2025-01-05T01:00:00","155"
    assert by_date[dt.date(2025, 3, 10)] == 177  # first T00:00:00 row
    assert by_date[dt.date(2025, 4, 14)] == 48


def test_oigetit_audience_is_skipped(real_exports):
    name, parsed = _parse(real_exports / OIGETIT / "Audience.csv")
    assert name == "meta_audience"
    assert parsed.skipped_reason == AUDIENCE_SKIPPED_REASON
    assert parsed.account_daily == [] and parsed.posts == [] and parsed.post_metrics == []
    assert parsed.notes == ["audience blocks: Age & gender, Top countries, Top cities"]


# --------------------------------------------------------------------------------------------
# Per-post content export (oigetit, 261 posts, 5 ragged rows, multi-line titles)
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def oigetit_posts(real_exports: Path) -> ParsedExport:
    name, parsed = _parse(real_exports / OIGETIT_POSTS)
    assert name == "meta_post_export"
    return parsed


def _metric_values(parsed: ParsedExport, source: str) -> list[float | None]:
    return [m.value for m in parsed.post_metrics if m.source_metric == source]


def _post_metrics(parsed: ParsedExport, post_id: str) -> dict[str, tuple[str | None, float | None]]:
    return {m.source_metric: (m.metric, m.value) for m in parsed.post_metrics if m.post_id == post_id}


def test_oigetit_posts_counts_and_types(oigetit_posts):
    posts = oigetit_posts.posts
    assert len(posts) == 261
    assert len({p.post_id for p in posts}) == 261
    assert oigetit_posts.covers is None  # the file name's range is the pipeline's business
    types = [(p.post_type, p.post_type_raw) for p in posts]
    assert types.count(("photo", "Photos")) == 254
    assert types.count(("reel", "Reels")) == 6
    assert types.count(("link", "Links")) == 1
    published = sorted(p.published_at for p in posts)
    # "01/14/2025 13:34" and "04/14/2025 19:53" in Johannesburg (UTC+2)
    assert (published[0], published[-1]) == (dt.datetime(2025, 1, 14, 11, 34, tzinfo=dt.UTC),
                                              dt.datetime(2025, 4, 14, 17, 53, tzinfo=dt.UTC))
    assert "5 ragged rows padded with empty cells (no data, not 0)" in oigetit_posts.notes


@pytest.mark.parametrize(
    ("source", "metric", "total", "reported"),
    [
        ("Views", "impressions", 15982, 261),
        ("Reach", "reach", 8395, 261),
        ("Reactions", "likes", 87, 261),
        ("Comments", "comments", 20, 261),
        ("Shares", "shares", 20, 261),
        ("Total clicks", "clicks", 162, 261),
        ("Reactions, Comments and Shares", None, 127, 261),
        ("Link Clicks", None, 21, 14),
        ("Other Clicks", None, 100, 56),
        ("Matched Audience Targeting Consumption (Photo Click)", None, 41, 31),
        ("Seconds viewed", None, 6513.409, 6),  # reels only; missing in the 5 ragged rows
        ("Estimated earnings (USD)", None, 0, 6),
        ("Ad impressions", None, 0, 6),
    ],
)
def test_oigetit_post_metric_totals(oigetit_posts, source, metric, total, reported):
    rows = [m for m in oigetit_posts.post_metrics if m.source_metric == source]
    assert len(rows) == 261  # one per post; empty cells are None, never 0
    assert {m.metric for m in rows} == {metric}
    assert sum(1 for m in rows if m.value is not None) == reported
    assert _total([m.value for m in rows]) == pytest.approx(total)
    assert {m.snapshot_date for m in rows} == {EXPORT_DATE}


def test_oigetit_specific_posts(oigetit_posts):
    posts = {p.post_id: p for p in oigetit_posts.posts}
    first = posts["939005954986064"]
    assert first.published_at == dt.datetime(2025, 2, 16, 3, 14, tzinfo=dt.UTC)  # 02/16/2025 05:14 SAST
    assert first.permalink.startswith("https://www.facebook.com/OigetitSouthAfricaFacebook/posts/")
    # Title holds the whole caption: its first line, cut to 200 characters.
    assert first.title == ("Six years into South Africa’s 4IR journey! From the launch of the National AI "
                           "Institute to new tech hubs in healthcare and mining, the country is embracing "
                           "digital transformation. But how do ordinary")
    assert _post_metrics(oigetit_posts, "939005954986064") == {
        "Views": ("impressions", 40), "Reach": ("reach", 15),
        "Reactions, Comments and Shares": (None, 3), "Reactions": ("likes", 2),
        "Comments": ("comments", 1), "Shares": ("shares", 0), "Total clicks": ("clicks", 0),
        "Link Clicks": (None, None), "Other Clicks": (None, None),
        "Matched Audience Targeting Consumption (Photo Click)": (None, None),
        "Seconds viewed": (None, None), "Average Seconds viewed": (None, None),
        "Estimated earnings (USD)": (None, None), "Ad impressions": (None, None),
    }
    link = posts["932569958962997"]
    assert (link.post_type, link.title) == ("link", "Hi Team! I hope all is great with you.")
    # 00:16 local on Feb 7 is still Feb 6 in UTC.
    assert link.published_at == dt.datetime(2025, 2, 6, 22, 16, tzinfo=dt.UTC)
    reel = posts["940445654842094"]
    assert (reel.post_type, reel.post_type_raw) == ("reel", "Reels")
    assert reel.permalink == "https://www.facebook.com/reel/974194307586650/"
    assert _post_metrics(oigetit_posts, "940445654842094")["Seconds viewed"] == (None, 202.708)
    untitled = posts["945038484382811"]  # no Title and no Description
    assert untitled.title is None


def test_oigetit_ragged_row(oigetit_posts):
    # File row 261 has 27 of 31 cells: the 4 trailing video columns are missing -> None.
    ragged = _post_metrics(oigetit_posts, "916927403860586")
    assert ragged["Total clicks"] == ("clicks", 3)
    assert ragged["Link Clicks"] == (None, 1)
    assert ragged["Other Clicks"] == (None, 1)
    assert ragged["Matched Audience Targeting Consumption (Photo Click)"] == (None, 1)
    assert ragged["Seconds viewed"] == (None, None)
    assert ragged["Ad impressions"] == (None, None)
    post = next(p for p in oigetit_posts.posts if p.post_id == "916927403860586")
    assert post.published_at == dt.datetime(2025, 1, 14, 12, 33, tzinfo=dt.UTC)


# --------------------------------------------------------------------------------------------
# Legacy Facebook Insights "Post data" (.xls in SpreadsheetML), NPLF, Q2-Q3 2020
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def legacy(real_exports: Path) -> ParsedExport:
    # NPLF is the Nashville Public Library Foundation: Central time.
    name, parsed = _parse(real_exports / LEGACY, timezone="America/Chicago")
    assert name == "facebook_insights_post_data"
    return parsed


def test_legacy_posts(legacy):
    posts = {p.post_id: p for p in legacy.posts}
    assert len(legacy.posts) == 63 == len(posts)  # the description row under the header is skipped
    raw_types = [p.post_type_raw for p in legacy.posts]
    assert raw_types.count("Photo") == 45
    assert raw_types.count("Link") == 12
    assert raw_types.count(None) == 2
    assert raw_types.count("SharedVideo") == 2
    assert raw_types.count("Video") == 1
    assert raw_types.count("Status") == 1
    newest = posts["97150433029_10157586960253030"]
    assert newest.published_at == dt.datetime(2020, 9, 22, 12, 7, 36, tzinfo=dt.UTC)  # 07:07:36 CDT
    assert newest.post_type == "photo"
    assert newest.permalink == "https://www.facebook.com/NPLFoundation/posts/10157586960253030"
    assert newest.title.startswith("Meet Shawn Bakker our organization's President.")
    assert len(newest.title) == 200
    assert posts["97150433029_10157417551108030"].post_type == "video"  # SharedVideo
    assert posts["97150433029_10157472623188030"].post_type == "text"  # Status
    untyped = posts["97150433029_10157568105403030"]
    assert (untyped.post_type, untyped.post_type_raw) == (None, None)
    oldest = min(p.published_at for p in legacy.posts)
    assert oldest == dt.datetime(2020, 7, 2, 14, 49, 3, tzinfo=dt.UTC)  # 2020-07-02T09:49:03 CDT


@pytest.mark.parametrize(
    ("source", "metric", "total", "reported"),
    [
        ("Lifetime Post Total Impressions", "impressions", 50773, 63),
        ("Lifetime Post Total Reach", "reach", 38804, 63),
        ("Lifetime Matched Audience Targeting Consumptions on Post", "clicks", 1262, 63),
        ("Lifetime Engaged Users", None, 2165, 63),
        ("Lifetime Post Stories by act...: like", "likes", 1484, 59),
        ("Lifetime Post Stories by act...: comment", "comments", 86, 20),
        ("Lifetime Post Stories by act...: share", "shares", 90, 35),
        ("Lifetime Talking About This(...: like", None, 1408, None),
        ("Lifetime Post Consumptions b...: link clicks", None, 243, None),
        # Repeated headers are told apart by the unit in the description row.
        ("Lifetime Organic Video Views (Unique Users)", None, 248, 63),
        ("Lifetime Organic Video Views (Total Count)", None, 268, 63),
    ],
)
def test_legacy_metric_totals(legacy, source, metric, total, reported):
    rows = [m for m in legacy.post_metrics if m.source_metric == source]
    assert len(rows) == 63
    assert {m.metric for m in rows} == {metric}
    assert _total([m.value for m in rows]) == total
    if reported is not None:
        assert sum(1 for m in rows if m.value is not None) == reported
    assert {m.snapshot_date for m in rows} == {EXPORT_DATE}


def test_legacy_clicks_equal_the_sum_of_clicks_by_type(legacy):
    by_type = [m.value for m in legacy.post_metrics
               if m.source_metric.startswith("Lifetime Post Consumptions b...: ")]
    assert _total(by_type) == 816 + 194 + 243 + 9 == 1262


def test_legacy_specific_post(legacy):
    values = _post_metrics(legacy, "97150433029_10157586960253030")
    assert values["Lifetime Post Total Reach"] == ("reach", 640)
    assert values["Lifetime Post Total Impressions"] == ("impressions", 699)
    assert values["Lifetime Matched Audience Targeting Consumptions on Post"] == ("clicks", 106)
    assert values["Lifetime Post Stories by act...: like"] == ("likes", 65)
    assert values["Lifetime Post Stories by act...: comment"] == ("comments", 17)
    assert values["Lifetime Post Stories by act...: share"] == ("shares", 5)
    sparse = _post_metrics(legacy, "97150433029_10157585220708030")
    assert sparse["Lifetime Post Stories by act...: like"] == ("likes", 6)
    assert sparse["Lifetime Post Stories by act...: share"] == ("shares", None)  # blank: None, not 0
    assert sparse["Lifetime Post Stories by act...: comment"] == ("comments", None)
    assert len(legacy.post_metrics) == 63 * (26 + 3 + 3 + 4 + 4 + 2 + 2)


LEGACY_HEADER = ["Post ID", "Permalink", "Post Message", "Type", "Posted", "Lifetime Post Total Impressions",
                 "Lifetime Post Total Reach"]
LEGACY_DESCRIPTIONS = ["", "", "", "", "", "Lifetime: times shown. (Total Count)",
                       "Lifetime: people reached. (Unique Users)"]


def _legacy_sheets(rows: list[list[str]], stories: list[list[str]] | None = None) -> dict[str, list[list[str]]]:
    sheets = {"Key Metrics": [LEGACY_HEADER, LEGACY_DESCRIPTIONS, *rows]}
    if stories is not None:
        header = ["Description", "Post ID", "Permalink", "Post Message", "Type", "Countries", "Languages",
                  "Posted", "Audience Targeting", "share", "like", "comment"]
        sheets["Lifetime Post Stories by act..."] = [header, *stories]
    return sheets


def _legacy_format():
    return next(f for f in connector.export_formats if f.name == "facebook_insights_post_data")


@pytest.mark.parametrize(
    ("rows", "row", "column", "reason_part"),
    [
        ([["1_2", "u", "m", "Photo", "2020-07-01T10:00:00", "x", "5"]], 3, "Lifetime Post Total Impressions",
         "not a number"),
        ([["1_2", "u", "m", "Photo", "07/01/2020", "1", "5"]], 3, "Posted", "unreadable"),
        ([["1_2", "u", "m", "Photo", "", "1", "5"], ["1_2", "u", "m", "Photo", "", "2", "6"]], 4, "Post ID",
         "appears twice"),
        ([["", "u", "m", "Photo", "", "1", "5"]], 3, "Post ID", "row without a Post ID"),
    ],
)
def test_legacy_bad_rows_name_row_and_column(tmp_path, rows, row, column, reason_part):
    with pytest.raises(ExportFileError) as err:
        _legacy_format().parse(_legacy_sheets(rows), _ctx(tmp_path / "legacy.xls"))
    assert (err.value.row, err.value.column) == (row, column)
    assert reason_part in err.value.reason


def test_legacy_small_workbook(tmp_path):
    sheets = _legacy_sheets(
        [["1_2", "u", "First line\nsecond", "Album", "2020-07-01T10:00:00", "10", ""]],
        stories=[["Lifetime: stories (Total Count)", "1_2", "u", "m", "Album", "", "", "", "", "", "4", "1"],
                 ["", "9_9", "u", "m", "Photo", "", "", "", "", "2", "", ""]],
    )
    assert _legacy_format().recognise(sheets)
    parsed = _legacy_format().parse(sheets, _ctx(tmp_path / "legacy.xls", timezone="UTC"))
    (post,) = parsed.posts
    assert (post.post_type, post.post_type_raw, post.title) == (None, "Album", "First line")
    assert post.published_at == dt.datetime(2020, 7, 1, 10, 0, tzinfo=dt.UTC)
    assert {(m.post_id, m.source_metric): (m.metric, m.value) for m in parsed.post_metrics} == {
        ("1_2", "Lifetime Post Total Impressions"): ("impressions", 10),
        ("1_2", "Lifetime Post Total Reach"): ("reach", None),
        ("1_2", "Lifetime Post Stories by act...: share"): ("shares", None),
        ("1_2", "Lifetime Post Stories by act...: like"): ("likes", 4),
        ("1_2", "Lifetime Post Stories by act...: comment"): ("comments", 1),
        ("9_9", "Lifetime Post Stories by act...: share"): ("shares", 2),
        ("9_9", "Lifetime Post Stories by act...: like"): ("likes", None),
        ("9_9", "Lifetime Post Stories by act...: comment"): ("comments", None),
    }
    assert "sheet 'Lifetime Post Stories by act...': 1 posts not in 'Key Metrics'" in parsed.notes
    assert "post types without a canonical type (kept raw): ['Album']" in parsed.notes


# --------------------------------------------------------------------------------------------
# Spreadsheet re-saves (vintage restaurant, late 2025)
# --------------------------------------------------------------------------------------------


def test_semicolon_resaved_follows_is_read(real_exports):
    # `;`-delimited UTF-8, no sep= line, no quotes, title "Facebook follows;": dates stayed ISO
    # and values are plain integers, so nothing is ambiguous.
    name, parsed = _parse(real_exports / RESAVED / "Follows.csv")
    assert name == "meta_daily_metric"
    days = parsed.account_daily
    assert len(days) == 62
    assert {(d.metric, d.source_metric) for d in days} == {("followers_gained", "Facebook follows")}
    assert parsed.covers == (dt.date(2025, 10, 31), dt.date(2025, 12, 31))
    assert _total([d.value for d in days]) == 401
    assert (days[0].value, days[-1].value) == (4, 5)
    assert {d.date: d.value for d in days}[dt.date(2025, 11, 5)] == 9
    assert "59 days stamped T01:00:00 read by their date part, not shifted" in parsed.notes


def test_collapsed_video_export_is_refused(real_exports):
    path = real_exports / RESAVED / "Oct-31-2025_Dec-30-2025_1664278361210560.csv"
    sheets = read_sheets(path)
    fmt = connector.recognise(sheets)
    assert fmt is not None and fmt.name == "meta_resaved_collapsed"
    with pytest.raises(ExportFileError) as err:
        fmt.parse(sheets, _ctx(path))
    assert err.value.reason == COLLAPSED_RESAVE_REASON
    assert err.value.path == path
    assert str(err.value).startswith("Oct-31-2025_Dec-30-2025_1664278361210560.csv, row 1: re-saved by")


def test_every_real_facebook_file_is_handled(real_exports):
    outcomes = {}
    for path in sorted((real_exports / "facebook").rglob("*")):
        if not path.is_file():
            continue
        try:
            name, parsed = _parse(path, timezone="America/Chicago")
            outcomes[path.relative_to(real_exports).as_posix()] = parsed.skipped_reason or name
        except ExportFileError as exc:
            outcomes[path.relative_to(real_exports).as_posix()] = f"refused: {exc.reason[:35]}"
    assert outcomes == {
        LEGACY: "facebook_insights_post_data",
        f"{OIGETIT}/Audience.csv": AUDIENCE_SKIPPED_REASON,
        f"{OIGETIT}/Follows.csv": "meta_daily_metric",
        f"{OIGETIT}/Interactions.csv": "meta_daily_metric",
        OIGETIT_POSTS: "meta_post_export",
        f"{OIGETIT}/Reach.csv": "meta_daily_metric",
        f"{OIGETIT}/Views.csv": "meta_daily_metric",
        f"{OIGETIT}/Visits.csv": "meta_daily_metric",
        f"{RESAVED}/Follows.csv": "meta_daily_metric",
        f"{RESAVED}/Oct-31-2025_Dec-30-2025_1664278361210560.csv":
            "refused: re-saved by a spreadsheet: every ro",
    }
