"""Landing with worker processes (files parsed, pulls normalised in a pool feeding the one writer)
ends in the same warehouse as the serial path: same rows, same errors, same quarantine."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb

from connectors.base import load_connectors
from ingest.api import replay
from ingest.drop_folder import QUARANTINE, ingest_drop_folder
from ingest.records import RAW_TABLES
from ingest.workers import OrderedPool
from pipelines.demo import write_demo
from tests.helpers import D, warehouse
from tests.transforms.test_api_landing import REGISTRY, night

# raw tables and what identifies their rows (loaded_at and load-log times differ between runs)
COMPARED = [*RAW_TABLES.values(), "raw.export_coverage", "raw.file_conflicts EXCLUDE (seen_at)",
            "raw.export_files EXCLUDE (loaded_at)", "meta.load_log EXCLUDE (logged_at, run_id)"]


def drop_folder(directory: Path) -> Path:
    """The demo's exports (daily files, per-post exports, an X overview) plus a damaged file, a file
    no parser understands, a copy under a second account and a file in no account folder."""
    write_demo(directory, D(2025, 1, 1), D(2025, 1, 20))
    exports = directory / "exports"
    fb = next((exports / "facebook").iterdir())
    posts = next(p for p in sorted(fb.iterdir()) if p.name.startswith("Jan-01-2025"))  # the per-post export
    header = posts.read_text(encoding="utf-8-sig").splitlines(keepends=True)[0]
    (fb / "broken_posts.csv").write_text(  # a publish time that is no date
        header + "1,100000000000001,Acme,T,D,0,yesterday,N/A,https://x,0,0,Photos,,,,,Lifetime,1,1,1,1,0,0,1\n",
        encoding="utf-8")
    (fb / "notes.csv").write_text("hello,world\n1,2\n", encoding="utf-8")
    (exports / "facebook" / "other_page").mkdir()
    shutil.copy(posts, exports / "facebook" / "other_page" / posts.name)
    (exports / "stray.csv").write_text("a,b\n", encoding="utf-8")
    return exports


def table_rows(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    rows = {}
    for table in COMPARED:
        name, _, exclude = table.partition(" ")
        rows[name] = con.execute(f"SELECT * {exclude} FROM {name} ORDER BY ALL").fetchall()
    return rows


def land(directory: Path, workers: int) -> tuple[list, dict[str, list[tuple]], list[str]]:
    exports = drop_folder(directory)
    con = warehouse()
    outcomes = ingest_drop_folder(con, exports, load_connectors(), {}, "UTC", workers=workers)
    quarantined = sorted(p.relative_to(exports).as_posix() for p in (exports / QUARANTINE).rglob("*") if p.is_file())
    return outcomes, table_rows(con), quarantined


def taken_from_workers(monkeypatch) -> list[object]:
    """Keys of the results the writer took from worker processes (proves the pool did the work)."""
    taken: list[object] = []
    take = OrderedPool.take

    def counting(self, key):
        taken.append(key)
        return take(self, key)

    monkeypatch.setattr(OrderedPool, "take", counting)
    return taken


def test_a_drop_folder_parsed_by_worker_processes_lands_as_the_serial_path(tmp_path, monkeypatch):
    taken = taken_from_workers(monkeypatch)
    serial = land(tmp_path / "serial", workers=0)
    assert taken == []
    parallel = land(tmp_path / "parallel", workers=2)
    assert len(taken) == 18  # 16 demo files, the damaged one and the unknown one (not the conflicting copy)
    outcomes, rows, quarantined = serial
    statuses = sorted((o.relative, o.status) for o in outcomes)
    # the folder holds every case: landed, quarantined (damaged, unknown), conflict, refused
    assert {s for _, s in statuses} == {"loaded", "quarantined", "conflict", "refused"}
    assert len(quarantined) == 4  # two files, each with its reason file
    assert len(rows["raw.account_daily_values"]) > 100 and rows["raw.post_records"]
    assert parallel[0] == outcomes  # same outcomes (reasons included), in the same order
    assert parallel[1] == rows
    assert parallel[2] == quarantined


def test_a_replay_normalised_by_worker_processes_writes_what_the_serial_replay_writes(monkeypatch):
    taken = taken_from_workers(monkeypatch)
    landed = []
    for workers in (0, 2):
        con = warehouse()
        for n in range(6):  # nightly pulls restating the day before, some days twice
            night(con, D(2026, 11, 1 + n), D(2026, 11, 3 + n), dt.datetime(2026, 11, 4 + n, 3, tzinfo=dt.UTC),
                  [(D(2026, 11, 1 + n + k), metric, 10 * n + k) for k in range(3) for metric in ("reach", "likes")])
        con.execute("DELETE FROM raw.account_daily_values")
        counts = replay(con, REGISTRY, D(2026, 11, 1), D(2026, 11, 30), {}, "UTC", workers=workers)
        landed.append((counts, table_rows(con)))
    assert landed[0] == landed[1]
    assert len(taken) == 6  # the parallel replay: every pull normalised in a worker
    assert landed[0][0] == {"fake/a1": 36}
    assert len(landed[0][1]["raw.account_daily_values"]) == 16  # 8 days x 2 metrics, latest restatement each
