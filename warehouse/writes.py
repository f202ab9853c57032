"""Idempotent writes: append landed rows, and replace a date window in one transaction.

Re-running any date range replaces exactly that window, so the warehouse ends identical.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:  # pandas is imported by the callers that build frames, not at definition time
    import pandas as pd

SQL_DIR = Path(__file__).parent / "sql"


def utc_now() -> dt.datetime:
    """Naive UTC timestamp (the warehouse stores UTC without offsets)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> int:
    """Append a DataFrame to a table, matching columns by name. Returns rows written."""
    if frame.empty:
        return 0
    view = f"_frame_{uuid.uuid4().hex}"
    con.register(view, frame)
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {view}")
    finally:
        con.unregister(view)
    return len(frame)


def replace_window(con: duckdb.DuckDBPyConnection, table: str, date_column: str, start: dt.date,
                   end: dt.date, select_sql: str, params: dict[str, object]) -> int:
    """Delete `table` rows with `date_column` in [start, end] and insert `select_sql`'s rows.

    One transaction: a failure leaves the previous rows in place. `select_sql` must produce only
    rows inside the window (it receives $start and $end) and columns named like the table's.
    Returns the number of rows inserted.
    """
    params = _used({**params, "start": start, "end": end}, select_sql)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"DELETE FROM {table} WHERE {date_column} BETWEEN $start AND $end",
                    {"start": start, "end": end})
        con.execute(f"INSERT INTO {table} BY NAME {select_sql}", params)
        inserted = con.execute(
            f"SELECT count(*) FROM {table} WHERE {date_column} BETWEEN $start AND $end",
            {"start": start, "end": end}).fetchall()[0][0]
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return inserted


def _used(params: dict[str, object], statement: str) -> dict[str, object]:
    """Only the named parameters the statement refers to (DuckDB rejects unused ones)."""
    return {name: value for name, value in params.items() if re.search(rf"\${name}\b", statement)}


def replace_all(con: duckdb.DuckDBPyConnection, table: str, select_sql: str,
                params: dict[str, object] | None = None) -> int:
    """Replace the whole content of a small table (accounts, catalogue) in one transaction."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"DELETE FROM {table}")
        con.execute(f"INSERT INTO {table} BY NAME {select_sql}", _used(params or {}, select_sql))
        count = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return count


def log_event(con: duckdb.DuckDBPyConnection, step: str, message: str, *, level: str = "info",
              platform: str | None = None, account_id: str | None = None, subject: str | None = None,
              run_id: str | None = None) -> None:
    con.execute("INSERT INTO meta.load_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [utc_now(), run_id, step, level, platform, account_id, subject, message])
