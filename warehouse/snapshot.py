"""The analysts' read-only snapshot: core, kpi and meta copied to a separate DuckDB file.

Written next to its destination under a temporary name and renamed over it (atomic on POSIX):
an analyst holding the old file open keeps reading it undisturbed, and the nightly writer never
waits for analysts. raw (landed payloads) is not copied: analysts need no request data.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

PUBLISHED_SCHEMAS = ("core", "kpi", "meta")


def publish_snapshot(con: duckdb.DuckDBPyConnection, destination: Path) -> int:
    """Copy the published schemas (tables, views, comments) to `destination`. Returns table count."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    for stale in destination.parent.glob(f".{destination.name}.*.tmp"):  # left by a killed publish
        stale.unlink(missing_ok=True)
    temporary = destination.with_name(f".{destination.name}.{os.getpid()}.tmp")
    main_database = con.execute("SELECT current_database()").fetchall()[0][0]
    con.execute("ATTACH ? AS snapshot", [str(temporary)])
    try:
        schemas = ", ".join(f"'{s}'" for s in PUBLISHED_SCHEMAS)
        tables = con.execute(
            f"SELECT schema_name, table_name, comment FROM duckdb_tables() "
            f"WHERE database_name = current_database() AND schema_name IN ({schemas}) ORDER BY 1, 2").fetchall()
        for schema in PUBLISHED_SCHEMAS:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS snapshot.{_identifier(schema)}")
        for schema, table, comment in tables:
            name = f"{_identifier(schema)}.{_identifier(table)}"
            con.execute(f"CREATE TABLE snapshot.{name} AS SELECT * FROM {name}")
            if comment:
                con.execute(f"COMMENT ON TABLE snapshot.{name} IS " + _literal(comment))
        columns = con.execute(
            f"SELECT schema_name, table_name, column_name, comment FROM duckdb_columns() "
            f"WHERE database_name = current_database() AND schema_name IN ({schemas}) "
            f"AND comment IS NOT NULL AND comment <> ''").fetchall()
        table_names = {(s, t) for s, t, _ in tables}
        for schema, table, column, comment in columns:
            if (schema, table) in table_names:
                con.execute(f"COMMENT ON COLUMN snapshot.{_identifier(schema)}.{_identifier(table)}."
                            f"{_identifier(column)} IS " + _literal(comment))
        views = con.execute(
            f"SELECT schema_name, view_name, sql, comment FROM duckdb_views() WHERE NOT internal "
            f"AND database_name = current_database() AND schema_name IN ({schemas})").fetchall()
        view_columns = con.execute(
            f"SELECT c.schema_name, c.table_name, c.column_name, c.comment FROM duckdb_columns() AS c "
            f"JOIN duckdb_views() AS v ON v.database_name = c.database_name AND v.schema_name = c.schema_name "
            f"AND v.view_name = c.table_name WHERE c.database_name = current_database() "
            f"AND c.schema_name IN ({schemas}) AND c.comment IS NOT NULL AND c.comment <> ''").fetchall()
        con.execute("USE snapshot")
        try:
            for schema, view, _sql, comment in _dependency_order(con, views):
                if comment:
                    con.execute(f"COMMENT ON VIEW {_identifier(schema)}.{_identifier(view)} IS " + _literal(comment))
            for schema, view, column, comment in view_columns:
                con.execute(f"COMMENT ON COLUMN {_identifier(schema)}.{_identifier(view)}.{_identifier(column)} IS "
                            + _literal(comment))
        finally:
            con.execute(f"USE {_identifier(main_database)}")
    finally:
        con.execute("DETACH snapshot")
    os.replace(temporary, destination)
    return len(tables)


def _dependency_order(con: duckdb.DuckDBPyConnection, views: list[tuple]) -> list[tuple]:
    """Create the views, each after the views it reads (kpi.competitor_benchmarks reads kpi.weekly):
    a view whose source is not there yet is tried again in the next round. Returns them as created."""
    created: list[tuple] = []
    pending = list(views)
    while pending:
        postponed, error = [], None
        for view in pending:
            try:
                con.execute(view[2])
                created.append(view)
            except duckdb.CatalogException as exc:
                postponed.append(view)
                error = exc
        if len(postponed) == len(pending) and error is not None:
            raise error
        pending = postponed
    return created


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
