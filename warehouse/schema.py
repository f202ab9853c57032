"""Versioned schema migrations: warehouse/sql/migrations/NNN_name.sql, applied in order, once.

meta.schema_version records each applied migration, so opening an older warehouse upgrades it.
The same files build a DuckLake, which takes every statement but column COMMENTs on views (DuckLake
keeps comments on tables, their columns and views only): those are skipped there.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import TYPE_CHECKING

from warehouse.writes import transaction

if TYPE_CHECKING:  # for annotations: DuckDB is imported where it is called (definitions start-up time)
    import duckdb

MIGRATIONS_DIR = Path(__file__).parent / "sql" / "migrations"
_COLUMN_COMMENT = re.compile(r"\s*COMMENT\s+ON\s+COLUMN\s+(\S+)\.[^.\s]+\s+IS\s", re.IGNORECASE)


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every migration file, in version order."""
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        version = int(path.name.split("_", 1)[0])
        found.append((version, path.stem, path.read_text(encoding="utf-8")))
    return found


class MigrationOrderError(RuntimeError):
    """A migration numbered below the warehouse's version was never applied to it."""


def applied_versions(con: duckdb.DuckDBPyConnection) -> set[int]:
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'meta' AND table_name = 'schema_version'"
    ).fetchall()[0][0]
    if not exists:
        return set()
    return {v for (v,) in con.execute("SELECT version FROM meta.schema_version").fetchall()}


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    return max(applied_versions(con), default=0)


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply pending migrations, each in its own transaction. Returns the schema version.

    A migration file numbered below the newest applied one, yet never applied (two branches that
    numbered their migrations in parallel, merged after one of them reached a warehouse), is refused
    with its name rather than skipped for ever or run after the ones it should precede.
    """
    applied = applied_versions(con)
    version = max(applied, default=0)
    pending = [m for m in migrations() if m[0] not in applied]
    late = [name for number, name, _ in pending if number < version]
    if late:
        raise MigrationOrderError(
            f"migration {', '.join(late)} was never applied to this warehouse, which is already at version "
            f"{version}: renumber it above {version} in warehouse/sql/migrations (nothing was changed)")
    if not pending:
        return version
    lake = is_lake(con)
    for number, name, sql in pending:
        with transaction(con):
            con.execute("CREATE SCHEMA IF NOT EXISTS meta")
            con.execute("""
                CREATE TABLE IF NOT EXISTS meta.schema_version (
                    version INTEGER NOT NULL, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)""")
            con.execute("COMMENT ON TABLE meta.schema_version IS "
                        "'Applied schema migrations [version] (warehouse/sql/migrations).'")
            con.execute("COMMENT ON COLUMN meta.schema_version.version IS 'Migration number.'")
            con.execute("COMMENT ON COLUMN meta.schema_version.name IS 'Migration file name.'")
            con.execute("COMMENT ON COLUMN meta.schema_version.applied_at IS 'When it was applied (UTC).'")
            execute_script(con, sql, lake=lake)
            con.execute("INSERT INTO meta.schema_version VALUES (?, ?, ?)",
                        [number, name, dt.datetime.now(dt.UTC).replace(tzinfo=None)])
        version = number
    return version


def is_lake(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether `con` works on a DuckLake (a few statements differ: docs/scaling.md)."""
    return bool(con.execute(
        "SELECT count(*) FROM duckdb_databases() WHERE database_name = current_database() AND type = 'ducklake'"
    ).fetchall()[0][0])


def execute_script(con: duckdb.DuckDBPyConnection, sql: str, *, lake: bool | None = None) -> None:
    """Run DDL statements; on a DuckLake one by one, leaving out COMMENT ON COLUMN of a view."""
    if not (is_lake(con) if lake is None else lake):
        con.execute(sql)
        return
    for statement in con.extract_statements(sql):
        found = _COLUMN_COMMENT.match(statement.query)
        if found and con.execute(
                "SELECT count(*) FROM duckdb_views() WHERE database_name = current_database() "
                "AND lower(schema_name || '.' || view_name) = lower(replace(?, '\"', ''))",
                [found.group(1).strip()]).fetchall()[0][0]:
            continue
        con.execute(statement.query)
