"""X (Twitter) native export formats, recognised from their header names (never the file name).

- `TweetActivityExport`: legacy analytics.twitter.com "Tweet activity", one row per tweet
  (`tweet_activity_metrics_<handle>_<from>_<to>_en.csv`) -> posts + a lifetime snapshot.
- `DailyTweetActivityExport`: legacy "daily tweet activity", one row per day, as the native CSV
  (`daily_tweet_activity_metrics_*.csv`) or pasted into workbook sheets (one per month)
  -> account_daily.
- `AccountOverviewExport`: X Premium `account_overview_analytics.csv`, one row per day
  -> account_daily.
- `AccountContentExport`: X Premium `account_analytics_content_<from>_<to>.csv`, one row per post
  (both header variants) -> posts + a lifetime snapshot.

Metric names map through connectors/x/settings.py; columns X adds later are reported in `notes`
and not loaded until they are mapped there.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar
from zoneinfo import ZoneInfo

from connectors.base import AccountDayValue, ExportContext, ExportFileError, ParsedExport, PostMetricValue, PostRecord
from connectors.tables import HeaderFormat, Sheets, records
from connectors.values import excel_serial_to_date, parse_named_date, parse_number
from connectors.x.settings import (
    ACCOUNT_OVERVIEW_METRICS,
    CONTENT_DATE_COLUMN,
    CONTENT_ID_COLUMN,
    CONTENT_LINK_COLUMNS,
    CONTENT_POST_METRICS,
    CONTENT_TEXT_COLUMN,
    DAILY_TWEET_ACTIVITY_DATE_COLUMN,
    DAILY_TWEET_ACTIVITY_METRICS,
    OVERVIEW_DATE_COLUMN,
    TWEET_ACTIVITY_ID_COLUMN,
    TWEET_ACTIVITY_PERMALINK_COLUMN,
    TWEET_ACTIVITY_POST_METRICS,
    TWEET_ACTIVITY_TEXT_COLUMN,
    TWEET_ACTIVITY_TIME_COLUMN,
)

# Header names that identify each format (compared stripped and case-insensitively).
TWEET_ACTIVITY_HEADERS = frozenset({"Tweet id", "Tweet permalink", "Tweet text", "time", "impressions"})
DAILY_TWEET_ACTIVITY_HEADERS = frozenset({"Date", "Tweets published", "impressions"})
ACCOUNT_OVERVIEW_HEADERS = frozenset({"Date", "Impressions", "Engagements", "New follows"})
# The per-post and legacy daily files share the overview's names case-insensitively, so a header
# row carrying one of these is never an overview.
ACCOUNT_OVERVIEW_EXCLUDED_HEADERS = frozenset({"Post id", "Tweets published", "Tweet id"})
ACCOUNT_CONTENT_HEADERS = frozenset({"Post id", "Date", "Post text", "Impressions"})

# Labels users type in the Date column of a totals row they add under pasted daily data.
_TOTALS_LABELS = frozenset({"total", "totals", "grand total", "sum", "summe", "totaal"})

_POST_ID = re.compile(r"\d{1,20}")
_SCIENTIFIC = re.compile(r"\d+(?:[.,]\d+)?[eE]\+?\d+")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ]00:00(?::00)?)?")
_EXCEL_SERIAL = re.compile(r"\d+(?:\.\d+)?")
# Excel serials of 2006-01-01 (X/Twitter launched in 2006: a smaller number in a Date column is
# a misplaced count, not a date) and of 9999-12-31 (Excel's last date).
_FIRST_X_SERIAL = 38718
_LAST_EXCEL_SERIAL = 2958465
_TWEET_TIME_FORMATS = ("%Y-%m-%d %H:%M %z", "%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")
_BLANK_HEADER = re.compile(r"\s*(?:\(\d+\))?")  # "" or the " (2)" unique_headers gives a 2nd blank

_Cell = TypeVar("_Cell")


# --------------------------------------------------------------------------------------------
# Cell readers (public so their edge cases are tested directly)
# --------------------------------------------------------------------------------------------


def parse_post_id(text: str) -> str:
    """A post id kept as its digit string (19-digit ids do not survive a float)."""
    s = text.strip()
    if _POST_ID.fullmatch(s):
        return s
    if _SCIENTIFIC.fullmatch(s):
        # Excel re-saves turn 19-digit ids into "1.46571E+18": the digits are gone for good.
        raise ValueError(f"post id {s!r} was rounded to a number by a spreadsheet re-save; "
                         "the real id is lost, download the export again")
    raise ValueError(f"post id {s!r} is not a numeric X post id")


def parse_tweet_time(text: str, timezone: ZoneInfo) -> dt.datetime:
    """UTC publish time from the legacy `time` cell, "2021-11-30 16:00 +0000".

    A time without offset (a re-saved file) is local time in the account's timezone.
    """
    s = text.strip()
    for fmt in _TWEET_TIME_FORMATS:
        try:
            parsed = dt.datetime.strptime(s, fmt)
        except ValueError:
            continue
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone)
        return parsed.astimezone(dt.UTC)
    raise ValueError(f"not a tweet time: {text!r} (expected 'YYYY-MM-DD HH:MM +0000')")


def parse_daily_date(text: str) -> dt.date:
    """The Date cell of daily tweet activity: "2021-08-01" in the native CSV; a pasted workbook
    gives an Excel date cell (read as ISO text) or, pasted as a plain number, a serial "43922"."""
    s = text.strip()
    iso = _ISO_DATE.fullmatch(s)
    if iso:
        return dt.date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
    if _EXCEL_SERIAL.fullmatch(s):
        serial = float(s)
        if not _FIRST_X_SERIAL <= serial <= _LAST_EXCEL_SERIAL:
            raise ValueError(f"{text!r} is a number, not an Excel date from the X era (2006 on)")
        return excel_serial_to_date(serial)
    raise ValueError(f"not a date: {text!r} (expected YYYY-MM-DD or an Excel date)")


# --------------------------------------------------------------------------------------------
# Shared table helpers
# --------------------------------------------------------------------------------------------


def _where(sheet: str) -> str:
    """Prefix naming the sheet of a workbook (a CSV is the single unnamed sheet)."""
    return f"sheet {sheet!r}: " if sheet else ""


def _first_table(sheets: Sheets, ctx: ExportContext, fmt: HeaderFormat,
                 what: str) -> tuple[str, int, list[str]]:
    """The first sheet carrying the format's header, and notes naming other non-empty sheets left out."""
    tables = fmt.tables(sheets)
    if not tables:
        raise ExportFileError(ctx.path, f"not an X {what}: no header row with {fmt.header.describe()}")
    sheet, index = tables[0]
    notes = [f"ignored sheet {name!r}: not part of the {what}"
             for name, rows in sheets.items()
             if name != sheet and any(cell.strip() for row in rows for cell in row)]
    return sheet, index, notes


