"""Edge cases of the X parsers: cell readers, bad input, totals rows, recognition boundaries."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from connectors.base import ExportContext, ExportFileError
from connectors.tables import read_sheets
from connectors.x.exports import (
    EXPORT_FORMATS,
    parse_account_content_export,
    parse_account_overview_export,
    parse_daily_date,
    parse_daily_tweet_activity_export,
    parse_post_id,
    parse_tweet_activity_export,
    parse_tweet_time,
)

OVERVIEW_HEADER = ("Date,Impressions,Likes,Engagements,Bookmarks,Shares,New follows,Unfollows,Replies,"
                   "Reposts,Profile visits,Create Post,Video views,Media views")
CONTENT_HEADER_EARLY = ("Post id,Date,Post text,Link,Impressions,Likes,Engagements,Bookmarks,Share,"
                        "New follows,Replies,Reposts,Profile visits,Detail expands,Url clicks,"
                        "Hashtag clicks,Permalink clicks")
TWEET_HEADER = ['Tweet id', 'Tweet permalink', 'Tweet text', 'time', 'impressions', 'engagements',
                'retweets', 'replies', 'likes', 'url clicks', 'media views', 'promoted impressions']
DAILY_HEADER = ["Date", "Tweets published", "impressions", "engagements", "retweets", "replies",
                "likes", "url clicks", "promoted impressions"]


def ctx_for(path: Path | str = "export.csv", timezone: str = "UTC") -> ExportContext:
    return ExportContext(path=Path(path), platform="x", account_id="acct", timezone=timezone,
                         export_date=dt.date(2025, 3, 22))


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------
# Cell readers
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("cell", "expected"), [
    ("2021-08-01", dt.date(2021, 8, 1)),  # native CSV
    (" 2020-04-01 ", dt.date(2020, 4, 1)),
    ("2020-04-01 00:00:00", dt.date(2020, 4, 1)),  # re-saved with a midnight time
    ("43922", dt.date(2020, 4, 1)),  # pasted as a number: Excel serial
    ("43922.0", dt.date(2020, 4, 1)),
    ("44008", dt.date(2020, 6, 26)),
    ("38718", dt.date(2006, 1, 1)),  # the earliest serial accepted
])
def test_parse_daily_date(cell, expected):
    assert parse_daily_date(cell) == expected


@pytest.mark.parametrize(("cell", "message"), [
    ("", "not a date"),
    ("4/1/2020", "not a date"),  # day/month order unknowable
    ("2020-13-01", "month must be in 1..12"),
    ("2020-04-01 10:00", "not a date"),  # a time of day in a daily file
    ("116", "not an Excel date from the X era"),  # a count pasted into the Date column
    ("38717", "not an Excel date from the X era"),  # 2005-12-31: before X existed
    ("Apr 1", "not a date"),
])
def test_parse_daily_date_rejects(cell, message):
    with pytest.raises(ValueError, match=message):
        parse_daily_date(cell)


@pytest.mark.parametrize(("cell", "timezone", "expected"), [
    ("2021-11-30 16:00 +0000", "UTC", dt.datetime(2021, 11, 30, 16, 0, tzinfo=dt.UTC)),
    ("2021-11-30 16:00 +0000", "Asia/Tokyo", dt.datetime(2021, 11, 30, 16, 0, tzinfo=dt.UTC)),
    ("2021-11-30 16:00 +0100", "UTC", dt.datetime(2021, 11, 30, 15, 0, tzinfo=dt.UTC)),
    ("2021-11-30 16:00:59 +0000", "UTC", dt.datetime(2021, 11, 30, 16, 0, 59, tzinfo=dt.UTC)),
    # No offset (a re-save): local time of the account, stored as UTC.
    ("2021-11-30 16:00", "Asia/Tokyo", dt.datetime(2021, 11, 30, 7, 0, tzinfo=dt.UTC)),
    ("2021-07-01 09:30", "Europe/Berlin", dt.datetime(2021, 7, 1, 7, 30, tzinfo=dt.UTC)),
])
def test_parse_tweet_time(cell, timezone, expected):
    parsed = parse_tweet_time(cell, ZoneInfo(timezone))
    assert parsed == expected
    assert parsed.utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize("cell", ["11/30/2021 16:00", "2021-11-30", "", "Tue Nov 30 2021"])
def test_parse_tweet_time_rejects(cell):
    with pytest.raises(ValueError, match="not a tweet time"):
        parse_tweet_time(cell, ZoneInfo("UTC"))


@pytest.mark.parametrize(("cell", "expected"), [
    ("1465712230054432768", "1465712230054432768"),
    (" 1902622306553184746 ", "1902622306553184746"),
    ("20", "20"),
])
def test_parse_post_id(cell, expected):
    assert parse_post_id(cell) == expected


@pytest.mark.parametrize(("cell", "message"), [
    ("1.46571E+18", "rounded"),  # Excel re-save
    ("1,46571E+18", "rounded"),  # ... in a comma-decimal locale
    ("", "not a numeric X post id"),
    ("abc", "not a numeric X post id"),
])
def test_parse_post_id_rejects(cell, message):
    with pytest.raises(ValueError, match=message):
        parse_post_id(cell)


# Number cells as X writes them, read through a whole overview row.
@pytest.mark.parametrize(("cell", "expected"), [
    ("1070", 1070.0),
    ('"1,234"', 1234.0),  # Premium thousands separator
    ('"12,345,678"', 12345678.0),
    ("1777.0", 1777.0),  # legacy float counts
    ("0", 0.0),
    ("", None),  # empty: no data, not 0
    ("-", None),  # legacy promoted placeholder
    ("--", None),
])
def test_overview_number_cells(tmp_path, cell, expected):
    path = write(tmp_path, "overview.csv",
                 f'{OVERVIEW_HEADER}\n"Fri, Mar 21, 2025",{cell},11,32,0,0,0,0,2,1,6,0,0,0\n')
    parsed = parse_account_overview_export(read_sheets(path), ctx_for(path))
    impressions = [v for v in parsed.account_daily if v.metric == "impressions"]
    assert [(v.date, v.value) for v in impressions] == [(dt.date(2025, 3, 21), expected)]


@pytest.mark.parametrize(("date_cell", "expected"), [
    ('"Fri, Mar 21, 2025"', dt.date(2025, 3, 21)),  # overview / mid-2025 content
    ("Thu Mar 20 2025", dt.date(2025, 3, 20)),  # early-2025 content
    ('"Tue, Jul 14, 2026"', dt.date(2026, 7, 14)),
])
def test_overview_date_forms(tmp_path, date_cell, expected):
    path = write(tmp_path, "overview.csv", f"{OVERVIEW_HEADER}\n{date_cell},1,1,1,0,0,0,0,0,0,0,0,0,0\n")
    parsed = parse_account_overview_export(read_sheets(path), ctx_for(path))
    assert parsed.covers == (expected, expected)


# --------------------------------------------------------------------------------------------
# Bad input names file, row and column
# --------------------------------------------------------------------------------------------


def test_bad_number_cell_names_file_row_and_column(tmp_path):
    path = write(tmp_path, "account_overview_analytics.csv",
                 f'{OVERVIEW_HEADER}\n"Fri, Mar 21, 2025",1070,11,32,0,0,0,0,2,1,6,0,0,0\n'
                 f'"Thu, Mar 20, 2025",1303,forty,85,0,0,0,0,8,4,8,1,0,0\n')
    with pytest.raises(ExportFileError) as caught:
        parse_account_overview_export(read_sheets(path), ctx_for(path))
    error = caught.value
    assert (error.row, error.column) == (3, "Likes")
    assert str(error).startswith("account_overview_analytics.csv, row 3, column 'Likes': ")
    assert "'forty' is not a number" in str(error)


def test_bad_overview_date(tmp_path):
    path = write(tmp_path, "overview.csv", f"{OVERVIEW_HEADER}\n21/03/2025,1,1,1,0,0,0,0,0,0,0,0,0,0\n")
    with pytest.raises(ExportFileError) as caught:
        parse_account_overview_export(read_sheets(path), ctx_for(path))
    assert (caught.value.row, caught.value.column) == (2, "Date")


def test_overview_conflicting_repeated_day(tmp_path):
    path = write(tmp_path, "overview.csv",
                 f'{OVERVIEW_HEADER}\n"Fri, Mar 21, 2025",5,1,1,0,0,0,0,0,0,0,0,0,0\n'
                 f'"Fri, Mar 21, 2025",6,1,1,0,0,0,0,0,0,0,0,0,0\n')
    with pytest.raises(ExportFileError, match="2025-03-21 appears twice") as caught:
        parse_account_overview_export(read_sheets(path), ctx_for(path))
    assert caught.value.row == 3


def test_content_bad_cells(tmp_path):
    rows = ("1902622306553184746,Thu Mar 20 2025,hi,https://x.com/a/status/1902622306553184746,"
            "33,0,0,0,0,0,0,0,0,0,0,0,0\n"
            "1.90262E+18,Thu Mar 20 2025,hi,https://x.com/a/status/1,3,0,0,0,0,0,0,0,0,0,0,0,0\n")
    path = write(tmp_path, "content.csv", f"{CONTENT_HEADER_EARLY}\n{rows}")
    with pytest.raises(ExportFileError, match="rounded") as caught:
        parse_account_content_export(read_sheets(path), ctx_for(path))
    assert (caught.value.row, caught.value.column) == (3, "Post id")

    path = write(tmp_path, "content2.csv",
                 f"{CONTENT_HEADER_EARLY}\n1,2025-03-20,hi,,3,0,0,0,0,0,0,0,0,0,0,0,0\n")
    with pytest.raises(ExportFileError) as caught:
        parse_account_content_export(read_sheets(path), ctx_for(path))
    assert (caught.value.row, caught.value.column) == (2, "Date")


def test_content_duplicate_post(tmp_path):
    row = "1902622306553184746,Thu Mar 20 2025,hi,,33,0,0,0,0,0,0,0,0,0,0,0,0\n"
    path = write(tmp_path, "content.csv", f"{CONTENT_HEADER_EARLY}\n{row}{row}")
    with pytest.raises(ExportFileError, match="listed twice") as caught:
        parse_account_content_export(read_sheets(path), ctx_for(path))
    assert caught.value.row == 3


def tweet_sheets(*rows: list[str], header: list[str] = TWEET_HEADER) -> dict[str, list[list[str]]]:
    return {"": [list(header), *[list(r) for r in rows]]}


TWEET_ROW = ["1465712230054432768", "https://twitter.com/x/status/1465712230054432768", "hello &gt; world",
             "2021-11-30 16:00 +0000", "1777.0", "5.0", "0.0", "0.0", "2.0", "0.0", "0", "-"]


def test_tweet_activity_bad_number():
    bad = ["1465712230054432769", *TWEET_ROW[1:4], "1777.0.0", *TWEET_ROW[5:]]
    with pytest.raises(ExportFileError, match=re.escape("'1777.0.0' is not a number")) as caught:
        parse_tweet_activity_export(tweet_sheets(TWEET_ROW, bad), ctx_for("t.csv"))
    assert (caught.value.row, caught.value.column) == (3, "impressions")


def test_tweet_activity_duplicate_tweet():
    with pytest.raises(ExportFileError, match="listed twice") as caught:
        parse_tweet_activity_export(tweet_sheets(TWEET_ROW, TWEET_ROW), ctx_for("t.csv"))
    assert (caught.value.row, caught.value.column) == (3, "Tweet id")


def test_tweet_activity_bad_time():
    bad = [*TWEET_ROW[:3], "30/11/2021 16:00", *TWEET_ROW[4:]]
    with pytest.raises(ExportFileError) as caught:
        parse_tweet_activity_export(tweet_sheets(bad), ctx_for("t.csv"))
    assert (caught.value.row, caught.value.column) == (2, "time")


def test_tweet_activity_older_favorites_header_and_unescape():
    header = [("favorites" if h == "likes" else h) for h in TWEET_HEADER]
    parsed = parse_tweet_activity_export(tweet_sheets(TWEET_ROW, header=header), ctx_for("t.csv"))
    likes = [v for v in parsed.post_metrics if v.metric == "likes"]
    assert [(v.source_metric, v.value) for v in likes] == [("favorites", 2.0)]
    assert parsed.posts[0].title == "hello > world"
    assert "older export: 'favorites' read as likes" in parsed.notes


def test_tweet_activity_unmapped_column_is_reported_not_loaded():
    header = [*TWEET_HEADER, "bookmarks"]
    parsed = parse_tweet_activity_export(tweet_sheets([*TWEET_ROW, "3"], header=header), ctx_for("t.csv"))
    assert "bookmarks" not in {v.source_metric for v in parsed.post_metrics}
    assert any("bookmarks" in note and "not loaded" in note for note in parsed.notes)


# --------------------------------------------------------------------------------------------
# Daily sheets: totals rows, serial dates, repeated days, other sheets
# --------------------------------------------------------------------------------------------


def daily_row(date: str, tweets: str, impressions: str, engagements: str = "1") -> list[str]:
    return [date, tweets, impressions, engagements, "0", "0", "1", "0", "-"]


def test_daily_labelled_and_unlabelled_totals_rows_are_dropped():
    sheets = {
        "April": [DAILY_HEADER, daily_row("2020-04-01", "1", "100"), daily_row("2020-04-02", "2", "250"),
                  daily_row("Total", "3", "350", "2")],
        "May": [DAILY_HEADER, daily_row("43952", "0", "40"), daily_row("43953", "4", "60"),
                daily_row("", "4", "100", "2")],  # SUM row without a label
    }
    parsed = parse_daily_tweet_activity_export(sheets, ctx_for("book.xls"))
    impressions = {v.date: v.value for v in parsed.account_daily if v.metric == "impressions"}
    assert impressions == {dt.date(2020, 4, 1): 100, dt.date(2020, 4, 2): 250,
                           dt.date(2020, 5, 1): 40, dt.date(2020, 5, 2): 60}
    assert parsed.covers == (dt.date(2020, 4, 1), dt.date(2020, 5, 2))
    assert "dropped totals row (sheet 'April': row 4)" in parsed.notes
    assert "dropped unlabelled totals row (sheet 'May': row 4)" in parsed.notes


def test_daily_row_with_figures_but_no_date_is_an_error():
    sheets = {"April": [DAILY_HEADER, daily_row("2020-04-01", "1", "100"), daily_row("", "5", "99")]}
    with pytest.raises(ExportFileError, match="sheet 'April': row has figures but no date") as caught:
        parse_daily_tweet_activity_export(sheets, ctx_for("book.xls"))
    assert (caught.value.row, caught.value.column) == (3, "Date")


def test_daily_repeated_days_across_sheets():
    same = {"April": [DAILY_HEADER, daily_row("2020-04-30", "1", "100")],
            "May": [DAILY_HEADER, daily_row("2020-04-30", "1", "100"), daily_row("2020-05-01", "0", "7")]}
    parsed = parse_daily_tweet_activity_export(same, ctx_for("book.xls"))
    assert [v.value for v in parsed.account_daily if v.metric == "impressions"] == [100, 7]
    assert "dropped 1 repeated days with identical figures" in parsed.notes

    conflicting = {"April": [DAILY_HEADER, daily_row("2020-04-30", "1", "100")],
                   "May": [DAILY_HEADER, daily_row("2020-04-30", "1", "101")]}
    with pytest.raises(ExportFileError, match="2020-04-30 appears twice") as caught:
        parse_daily_tweet_activity_export(conflicting, ctx_for("book.xls"))
    assert caught.value.row == 2
    assert "sheet 'May'" in str(caught.value)


def test_daily_bad_cells_name_sheet_row_and_column():
    sheets = {"June": [DAILY_HEADER, daily_row("2020-06-01", "1", "1O0")]}
    with pytest.raises(ExportFileError) as caught:
        parse_daily_tweet_activity_export(sheets, ctx_for("NPLF Twitter Q1.xls"))
    assert (caught.value.row, caught.value.column) == (2, "impressions")
    assert str(caught.value).startswith("NPLF Twitter Q1.xls, row 2, column 'impressions': sheet 'June'")

    sheets = {"June": [DAILY_HEADER, daily_row("6/1/2020", "1", "100")]}
    with pytest.raises(ExportFileError) as caught:
        parse_daily_tweet_activity_export(sheets, ctx_for("book.xls"))
    assert (caught.value.row, caught.value.column) == (2, "Date")


def test_daily_other_sheets_are_ignored_with_a_note():
    sheets = {"Notes": [["Q2 report for the board"]], "Empty": [[""]],
              "April": [DAILY_HEADER, daily_row("2020-04-01", "1", "100")]}
    parsed = parse_daily_tweet_activity_export(sheets, ctx_for("book.xls"))
    assert parsed.notes == ["ignored sheet 'Notes': no daily tweet activity header"]
    assert len(parsed.account_daily) == len(DAILY_HEADER) - 1


def test_daily_new_followers_columns_when_present():
    header = [*DAILY_HEADER, "new followers", "unfollows"]
    sheets = {"": [header, [*daily_row("2020-04-01", "1", "100"), "7", "2"]]}
    parsed = parse_daily_tweet_activity_export(sheets, ctx_for("daily.csv"))
    by_metric = {v.metric: v.value for v in parsed.account_daily if v.metric}
    assert (by_metric["followers_gained"], by_metric["followers_lost"]) == (7, 2)
    assert "followers" not in by_metric


# --------------------------------------------------------------------------------------------
# Recognition boundaries
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("header", "expected"), [
    (TWEET_HEADER, ["x_tweet_activity"]),
    (DAILY_HEADER, ["x_daily_tweet_activity"]),
    (OVERVIEW_HEADER.split(","), ["x_account_overview"]),
    (CONTENT_HEADER_EARLY.split(","), ["x_account_content"]),
    (["Post id", "Date", "Post text", "Post Link", "Impressions", "Likes", "Engagements", "Bookmarks",
      "Shares", "New follows", "Replies", "Reposts", "Profile visits", "Detail Expands", "URL Clicks",
      "Hashtag Clicks", "Permalink Clicks"], ["x_account_content"]),
    # TikTok Studio overview and a Meta daily file share words but are not X exports.
    (["Date", "Video Views", "Profile Views", "Likes", "Comments", "Shares"], []),
    (["Date", "Primary"], []),
    (["commit_date", "date", "month", "followers", "new_followers", "tweets", "tweet_impressions",
      "profile_visits", "mentions"], []),
])
def test_recognition_by_header(header, expected):
    sheets = {"": [list(header), ["x"] * len(header)]}
    assert [fmt.name for fmt in EXPORT_FORMATS if fmt.recognise(sheets)] == expected


@pytest.mark.parametrize("sheets", [{}, {"": []}, {"": [[]]}, {"": [[""]]}, {"a": [], "b": [["Date"]]}])
def test_recognise_never_raises_on_empty_input(sheets):
    assert [fmt.name for fmt in EXPORT_FORMATS if fmt.recognise(sheets)] == []


def test_parse_of_unrecognised_sheets_says_so():
    with pytest.raises(ExportFileError, match="not an X Premium content export"):
        parse_account_content_export({"": [["a", "b"]]}, ctx_for("c.csv"))
    with pytest.raises(ExportFileError, match="not an X daily tweet activity export"):
        parse_daily_tweet_activity_export({"": [["a", "b"]]}, ctx_for("d.csv"))
