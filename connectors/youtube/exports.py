"""YouTube Studio advanced-mode download: the three CSVs of its zip.

Studio (Analytics -> Advanced mode -> Export current view -> Comma-separated values) gives a zip
with `Table data.csv` (one row per item of the chosen dimension, after a `Total` row),
`Chart data.csv` (long format: one row per day and plotted item) and `Totals.csv` (one row per
day). Each is recognised by its header (the dimension named in the first or second column),
never by its file name. Metric mappings live in connectors.youtube.settings.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from connectors.base import AccountDayValue, ExportContext, ExportFileError, ParsedExport, PostMetricValue, PostRecord
from connectors.tables import Header, HeaderFormat, Sheets, records
from connectors.values import is_placeholder, parse_named_date, parse_number
from connectors.youtube import settings

Record = tuple[int, dict[str, str]]  # (1-based row number in the file, cells by header)

_ACCOUNT = {name.casefold(): metric for name, metric in settings.ACCOUNT_METRICS.items()}
_POST = {name.casefold(): metric for name, metric in settings.POST_METRICS.items()}
_EXHAUSTIVE = {name.casefold() for name in settings.EXHAUSTIVE_DIMENSIONS}
_NON_ADDITIVE = {name.casefold() for name in settings.NON_ADDITIVE_METRICS}
_CONTENT_COLUMNS = {name.casefold() for name in settings.CONTENT_COLUMNS}
_CLOCK = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{2})")


class _StudioFormat(HeaderFormat):
    """A Studio CSV: its header is the first row, which names the dimension in its first (Table
    data) or second (Chart data) column."""

    search_rows = 1

    def table(self, sheets: Sheets, ctx: ExportContext) -> tuple[list[str], list[Record]]:
        """The header (stripped) and the data rows of the located table."""
        sheet, index = self.first_table(sheets, ctx)
        return records(sheets[sheet], index)


def _is_total(cell: str) -> bool:
    return cell.strip().casefold() == "total"


# --------------------------------------------------------------------------------------------
# Values and dates
# --------------------------------------------------------------------------------------------


def _value(ctx: ExportContext, row: int, column: str, text: str) -> float | None:
    """A metric cell; empty means no data (None). "Average view duration" is H:MM:SS -> seconds."""
    clock = _CLOCK.fullmatch(text.strip())
    if clock:
        hours, minutes, seconds = clock.groups()
        return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
    try:
        return parse_number(text)
    except ValueError:
        raise ExportFileError(ctx.path, f"not a number: {text!r}", row=row, column=column) from None


_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_NUMERIC_DATE = re.compile(r"(\d{1,2})([-/.])(\d{1,2})\2(\d{4})")


def _read_dates(ctx: ExportContext, cells: list[tuple[int, str]],
                column: str) -> tuple[list[dt.date], list[str]]:
    """The dates of a Date column, and a note if they were not in Studio's own YYYY-MM-DD.

    A copy re-saved through a spreadsheet locale writes 13-06-2025 (or 06-13-2025). The
    order of day and month is decided for the whole file: day first if some first field
    exceeds 12, month first if some second field does; if every value fits both, the order
    cannot be decided and the file is rejected rather than silently swapping days and months.
    """
    numeric: list[tuple[int, int, int, int]] = []
    dates: list[dt.date | None] = []
    for row, text in cells:
        t = text.strip()
        try:
            if m := _ISO_DATE.fullmatch(t):
                dates.append(dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))))
            elif m := _NUMERIC_DATE.fullmatch(t):
                numeric.append((row, int(m.group(1)), int(m.group(3)), int(m.group(4))))
                dates.append(None)
            else:  # a Studio UI date ("Jun 13, 2025"), as some re-saves write them
                dates.append(parse_named_date(t))
        except ValueError:
            raise ExportFileError(ctx.path, f"not a date: {t!r}", row=row, column=column) from None
    if not numeric:
        return [d for d in dates if d is not None], []
    if len(numeric) != len(cells):  # name the first row whose format differs from the first row's
        numeric_rows = {n[0] for n in numeric}
        first_is_numeric = cells[0][0] in numeric_rows
        row = next(r for r, _ in cells if (r in numeric_rows) != first_is_numeric)
        raise ExportFileError(ctx.path, "mixed date formats in one column", row=row, column=column)

    first_max = max(first for _, first, _, _ in numeric)
    second_max = max(second for _, _, second, _ in numeric)
    if first_max <= 12 and second_max <= 12:
        raise ExportFileError(ctx.path, "day/month order cannot be decided: every date fits both "
                              "DD-MM-YYYY and MM-DD-YYYY (a spreadsheet re-save)", column=column)
    if first_max > 12 and second_max > 12:
        row = next(r for r, _, second, _ in numeric if second > 12)
        raise ExportFileError(ctx.path, "dates fit neither DD-MM-YYYY nor MM-DD-YYYY",
                              row=row, column=column)
    day_first = first_max > 12
    out = []
    for row, first, second, year in numeric:
        day, month = (first, second) if day_first else (second, first)
        try:
            out.append(dt.date(year, month, day))
        except ValueError:
            raise ExportFileError(ctx.path, f"not a date: {first}-{second}-{year}",
                                  row=row, column=column) from None
    order = "DD-MM-YYYY" if day_first else "MM-DD-YYYY"
    return out, [f"dates read as {order}: the file was re-saved through a spreadsheet locale "
                 f"(Studio writes YYYY-MM-DD); some {'first' if day_first else 'second'} fields exceed 12"]


# --------------------------------------------------------------------------------------------
# Table data.csv
# --------------------------------------------------------------------------------------------


class YouTubeContentTable(_StudioFormat):
    """`Table data.csv` by Content: one row per video -> posts and their counters.

    The counters cover the period selected in Studio when downloading (a lifetime download
    gives lifetime counters); they are a snapshot dated by the export date.
    """

    name = "youtube_content_table"
    leading = (frozenset({"Content"}),)
    any_of = (frozenset(settings.POST_METRICS),)

    def parse(self, sheets: Sheets, ctx: ExportContext) -> ParsedExport:
        header, rows = self.table(sheets, ctx)
        id_column = header[0]
        title_column = next((h for h in header if h.casefold() == "video title"), None)
        publish_column = next((h for h in header if h.casefold() == "video publish time"), None)
        metric_columns = [h for h in header if h and h.casefold() not in _CONTENT_COLUMNS]
        zone = ZoneInfo(ctx.timezone)
        notes: list[str] = []
        posts: list[PostRecord] = []
        metrics: list[PostMetricValue] = []
        total_row: Record | None = None
        padded_ids = 0
        for row, cells in rows:
            # The first data row is the channel `Total` for the period, not a video.
            if _is_total(cells[id_column]):
                total_row = (row, cells)
                continue
            # Video ids may begin with "-"; Studio writes those with a leading space
            # (" -HHGH-TTqYM") so that spreadsheets do not read them as formulas: strip it.
            post_id = cells[id_column].strip()
            padded_ids += post_id != cells[id_column]
            if not post_id:
                raise ExportFileError(ctx.path, "empty video id", row=row, column=id_column)
            published_at = None
            if publish_column and not is_placeholder(cells[publish_column]):
                # "Aug 28, 2025": a day in the channel's timezone; no time of day -> local midnight.
                try:
                    day = parse_named_date(cells[publish_column])
                except ValueError:
                    raise ExportFileError(ctx.path, f"not a date: {cells[publish_column]!r}",
                                          row=row, column=publish_column) from None
                published_at = dt.datetime.combine(day, dt.time(0), zone).astimezone(dt.UTC)
            # Studio does not say which videos are Shorts (a short Duration does not make one),
            # so every item is a "video".
            posts.append(PostRecord(
                post_id=post_id, published_at=published_at, post_type="video", post_type_raw=None,
                permalink=f"https://www.youtube.com/watch?v={post_id}",
                title=(cells[title_column].strip() or None) if title_column else None))
            for column in metric_columns:
                metrics.append(PostMetricValue(post_id, ctx.export_date, _POST.get(column.casefold()),
                                               column, _value(ctx, row, column, cells[column])))
        if total_row is not None:
            notes.append(self._total_note(ctx, header, total_row, posts, metrics))
        if padded_ids:
            notes.append(f"stripped the leading space of {padded_ids} video ids starting with '-'")
        unmapped = [c for c in metric_columns if c.casefold() not in _POST]
        if unmapped:
            notes.append(f"columns without a canonical metric kept for lineage: {', '.join(unmapped)}")
        notes.append("counters cover the period selected in Studio; snapshot dated by the export date")
        return ParsedExport(format=self.name, posts=posts, post_metrics=metrics, notes=notes)

    @staticmethod
    def _total_note(ctx: ExportContext, header: list[str], total_row: Record,
                    posts: list[PostRecord], metrics: list[PostMetricValue]) -> str:
        """Say the Total row was dropped, and by how much its Views exceed the listed videos'."""
        row, cells = total_row
        views_column = next((h for h in header if h.casefold() == "views"), None)
        if views_column is None or is_placeholder(cells[views_column]):
            return "dropped the Total row"
        total = _value(ctx, row, views_column, cells[views_column]) or 0
        listed = sum(m.value or 0 for m in metrics if m.source_metric == views_column)
        return (f"dropped the Total row: channel Views {total:g} for the period, "
                f"{listed:g} over the {len(posts)} listed videos")


