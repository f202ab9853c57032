"""A run's summary: files, accounts, partitions, checks and time per step, from its Dagster events.

The CLI prints it and stores it on its run as tags; `run_summaries` (a run-status sensor) stores the
same tags on every other finished run (schedule, sensor, UI), so each run page in the UI shows
what the run did, whoever launched it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import dagster as dg

from pipelines.schedules import RANGE_END_TAG, RANGE_START_TAG

EXIT_OK = 0  # every step succeeded; WARN checks may have failed (printed)
EXIT_FAILED = 1  # a step or an account failed, or a blocking check stopped the run
EXIT_CONFIG = 2  # config or usage error: nothing ran
EXIT_CHECKS = 3  # the run finished and published, but an ERROR (non-blocking) check failed

SUMMARY_TAG_PREFIX = "socialkpi/summary/"
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
    start: dt.date | None  # None: a run without a partition range (the whole table)
    end: dt.date | None
    success: bool
    job: str = "refresh"
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
        out = [f"Run {self.run_id} ({self.job}) {self.start} .. {self.end}: "
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
            "seconds_per_step": " ".join(f"{s.step}={s.seconds:.1f}" for s in self.steps)[:900],
        }.items() if value}
STEP_ENDS = {"STEP_SUCCESS": "succeeded", "STEP_FAILURE": "failed", "STEP_SKIPPED": "skipped"}


def run_window(tags: Mapping[str, str]) -> tuple[dt.date | None, dt.date | None]:
    """Inclusive first and last day of a run's partitions, from its tags; (None, None) without any."""
    if RANGE_START_TAG in tags and RANGE_END_TAG in tags:
        return dt.date.fromisoformat(tags[RANGE_START_TAG]), dt.date.fromisoformat(tags[RANGE_END_TAG])
    if "dagster/partition" in tags:
        day = dt.date.fromisoformat(tags["dagster/partition"])
        return day, day
    return None, None


def step_times(records: Iterable[dg.EventLogEntry]) -> list[StepTime]:
    """Each finished step and how long it took, from a run's stored events, in finishing order."""
    started: dict[str, float] = {}
    steps: list[StepTime] = []
    for record in records:
        event = record.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.event_type_value == "STEP_START":
            started[event.step_key] = record.timestamp
        elif event.event_type_value in STEP_ENDS:
            seconds = record.timestamp - started.get(event.step_key, record.timestamp)
            steps.append(StepTime(event.step_key, STEP_ENDS[event.event_type_value], seconds))
    return steps


def summarise(run_id: str, job: str, tags: Mapping[str, str], success: bool, events: Iterable[dg.DagsterEvent],
              steps: list[StepTime], seconds: float) -> RunSummary:
    """Read files, accounts, partitions and checks back from a run's events."""
    start, end = run_window(tags)
    summary = RunSummary(run_id, start, end, success, job=job, steps=steps, seconds=seconds)
    seen: set[str] = set()
    for event in events:
        kind = event.event_type_value
        if kind == "ASSET_MATERIALIZATION":
            _add_materialization(summary, event.step_materialization_data.materialization, seen)
        elif kind == "STEP_FAILURE" and (event.step_key or "").endswith("_api"):
            _add_api_failure(summary, event)
        elif kind == "ASSET_CHECK_EVALUATION":
            e = event.asset_check_evaluation_data
            summary.checks.append(CheckOutcome(e.asset_key.to_user_string(), e.check_name, e.passed,
                                               e.severity.value, bool(e.blocking), e.description))
    return summary


def _add_materialization(summary: RunSummary, materialization: dg.AssetMaterialization, seen: set[str]) -> None:
    key = materialization.asset_key.to_user_string()
    if key in seen:  # a range run repeats the step's metadata on every day's event
        return
    seen.add(key)
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
    if materialization.partition is not None and summary.start is not None and summary.end is not None:
        summary.partitions_built = (summary.end - summary.start).days + 1


def _add_api_failure(summary: RunSummary, event: dg.DagsterEvent) -> None:
    platform = event.step_key.removesuffix("_api")
    failure = event.step_failure_data.user_failure_data
    meta = {k: v.value for k, v in (failure.metadata if failure else {}).items()}
    summary.accounts_skipped.update({f"{platform}/{a}": w for a, w in meta.get("skipped_accounts", {}).items()})
    summary.accounts_pulled += [f"{platform}/{a}" for a in meta.get("pulled_accounts", [])]
    failed = meta.get("failed_accounts") or {"(all)": event.step_failure_data.error.message.strip()
                                             if event.step_failure_data.error else "step failed"}
    summary.accounts_failed.update({f"{platform}/{a}": w for a, w in failed.items()})


def stored_summary(instance: dg.DagsterInstance, run: dg.DagsterRun) -> RunSummary:
    """The summary of a finished run, read from the instance's event log."""
    records = instance.all_logs(run.run_id)
    events = [r.dagster_event for r in records if r.dagster_event is not None]
    stamps = [r.timestamp for r in records]
    return summarise(run.run_id, run.job_name, run.tags, run.status == dg.DagsterRunStatus.SUCCESS, events,
                     step_times(records), max(stamps) - min(stamps) if stamps else 0.0)


def build_run_summary_sensors() -> list[dg.RunStatusSensorDefinition]:
    """Stores the summary as tags on every finished run that has none yet (the CLI writes its own)."""

    @dg.run_status_sensor(name="run_summaries", run_status=dg.DagsterRunStatus.SUCCESS,
                          minimum_interval_seconds=10, default_status=dg.DefaultSensorStatus.RUNNING,
                          description="Writes each finished run's summary (files, accounts, partitions, checks, "
                                      "time per step) on the run as socialkpi/summary/* tags.")
    def run_summaries(context: dg.RunStatusSensorContext) -> None:
        tag_summary(context.instance, context.dagster_run)

    @dg.run_failure_sensor(name="run_summaries_failed", minimum_interval_seconds=10,
                           default_status=dg.DefaultSensorStatus.RUNNING,
                           description="The same summary on failed runs (failed accounts, blocking checks).")
    def run_summaries_failed(context: dg.RunFailureSensorContext) -> None:
        tag_summary(context.instance, context.dagster_run)

    return [run_summaries, run_summaries_failed]


def tag_summary(instance: dg.DagsterInstance, run: dg.DagsterRun) -> RunSummary | None:
    """Add the summary tags to `run` unless it has them (a CLI run); returns what was written."""
    if any(tag.startswith(SUMMARY_TAG_PREFIX) for tag in run.tags):
        return None
    summary = stored_summary(instance, run)
    instance.add_run_tags(run.run_id, summary.tags())
    return summary
