"""tables.locate and HeaderFormat: one rule for finding a format's header row."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from connectors.base import ExportContext, ExportFileError, ParsedExport
from connectors.tables import Header, HeaderFormat, Sheets, classify, find_header_row, locate

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


# --------------------------------------------------------------------------------------------
# What GA4, Meta Ads, YouTube and LinkedIn declare besides required names
# --------------------------------------------------------------------------------------------


def test_any_of_needs_one_name_of_every_group_and_a_star_is_a_prefix() -> None:
    header = Header.of(any_of=[("Campaign name", "Kampagnenname"), ("Amount spent*",)])
    assert header.matches(["Kampagnenname", "Amount spent (EUR)"])
    assert header.matches([" campaign NAME ", "amount spent"])
    assert not header.matches(["Campaign name", "Spent (EUR)"])  # the prefix is at the start
    assert not header.matches(["Amount spent (EUR)", "Reach"])  # no campaign name of any language


def test_leading_names_are_the_first_named_cells_in_order() -> None:
    header = Header.of(leading=[("Date",), ("Traffic source", "Geography")], any_of=[("Views",)])
    assert header.matches(["Date", "Geography", "Views"])
    assert header.matches(["", "Date", "Geography", "Views"])  # empty cells are not names
    assert not header.matches(["Geography", "Date", "Views"])
    assert not header.matches(["Date"])


def test_only_refuses_names_that_are_not_declared() -> None:
    header = Header.of(leading=[("Date",)], any_of=[("Views", "Likes")], only=True)
    assert header.matches(["Date", "Views", "Likes", ""])
    assert not header.matches(["Date", "Views", "Video views"])  # another platform's column


def test_comment_rows_are_never_the_header_and_the_search_counts_them() -> None:
    rows = [["# Report"], ["# Sessions", "Session source"], [], ["Session source", "Sessions"]]
    header = Header.of({"Sessions"}, any_of=[("Session source", "Session source / medium")], comment="#",
                       search=4)
    assert header.find(rows) == 3
    commented = [["# Sessions", "Sessions", "Session source"], ["Session source", "Sessions"]]
    assert Header.of({"Sessions", "Session source"}).find(commented) == 0
    assert Header.of({"Sessions", "Session source"}, comment="#").find(commented) == 1
    assert Header.of({"Sessions"}, any_of=[("Session source",)], search=3, comment="#").find(rows) is None


def test_after_a_comment_preamble_the_first_row_is_the_header_or_there_is_none() -> None:
    header = Header.of({"Sessions", "Session source"}, comment="#")
    assert header.find([["# GA4"], ["", ""], ["Session source", "Sessions"]]) == 2
    assert header.find([["# GA4"], ["Totals", "12"], ["Session source", "Sessions"]]) is None
    assert Header.of({"Sessions", "Session source"}).find([["Totals", "12"], ["Session source", "Sessions"]]) == 1


def test_a_header_needs_declared_names() -> None:
    with pytest.raises(ValueError, match="declares the header names"):
        Header.of(excluded={"Date"})


def test_classify_reads_rows_top_down_and_prefers_the_first_declared_kind() -> None:
    kinds = {
        "posts": Header.of({"Created date", "Impressions"}, search=5),
        "daily": Header.of({"Date"}, any_of=[("Impressions", "Clicks")], search=5),
        "facet": Header.of(leading=[("Location",), ("Total followers",)], only=True, search=1),
    }
    note = ["This file lists LinkedIn page analytics"]
    assert classify([note, ["Date", "Impressions"]], kinds) == ("daily", 1)
    assert classify([["Date", "Created date", "Impressions"]], kinds) == ("posts", 0)
    assert classify([["Location", "Total followers"]], kinds) == ("facet", 0)
    assert classify([note, ["Location", "Total followers"]], kinds) is None  # facets head their sheet
    assert classify([["Location", "Total followers", "Seniority"]], kinds) is None


def test_the_not_a_format_error_names_the_groups() -> None:
    class _Ga4Like(_Daily):
        name = "ga4_like"
        required = frozenset({"Sessions"})
        any_of = (frozenset({"Session source", "Session source / medium"}),)
        excluded = frozenset()

    ctx = ExportContext(path=Path("f.csv"), platform="p", account_id="1", timezone="UTC",
                        export_date=dt.date(2025, 1, 2))
    with pytest.raises(ExportFileError, match=r"no header row with sessions; one of session source / "
                       r"session source / medium"):
        _Ga4Like().parse({"": [["Date", "Sessions"]]}, ctx)
