"""Edge cases of the shared Meta Business Suite formats, on small files written by the tests.

Real files are covered in tests/connectors/facebook and tests/connectors/instagram.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from connectors.base import ExportContext, ExportFileError, ParsedExport
from connectors.facebook import connector as facebook_connector
from connectors.facebook.settings import SETTINGS as FACEBOOK
from connectors.instagram import connector as instagram_connector
from connectors.instagram.settings import SETTINGS as INSTAGRAM
from connectors.meta.business_suite import (
    AUDIENCE_SKIPPED_REASON,
    COLLAPSED_RESAVE_REASON,
    MetaAudienceFormat,
    MetaCollapsedResaveFormat,
    MetaDailyMetricFormat,
    MetaPlatformSettings,
    MetaPostExportFormat,
    local_to_utc,
    post_title,
)
from connectors.tables import read_sheets

EXPORT_DATE = dt.date(2025, 4, 20)
UTC = dt.UTC


def _ctx(path: Path, platform: str = "facebook", timezone: str = "Africa/Johannesburg") -> ExportContext:
    return ExportContext(path=path, platform=platform, account_id="acct-1", timezone=timezone,
                         export_date=EXPORT_DATE)


def _write_daily(tmp_path: Path, title: str, rows: list[tuple[str, str]], name: str = "daily.csv") -> Path:
    """A daily file as Meta writes it: UTF-16LE with BOM, `sep=,`, title, "Date","Primary"."""
    lines = ["sep=,", f'"{title}"', '"Date","Primary"', *(f'"{d}","{v}"' for d, v in rows), ""]
    path = tmp_path / name
    path.write_bytes("\n".join(lines).encode("utf-16"))  # "utf-16" writes the LE BOM on little-endian
    return path


def _parse_daily(path: Path, settings: MetaPlatformSettings = FACEBOOK) -> ParsedExport:
    sheets = read_sheets(path)
    fmt = MetaDailyMetricFormat(settings)
    assert fmt.recognise(sheets)
    return fmt.parse(sheets, _ctx(path, settings.platform))


# --------------------------------------------------------------------------------------------
# Daily metric files
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("2025-01-01T01:00:00", dt.date(2025, 1, 1)),  # winter offset artifact: date part, no shift
        ("2025-03-10T00:00:00", dt.date(2025, 3, 10)),
        ("2025-12-31T23:00:00", dt.date(2025, 12, 31)),  # a late stamp is still its own day
        ("2024-02-29T00:00:00", dt.date(2024, 2, 29)),
        ("2025-06-01", dt.date(2025, 6, 1)),
    ],
)
def test_daily_date_is_the_date_part_of_the_stamp(tmp_path, stamp, expected):
    parsed = _parse_daily(_write_daily(tmp_path, "Views", [(stamp, "7")]))
    assert [(v.date, v.value) for v in parsed.account_daily] == [(expected, 7.0)]
    assert parsed.covers == (expected, expected)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("12", 12.0),
        ("0", 0.0),
        ("1777.0", 1777.0),
        ("1,234", 1234.0),
        ("", None),  # no data: None, never 0
        ("N/A", None),
        ("--", None),
    ],
)
def test_daily_values(tmp_path, cell, expected):
    parsed = _parse_daily(_write_daily(tmp_path, "Views", [("2025-01-02T00:00:00", cell)]))
    assert [v.value for v in parsed.account_daily] == [expected]


@pytest.mark.parametrize(
    ("settings", "title", "metrics"),
    [
        (FACEBOOK, "Facebook reach", ["reach"]),
        (FACEBOOK, "Viewers", ["reach"]),
        (FACEBOOK, "Facebook visits", ["profile_visits"]),
        (FACEBOOK, "Follows", ["followers_gained"]),
        (FACEBOOK, "Content interactions", ["engagements"]),
        (FACEBOOK, "Link clicks", ["link_clicks", "clicks"]),
        (FACEBOOK, "views", ["impressions"]),  # title case varies: matched case-insensitively
        (INSTAGRAM, "Views", ["impressions"]),
        (INSTAGRAM, "Reach", ["reach"]),
        (INSTAGRAM, "Instagram profile visits", ["profile_visits"]),
        (INSTAGRAM, "Instagram follows", ["followers_gained"]),
        (INSTAGRAM, "Instagram link clicks", ["link_clicks", "clicks"]),
    ],
)
def test_daily_title_mapping(tmp_path, settings, title, metrics):
    parsed = _parse_daily(_write_daily(tmp_path, title, [("2025-01-02T00:00:00", "3")]), settings)
    assert [v.metric for v in parsed.account_daily] == metrics
    assert {v.source_metric for v in parsed.account_daily} == {title}  # as written in the file


@pytest.mark.parametrize(
    ("settings", "title"),
    [
        (FACEBOOK, "Minutes viewed"),
        (FACEBOOK, "Instagram follows"),  # an Instagram file dropped in the Facebook folder
        (INSTAGRAM, "Facebook reach"),
    ],
)
def test_unknown_daily_title_is_refused_by_name(tmp_path, settings, title):
    path = _write_daily(tmp_path, title, [("2025-01-02T00:00:00", "3")])
    with pytest.raises(ExportFileError) as err:
        _parse_daily(path, settings)
    assert repr(title) in err.value.reason
    assert err.value.row == 1
    assert err.value.path == path


@pytest.mark.parametrize(
    ("rows", "row", "column", "reason_part"),
    [
        ([("31/10/2025", "4")], 3, "Date", "YYYY-MM-DD"),  # a locale re-save: day/month order unknown
        ([("10/31/2025 00:00", "4")], 3, "Date", "YYYY-MM-DD"),
        ([("2025-02-30T00:00:00", "4")], 3, "Date", "invalid date"),
        ([("2025-01-02T00:00:00", "abc")], 3, "Primary", "not a number"),
        ([("2025-01-02T00:00:00", "1"), ("2025-01-03T00:00:00", "2"), ("2025-01-03T01:00:00", "3")],
         5, "Date", "appears twice"),
    ],
)
def test_bad_daily_rows_name_row_and_column(tmp_path, rows, row, column, reason_part):
    path = _write_daily(tmp_path, "Views", rows)
    with pytest.raises(ExportFileError) as err:
        _parse_daily(path)
    assert (err.value.row, err.value.column) == (row, column)
    assert reason_part in err.value.reason
    assert str(err.value).startswith(f"{path.name}, row {row}, column {column!r}")


def test_daily_file_with_header_only_is_empty_not_an_error(tmp_path):
    parsed = _parse_daily(_write_daily(tmp_path, "Views", []))
    assert parsed.account_daily == []
    assert parsed.covers is None
    assert "no daily rows in the file" in parsed.notes


def test_daily_row_with_extra_cells_is_refused(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_bytes('sep=,\n"Views"\n"Date","Primary"\n"2025-01-02T00:00:00","4","9"\n'.encode("utf-16"))
    with pytest.raises(ExportFileError) as err:
        _parse_daily(path)
    assert err.value.row == 3
    assert "found 3" in err.value.reason


def test_semicolon_resave_of_a_daily_file_is_read(tmp_path):
    # A spreadsheet in a `;` locale drops the quotes and the sep= line and ends the title with `;`.
    path = tmp_path / "resaved.csv"
    path.write_text("Facebook follows;\nDate;Primary\n2025-10-31T00:00:00;4\n2025-11-03T01:00:00;0\n",
                    encoding="utf-8")
    parsed = _parse_daily(path)
    assert [(v.date, v.metric, v.value) for v in parsed.account_daily] == [
        (dt.date(2025, 10, 31), "followers_gained", 4.0),
        (dt.date(2025, 11, 3), "followers_gained", 0.0),
    ]


# --------------------------------------------------------------------------------------------
# Recognition across formats
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sheets", "expected"),
    [
        ({"": [["Views"], ["Date", "Primary"], ["2025-01-01T00:00:00", "1"]]}, "meta_daily_metric"),
        ({"": [["Facebook follows", ""], ["Date", "Primary"]]}, "meta_daily_metric"),
        ({"": [["Age & gender"], ["", "Women", "Men"], ["18-24", "10.6", "6.5"]]}, "meta_audience"),
        ({"": [["Top cities"], ["New York, NY"], ["1.7"]]}, "meta_audience"),
        ({"": [['Post ID,"Page ID","Publish time",Permalink']]}, "meta_resaved_collapsed"),
        ({"": [['Video asset ID;"Page ID";"Publish time"']]}, "meta_resaved_collapsed"),
        ({"": [["Views"], ['"Date","Primary"']]}, "meta_resaved_collapsed"),
        ({"": [["Post ID", "Page ID", "Publish time", "Permalink", "Post type", "Date", "Views"]]},
         "meta_post_export"),
        ({"": [["Date", "Primary"], ["2025-01-01", "1"]]}, None),  # no title line
        ({"": [["Views"], ["Date", "Primary", "Comparison"]]}, None),
        ({"": [["Post ID", "Account ID", "Publish time", "Permalink", "Post type", "Date"]]}, None),  # IG
        ({"": [["Age & gender, Top cities"]]}, None),
        ({"Sheet1": [["Views"], ["Date", "Primary"]]}, None),  # a workbook, not a Meta CSV
        ({"": []}, None),
        ({"": [["a\x00,b"], ["\x00"]]}, None),  # odd bytes: recognise never raises
    ],
)
def test_facebook_connector_recognises_by_content(sheets, expected):
    fmt = facebook_connector.recognise(sheets)
    assert (fmt.name if fmt else None) == expected


def test_instagram_post_export_is_recognised_by_instagram_only():
    sheets = {"": [["Post ID", "Account ID", "Publish time", "Permalink", "Post type", "Date", "Views"]]}
    assert instagram_connector.recognise(sheets).name == "meta_post_export"
    assert facebook_connector.recognise(sheets) is None


def test_collapsed_resave_is_refused_with_the_reason(tmp_path):
    path = tmp_path / "collapsed.csv"
    lines = ['\ufeff"Post ID,""Account ID"",""Publish time"",Date"', '"1,2,""05/26/2026 10:23"",Lifetime"']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    sheets = read_sheets(path)
    fmt = MetaCollapsedResaveFormat()
    assert fmt.recognise(sheets)
    with pytest.raises(ExportFileError) as err:
        fmt.parse(sheets, _ctx(path))
    assert err.value.reason == COLLAPSED_RESAVE_REASON
    assert "every row collapsed into one quoted field" in str(err.value)


def test_audience_is_skipped_with_reason_and_blocks(tmp_path):
    path = tmp_path / "Audience.csv"
    text = 'sep=,\n"Age & gender"\n"","Women","Men"\n"18-24","10.6","6.5"\n\n"Top cities"\n"A, B"\n"1.5"\n'
    path.write_bytes(text.encode("utf-16"))
    sheets = read_sheets(path)
    assert MetaAudienceFormat().recognise(sheets)
    parsed = MetaAudienceFormat().parse(sheets, _ctx(path))
    assert parsed.skipped_reason == AUDIENCE_SKIPPED_REASON
    assert parsed.account_daily == [] and parsed.posts == []
    assert parsed.notes == ["audience blocks: Age & gender, Top cities"]


# --------------------------------------------------------------------------------------------
# Per-post export
# --------------------------------------------------------------------------------------------

FB_POST_HEADER = ('"Post ID","Page ID","Page name",Title,Description,"Publish time",Permalink,"Post type",'
                  'Date,Views,Reach,"Reactions, comments and shares",Reactions,Comments,Shares,'
                  '"Total clicks",Views,"Link Clicks"')


def _write_posts(tmp_path: Path, header: str, rows: list[str]) -> Path:
    path = tmp_path / "Jan-01-2025_Jan-31-2025_1.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "\n".join([header, *rows, ""]).encode("utf-8"))
    return path


def _parse_posts(path: Path, settings: MetaPlatformSettings = FACEBOOK,
                 timezone: str = "Africa/Johannesburg") -> ParsedExport:
    sheets = read_sheets(path)
    fmt = MetaPostExportFormat(settings)
    assert fmt.recognise(sheets)
    return fmt.parse(sheets, _ctx(path, settings.platform, timezone))


def _metrics(parsed: ParsedExport, post_id: str) -> dict[str, tuple[str | None, float | None]]:
    return {m.source_metric: (m.metric, m.value) for m in parsed.post_metrics if m.post_id == post_id}


def test_duplicate_views_header_first_is_impressions_second_is_lineage(tmp_path):
    path = _write_posts(tmp_path, FB_POST_HEADER, [
        '111,9,Page,"Line one\nline two",,"03/01/2025 10:00",https://fb/1,Photos,Lifetime,40,15,3,2,1,0,5,38,2',
    ])
    parsed = _parse_posts(path)
    assert _metrics(parsed, "111") == {
        "Views": ("impressions", 40.0),
        "Reach": ("reach", 15.0),
        "Reactions, comments and shares": (None, 3.0),  # lower-case variant: lineage only
        "Reactions": ("likes", 2.0),
        "Comments": ("comments", 1.0),
        "Shares": ("shares", 0.0),
        "Total clicks": ("clicks", 5.0),
        "Views (2)": (None, 38.0),
        "Link Clicks": (None, 2.0),
    }
    assert any("duplicate header 'Views' in 2 columns" in note for note in parsed.notes)
    assert {m.snapshot_date for m in parsed.post_metrics} == {EXPORT_DATE}


def test_ragged_rows_are_padded_with_none(tmp_path):
    path = _write_posts(tmp_path, FB_POST_HEADER, [
        '111,9,Page,T1,,"03/01/2025 10:00",https://fb/1,Photos,Lifetime,40,15,3,2,1,0,5,38,2',
        '222,9,Page,T2,,"03/02/2025 10:00",https://fb/2,Reels,Lifetime,20,9,0,0,0,0,0',  # 16 of 18
    ])
    parsed = _parse_posts(path)
    assert _metrics(parsed, "222")["Views (2)"] == (None, None)
    assert _metrics(parsed, "222")["Link Clicks"] == (None, None)
    assert _metrics(parsed, "222")["Total clicks"] == ("clicks", 0.0)
    assert "1 ragged rows padded with empty cells (no data, not 0)" in parsed.notes


def test_row_longer_than_header_is_refused(tmp_path):
    path = _write_posts(tmp_path, FB_POST_HEADER, [
        '111,9,Page,T1,,"03/01/2025 10:00",https://fb/1,Photos,Lifetime,40,15,3,2,1,0,5,38,2,99',
    ])
    with pytest.raises(ExportFileError) as err:
        _parse_posts(path)
    assert err.value.row == 2
    assert "19 cells" in err.value.reason


def test_post_record_fields(tmp_path):
    long_line = "x" * 250
    path = _write_posts(tmp_path, FB_POST_HEADER, [
        f'111,9,Page,"{long_line}\nsecond",,"02/07/2025 00:16",https://fb/1,Links,Lifetime,1,1,0,0,0,0,0,,',
        '222,9,Page,,"\n  Caption first line  \nmore",,https://fb/2,Live,Lifetime,1,1,0,0,0,0,0,,',
        '333,9,Page,,,"12/31/2025 23:59",,Photos,Lifetime,1,1,0,0,0,0,0,,',
    ])
    parsed = _parse_posts(path)
    first, second, third = parsed.posts
    assert first.post_id == "111"
    # Local Johannesburg (UTC+2) time just after midnight is the previous day in UTC.
    assert first.published_at == dt.datetime(2025, 2, 6, 22, 16, tzinfo=dt.UTC)
    assert (first.post_type, first.post_type_raw) == ("link", "Links")
    assert first.title == "x" * 200
    assert first.permalink == "https://fb/1"
    assert second.title == "Caption first line"  # Title empty: first non-empty line of Description
    assert second.published_at is None
    assert (second.post_type, second.post_type_raw) == (None, "Live")
    assert "post types without a canonical type (kept raw): ['Live']" in parsed.notes
    assert third.title is None and third.permalink is None
    assert third.published_at == dt.datetime(2025, 12, 31, 21, 59, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("settings", "raw", "expected"),
    [
        (FACEBOOK, "Photos", "photo"),
        (FACEBOOK, "Reels", "reel"),
        (FACEBOOK, "Links", "link"),
        (FACEBOOK, "Videos", "video"),
        (FACEBOOK, "Text", "text"),
        (FACEBOOK, "IG reel", None),
        (INSTAGRAM, "IG reel", "reel"),
        (INSTAGRAM, "IG image", "photo"),
        (INSTAGRAM, "IG carousel", "carousel"),
        (INSTAGRAM, "IG story", "story"),
        (INSTAGRAM, "ig Reel", "reel"),
    ],
)
def test_post_type_normalisation(settings, raw, expected):
    assert settings.post_type(raw) == expected


def test_pre_2025_impressions_and_plays_headers(tmp_path):
    header = ('"Post ID","Account ID","Account username",Description,"Publish time",Permalink,"Post type",'
              "Date,Impressions,Reach,Plays,Likes,Saves,Follows")
    path = _write_posts(tmp_path, header, [
        '180,178,acct,"Hi",07/01/2024 12:00,https://ig/1,"IG reel",Lifetime,500,300,450,20,3,',
    ])
    parsed = _parse_posts(path, INSTAGRAM, "America/New_York")
    assert _metrics(parsed, "180") == {
        "Impressions": ("impressions", 500.0),
        "Reach": ("reach", 300.0),
        "Plays": ("views", 450.0),
        "Likes": ("likes", 20.0),
        "Saves": ("saves", 3.0),
        "Follows": (None, None),  # empty: no data, not 0
    }
    assert parsed.posts[0].published_at == dt.datetime(2024, 7, 1, 16, 0, tzinfo=dt.UTC)  # EDT = UTC-4


def test_impressions_next_to_views_stays_lineage(tmp_path):
    header = '"Post ID","Page ID","Publish time",Permalink,"Post type",Date,Views,Impressions'
    path = _write_posts(tmp_path, header, ['1,9,"01/01/2025 10:00",u,Photos,Lifetime,10,12'])
    parsed = _parse_posts(path)
    assert _metrics(parsed, "1") == {"Views": ("impressions", 10.0), "Impressions": (None, 12.0)}
    assert "column 'Impressions' kept for lineage only: impressions is read from 'Views'" in parsed.notes


@pytest.mark.parametrize(
    ("row", "column", "reason_part"),
    [
        ('1.22158E+17,9,"01/01/2025 10:00",u,Photos,Lifetime,10', "Post ID", "rounded number"),
        (',9,"01/01/2025 10:00",u,Photos,Lifetime,10', "Post ID", "without a Post ID"),
        ('1,9,"2025-01-01 10:00",u,Photos,Lifetime,10', "Publish time", "MM/DD/YYYY HH:MM"),
        ('1,9,"13/01/2025 10:00",u,Photos,Lifetime,10', "Publish time", "month must be in 1..12"),
        ('1,9,"01/01/2025 10:00",u,Photos,Jan 1 2025,10', "Date", "is not 'Lifetime'"),
        ('1,9,"01/01/2025 10:00",u,Photos,Lifetime,ten', "Views", "not a number"),
    ],
)
def test_bad_post_rows_name_row_and_column(tmp_path, row, column, reason_part):
    header = '"Post ID","Page ID","Publish time",Permalink,"Post type",Date,Views'
    path = _write_posts(tmp_path, header, [row])
    with pytest.raises(ExportFileError) as err:
        _parse_posts(path)
    assert (err.value.row, err.value.column) == (2, column)
    assert reason_part in err.value.reason


def test_duplicate_post_id_is_refused(tmp_path):
    header = '"Post ID","Page ID","Publish time",Permalink,"Post type",Date,Views'
    path = _write_posts(tmp_path, header, ['1,9,,u,Photos,Lifetime,10', '1,9,,u,Photos,Lifetime,11'])
    with pytest.raises(ExportFileError) as err:
        _parse_posts(path)
    assert err.value.row == 3
    assert "rows 2 and 3" in err.value.reason


def test_multiline_captions_keep_row_numbers_logical(tmp_path):
    header = '"Post ID","Page ID",Title,"Publish time",Permalink,"Post type",Date,Views'
    path = _write_posts(tmp_path, header, [
        '1,9,"a\nb\nc",,u,Photos,Lifetime,10',
        '2,9,"d",,u,Photos,Lifetime,bad',
    ])
    with pytest.raises(ExportFileError) as err:
        _parse_posts(path)
    assert err.value.row == 3  # the spreadsheet's row 3, although it is line 5 of the file


# --------------------------------------------------------------------------------------------
# Helpers and settings
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (("Title line\nmore",), "Title line"),
        (("", "\n\n  Desc  \nmore"), "Desc"),
        (("  ", ""), None),
        (("a" * 199 + " b",), "a" * 199),  # cut at 200 characters, trailing space trimmed
    ],
)
def test_post_title(texts, expected):
    assert post_title(*texts) == expected


@pytest.mark.parametrize(
    ("local", "zone", "expected"),
    [
        (dt.datetime(2026, 5, 26, 10, 23), "America/New_York", dt.datetime(2026, 5, 26, 14, 23, tzinfo=UTC)),
        (dt.datetime(2026, 1, 26, 10, 23), "America/New_York", dt.datetime(2026, 1, 26, 15, 23, tzinfo=UTC)),
        (dt.datetime(2025, 2, 16, 5, 14), "Africa/Johannesburg", dt.datetime(2025, 2, 16, 3, 14, tzinfo=UTC)),
        # In the DST overlap (clocks back at 02:00), fold=0 takes the earlier (EDT) offset.
        (dt.datetime(2025, 11, 2, 1, 30), "America/New_York", dt.datetime(2025, 11, 2, 5, 30, tzinfo=UTC)),
    ],
)
def test_local_to_utc(local, zone, expected):
    assert local_to_utc(local, zone) == expected


def test_unknown_timezone_names_the_publish_time_cell(tmp_path):
    header = '"Post ID","Page ID","Publish time",Permalink,"Post type",Date,Views'
    path = _write_posts(tmp_path, header, ['1,9,"01/01/2025 10:00",u,Photos,Lifetime,10'])
    with pytest.raises(ExportFileError) as err:
        _parse_posts(path, timezone="Mars/Olympus")
    assert err.value.column == "Publish time"
    assert "unknown timezone 'Mars/Olympus'" in err.value.reason


@pytest.mark.parametrize(
    "kwargs",
    [
        {"post_metrics": {"Views": "plays"}},
        {"post_types": {"Photos": "picture"}},
        {"daily_titles": {"Views": ()}},
    ],
)
def test_settings_with_wrong_canonical_names_fail_early(kwargs):
    base = {"platform": "x", "daily_titles": {"Views": ("impressions",)}, "post_account_column": "Page ID",
            "post_metrics": {}, "post_types": {}}
    with pytest.raises(ValueError):
        MetaPlatformSettings(**{**base, **kwargs})
