"""How fast the drop folder lands: native export files -> raw -> core, timed against DuckDB alone.

The generator writes native-format files (as the platforms export them, with their quirks):
  - X Premium `account_overview_analytics.csv` per X account (one row per day, newest first,
    "Fri, Mar 21, 2025" dates, "1,234" thousands separators, "-" and empty placeholders);
  - six Meta Business Suite daily metric files per Facebook account (UTF-16LE with BOM, `sep=,`,
    title line, quoted "YYYY-MM-DDT00:00:00" dates, some empty cells);
  - one large Meta per-post "Content" export (UTF-8 with BOM, "Lifetime", MM/DD/YYYY times).

Prints
  (a) ingest_drop_folder + build_core over the whole drop folder: seconds, file rows/s, values/s;
  (b) DuckDB's own `read_csv` + `INSERT` of the same files (typed, thousands=',', placeholders as
      NULL; one INSERT per file, as the pipeline lands one file per transaction) and the ratio;
  (c) time and peak resident memory of a fresh process landing one large per-post file (see
      --memory-mb; read by DuckDB in the pipeline), and the ratio to DuckDB's read_csv of it.
Times are the median of --runs runs, each into a fresh warehouse; ratios compare figures of the
same run.

    .venv/bin/python benchmarks/ingest_exports.py                         # 40 + 40 accounts x 2 years
    .venv/bin/python benchmarks/ingest_exports.py --accounts 500 --posts 0 --runs 1 --memory-mb 0
                                                           # 1,000 accounts x 2 years (3.5 min)
    .venv/bin/python benchmarks/ingest_exports.py --accounts 2 --days 30 --posts 200 --runs 1
    .venv/bin/python benchmarks/ingest_exports.py --memory-mb 1024        # the full 1 GB file
    .venv/bin/python benchmarks/ingest_exports.py --accounts 0 --posts 0  # (c) alone, median of 3
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import random
import resource
import shutil
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

from connectors.base import load_connectors  # noqa: E402
from ingest.drop_folder import ingest_drop_folder  # noqa: E402
from transforms.core import build_core  # noqa: E402
from warehouse.connection import connect  # noqa: E402

END = dt.date(2025, 12, 31)
X_HEADER = ["Date", "Impressions", "Likes", "Engagements", "Bookmarks", "Shares", "New follows", "Unfollows",
            "Replies", "Reposts", "Profile visits", "Create Post", "Video views", "Media views"]
META_DAILY = {"Reach.csv": "Facebook reach", "Views.csv": "Views", "Follows.csv": "Facebook follows",
              "Interactions.csv": "Content interactions", "Visits.csv": "Facebook visits",
              "Link clicks.csv": "Link clicks"}
POST_HEADER = ["Post ID", "Page ID", "Page name", "Title", "Description", "Duration (sec)", "Publish time",
               "Caption type", "Permalink", "Is crosspost", "Is share", "Post type", "Languages",
               "Custom labels", "Funded content status", "Data comment", "Date", "Views", "Reach",
               "Reactions, Comments and Shares", "Reactions", "Comments", "Shares", "Total clicks"]
POST_KINDS = ("Photos", "Links", "Reels", "Videos", "Text")


# --------------------------------------------------------------------------------------------
# Synthetic native files
# --------------------------------------------------------------------------------------------


def _csv(rows: list[list[object]], *, quote_all: bool = False) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
               lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def _count(rng: random.Random, low: int, high: int) -> str:
    """A count as X writes it: mostly plain, sometimes with a thousands separator or a placeholder."""
    roll = rng.random()
    if roll < 0.01:
        return "-"
    if roll < 0.02:
        return ""
    value = rng.randint(low, high)
    return f"{value:,}" if value >= 1000 and roll < 0.5 else str(value)


def write_x_overview(folder: Path, days: list[dt.date], rng: random.Random) -> int:
    rows: list[list[object]] = [X_HEADER]
    for day in reversed(days):
        rows.append([day.strftime("%a, %b %d, %Y").replace(" 0", " "), _count(rng, 900, 40_000),
                     *(_count(rng, 0, 400) for _ in X_HEADER[2:])])
    (folder / "account_overview_analytics.csv").write_text(_csv(rows), encoding="utf-8")
    return len(days)


def write_meta_daily(folder: Path, days: list[dt.date], rng: random.Random) -> int:
    for name, title in META_DAILY.items():
        rows = [["Date", "Primary"]] + [[f"{day.isoformat()}T0{rng.choice('01')}:00:00",
                                         "" if rng.random() < 0.01 else str(rng.randint(0, 9000))]
                                        for day in days]
        text = "sep=,\n" + _csv([[title]], quote_all=True) + _csv(rows, quote_all=True)
        (folder / name).write_bytes(text.encode("utf-16"))
    return len(days) * len(META_DAILY)


def post_rows(page_id: str, start: int, count: int, days: list[dt.date], rng: random.Random) -> list[list[object]]:
    rows: list[list[object]] = []
    for n in range(start, start + count):
        day = days[n % len(days)]
        views = rng.randint(800, 90_000)
        likes, comments, shares = rng.randint(10, 400), rng.randint(0, 40), rng.randint(0, 60)
        rows.append([f"{page_id[-6:]}{n:010d}", page_id, "Acme", f"Acme update #{n}",
                     f"Acme update #{n}\nMore at acme.example, with a longer caption line", 0,
                     f"{day:%m/%d/%Y} {rng.randint(8, 20):02d}:{rng.randint(0, 59):02d}", "N/A",
                     f"https://www.facebook.com/{page_id}/posts/{n}", 0, 0, rng.choice(POST_KINDS), "", "", "",
                     "", "Lifetime", views, "" if rng.random() < 0.01 else int(views * 0.6),
                     likes + comments + shares, likes, comments, shares, rng.randint(0, 120)])
    return rows


def write_meta_posts(path: Path, page_id: str, posts: int, days: list[dt.date], rng: random.Random,
                     target_bytes: int | None = None) -> int:
    """A per-post export of `posts` rows (or, with target_bytes, of as many rows as fill that size)."""
    written = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        handle.write(_csv([POST_HEADER]))
        while (written < posts) if target_bytes is None else (handle.tell() < target_bytes):
            batch = 5000 if target_bytes is not None else min(5000, posts - written)
            handle.write(_csv(post_rows(page_id, written, batch, days, rng)))
            written += batch
    return written


def generate(exports: Path, accounts: int, days: int, posts: int, seed: int = 7) -> dict[str, int]:
    rng = random.Random(seed)
    span = [END - dt.timedelta(days=days - 1 - i) for i in range(days)]
    counts = {"files": 0, "file_rows": 0}
    for i in range(accounts):
        x_folder = exports / "x" / f"brand{i:04d}"
        fb_folder = exports / "facebook" / f"1000000{i:08d}"
        x_folder.mkdir(parents=True)
        fb_folder.mkdir(parents=True)
        counts["file_rows"] += write_x_overview(x_folder, span, rng) + write_meta_daily(fb_folder, span, rng)
        counts["files"] += 1 + len(META_DAILY)
    if posts:
        big = exports / "facebook" / "100000099999999"
        big.mkdir(parents=True)
        name = f"{span[0]:%b-%d-%Y}_{span[-1]:%b-%d-%Y}_100000099999999.csv"
        counts["file_rows"] += write_meta_posts(big / name, "100000099999999", posts, span, rng)
        counts["files"] += 1
    return counts


# --------------------------------------------------------------------------------------------
# Timed runs
# --------------------------------------------------------------------------------------------


def land_pipeline(exports: Path, database: Path, start: dt.date) -> tuple[float, float, int]:
    """ingest_drop_folder + build_core into a fresh warehouse: (ingest s, core s, raw values)."""
    with connect(database) as con:
        began = time.perf_counter()
        outcomes = ingest_drop_folder(con, exports, load_connectors(), {}, "UTC")
        ingested = time.perf_counter()
        build_core(con, start, END)
        core_s = time.perf_counter() - ingested
        bad = [o for o in outcomes if o.status != "loaded"]
        if bad:
            raise RuntimeError(f"benchmark files did not load: {bad[:3]}")
        values = sum(o.records for o in outcomes)
    return ingested - began, core_s, values


def _csv_options(path: Path) -> str:
    if path.name in META_DAILY:
        return "encoding = 'utf-16', skip = 2, header = true, nullstr = ''"
    return "header = true, thousands = ',', nullstr = ['-', '']"


def land_duckdb(exports: Path, database: Path) -> tuple[float, int]:
    """DuckDB's read_csv + INSERT of the same files, one INSERT per file: (seconds, rows)."""
    files = sorted(p for p in exports.rglob("*") if p.is_file())
    with duckdb.connect(str(database)) as con:
        began = time.perf_counter()
        tables: dict[str, str] = {}
        for path in files:
            kind = "meta_daily" if path.name in META_DAILY else path.parent.parent.name + "_" + (
                "overview" if path.name.startswith("account_overview") else "posts")
            options = _csv_options(path)
            if kind not in tables:
                tables[kind] = f"bench_{kind}"
                con.execute(f"CREATE TABLE {tables[kind]} AS SELECT * FROM read_csv(?, {options}) LIMIT 0",
                            [str(path)]).fetchall()
            con.execute(f"INSERT INTO {tables[kind]} BY NAME SELECT * FROM read_csv(?, {options})",
                        [str(path)]).fetchall()
        elapsed = time.perf_counter() - began
        rows = sum(con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in tables.values())
    return elapsed, rows


