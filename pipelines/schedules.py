"""The nightly schedule: yesterday plus the restatement look-back, as one run over the range.

Platforms restate recent days (late interactions, attribution windows), so every night re-builds
yesterday and the `lookback_days` before it. One run with a partition range (not one run per
day): the assets' single-run backfill policy rebuilds the range in one SQL statement per table,
and one run means one pass through the single DuckDB writer.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import dagster as dg

from pipelines.config import Config

if TYPE_CHECKING:
    from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

NIGHTLY_SCHEDULE = "nightly"
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def nightly_cron(config: Config) -> str:
    """`minute hour * * *` from the config's `schedule`, read in the config's timezone."""
    return f"{config.schedule.minute} {config.schedule.hour} * * *"


def nightly_window(config: Config, night: dt.date) -> tuple[dt.date, dt.date] | None:
    """Inclusive dates to rebuild on the night of `night`: yesterday and `lookback_days` before.

    Clamped to `start_date`; None when yesterday is before `start_date` (nothing to build yet).
    """
    yesterday = night - dt.timedelta(days=1)
    if yesterday < config.start_date:
        return None
    return max(yesterday - dt.timedelta(days=config.lookback_days), config.start_date), yesterday


def local_day(when: dt.datetime | None, timezone: str) -> dt.date:
    """The calendar day of `when` in `timezone` (naive times are read as local to it; None = now)."""
    zone = ZoneInfo(timezone)
    if when is None:
        return dt.datetime.now(zone).date()
    return (when.replace(tzinfo=zone) if when.tzinfo is None else when.astimezone(zone)).date()


def range_tags(start: dt.date, end: dt.date) -> dict[str, str]:
    """Run tags that make one run cover the partition range [start, end] (inclusive)."""
    return {RANGE_START_TAG: start.isoformat(), RANGE_END_TAG: end.isoformat()}


def build_nightly_schedule(config: Config, job: UnresolvedAssetJobDefinition) -> dg.ScheduleDefinition:
    """The nightly schedule for `job` (stopped until switched on in the UI or with `dagster schedule start`)."""

    @dg.schedule(name=NIGHTLY_SCHEDULE, job=job, cron_schedule=nightly_cron(config),
                 execution_timezone=config.timezone,
                 description=f"Rebuilds yesterday and the {config.lookback_days} days before it "
                             f"(platforms restate recent days) in one run.")
    def nightly(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
        window = nightly_window(config, local_day(context.scheduled_execution_time, config.timezone))
        if window is None:
            return dg.SkipReason(f"nothing to build before start_date {config.start_date}")
        start, end = window
        return dg.RunRequest(run_key=f"nightly-{end.isoformat()}", tags=range_tags(start, end))

    return nightly