class YouTubeDimensionTable(_StudioFormat):
    """`Table data.csv` by a dimension other than Content (traffic source, geography...):
    period totals per item, no daily facts and no posts."""

    name = "youtube_dimension_table"
    leading = (frozenset(settings.DIMENSIONS - {"Content"}),)
    any_of = (frozenset(settings.ACCOUNT_METRICS),)
    # A dimension settings.DIMENSIONS does not list yet: known by the `Total` row under the header.
    _UNLISTED_DIMENSION = Header.of(any_of=(settings.ACCOUNT_METRICS,), excluded=("Content", "Date"), search=1)

    def tables(self, sheets: Sheets) -> list[tuple[str, int]]:
        return super().tables(sheets) or [
            (sheet, 0) for sheet, rows in sheets.items()
            if self._UNLISTED_DIMENSION.find(rows) == 0 and len(rows) > 1 and rows[1] and _is_total(rows[1][0])]

    def parse(self, sheets: Sheets, ctx: ExportContext) -> ParsedExport:
        dimension = self.table(sheets, ctx)[0][0]
        return ParsedExport(format=self.name, skipped_reason=(
            f"YouTube Studio table by {dimension}: totals per {dimension.lower()} for the "
            "selected period, not daily facts"))


# --------------------------------------------------------------------------------------------
# Totals.csv and Chart data.csv
# --------------------------------------------------------------------------------------------


