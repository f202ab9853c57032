"""Meta Business Suite exports (Facebook and Instagram): daily metric files, Audience.csv,
the per-post "Content" export, and spreadsheet re-saves of them that cannot be read.

Layouts (see docs/exports/facebook.md and instagram.md, platform-apis.md §9.1-9.2):

- Daily metric file (Insights -> Results -> Export): UTF-16LE with BOM, a `sep=,` line (which
  read_sheets consumes), a title line naming the metric ("Facebook reach", "Views", ...), then
  `"Date","Primary"` and one `"YYYY-MM-DDTHH:MM:SS","value"` row per day.
- Audience.csv: blocks ("Age & gender", "Top cities", "Top countries") of percentages.
- Per-post export (Content -> Export data): UTF-8 with BOM, one row per post, `Date` =
  "Lifetime", then the metric columns the user picked.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connectors.base import (
    POST_SNAPSHOT_METRICS,
    POST_TYPES,
    AccountDayValue,
    ExportContext,
    ExportFileError,
    ExportFormat,
    ParsedExport,
    PostMetricValue,
    PostRecord,
    PostTableLayout,
)
from connectors.tables import HeaderFormat, Sheets, records, unique_headers
from connectors.values import parse_number

AUDIENCE_SKIPPED_REASON = "audience demographics, not daily facts"
COLLAPSED_RESAVE_REASON = (
    "re-saved by a spreadsheet: every row collapsed into one quoted field; "
    "re-download the original export from Meta Business Suite"
)
TITLE_MAX_CHARS = 200


@dataclass(frozen=True)
class MetaPlatformSettings:
    """What differs between the Facebook and Instagram flavours of the same export layouts.

    Keys of the mappings are matched case-insensitively (Meta varies header case between
    exports); `source_metric` always keeps the file's own spelling.
    - `daily_titles`: daily-file title line -> canonical account_daily columns (usually one;
      link clicks fill two).
    - `post_account_column`: the column that tells this platform's per-post export apart
      ("Page ID" for Facebook, "Account ID" for Instagram).
    - `post_metrics`: per-post metric header -> canonical post_snapshots column.
    - `post_types`: the platform's "Post type" string -> one of POST_TYPES.
    """

    platform: str
    daily_titles: Mapping[str, tuple[str, ...]]
    post_account_column: str
    post_metrics: Mapping[str, str]
    post_types: Mapping[str, str]

    def __post_init__(self) -> None:
        # Fail at import time, not on a user's file, if a settings table names a wrong column.
        for title, metrics in self.daily_titles.items():
            if not metrics:
                raise ValueError(f"{self.platform} daily title {title!r} maps to no metric")
        for header, metric in self.post_metrics.items():
            if metric not in POST_SNAPSHOT_METRICS:
                raise ValueError(f"{self.platform} post column {header!r} -> unknown metric {metric!r}")
        for raw, post_type in self.post_types.items():
            if post_type not in POST_TYPES:
                raise ValueError(f"{self.platform} post type {raw!r} -> unknown type {post_type!r}")

    def daily_metrics(self, title: str) -> tuple[str, ...] | None:
        return _casefold_lookup(self.daily_titles, title)

    def post_metric(self, header: str) -> str | None:
        return _casefold_lookup(self.post_metrics, header)

    def post_type(self, raw: str) -> str | None:
        return _casefold_lookup(self.post_types, raw)


_T = TypeVar("_T")


def _casefold_lookup(table: Mapping[str, _T], key: str) -> _T | None:
    wanted = key.strip().casefold()
    for name, value in table.items():
        if name.casefold() == wanted:
            return value
    return None


def _trimmed(row: list[str]) -> list[str]:
    """Cells of a row with trailing empty cells dropped (a `;` re-save ends the title line with `;`)."""
    cells = [c.strip() for c in row]
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _single_sheet(sheets: Sheets) -> list[list[str]] | None:
    """The rows of a CSV (read_sheets names its only sheet ""); None for workbooks."""
    if list(sheets) != [""]:
        return None
    return sheets[""]


# --------------------------------------------------------------------------------------------
# Times and titles
# --------------------------------------------------------------------------------------------


def local_to_utc(local: dt.datetime, timezone: str) -> dt.datetime:
    """A naive local time in the account's IANA timezone, as timezone-aware UTC.

    Meta writes post times in the account's timezone without an offset. A time in a DST gap or
    overlap resolves with fold=0 (the earlier offset), as zoneinfo does by default.
    """
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown timezone {timezone!r}") from exc
    return local.replace(tzinfo=zone).astimezone(dt.UTC)


def post_title(*texts: str) -> str | None:
    """First non-empty line of the first non-empty text, at most 200 characters.

    Facebook's `Title` and both platforms' `Description` hold the whole multi-line caption;
    its first line is what people recognise a post by.
    """
    for text in texts:
        for line in text.splitlines():
            if line.strip():
                return line.strip()[:TITLE_MAX_CHARS].rstrip()
    return None


# --------------------------------------------------------------------------------------------
# Daily metric files
# --------------------------------------------------------------------------------------------

_META_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2})?)?")


@dataclass(frozen=True)
class _DailyLayout:
    title: str
    title_index: int  # 0-based row indexes in the sheet
    header_index: int


def _daily_layout(rows: list[list[str]]) -> _DailyLayout | None:
    """Title line and "Date","Primary" header when rows have the daily-file layout."""
    non_empty = [(i, _trimmed(r)) for i, r in enumerate(rows[:5]) if _trimmed(r)]
    if len(non_empty) < 2:
        return None
    (title_index, title_cells), (header_index, header_cells) = non_empty[0], non_empty[1]
    if len(title_cells) != 1 or [c.casefold() for c in header_cells] != ["date", "primary"]:
        return None
    return _DailyLayout(title_cells[0], title_index, header_index)


class MetaDailyMetricFormat:
    """Insights -> Results -> Export: one file per metric, one value per day."""

    name = "meta_daily_metric"

    def __init__(self, settings: MetaPlatformSettings) -> None:
        self.settings = settings

    def recognise(self, sheets: Sheets) -> bool:
        rows = _single_sheet(sheets)
        # Any title is recognised here so that an unknown one is quarantined with its name
        # (parse raises) instead of being reported as an unknown file.
        return rows is not None and _daily_layout(rows) is not None

    def parse(self, sheets: Sheets, ctx: ExportContext) -> ParsedExport:
        rows = _single_sheet(sheets)
        layout = _daily_layout(rows) if rows is not None else None
        if rows is None or layout is None:
            raise ExportFileError(ctx.path, "not a Meta daily metric file (title line, then Date,Primary)")
        title, header_index = layout.title, layout.header_index
        metrics = self.settings.daily_metrics(title)
        if metrics is None:
            known = ", ".join(sorted(self.settings.daily_titles))
            raise ExportFileError(
                ctx.path, f"unknown {self.settings.platform} daily metric title {title!r} (known: {known})",
                row=layout.title_index + 1)
        parsed = ParsedExport(format=self.name)
        seen: dict[dt.date, int] = {}
        stamped_one_am = 0
        for index in range(header_index + 1, len(rows)):
            cells = _trimmed(rows[index])
            file_row = index + 1  # 1-based as a spreadsheet shows it (Excel hides the sep= line)
            if not cells:
                continue
            if len(cells) > 2:
                raise ExportFileError(ctx.path, f"expected 2 cells (Date, Primary), found {len(cells)}",
                                      row=file_row)
            day = _meta_day(cells[0], ctx, file_row)
            if day in seen:
                raise ExportFileError(ctx.path, f"date {day} appears twice (rows {seen[day]} and {file_row})",
                                      row=file_row, column="Date")
            seen[day] = file_row
            if cells[0].endswith("T01:00:00"):
                stamped_one_am += 1
            value = _number(cells[1] if len(cells) > 1 else "", ctx, file_row, "Primary")
            # One canonical column per mapping target: link clicks are both `link_clicks` and
            # `clicks` (the only click count Meta's daily files give).
            for metric in metrics:
                parsed.account_daily.append(AccountDayValue(day, metric, title, value))
        if seen:
            parsed.covers = (min(seen), max(seen))
        parsed.notes.append(f"daily metric {title!r} -> {', '.join(metrics)}")
        if stamped_one_am:
            parsed.notes.append(
                f"{stamped_one_am} days stamped T01:00:00 read by their date part, not shifted")
        if not seen:
            parsed.notes.append("no daily rows in the file")
        return parsed


def _meta_day(text: str, ctx: ExportContext, file_row: int) -> dt.date:
    """The reporting date of a daily row: the date part of "2025-01-01T01:00:00".

    Meta stamps each reporting day at local midnight and shows an offset artifact (T01:00:00 in
    northern-hemisphere winter, T00:00:00 in summer): the date part is the day the value belongs
    to. Converting the stamp between timezones would move whole days, so it is never done.
    Only this ISO form is accepted: a spreadsheet re-save that rewrote dates in a local order
    (31/10/2025 or 10/31/2025) is ambiguous and is rejected rather than guessed.
    """
    match = _META_DAY.fullmatch(text.strip())
    if not match:
        raise ExportFileError(
            ctx.path, f"date {text!r} is not the YYYY-MM-DD form Meta writes (a spreadsheet re-save may "
            "have reformatted it); re-download the original export", row=file_row, column="Date")
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError as exc:
        raise ExportFileError(ctx.path, f"invalid date {text!r} ({exc})", row=file_row,
                              column="Date") from exc


def _number(text: str, ctx: ExportContext, file_row: int, column: str) -> float | None:
    """A cell as a number; placeholders (empty, N/A, --) are None, never 0."""
    try:
        return parse_number(text)
    except ValueError as exc:
        raise ExportFileError(ctx.path, f"not a number: {text!r}", row=file_row, column=column) from exc


# --------------------------------------------------------------------------------------------
# Audience.csv
# --------------------------------------------------------------------------------------------

AUDIENCE_BLOCK_TITLES = frozenset({"age & gender", "top cities", "top countries"})


def _audience_blocks(rows: list[list[str]]) -> list[str]:
    """Block titles of Audience.csv: single-cell rows that start the file or follow a blank row."""
    titles = []
    previous_blank = True
    for row in rows:
        cells = _trimmed(row)
        if previous_blank and len(cells) == 1 and cells[0].casefold() in AUDIENCE_BLOCK_TITLES:
            titles.append(cells[0])
        previous_blank = not cells
    return titles


class MetaAudienceFormat:
    """Insights -> Audience -> Export (Audience.csv): demographics percentages, no daily facts.

    Blocks differ in shape ("Age & gender" is a table, "Top cities"/"Top countries" are
    horizontal: a names row then a values row) and order between Facebook and Instagram;
    the file is recognised by its first block title and recorded as skipped.
    """

    name = "meta_audience"

    def recognise(self, sheets: Sheets) -> bool:
        rows = _single_sheet(sheets)
        if not rows:
            return False
        first = next((_trimmed(r) for r in rows if _trimmed(r)), [])
        return len(first) == 1 and first[0].casefold() in AUDIENCE_BLOCK_TITLES

    def parse(self, sheets: Sheets, ctx: ExportContext) -> ParsedExport:
        rows = _single_sheet(sheets) or []
        blocks = _audience_blocks(rows)
        notes = [f"audience blocks: {', '.join(blocks)}"] if blocks else []
        return ParsedExport(format=self.name, skipped_reason=AUDIENCE_SKIPPED_REASON, notes=notes)


# --------------------------------------------------------------------------------------------
# Per-post "Content" export
# --------------------------------------------------------------------------------------------

POST_REQUIRED_HEADERS = frozenset({"Post ID", "Publish time", "Permalink", "Post type", "Date"})
# Descriptive columns of both platforms' post exports; never read as metrics even if a future
# export moves them after the `Date` column.
POST_DESCRIPTIVE_HEADERS = frozenset(h.casefold() for h in (
    "Post ID", "Page ID", "Page name", "Account ID", "Account username", "Account name", "Title",
    "Description", "Duration (sec)", "Publish time", "Caption type", "Permalink", "Is crosspost",
    "Is share", "Post type", "Languages", "Custom labels", "Funded content status", "Data comment",
    "Date",
))
_PUBLISH_TIME = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}) (\d{1,2}):(\d{2})")
_SPREADSHEET_NUMBER_ID = re.compile(r"\d+(\.\d+)?E\+\d+", re.IGNORECASE)


class MetaPostExportFormat(HeaderFormat):
    """Content -> Export data: one row per post with its lifetime counters (a snapshot). The
    platform's account column (`settings.post_account_column`) tells Facebook's from Instagram's."""

    name = "meta_post_export"
    search_rows = 3

    def __init__(self, settings: MetaPlatformSettings) -> None:
        super().__init__(required={*POST_REQUIRED_HEADERS, settings.post_account_column})
        self.settings = settings

    def tables(self, sheets: Sheets) -> list[tuple[str, int]]:
        """Only a CSV: Business Suite never writes these as workbooks."""
        return super().tables(sheets) if _single_sheet(sheets) is not None else []

    def stream_prefix_rows(self, head: list[list[str]]) -> int | None:
        """Rows (title lines and header) to repeat before each chunk when a large file is parsed in
        chunks (ingest.drop_folder streams big files); the rows after them are independent posts."""
        index = self.header.find(head)
        return None if index is None else index + 1

    def post_table_layout(self, head: list[list[str]]) -> PostTableLayout | None:
        """The table as plain data for a bulk reader of large files (ingest.bulk_posts); `parse`
        stays the reference for every row the bulk reader cannot read exactly as it would."""
        header_index = self.header.find(head)
        if header_index is None:
            return None
        header = unique_headers(head[header_index])
        notes: list[str] = []
        _note_duplicate_headers(head[header_index], notes)
        metric_columns = self._metric_columns(header, notes)
        position = {name: i for i, name in enumerate(header)}
        first = {name.casefold(): i for i, name in reversed(list(enumerate(header)))}  # first of duplicates
        return PostTableLayout(
            header_index=header_index, width=len(header), post_id=first["post id"],
            published_local=first["publish time"], permalink=first["permalink"], post_type=first["post type"],
            post_types=tuple((raw.casefold(), kind) for raw, kind in self.settings.post_types.items()),
            period=first["date"], period_value="lifetime",
            title_columns=tuple(first[name] for name in ("title", "description") if name in first),
            metrics=tuple((position[name], name, metric) for name, metric in metric_columns),
            notes=tuple(notes))

    @staticmethod
    def table_notes(unknown_types: set[str], posts: int, export_date: dt.date) -> list[str]:
        """The notes that close a parse: post types kept raw, and the count of posts."""
        notes = [f"post types without a canonical type (kept raw): {sorted(unknown_types)}"] if unknown_types else []
        return [*notes, f"{posts} posts, lifetime snapshot dated {export_date}"]

    def parse(self, sheets: Sheets, ctx: ExportContext) -> ParsedExport:
        found = self.tables(sheets)
        if not found:
            raise ExportFileError(ctx.path, f"not a Meta {self.settings.platform} per-post export")
        sheet, header_index = found[0]
        rows = sheets[sheet]
        header, post_rows = records(rows, header_index)
        parsed = ParsedExport(format=self.name)
        _note_duplicate_headers(rows[header_index], parsed.notes)
        metric_columns = self._metric_columns(header, parsed.notes)
        _check_row_widths(rows, header_index, len(header), ctx, parsed.notes)
        column = {name.casefold(): name for name in reversed(header)}  # first of duplicates wins
        unknown_types: set[str] = set()
        first_row_of: dict[str, int] = {}
        for file_row, cells in post_rows:
            post_id = _post_id(cells[column["post id"]], ctx, file_row)
            if post_id in first_row_of:
                raise ExportFileError(
                    ctx.path, f"post {post_id} appears twice (rows {first_row_of[post_id]} and {file_row})",
                    row=file_row, column="Post ID")
            first_row_of[post_id] = file_row
            period = cells[column["date"]].strip()
            # `Date` is a period indicator, not a date: only "Lifetime" exports are snapshots of
            # lifetime counters that can be dated by the export date.
            if period.casefold() != "lifetime":
                raise ExportFileError(
                    ctx.path, f"period {period!r} is not 'Lifetime'; export the posts with lifetime values",
                    row=file_row, column=column["date"])
            raw_type = cells[column["post type"]].strip() or None
            post_type = self.settings.post_type(raw_type) if raw_type else None
            if raw_type and post_type is None:
                unknown_types.add(raw_type)
            title_text = cells.get(column.get("title", ""), "")
            time_column = column["publish time"]
            parsed.posts.append(PostRecord(
                post_id=post_id,
                published_at=_publish_time(cells[time_column], ctx, file_row, time_column),
                post_type=post_type,
                post_type_raw=raw_type,
                permalink=cells[column["permalink"]].strip() or None,
                title=post_title(title_text, cells.get(column.get("description", ""), "")),
            ))
            for name, metric in metric_columns:
                value = _number(cells[name], ctx, file_row, name)
                parsed.post_metrics.append(PostMetricValue(post_id, ctx.export_date, metric, name, value))
        parsed.notes += self.table_notes(unknown_types, len(parsed.posts), ctx.export_date)
        return parsed

    def _metric_columns(self, header: list[str], notes: list[str]) -> list[tuple[str, str | None]]:
        """(header, canonical metric or None) of every metric column.

        Meta puts the period column `Date` between a post's descriptive columns and its metrics,
        so the metrics are the columns after it. A canonical metric comes from the first column
        that maps to it; a later one (a duplicate `Views`, shown as `Views (2)` by
        unique_headers, or a pre-2025 `Impressions` next to `Views`) stays lineage only.
        """
        date_position = next(i for i, name in enumerate(header) if name.casefold() == "date")
        claimed: dict[str, str] = {}
        columns: list[tuple[str, str | None]] = []
        for name in header[date_position + 1:]:
            if not name or name.casefold() in POST_DESCRIPTIVE_HEADERS:
                continue
            metric = self.settings.post_metric(name)
            if metric is not None and metric in claimed:
                notes.append(f"column {name!r} kept for lineage only: {metric} is read from "
                             f"{claimed[metric]!r}")
                metric = None
            elif metric is not None:
                claimed[metric] = name
            columns.append((name, metric))
        return columns


