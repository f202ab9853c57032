"""Numbers and dates as platforms and spreadsheets write them."""

from __future__ import annotations

import datetime as dt

import pytest

from connectors.values import (
    excel_serial_to_date,
    infer_years,
    parse_month_day,
    parse_named_date,
    parse_number,
)

D = dt.date


@pytest.mark.parametrize(("text", "expected"), [
    ("1777.0", 1777.0), ("1,234", 1234.0), ("1,234,567", 1234567.0), ("1.2K", 1200.0), ("3,4 M", 3_400_000.0),
    ("2.5M", 2_500_000.0), ("-2", -2.0), ("12%", 12.0), ("1,5", 1.5), ("1.234.567", 1234567.0),
    ("1,234.5", 1234.5), ("1.234,5", 1234.5), ("۱۲۳", 123.0), ("١٬٢٣٤", 1234.0), ("٣٫٥", 3.5),
    ("1\u00a0234", 1234.0), (" 42 ", 42.0),
    ("undefined", None), ("NAN", None), ("--", None), ("-", None), ("", None), ("N/A", None),
])
def test_parse_number(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize(("text", "decimal", "expected"), [("1.234", ",", 1234.0), ("1,234", ",", 1.234),
                                                          ("1,234", ".", 1234.0)])
def test_parse_number_with_known_decimal_mark(text, decimal, expected):
    assert parse_number(text, decimal=decimal) == expected


@pytest.mark.parametrize("text", ["abc", "1,2,3", "12 apples", "1.2.3"])
def test_parse_number_rejects_text(text):
    with pytest.raises(ValueError, match="not a number"):
        parse_number(text)


@pytest.mark.parametrize(("text", "expected"), [
    ("April 12", (4, 12)), ("8 de marzo", (3, 8)), ("12. März", (3, 12)), ("3 janvier", (1, 3)),
    ("5 de janeiro", (1, 5)), ("7 gennaio", (1, 7)), ("9 октября", (10, 9)), ("Sept 3", (9, 3)),
])
def test_parse_month_day(text, expected):
    assert parse_month_day(text) == expected


@pytest.mark.parametrize(("pairs", "export_date", "expected_first", "expected_last"), [
    ([(12, 30), (12, 31), (1, 1), (1, 2)], D(2025, 1, 5), D(2024, 12, 30), D(2025, 1, 2)),
    ([(4, 12), (4, 13)], D(2025, 4, 13), D(2025, 4, 12), D(2025, 4, 13)),
    ([(4, 12), (4, 13)], D(2025, 4, 12), D(2024, 4, 12), D(2024, 4, 13)),  # 04-13 is after the export
    ([(2, 28), (2, 29)], D(2025, 3, 1), D(2024, 2, 28), D(2024, 2, 29)),  # leap day rolls back a year
])
def test_infer_years(pairs, export_date, expected_first, expected_last):
    dates = infer_years(pairs, export_date)
    assert (dates[0], dates[-1]) == (expected_first, expected_last)
    assert dates == sorted(dates)


@pytest.mark.parametrize(("text", "expected"), [
    ("Fri, Mar 21, 2025", D(2025, 3, 21)), ("Thu Mar 20 2025", D(2025, 3, 20)), ("Aug 28, 2025", D(2025, 8, 28)),
    ("8 de marzo de 2025", D(2025, 3, 8)), ("21. März 2025", D(2025, 3, 21)),
])
def test_parse_named_date(text, expected):
    assert parse_named_date(text) == expected


def test_excel_serial():
    assert excel_serial_to_date(44008.0) == D(2020, 6, 26)
