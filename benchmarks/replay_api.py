"""How fast `replay` re-normalises landed API pages, timed against DuckDB's read_json of them.

The generator writes Graph-API-shaped Facebook Page Insights pages (`/{page-id}/insights`,
period=day, at most 90 days per call, values stamped with Meta's end-of-day `end_time`) for
--accounts pages x --days days, one backfill pull per account, straight into raw.api_pages (as
land_api_pull stores them) and into a JSON-lines file holding the same pages.

Prints
  (a) ingest.api.replay over the whole year: seconds, pages/s, values/s;
  (b) DuckDB alone: `read_json` of the same pages, unnested to one row per (account, metric, day)
      and INSERTed into a table; and the ratio (a) / (b).
Times are the median of --runs runs; (a) re-runs on the same warehouse (replay replaces the
values it lands, so every run does the same work).

    .venv/bin/python benchmarks/replay_api.py                          # 1,000 accounts x 1 year
    .venv/bin/python benchmarks/replay_api.py --accounts 5 --days 30 --runs 1
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from connectors.base import load_connectors  # noqa: E402
from ingest.api import replay  # noqa: E402
from warehouse.connection import connect  # noqa: E402
from warehouse.writes import insert_frame  # noqa: E402

END = dt.date(2025, 12, 31)
METRICS = ("page_media_view", "page_follows", "page_total_media_view_unique", "page_post_engagements")
CHUNK_DAYS = 90
API = "https://graph.facebook.com/v25.0"


def pages_of(account_id: str, start: dt.date, end: dt.date, fetched_at: dt.datetime,
             rng: random.Random) -> list[dict[str, object]]:
    """raw.api_pages rows of one backfill pull: one insights page per 90-day chunk."""
    rows = []
    chunk_start = start
    while chunk_start <= end:
        chunk_end = min(end, chunk_start + dt.timedelta(days=CHUNK_DAYS - 1))
        days = (chunk_end - chunk_start).days + 1
        data = [{
            "name": metric, "period": "day", "title": metric.replace("_", " ").title(),
            "id": f"{account_id}/insights/{metric}/day",
            "values": [{"value": rng.randint(0, 50_000),
                        "end_time": f"{chunk_start + dt.timedelta(days=i + 1)}T08:00:00+0000"}
                       for i in range(days)],
        } for metric in METRICS]
        params = {"metric": ",".join(METRICS), "period": "day", "since": chunk_start.isoformat(),
                  "until": (chunk_end + dt.timedelta(days=1)).isoformat()}
        rows.append({"platform": "facebook", "account_id": account_id, "window_start": start, "window_end": end,
                     "page_no": len(rows), "endpoint": f"{API}/{account_id}/insights",
                     "params": json.dumps(params, sort_keys=True), "status": 200,
                     "body": json.dumps({"data": data, "paging": {}}), "fetched_at": fetched_at})
        chunk_start = chunk_end + dt.timedelta(days=1)
    return rows


def generate(database: Path, jsonl: Path, accounts: int, days: int, seed: int = 11) -> dict[str, int]:
    rng = random.Random(seed)
    start = END - dt.timedelta(days=days - 1)
    fetched = dt.datetime.combine(END + dt.timedelta(days=1), dt.time(3))
    counts = {"pages": 0, "values": 0}
    with connect(database) as con, jsonl.open("w", encoding="utf-8") as out:
        batch: list[dict[str, object]] = []
        for n in range(accounts):
            rows = pages_of(f"1{n:014d}", start, END, fetched + dt.timedelta(seconds=n), rng)
            for row in rows:
                out.write(json.dumps({"account_id": row["account_id"], "body": json.loads(row["body"])}) + "\n")
            batch += rows
            counts["pages"] += len(rows)
            counts["values"] += days * len(METRICS)
            if len(batch) >= 2000 or n == accounts - 1:
                insert_frame(con, "raw.api_pages", pd.DataFrame(batch))
                batch = []
    return counts


def replay_once(database: Path, days: int) -> tuple[float, int]:
    start = END - dt.timedelta(days=days - 1)
    with connect(database) as con:
        began = time.perf_counter()
        landed = replay(con, load_connectors(), start, END, {}, "UTC")
        elapsed = time.perf_counter() - began
    return elapsed, sum(landed.values())


def duckdb_once(jsonl: Path, database: Path) -> tuple[float, int]:
    """read_json of the same pages, unnested to one row per value, INSERTed into a table."""
    with duckdb.connect(str(database)) as con:
        con.execute("CREATE OR REPLACE TABLE values_long (account_id VARCHAR, date DATE, metric VARCHAR, "
                    "value DOUBLE)").fetchall()
        began = time.perf_counter()
        con.execute("""
            INSERT INTO values_long
            SELECT account_id, CAST(left(CAST(v.end_time AS VARCHAR), 10) AS DATE) - 1, d.name, v.value
            FROM (SELECT account_id, unnest(body.data) AS d FROM read_json(?, format = 'newline_delimited'))
            CROSS JOIN LATERAL (SELECT unnest(d."values") AS v)""", [str(jsonl)]).fetchall()
        elapsed = time.perf_counter() - began
        rows = con.execute("SELECT count(*) FROM values_long").fetchall()[0][0]
    return elapsed, rows


def run(accounts: int, days: int, runs: int, folder: Path) -> dict[str, object]:
    database, jsonl = folder / "replay.duckdb", folder / "pages.jsonl"
    began = time.perf_counter()
    counts = generate(database, jsonl, accounts, days)
    generated_s = time.perf_counter() - began
    replays, baselines = [], []
    landed = duck_rows = 0
    for _ in range(runs):
        seconds, landed = replay_once(database, days)
        replays.append(seconds)
        seconds, duck_rows = duckdb_once(jsonl, folder / "baseline.duckdb")
        baselines.append(seconds)
    figures: dict[str, object] = {
        "accounts": accounts, "days": days, "runs": runs, **counts, "generated_s": generated_s,
        "jsonl_mib": jsonl.stat().st_size / (1 << 20), "landed": landed, "duckdb_rows": duck_rows,
        "replay_s": statistics.median(replays), "duckdb_s": statistics.median(baselines),
    }
    figures["ratio"] = figures["replay_s"] / figures["duckdb_s"]
    return figures


def report(figures: dict[str, object]) -> str:
    f = figures
    return "\n".join([
        f"replay_api: {f['accounts']:,} Facebook pages x {f['days']} days, DuckDB {duckdb.__version__}, "
        f"median of {f['runs']} run(s)",
        f"  generated {f['pages']:,} insights pages ({f['jsonl_mib']:.0f} MiB as JSON lines), "
        f"{f['values']:,} values, in {f['generated_s']:.1f} s",
        f"(a) replay: {f['replay_s']:.2f} s, {f['pages'] / f['replay_s']:,.0f} pages/s, "
        f"{f['landed'] / f['replay_s']:,.0f} values/s ({f['landed']:,} records)",
        f"(b) DuckDB read_json + unnest + INSERT of the same pages: {f['duckdb_s']:.2f} s "
        f"({f['duckdb_rows']:,} rows); ratio replay / DuckDB = {f['ratio']:.2f} (target <= 1.5)",
    ])


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", type=Path, help="work in this folder (default: a temporary one)")
    args = parser.parse_args(argv)
    if args.dir:
        args.dir.mkdir(parents=True, exist_ok=True)
        figures = run(args.accounts, args.days, args.runs, args.dir)
    else:
        with tempfile.TemporaryDirectory(prefix="replay_api_") as folder:
            figures = run(args.accounts, args.days, args.runs, Path(folder))
    print(report(figures))
    return figures


if __name__ == "__main__":
    main()
