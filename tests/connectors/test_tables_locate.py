"""tables.locate and HeaderFormat: one rule for finding a format's header row."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from connectors.base import ExportContext, ExportFileError, ParsedExport
from connectors.tables import HeaderFormat, Sheets, find_header_row, locate

SHEETS: Sheets = {
    "Notes": [["Exported by someone"], ["Date", "Views"]],  # no `Likes`: not the table
    "Data": [["Report: daily"], [" date ", "VIEWS", "Likes "], ["2025-01-01", "3", "1"]],
    "Other": [["Date", "Views", "Likes", "Lost followers"]],
}


def test_locate_finds_every_sheet_with_the_names_stripped_and_case_insensitive() -> None:
    assert locate(SHEETS, {"Date", "Views", "Likes"}) == [("Data", 1), ("Other", 0)]


def test_excluded_names_tell_formats_apart() -> None:
    assert locate(SHEETS, {"Date", "Views", "Likes"}, {"lost followers"}) == [("Data", 1)]


def test_the_header_must_be_within_the_first_rows() -> None:
    rows = [["note"]] * 3 + [["Date", "Views"]]
    assert find_header_row(rows, {"date", "views"}, search=3) is None
    assert find_header_row(rows, {"date", "views"}, search=4) == 3
    assert locate({"": rows}, {"date", "views"}, search=3) == []


class _Daily(HeaderFormat):
    name = "test_daily"
    required = frozenset({"Date", "Views"})
    excluded = frozenset({"Lost followers"})

    def parse(self, sheets: Sheets, ctx: ExportContext) -> ParsedExport:
        sheet, index = self.first_table(sheets, ctx)
        return ParsedExport(format=self.name, notes=[f"{sheet}:{index}"])


def test_a_header_format_recognises_from_its_declared_names_and_parses_its_table() -> None:
    fmt = _Daily()
    assert fmt.required == frozenset({"date", "views"})
    assert fmt.recognise(SHEETS) is True
    assert fmt.recognise({"": [["Date", "Likes"]]}) is False
    ctx = ExportContext(path=Path("f.csv"), platform="p", account_id="1", timezone="UTC",
                        export_date=dt.date(2025, 1, 2))
    assert fmt.parse(SHEETS, ctx).notes == ["Notes:1"]
    with pytest.raises(ExportFileError, match="not a test_daily export: no header row with date, views"):
        fmt.parse({"": [["Date"]]}, ctx)


def test_names_given_to_the_constructor_replace_the_declared_ones() -> None:
    fmt = _Daily("other", {"Date", "Likes"}, ())
    assert (fmt.name, fmt.required, fmt.excluded) == ("other", frozenset({"date", "likes"}), frozenset())
    assert fmt.tables(SHEETS) == [("Data", 1), ("Other", 0)]


def test_a_format_without_header_names_is_refused() -> None:
    with pytest.raises(ValueError, match="declares the header names"):
        _Daily("nothing", ())
