"""GA4 "Traffic acquisition" CSV export -> core.web_daily (see settings.py for the layout).

Rows are per session source (and medium) and day; rows of the same social platform and day
(facebook.com / referral, m.facebook.com / referral, facebook / cpc, ...) are summed. Sources
that are not social platforms are ignored, with a note of how many sessions that left out.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

from connectors.base import ExportContext, ExportFileError, ParsedExport, WebDayValue
from connectors.ga4 import settings
from connectors.tables import HeaderFormat, Sheets, records
from connectors.values import parse_number

_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_RANGE_COMMENT = re.compile(r"#\s*(start|end) date:\s*(\d{8})\s*", re.IGNORECASE)
_BOUNCED_FROM_ENGAGED = "Sessions - Engaged sessions"
_TOTALS_LABELS = frozenset({"", "total", "totals", "grand total"})


_COMMENT = "#"  # GA4 CSVs open with "#" comment lines above the header, and between sections


def _is_comment(row: list[str]) -> bool:
    return bool(row) and row[0].lstrip().startswith(_COMMENT)


def _find(header: list[str], names: tuple[str, ...]) -> str | None:
    return next((column for column in header if column.casefold() in names), None)


class Ga4TrafficAcquisition(HeaderFormat):
    """GA4 Traffic acquisition report by session source (/ medium) and Date, downloaded as CSV."""

    name = "ga4_traffic_acquisition"
    required = frozenset({settings.SESSIONS_COLUMN})
    any_of = (frozenset(settings.SOURCE_COLUMNS),)
    comment_prefix = _COMMENT
    search_rows = 40

    def parse(self, sheets: Sheets, ctx: ExportContext) -> ParsedExport:
        sheet, header_index = self.first_table(sheets, ctx)
        rows = sheets[sheet]
        out = ParsedExport(format=self.name)
        # GA4 may append further "#"-headed sections (another table of the same report): only the
        # first table is read.
        end = next((i for i in range(header_index + 1, len(rows)) if _is_comment(rows[i])), len(rows))
        if end < len(rows):
            out.notes.append(f"ignored the sections after row {end} (only the first table is read)")
        header, data = records(rows[:end], header_index)
        _read_table(header, data, ctx, out)
        declared = _declared_range(rows[:header_index])
        if declared:
            out.covers = declared
        elif out.web_daily:
            dates = [value.date for value in out.web_daily]
            out.covers = (min(dates), max(dates))
        return out


def _declared_range(comments: list[list[str]]) -> tuple[dt.date, dt.date] | None:
    """The "# Start date: 20260101" / "# End date: 20260131" lines GA4 writes above the table."""
    found: dict[str, dt.date] = {}
    for row in comments:
        m = _RANGE_COMMENT.fullmatch(",".join(row).strip())
        if m:
            found[m[1].casefold()] = _compact_date(m[2])
    if "start" in found and "end" in found:
        return found["start"], found["end"]
    return None


def _compact_date(text: str) -> dt.date:
    m = _COMPACT_DATE.fullmatch(text) or _ISO_DATE.fullmatch(text)
    if not m:
        raise ValueError(f"not a GA4 date (YYYYMMDD): {text!r}")
    return dt.date(int(m[1]), int(m[2]), int(m[3]))


def _read_table(header: list[str], data: list[tuple[int, dict[str, str]]], ctx: ExportContext,
                out: ParsedExport) -> None:
    source_column = _find(header, settings.SOURCE_COLUMNS)
    date_column = _find(header, (settings.DATE_COLUMN,))
    sessions_column = _find(header, (settings.SESSIONS_COLUMN,))
    assert source_column is not None and sessions_column is not None  # the declared header
    if date_column is None:
        raise ExportFileError(ctx.path, "the export has no Date column: in GA4 add the secondary "
                              "dimension Date to the Traffic acquisition report and download it again "
                              "(web_daily needs one row per day)", column=source_column)
    engaged_column = _find(header, (settings.ENGAGED_SESSIONS_COLUMN,))
    bounce_rate_column = _find(header, (settings.BOUNCE_RATE_COLUMN,))
    conversions_column = _find(header, settings.CONVERSIONS_COLUMNS)
    revenue_column = _find(header, settings.REVENUE_COLUMNS)

    def number(record: dict[str, str], column: str, row: int) -> float | None:
        try:
            return parse_number(record[column])
        except ValueError as exc:
            raise ExportFileError(ctx.path, str(exc), row=row, column=column) from exc

    platform_days: dict[tuple[dt.date, str], settings.PlatformDay] = {}
    ignored_sessions: Counter[str] = Counter()
    for row_number, record in data:
        if not record[date_column].strip() and record[source_column].strip().casefold() in _TOTALS_LABELS:
            # The UI shows a totals row above the table; a download that carries it has no date
            # and no (or a "Grand total") source: not a source's traffic, dropped.
            out.notes.append(f"dropped the totals row {row_number}")
            continue
        try:
            date = _compact_date(record[date_column].strip())
        except ValueError as exc:
            raise ExportFileError(ctx.path, str(exc), row=row_number, column=date_column) from exc
        # "facebook.com / referral": the platform is in the source, the medium does not matter
        # (referral, social, cpc, paid_social are all visits from that platform).
        source = record[source_column].split(" / ")[0].strip()
        sessions = number(record, sessions_column, row_number)
        platform = settings.platform_of(source)
        if platform is None:
            ignored_sessions[source or "(empty)"] += sessions or 0
            continue
        day = platform_days.setdefault((date, platform), settings.PlatformDay())
        day.sources.add(source)
        day.add("sessions", sessions)
        if engaged_column is not None:
            engaged = number(record, engaged_column, row_number)
            if sessions is not None and engaged is not None and engaged > sessions:
                raise ExportFileError(ctx.path, f"more engaged sessions ({engaged:g}) than sessions "
                                      f"({sessions:g})", row=row_number, column=engaged_column)
            # GA4 defines a bounce as a session that was not engaged: bounced = sessions - engaged.
            day.add("bounced_sessions", None if sessions is None or engaged is None else sessions - engaged)
        elif bounce_rate_column is not None:
            day.add("bounced_sessions", _bounced_from_rate(record[bounce_rate_column], sessions, ctx,
                                                           row_number, bounce_rate_column))
        if conversions_column is not None:
            day.add("conversions", number(record, conversions_column, row_number))
        if revenue_column is not None:
            day.add("revenue", number(record, revenue_column, row_number))

    source_metric = {
        "sessions": sessions_column,
        "bounced_sessions": _BOUNCED_FROM_ENGAGED if engaged_column else f"Sessions x {bounce_rate_column}",
        "conversions": conversions_column or "",
        "revenue": revenue_column or "",
    }
    for (date, platform), day in platform_days.items():
        for metric, value in day.values.items():
            out.web_daily.append(WebDayValue(date, platform, metric, source_metric[metric], value))
    _add_notes(out, platform_days, ignored_sessions, engaged_column, bounce_rate_column)


def _bounced_from_rate(text: str, sessions: float | None, ctx: ExportContext, row: int,
                       column: str) -> float | None:
    """Bounced sessions from a "Bounce rate" column: GA4 writes a fraction (0.4545), a re-save
    may show "45.45%"; sessions x rate is rounded back to the whole count it came from."""
    try:
        rate = parse_number(text)
    except ValueError as exc:
        raise ExportFileError(ctx.path, str(exc), row=row, column=column) from exc
    if rate is None or sessions is None:
        return None
    if "%" in text:
        rate /= 100
    if not 0 <= rate <= 1:
        raise ExportFileError(ctx.path, f"bounce rate {text!r} is not between 0 and 1 (or 0% and 100%)",
                              row=row, column=column)
    return float(round(sessions * rate))


def _add_notes(out: ParsedExport, platform_days: dict[tuple[dt.date, str], settings.PlatformDay],
               ignored_sessions: Counter[str], engaged_column: str | None,
               bounce_rate_column: str | None) -> None:
    out.notes += settings.source_notes(platform_days, ignored_sessions, prefix="", sources="sources",
                                       example="facebook.com, m.facebook.com, l.facebook.com")
    if engaged_column is None and bounce_rate_column is None:
        out.notes.append("no Engaged sessions or Bounce rate column: bounced_sessions not reported")
    elif engaged_column is None:
        out.notes.append("bounced_sessions = sessions x Bounce rate (no Engaged sessions column)")


EXPORT_FORMATS: tuple[Ga4TrafficAcquisition, ...] = (Ga4TrafficAcquisition(),)