def peak_rss_mib() -> float:
    """Peak RSS of this process (VmHWM starts afresh at exec; ru_maxrss elsewhere)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory_child(exports: Path, database: Path) -> None:
    """Run in a fresh process: land the drop folder, print peak RSS and time as JSON."""
    began = time.perf_counter()
    with connect(database) as con:
        outcomes = ingest_drop_folder(con, exports, load_connectors(), {}, "UTC")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"peak_mib": peak_rss_mib(), "seconds": time.perf_counter() - began,
                      "cpu_s": usage.ru_utime + usage.ru_stime,  # all threads, start-up included
                      "records": sum(o.records for o in outcomes),
                      "statuses": sorted({o.status for o in outcomes})}))


def measure_memory(folder: Path, megabytes: int, days: int, runs: int = 1) -> dict[str, object]:
    """(c): the file is written once, then landed by a fresh process and read by DuckDB alone, `runs`
    times in turn; medians of the times, the highest peak RSS."""
    exports = folder / "memory_exports"
    big = exports / "facebook" / "100000099999999"
    big.mkdir(parents=True)
    span = [END - dt.timedelta(days=days - 1 - i) for i in range(days)]
    path = big / "posts.csv"
    posts = write_meta_posts(path, "100000099999999", 0, span, random.Random(3), target_bytes=megabytes << 20)
    size = path.stat().st_size
    landed: list[dict[str, object]] = []
    duckdb_s: list[float] = []
    for _ in range(runs):
        child = [sys.executable, __file__, "--memory-child", str(exports), str(folder / "memory.duckdb")]
        output = subprocess.run(child, check=True, capture_output=True, text=True).stdout
        landed.append(json.loads(output.strip().splitlines()[-1]))
        (folder / "memory.duckdb").unlink()
        # DuckDB alone on the same file, into a fresh database (the baseline of the ratio)
        with duckdb.connect(str(folder / "memory_duckdb.duckdb")) as con:
            began = time.perf_counter()
            con.execute("CREATE TABLE posts AS SELECT * FROM read_csv(?, header = true)", [str(path)]).fetchall()
            duckdb_s.append(time.perf_counter() - began)
        (folder / "memory_duckdb.duckdb").unlink()
    shutil.rmtree(exports)
    seconds = [float(run["seconds"]) for run in landed]
    return {"file_mib": size / (1 << 20), "posts": posts, "runs": runs, **landed[0],
            "peak_mib": max(float(run["peak_mib"]) for run in landed), "seconds": statistics.median(seconds),
            "cpu_s": statistics.median(float(run["cpu_s"]) for run in landed),
            "duckdb_s": statistics.median(duckdb_s),
            "ratios": [s / d for s, d in zip(seconds, duckdb_s, strict=True)]}


def run(accounts: int, days: int, posts: int, runs: int, memory_mb: int, folder: Path) -> dict[str, object]:
    if accounts == 0 and posts == 0:  # (c) alone
        return {"runs": runs, "memory": measure_memory(folder, memory_mb, days, runs)}
    exports = folder / "exports"
    began = time.perf_counter()
    counts = generate(exports, accounts, days, posts)
    generated_s = time.perf_counter() - began
    size = sum(p.stat().st_size for p in exports.rglob("*") if p.is_file())
    start = END - dt.timedelta(days=days - 1)
    pipeline, baseline = [], []
    values = duck_rows = 0
    for n in range(runs):
        ingest_s, core_s, values = land_pipeline(exports, folder / f"pipeline{n}.duckdb", start)
        pipeline.append((ingest_s, core_s))
        seconds, duck_rows = land_duckdb(exports, folder / f"duckdb{n}.duckdb")
        baseline.append(seconds)
        (folder / f"pipeline{n}.duckdb").unlink()
        (folder / f"duckdb{n}.duckdb").unlink()
    figures: dict[str, object] = {
        "accounts": accounts, "days": days, "posts": posts, "runs": runs, **counts,
        "mib": size / (1 << 20), "generated_s": generated_s, "values": values, "duckdb_rows": duck_rows,
        "ingest_s": statistics.median(i for i, _ in pipeline), "core_s": statistics.median(c for _, c in pipeline),
        "pipeline_s": statistics.median(i + c for i, c in pipeline), "duckdb_s": statistics.median(baseline),
    }
    figures["ratio"] = figures["pipeline_s"] / figures["duckdb_s"]
    if memory_mb:
        figures["memory"] = measure_memory(folder, memory_mb, days, runs)
    return figures


def report(figures: dict[str, object]) -> str:
    f = figures
    lines = [] if "accounts" not in f else [
        f"ingest_exports: {f['accounts']} X + {f['accounts']} Facebook accounts x {f['days']} days + "
        f"{f['posts']:,} posts; DuckDB {duckdb.__version__}; median of {f['runs']} run(s)",
        f"  generated {f['files']:,} files, {f['mib']:.1f} MiB, {f['file_rows']:,} file rows in "
        f"{f['generated_s']:.1f} s",
        f"(a) drop folder -> core: {f['pipeline_s']:.2f} s (ingest_drop_folder {f['ingest_s']:.2f} s + "
        f"build_core {f['core_s']:.2f} s); {f['file_rows'] / f['pipeline_s']:,.0f} file rows/s, "
        f"{f['values'] / f['pipeline_s']:,.0f} raw values/s ({f['values']:,} values)",
        f"(b) DuckDB read_csv + INSERT of the same files: {f['duckdb_s']:.2f} s "
        f"({f['duckdb_rows']:,} rows, {f['duckdb_rows'] / f['duckdb_s']:,.0f} rows/s); "
        f"ratio pipeline / DuckDB = {f['ratio']:.2f} (target <= 1.5)",
    ]
    if "memory" in f:
        m = f["memory"]
        lines.append(
            f"(c) one per-post file of {m['file_mib']:.0f} MiB ({m['posts']:,} posts, {m['records']:,} records), "
            f"median of {m['runs']} run(s); DuckDB {duckdb.__version__}: "
            f"peak RSS {m['peak_mib']:.0f} MiB, landed in {m['seconds']:.1f} s (CPU {m['cpu_s']:.1f} s) "
            f"({m['file_mib'] / m['seconds']:.1f} MiB/s; target <= 1024 MiB for a 1 GiB file); DuckDB read_csv of "
            f"the same file {m['duckdb_s']:.1f} s: ratio = {m['seconds'] / m['duckdb_s']:.2f} (target <= 4; "
            f"per run {', '.join(f'{r:.2f}' for r in m['ratios'])})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=40, help="X accounts, and as many Facebook pages")
    parser.add_argument("--days", type=int, default=730, help="days per daily file (default: 2 years)")
    parser.add_argument("--posts", type=int, default=100_000, help="rows of the large per-post file")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--memory-mb", type=int, default=256,
                        help="size of the per-post file for the peak-memory run (0: skip; 1024: the full 1 GiB)")
    parser.add_argument("--dir", type=Path, help="work in this folder (default: a temporary one)")
    parser.add_argument("--memory-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child:
        memory_child(Path(args.memory_child[0]), Path(args.memory_child[1]))
        return {}
    if args.dir:
        args.dir.mkdir(parents=True, exist_ok=True)
        figures = run(args.accounts, args.days, args.posts, args.runs, args.memory_mb, args.dir)
    else:
        with tempfile.TemporaryDirectory(prefix="ingest_exports_") as folder:
            figures = run(args.accounts, args.days, args.posts, args.runs, args.memory_mb, Path(folder))
    print(report(figures))
    return figures


if __name__ == "__main__":
    main()
