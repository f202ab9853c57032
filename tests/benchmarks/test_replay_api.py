"""benchmarks/replay_api.py on a tiny size: it runs, prints every figure, replay lands every
generated value, and DuckDB's read_json of the same pages finds as many. Replaying in batches
gives exactly the rows of replaying pull by pull. No timing is asserted."""

from __future__ import annotations

import datetime as dt
import importlib
import random

import pandas as pd

import ingest.api as api
from connectors.base import load_connectors
from warehouse.connection import connect
from warehouse.writes import insert_frame

bench = importlib.import_module("benchmarks.replay_api")


def test_the_benchmark_runs_on_a_tiny_set_of_pages(tmp_path, capsys):
    figures = bench.main(["--accounts", "3", "--days", "100", "--runs", "1", "--dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert figures["pages"] == 3 * 2  # 100 days = one 90-day page and one of 10 days
    assert figures["landed"] == figures["duckdb_rows"] == figures["values"] == 3 * 100 * len(bench.METRICS)
    for line in ("(a) replay:", "(b) DuckDB read_json", "ratio replay / DuckDB ="):
        assert line in out


def _overlapping_pulls(con):
    """Three nightly pulls of one page whose windows overlap: later pulls restate earlier days."""
    rng = random.Random(2)
    rows = []
    for night in range(3):
        start = bench.END - dt.timedelta(days=9 - night)
        end = bench.END - dt.timedelta(days=2 - night) if night < 2 else bench.END
        fetched = dt.datetime(2026, 1, 1, 3) + dt.timedelta(days=night)
        rows += bench.pages_of("100000000000001", start, end, fetched, rng)
        rows += bench.pages_of("100000000000002", start, end, fetched, rng)
    insert_frame(con, "raw.api_pages", pd.DataFrame(rows))


def test_batched_replay_equals_pull_by_pull(tmp_path, monkeypatch):
    results = []
    # 1: every pull written on its own, as landing does; 60: the two pages of one night together
    # (distinct accounts); 1,000,000: all in one batch, each account pulled three times.
    for batch in (1, 60, 1_000_000):
        monkeypatch.setattr(api, "_REPLAY_BATCH_RECORDS", batch)
        with connect(tmp_path / f"r{batch}.duckdb") as con:
            _overlapping_pulls(con)
            landed = api.replay(con, load_connectors(), bench.END - dt.timedelta(days=30), bench.END, {}, "UTC")
            rows = con.execute("SELECT * FROM raw.account_daily_values ORDER BY ALL").fetchall()
        results.append((landed, rows))
    assert results[0] == results[1] == results[2]
    rows = results[0][1]
    assert len(rows) == 2 * 10 * len(bench.METRICS)  # 10 distinct days per page, once each
