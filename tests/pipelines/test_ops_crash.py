"""Crash safety: `socialkpi run` killed with SIGKILL at several points, then re-run, leaves every
core and kpi table identical to an uninterrupted run."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster._core.instance.ref import InstanceRef

from pipelines.demo import write_demo

D = dt.date
START, END = D(2025, 1, 1), D(2025, 1, 12)
SOCIALKPI = Path(sys.executable).parent / "socialkpi"
RUN_TIMEOUT_S = 180  # generous: a run takes a few seconds


def cli_run(folder: Path) -> subprocess.Popen:
    env = {**os.environ, "DAGSTER_HOME": str(folder / "dagster_home"), "PYTHONUNBUFFERED": "1"}
    for name in ("SOCIALKPI_CONFIG", "SOCIALKPI_WAREHOUSE", "SOCIALKPI_EXPORTS_DIR", "SOCIALKPI_ANALYTICS_SNAPSHOT"):
        env.pop(name, None)
    # INFO: a line per landed file, so a kill can land mid-way through the export files
    return subprocess.Popen([str(SOCIALKPI), "--config", str(folder / "socialkpi.yaml"), "run",
                             "--start", START.isoformat(), "--end", END.isoformat(), "--log-level", "INFO"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)


class Output:
    """Collects a process's output lines in a thread (so its pipe never fills up)."""

    def __init__(self, process: subprocess.Popen):
        self.lines: list[str] = []
        self.thread = threading.Thread(target=lambda: self.lines.extend(process.stdout), daemon=True)
        self.thread.start()

    def has(self, marker: str) -> bool:
        return any(marker in line for line in list(self.lines))


class Steps:
    """Steps a new run of a Dagster instance has started, read while that run writes them."""

    def __init__(self, home: Path):
        self.home = home
        self.instance: dg.DagsterInstance | None = None
        self.earlier_runs = {r.run_id for r in self._runs()}
        self.run_id: str | None = None

    def _runs(self) -> list:
        if self.instance is None:
            if not (self.home / "history" / "runs.db").exists():
                return []
            self.instance = dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(self.home)))
        return list(self.instance.get_runs())

    def started(self) -> set[str]:
        if self.run_id is None:
            new = [r.run_id for r in self._runs() if r.run_id not in self.earlier_runs]
            if not new:
                return set()
            self.run_id = new[0]
        return {r.step_key for r in self.instance.all_logs(self.run_id, of_type=dg.DagsterEventType.STEP_START)}

    def close(self) -> None:
        if self.instance is not None:
            self.instance.dispose()


def run_and_kill(folder: Path, when: str) -> list[str]:
    """Start a run and SIGKILL it once `when` happens: 'log:<text>' (a line of its output) or
    'step:<key>' (that step has started). Returns its output; fails if it ends first."""
    steps = Steps(folder / "dagster_home")
    process = cli_run(folder)
    output = Output(process)
    kind, _, what = when.partition(":")
    deadline = time.monotonic() + RUN_TIMEOUT_S
    try:
        while process.poll() is None and time.monotonic() < deadline:
            if output.has(what) if kind == "log" else what in steps.started():
                process.send_signal(signal.SIGKILL)
                break
            time.sleep(0.05)
        code = process.wait(timeout=RUN_TIMEOUT_S)
    finally:
        process.kill()
        steps.close()
    output.thread.join(timeout=10)
    assert code == -signal.SIGKILL, f"the run ended ({code}) before {when}:\n" + "".join(output.lines[-20:])
    return output.lines


def finish(process: subprocess.Popen) -> None:
    out, _ = process.communicate(timeout=RUN_TIMEOUT_S)
    assert process.returncode == 0, out[-3000:]


def same_floats(row: tuple) -> tuple:
    """Floats to 12 significant digits: kpi.target_progress's regression aggregates differ in the
    last bits between two uninterrupted runs too (DuckDB sums in parallel, in no fixed order)."""
    return tuple(float(f"{v:.12g}") if isinstance(v, float) else v for v in row)


def tables(database: Path) -> dict[str, list[tuple]]:
    """Every core and kpi table, sorted, without load timestamps (they differ between runs)."""
    with duckdb.connect(str(database), read_only=True) as con:
        names = con.execute("SELECT schema_name, table_name FROM duckdb_tables() "
                            "WHERE schema_name IN ('core', 'kpi') ORDER BY 1, 2").fetchall()
        found = {}
        for schema, table in names:
            columns = [c for (c,) in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
                "AND column_name <> 'loaded_at' ORDER BY column_index", [schema, table]).fetchall()]
            select = ", ".join(f'"{c}"' for c in columns)
            found[f"{schema}.{table}"] = [same_floats(row) for row in con.execute(
                f'SELECT {select} FROM "{schema}"."{table}" ORDER BY ALL').fetchall()]
        raw = con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'raw'").fetchall()
        for (table,) in raw:
            found[f"raw.{table} rows"] = con.execute(f'SELECT count(*) FROM raw."{table}"').fetchall()
    return found


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("pristine")
    write_demo(folder, START, END)
    return folder


def test_killed_runs_then_a_rerun_equal_an_uninterrupted_run(pristine, tmp_path):
    uninterrupted, crashed = tmp_path / "uninterrupted", tmp_path / "crashed"
    shutil.copytree(pristine, uninterrupted)
    shutil.copytree(pristine, crashed)
    baseline = cli_run(uninterrupted)  # in parallel with the crashes

    # Each run restarts from where the killed one left the warehouse; the kill points walk
    # through the run: mid-landing of the export files, then at the start of later steps.
    for when in ("log:: loaded (", "step:kpi_daily", "step:analytics_snapshot"):
        run_and_kill(crashed, when)
    finish(cli_run(crashed))
    finish(baseline)

    expected = tables(uninterrupted / "warehouse.duckdb")
    assert expected["kpi.daily"] and expected["core.account_daily"]
    assert tables(crashed / "warehouse.duckdb") == expected
    published = tables(crashed / "analytics.duckdb")
    assert published == {name: rows for name, rows in expected.items() if not name.startswith("raw.")}
