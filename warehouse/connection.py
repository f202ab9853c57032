"""The one place that opens the warehouse.

DuckDB allows one writing process or many readers, never both. Writers wait a bounded time for
the lock and then fail with a message naming the holder; connections are short-lived and never
held across network calls. A shared DuckDB service (MotherDuck `md:`, DuckLake) is a change to
`database` here, nothing else.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from warehouse.schema import migrate


class WarehouseLockedError(RuntimeError):
    """Another process holds the warehouse file."""


def _holder(exc: duckdb.IOException) -> str:
    """DuckDB's words for who holds the lock ("Conflicting lock is held in <program> (PID n)")."""
    text = str(exc)
    at = text.find("Conflicting lock")
    return text[at:].split(". ")[0].strip() if at >= 0 else text.strip()


@contextmanager
def connect(database: Path | str, *, read_only: bool = False, lock_timeout_s: float = 60.0,
            poll_s: float = 0.2) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse (creating and migrating it for writers), waiting for a held lock.

    Raises WarehouseLockedError after `lock_timeout_s` with DuckDB's description of the holder
    (its process id), so the person reading it knows which process to look at.
    """
    database = str(database)
    if not read_only and not database.startswith("md:") and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + lock_timeout_s
    told = False
    while True:
        try:
            con = duckdb.connect(database, read_only=read_only)
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            if time.monotonic() >= deadline:
                raise WarehouseLockedError(
                    f"warehouse {database} is locked by another process after waiting "
                    f"{lock_timeout_s:.0f}s: {exc}") from exc
            if not told:  # once: a silent wait looks like a hang
                print(f"warehouse {database} is locked ({_holder(exc)}); waiting up to "
                      f"{lock_timeout_s:.0f} s for it", file=sys.stderr, flush=True)
                told = True
            time.sleep(poll_s)
    try:
        if not read_only:
            migrate(con)
        yield con
    finally:
        con.close()