Covers = tuple[dt.date, dt.date] | None


def _daily(ctx: ExportContext, rows: list[Record], date_column: str,
           metric_columns: list[str]) -> tuple[list[AccountDayValue], Covers, list[str]]:
    """AccountDayValues of a Date,<metric...> table (Totals.csv)."""
    notes: list[str] = []
    if rows and _is_total(rows[0][1][date_column]):  # a Table by Date starts with a Total row
        rows = rows[1:]
        notes.append("dropped the Total row")
    dates, date_notes = _read_dates(ctx, [(row, cells[date_column]) for row, cells in rows], date_column)
    seen: set[dt.date] = set()
    for (row, _), day in zip(rows, dates, strict=True):  # one row per day, else two values per day
        if day in seen:
            raise ExportFileError(ctx.path, f"date {day.isoformat()} appears twice", row=row, column=date_column)
        seen.add(day)
    values = [AccountDayValue(day, _ACCOUNT.get(column.casefold()), column,
                              _value(ctx, row, column, cells[column]))
              for (row, cells), day in zip(rows, dates, strict=True) for column in metric_columns]
    empty = sum(1 for _, cells in rows for c in metric_columns if is_placeholder(cells[c]))
    if empty:
        notes.append(f"{empty} empty cells (days without data) read as NULL, not 0")
    covers = (min(dates), max(dates)) if dates else None
    return values, covers, date_notes + notes


