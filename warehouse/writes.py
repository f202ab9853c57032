"""Idempotent writes: append landed rows, and replace a date window in one transaction.

Re-running any date range replaces exactly that window, so the warehouse ends identical.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # duckdb and pandas are imported where called, not at definition time (start-up)
    import duckdb
    import pandas as pd

SQL_DIR = Path(__file__).parent / "sql"
# A DuckDB variable of a DuckLake connection: the run its commits belong to (warehouse/lake_runs.py).
RUN_VARIABLE = "socialkpi_run_id"


def utc_now() -> dt.datetime:
    """Naive UTC timestamp (the warehouse stores UTC without offsets)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """One transaction around the block: committed at its end, rolled back if it raises (also on an
    interrupt), so a failed write leaves the previous rows in place."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
        tag_commit(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def tag_commit(con: duckdb.DuckDBPyConnection) -> None:
    """Inside a transaction: on a connection a run has tagged (a DuckLake), the commit carries the
    run's id, so the run can be reverted (warehouse/lake_runs.py)."""
    run_id = con.execute(f"SELECT getvariable('{RUN_VARIABLE}')").fetchall()[0][0]
    if run_id:
        commit_message(con, f"run {run_id}", {"run_id": run_id})


def commit_message(con: duckdb.DuckDBPyConnection, message: str, extra: dict[str, str]) -> None:
    """DuckLake's commit message and extra info of the open transaction (ducklake_snapshots() shows them)."""
    con.execute("CALL ducklake_set_commit_message(current_database(), 'socialkpi', ?, extra_info => ?)",
                [message, json.dumps(extra)])


def insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> int:
    """Append a DataFrame to a table, matching columns by name. Returns rows written."""
    if frame.empty:
        return 0
    view = f"_frame_{uuid.uuid4().hex}"
    con.register(view, frame)
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {view}")
        feed_summaries(con, table, view)
    finally:
        con.unregister(view)
    return len(frame)


# Summaries of a raw table kept up to date as rows land (warehouse/sql/summaries), so that no
# nightly step has to read the whole history to learn, e.g., which metrics an account reports.
_FEEDS = {"raw.account_daily_values": "account_metrics_reported_feed.sql"}


def feed_summaries(con: duckdb.DuckDBPyConnection, table: str, relation: str) -> None:
    """Add what the rows of `relation`, just appended to `table`, bring to `table`'s summaries.

    Every writer of a raw table calls this (insert_frame does): a summary only grows as rows land;
    `refresh_account_metrics` recomputes it after rows are removed.
    """
    if table in _FEEDS:
        con.execute((SQL_DIR / "summaries" / _FEEDS[table]).read_text(encoding="utf-8").format(relation=relation))


def refresh_account_metrics(con: duckdb.DuckDBPyConnection, accounts: Sequence[tuple[str, str]] | None = None) -> None:
    """Recompute raw.account_metrics_reported from raw.account_daily_values, for `accounts`
    (platform, account_id) or all (after `forget` or a refused file removed rows)."""
    if accounts is not None and not accounts:
        return
    keys = [{"platform": p, "account_id": a} for p, a in accounts] if accounts is not None else None
    sql = (SQL_DIR / "summaries" / "account_metrics_reported_refresh.sql").read_text(encoding="utf-8")
    for statement in sql.split(";\n"):
        if statement.strip():
            con.execute(statement, {"all": keys is None, "accounts": keys or []})


@dataclass(frozen=True)
class WindowSummary:
    """A summary of counts kept in step with a table whose windows are replaced.

    `counts_sql` counts the table's rows in [$start, $end] by the summary's key columns `keys`
    (plus a `days` column); the summary table holds the sum over all windows: replace_window
    subtracts the old window's counts and adds the new ones in the same transaction.
    """

    table: str
    keys: tuple[str, ...]
    counts_sql: str


def replace_window(con: duckdb.DuckDBPyConnection, table: str, date_column: str, start: dt.date,
                   end: dt.date, select_sql: str, params: dict[str, object],
                   summary: WindowSummary | None = None) -> int:
    """Delete `table` rows with `date_column` in [start, end] and insert `select_sql`'s rows.

    One transaction: a failure leaves the previous rows in place. `select_sql` must produce only
    rows inside the window (it receives $start and $end) and columns named like the table's.
    Returns the number of rows inserted. `summary` is kept in step (see WindowSummary).
    """
    params = used_parameters({**params, "start": start, "end": end}, select_sql)
    window = {"start": start, "end": end}
    with transaction(con):
        if summary:
            _add_counts(con, summary, window, -1)
        con.execute(f"DELETE FROM {table} WHERE {date_column} BETWEEN $start AND $end", window)
        # Rows written in date order: each row group then spans few days, so DuckDB's zone maps let
        # a later run that filters on a day skip the rest of the history instead of scanning it.
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM (\n{select_sql}\n) ORDER BY {date_column}", params)
        if summary:
            _add_counts(con, summary, window, 1)
        return con.execute(
            f"SELECT count(*) FROM {table} WHERE {date_column} BETWEEN $start AND $end",
            {"start": start, "end": end}).fetchall()[0][0]


def _add_counts(con: duckdb.DuckDBPyConnection, summary: WindowSummary, window: dict[str, object],
                sign: int) -> None:
    """Add (sign 1) or subtract (-1) the window's counts to the summary; drop keys left at 0."""
    match = " AND ".join(f"s.{k} IS NOT DISTINCT FROM w.{k}" for k in summary.keys)
    counts = f"({summary.counts_sql}) AS w"
    con.execute(f"UPDATE {summary.table} AS s SET days = s.days + {sign} * w.days FROM {counts} WHERE {match}",
                window)
    if sign > 0:
        con.execute(f"INSERT INTO {summary.table} BY NAME SELECT w.* FROM {counts} "
                    f"WHERE NOT EXISTS (SELECT 1 FROM {summary.table} AS s WHERE {match})", window)
    else:
        con.execute(f"DELETE FROM {summary.table} WHERE days <= 0")


def used_parameters(params: dict[str, object], statement: str) -> dict[str, object]:
    """Only the named parameters the statement refers to (DuckDB rejects unused ones)."""
    return {name: value for name, value in params.items() if re.search(rf"\${name}\b", statement)}


def replace_all(con: duckdb.DuckDBPyConnection, table: str, select_sql: str,
                params: dict[str, object] | None = None) -> int:
    """Replace the whole content of a small table (accounts, catalogue) in one transaction."""
    return replace_tables(con, {table: select_sql}, params)[table]


def replace_tables(con: duckdb.DuckDBPyConnection, selects: dict[str, str],
                   params: dict[str, object] | None = None) -> dict[str, int]:
    """Replace the whole content of each table by its SELECT, in order, in one transaction: a
    summary selected from the tables replaced before it stays in step with them. Rows per table."""
    counts = {}
    with transaction(con):
        for table, select_sql in selects.items():
            con.execute(f"DELETE FROM {table}")
            con.execute(f"INSERT INTO {table} BY NAME {select_sql}", used_parameters(params or {}, select_sql))
            counts[table] = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    return counts


def log_event(con: duckdb.DuckDBPyConnection, step: str, message: str, *, level: str = "info",
              platform: str | None = None, account_id: str | None = None, subject: str | None = None,
              run_id: str | None = None) -> None:
    con.execute("INSERT INTO meta.load_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [utc_now(), run_id, step, level, platform, account_id, subject, message])
