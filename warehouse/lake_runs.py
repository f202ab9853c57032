"""Revert one run's commits to a DuckLake: a run interrupted midway leaves the lake as before it.

Each step of a run commits on its own (a step's transaction is atomic, the run is not). On a lake,
every commit a run makes carries the run's id (DuckLake's commit_extra_info, set by
`writes.transaction` once `begin_run` has tagged the connection), and `meta.lake_runs` lists the
runs that wrote. `revert_run` undoes exactly one run's commits, in one transaction, with DuckLake's
change feed (`ducklake_table_changes`): the rows it inserted go, the rows it deleted come back as
they were, and `meta.load_log` loses the lines it logged (they name the run). Commits of other
runs (platform ingests running alongside) are not touched, so reverting one run never erases
another's writes; a table where a later run already rewrote the reverted run's rows is left as
that run left it. Which runs are reverted is pipelines/lake_recovery.py's decision.

Not reverted: schema changes (migrations are forward-only) and writes outside a run (sensors).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from warehouse.connection import LAKE_ALIAS
from warehouse.writes import RUN_VARIABLE, commit_message

if TYPE_CHECKING:  # for annotations: DuckDB is imported where it is called (definitions start-up time)
    import duckdb

JOURNAL = ("meta", "lake_runs")  # the journal itself is never reverted
REVERT_SQL = Path(__file__).parent / "sql" / "lake_revert.sql"
# The change feed's own columns: a table column of one of these names would hide them (migration 056).
FEED_COLUMNS = ("snapshot_id", "rowid", "change_type")
# meta.lake_runs.outcome: succeeded; kept (failed on its own: its finished steps' commits stay);
# reverted (interrupted: its commits undone)
SUCCEEDED, KEPT, REVERTED = "succeeded", "kept", "reverted"


@dataclass
class Revert:
    """What `revert_run` did: rows removed and restored per table, tables left to a later writer."""

    run_id: str
    commits: list[int] = field(default_factory=list)
    removed: dict[str, int] = field(default_factory=dict)
    restored: dict[str, int] = field(default_factory=dict)
    superseded: list[str] = field(default_factory=list)
    already: bool = False  # reverted before: nothing done


def current_snapshot(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute(f"SELECT max(snapshot_id) FROM ducklake_snapshots('{LAKE_ALIAS}')").fetchall()[0][0]


def begin_run(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Journal the run (once, with the lake's snapshot now) and tag this connection's commits with it."""
    known = con.execute("SELECT count(*) FROM meta.lake_runs WHERE run_id = ?", [run_id]).fetchall()[0][0]
    if not known:
        con.execute("INSERT INTO meta.lake_runs VALUES (?, ?, now()::TIMESTAMP, NULL, NULL)",
                    [run_id, current_snapshot(con)])
    con.execute(f"SET VARIABLE {RUN_VARIABLE} = ?", [run_id])


