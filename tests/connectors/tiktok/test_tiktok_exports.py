"""TikTok export parsers against the real files and small hand-written edge cases.

Every expected number below was counted from the files with a throwaway script using only the
csv module (or by hand), never by running the parsers. Real files are read in place.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from connectors.base import AccountDayValue, ExportContext, ExportFileError, ParsedExport, PostMetricValue
from connectors.tables import read_sheets
from connectors.tiktok import connector
from connectors.tiktok.exports import EXPORT_FORMATS

FIXTURES = Path(__file__).parent / "fixtures"
STUDIO = "tiktok/htupycollabs_haileytupy2.0"
BUSINESS = "tiktok/vintage_business_2025"
# The Studio download's Content.csv `Time` is "February 28" and its daily files end on
# "February 27": it was downloaded on 2026-02-28 (the newest post, "February 1", has a video
# id created 2026-02-01 21:16 UTC). The account is in the US (Post time "September 3" for a
# video created 2025-09-04 01:08 UTC).
STUDIO_EXPORT_DATE = dt.date(2026, 2, 28)
STUDIO_TZ = "America/New_York"
BUSINESS_EXPORT_DATE = dt.date(2026, 1, 2)
BUSINESS_TZ = "Europe/Sofia"  # a restaurant in Pleven, Bulgaria


def ctx_for(path: Path, export_date: dt.date, timezone: str = STUDIO_TZ) -> ExportContext:
    return ExportContext(path=path, platform="tiktok", account_id="acct", timezone=timezone,
                         export_date=export_date)


def parse(path: Path, export_date: dt.date, timezone: str = STUDIO_TZ) -> tuple[str, ParsedExport]:
    """Recognise by content (exactly one format must claim the file) and parse."""
    sheets = read_sheets(path)
    claimed = [fmt.name for fmt in EXPORT_FORMATS if fmt.recognise(sheets)]
    assert len(claimed) == 1, f"{path.name} claimed by {claimed}"
    fmt = connector.recognise(sheets)
    assert fmt is not None
    return fmt.name, fmt.parse(sheets, ctx_for(path, export_date, timezone))


def values_of(parsed: ParsedExport, source_metric: str) -> list[AccountDayValue]:
    return [v for v in parsed.account_daily if v.source_metric == source_metric]


def total(values: list[AccountDayValue] | list[PostMetricValue]) -> float:
    return sum(v.value for v in values if v.value is not None)


def nones(values: list[AccountDayValue] | list[PostMetricValue]) -> int:
    return sum(v.value is None for v in values)


def on(values: list[AccountDayValue], day: dt.date) -> float | None:
    (match,) = [v.value for v in values if v.date == day]
    return match


def post_values(parsed: ParsedExport, source_metric: str) -> list[PostMetricValue]:
    return [v for v in parsed.post_metrics if v.source_metric == source_metric]


def write_csv(path: Path, rows: list[list[str]], *, quoted: bool = True) -> Path:
    """A Studio-style file: UTF-8 BOM, every cell quoted (Business files are unquoted)."""
    quote = '"' if quoted else ""
    lines = [",".join(f"{quote}{cell}{quote}" for cell in row) for row in rows]
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8"))
    return path


# --------------------------------------------------------------------------------------------
# Every real file is accounted for
# --------------------------------------------------------------------------------------------

REAL_FILES = {
    f"{STUDIO}/Overview.csv": "tiktok_studio_overview",
    f"{STUDIO}/Content.csv": "tiktok_studio_content",
    f"{STUDIO}/Viewers.csv": "tiktok_studio_viewers",
    f"{STUDIO}/FollowerHistory.csv": "tiktok_studio_follower_history",
    f"{STUDIO}/FollowerActivity.csv": "tiktok_studio_follower_activity",
    f"{STUDIO}/FollowerGender.csv": "tiktok_studio_follower_gender",
    f"{STUDIO}/FollowerTopTerritories.csv": "tiktok_studio_follower_territories",
    f"{BUSINESS}/TIKTOK_RAW.csv": "tiktok_business_overview",
    f"{BUSINESS}/TIKTOK_AUDIENCE_RAW.csv": "tiktok_business_audience",
    f"{BUSINESS}/TIKTOK_VIDEO_RAW.csv": "tiktok_business_videos",
}


def test_every_real_tiktok_file_is_listed(real_exports: Path) -> None:
    on_disk = {p.relative_to(real_exports).as_posix() for p in (real_exports / "tiktok").rglob("*")
               if p.is_file()}
    assert on_disk == set(REAL_FILES)


@pytest.mark.parametrize(("relative", "format_name"), sorted(REAL_FILES.items()))
def test_real_file_recognised_by_content_not_name(real_exports: Path, tmp_path: Path,
                                                  relative: str, format_name: str) -> None:
    renamed = tmp_path / "download (3).csv"
    renamed.write_bytes((real_exports / relative).read_bytes())
    name, _ = parse(renamed, STUDIO_EXPORT_DATE)
    assert name == format_name


@pytest.mark.parametrize(("relative", "reason"), [
    (f"{STUDIO}/FollowerActivity.csv", "hourly follower activity, not daily facts"),
    (f"{STUDIO}/FollowerGender.csv", "follower demographics (gender distribution), not daily facts"),
    (f"{STUDIO}/FollowerTopTerritories.csv", "follower demographics (top territories), not daily facts"),
])
def test_real_files_without_daily_facts_are_skipped(real_exports: Path, relative: str, reason: str) -> None:
    _, parsed = parse(real_exports / relative, STUDIO_EXPORT_DATE)
    assert parsed.skipped_reason == reason
    assert not parsed.account_daily and not parsed.posts


# --------------------------------------------------------------------------------------------
# TikTok Studio: real files
# --------------------------------------------------------------------------------------------


def test_studio_overview_real(real_exports: Path) -> None:
    _, parsed = parse(real_exports / STUDIO / "Overview.csv", STUDIO_EXPORT_DATE)
    # 365 rows "February 28" .. "February 27": a year spanning New Year 2025/2026.
    assert parsed.covers == (dt.date(2025, 2, 28), dt.date(2026, 2, 27))
    assert len(parsed.account_daily) == 365 * 5
    expected = {  # source header -> (canonical metric, column total)
        "Video Views": ("video_views", 2946198),
        "Profile Views": ("profile_visits", 9692),
        "Likes": ("likes", 23673),
        "Comments": ("comments", 3171),
        "Shares": ("shares", 2372),
    }
    for header, (metric, column_total) in expected.items():
        column = values_of(parsed, header)
        assert len(column) == 365
        assert {v.metric for v in column} == {metric}
        assert total(column) == column_total
        assert nones(column) == 0
    views = values_of(parsed, "Video Views")
    assert on(views, dt.date(2025, 12, 31)) == 9768  # file row 308, "December 31"
    assert on(views, dt.date(2026, 1, 1)) == 28710  # file row 309, "January 1"
    assert on(views, dt.date(2026, 2, 25)) == 25574
    # Studio reports net comments: deleted comments make a day negative ("October 28": -7).
    assert on(values_of(parsed, "Comments"), dt.date(2025, 10, 28)) == -7
    assert not any(v.metric == "impressions" for v in parsed.account_daily)  # TikTok has none


def test_studio_viewers_real_undefined_is_null(real_exports: Path) -> None:
    _, parsed = parse(real_exports / STUDIO / "Viewers.csv", STUDIO_EXPORT_DATE)
    assert parsed.covers == (dt.date(2025, 2, 28), dt.date(2026, 2, 27))
    reach = values_of(parsed, "Total Viewers")
    assert {v.metric for v in reach} == {"reach"}
    # "undefined" on the first 25 days (Feb 28 .. Mar 24, 2025) -> NULL, not 0.
    assert nones(reach) == 25
    assert on(reach, dt.date(2025, 3, 24)) is None
    assert on(reach, dt.date(2025, 3, 25)) == 3
    assert total(reach) == 2550981
    assert on(reach, dt.date(2026, 1, 1)) == 8665
    new, returning = values_of(parsed, "New Viewers"), values_of(parsed, "Returning Viewers")
    assert {v.metric for v in new + returning} == {None}  # lineage only
    assert (total(new), total(returning)) == (1897400, 653581)
    assert any("25 placeholder cells (`undefined`)" in n for n in parsed.notes)


def test_studio_follower_history_real(real_exports: Path) -> None:
    _, parsed = parse(real_exports / STUDIO / "FollowerHistory.csv", STUDIO_EXPORT_DATE)
    followers = values_of(parsed, "Followers")
    change = values_of(parsed, "Difference in followers from previous day")
    assert {v.metric for v in followers} == {"followers"}
    assert {v.metric for v in change} == {"followers_net_change"}
    assert len(followers) == len(change) == 365
    assert nones(followers) == 25
    assert on(followers, dt.date(2025, 3, 25)) == 37
    assert on(followers, dt.date(2026, 2, 27)) == 5013
    assert on(change, dt.date(2026, 1, 1)) == -3
    assert total(change) == 4976


def test_studio_content_real(real_exports: Path) -> None:
    _, parsed = parse(real_exports / STUDIO / "Content.csv", STUDIO_EXPORT_DATE)
    assert len(parsed.posts) == 13
    assert len(parsed.post_metrics) == 13 * 4
    assert {m.snapshot_date for m in parsed.post_metrics} == {dt.date(2026, 2, 28)}  # `Time`
    assert {p.post_type for p in parsed.posts} == {"video"}
    sums = {header: total(post_values(parsed, header)) for header in
            ("Total likes", "Total comments", "Total shares", "Total views")}
    assert sums == {"Total likes": 4063, "Total comments": 117, "Total shares": 275,
                    "Total views": 537161}
    assert {(m.source_metric, m.metric) for m in parsed.post_metrics} == {
        ("Total likes", "likes"), ("Total comments", "comments"), ("Total shares", "shares"),
        ("Total views", "views")}
    # Year-less Post time days, checked against the creation time in each video id (top 32
    # bits = Unix seconds) converted to New York time.
    expected_days = {
        "7527623000473079054": dt.date(2025, 7, 16),
        "7546034661705796877": dt.date(2025, 9, 3),  # id time 2025-09-04 01:08 UTC
        "7531345990947851551": dt.date(2025, 7, 26),
        "7579215527206276383": dt.date(2025, 12, 2),
        "7496081920573328683": dt.date(2025, 4, 22),  # "April 22": the previous year
        "7602008805399940407": dt.date(2026, 2, 1),
    }
    by_id = {p.post_id: p for p in parsed.posts}
    for post_id, day in expected_days.items():
        published = by_id[post_id].published_at
        assert published is not None
        assert published.tzinfo == dt.UTC
        local = published.astimezone(ZoneInfo(STUDIO_TZ))
        assert (local.date(), local.time()) == (day, dt.time(0))
    buxom = by_id["7546034661705796877"]
    assert buxom.title == "BUXOM  PLUMPING LIP GLOSS"
    assert buxom.permalink == "https://www.tiktok.com/@haileytupy2.0/video/7546034661705796877"
    assert by_id["7531345990947851551"].title is None  # empty title cell
    views = {m.post_id: m.value for m in post_values(parsed, "Total views")}
    assert views["7546034661705796877"] == 154414


# --------------------------------------------------------------------------------------------
# TikTok Business: real files
# --------------------------------------------------------------------------------------------


def test_business_overview_real(real_exports: Path) -> None:
    _, parsed = parse(real_exports / BUSINESS / "TIKTOK_RAW.csv", BUSINESS_EXPORT_DATE, BUSINESS_TZ)
    assert parsed.covers == (dt.date(2025, 10, 31), dt.date(2025, 12, 31))
    assert len(parsed.account_daily) == 62 * 11
    expected = {  # header (trailing space stripped) -> (metric, total, NULL cells)
        "Video views": ("video_views", 521491, 0),
        "Reached audience": ("reach", 505414, 1),
        "Profile views": ("profile_visits", 2661, 0),
        "Likes": ("likes", 7178, 0),
        "Shares": ("shares", 1926, 0),
        "Comments": ("comments", 665, 0),
        "Phone number clicks": (None, 0, 0),
        "Leads submission": (None, 0, 0),
        "Net growth": ("followers_net_change", 402, 0),
        "New followers": ("followers_gained", 409, 0),
        "Lost followers": ("followers_lost", 7, 0),
    }
    for header, (metric, column_total, null_cells) in expected.items():
        column = values_of(parsed, header)
        assert len(column) == 62, header
        assert {v.metric for v in column} == {metric}
        assert (total(column), nones(column)) == (column_total, null_cells)
    assert on(values_of(parsed, "Reached audience"), dt.date(2025, 10, 31)) is None  # NAN
    # Zeros stay zeros (not placeholders).
    assert on(values_of(parsed, "Phone number clicks"), dt.date(2025, 11, 1)) == 0
    assert on(values_of(parsed, "Video views"), dt.date(2025, 11, 1)) == 75155
    assert on(values_of(parsed, "Lost followers"), dt.date(2025, 12, 28)) == 1


def test_business_audience_real(real_exports: Path) -> None:
    _, parsed = parse(real_exports / BUSINESS / "TIKTOK_AUDIENCE_RAW.csv", BUSINESS_EXPORT_DATE, BUSINESS_TZ)
    assert parsed.covers == (dt.date(2025, 10, 31), dt.date(2025, 12, 31))
    followers = values_of(parsed, "Total followers")
    assert {v.metric for v in followers} == {"followers"}
    assert nones(followers) == 62  # every cell is `--`
    gained = values_of(parsed, "New followers")
    assert {v.metric for v in gained} == {"followers_gained"}
    assert total(gained) == 409
    reach = values_of(parsed, "Reached audience")
    assert (total(reach), nones(reach)) == (505414, 1)
    engaged = values_of(parsed, "Engaged audience")
    assert {v.metric for v in engaged} == {None}
    assert (total(engaged), nones(engaged)) == (13643, 1)
    assert on(engaged, dt.date(2025, 12, 31)) == 1216


def test_business_videos_real(real_exports: Path) -> None:
    _, parsed = parse(real_exports / BUSINESS / "TIKTOK_VIDEO_RAW.csv", BUSINESS_EXPORT_DATE, BUSINESS_TZ)
    assert len(parsed.posts) == 51
    assert {m.snapshot_date for m in parsed.post_metrics} == {BUSINESS_EXPORT_DATE}
    sums = {(m, h): total(post_values(parsed, h)) for h, m in (
        ("Video views", "views"), ("Likes", "likes"), ("Comments", "comments"), ("Shares", "shares"),
        ("Add to Favorites", "saves"))}
    assert sums == {("views", "Video views"): 538938, ("likes", "Likes"): 7481,
                    ("comments", "Comments"): 135, ("shares", "Shares"): 1985,
                    ("saves", "Add to Favorites"): 570}
    assert {(m.source_metric, m.metric) for m in parsed.post_metrics} == {
        ("Video views", "views"), ("Likes", "likes"), ("Comments", "comments"), ("Shares", "shares"),
        ("Add to Favorites", "saves")}
    first = parsed.posts[0]
    assert first.post_id == "7567452112981069079"
    # "2025/10/31 18:19:10" for a video id created 18:19:06 UTC: the file writes UTC.
    assert first.published_at == dt.datetime(2025, 10, 31, 18, 19, 10, tzinfo=dt.UTC)
    assert first.title is not None and first.title.startswith("Нормален следобед в Плевен")
    first_counts = {m.source_metric: m.value for m in parsed.post_metrics if m.post_id == first.post_id}
    assert first_counts == {"Video views": 172353, "Likes": 1774, "Comments": 42, "Shares": 413,
                            "Add to Favorites": 180}
    # Titles are the first caption line cut to 200 characters (34 of the 51 captions are longer).
    assert sum(len(p.title or "") == 200 for p in parsed.posts) == 34
    second = parsed.posts[1]
    assert second.post_id == "7590060843279060246"  # a 362-character caption
    assert second.title is not None and second.title.endswith("и и нашата най-голяма мот")
    last = parsed.posts[-1]
    assert (last.post_id, last.published_at) == (
        "7567818627731229974", dt.datetime(2025, 11, 1, 18, 1, 24, tzinfo=dt.UTC))
    assert any(n.startswith("Post time is UTC") for n in parsed.notes)


# --------------------------------------------------------------------------------------------
# Year inference (TikTok Studio year-less dates)
# --------------------------------------------------------------------------------------------

OVERVIEW_HEADER = ["Date", "Video Views", "Profile Views", "Likes", "Comments", "Shares"]


@pytest.mark.parametrize(("days", "export_date", "expected"), [
    # Across New Year, oldest first (Studio's order).
    (["December 30", "December 31", "January 1", "January 2"], dt.date(2026, 1, 3),
     ["2025-12-30", "2025-12-31", "2026-01-01", "2026-01-02"]),
    # Export on the last listed day itself.
    (["December 31", "January 1"], dt.date(2026, 1, 1), ["2025-12-31", "2026-01-01"]),
    # Export date before the listed days' date this year: they belong to last year.
    (["April 12", "April 13", "April 14"], dt.date(2026, 4, 12),
     ["2025-04-12", "2025-04-13", "2025-04-14"]),
    # Newest first (a re-sorted copy): read in reverse.
    (["January 2", "January 1", "December 31", "December 30"], dt.date(2026, 1, 5),
     ["2026-01-02", "2026-01-01", "2025-12-31", "2025-12-30"]),
    # Leap day.
    (["February 28", "February 29", "March 1"], dt.date(2024, 3, 5),
     ["2024-02-28", "2024-02-29", "2024-03-01"]),
    # Localised month names (Studio writes dates in the account's language).
    (["30 de diciembre", "31 de diciembre", "1 de enero"], dt.date(2026, 1, 2),
     ["2025-12-30", "2025-12-31", "2026-01-01"]),  # es
    (["31 de dezembro", "1 de janeiro"], dt.date(2026, 1, 2), ["2025-12-31", "2026-01-01"]),  # pt
    (["31 décembre", "1 janvier"], dt.date(2026, 1, 2), ["2025-12-31", "2026-01-01"]),  # fr
    (["31. Dezember", "1. Januar"], dt.date(2026, 1, 2), ["2025-12-31", "2026-01-01"]),  # de
    (["31 dicembre", "1 gennaio"], dt.date(2026, 1, 2), ["2025-12-31", "2026-01-01"]),  # it
    (["31 декабря", "1 января"], dt.date(2026, 1, 2), ["2025-12-31", "2026-01-01"]),  # ru
    (["8 de marzo", "9 de marzo", "10 de marzo"], dt.date(2026, 3, 11),
     ["2026-03-08", "2026-03-09", "2026-03-10"]),
])
def test_year_inference(tmp_path: Path, days: list[str], export_date: dt.date, expected: list[str]) -> None:
    rows = [OVERVIEW_HEADER] + [[day, str(i), "0", "0", "0", "0"] for i, day in enumerate(days)]
    _, parsed = parse(write_csv(tmp_path / "o.csv", rows), export_date)
    views = values_of(parsed, "Video Views")
    assert [v.date.isoformat() for v in views] == expected
    assert [v.value for v in views] == [float(i) for i in range(len(days))]  # row order kept
    assert parsed.covers == (dt.date.fromisoformat(min(expected)), dt.date.fromisoformat(max(expected)))


# --------------------------------------------------------------------------------------------
# Cell values and bad input
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("cell", "expected"), [
    ("undefined", None),  # Studio placeholder
    ("NAN", None),  # Business placeholder
    ("--", None),  # Business placeholder
    ("", None),
    ("0", 0.0),  # a real zero stays zero
    ("1777.0", 1777.0),
    ("1,234", 1234.0),
    ("1.2K", 1200.0),  # newer Studio compact counts
    ("-7", -7.0),
])
def test_cell_values(tmp_path: Path, cell: str, expected: float | None) -> None:
    rows = [OVERVIEW_HEADER, ["April 12", cell, "1", "1", "1", "1"]]
    _, parsed = parse(write_csv(tmp_path / "o.csv", rows), dt.date(2026, 4, 20))
    assert values_of(parsed, "Video Views")[0].value == expected


@pytest.mark.parametrize(("rows", "row", "column", "reason"), [
    ([OVERVIEW_HEADER, ["April 12", "1", "1", "1", "1", "1"], ["April 13", "12abc", "0", "0", "0", "0"]],
     3, "Video Views", "not a number: '12abc'"),
    ([OVERVIEW_HEADER, ["April 12", "1", "1", "1", "1", "1"], ["Smarch 13", "1", "0", "0", "0", "0"]],
     3, "Date", "not a day and month: 'Smarch 13'"),
])
def test_bad_studio_cells_name_row_and_column(tmp_path: Path, rows: list[list[str]], row: int,
                                              column: str, reason: str) -> None:
    path = write_csv(tmp_path / "o.csv", rows)
    with pytest.raises(ExportFileError) as raised:
        parse(path, dt.date(2026, 4, 20))
    assert (raised.value.row, raised.value.column, raised.value.reason) == (row, column, reason)
    assert "o.csv, row" in str(raised.value)


def test_repeated_day_is_rejected(tmp_path: Path) -> None:
    rows = [OVERVIEW_HEADER, ["April 12", "1", "1", "1", "1", "1"], ["April 13", "2", "0", "0", "0", "0"],
            ["April 13", "2", "0", "0", "0", "0"]]
    with pytest.raises(ExportFileError) as raised:
        parse(write_csv(tmp_path / "o.csv", rows), dt.date(2026, 4, 20))
    assert (raised.value.row, raised.value.column, raised.value.reason) == (
        4, "Date", "date 2026-04-13 appears twice")


def test_bad_business_date_names_row_and_column(tmp_path: Path) -> None:
    rows = [["Date", "Video views", "Reached audience", "Net growth"],
            ["2025/10/31", "715", "NAN", "10"], ["31/10/2025", "1", "1", "1"]]
    with pytest.raises(ExportFileError) as raised:
        parse(write_csv(tmp_path / "b.csv", rows, quoted=False), dt.date(2026, 1, 1))
    assert (raised.value.row, raised.value.column) == (3, "Date")


def test_video_link_without_id_is_rejected(tmp_path: Path) -> None:
    rows = [["Video title", "Video link", "Post time", "Video views", "Likes", "Comments", "Shares",
             "Add to Favorites"],
            ["x", "https://www.tiktok.com/@shop", "2025/10/31 18:19:10", "1", "1", "1", "1", "1"]]
    with pytest.raises(ExportFileError) as raised:
        parse(write_csv(tmp_path / "v.csv", rows, quoted=False), dt.date(2026, 1, 1))
    assert (raised.value.row, raised.value.column) == (2, "Video link")


# --------------------------------------------------------------------------------------------
# Post times: UTC or local
# --------------------------------------------------------------------------------------------


def test_business_post_time_in_local_time_when_ids_say_so(tmp_path: Path) -> None:
    """Post times that are local Sofia time (ids created 2 h earlier in UTC) are converted."""
    rows = [["Video title", "Video link", "Post time", "Video views", "Likes", "Comments", "Shares",
             "Add to Favorites"],
            # id 7567787695523384668 was created 2025-11-01 16:01:20 UTC
            ["a", "https://www.tiktok.com/@shop/video/7567787695523384668", "2025/11/01 18:01:24",
             "10", "1", "0", "0", "0"],
            # id 7568158569739203396 was created 2025-11-02 16:00:31 UTC
            ["b", "https://www.tiktok.com/@shop/video/7568158569739203396", "2025/11/02 18:00:35",
             "20", "2", "0", "0", "0"]]
    _, parsed = parse(write_csv(tmp_path / "v.csv", rows, quoted=False), dt.date(2026, 1, 1), BUSINESS_TZ)
    assert [p.published_at for p in parsed.posts] == [
        dt.datetime(2025, 11, 1, 16, 1, 24, tzinfo=dt.UTC),
        dt.datetime(2025, 11, 2, 16, 0, 35, tzinfo=dt.UTC)]
    assert not any(n.startswith("Post time is UTC") for n in parsed.notes)


# --------------------------------------------------------------------------------------------
# Newer Studio content variant and XLSX downloads
# --------------------------------------------------------------------------------------------


def test_newer_studio_content_variant() -> None:
    path = FIXTURES / "studio_content_2026.csv"
    name, parsed = parse(path, dt.date(2026, 10, 5), STUDIO_TZ)
    assert name == "tiktok_studio_content"
    assert [p.post_id for p in parsed.posts] == [
        "7692428140020972621", "7690767168550334477", "7687632443540636420"]
    assert [p.post_type for p in parsed.posts] == ["video", "video", "photo"]
    # Local New York times (EDT, UTC-4) -> UTC; the third crosses midnight UTC.
    assert [p.published_at for p in parsed.posts] == [
        dt.datetime(2026, 10, 3, 13, 10, tzinfo=dt.UTC),
        dt.datetime(2026, 9, 29, 1, 45, tzinfo=dt.UTC),
        dt.datetime(2026, 9, 20, 15, 0, tzinfo=dt.UTC)]
    assert [p.title for p in parsed.posts] == ["Fall menu 🍂 #coffee", None, "Latte art, 5 photos"]
    assert {m.snapshot_date for m in parsed.post_metrics} == {dt.date(2026, 10, 5)}  # no `Time`
    metric_of = {m.source_metric: m.metric for m in parsed.post_metrics}
    assert metric_of == {"Total likes": "likes", "Total comments": "comments", "Total shares": "shares",
                         "Total views": "views", "Add to favorites": "saves", "Total play time": None,
                         "Average watch time": None, "Watched full video": None}
    assert [m.value for m in post_values(parsed, "Total likes")] == [1200, 968, 40]  # "1.2K"
    assert [m.value for m in post_values(parsed, "Total views")] == [15300, 9871, 812]
    assert [m.value for m in post_values(parsed, "Add to favorites")] == [310, 1100, 5]
    assert [m.value for m in post_values(parsed, "Total comments")] == [87, None, 2]  # undefined
    assert [m.value for m in post_values(parsed, "Total play time")] == [76445, 10920, 560]  # seconds
    assert [m.value for m in post_values(parsed, "Average watch time")] == [5.0, 1.1, 0.7]
    assert [m.value for m in post_values(parsed, "Watched full video")] == [12.5, 4.1, 0]


def _workbook(path: Path, sheet: str, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


def test_studio_overview_xlsx(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "Overview.xlsx", "Overview", [
        OVERVIEW_HEADER,
        ["December 31", 9768, 12, 15, 0, 0],
        ["January 1", 28710, 23, 13, 0, 0],
        ["January 2", "undefined", 5, 4, 1, 3],
    ])
    name, parsed = parse(path, dt.date(2026, 1, 3))
    assert name == "tiktok_studio_overview"
    views = values_of(parsed, "Video Views")
    assert [(v.date, v.value) for v in views] == [
        (dt.date(2025, 12, 31), 9768), (dt.date(2026, 1, 1), 28710), (dt.date(2026, 1, 2), None)]
    assert total(values_of(parsed, "Profile Views")) == 40


def test_studio_follower_history_xlsx_with_date_cells(tmp_path: Path) -> None:
    """An .xlsx may hold real date cells: they carry their year, no inference needed."""
    path = _workbook(tmp_path / "FollowerHistory.xlsx", "FollowerHistory", [
        ["Date", "Followers", "Difference in followers from previous day"],
        [dt.datetime(2024, 12, 31), 4996, 1],
        [dt.datetime(2025, 1, 1), 4993, -3],
    ])
    _, parsed = parse(path, dt.date(2026, 2, 28))
    followers = values_of(parsed, "Followers")
    assert [(v.date, v.value) for v in followers] == [(dt.date(2024, 12, 31), 4996), (dt.date(2025, 1, 1), 4993)]
    assert parsed.covers == (dt.date(2024, 12, 31), dt.date(2025, 1, 1))


def test_studio_content_xlsx(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "Content.xlsx", "Content", [
        ["Time", "Video title", "Video link", "Post time", "Total likes", "Total comments", "Total shares",
         "Total views"],
        ["January 3", "New year", "https://www.tiktok.com/@shop/video/7590060843279060246", "December 31",
         135, 4, 3, 3382],
    ])
    _, parsed = parse(path, dt.date(2026, 1, 10))
    (post,) = parsed.posts
    assert post.published_at == dt.datetime(2025, 12, 31, 5, 0, tzinfo=dt.UTC)  # NY midnight (EST)
    assert {m.snapshot_date for m in parsed.post_metrics} == {dt.date(2026, 1, 3)}
    assert [m.value for m in post_values(parsed, "Total views")] == [3382]
