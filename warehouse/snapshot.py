"""The analysts' read-only snapshot.

DuckDB file warehouse: core, kpi and meta copied to a separate DuckDB file, written next to its
destination under a temporary name and renamed over it (atomic on POSIX): an analyst holding the
old file open keeps reading it undisturbed, and the nightly writer never waits for analysts. raw
(landed payloads) is not copied: analysts need no request data.

DuckLake warehouse: no copy. A run publishes the lake's latest snapshot id (meta.published_snapshots)
and analysts attach the lake read-only at that snapshot, so they never see a run half-way.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from warehouse.connection import LAKE_ALIAS, DuckLake, WarehouseMissingError, connect
from warehouse.lake_runs import current_snapshot
from warehouse.writes import transaction

if TYPE_CHECKING:  # for annotations: DuckDB is imported where it is called (definitions start-up time)
    import duckdb

PUBLISHED_SCHEMAS = ("core", "kpi", "meta")


def publish_snapshot(con: duckdb.DuckDBPyConnection, destination: Path) -> int:
    """Copy the published schemas (tables, views, comments) to `destination`. Returns table count."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    for stale in destination.parent.glob(f".{destination.name}.*.tmp"):  # left by a killed publish
        stale.unlink(missing_ok=True)
    temporary = destination.with_name(f".{destination.name}.{os.getpid()}.tmp")
    main_database = con.execute("SELECT current_database()").fetchall()[0][0]
    con.execute(f"ATTACH {_literal(str(temporary))} AS snapshot")
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
    import duckdb

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


def publish_lake_snapshot(con: duckdb.DuckDBPyConnection) -> int:
    """Record the lake's latest snapshot as the analysts' one. Returns its id."""
    snapshot_id = current_snapshot(con)
    with transaction(con):  # the run's commit (writes.tag_commit): reverted with the run if it is killed
        con.execute("INSERT INTO meta.published_snapshots VALUES (?, ?)",
                    [snapshot_id, dt.datetime.now(dt.UTC).replace(tzinfo=None)])
    return snapshot_id


class NoSnapshotError(LookupError):
    """No run has published the analysts' snapshot yet."""


@contextmanager
def open_published(target: Path | DuckLake, *, sandboxed: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to what analysts see: the snapshot file, or the lake at its published snapshot.

    `sandboxed`: no file or network access beyond the warehouse itself (read_only alone still
    allows COPY ... TO and read_text()); switched off after the lake is attached.
    """
    if isinstance(target, DuckLake):
        try:
            with connect(target, read_only=True) as con:
                published = (con.execute("SELECT max(lake_snapshot) FROM meta.published_snapshots").fetchall()[0][0]
                             if _has_published_table(con) else None)
        except WarehouseMissingError:
            published = None
        if published is None:
            raise NoSnapshotError(f"no analytics snapshot published yet in {target}: run the pipeline first")
        with connect(target, snapshot_version=published) as con:
            if sandboxed:  # the lake's own Parquet files stay readable
                data_path = con.execute(f"SELECT value FROM ducklake_options('{LAKE_ALIAS}') "
                                        "WHERE option_name = 'data_path'").fetchall()[0][0]
                con.execute("SET allowed_directories = ?", [[data_path]])
                con.execute("SET enable_external_access = false")
            yield con
        return
    if not Path(target).exists():
        raise NoSnapshotError(f"no analytics snapshot yet at {target}: run the pipeline first")
    # Only a sandboxed open sets a config: DuckDB refuses a second in-process connection to the same
    # file with a different one.
    import duckdb

    sandbox = {"config": {"enable_external_access": False}} if sandboxed else {}
    with duckdb.connect(str(target), read_only=True, **sandbox) as con:
        yield con


def _has_published_table(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
                            "AND schema_name = 'meta' AND table_name = 'published_snapshots'").fetchall()[0][0])


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
