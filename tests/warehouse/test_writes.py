"""transaction(): every write of the warehouse commits whole or leaves the previous rows."""

from __future__ import annotations

import duckdb
import pytest

from warehouse.writes import transaction


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    con.execute("CREATE TABLE t (n INTEGER)")
    con.execute("INSERT INTO t VALUES (1)")
    return con


def _rows(con: duckdb.DuckDBPyConnection) -> list[int]:
    return [n for (n,) in con.execute("SELECT n FROM t ORDER BY n").fetchall()]


def test_commits_the_block(con: duckdb.DuckDBPyConnection) -> None:
    with transaction(con):
        con.execute("DELETE FROM t")
        con.execute("INSERT INTO t VALUES (2), (3)")
    assert _rows(con) == [2, 3]
    con.execute("BEGIN TRANSACTION")  # no transaction left open
    con.execute("ROLLBACK")


def test_an_error_rolls_back_and_is_raised(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(duckdb.ConstraintException), transaction(con):
        con.execute("DELETE FROM t")
        con.execute("INSERT INTO t VALUES (NULL)")
        con.execute("ALTER TABLE t ALTER COLUMN n SET NOT NULL")
    assert _rows(con) == [1]


def test_an_interrupt_rolls_back_too(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(KeyboardInterrupt), transaction(con):
        con.execute("DELETE FROM t")
        raise KeyboardInterrupt
    assert _rows(con) == [1]
    with transaction(con):  # the connection is usable again
        con.execute("INSERT INTO t VALUES (4)")
    assert _rows(con) == [1, 4]


def test_a_value_returned_from_the_block_is_committed(con: duckdb.DuckDBPyConnection) -> None:
    def replace() -> int:
        with transaction(con):
            con.execute("INSERT INTO t VALUES (5)")
            return con.execute("SELECT count(*) FROM t").fetchall()[0][0]

    assert replace() == 2
    assert _rows(con) == [1, 5]