def unresolved_runs(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Runs that wrote the lake and whose outcome is not recorded yet, oldest first."""
    return [r[0] for r in con.execute(
        "SELECT run_id FROM meta.lake_runs WHERE outcome IS NULL ORDER BY started_at, run_id").fetchall()]


def resolve(con: duckdb.DuckDBPyConnection, run_id: str, outcome: str) -> None:
    con.execute("UPDATE meta.lake_runs SET outcome = ?, resolved_at = now()::TIMESTAMP WHERE run_id = ?",
                [outcome, run_id])


def reverted(con: duckdb.DuckDBPyConnection, run_id: str) -> bool:
    return con.execute("SELECT count(*) FROM meta.lake_runs WHERE run_id = ? AND outcome = ?",
                       [run_id, REVERTED]).fetchall()[0][0] > 0


def run_commits(con: duckdb.DuckDBPyConnection, run_id: str) -> list[int]:
    """The lake snapshots the run committed (its tagged commits), in order."""
    return [r[0] for r in con.execute(
        f"SELECT snapshot_id FROM ducklake_snapshots('{LAKE_ALIAS}') "
        "WHERE json_extract_string(commit_extra_info, '$.run_id') = ? ORDER BY 1", [run_id]).fetchall()]


def revert_run(con: duckdb.DuckDBPyConnection, run_id: str) -> Revert:
    """Undo every commit of `run_id` in one transaction (one new lake snapshot), and record it.

    Idempotent: a run recorded as reverted is left alone. The caller decides that the run ended
    without success (a run still writing would keep writing after its revert).
    """
    journaled = con.execute("SELECT count(*) FROM meta.lake_runs WHERE run_id = ?", [run_id]).fetchall()[0][0]
    result = Revert(run_id)
    if reverted(con, run_id):
        result.already = True
        return result
    result.commits = run_commits(con, run_id)
    statements = [s.strip() for s in REVERT_SQL.read_text(encoding="utf-8").split("\n;\n") if s.strip()]
    con.execute("BEGIN TRANSACTION")
    try:
        if result.commits:
            last = current_snapshot(con)
            for schema, table in _changed_tables(con, result.commits):
                _revert_table(con, statements, schema, table, result, result.commits, last)
        # a log line written outside a transaction commits untagged; its lines name the run
        logged = con.execute("DELETE FROM meta.load_log WHERE run_id = ?", [run_id]).fetchall()[0][0]
        if logged:
            result.removed["meta.load_log"] = result.removed.get("meta.load_log", 0) + logged
        if journaled:
            resolve(con, run_id, REVERTED)
        commit_message(con, f"revert run {run_id}", {"reverts": run_id})
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return result


def _revert_table(con: duckdb.DuckDBPyConnection, statements: list[str], schema: str, table: str,
                  result: Revert, ours: list[int], last: int) -> None:
    names = [c[0] for c in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = ? "
        "AND table_name = ? ORDER BY column_index", [schema, table]).fetchall()]
    clash = sorted(set(names) & set(FEED_COLUMNS))
    if clash:
        raise ValueError(f"{schema}.{table}: column(s) {', '.join(clash)} hide DuckLake's change feed columns "
                         "of the same name, so the run cannot be reverted: rename them (a migration)")
    columns = ", ".join(_identifier(n) for n in names)
    fields = {"lake": _literal(LAKE_ALIAS), "schema": _literal(schema), "table": _literal(table),
              "qualified": f"{_identifier(schema)}.{_identifier(table)}", "columns": columns}
    collect, superseded, delete, insert = (s.format(**fields) for s in statements)
    con.execute(collect, {"ours": ours, "first": ours[0], "last": last})
    name = f"{schema}.{table}"
    try:
        if con.execute(superseded).fetchall()[0][0]:
            result.superseded.append(name)
            return
        removed = con.execute(delete).fetchall()[0][0]
        restored = con.execute(insert).fetchall()[0][0]
    finally:
        con.execute("DROP TABLE revert_changes")
    if removed or restored:
        result.removed[name], result.restored[name] = removed, restored


def _changed_tables(con: duckdb.DuckDBPyConnection, commits: list[int]) -> list[tuple[str, str]]:
    """(schema, table) of the tables the commits inserted into or deleted from, the journal left out."""
    ids = {int(i) for (changes,) in con.execute(
        f"SELECT changes FROM ducklake_snapshots('{LAKE_ALIAS}') WHERE list_contains(?, snapshot_id)",
        [commits]).fetchall() for kind, values in changes.items()
        if kind.startswith(("tables_inserted", "tables_deleted", "inlined_")) for i in values}
    names = {r[0] for r in con.execute(f"SELECT table_name FROM ducklake_table_info('{LAKE_ALIAS}') "
                                       "WHERE list_contains(?, table_id)", [sorted(ids)]).fetchall()}
    # ducklake_table_info names no schema: every table of that name (an unchanged one reverts nothing)
    return [(s, t) for s, t in con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "ORDER BY 1, 2").fetchall() if t in names and (s, t) != JOURNAL]


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