def _columns(header: Iterable[str]) -> dict[str, str]:
    """Case-folded header -> header as the file writes it (X changed capitalisation over time)."""
    return {name.casefold(): name for name in header}


def _metric_columns(header: list[str], mapping: Mapping[str, str | None],
                    descriptive: Iterable[str]) -> tuple[list[tuple[str, str | None]], list[str]]:
    """Metric columns as (header as written, canonical metric or None), and unmapped headers."""
    skip = set(descriptive)
    mapped: list[tuple[str, str | None]] = []
    unmapped: list[str] = []
    for name in header:
        key = name.casefold()
        if key in skip or _BLANK_HEADER.fullmatch(name):
            continue
        if key in mapping:
            mapped.append((name, mapping[key]))
        else:
            unmapped.append(name)
    return mapped, unmapped


def _unmapped_note(unmapped: list[str]) -> list[str]:
    if not unmapped:
        return []
    return [f"not loaded (no mapping in connectors/x/settings.py yet): {', '.join(unmapped)}"]


def _read_numbers(ctx: ExportContext, sheet: str, row_number: int, row: dict[str, str],
                  columns: list[tuple[str, str | None]]) -> dict[str, float | None]:
    """Every metric cell of a row; a cell that is not a number names its file row and column."""
    values: dict[str, float | None] = {}
    for name, _metric in columns:
        cell = row[name]
        try:
            # Placeholders ("-" in the legacy promoted columns, empty cells) become None, never 0;
            # "1777.0" (legacy floats) and "1,234" (Premium thousands separators) are read here.
            values[name] = parse_number(cell)
        except ValueError:
            raise ExportFileError(ctx.path, f"{_where(sheet)}{cell!r} is not a number",
                                  row=row_number, column=name) from None
    return values


