"""Canonical records -> raw frames: the records' columns, lineage first, dates DuckDB reads fast."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from connectors.base import AccountDayValue, ParsedExport, PostMetricValue, PostRecord, RecordColumns
from ingest.records import Provenance, raw_frames, record_frames
from tests.helpers import D, warehouse
from warehouse.writes import insert_frame

ORIGIN = Provenance("api", "api:facebook/1/2025-03-01..2025-03-02", dt.datetime(2025, 3, 3, 3), "facebook", "1")


def test_list_and_column_records_give_the_same_frame():
    records = [AccountDayValue(D(2025, 3, 1), "reach", "page_impressions_unique", 10.0),
               AccountDayValue(D(2025, 3, 2), None, "page_fans_city", None)]
    held = RecordColumns(AccountDayValue)
    for record in records:
        held.append(record)
    from_list = raw_frames(ParsedExport("f", account_daily=records), ORIGIN)["raw.account_daily_values"]
    from_columns = raw_frames(ParsedExport("f", account_daily=held), ORIGIN)["raw.account_daily_values"]
    assert from_list.equals(from_columns)
    assert list(from_list.columns) == ["source", "source_key", "source_rank", "platform", "account_id",
                                       "date", "metric", "source_metric", "value"]
    assert from_list["date"].dtype.kind == "M"  # datetime64: DuckDB scans it without the GIL
    assert list(from_list["source_key"]) == [ORIGIN.key] * 2


@pytest.mark.parametrize(("snapshot_dates", "as_datetimes"), [
    ([D(2025, 3, 1), D(1969, 12, 31)], True),  # before the Unix epoch too
    ([D(2025, 3, 1), None], False),  # a missing date: the objects as they are
])
def test_date_columns(snapshot_dates, as_datetimes):
    parsed = ParsedExport("f", post_metrics=[PostMetricValue("p1", day, "likes", "likes", 1.0)  # type: ignore[arg-type]
                                             for day in snapshot_dates])
    frame = record_frames(parsed)["raw.post_metric_values"]
    if as_datetimes:
        assert frame["snapshot_date"].dtype.kind == "M"
        assert list(frame["snapshot_date"].dt.date) == snapshot_dates
    else:
        assert frame["snapshot_date"].dtype == np.dtype("O") and list(frame["snapshot_date"]) == snapshot_dates


def test_frames_land_as_dates_and_naive_utc_times():
    con = warehouse()
    published = dt.datetime(2025, 3, 1, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-8)))
    parsed = ParsedExport("f", account_daily=[AccountDayValue(D(2025, 3, 1), "reach", "r", 5.0)],
                          posts=[PostRecord("p1", published, "photo", "photo", None, "Hi")])
    for table, frame in raw_frames(parsed, ORIGIN).items():
        insert_frame(con, table, frame)
    assert con.execute("SELECT date, value FROM raw.account_daily_values").fetchall() == [(D(2025, 3, 1), 5.0)]
    assert con.execute("SELECT published_at FROM raw.post_records").fetchall() == [(dt.datetime(2025, 3, 2, 7, 30),)]
