"""How kpi_daily scales: a synthetic warehouse of N accounts x Y years, timed.

Prints
  (a) the 365-day backfill of kpi.daily (build_kpi_daily, the catalogue-rendered SQL) and its
      ratio to one hand-written DuckDB statement computing the same rows (checked row by row),
  (b) one new day on the full history and on a copy holding only the last 30 days (runs alternated),
  (c) the peak memory (resident set) of a process doing the 365-day backfill.
Times are the median of --runs runs; ratios compare figures measured in the same run.

    .venv/bin/python benchmarks/kpi_scale.py                      # 1,000 accounts x 2 years
    .venv/bin/python benchmarks/kpi_scale.py --accounts 12 --days 60 --runs 1
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from transforms import kpis  # noqa: E402
from transforms.core import refresh_event_spans, refresh_fact_coverage  # noqa: E402
from transforms.kpis import ReportingCurrency, build_kpi_daily, duckdb_map, write_catalogue  # noqa: E402
from warehouse.connection import connect  # noqa: E402
from warehouse.writes import refresh_account_metrics, replace_window  # noqa: E402

SQL_DIR = Path(__file__).parent / "sql"
CURRENCY = ReportingCurrency("EUR", {"USD": 0.92})
END = dt.date(2025, 12, 31)
# Tables copied into the 30-day warehouse, with the date column that bounds them.
DATED_TABLES = {"raw.account_daily_values": "date", "core.account_daily": "date", "core.web_daily": "date",
                "core.ads_daily": "date", "core.mentions_daily": "date", "core.reviews": "created_date",
                "core.survey_responses": "responded_date"}
WHOLE_TABLES = ("core.accounts", "core.follower_anchors")


def statements(name: str) -> list[str]:
    """The statements of a .sql file whose statements are separated by a line holding only ';'."""
    text = (SQL_DIR / name).read_text(encoding="utf-8")
    return [s.strip() for s in text.split("\n;\n") if s.strip()]


def generate(con: duckdb.DuckDBPyConnection, accounts: int, start: dt.date, end: dt.date) -> dict[str, int]:
    """Fill an empty migrated warehouse with the synthetic accounts and business facts."""
    params = {"accounts": accounts, "start": start, "end": end}
    for statement in statements("kpi_scale_generate.sql"):
        con.execute(statement, {k: v for k, v in params.items() if f"${k}" in statement})
    refresh_summaries(con)
    return {table: con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
            for table in (*DATED_TABLES, *WHOLE_TABLES)}


def refresh_summaries(con: duckdb.DuckDBPyConnection) -> None:
    """The summaries landing and the core rebuilds keep up to date, for facts written straight by SQL."""
    refresh_account_metrics(con)
    refresh_fact_coverage(con)
    refresh_event_spans(con)


def handwritten_params() -> dict[str, object]:
    return {"rates": CURRENCY.rate_map(), "reporting": CURRENCY.code,
            "revenue_currency": duckdb_map(CURRENCY.web_revenue)}


def build_handwritten(con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date) -> int:
    sql = (SQL_DIR / "kpi_daily_handwritten.sql").read_text(encoding="utf-8")
    return replace_window(con, "kpi.daily", "date", start, end, sql, handwritten_params())


def timed(action: Callable[[], object], runs: int) -> tuple[float, object]:
    """Median wall time of `runs` calls, and the last call's result."""
    times, result = [], None
    for _ in range(runs):
        began = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - began)
    return statistics.median(times), result


