"""Mentions template CSV -> core.mentions_daily (see settings.py for the columns)."""

from __future__ import annotations

import datetime as dt
import re

from connectors.base import ExportContext, ExportFileError, MentionsDayValue, ParsedExport
from connectors.mentions import settings
from connectors.tables import Sheets, find_header_row, records
from connectors.values import parse_number

_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:T00:00:00)?")


class MentionsTemplate:
    """The documented mentions template, recognised by its header."""

    name = "mentions_template"

    def recognise(self, sheets: Sheets) -> bool:
        return any(find_header_row(rows, set(settings.COLUMNS), search=3) is not None
                   for rows in sheets.values())

    def parse(self, sheets: Sheets, ctx: ExportContext) -> ParsedExport:
        out = ParsedExport(format=self.name)
        for rows in sheets.values():
            header_index = find_header_row(rows, set(settings.COLUMNS), search=3)
            if header_index is None:
                continue
            header, data = records(rows, header_index)
            column = {name.casefold(): name for name in header}
            seen: dict[tuple[dt.date, str, str], int] = {}
            for row_number, record in data:
                date = _date(record[column["date"]], ctx, row_number, column["date"])
                subject_id = _required(record[column["subject_id"]], ctx, row_number, column["subject_id"])
                platform_text = _required(record[column["platform"]], ctx, row_number, column["platform"])
                platform = settings.PLATFORM_ALIASES.get(platform_text.casefold(), platform_text.casefold())
                mentions = _count(record[column["mentions"]], ctx, row_number, column["mentions"])
                key = (date, subject_id, platform)
                if key in seen:
                    raise ExportFileError(ctx.path, f"{subject_id} on {platform} on {date} is already on row "
                                          f"{seen[key]}: one row per day, subject and platform",
                                          row=row_number, column=column["date"])
                seen[key] = row_number
                out.mentions_daily.append(MentionsDayValue(date, subject_id, platform, mentions))
            extra = [name for name in header if name and name.casefold() not in settings.COLUMNS]
            if extra:
                out.notes.append(f"ignored columns not in the template: {extra}")
            break
        if out.mentions_daily:
            dates = [value.date for value in out.mentions_daily]
            out.covers = (min(dates), max(dates))
        return out


def _date(text: str, ctx: ExportContext, row: int, column: str) -> dt.date:
    m = _ISO_DATE.fullmatch(text.strip())
    if m:
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:  # 2026-02-30
            pass
    raise ExportFileError(ctx.path, f"not a YYYY-MM-DD date: {text!r}", row=row, column=column)


def _required(text: str, ctx: ExportContext, row: int, column: str) -> str:
    value = text.strip()
    if not value:
        raise ExportFileError(ctx.path, "empty: every row needs a value here", row=row, column=column)
    return value


def _count(text: str, ctx: ExportContext, row: int, column: str) -> float | None:
    try:
        value = parse_number(text)
    except ValueError as exc:
        raise ExportFileError(ctx.path, str(exc), row=row, column=column) from exc
    if value is not None and value < 0:
        raise ExportFileError(ctx.path, f"a mention count cannot be negative: {text!r}",
                              row=row, column=column)
    return value


EXPORT_FORMATS: tuple[MentionsTemplate, ...] = (MentionsTemplate(),)
