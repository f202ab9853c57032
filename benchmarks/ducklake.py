"""The warehouse on DuckLake (PostgreSQL catalog on 127.0.0.1, Parquet in a local data path) against
the DuckDB file, timed.

Prints
  (a) the synthetic history of kpi_scale.py (N accounts x Y years) generated and backfilled into
      kpi.daily (build_kpi_daily over the whole history) on the DuckDB file and on the lake; the
      file is the baseline, and the two kpi.daily tables are compared row by row in SQL; with the
      peak resident memory of the process (DuckDB capped by --memory-limit, spilling beyond it);
  (b) the drop-folder ingest of two platforms (the demo's Facebook and Instagram exports, one
      folder each) into the lake: one run after the other, then two concurrent runs (processes).
Times are the median of --runs runs; ratios compare figures measured in the same run. Needs
PostgreSQL's initdb/pg_ctl (as the tests do: tests/postgres.py).

    .venv/bin/python benchmarks/ducklake.py --runs 1              # 1,000 accounts x 2 years, ~8 min
    .venv/bin/python benchmarks/ducklake.py --accounts 200 --ingest-days 90 --runs 1   # make bench
    .venv/bin/python benchmarks/ducklake.py --accounts 12 --days 30 --ingest-days 20 --runs 1
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from benchmarks.kpi_scale import CURRENCY, END, generate, mismatches, peak_rss_mib  # noqa: E402
from pipelines.demo import write_demo  # noqa: E402
from tests.postgres import libpq, running_postgres  # noqa: E402
from transforms.kpis import build_kpi_daily, write_catalogue  # noqa: E402
from warehouse.connection import DuckLake, Target, connect  # noqa: E402

PLATFORMS = ("facebook", "instagram")
INGEST = """
import sys
from pathlib import Path
from connectors.base import load_connectors
from ingest.drop_folder import ingest_drop_folder
from warehouse.connection import connect, parse_target
with connect(parse_target(sys.argv[1])) as con:
    for folder in sys.argv[2:]:
        ingest_drop_folder(con, Path(folder), load_connectors(), {}, "Europe/Berlin")
"""


def bounded(con: duckdb.DuckDBPyConnection, memory_limit: str, spill: Path) -> None:
    """Cap DuckDB's memory (its default is 80 % of the machine) and let it spill to `spill`: the full
    size's generate, backfill and comparison stay within the cap instead of growing to the machine."""
    spill.mkdir(parents=True, exist_ok=True)
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute(f"SET temp_directory = '{spill}'")


def backfill(target: Target, accounts: int, start: dt.date, memory_limit: str,
             spill: Path) -> tuple[float, float, int]:
    """Generate the history into an empty warehouse, then build kpi.daily over all of it."""
    with connect(target) as con:
        bounded(con, memory_limit, spill)
        began = time.perf_counter()
        generate(con, accounts, start, END)
        generated_s = time.perf_counter() - began
        write_catalogue(con)
        began = time.perf_counter()
        rows = build_kpi_daily(con, start, END, CURRENCY)
        return generated_s, time.perf_counter() - began, rows


def differing_rows(lake: DuckLake, file: Path, memory_limit: str, spill: Path) -> tuple[int, int]:
    """(rows of kpi.daily that differ beyond 1e-9 relative or exist on one side only, rows), in SQL:
    fetched into Python, the tens of millions of rows took 23 GiB."""
    with connect(lake, read_only=True) as con:
        bounded(con, memory_limit, spill)
        con.execute(f"ATTACH '{file}' AS file_warehouse (READ_ONLY)")
        differing, total, _ = mismatches(con, "kpi.daily", "file_warehouse.kpi.daily")
    return differing, total


