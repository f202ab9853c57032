"""`socialkpi run`: the same `refresh` job the schedule, the sensor and the UI launch, with progress
and a summary.

The CLI used to materialise the assets on its own path (an `__ephemeral_asset_job__` without the
asset checks), so it could report success on data the Dagster job refused. Now it executes the
`refresh` job in-process, recorded in the Dagster instance under that name, with the job's quality
checks; a progress line per step as it goes; and a summary (files, accounts, partitions, checks,
time per step) that is printed, stored on the run as tags (visible in the UI), and decides the
exit code (EXIT_* below, docs/operations.md).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TextIO

import dagster as dg

from pipelines.build import REFRESH_JOB, build_definitions
from pipelines.config import Config, ConfigError
from pipelines.schedules import range_tags

EXIT_OK = 0  # every step succeeded; WARN checks may have failed (printed)
EXIT_FAILED = 1  # a step or an account failed, or a blocking check stopped the run
EXIT_CONFIG = 2  # config or usage error: nothing ran
EXIT_CHECKS = 3  # the run finished and published, but an ERROR (non-blocking) check failed

SUMMARY_TAG_PREFIX = "socialkpi/summary/"
# One "materialisation planned" event per asset for a range run, instead of one per asset and day
# (548 days x 8 assets = 4,400 SQLite writes, ~80 s before the first step of an 18-month run).
# The cost: a failed range run leaves its partitions "missing" rather than "failed" in the UI.
PLANNED_EVENTS_ENV = "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS"
LAUNCHED_BY_TAG, PID_TAG, HOST_TAG = "socialkpi/launched_by", "socialkpi/pid", "socialkpi/host"
FILE_STATUSES = ("loaded", "quarantined", "refused", "skipped", "conflicts", "already_loaded")


@dataclass(frozen=True)
class CheckOutcome:
    asset: str
    name: str
    passed: bool
    severity: str  # ERROR | WARN
    blocking: bool
    description: str | None


@dataclass
class StepTime:
    step: str
    status: str  # succeeded | failed | skipped | running
    seconds: float


@dataclass
class RunSummary:
    """What a run did, in the terms a person watching it cares about."""

    run_id: str
    start: dt.date
    end: dt.date
    success: bool
    files: Counter[str] = field(default_factory=Counter)
    accounts_pulled: list[str] = field(default_factory=list)
    accounts_skipped: dict[str, str] = field(default_factory=dict)
    accounts_failed: dict[str, str] = field(default_factory=dict)
    partitions_built: int = 0
    checks: list[CheckOutcome] = field(default_factory=list)
    steps: list[StepTime] = field(default_factory=list)
    not_run: list[str] = field(default_factory=list)  # steps after a failure or a blocking check
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        if not self.success or self.accounts_failed:
            return EXIT_FAILED
        if any(not c.passed and c.severity == "ERROR" for c in self.checks):
            return EXIT_CHECKS
        return EXIT_OK

    def checks_count(self) -> Counter[str]:
        return Counter("passed" if c.passed else ("warned" if c.severity == "WARN" else "failed")
                       for c in self.checks)

    def lines(self) -> list[str]:
        """The summary as printed by the CLI (one fact per line, greppable)."""
        files = ", ".join(f"{self.files.get(s, 0)} {s.replace('_', ' ')}" for s in FILE_STATUSES)
        checks = self.checks_count()
        out = [f"Run {self.run_id} ({REFRESH_JOB}) {self.start} .. {self.end}: "
               f"{'succeeded' if self.success else 'FAILED'} in {self.seconds:.1f} s",
               f"  files: {files}",
               f"  accounts: {len(self.accounts_pulled)} pulled, {len(self.accounts_skipped)} skipped, "
               f"{len(self.accounts_failed)} failed"]
        out += [f"    skipped {account}: {why}" for account, why in sorted(self.accounts_skipped.items())]
        out += [f"    FAILED {account}: {why}" for account, why in sorted(self.accounts_failed.items())]
        out.append(f"  partitions built: {self.partitions_built}")
        out.append(f"  checks: {checks.get('passed', 0)} passed, {checks.get('warned', 0)} warned, "
                   f"{checks.get('failed', 0)} failed")
        for c in self.checks:
            if not c.passed:
                label = "WARN" if c.severity == "WARN" else ("FAILED (blocking)" if c.blocking else "FAILED")
                out.append(f"    {label} {c.asset}:{c.name}" + (f": {c.description}" if c.description else ""))
        out.append("  time per step: " + ", ".join(f"{s.step} {s.seconds:.1f} s"
                                                    + ("" if s.status == "succeeded" else f" ({s.status})")
                                                    for s in self.steps))
        if self.not_run:
            out.append("  not run (after a failure or a blocking check): " + ", ".join(self.not_run))
        return out

    def tags(self) -> dict[str, str]:
        """The summary as run tags (Dagster shows them on the run page)."""
        checks = self.checks_count()
        return {f"{SUMMARY_TAG_PREFIX}{key}": value for key, value in {
            "files": " ".join(f"{s}={self.files.get(s, 0)}" for s in FILE_STATUSES),
            "accounts": f"pulled={len(self.accounts_pulled)} skipped={len(self.accounts_skipped)} "
                        f"failed={len(self.accounts_failed)}",
            "accounts_skipped": "; ".join(f"{a}: {w}" for a, w in sorted(self.accounts_skipped.items()))[:900],
            "accounts_failed": "; ".join(f"{a}: {w}" for a, w in sorted(self.accounts_failed.items()))[:900],
            "partitions_built": str(self.partitions_built),
            "checks": f"passed={checks.get('passed', 0)} warned={checks.get('warned', 0)} "
                      f"failed={checks.get('failed', 0)}",
            "failed_checks": ", ".join(f"{c.name}" for c in self.checks if not c.passed),
            "seconds": f"{self.seconds:.1f}",
        }.items() if value}


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
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED"):
            status = {"STEP_SUCCESS": "succeeded", "STEP_FAILURE": "failed", "STEP_SKIPPED": "skipped"}[kind]
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


def summarise(result: dg.ExecuteInProcessResult, start: dt.date, end: dt.date,
              steps: list[StepTime], seconds: float) -> RunSummary:
    """Read files, accounts, partitions and checks back from the run's events."""
    summary = RunSummary(result.run_id, start, end, result.success, steps=steps, seconds=seconds)
    for event in result.get_asset_materialization_events():
        materialization = event.step_materialization_data.materialization
        key = materialization.asset_key.to_user_string()
        meta = {k: v.value for k, v in materialization.metadata.items()}
        if key == "export_files":
            for name, value in meta.items():
                if name.startswith("files_"):
                    summary.files[name.removeprefix("files_")] += int(value)
        elif key.endswith("_api"):
            platform = key.removesuffix("_api")
            summary.accounts_pulled += [f"{platform}/{a}" for a in meta.get("pulled_accounts", [])]
            summary.accounts_skipped.update({f"{platform}/{a}": why
                                             for a, why in meta.get("skipped_accounts", {}).items()})
        if materialization.partition is not None or key == "kpi_daily":
            summary.partitions_built = (end - start).days + 1
    for event in result.all_events:
        if event.event_type_value != "STEP_FAILURE" or not event.step_key.endswith("_api"):
            continue
        platform = event.step_key.removesuffix("_api")
        failure = event.step_failure_data.user_failure_data
        meta = {k: v.value for k, v in (failure.metadata if failure else {}).items()}
        summary.accounts_skipped.update({f"{platform}/{a}": w for a, w in meta.get("skipped_accounts", {}).items()})
        summary.accounts_pulled += [f"{platform}/{a}" for a in meta.get("pulled_accounts", [])]
        failed = meta.get("failed_accounts") or {"(all)": event.step_failure_data.error.message.strip()
                                                 if event.step_failure_data.error else "step failed"}
        summary.accounts_failed.update({f"{platform}/{a}": w for a, w in failed.items()})
    summary.checks = [CheckOutcome(e.asset_key.to_user_string(), e.check_name, e.passed, e.severity.value,
                                   bool(e.blocking), e.description)
                      for e in result.get_asset_check_evaluations()]
    return summary


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
    progress.finish()
    summary = summarise(result, start, end, progress.steps, time.monotonic() - began)
    finished = {s.step for s in progress.steps}
    summary.not_run = [name for name in step_names if name not in finished]
    instance.add_run_tags(result.run_id, summary.tags())
    return summary
