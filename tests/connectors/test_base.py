"""RecordColumns: records held column-wise read exactly like the list of the same records."""

from __future__ import annotations

import pytest

from connectors.base import AccountDayValue, PostRecord, RecordColumns
from tests.helpers import D

RECORDS = [
    AccountDayValue(D(2025, 3, 1), "reach", "page_impressions_unique", 10.0),
    AccountDayValue(D(2025, 3, 2), "reach", "page_impressions_unique", None),
    AccountDayValue(D(2025, 3, 1), None, "page_fans_city", 3.0),
]


def columns_of(records: list[AccountDayValue]) -> RecordColumns[AccountDayValue]:
    held = RecordColumns(AccountDayValue)
    held.extend_columns(date=[r.date for r in records[:2]], metric=[r.metric for r in records[:2]],
                        source_metric=[r.source_metric for r in records[:2]], value=[r.value for r in records[:2]])
    for record in records[2:]:
        held.append(record)
    return held


def test_columns_read_as_the_records():
    held = columns_of(RECORDS)
    assert len(held) == 3 and held == RECORDS and RECORDS == held  # noqa: SIM300 (both sides of ==)
    assert list(held) == RECORDS and held[1] == RECORDS[1] and held[-1] == RECORDS[2] and held[1:] == RECORDS[1:]
    assert RECORDS[2] in held
    assert held.columns["value"] == [10.0, None, 3.0]
    assert held != RECORDS[:2] and held != [*RECORDS[:2], RECORDS[0]]


def test_empty_columns_are_falsy_and_equal_an_empty_list():
    held = RecordColumns(AccountDayValue)
    assert not held and held == [] and len(held) == 0


@pytest.mark.parametrize(("columns", "message"), [
    ({"date": [D(2025, 3, 1)], "metric": ["reach"], "value": [1.0]}, "columns are"),  # source_metric missing
    ({"date": [D(2025, 3, 1)], "metric": ["reach"], "source_metric": ["x"], "value": [1.0], "extra": [1]},
     "columns are"),
    ({"date": [D(2025, 3, 1), D(2025, 3, 2)], "metric": ["reach"], "source_metric": ["x"], "value": [1.0]},
     "unequal length"),
])
def test_columns_that_do_not_fit_the_record_type_are_refused(columns, message):
    held = RecordColumns(AccountDayValue)
    with pytest.raises(ValueError, match=message):
        held.extend_columns(**columns)
    assert held == []  # nothing half-appended


def test_columns_of_another_record_type():
    held = RecordColumns(PostRecord)
    held.append(PostRecord("p1", None, "photo", "added_photos", None, "Hello"))
    assert held[0].post_type_raw == "added_photos" and list(held.columns) == [
        "post_id", "published_at", "post_type", "post_type_raw", "permalink", "title"]
