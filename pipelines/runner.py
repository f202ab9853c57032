"""`socialkpi run`: the same `refresh` job the schedule, the sensor and the UI launch, with progress
and a summary.

The CLI used to materialise the assets on its own path (an `__ephemeral_asset_job__` without the
asset checks), so it could report success on data the Dagster job refused. Now it executes the
`refresh` job in-process, recorded in the Dagster instance under that name, with the job's quality
checks; a progress line per step as it goes; and a summary (files, accounts, partitions, checks,
time per step) that is printed, stored on the run as tags (visible in the UI), and decides the
exit code (EXIT_* in pipelines/run_summary.py, docs/operations.md).
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import os
import socket
import sys
import time
from typing import TextIO

import dagster as dg

from pipelines.build import REFRESH_JOB, build_definitions
from pipelines.config import Config, ConfigError
from pipelines.run_summary import STEP_ENDS, RunSummary, StepTime, summarise
from pipelines.schedules import range_tags

# One "materialisation planned" event per asset for a range run, instead of one per asset and day
# (548 days x 8 assets = 4,400 SQLite writes, ~80 s before the first step of an 18-month run).
# The cost: a failed range run leaves its partitions "missing" rather than "failed" in the UI.
PLANNED_EVENTS_ENV = "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS"
LAUNCHED_BY_TAG, PID_TAG, HOST_TAG = "socialkpi/launched_by", "socialkpi/pid", "socialkpi/host"


class Progress(logging.Handler):
    """Step progress from the run's Dagster events: a bar on a terminal, plain lines otherwise."""

    def __init__(self, total_steps: int, stream: TextIO, tty: bool) -> None:
        super().__init__(level=logging.DEBUG)
        self.total, self.stream, self.tty = total_steps, stream, tty
        self.started: dict[str, float] = {}
        self.steps: list[StepTime] = []

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "dagster_meta", {}).get("dagster_event")
        if event is None or event.step_key is None:
            return
        kind = event.event_type_value
        step = event.step_key
        if kind == "STEP_START":
            self.started[step] = record.created
            self._show(f"{step} ...")
        elif kind in STEP_ENDS:
            status = STEP_ENDS[kind]
            seconds = record.created - self.started.get(step, record.created)
            self.steps.append(StepTime(step, status, seconds))
            self._show(f"{step} {status} in {seconds:.1f} s", done=True)

    def _show(self, text: str, done: bool = False) -> None:
        count = len(self.steps)
        if self.tty:
            width = 24
            filled = int(width * count / max(self.total, 1))
            self.stream.write(f"\r\033[K[{'#' * filled}{'.' * (width - filled)}] {count}/{self.total} {text}")
            if count >= self.total and done:
                self.stream.write("\n")
        elif done:
            self.stream.write(f"[{count}/{self.total}] {text}\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.tty and len(self.steps) < self.total:
            self.stream.write("\n")
            self.stream.flush()


def progress_logger(handler: Progress) -> dg.LoggerDefinition:
    def make(_init_context: dg.InitLoggerContext) -> logging.Logger:
        logger = logging.Logger("socialkpi.progress", level=logging.DEBUG)
        logger.addHandler(handler)
        return logger

    return dg.LoggerDefinition(make, description="socialkpi CLI progress")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def release_dead_cli_runs(instance: dg.DagsterInstance) -> list[str]:
    """Fail the CLI runs of this machine whose process is gone (killed), freeing their pool slots.

    A `socialkpi run` killed with SIGKILL stays "started" and keeps its `duckdb_writer` slot: the
    next run would wait for it forever (run monitoring only watches runs the daemon launched).
    """
    released = []
    runs = instance.get_runs(filters=dg.RunsFilter(
        statuses=[dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.NOT_STARTED],
        tags={LAUNCHED_BY_TAG: "cli", HOST_TAG: socket.gethostname()}))
    for run in runs:
        pid = int(run.tags.get(PID_TAG, "0"))
        if pid <= 0 or _alive(pid):
            continue
        instance.report_run_failed(run, message=f"its socialkpi run process ({pid}) is gone (killed)")
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        released.append(run.run_id)
    return released


def run_refresh(config: Config, start: dt.date, end: dt.date, *, log_level: str = "WARNING",
                stream: TextIO | None = None,
                tty: bool | None = None, instance: dg.DagsterInstance | None = None) -> RunSummary:
    """Execute the `refresh` job over [start, end] in-process, recorded in the Dagster instance."""
    if end < start:
        raise ConfigError(f"--end {end} is before --start {start}")
    if start < config.start_date:
        raise ConfigError(f"--start {start} is before start_date {config.start_date} in {config.source}")
    stream = stream or sys.stdout
    os.environ.setdefault(PLANNED_EVENTS_ENV, "true")
    defs = build_definitions(config)
    job = defs.resolve_job_def(REFRESH_JOB)
    step_names = [node.name for node in job.nodes_in_topological_order]
    progress = Progress(len(step_names), stream,
                        stream.isatty() if tty is None else tty)
    job = job.with_logger_defs({**job.loggers, "progress": progress_logger(progress)})
    instance = instance or dg.DagsterInstance.get()
    for run_id in release_dead_cli_runs(instance):
        stream.write(f"run {run_id} was killed: marked failed, its duckdb_writer slot freed\n")
    began = time.monotonic()
    # The ~300,000 objects of Dagster's modules and the definitions live as long as the run: frozen,
    # the collector's full passes skip them (about 1 s of a 30-day run went to walking them).
    gc.freeze()
    try:
        result = job.execute_in_process(
            instance=instance,
            # the person at the terminal sees a failure: the daemon's run retries must not re-run it
            tags={**range_tags(start, end), LAUNCHED_BY_TAG: "cli", PID_TAG: str(os.getpid()),
                  HOST_TAG: socket.gethostname(), "dagster/max_retries": "0"},
            raise_on_error=False,
            # By default WARNING and up on the console (skipped accounts, quarantined files, failures);
            # INFO adds a line per landed file. The progress logger shows every step.
            run_config={"loggers": {"console": {"config": {"log_level": log_level}}, "progress": {}}},
        )
    finally:
        gc.unfreeze()  # a caller that goes on (tests, a notebook) gets its garbage collected again
    progress.finish()
    run = instance.get_run_by_id(result.run_id)
    summary = summarise(result.run_id, REFRESH_JOB, run.tags if run else range_tags(start, end), result.success,
                        result.all_events, progress.steps, time.monotonic() - began)
    finished = {s.step for s in progress.steps}
    summary.not_run = [name for name in step_names if name not in finished]
    instance.add_run_tags(result.run_id, summary.tags())
    return summary