def _read_cell(ctx: ExportContext, sheet: str, row_number: int, column: str, cell: str,
               reader: Callable[[str], _Cell]) -> _Cell:
    """Apply a cell reader, turning its ValueError into an ExportFileError naming row and column."""
    try:
        return reader(cell)
    except ValueError as exc:
        raise ExportFileError(ctx.path, f"{_where(sheet)}{exc}", row=row_number, column=column) from None


def _span(days: Iterable[dt.date]) -> tuple[dt.date, dt.date] | None:
    ordered = sorted(days)
    return (ordered[0], ordered[-1]) if ordered else None


class _DayRows:
    """The rows already read per date: a repeated date is dropped if identical, else an error.

    Users paste overlapping ranges into workbooks, and X re-downloads overlap; two different sets
    of figures for one day cannot both be right.
    """

    def __init__(self, ctx: ExportContext) -> None:
        self.ctx = ctx
        self.seen: dict[dt.date, tuple[str, int, dict[str, float | None]]] = {}
        self.duplicates = 0

    def is_new(self, day: dt.date, sheet: str, row_number: int, values: dict[str, float | None]) -> bool:
        if day not in self.seen:
            self.seen[day] = (sheet, row_number, values)
            return True
        first_sheet, first_row, first_values = self.seen[day]
        if first_values != values:
            raise ExportFileError(
                self.ctx.path,
                f"{_where(sheet)}{day.isoformat()} appears twice with different figures "
                f"(first at {_where(first_sheet)}row {first_row})",
                row=row_number, column=None)
        self.duplicates += 1
        return False


def _check_unique_post(ctx: ExportContext, seen: dict[str, int], post_id: str, sheet: str,
                       row_number: int, column: str) -> None:
    if post_id in seen:
        raise ExportFileError(ctx.path, f"{_where(sheet)}post {post_id} is listed twice "
                              f"(first on row {seen[post_id]})", row=row_number, column=column)
    seen[post_id] = row_number


# --------------------------------------------------------------------------------------------
# Legacy "Tweet activity" (per tweet)
# --------------------------------------------------------------------------------------------


