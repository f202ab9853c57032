"""The helpers every platform shares (connectors/values.py): sums that stay unknown when a part
is missing, windows of days, numbers and titles of API bodies."""

from __future__ import annotations

import datetime as dt

import pytest

from connectors.values import add_known, date_chunks, first_line, number

D = dt.date


def test_a_missing_part_leaves_the_sum_unknown_whatever_the_order() -> None:
    sums: dict[str, float | None] = {}
    add_known(sums, "sessions", 3.0)
    add_known(sums, "sessions", 4.0)
    add_known(sums, "revenue", None)
    add_known(sums, "revenue", 5.0)
    add_known(sums, "conversions", 2.0)
    add_known(sums, "conversions", None)
    add_known(sums, "conversions", 1.0)
    assert sums == {"sessions": 7.0, "revenue": None, "conversions": None}


def test_date_chunks_cover_the_window_without_overlap() -> None:
    assert date_chunks(D(2025, 1, 1), D(2025, 1, 10), 4) == [
        (D(2025, 1, 1), D(2025, 1, 4)), (D(2025, 1, 5), D(2025, 1, 8)), (D(2025, 1, 9), D(2025, 1, 10))]
    assert date_chunks(D(2025, 1, 1), D(2025, 1, 1), 90) == [(D(2025, 1, 1), D(2025, 1, 1))]
    assert date_chunks(D(2025, 1, 2), D(2025, 1, 1), 90) == []


@pytest.mark.parametrize(("value", "expected"), [(3, 3.0), (2.5, 2.5), ("17", 17.0), (" 4.5 ", 4.5), (None, None),
                                                 ("", None), (True, None)])
def test_number_reads_json_numbers_and_numeric_strings(value: object, expected: float | None) -> None:
    assert number(value) == expected


def test_number_refuses_text() -> None:
    with pytest.raises(ValueError):
        number("n/a")


def test_first_line_is_the_title() -> None:
    assert first_line("\n  Launch day!  \nmore text") == "Launch day!"
    assert first_line("   ") is None
    assert first_line(None) is None
