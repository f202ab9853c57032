"""How much of a run is overhead: wall time against the time spent in the steps that land and build.

(a) `socialkpi run` in a fresh process over the demo (--days, default 548 = 18 months, 3 accounts,
    every file landed by this run), from process start to exit, against the sum of its asset
    steps (export_files landing, core and KPI SQL, snapshot, report) read from the run's events
    in the Dagster instance;
(b) a --backfill-days (default 7) backfill of kpi_daily launched over GraphQL against `dagster
    dev` on 127.0.0.1 (what the UI's "Launch backfill" sends), from launch to the backfill's
    completion, against the kpi_daily step of its run(s); also how many runs it took, and where
    the time went: the backfill daemon's wait for its next tick before and after the run (30 s
    ticks in Dagster 1.13, not configurable), the run queue and worker start, the run itself;
(c) with --real-exports: `socialkpi run` over the 548 days (18 months) up to the last day of the
    real-export brand of tests/pipelines/real_brand.py (X, TikTok, YouTube, Facebook files from
    the corpus, ../shared/fixtures/real-exports by default). Target: under 60 s.

The step time includes what Dagster does inside a step (resource set-up, events), so the ratio
understates the overhead a little. Target: ratio <= 1.5 for (a). No timing is asserted anywhere.

    .venv/bin/python benchmarks/run_overhead.py
    .venv/bin/python benchmarks/run_overhead.py --days 90 --skip-ui
    .venv/bin/python benchmarks/run_overhead.py --days 30 --skip-ui --real-exports
    git archive main | tar -x -C /tmp/before && .venv/bin/python benchmarks/run_overhead.py --before /tmp/before
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

import dagster as dg  # noqa: E402
import requests  # noqa: E402

from pipelines.build import REFRESH_JOB  # noqa: E402
from pipelines.demo import DEMO_TIMEZONE, write_demo  # noqa: E402
from pipelines.run_summary import step_times  # noqa: E402
from pipelines.runner import PLANNED_EVENTS_ENV  # noqa: E402
from pipelines.schedules import local_day  # noqa: E402
from tests.corpus import DEFAULT_CORPUS  # noqa: E402
from tests.pipelines.real_brand import ACCOUNTS as REAL_ACCOUNTS  # noqa: E402
from tests.pipelines.real_brand import END as REAL_END  # noqa: E402
from tests.pipelines.real_brand import START as REAL_START  # noqa: E402
from tests.pipelines.real_brand import write_real_brand  # noqa: E402

SOCIALKPI = Path(sys.executable).parent / "socialkpi"
DAGSTER = Path(sys.executable).parent / "dagster"
TARGET_RATIO = 1.5
LAUNCH = """
mutation Launch($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message } } }"""
STATUS = """
query Backfill($id: String!) { partitionBackfillOrError(backfillId: $id) {
  ... on PartitionBackfill { status runs(limit: 50) { runId status } } } }"""


def step_seconds(instance: dg.DagsterInstance, run_id: str, only: set[str] | None = None) -> dict[str, float]:
    """Seconds from STEP_START to STEP_SUCCESS/FAILURE of each step of a run."""
    return {s.step: s.seconds for s in step_times(instance.all_logs(run_id))
            if s.status != "skipped" and (not only or s.step in only)}


def measure_cli(folder: Path, home: Path, start: dt.date, end: dt.date,
                source: Path | None = None) -> dict[str, object]:
    """(a); with `source`, the `socialkpi` of the project's code in that folder instead of this checkout's."""
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    program = [str(SOCIALKPI)]
    if source is not None:  # its modules first on the path (the instance class in dagster.yaml too)
        env["PYTHONPATH"] = str(source)
        program = [sys.executable, "-m", "pipelines.cli"]
    began = time.perf_counter()
    done = subprocess.run([*program, "run", "--config", str(folder / "socialkpi.yaml"),
                           "--start", str(start), "--end", str(end)], env=env, capture_output=True, text=True,
                          cwd=source)
    wall = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"socialkpi run failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    with dg.DagsterInstance.from_config(str(home)) as instance:
        [run] = instance.get_runs(filters=dg.RunsFilter(job_name=REFRESH_JOB), limit=1)
        steps = step_seconds(instance, run.run_id)
    work = sum(steps.values())
    return {"wall_s": wall, "steps_s": work, "ratio": wall / work, "steps": steps}


def measure_real_exports(corpus: Path, folder: Path) -> dict[str, object]:
    """(c): the real-export brand's files, `socialkpi run` over the 548 days up to its last day."""
    folder.mkdir()
    config = write_real_brand(corpus, folder)
    start = REAL_END - dt.timedelta(days=547)
    config.write_text(config.read_text(encoding="utf-8").replace(
        f'start_date: "{REAL_START}"', f'start_date: "{start}"'), encoding="utf-8")
    home = folder / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "pipelines" / "dagster.yaml", home / "dagster.yaml")
    return measure_cli(folder, home, start, REAL_END)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def graphql(url: str, query: str, variables: dict) -> dict:
    response = requests.post(url, json={"query": query, "variables": variables}, timeout=30)
    response.raise_for_status()
    return response.json()["data"]