def alternated(actions: dict[str, Callable[[], object]], runs: int) -> dict[str, float]:
    """Median wall time of each action over `runs` rounds in which the actions take turns (after
    one untimed call each), so a machine load that changes meanwhile weighs on all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(runs + 1):
        for name, action in actions.items():
            began = time.perf_counter()
            action()
            times[name].append(time.perf_counter() - began)
    return {name: statistics.median(spent[1:]) for name, spent in times.items()}


def snapshot_rows(con: duckdb.DuckDBPyConnection, table: str) -> None:
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM kpi.daily")


def mismatches(con: duckdb.DuckDBPyConnection, left: str, right: str) -> tuple[int, int, list[tuple]]:
    """Rows of `left` and `right` (keys, values) that differ beyond 1e-9 relative; and the row count."""
    close = ("(l.{c} IS NULL AND r.{c} IS NULL) OR abs(l.{c} - r.{c}) <= 1e-9 * greatest(1, abs(l.{c}))")
    same = " AND ".join(f"({close.format(c=c)})" for c in ("value", "numerator", "denominator"))
    rows = con.execute(f"""
        SELECT coalesce(l.date, r.date), coalesce(l.platform, r.platform), coalesce(l.account_id, r.account_id),
               coalesce(l.kpi, r.kpi), l.value, r.value
        FROM {left} AS l
        FULL OUTER JOIN {right} AS r USING (date, brand_id, platform, account_id, kpi)
        WHERE l.kpi IS NULL OR r.kpi IS NULL OR NOT ({same})
        ORDER BY ALL""").fetchall()
    total = con.execute(f"SELECT count(*) FROM {left}").fetchall()[0][0]
    return len(rows), total, rows[:5]


def copy_last_days(source: Path, destination: Path, first_day: dt.date) -> None:
    """A warehouse holding only the facts from `first_day` on (accounts and anchors in full)."""
    with connect(destination) as con:
        con.execute("ATTACH '" + str(source).replace("'", "''") + "' AS source (READ_ONLY)")
        try:
            for table in WHOLE_TABLES:
                con.execute(f"INSERT INTO {table} SELECT * FROM source.{table}")
            for table, column in DATED_TABLES.items():
                con.execute(f"INSERT INTO {table} SELECT * FROM source.{table} WHERE {column} >= ?", [first_day])
        finally:
            con.execute("DETACH source")
        refresh_summaries(con)
        write_catalogue(con)


def peak_rss_mib() -> float:
    """This process's peak resident set size.

    Linux: VmHWM of /proc/self/status, which starts afresh at exec (getrusage's ru_maxrss keeps
    the high-water mark of the forking parent); elsewhere ru_maxrss.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_memory_child(database: Path, window: tuple[dt.date, dt.date] | None, chunk_days: int | None) -> None:
    """Run in a child process: open the warehouse (and backfill `window`, `chunk_days` per
    transaction), print the peak RSS and the backfill's time as JSON."""
    if chunk_days:
        kpis.KPI_CHUNK_DAYS = chunk_days
    with connect(database) as con:
        began = time.perf_counter()
        if window:
            build_kpi_daily(con, window[0], window[1], CURRENCY)
        seconds = time.perf_counter() - began
    print(json.dumps({"peak_mib": peak_rss_mib(), "seconds": seconds}))


def measure_peak_memory(database: Path, start: dt.date, end: dt.date) -> dict[str, dict[str, float]]:
    """Peak RSS (MiB) and time of a process doing the backfill with the memory policy
    (kpis.KPI_CHUNK_DAYS per transaction), of one doing it in one transaction (before the
    policy), and of one that only opens the warehouse."""
    runs = {"policy": ((start, end), kpis.KPI_CHUNK_DAYS), "one_transaction": ((start, end), 100_000),
            "idle": (None, None)}
    figures = {}
    for name, (window, chunk_days) in runs.items():
        args = [sys.executable, __file__, "--peak-memory-child", str(database), str(chunk_days or 0)]
        if window:
            args += [window[0].isoformat(), window[1].isoformat()]
        output = subprocess.run(args, check=True, capture_output=True, text=True).stdout
        figures[name] = json.loads(output.strip().splitlines()[-1])
    return figures


