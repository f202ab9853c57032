"""Shared reading of the documented CSV templates (mentions, surveys, reviews).

Each template is recognised by its header in any sheet and writes only `add` (one row); every
row is read through TemplateRow, whose errors name the file row and the column as written.
"""

from __future__ import annotations

import datetime as dt
import re
from abc import abstractmethod
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from connectors.base import ExportContext, ExportFileError, ParsedExport
from connectors.tables import HeaderFormat, Sheets, records
from connectors.values import is_placeholder, parse_number

_ISO_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ].+)?")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:T00:00:00)?")


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


class TemplateFormat(HeaderFormat):
    """A documented template, recognised by its `required` columns in a header within a sheet's
    first rows. `parse` hands every data row to the template's `add` (with the keys of earlier
    rows, for `TemplateRow.first_of`); `finish` adds the file's notes."""

    search_rows = 3

    def parse(self, sheets: Sheets, ctx: ExportContext) -> ParsedExport:
        out = ParsedExport(format=self.name)
        sheet, header_index = self.first_table(sheets, ctx)
        header, data = records(sheets[sheet], header_index)
        by_name = {name.casefold(): name for name in header}
        seen: dict[Hashable, int] = {}
        for row_number, record in data:
            self.add(TemplateRow(ctx, row_number, record, by_name), seen, out)
        extra = [name for name in header if name and name.casefold() not in self.required]
        if extra:
            out.notes.append(f"ignored columns not in the template: {extra}")
        self.finish(out)
        return out

    @abstractmethod
    def add(self, row: TemplateRow, seen: dict[Hashable, int], out: ParsedExport) -> None:
        """Check one row and add its record to `out`."""

    def finish(self, out: ParsedExport) -> None:
        """Notes (and `covers`) once every row is read."""


def null_note(records: Sequence[object], field: str, what: str) -> list[str]:
    """A note counting the records whose `field` was left empty (kept as NULL, never 0)."""
    empty = sum(1 for record in records if getattr(record, field) is None)
    return [f"{empty} {what} without a {field} (kept with {field} NULL)"] if empty else []