def measure_ui_backfill(folder: Path, home: Path, start: dt.date, end: dt.date,
                        timeout_s: float = 600) -> dict[str, object]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/graphql"
    env = {**os.environ, "DAGSTER_HOME": str(home), "SOCIALKPI_CONFIG": str(folder / "socialkpi.yaml"),
           PLANNED_EVENTS_ENV: "true"}  # as `make ui` starts it
    log = (folder / "dagster_dev.log").open("w")
    dev = subprocess.Popen([str(DAGSTER), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
                           cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                if graphql(url, "query { assetNodes { id } }", {})["assetNodes"]:
                    break
            except (requests.ConnectionError, requests.Timeout, KeyError, TypeError):
                pass
            if time.monotonic() > deadline or dev.poll() is not None:
                raise SystemExit(f"dagster dev did not come up; see {folder / 'dagster_dev.log'}")
            time.sleep(0.5)
        days = [(start + dt.timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]
        began, launched_at = time.perf_counter(), time.time()
        launched = graphql(url, LAUNCH, {"params": {"assetSelection": [{"path": ["kpi_daily"]}],
                                                    "partitionNames": days, "fromFailure": False, "tags": []}})
        backfill_id = launched["launchPartitionBackfill"]["backfillId"]
        while True:
            state = graphql(url, STATUS, {"id": backfill_id})["partitionBackfillOrError"]
            if state["status"] not in ("REQUESTED", "CANCELING"):
                break
            if time.monotonic() > deadline:
                raise SystemExit("the backfill did not finish in time")
            time.sleep(0.5)
        wall, done_at = time.perf_counter() - began, time.time()
    finally:
        os.killpg(dev.pid, signal.SIGINT)  # the session this script started; Ctrl-C is what dagster dev expects
        try:
            dev.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(dev.pid, signal.SIGKILL)
            dev.wait(timeout=30)
        log.close()
    with dg.DagsterInstance.from_config(str(home)) as instance:
        work = sum(sum(step_seconds(instance, r["runId"], {"kpi_daily"}).values()) for r in state["runs"])
        records = [instance.get_run_record_by_id(r["runId"]) for r in state["runs"]]
    # Where the wall time goes. Launch -> first run created: the backfill daemon's wait for its next
    # tick (Dagster 1.13 ticks every 30 s, hard-coded); created -> started: the run queue and the run
    # worker's start; the runs themselves; last run ended -> backfill done: the next tick again.
    created = min(r.create_timestamp.timestamp() for r in records)
    started = min(r.start_time for r in records if r.start_time)
    ended = max(r.end_time for r in records if r.end_time)
    run_s = ended - started
    return {"status": state["status"], "runs": len(state["runs"]), "wall_s": wall, "steps_s": work,
            "ratio": wall / work if work else float("inf"),
            "daemon_wait_s": created - launched_at, "queue_s": started - created, "run_s": run_s,
            "until_done_s": done_at - ended, "run_ratio": run_s / work if work else float("inf")}


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=548, help="days of demo data (default 548: 18 months)")
    parser.add_argument("--backfill-days", type=int, default=7)
    parser.add_argument("--skip-ui", action="store_true", help="only (a): no dagster dev")
    parser.add_argument("--real-exports", nargs="?", const=str(DEFAULT_CORPUS), metavar="CORPUS",
                        help=f"also (c), 18 months over the real-export corpus (default {DEFAULT_CORPUS})")
    parser.add_argument("--before", type=Path, metavar="SOURCE",
                        help="first time (a) with the project's code in SOURCE (e.g. `git archive main | tar -x "
                             "-C /tmp/before`), on a copy of the same demo: before/after in one run")
    args = parser.parse_args(argv)
    end = local_day(None, DEMO_TIMEZONE) - dt.timedelta(days=1)
    start = end - dt.timedelta(days=args.days - 1)
    folder = Path(tempfile.mkdtemp(prefix="socialkpi-overhead-"))
    try:
        write_demo(folder, start, end)
        home = folder / "dagster_home"
        home.mkdir()
        shutil.copy(ROOT / "pipelines" / "dagster.yaml", home / "dagster.yaml")
        figures: dict[str, object] = {"days": args.days}
        if args.before:
            before = folder.with_name(folder.name + "-before")
            shutil.copytree(folder, before)  # the same demo, nothing landed yet
            try:
                shutil.copy(args.before / "pipelines" / "dagster.yaml", before / "dagster_home" / "dagster.yaml")
                old = measure_cli(before, before / "dagster_home", start, end, source=args.before.resolve())
            finally:
                shutil.rmtree(before, ignore_errors=True)
            figures["before"] = old
            print(f"(a) before ({args.before}): {old['wall_s']:.1f} s wall, {old['steps_s']:.1f} s in the steps: "
                  f"ratio {old['ratio']:.2f}")
        cli = measure_cli(folder, home, start, end)
        figures["cli"] = cli
        print(f"(a) socialkpi run, {args.days} days x 3 accounts: {cli['wall_s']:.1f} s wall, "
              f"{cli['steps_s']:.1f} s in the steps: ratio {cli['ratio']:.2f} (target <= {TARGET_RATIO})")
        if args.before:
            print(f"    after / before: wall {cli['wall_s'] / old['wall_s']:.2f}, "
                  f"outside the steps {(cli['wall_s'] - cli['steps_s']) / (old['wall_s'] - old['steps_s']):.2f}")
        slowest = sorted(cli["steps"].items(), key=lambda kv: -kv[1])[:5]
        print("    slowest steps: " + ", ".join(f"{k} {v:.1f} s" for k, v in slowest))
        if not args.skip_ui:
            ui = measure_ui_backfill(folder, home, end - dt.timedelta(days=args.backfill_days - 1), end)
            figures["ui"] = ui
            print(f"(b) UI-style backfill of kpi_daily, {args.backfill_days} days: {ui['status']} in "
                  f"{ui['runs']} run(s), {ui['wall_s']:.1f} s from launch to done, {ui['steps_s']:.1f} s in "
                  f"kpi_daily: ratio {ui['ratio']:.1f}")
            print(f"    launch -> run created {ui['daemon_wait_s']:.1f} s (backfill daemon tick), created -> "
                  f"started {ui['queue_s']:.1f} s (queue, run worker start), run {ui['run_s']:.1f} s "
                  f"(ratio to kpi_daily {ui['run_ratio']:.1f}), run end -> backfill done "
                  f"{ui['until_done_s']:.1f} s (next daemon tick)")
        if args.real_exports:
            real = measure_real_exports(Path(args.real_exports), folder / "real")
            figures["real"] = real
            print(f"(c) socialkpi run, real exports, 548 days x {len(REAL_ACCOUNTS)} accounts: "
                  f"{real['wall_s']:.1f} s wall (target < 60 s), {real['steps_s']:.1f} s in the steps: "
                  f"ratio {real['ratio']:.2f}")
        return figures
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