def _note_duplicate_headers(header_row: list[str], notes: list[str]) -> None:
    """Facebook post exports can carry two `Views` columns; records() keeps them apart as
    `Views` and `Views (2)` (the first keeps its name and its canonical mapping)."""
    counts: dict[str, int] = {}
    for name in header_row:
        counts[name.strip()] = counts.get(name.strip(), 0) + 1
    for name, count in counts.items():
        if name and count > 1:
            notes.append(f"duplicate header {name!r} in {count} columns: the later ones are kept as "
                         f"'{name} (2)'...; only the first maps to a canonical metric")


def _check_row_widths(rows: list[list[str]], header_index: int, width: int, ctx: ExportContext,
                      notes: list[str]) -> None:
    """Ragged rows (Meta drops trailing empty cells) are padded by records(); longer rows would
    shift values under the wrong headers, so they are refused."""
    short = 0
    for index in range(header_index + 1, len(rows)):
        row = rows[index]
        if not any(c.strip() for c in row):
            continue
        if len(row) < width:
            short += 1
        elif len(row) > width and any(c.strip() for c in row[width:]):
            raise ExportFileError(ctx.path, f"row has {len(row)} cells but the header has {width}",
                                  row=index + 1)
    if short:
        notes.append(f"{short} ragged rows padded with empty cells (no data, not 0)")