def run(accounts: int, days: int, runs: int, folder: Path) -> dict[str, object]:
    start = END - dt.timedelta(days=days - 1)
    backfill_start = END - dt.timedelta(days=min(365, days) - 1)
    full = folder / "full.duckdb"
    with connect(full) as con:
        threads = con.execute("SELECT current_setting('threads')").fetchall()[0][0]
        began = time.perf_counter()
        counts = generate(con, accounts, start, END)
        generated_s = time.perf_counter() - began
        write_catalogue(con)
        template_s, template_rows = timed(lambda: build_kpi_daily(con, backfill_start, END, CURRENCY), runs)
        snapshot_rows(con, "bench_template_rows")
        handwritten_s, handwritten_rows = timed(lambda: build_handwritten(con, backfill_start, END), runs)
        snapshot_rows(con, "bench_handwritten_rows")
        differing, compared, examples = mismatches(con, "bench_template_rows", "bench_handwritten_rows")
        build_kpi_daily(con, backfill_start, END, CURRENCY)  # leave the template's rows in place
    recent = folder / "recent.duckdb"
    copy_last_days(full, recent, END - dt.timedelta(days=30))
    with connect(full) as full_con, connect(recent) as recent_con:
        new_day = alternated({"full": lambda: build_kpi_daily(full_con, END, END, CURRENCY),
                              "recent": lambda: build_kpi_daily(recent_con, END, END, CURRENCY)}, runs)
    new_day_full_s, new_day_recent_s = new_day["full"], new_day["recent"]
    peaks = measure_peak_memory(full, backfill_start, END)
    return {
        "accounts": accounts, "days": days, "runs": runs, "threads": threads, "counts": counts,
        "generated_s": generated_s, "backfill_days": (END - backfill_start).days + 1,
        "template_s": template_s, "template_rows": template_rows,
        "handwritten_s": handwritten_s, "handwritten_rows": handwritten_rows,
        "rows_compared": compared, "rows_differing": differing, "examples": examples,
        "new_day_full_s": new_day_full_s, "new_day_recent_s": new_day_recent_s,
        "peak_backfill_mib": peaks["policy"]["peak_mib"], "backfill_policy_s": peaks["policy"]["seconds"],
        "peak_one_transaction_mib": peaks["one_transaction"]["peak_mib"],
        "backfill_one_transaction_s": peaks["one_transaction"]["seconds"], "peak_idle_mib": peaks["idle"]["peak_mib"],
    }


def report(figures: dict[str, object]) -> str:
    f = figures
    counts = ", ".join(f"{table} {n:,}" for table, n in f["counts"].items())
    lines = [
        f"kpi_scale: {f['accounts']} accounts x {f['days']} days, DuckDB {duckdb.__version__}, "
        f"{f['threads']} threads, median of {f['runs']} run(s)",
        f"  generated in {f['generated_s']:.1f} s: {counts}",
        f"(a) {f['backfill_days']}-day backfill of kpi.daily: {f['template_s']:.2f} s "
        f"({f['template_rows']:,} rows)",
        f"    hand-written single statement: {f['handwritten_s']:.2f} s ({f['handwritten_rows']:,} rows); "
        f"ratio catalogue SQL / hand-written = {f['template_s'] / f['handwritten_s']:.2f}",
        f"    same rows: {f['rows_compared'] - f['rows_differing']:,} of {f['rows_compared']:,} identical"
        + (f"; {f['rows_differing']} differ, e.g. {f['examples']}" if f["rows_differing"] else ""),
        f"(b) one new day, {f['days']} days of history: {f['new_day_full_s'] * 1000:.0f} ms; "
        f"30 days of history: {f['new_day_recent_s'] * 1000:.0f} ms; "
        f"ratio = {f['new_day_full_s'] / f['new_day_recent_s']:.2f} (target <= 1.2)",
        f"(c) peak resident memory of a process doing the backfill, {kpis.KPI_CHUNK_DAYS} days per transaction: "
        f"{f['peak_backfill_mib']:.0f} MiB in {f['backfill_policy_s']:.2f} s (target <= 1,024 MiB); "
        f"in one transaction: {f['peak_one_transaction_mib']:.0f} MiB in {f['backfill_one_transaction_s']:.2f} s; "
        f"time ratio = {f['backfill_policy_s'] / f['backfill_one_transaction_s']:.2f} (target <= 1.2); "
        f"opening the warehouse alone: {f['peak_idle_mib']:.0f} MiB",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--days", type=int, default=730, help="days of history (default: 2 years)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", type=Path, help="keep the warehouses in this folder (default: a temporary one)")
    parser.add_argument("--peak-memory-child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.peak_memory_child:
        database, chunk_days, *window = args.peak_memory_child
        peak_memory_child(Path(database), (dt.date.fromisoformat(window[0]), dt.date.fromisoformat(window[1]))
                          if window else None, int(chunk_days))
        return {}
    if args.dir:
        args.dir.mkdir(parents=True, exist_ok=True)
        figures = run(args.accounts, args.days, args.runs, args.dir)
    else:
        with tempfile.TemporaryDirectory(prefix="kpi_scale_") as folder:
            figures = run(args.accounts, args.days, args.runs, Path(folder))
    print(report(figures))
    return figures


if __name__ == "__main__":
    main()