def parse_tweet_activity_export(sheets: Sheets, ctx: ExportContext) -> ParsedExport:
    """Posts and their lifetime counters (dated ctx.export_date) from a legacy per-tweet export.

    Nothing daily is derived: the pipeline counts posts per day from `posts` itself.
    """
    sheet, header_index, notes = _first_table(sheets, ctx, TweetActivityExport, "Tweet activity export")
    header, rows = records(sheets[sheet], header_index)
    cols = _columns(header)
    id_col, time_col = cols[TWEET_ACTIVITY_ID_COLUMN], cols[TWEET_ACTIVITY_TIME_COLUMN]
    text_col, permalink_col = cols[TWEET_ACTIVITY_TEXT_COLUMN], cols[TWEET_ACTIVITY_PERMALINK_COLUMN]
    metric_columns, unmapped = _metric_columns(
        header, TWEET_ACTIVITY_POST_METRICS,
        (TWEET_ACTIVITY_ID_COLUMN, TWEET_ACTIVITY_TIME_COLUMN, TWEET_ACTIVITY_TEXT_COLUMN,
         TWEET_ACTIVITY_PERMALINK_COLUMN))
    media_cols = [cols[name] for name in ("media views", "media engagements") if name in cols]
    timezone = ZoneInfo(ctx.timezone)

    out = ParsedExport(format=TweetActivityExport.name, notes=notes + _unmapped_note(unmapped))
    if "favorites" in cols:
        out.notes.append("older export: 'favorites' read as likes")
    seen: dict[str, int] = {}
    unescaped = 0
    local_days: list[dt.date] = []
    for row_number, row in rows:
        post_id = _read_cell(ctx, sheet, row_number, id_col, row[id_col], parse_post_id)
        _check_unique_post(ctx, seen, post_id, sheet, row_number, id_col)
        published_at = _read_cell(ctx, sheet, row_number, time_col, row[time_col],
                                  lambda cell: parse_tweet_time(cell, timezone))
        values = _read_numbers(ctx, sheet, row_number, row, metric_columns)
        # The export names no post type. Media views/engagements above 0 prove the tweet carries
        # a photo, video or GIF (which of them is not said): the generic "post". Otherwise "text".
        has_media = any((values[name] or 0) > 0 for name in media_cols)
        # Tweet text is HTML-escaped as on the web ("&amp;", "&gt;"); raw newlines are kept.
        text = row[text_col]
        title = html.unescape(text)
        unescaped += title != text
        out.posts.append(PostRecord(
            post_id=post_id, published_at=published_at, post_type="post" if has_media else "text",
            post_type_raw=None, permalink=row[permalink_col].strip() or None, title=title or None))
        out.post_metrics.extend(
            PostMetricValue(post_id=post_id, snapshot_date=ctx.export_date, metric=metric,
                            source_metric=name, value=values[name])
            for name, metric in metric_columns)
        local_days.append(published_at.astimezone(timezone).date())
    # The export lists every tweet of its window, so the days from its first to its last tweet
    # (in the account's timezone) are known; the window's own bounds are only in the file name.
    out.covers = _span(local_days)
    if unescaped:
        out.notes.append(f"unescaped HTML entities in {unescaped} tweet texts")
    return out


# --------------------------------------------------------------------------------------------
# Legacy "daily tweet activity" (per day; native CSV or pasted monthly workbook sheets)
# --------------------------------------------------------------------------------------------


def parse_daily_tweet_activity_export(sheets: Sheets, ctx: ExportContext) -> ParsedExport:
    """Account figures per day from every sheet that carries the daily tweet activity header."""
    tables = DailyTweetActivityExport.tables(sheets)
    if not tables:
        raise ExportFileError(ctx.path, "not an X daily tweet activity export: no header row with "
                              + DailyTweetActivityExport.header.describe())
    out = ParsedExport(format=DailyTweetActivityExport.name)
    used = {name for name, _ in tables}
    # A user workbook may hold notes or charts next to the pasted data: left out, and said so.
    out.notes.extend(f"ignored sheet {name!r}: no daily tweet activity header"
                     for name, rows in sheets.items()
                     if name not in used and any(cell.strip() for row in rows for cell in row))
    days = _DayRows(ctx)
    unmapped_all: list[str] = []
    for sheet, header_index in tables:
        header, rows = records(sheets[sheet], header_index)
        cols = _columns(header)
        date_col = cols[DAILY_TWEET_ACTIVITY_DATE_COLUMN]
        metric_columns, unmapped = _metric_columns(header, DAILY_TWEET_ACTIVITY_METRICS,
                                                   (DAILY_TWEET_ACTIVITY_DATE_COLUMN,))
        unmapped_all.extend(name for name in unmapped if name not in unmapped_all)
        check_cols = [cols["tweets published"], cols["impressions"]]
        sums = dict.fromkeys(check_cols, 0.0)
        for row_number, row in rows:
            date_cell = row[date_col].strip()
            # Users add a "Total" row under the pasted days: not a day, dropped.
            if date_cell.casefold() in _TOTALS_LABELS:
                out.notes.append(f"dropped totals row ({_where(sheet)}row {row_number})")
                continue
            values = _read_numbers(ctx, sheet, row_number, row, metric_columns)
            if not date_cell:
                if all(value is None for value in values.values()):
                    continue  # only placeholders ("-" promoted cells): no figures
                # An unlabelled SUM row: its counts equal the sums of the days above it.
                if all(values[name] is not None and abs(values[name] - sums[name]) < 1e-6
                       for name in check_cols):
                    out.notes.append(f"dropped unlabelled totals row ({_where(sheet)}row {row_number})")
                    continue
                raise ExportFileError(ctx.path, f"{_where(sheet)}row has figures but no date",
                                      row=row_number, column=date_col)
            day = _read_cell(ctx, sheet, row_number, date_col, date_cell, parse_daily_date)
            for name in check_cols:
                sums[name] += values[name] or 0.0
            if not days.is_new(day, sheet, row_number, values):
                continue
            out.account_daily.extend(
                AccountDayValue(date=day, metric=metric, source_metric=name, value=values[name])
                for name, metric in metric_columns)
    out.notes.extend(_unmapped_note(unmapped_all))
    if days.duplicates:
        out.notes.append(f"dropped {days.duplicates} repeated days with identical figures")
    if len(tables) > 1:
        out.notes.append(f"read {len(tables)} sheets: {', '.join(name for name, _ in tables)}")
    out.covers = _span(days.seen)
    return out


