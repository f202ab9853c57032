"""Meta Ads Manager table export (Reports -> Export table data) -> core.ads_daily.

The export is a CSV or XLSX table whose columns are the ones the user chose, named in the
interface language (see settings.py). This parser needs campaign rows per day: the export must
use Breakdown -> By time -> Day, which gives one row per campaign and day ("Reporting starts" ==
"Reporting ends", sometimes with a "Day" column). A row covering several days is refused:
spreading a multi-day total over its days would invent daily figures.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from connectors.base import AdsDayValue, ExportContext, ExportFileError, ParsedExport
from connectors.meta_ads import settings
from connectors.tables import HeaderFormat, Sheets, records
from connectors.values import add_known, is_placeholder, parse_number

_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_CURRENCY = re.compile(r"\(([a-z]{3})\)\s*$")
# An id that went through a spreadsheet as a number: "1.20253E+17" (18-digit ids lose digits).
_ROUNDED_ID = re.compile(r"\d(?:[.,]\d+)?e\+?\d+")
_ROLE_BY_NAME: dict[str, str] = {
    name: role for role, names in settings.HEADER_NAMES.items() for name in names
}
_Rows = list[tuple[int, dict[str, str]]]


@dataclass(frozen=True)
class _Layout:
    header_index: int
    header: list[str]
    columns: dict[str, str]  # role -> column name as written
    spend_column: str
    currency: str | None
    language: str


def _layout(header_row: list[str], header_index: int) -> _Layout:
    """The roles of the located header's columns, its amount-spent column and currency, and the
    interface language its date column names."""
    header, _ = records([header_row])
    columns: dict[str, str] = {}
    spend_column = ""
    for name in header:
        key = name.casefold()
        role = _ROLE_BY_NAME.get(key)
        if role and role not in columns:
            columns[role] = name
        elif not spend_column and key.startswith(settings.SPEND_PREFIXES):
            spend_column = name
    date_header = columns.get("starts", columns.get("day", "")).casefold()
    currency = _CURRENCY.search(spend_column.casefold())
    return _Layout(header_index, header, columns, spend_column, currency[1].upper() if currency else None,
                   settings.HEADER_LANGUAGE.get(date_header, "en"))


def decimal_mark_of(text: str) -> str | None:
    """The decimal mark a number cell shows, or None when it cannot tell ("1,234", "42").

    "3,084.40" / "3.084,40": the last separator; "12,5" / "12.78": a separator followed by other
    than three digits; "1,234,567": a repeated separator groups thousands, so the other is decimal.
    """
    s = re.sub(r"[\s\u00a0\u202f']", "", text).lstrip("+-")
    if "," in s and "." in s:
        return s[max(s.rfind(","), s.rfind("."))]
    for separator, other in ((",", "."), (".", ",")):
        if separator in s:
            if s.count(separator) > 1:
                return other
            return None if len(s.rsplit(separator, 1)[1]) == 3 else separator
    return None


@dataclass
class _CampaignDay:
    campaign_name: str | None
    rows: int = 0
    values: dict[str, float | None] = field(default_factory=dict)

    def add(self, values: dict[str, float | None]) -> None:
        self.rows += 1
        for metric, value in values.items():
            add_known(self.values, metric, value)


class MetaAdsManagerExport(HeaderFormat):
    """Ads Manager "Export table data" with a daily breakdown, campaign level or below: a header
    with a campaign name, an amount spent and a reporting-date (or Day) column, in any of the
    interface languages of settings.HEADER_NAMES."""

    name = "meta_ads_manager_table"
    any_of = (
        frozenset(settings.HEADER_NAMES["campaign_name"]),
        frozenset(f"{prefix}*" for prefix in settings.SPEND_PREFIXES),
        frozenset((*settings.HEADER_NAMES["starts"], *settings.HEADER_NAMES["day"])),
    )
    search_rows = 5

    def parse(self, sheets: Sheets, ctx: ExportContext) -> ParsedExport:
        out = ParsedExport(format=self.name)
        sheet_name, header_index = self.first_table(sheets, ctx)
        rows = sheets[sheet_name]
        layout = _layout(rows[header_index], header_index)
        for other in sheets:
            if other != sheet_name and any(any(c.strip() for c in row) for row in sheets[other]):
                out.notes.append(f"ignored sheet {other!r}: only the first Ads Manager table is read")
        _parse_table(rows, layout, ctx, out)
        return out


def _parse_table(rows: list[list[str]], layout: _Layout, ctx: ExportContext, out: ParsedExport) -> None:
    columns = layout.columns
    _, data = records(rows, layout.header_index)
    if "day" not in columns and "ends" not in columns:
        raise ExportFileError(ctx.path, "the export has Reporting starts but neither Reporting ends nor "
                              "Day, so its rows cannot be shown to be daily: export with Breakdown -> "
                              "By time -> Day", column=columns["starts"])
    clicks_role = next((r for r in settings.ADS_METRICS["clicks"] if r in columns), None)
    metric_columns: dict[str, str] = {"spend": layout.spend_column}
    for metric, roles in settings.ADS_METRICS.items():
        role = clicks_role if metric == "clicks" else roles[0]
        if role is not None and role in columns:
            metric_columns[metric] = columns[role]
    decimal = _decimal_mark(data, list(metric_columns.values()), ctx) or \
        settings.DEFAULT_DECIMAL_MARK[layout.language]

    campaign_days: dict[tuple[dt.date, str], _CampaignDay] = {}
    totals_rows: list[int] = []
    non_conversion_rows: dict[str, int] = {}
    for row_number, record in data:
        campaign_name = record[columns["campaign_name"]].strip()
        campaign_id = record[columns["campaign_id"]].strip() if "campaign_id" in columns else ""
        if not campaign_name and not campaign_id:
            # Ads Manager puts the account total first, with empty name fields (and the whole
            # reporting range as its dates): not a campaign, dropped.
            totals_rows.append(row_number)
            continue
        date = _row_date(record, columns, ctx, row_number)
        if "campaign_id" in columns:
            campaign_id = _campaign_id(campaign_id, ctx, row_number, columns["campaign_id"])
        else:
            campaign_id = campaign_name  # no Campaign ID column: the name is the key (noted below)
        values = {metric: _number(record[column], decimal, ctx, row_number, column)
                  for metric, column in metric_columns.items()}
        if "conversions" in values and "result_indicator" in columns:
            indicator = record[columns["result_indicator"]].strip()
            if indicator.casefold().removeprefix("actions:") in settings.NON_CONVERSION_RESULTS:
                values["conversions"] = None
                non_conversion_rows[indicator] = non_conversion_rows.get(indicator, 0) + 1
        key = (date, campaign_id)
        if key not in campaign_days:
            campaign_days[key] = _CampaignDay(campaign_name or None)
        campaign_days[key].add(values)

    merged = 0
    for (date, campaign_id), day in campaign_days.items():
        if day.rows > 1:
            merged += 1
        for metric, value in day.values.items():
            if metric == "reach" and day.rows > 1:
                value = None  # unique people of several rows cannot be added up
            out.ads_daily.append(AdsDayValue(date, campaign_id, day.campaign_name, layout.currency, metric,
                                             metric_columns[metric], value))
    if campaign_days:
        dates = [date for date, _ in campaign_days]
        out.covers = (min(dates), max(dates))
    _add_notes(out, layout, metric_columns, totals_rows, merged, non_conversion_rows, decimal)


def _add_notes(out: ParsedExport, layout: _Layout, metric_columns: dict[str, str], totals_rows: list[int],
               merged: int, non_conversion_rows: dict[str, int], decimal: str) -> None:
    columns = layout.columns
    if totals_rows:
        out.notes.append(f"dropped the totals row(s) {totals_rows} (empty campaign name)")
    if "campaign_id" not in columns:
        out.notes.append("no Campaign ID column: campaign_id is the campaign name (renaming a campaign "
                         "starts a new series)")
    if layout.currency is None:
        out.notes.append(f"currency unknown: {layout.spend_column!r} names none")
    if merged:
        out.notes.append(f"summed {merged} campaign-days reported on several rows (ad set/ad level or a "
                         "breakdown); their reach is NULL because unique counts do not add up")
    if non_conversion_rows:
        listed = ", ".join(f"{name} ({count} rows)" for name, count in non_conversion_rows.items())
        out.notes.append(f"'Results' count {listed}, not conversions: conversions left NULL there")
    if "clicks" in metric_columns:
        out.notes.append(f"clicks from {metric_columns['clicks']!r}")
    out.notes.append(f"numbers read with {decimal!r} as decimal mark")


def _decimal_mark(data: _Rows, columns: list[str], ctx: ExportContext) -> str | None:
    """The one decimal mark the numeric cells show ("Export formatted" writes "3,084.40" in
    English, "3.084,40" in German); None if no cell shows one. Two marks in one file: refused."""
    seen: dict[str, tuple[int, str, str]] = {}
    for row_number, record in data:
        for column in columns:
            text = record[column]
            if is_placeholder(text):
                continue
            mark = decimal_mark_of(text)
            if mark is None:
                continue
            seen.setdefault(mark, (row_number, column, text))
            if len(seen) > 1:
                (mark_a, (row_a, col_a, text_a)), (mark_b, (_row_b, _col_b, text_b)) = seen.items()
                raise ExportFileError(
                    ctx.path, f"numbers use both {mark_a!r} (row {row_a}, {col_a!r}: {text_a!r}) and "
                    f"{mark_b!r} ({text_b!r}) as decimal mark", row=row_number, column=column)
    return next(iter(seen), None)


def _number(text: str, decimal: str, ctx: ExportContext, row: int, column: str) -> float | None:
    try:
        return parse_number(text, decimal=decimal)
    except ValueError as exc:
        raise ExportFileError(ctx.path, str(exc), row=row, column=column) from exc


def _iso_date(text: str, ctx: ExportContext, row: int, column: str) -> dt.date:
    m = _ISO_DATE.fullmatch(text.strip())
    if m:
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            pass
    raise ExportFileError(ctx.path, f"not a YYYY-MM-DD date: {text!r} (Ads Manager writes ISO dates; a "
                          "spreadsheet re-save may have changed them)", row=row, column=column)


def _row_date(record: dict[str, str], columns: dict[str, str], ctx: ExportContext, row: int) -> dt.date:
    """The row's day: the Day column of a time breakdown, else Reporting starts == ends."""
    if "day" in columns:
        return _iso_date(record[columns["day"]], ctx, row, columns["day"])
    starts = _iso_date(record[columns["starts"]], ctx, row, columns["starts"])
    ends = _iso_date(record[columns["ends"]], ctx, row, columns["ends"])
    if starts != ends:
        raise ExportFileError(
            ctx.path, f"the row covers {starts} to {ends}: the export must use a daily breakdown "
            "(Ads Manager: Breakdown -> By time -> Day)", row=row, column=columns["ends"])
    return starts


def _campaign_id(text: str, ctx: ExportContext, row: int, column: str) -> str:
    if not text:
        raise ExportFileError(ctx.path, "campaign id is empty", row=row, column=column)
    if _ROUNDED_ID.fullmatch(text.casefold()):
        raise ExportFileError(ctx.path, f"campaign id {text!r} was rounded by a spreadsheet (scientific "
                              "notation loses digits of 18-digit ids): use the file Ads Manager exported",
                              row=row, column=column)
    return text


EXPORT_FORMATS: tuple[MetaAdsManagerExport, ...] = (MetaAdsManagerExport(),)
