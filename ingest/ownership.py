"""Who owns what was landed, and how to take it back.

A file belongs to the account of the folder it was dropped in; a post belongs to the account that
landed it first. The same bytes under a second account, or a post id under an account that does
not own it, are conflicts: reported by name (run summary, `socialkpi status`), never a silent
re-assignment. `forget` removes what an account or one file landed (the files are kept, moved to
`<exports_dir>/_forgotten/`), so dropping them again restores it.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingest.drop_folder import FORGOTTEN
from ingest.records import RAW_TABLES
from transforms.core import refresh_fact_coverage
from warehouse.writes import refresh_account_metrics, transaction

# Raw tables with one row per landed value or record, keyed by their source (file hash or pull key).
_SOURCE_TABLES = (*RAW_TABLES.values(), "raw.export_coverage")
# Core and KPI tables whose rows carry the account, with their date column (None: not dated).
_ACCOUNT_TABLES = {
    "core.account_daily": "date", "core.posts": None, "core.post_snapshots": "snapshot_date",
    "core.post_daily": "date", "core.ads_daily": "date", "kpi.daily": "date", "kpi.baselines": "date",
}
# The dated columns of the raw tables (for the days a forget has to rebuild).
_RAW_DATES = {
    "raw.account_daily_values": "date", "raw.post_metric_values": "snapshot_date", "raw.ads_daily_values": "date",
    "raw.web_daily_values": "date", "raw.mentions_daily_values": "date",
}


@dataclass(frozen=True)
class Conflict:
    """One ownership conflict, with a sentence saying what happened and what to do."""

    kind: str  # 'file' | 'post'
    platform: str
    account_id: str  # the account whose folder or pull carried it
    owner_account_id: str  # the account that owns it
    subject: str  # the file path (file) or the file/pull carrying the posts (post)
    count: int  # posts concerned (1 for a file)
    message: str


def conflicts(con: duckdb.DuckDBPyConnection) -> list[Conflict]:
    """Every ownership conflict the warehouse knows of, files first, in a stable order."""
    found = [
        Conflict("file", platform, account_id, owner, path, 1,
                 f"{path} was not loaded: the same file is already loaded for {owner_platform}/{owner} "
                 f"(as {owner_path}). A file belongs to the account of its folder: if it is {account_id}'s, "
                 f"run `socialkpi forget --file {owner_path}` and the next run loads it here; "
                 f"otherwise delete this copy.")
        for path, platform, account_id, owner_platform, owner, owner_path in con.execute(
            "SELECT path, platform, account_id, owner_platform, owner_account_id, owner_path "
            "FROM raw.file_conflicts ORDER BY path").fetchall()]
    rows = con.execute("""
        SELECT c.platform, c.account_id, c.owner_account_id, coalesce(f.path, c.source_key) AS carrier,
               count(DISTINCT c.post_id) AS posts, min(c.post_id) AS example
        FROM raw.post_conflicts AS c
        LEFT JOIN raw.export_files AS f ON f.file_hash = CASE WHEN c.source = 'export' THEN c.source_key END
             AND f.platform = c.platform AND f.account_id = c.account_id
        GROUP BY ALL ORDER BY ALL""").fetchall()
    for platform, account_id, owner, carrier, posts, example in rows:
        noun = "post" if posts == 1 else "posts"
        found.append(Conflict(
            "post", platform, account_id, owner, carrier, posts,
            f"{carrier} carries {posts} {noun} of {platform}/{owner} (e.g. post {example}) under {platform}/"
            f"{account_id}: they stay with {owner} and this copy is left out of the KPIs. If the file was "
            f"dropped in the wrong folder, run `socialkpi forget --file {carrier}` and drop it in the "
            f"right account's folder."))
    return found


@dataclass(frozen=True)
class Forgotten:
    """What a forget removed: files moved aside, values deleted, and the days to rebuild."""

    files: list[str]
    rows: int
    first_day: dt.date | None
    last_day: dt.date | None


def _days(con: duckdb.DuckDBPyConnection, where: str, params: list[object]) -> tuple[dt.date | None, dt.date | None]:
    """First and last day the matching raw rows touch (values, snapshots and covered post days)."""
    parts = [f"SELECT min({col}) AS lo, max({col}) AS hi FROM {table} WHERE {where}"
             for table, col in _RAW_DATES.items()]
    parts.append(f"SELECT min(covers_start), max(covers_end) FROM raw.export_coverage WHERE {where}")
    lo, hi = con.execute(f"SELECT min(lo), max(hi) FROM ({' UNION ALL '.join(parts)})",
                         params * len(parts)).fetchall()[0]
    return lo, hi


def _move_aside(exports_dir: Path, relative: str) -> str | None:
    """Move a file of the drop folder to `_forgotten/`, keeping its place; never overwrite."""
    source = exports_dir / relative
    if not source.is_file():
        return None
    target = exports_dir / FORGOTTEN / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    n = 1
    while target.exists():
        target = target.with_name(f"{Path(relative).stem} ({n}){Path(relative).suffix}")
        n += 1
    shutil.move(str(source), target)
    return target.relative_to(exports_dir).as_posix()


def forget_account(con: duckdb.DuckDBPyConnection, exports_dir: Path, platform: str, account_id: str) -> Forgotten:
    """Remove everything one account landed (files and API pulls); move its drop-folder files aside."""
    where, params = "platform = ? AND account_id = ?", [platform, account_id]
    first, last = _days(con, where, params)
    with transaction(con):
        rows = 0
        for table in (*_SOURCE_TABLES, "raw.api_pages", "raw.file_conflicts", "raw.export_files",
                      *_ACCOUNT_TABLES):
            rows += con.execute(f"DELETE FROM {table} WHERE {where}", params).fetchall()[0][0]
        refresh_account_metrics(con, [(platform, account_id)])
        refresh_fact_coverage(con)
    folder = exports_dir / platform / account_id
    moved = [m for p in sorted(folder.rglob("*")) if p.is_file()
             for m in [_move_aside(exports_dir, p.relative_to(exports_dir).as_posix())] if m]
    return Forgotten(moved, rows, first, last)


class ForgetError(ValueError):
    """A forget request that names nothing landed."""


def forget_file(con: duckdb.DuckDBPyConnection, exports_dir: Path, path: str | Path) -> Forgotten:
    """Remove what one file landed (found by its path in the drop folder, or as recorded when it
    was landed); move the file aside. Other accounts' copies of the same bytes are not touched."""
    candidate = Path(path)
    if candidate.is_absolute():
        try:
            candidate = candidate.resolve().relative_to(exports_dir.resolve())
        except ValueError:
            raise ForgetError(f"{path} is not inside the exports folder {exports_dir}") from None
    relative = candidate.as_posix()
    landed = con.execute("SELECT file_hash, platform, account_id FROM raw.export_files WHERE path = ?",
                         [relative]).fetchall()
    if not landed:
        raise ForgetError(f"{relative}: no file was loaded from this path (see `socialkpi status` for the "
                          f"paths of loaded files)")
    rows = 0
    first = last = None
    for digest, platform, account_id in landed:
        where, params = "source_key = ? AND platform = ? AND account_id = ?", [digest, platform, account_id]
        lo, hi = _days(con, where, params)
        first = lo if first is None or (lo and lo < first) else first
        last = hi if last is None or (hi and hi > last) else last
        with transaction(con):
            for table in _SOURCE_TABLES:
                rows += con.execute(f"DELETE FROM {table} WHERE {where}", params).fetchall()[0][0]
            rows += con.execute("DELETE FROM raw.export_files WHERE file_hash = ? AND platform = ? "
                                "AND account_id = ?", [digest, platform, account_id]).fetchall()[0][0]
            con.execute("DELETE FROM raw.file_conflicts WHERE owner_path = ?", [relative]).fetchall()
            refresh_account_metrics(con, [(platform, account_id)])
    moved = _move_aside(exports_dir, relative)
    return Forgotten([moved] if moved else [], rows, first, last)