# --------------------------------------------------------------------------------------------
# X Premium account overview (per day)
# --------------------------------------------------------------------------------------------


def parse_account_overview_export(sheets: Sheets, ctx: ExportContext) -> ParsedExport:
    """Account figures per day from X Premium `account_overview_analytics.csv`."""
    sheet, header_index, notes = _first_table(sheets, ctx, AccountOverviewExport, "Premium account overview export")
    header, rows = records(sheets[sheet], header_index)
    date_col = _columns(header)[OVERVIEW_DATE_COLUMN]
    metric_columns, unmapped = _metric_columns(header, ACCOUNT_OVERVIEW_METRICS, (OVERVIEW_DATE_COLUMN,))
    out = ParsedExport(format=AccountOverviewExport.name, notes=notes + _unmapped_note(unmapped))
    days = _DayRows(ctx)
    for row_number, row in rows:
        # Rows run newest first; dates read "Fri, Mar 21, 2025".
        day = _read_cell(ctx, sheet, row_number, date_col, row[date_col], parse_named_date)
        values = _read_numbers(ctx, sheet, row_number, row, metric_columns)
        if not days.is_new(day, sheet, row_number, values):
            continue
        out.account_daily.extend(
            AccountDayValue(date=day, metric=metric, source_metric=name, value=values[name])
            for name, metric in metric_columns)
    if days.duplicates:
        out.notes.append(f"dropped {days.duplicates} repeated days with identical figures")
    # X exports never carry the follower total: only New follows / Unfollows are loaded.
    out.notes.append("no follower total in X exports: only gains (New follows) and losses (Unfollows)")
    out.covers = _span(days.seen)
    return out


# --------------------------------------------------------------------------------------------
# X Premium content (per post)
# --------------------------------------------------------------------------------------------


