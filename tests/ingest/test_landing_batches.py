"""Files read whole land in batches (one transaction for many files): the warehouse ends as with a
transaction per file, and a batch that fails lands none of its files, which the next run lands."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from connectors.base import load_connectors
from ingest import drop_folder
from ingest.drop_folder import QUARANTINE, _concat_alike, ingest_drop_folder
from tests.helpers import warehouse
from tests.transforms.test_nightly_scans import RecordingConnection
from tests.transforms.test_parallel_landing import drop_folder as demo_drop_folder
from tests.transforms.test_parallel_landing import table_rows


def land(directory, monkeypatch, batch_rows: int) -> tuple[list, dict, list, list, int]:
    """Outcomes, rows, load-log lines in order, quarantine and the number of transactions."""
    monkeypatch.setattr(drop_folder, "LANDING_BATCH_ROWS", batch_rows)
    exports = demo_drop_folder(directory)
    con = RecordingConnection(warehouse())
    outcomes = ingest_drop_folder(con, exports, load_connectors(), {}, "UTC", workers=0)
    log = con.execute("SELECT level, subject, message FROM meta.load_log").fetchall()  # in insertion order
    quarantined = sorted(p.relative_to(exports).as_posix() for p in (exports / QUARANTINE).rglob("*") if p.is_file())
    transactions = sum(1 for statement, _ in con.statements if statement.startswith("BEGIN"))
    return outcomes, table_rows(con), log, quarantined, transactions


def test_batches_land_what_a_transaction_per_file_lands(tmp_path, monkeypatch):
    one_each = land(tmp_path / "one", monkeypatch, batch_rows=1)
    batched = land(tmp_path / "batched", monkeypatch, batch_rows=100_000)
    outcomes, rows, log, quarantined, transactions = one_each
    loaded = [o for o in outcomes if o.status == "loaded"]
    assert len(loaded) == 16 and rows["raw.account_daily_values"] and rows["raw.post_records"]
    assert batched[:4] == (outcomes, rows, log, quarantined)  # outcomes and log lines in the same order
    # one transaction per landed file (and per quarantined file), against one per run of landed files
    # between the quarantined ones
    assert transactions == len(loaded) + 2
    assert batched[4] < 6


def test_a_failed_batch_lands_none_of_its_files_and_the_next_run_lands_them(tmp_path, monkeypatch):
    exports = demo_drop_folder(tmp_path / "failing")
    con = warehouse()
    log_event = drop_folder.log_event
    calls = []

    def failing(con, step, message, **where):
        calls.append(message)
        if message.startswith("loaded") and sum(m.startswith("loaded") for m in calls) == 3:
            raise duckdb.IOException("disk full")
        log_event(con, step, message, **where)

    monkeypatch.setattr(drop_folder, "log_event", failing)
    with pytest.raises(duckdb.IOException):
        ingest_drop_folder(con, exports, load_connectors(), {}, "UTC", workers=0)
    # the batch held the first files: none of them, nor their records, landed
    assert con.execute("SELECT count(*) FROM raw.export_files WHERE status = 'loaded'").fetchall() == [(0,)]
    assert con.execute("SELECT count(*) FROM raw.account_daily_values").fetchall() == [(0,)]
    monkeypatch.setattr(drop_folder, "log_event", log_event)
    again = ingest_drop_folder(con, exports, load_connectors(), {}, "UTC", workers=0)
    assert sum(o.status == "loaded" for o in again) == 16
    clean = warehouse()
    ingest_drop_folder(clean, demo_drop_folder(tmp_path / "clean"), load_connectors(), {}, "UTC", workers=0)
    landed, expected = table_rows(con), table_rows(clean)
    for table in ("raw.account_daily_values", "raw.post_records", "raw.post_metric_values", "raw.export_coverage"):
        assert landed[table] == expected[table], table


def test_frames_alike_are_concatenated_in_order_and_others_kept_apart():
    dates = pd.DataFrame({"date": pd.to_datetime(["2025-01-01"]).values.astype("datetime64[D]"), "value": [1.0]})
    later = pd.DataFrame({"date": pd.to_datetime(["2025-01-02"]).values.astype("datetime64[D]"), "value": [2.0]})
    objects = pd.DataFrame({"date": pd.Series([None], dtype="object"), "value": [3.0]})
    last = pd.DataFrame({"date": pd.to_datetime(["2025-01-04"]).values.astype("datetime64[D]"), "value": [4.0]})
    runs = _concat_alike([dates, later, objects, last])
    assert [list(run["value"]) for run in runs] == [[1.0, 2.0], [3.0], [4.0]]
    assert list(runs[0].index) == [0, 1]