def _post_id(text: str, ctx: ExportContext, file_row: int) -> str:
    """Post IDs are 15-17 digit integers kept as strings; a spreadsheet turns them into 1.22E+17."""
    post_id = text.strip()
    if not post_id:
        raise ExportFileError(ctx.path, "post without a Post ID", row=file_row, column="Post ID")
    if _SPREADSHEET_NUMBER_ID.fullmatch(post_id):
        raise ExportFileError(
            ctx.path, f"post id {post_id!r} was turned into a rounded number by a spreadsheet; "
            "re-download the original export", row=file_row, column="Post ID")
    return post_id


def _publish_time(text: str, ctx: ExportContext, file_row: int, column: str) -> dt.datetime | None:
    """`Publish time` "MM/DD/YYYY HH:MM" is in the account's timezone without offset -> UTC."""
    if not text.strip():
        return None
    match = _PUBLISH_TIME.fullmatch(text.strip())
    if not match:
        raise ExportFileError(ctx.path, f"publish time {text!r} is not MM/DD/YYYY HH:MM", row=file_row,
                              column=column)
    month, day, year, hour, minute = (int(g) for g in match.groups())
    try:
        return local_to_utc(dt.datetime(year, month, day, hour, minute), ctx.timezone)
    except ValueError as exc:
        raise ExportFileError(ctx.path, f"publish time {text!r}: {exc}", row=file_row, column=column) from exc