class YouTubeTotals(_StudioFormat):
    """`Totals.csv`: Date,<metric> daily channel totals (empty cell = no data that day)."""

    name = "youtube_totals"
    leading = (frozenset({"Date"}),)
    any_of = (frozenset(settings.ACCOUNT_METRICS),)
    only = True  # every other column a channel metric: not another platform's Date,Likes,... file

    def parse(self, sheets: Sheets, ctx: ExportContext) -> ParsedExport:
        header, rows = self.table(sheets, ctx)
        metric_columns = [h for h in header[1:] if h]
        values, covers, notes = _daily(ctx, rows, header[0], metric_columns)
        return ParsedExport(format=self.name, account_daily=values, covers=covers, notes=notes)


class YouTubeChartData(_StudioFormat):
    """`Chart data.csv`: Date,<dimension columns...>,<metric>, one row per day and item.

    Only a dimension that splits every view into exactly one item (traffic source,
    subscription status) adds up to the channel's day; those are summed per day. Other
    dimensions (Content: only the plotted videos; Geography: only countries above YouTube's
    privacy threshold) are recognised and skipped.
    """

    name = "youtube_chart_data"
    leading = (frozenset({"Date"}), settings.DIMENSIONS)
    any_of = (frozenset(settings.ACCOUNT_METRICS),)

    def parse(self, sheets: Sheets, ctx: ExportContext) -> ParsedExport:
        header, rows = self.table(sheets, ctx)
        date_column, dimension = header[0], header[1]
        if dimension.casefold() not in _EXHAUSTIVE:
            return ParsedExport(format=self.name, skipped_reason=(
                f"YouTube Studio chart data by {dimension}: its items do not cover every view, "
                "so they do not add up to daily channel totals"))
        metric_columns = [h for h in header[2:] if h and h.casefold() not in _CONTENT_COLUMNS]
        summed = [c for c in metric_columns if c.casefold() not in _NON_ADDITIVE]
        dates, notes = _read_dates(ctx, [(row, cells[date_column]) for row, cells in rows], date_column)
        sums: dict[tuple[dt.date, str], float | None] = {}
        for (row, cells), day in zip(rows, dates, strict=True):
            for column in summed:
                value = _value(ctx, row, column, cells[column])
                previous = sums.get((day, column))
                sums[(day, column)] = previous if value is None else (previous or 0) + value
        values = [AccountDayValue(day, _ACCOUNT.get(column.casefold()),
                                  f"{column} (sum over {dimension})", value)
                  for (day, column), value in sorted(sums.items())]
        items = len({cells[dimension].strip() for _, cells in rows})
        notes.append(f"daily totals summed over the {items} {dimension} items of Chart data; "
                     "views YouTube cannot attribute to an item are missing, so a day can fall "
                     "short of Totals.csv")
        skipped = [c for c in metric_columns if c not in summed]
        if skipped:
            notes.append(f"not summed (not counts): {', '.join(skipped)}")
        covers = (min(dates), max(dates)) if dates else None
        return ParsedExport(format=self.name, account_daily=values, covers=covers, notes=notes)


EXPORT_FORMATS: tuple[HeaderFormat, ...] = (
    YouTubeContentTable(),
    YouTubeDimensionTable(),
    YouTubeTotals(),
    YouTubeChartData(),
)