def parse_account_content_export(sheets: Sheets, ctx: ExportContext) -> ParsedExport:
    """Posts and lifetime counters (dated ctx.export_date) from X Premium
    `account_analytics_content_*.csv`, early-2025 ("Link", "Share", "Url clicks") and
    mid-2025 on ("Post Link", "Shares", "URL Clicks") headers alike."""
    sheet, header_index, notes = _first_table(sheets, ctx, AccountContentExport, "Premium content export")
    header, rows = records(sheets[sheet], header_index)
    cols = _columns(header)
    id_col, date_col, text_col = (cols[CONTENT_ID_COLUMN], cols[CONTENT_DATE_COLUMN],
                                  cols[CONTENT_TEXT_COLUMN])
    link_col = next((cols[name] for name in CONTENT_LINK_COLUMNS if name in cols), None)
    metric_columns, unmapped = _metric_columns(
        header, CONTENT_POST_METRICS,
        (CONTENT_ID_COLUMN, CONTENT_DATE_COLUMN, CONTENT_TEXT_COLUMN, *CONTENT_LINK_COLUMNS))
    timezone = ZoneInfo(ctx.timezone)
    out = ParsedExport(format=AccountContentExport.name, notes=notes + _unmapped_note(unmapped))
    out.notes.append("posts carry a publish date only: published_at is 00:00 local time of that date")
    seen: dict[str, int] = {}
    days: list[dt.date] = []
    for row_number, row in rows:
        post_id = _read_cell(ctx, sheet, row_number, id_col, row[id_col], parse_post_id)
        _check_unique_post(ctx, seen, post_id, sheet, row_number, id_col)
        # "Thu Mar 20 2025" (early 2025) or "Tue, Jul 14, 2026" (mid-2025 on).
        day = _read_cell(ctx, sheet, row_number, date_col, row[date_col], parse_named_date)
        days.append(day)
        # The export gives the post's day, not its time. PostRecord has no date field, so the day
        # is stored as 00:00 of that date in the account's timezone, converted to UTC: only the
        # date part (read back in the account's timezone) is meaningful, never the time.
        published_at = dt.datetime.combine(day, dt.time(0), tzinfo=timezone).astimezone(dt.UTC)
        values = _read_numbers(ctx, sheet, row_number, row, metric_columns)
        text = row[text_col]
        title = html.unescape(text)  # post text is HTML-escaped ("{&amp;}")
        out.posts.append(PostRecord(
            post_id=post_id, published_at=published_at, post_type=None, post_type_raw=None,
            permalink=(row[link_col].strip() or None) if link_col else None, title=title or None))
        out.post_metrics.extend(
            PostMetricValue(post_id=post_id, snapshot_date=ctx.export_date, metric=metric,
                            source_metric=name, value=values[name])
            for name, metric in metric_columns)
    out.covers = _span(days)
    return out


# --------------------------------------------------------------------------------------------
# The formats
# --------------------------------------------------------------------------------------------


class XExport(HeaderFormat):
    """An X export format: its header names and its parse step, a module-level function."""

    def __init__(self, name: str, required: frozenset[str], parse: Callable[[Sheets, ExportContext], ParsedExport],
                 excluded: frozenset[str] = frozenset()) -> None:
        super().__init__(name, required, excluded)
        self._parse = parse

    def parse(self, sheets: Sheets, ctx: ExportContext) -> ParsedExport:
        return self._parse(sheets, ctx)


# Legacy analytics.twitter.com per-tweet export (every cell quoted, floats, "-" promoted).
TweetActivityExport = XExport("x_tweet_activity", TWEET_ACTIVITY_HEADERS, parse_tweet_activity_export)
# Legacy daily tweet activity: native CSV or a workbook of pasted monthly sheets.
DailyTweetActivityExport = XExport("x_daily_tweet_activity", DAILY_TWEET_ACTIVITY_HEADERS,
                                   parse_daily_tweet_activity_export)
# X Premium `account_overview_analytics.csv` (per day, newest first).
AccountOverviewExport = XExport("x_account_overview", ACCOUNT_OVERVIEW_HEADERS, parse_account_overview_export,
                                ACCOUNT_OVERVIEW_EXCLUDED_HEADERS)
# X Premium `account_analytics_content_*.csv` (per post, both header variants).
AccountContentExport = XExport("x_account_content", ACCOUNT_CONTENT_HEADERS, parse_account_content_export)

EXPORT_FORMATS: tuple[XExport, ...] = (
    TweetActivityExport, DailyTweetActivityExport, AccountOverviewExport, AccountContentExport)