# --------------------------------------------------------------------------------------------
# Spreadsheet re-saves that collapsed every row into one field
# --------------------------------------------------------------------------------------------

_COLLAPSED_SIGNATURES = (
    frozenset({"post id", "publish time"}),  # per-post export
    frozenset({"video asset id", "publish time"}),  # Facebook video export
)


def _is_collapsed_header(cell: str) -> bool:
    """True if one cell holds a whole Meta header line (`Post ID,"Account ID",...`)."""
    for delimiter in (",", ";"):
        if delimiter not in cell:
            continue
        try:
            parts = [p.strip().casefold() for p in next(csv.reader([cell], delimiter=delimiter))]
        except csv.Error:  # recognise() must never raise
            continue
        if parts[:2] == ["date", "primary"] or any(sig <= set(parts) for sig in _COLLAPSED_SIGNATURES):
            return True
    return False


class MetaCollapsedResaveFormat:
    """A Meta export re-saved by a spreadsheet so that each line became one quoted field.

    Example first line: `"Post ID,""Account ID"",""Account username"",..."`. The quoting
    inside is doubled and multi-line captions broke the rows apart, so the values cannot be
    recovered reliably: the file is recognised as Meta's and refused with a reason that tells
    the user to download it again.
    """

    name = "meta_resaved_collapsed"

    def recognise(self, sheets: Sheets) -> bool:
        rows = _single_sheet(sheets)
        if not rows:
            return False
        first_rows = [cells for cells in (_trimmed(r) for r in rows[:6]) if cells][:2]
        return any(len(cells) == 1 and _is_collapsed_header(cells[0]) for cells in first_rows)

    def parse(self, sheets: Sheets, ctx: ExportContext) -> ParsedExport:
        raise ExportFileError(ctx.path, COLLAPSED_RESAVE_REASON, row=1)


def business_suite_formats(settings: MetaPlatformSettings) -> tuple[ExportFormat, ...]:
    """The Business Suite formats of one Meta platform, in the order they are tried (a collapsed
    re-save first: it is refused with its own reason rather than left unrecognised)."""
    return (MetaCollapsedResaveFormat(), MetaDailyMetricFormat(settings), MetaAudienceFormat(),
            MetaPostExportFormat(settings))
