"""TikTok native export formats: TikTok Studio downloads and TikTok Business exports.

Each format is recognised by its header row only (file names never matter), in a CSV or in any
sheet of an .xlsx workbook, since TikTok Studio offers every tab as CSV or XLSX with the same
headers. Metric mappings live in connectors.tiktok.settings; docs/exports/tiktok.md says where
each file is downloaded.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from connectors.base import AccountDayValue, ExportContext, ExportFileError, ParsedExport, PostMetricValue, PostRecord
from connectors.tables import HeaderFormat, Sheets, fold, header_names, records
from connectors.tiktok import settings
from connectors.values import infer_years, is_placeholder, parse_month_day, parse_number

_HEADER_SEARCH_ROWS = 5
Record = tuple[int, dict[str, str]]  # (1-based row number in the sheet, cells by header)


# --------------------------------------------------------------------------------------------
# Locating the table
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    """A located table: stripped header names and the data rows keyed by them."""

    header: list[str]
    rows: list[Record]

    def column(self, name: str) -> str | None:
        """The header as written in the file for a case-insensitive name, if present."""
        return next((h for h in self.header if fold(h) == fold(name)), None)


class _TikTokFormat(HeaderFormat):
    """TikTok Business pads headers with trailing spaces ("Phone number clicks ") and Studio and
    Business capitalise the same metric differently: names are compared folded."""

    search_rows = _HEADER_SEARCH_ROWS

    def table(self, sheets: Sheets, ctx: ExportContext) -> _Table:
        sheet, index = self.first_table(sheets, ctx)
        header, rows = records(sheets[sheet], index)
        return _Table(header, rows)


# --------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------

_DURATION_CLOCK = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{2}(?:\.\d+)?)")
_DURATION_UNITS = re.compile(r"(?:(\d+(?:\.\d+)?)\s*h)?[\s:]*(?:(\d+(?:\.\d+)?)\s*m)?[\s:]*"
                             r"(?:(\d+(?:\.\d+)?)\s*s)?")


def _number(ctx: ExportContext, row: int, column: str, text: str) -> float | None:
    """A count as exported ("1,234", "1.2K" in newer Studio downloads); placeholders -> None."""
    try:
        return parse_number(text)
    except ValueError:
        raise ExportFileError(ctx.path, f"not a number: {text!r}", row=row, column=column) from None


def _seconds(text: str) -> float | None:
    """A duration as TikTok Studio shows it ("12h:3m:4s", "8.5s", "0:01:35"), in seconds.

    A lone "5m" is not taken for minutes: it is a compact count (5 million).
    """
    s = text.strip().casefold()
    clock = _DURATION_CLOCK.fullmatch(s)
    if clock:
        hours, minutes, secs = clock.groups()
        return int(hours or 0) * 3600 + int(minutes) * 60 + float(secs)
    units = _DURATION_UNITS.fullmatch(s)
    if units and (units.group(1) or units.group(3)):
        hours, minutes, secs = (float(g or 0) for g in units.groups())
        return hours * 3600 + minutes * 60 + secs
    return None


def _lineage_value(ctx: ExportContext, row: int, column: str, text: str) -> float | None:
    """A lineage-only metric: a watch-time duration (in seconds), a number or a percentage."""
    seconds = None if is_placeholder(text) else _seconds(text)
    if seconds is not None:
        return seconds
    try:
        return parse_number(text)
    except ValueError:
        raise ExportFileError(ctx.path, f"not a number or duration: {text!r}",
                              row=row, column=column) from None


def _placeholder_note(cells: Iterable[str]) -> list[str]:
    """A note naming the placeholder spellings read as no data (`undefined`, `NAN`, `--`)."""
    found = [c.strip() for c in cells if c.strip() and is_placeholder(c)]
    if not found:
        return []
    kinds = ", ".join(sorted({f"`{c}`" for c in found}))
    return [f"{len(found)} placeholder cells ({kinds}) read as no data (NULL, not 0)"]


# --------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------

_FULL_DATE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T]00:00(?::00)?)?")
_FULL_DATETIME = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?")


def _full_date(text: str) -> dt.date | None:
    """YYYY/MM/DD (TikTok Business), or YYYY-MM-DD (a date cell of an .xlsx download)."""
    m = _FULL_DATE.fullmatch(text.strip())
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _is_newest_first(month_days: list[tuple[int, int]]) -> bool:
    """True if consecutive rows mostly step back in the calendar (the file lists newest first).

    Steps are measured on a leap-year calendar, modulo a year, so Dec 31 -> Jan 1 is one day
    forward; repeated dates (several rows per day) do not count.
    """
    forward = backward = 0
    for (m1, d1), (m2, d2) in itertools.pairwise(month_days):
        step = (dt.date(2000, m2, d2) - dt.date(2000, m1, d1)).days % 366
        if step == 0:
            continue
        if step <= 183:
            forward += 1
        else:
            backward += 1
    return backward > forward


def _studio_dates(ctx: ExportContext, rows: list[Record], column: str) -> tuple[list[dt.date], list[str]]:
    """Dates of a TikTok Studio date column, and notes on how they were read.

    Studio writes dates without a year ("April 12", "8 de marzo"), localised in the account's
    language. Years are inferred from the export date: the latest row is the most recent such
    day not after it, earlier rows roll back, so a 365-day file spans two years. Studio lists
    oldest first; a newest-first file (a re-sorted copy) is read in reverse. An .xlsx download
    may hold real date cells, which carry their year and are used as they are.
    """
    texts = [(row, cells[column].strip()) for row, cells in rows]
    full = [_full_date(text) for _, text in texts]
    if texts and all(full):
        return [d for d in full if d is not None], []
    month_days: list[tuple[int, int]] = []
    for row, text in texts:
        try:
            month_days.append(parse_month_day(text))
        except ValueError:
            raise ExportFileError(ctx.path, f"not a day and month: {text!r}",
                                  row=row, column=column) from None
    newest_first = _is_newest_first(month_days)
    ordered = month_days[::-1] if newest_first else month_days
    try:
        dates = infer_years(ordered, ctx.export_date)
    except ValueError as exc:  # Feb 29 with no leap year in reach
        raise ExportFileError(ctx.path, str(exc), column=column) from None
    if newest_first:
        dates.reverse()
    if not dates:
        return [], []
    note = (f"year-less dates: years inferred from export date {ctx.export_date.isoformat()} "
            f"({min(dates).isoformat()}..{max(dates).isoformat()})")
    if newest_first:
        note += "; rows are newest first"
    return dates, [note]


def _reject_repeated_dates(ctx: ExportContext, rows: list[Record], dates: list[dt.date],
                           column: str) -> None:
    """A daily file lists each day once; a repeat (two files pasted together) would make two
    values for one account, day and metric."""
    seen: set[dt.date] = set()
    for (row, _), day in zip(rows, dates, strict=True):
        if day in seen:
            raise ExportFileError(ctx.path, f"date {day.isoformat()} appears twice", row=row, column=column)
        seen.add(day)


def _local_midnight_utc(day: dt.date, ctx: ExportContext) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), ZoneInfo(ctx.timezone)).astimezone(dt.UTC)


def _tiktok_id_created_at(post_id: str) -> dt.datetime | None:
    """Creation time encoded in a TikTok video id: its top 32 bits are Unix seconds (UTC)."""
    if not post_id.isdigit() or len(post_id) < 18:
        return None
    created = dt.datetime.fromtimestamp(int(post_id) >> 32, dt.UTC)
    return created if dt.datetime(2016, 1, 1, tzinfo=dt.UTC) <= created else None


def _post_time_zone(times_and_ids: list[tuple[dt.datetime, str]],
                    ctx: ExportContext) -> tuple[dt.tzinfo, list[str]]:
    """The time zone a file's naive `Post time` values are written in.

    They are taken as local times in the account's timezone, unless they match the UTC creation
    times encoded in the video ids (median difference under 15 minutes): the real TikTok
    Business video export writes `2025/10/31 18:19:10` for a video id created 18:19:06 UTC by a
    Bulgarian account, i.e. UTC, not local time.
    """
    local = ZoneInfo(ctx.timezone)
    differences = [(naive.replace(tzinfo=dt.UTC) - created).total_seconds()
                   for naive, post_id in times_and_ids
                   if (created := _tiktok_id_created_at(post_id)) is not None]
    if differences and abs(statistics.median(differences)) < 15 * 60:
        median = statistics.median(differences)
        return dt.UTC, [f"Post time is UTC: it matches the creation time in the video ids "
                        f"(median {median:+.0f} s)"]
    return local, []


# --------------------------------------------------------------------------------------------
# Daily account tables
# --------------------------------------------------------------------------------------------


def _daily_values(ctx: ExportContext, table: _Table, dates: list[dt.date], date_column: str,
                  mapping: Mapping[str, str | None]) -> tuple[list[AccountDayValue], list[str]]:
    """One AccountDayValue per metric cell; columns without a canonical metric stay as lineage."""
    lookup = {fold(k): v for k, v in mapping.items()}
    columns = [h for h in table.header if h and fold(h) != fold(date_column)]
    values: list[AccountDayValue] = []
    for (row, cells), day in zip(table.rows, dates, strict=True):
        for column in columns:
            metric = lookup.get(fold(column))
            value = (_number if metric else _lineage_value)(ctx, row, column, cells[column])
            values.append(AccountDayValue(day, metric, column, value))
    notes = _placeholder_note(cells[c] for _, cells in table.rows for c in columns)
    unmapped = [c for c in columns if fold(c) not in lookup]
    if unmapped:
        notes.append(f"columns without a canonical metric kept for lineage: {', '.join(unmapped)}")
    return values, notes


class _DailyTable(_TikTokFormat):
    """A daily table: its header -> canonical metric mapping besides the header names."""

    def __init__(self, name: str, required: frozenset[str], excluded: frozenset[str],
                 mapping: Mapping[str, str | None]) -> None:
        super().__init__(name, required, excluded)
        self._mapping = mapping


class _StudioDaily(_DailyTable):
    """A TikTok Studio daily tab (Overview, Viewers, FollowerHistory) with year-less dates."""

    def parse(self, sheets: Sheets, ctx: ExportContext) -> ParsedExport:
        table = self.table(sheets, ctx)
        date_column = table.column("Date") or "Date"
        dates, notes = _studio_dates(ctx, table.rows, date_column)
        _reject_repeated_dates(ctx, table.rows, dates, date_column)
        values, value_notes = _daily_values(ctx, table, dates, date_column, self._mapping)
        return ParsedExport(format=self.name, account_daily=values,
                            covers=(min(dates), max(dates)) if dates else None,
                            notes=notes + value_notes)


class _BusinessDaily(_DailyTable):
    """A TikTok Business daily file (overview or audience) with YYYY/MM/DD dates."""

    def parse(self, sheets: Sheets, ctx: ExportContext) -> ParsedExport:
        table = self.table(sheets, ctx)
        date_column = table.column("Date") or "Date"
        dates = []
        for row, cells in table.rows:
            day = _full_date(cells[date_column])
            if day is None:
                raise ExportFileError(ctx.path, f"not a YYYY/MM/DD date: {cells[date_column]!r}",
                                      row=row, column=date_column)
            dates.append(day)
        _reject_repeated_dates(ctx, table.rows, dates, date_column)
        values, notes = _daily_values(ctx, table, dates, date_column, self._mapping)
        return ParsedExport(format=self.name, account_daily=values,
                            covers=(min(dates), max(dates)) if dates else None, notes=notes)


class _Skipped(_TikTokFormat):
    """A recognised TikTok Studio tab that holds no daily account facts."""

    def __init__(self, name: str, required: frozenset[str], reason: str) -> None:
        super().__init__(name, required)
        self._reason = reason

    def parse(self, sheets: Sheets, ctx: ExportContext) -> ParsedExport:
        return ParsedExport(format=self.name, skipped_reason=self._reason)


# --------------------------------------------------------------------------------------------
# Per-post tables
# --------------------------------------------------------------------------------------------

_VIDEO_LINK = re.compile(r"tiktok\.com/@[^/]+/(video|photo)/(\d+)")
_POST_COLUMNS = header_names("Time", "Video title", "Video link", "Post time")
# Photo-mode posts (swipeable images) have /photo/ links; everything else is a video.
_POST_TYPES = {"video": "video", "photo": "photo"}


def _post_id(ctx: ExportContext, row: int, column: str, link: str) -> tuple[str, str]:
    """(post id, link kind): TikTok exports carry no id column; the id is in the video link."""
    m = _VIDEO_LINK.search(link)
    if not m:
        raise ExportFileError(ctx.path, f"no TikTok video id in link {link!r}", row=row, column=column)
    return m.group(2), m.group(1)


_TITLE_LENGTH = 200


def _title(caption: str) -> str | None:
    """TikTok's "Video title" is the whole caption (hashtags, line breaks): keep its first
    non-empty line, cut to 200 characters, like the Meta post exports."""
    first_line = next((line.strip() for line in caption.splitlines() if line.strip()), "")
    return first_line[:_TITLE_LENGTH] or None


class _PostTable(_TikTokFormat):
    """Per-post lifetime counters: Studio Content (both variants) and the Business video file."""

    def __init__(self, name: str, required: frozenset[str], mapping: Mapping[str, str | None]) -> None:
        super().__init__(name, required)
        self._mapping = mapping

    def parse(self, sheets: Sheets, ctx: ExportContext) -> ParsedExport:
        table = self.table(sheets, ctx)
        link_column = table.column("Video link") or "Video link"
        post_time_column = table.column("Post time") or "Post time"
        title_column = table.column("Video title") or "Video title"
        notes: list[str] = []

        # Older Studio Content downloads have a year-less `Time` column: the day the lifetime
        # counters were read. Without it the file is a snapshot as of its export date.
        time_column = table.column("Time")
        if time_column:
            snapshot_dates, time_notes = _studio_dates(ctx, table.rows, time_column)
            notes += [n.replace("year-less dates", "year-less `Time`") for n in time_notes]
        else:
            snapshot_dates = [ctx.export_date] * len(table.rows)

        ids = [_post_id(ctx, row, link_column, cells[link_column]) for row, cells in table.rows]
        published, publish_notes = self._published(ctx, table, post_time_column, snapshot_dates, ids)
        notes += publish_notes

        lookup = {fold(k): v for k, v in self._mapping.items()}
        metric_columns = [h for h in table.header if h and fold(h) not in _POST_COLUMNS]
        posts: list[PostRecord] = []
        metrics: list[PostMetricValue] = []
        for (row, cells), (post_id, kind), published_at, snapshot in zip(
                table.rows, ids, published, snapshot_dates, strict=True):
            posts.append(PostRecord(post_id=post_id, published_at=published_at,
                                    post_type=_POST_TYPES[kind], post_type_raw=kind,
                                    permalink=cells[link_column].strip(),
                                    title=_title(cells.get(title_column, ""))))
            for column in metric_columns:
                metric = lookup.get(fold(column))
                value = (_number if metric else _lineage_value)(ctx, row, column, cells[column])
                metrics.append(PostMetricValue(post_id, snapshot, metric, column, value))
        notes += _placeholder_note(cells[c] for _, cells in table.rows for c in metric_columns)
        unmapped = [c for c in metric_columns if fold(c) not in lookup]
        if unmapped:
            notes.append(f"columns without a canonical metric kept for lineage: {', '.join(unmapped)}")
        return ParsedExport(format=self.name, posts=posts, post_metrics=metrics, notes=notes)

    @staticmethod
    def _published(ctx: ExportContext, table: _Table, column: str, snapshot_dates: list[dt.date],
                   ids: list[tuple[str, str]]) -> tuple[list[dt.datetime | None], list[str]]:
        """UTC publish times from `Post time`, which comes in two shapes.

        Full local date-times ("2025/10/31 18:19:10" Business, "2026-10-03 09:10" newer Studio)
        are converted to UTC. Older Studio downloads give a year-less day ("July 16"): its year is
        the latest one putting that day on or before the snapshot day, and with no time of day
        published_at is local midnight of that day.
        """
        out: list[dt.datetime | None] = []
        naive_times: list[tuple[int, dt.datetime]] = []
        year_less = 0
        for index, ((row, cells), snapshot) in enumerate(zip(table.rows, snapshot_dates, strict=True)):
            text = cells[column].strip()
            out.append(None)
            if is_placeholder(text):
                continue
            full = _FULL_DATETIME.fullmatch(text)
            try:
                if full:
                    year, month, day, hour, minute, second = (int(g or 0) for g in full.groups())
                    naive_times.append((index, dt.datetime(year, month, day, hour, minute, second)))
                else:
                    month, day = parse_month_day(text)
                    out[index] = _local_midnight_utc(infer_years([(month, day)], snapshot)[0], ctx)
                    year_less += 1
            except ValueError:
                raise ExportFileError(ctx.path, f"not a post time: {text!r}",
                                      row=row, column=column) from None
        zone, notes = _post_time_zone([(naive, ids[i][0]) for i, naive in naive_times], ctx)
        for index, naive in naive_times:
            out[index] = naive.replace(tzinfo=zone).astimezone(dt.UTC)
        if year_less:
            notes.append(f"{year_less} year-less Post time days: year inferred as the latest on or "
                         "before the snapshot day; no time of day, so published_at is local midnight")
        return out, notes


# --------------------------------------------------------------------------------------------
# The formats
# --------------------------------------------------------------------------------------------

# Business files carry these columns and Studio tabs never do; they keep the Studio Overview
# (same metric names, other capitals) from matching a Business overview.
_BUSINESS_ONLY = header_names("Reached audience", "Net growth", "New followers", "Lost followers")

TIKTOK_BUSINESS_OVERVIEW = _BusinessDaily(
    "tiktok_business_overview", header_names("Date", "Video views", "Net growth"), frozenset(),
    settings.BUSINESS_OVERVIEW_METRICS)
TIKTOK_BUSINESS_AUDIENCE = _BusinessDaily(
    "tiktok_business_audience", header_names("Date", "New followers", "Total followers"), header_names("Video views"),
    settings.BUSINESS_AUDIENCE_METRICS)
TIKTOK_BUSINESS_VIDEOS = _PostTable(
    "tiktok_business_videos", header_names("Video title", "Video link", "Post time", "Video views"),
    settings.BUSINESS_VIDEO_METRICS)
TIKTOK_STUDIO_OVERVIEW = _StudioDaily(
    "tiktok_studio_overview", header_names("Date", "Video Views", "Profile Views"), _BUSINESS_ONLY,
    settings.STUDIO_OVERVIEW_METRICS)
TIKTOK_STUDIO_VIEWERS = _StudioDaily(
    "tiktok_studio_viewers", header_names("Date", "Total Viewers"), _BUSINESS_ONLY,
    settings.STUDIO_VIEWERS_METRICS)
TIKTOK_STUDIO_FOLLOWER_HISTORY = _StudioDaily(
    "tiktok_studio_follower_history",
    header_names("Date", "Followers", "Difference in followers from previous day"), _BUSINESS_ONLY,
    settings.STUDIO_FOLLOWER_HISTORY_METRICS)
TIKTOK_STUDIO_CONTENT = _PostTable(
    "tiktok_studio_content", header_names("Video title", "Video link", "Post time", "Total views"),
    settings.STUDIO_CONTENT_METRICS)
TIKTOK_STUDIO_FOLLOWER_ACTIVITY = _Skipped(
    "tiktok_studio_follower_activity", header_names("Date", "Hour", "Active followers"),
    "hourly follower activity, not daily facts")
TIKTOK_STUDIO_FOLLOWER_GENDER = _Skipped(
    "tiktok_studio_follower_gender", header_names("Gender", "Distribution"),
    "follower demographics (gender distribution), not daily facts")
TIKTOK_STUDIO_FOLLOWER_TERRITORIES = _Skipped(
    "tiktok_studio_follower_territories", header_names("Top territories", "Distribution"),
    "follower demographics (top territories), not daily facts")

EXPORT_FORMATS: tuple[HeaderFormat, ...] = (
    TIKTOK_BUSINESS_OVERVIEW,
    TIKTOK_BUSINESS_AUDIENCE,
    TIKTOK_BUSINESS_VIDEOS,
    TIKTOK_STUDIO_OVERVIEW,
    TIKTOK_STUDIO_VIEWERS,
    TIKTOK_STUDIO_FOLLOWER_HISTORY,
    TIKTOK_STUDIO_CONTENT,
    TIKTOK_STUDIO_FOLLOWER_ACTIVITY,
    TIKTOK_STUDIO_FOLLOWER_GENDER,
    TIKTOK_STUDIO_FOLLOWER_TERRITORIES,
)
