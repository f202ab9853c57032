"""Shared reading of the documented CSV templates (mentions, surveys, reviews).

Each template is recognised by its header in any sheet; every row is read through TemplateRow,
whose errors name the file row and the column as written.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Hashable, Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from connectors.base import ExportContext, ExportFileError, ParsedExport
from connectors.tables import HeaderFormat, Sheets, find_header_row, records
from connectors.values import is_placeholder, parse_number

_ISO_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ].+)?")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:T00:00:00)?")


class TemplateFormat(HeaderFormat):
    """A documented template: recognised by its columns in a header within a sheet's first rows."""

    search_rows = 3


@dataclass(frozen=True)
class TemplateRow:
    """One data row, with errors that name the file row and the template column."""

    ctx: ExportContext
    row: int
    record: dict[str, str]
    columns: dict[str, str]  # template column -> header as written

    def cell(self, name: str) -> str:
        return self.record[self.columns[name]].strip()

    def error(self, name: str, reason: str) -> ExportFileError:
        return ExportFileError(self.ctx.path, reason, row=self.row, column=self.columns[name])

    def first_of(self, seen: dict[Hashable, int], key: Hashable, name: str, what: str, rule: str = "") -> None:
        """Refuse a key an earlier row already holds: "<what> is already on row N<rule>"."""
        if key in seen:
            raise self.error(name, f"{what} is already on row {seen[key]}{rule}")
        seen[key] = self.row

    def required(self, name: str) -> str:
        value = self.cell(name)
        if not value:
            raise self.error(name, "empty: every row needs a value here")
        return value

    def number(self, name: str) -> float | None:
        try:
            return parse_number(self.cell(name))
        except ValueError as exc:
            raise self.error(name, str(exc)) from exc

    def date(self, name: str) -> dt.date:
        text = self.cell(name)
        m = _ISO_DATE.fullmatch(text)
        if m:
            try:
                return dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:  # 2026-02-30
                pass
        raise self.error(name, f"not a YYYY-MM-DD date: {text!r}")

    def timestamp(self, name: str) -> dt.datetime | None:
        """ISO 8601 date or date-time as UTC; without an offset it is local time in ctx.timezone."""
        text = self.cell(name)
        if is_placeholder(text):
            return None
        try:
            if not _ISO_TIMESTAMP.fullmatch(text):
                raise ValueError(text)
            moment = dt.datetime.fromisoformat(text)
        except ValueError as exc:
            raise self.error(name, f"not an ISO 8601 date or date-time: {text!r}") from exc
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ZoneInfo(self.ctx.timezone))
        return moment.astimezone(dt.UTC)


def template_rows(sheets: Sheets, columns: Collection[str], ctx: ExportContext,
                  out: ParsedExport) -> Iterator[TemplateRow]:
    """Rows of the first sheet carrying the template header; extra columns are noted in `out`."""
    for rows in sheets.values():
        header_index = find_header_row(rows, set(columns), search=3)
        if header_index is None:
            continue
        header, data = records(rows, header_index)
        by_name = {name.casefold(): name for name in header}
        for row_number, record in data:
            yield TemplateRow(ctx, row_number, record, by_name)
        extra = [name for name in header if name and name.casefold() not in columns]
        if extra:
            out.notes.append(f"ignored columns not in the template: {extra}")
        return
