"""Migrations, comments on every table and column, and replace-window writes."""

from __future__ import annotations

import duckdb
import pytest

from tests.helpers import D, warehouse
from warehouse.connection import WarehouseLockedError, connect
from warehouse.schema import MigrationOrderError, current_version, migrate, migrations
from warehouse.writes import replace_window


def test_migrations_apply_once_and_record_their_version(tmp_path):
    path = tmp_path / "w.duckdb"
    with connect(path) as con:
        assert current_version(con) == migrations()[-1][0]
        applied = con.execute("SELECT version, name FROM meta.schema_version ORDER BY version").fetchall()
        assert [v for v, _ in applied] == [m[0] for m in migrations()]
        assert migrate(con) == migrations()[-1][0]  # nothing pending: no second application
        assert con.execute("SELECT count(*) FROM meta.schema_version").fetchall()[0][0] == len(applied)


def test_migration_numbers_are_unique():
    numbers = [m[0] for m in migrations()]
    assert sorted(set(numbers)) == numbers


def test_a_migration_numbered_below_the_warehouse_version_is_refused_by_name(tmp_path):
    path = tmp_path / "w.duckdb"
    with connect(path):
        pass
    newest = migrations()[-1][0]
    below = next(m for m in reversed(migrations()) if m[0] < newest)
    # a warehouse that has every migration but one below its version (merged from a parallel branch)
    con = duckdb.connect(str(path))
    con.execute("DELETE FROM meta.schema_version WHERE version = ?", [below[0]])
    with pytest.raises(MigrationOrderError, match=rf"{below[1]}.*already at version {newest}"):
        migrate(con)
    assert con.execute("SELECT count(*) FROM meta.schema_version").fetchall()[0][0] == len(migrations()) - 1
    con.close()


def test_every_table_view_and_column_has_a_comment():
    con = warehouse()
    missing_tables = con.execute("""
        SELECT schema_name || '.' || table_name FROM duckdb_tables()
        WHERE schema_name IN ('raw', 'core', 'kpi', 'meta') AND coalesce(comment, '') = ''
        UNION ALL
        SELECT schema_name || '.' || view_name FROM duckdb_views()
        WHERE schema_name IN ('raw', 'core', 'kpi', 'meta') AND NOT internal AND coalesce(comment, '') = ''
    """).fetchall()
    missing_columns = con.execute("""
        SELECT c.schema_name || '.' || c.table_name || '.' || c.column_name FROM duckdb_columns() AS c
        JOIN duckdb_tables() AS t USING (schema_name, table_name)
        WHERE c.schema_name IN ('raw', 'core', 'kpi', 'meta') AND coalesce(c.comment, '') = ''
    """).fetchall()
    assert missing_tables == []
    assert missing_columns == []


def test_replace_window_is_one_transaction():
    con = warehouse()
    con.execute("INSERT INTO kpi.daily (date, brand_id, platform, account_id, kpi, value, numerator, denominator) "
        "VALUES ('2025-01-01', 'b', 'x', 'a', 'likes', 1, 1, NULL), "
                "('2025-01-02', 'b', 'x', 'a', 'likes', 2, 2, NULL)")
    with pytest.raises(duckdb.Error):
        replace_window(con, "kpi.daily", "date", D(2025, 1, 1), D(2025, 1, 2),
                       "SELECT 'not a date' AS date", {})
    assert con.execute("SELECT count(*) FROM kpi.daily").fetchall()[0][0] == 2  # old rows kept
    inserted = replace_window(con, "kpi.daily", "date", D(2025, 1, 2), D(2025, 1, 2),
                              "SELECT DATE '2025-01-02' AS date, 'b' AS brand_id, 'x' AS platform, "
                              "'a' AS account_id, 'likes' AS kpi, 5.0 AS value, 5.0 AS numerator", {})
    assert inserted == 1
    assert con.execute("SELECT date, value FROM kpi.daily ORDER BY date").fetchall() == [
        (D(2025, 1, 1), 1.0), (D(2025, 1, 2), 5.0)]


def test_a_second_writer_waits_then_names_the_lock(tmp_path):
    import subprocess
    import sys
    import textwrap

    path = tmp_path / "w.duckdb"
    with connect(path):
        pass
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import duckdb, sys, time
        con = duckdb.connect({str(path)!r})
        print("locked", flush=True)
        sys.stdin.readline()
    """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(WarehouseLockedError, match="is locked by another process"), \
                connect(path, lock_timeout_s=0.5, poll_s=0.1):
            pass
    finally:
        holder.communicate("\n", timeout=10)