def ingest(target: Target, folders: list[Path], concurrent: bool) -> float:
    """Wall time of landing `folders`: one process after another, or all processes at once."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    began = time.perf_counter()
    if concurrent:
        runs = [subprocess.Popen([sys.executable, "-c", INGEST, str(target), str(f)], env=env) for f in folders]
        codes = [run.wait() for run in runs]
    else:
        codes = [subprocess.run([sys.executable, "-c", INGEST, str(target), *map(str, folders)], env=env).returncode]
    if any(codes):
        raise RuntimeError(f"an ingest run failed (exit codes {codes})")
    return time.perf_counter() - began


def raw_counts(target: Target) -> list[tuple]:
    with connect(target, read_only=True) as con:
        return con.execute("SELECT platform, count(*), sum(value) FROM raw.account_daily_values "
                           "GROUP BY 1 ORDER BY 1").fetchall()


def create_database(server: dict, name: str) -> str:
    """A second database on the server (a second lake's catalog); returns its libpq string."""
    import psycopg2  # dagster-postgres's driver (the dev extra)

    pg = psycopg2.connect(libpq(server))
    try:
        pg.autocommit = True  # CREATE DATABASE runs outside a transaction only
        pg.cursor().execute(f"CREATE DATABASE {name}")
    finally:
        pg.close()
    return libpq({**server, "db_name": name})


def run(accounts: int, days: int, ingest_days: int, runs: int, folder: Path,
        memory_limit: str) -> dict[str, object]:
    start = END - dt.timedelta(days=days - 1)
    figures: dict[str, object] = {"accounts": accounts, "days": days, "runs": runs, "ingest_days": ingest_days,
                                  "memory_limit": memory_limit}
    spill = folder / "spill"
    with running_postgres(folder) as server:
        catalog = libpq(server)
        file_target = folder / "warehouse.duckdb"
        lake = DuckLake(f"postgres:{catalog}", f"{folder / 'lake'}/")
        figures["generate_file_s"], figures["backfill_file_s"], figures["rows"] = backfill(
            file_target, accounts, start, memory_limit, spill)
        figures["generate_lake_s"], figures["backfill_lake_s"], _ = backfill(lake, accounts, start, memory_limit,
                                                                             spill)
        figures["rows_differing"], _ = differing_rows(lake, file_target, memory_limit, spill)
        figures["peak_backfill_mib"] = peak_rss_mib()

        write_demo(folder / "demo", END - dt.timedelta(days=ingest_days - 1), END)
        folders = []
        for platform in PLATFORMS:  # one drop folder per platform, as per-platform runs
            (folder / "split" / platform).mkdir(parents=True)
            (folder / "demo" / "exports" / platform).rename(folder / "split" / platform / platform)
            folders.append(folder / "split" / platform)
        target = DuckLake(f"postgres:{create_database(server, 'ingest')}", f"{folder / 'ingest'}/")
        with connect(target):  # created and migrated before the clock starts, as after a first run
            pass
        one_after_another, concurrent, counts = [], [], set()
        for _ in range(runs):
            for mode, times in ((False, one_after_another), (True, concurrent)):
                times.append(ingest(target, folders, mode))
                counts.add(tuple(raw_counts(target)))
                with connect(target) as con:  # empty it for the next measurement
                    con.execute("DELETE FROM raw.account_daily_values; DELETE FROM raw.post_records; "
                                "DELETE FROM raw.post_metric_values; DELETE FROM raw.export_files; "
                                "DELETE FROM raw.export_coverage; DELETE FROM meta.load_log")
        figures["ingest_sequential_s"] = statistics.median(one_after_another)
        figures["ingest_concurrent_s"] = statistics.median(concurrent)
        figures["ingest_same_rows"] = len(counts) == 1
    return figures


def report(f: dict[str, object]) -> str:
    return "\n".join([
        f"DuckLake (PostgreSQL catalog, local data path) vs DuckDB file: {f['accounts']} accounts x {f['days']} days",
        f"(a) generate history: file {f['generate_file_s']:.2f} s, lake {f['generate_lake_s']:.2f} s "
        f"(x{f['generate_lake_s'] / f['generate_file_s']:.2f})",
        f"    backfill kpi.daily ({f['rows']:,} rows): file {f['backfill_file_s']:.2f} s, lake "
        f"{f['backfill_lake_s']:.2f} s (x{f['backfill_lake_s'] / f['backfill_file_s']:.2f}); "
        f"rows differing beyond 1e-9: {f['rows_differing']}; peak resident memory of this process "
        f"{f['peak_backfill_mib']:,.0f} MiB (DuckDB memory_limit {f['memory_limit']})",
        f"(b) ingest {len(PLATFORMS)} platforms x {f['ingest_days']} days of demo exports into the lake, median of "
        f"{f['runs']}: one run after the other {f['ingest_sequential_s']:.2f} s, {len(PLATFORMS)} concurrent runs "
        f"{f['ingest_concurrent_s']:.2f} s (x{f['ingest_concurrent_s'] / f['ingest_sequential_s']:.2f}); "
        f"same rows: {f['ingest_same_rows']}",
    ])


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--days", type=int, default=730, help="days of history (default: 2 years)")
    parser.add_argument("--ingest-days", type=int, default=365, help="days of demo exports per platform")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--memory-limit", default="3GB",
                        help="DuckDB memory_limit of the backfill and comparison connections (they spill beyond it)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="socialkpi-ducklake-") as tmp:
        figures = run(args.accounts, args.days, args.ingest_days, args.runs, Path(tmp), args.memory_limit)
    print(report(figures))
    return figures


if __name__ == "__main__":
    main()
