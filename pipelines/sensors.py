"""The export drop-folder sensor: new or changed files start a run for the dates they cover.

The cursor maps each file's path (relative to the drop folder) to its (size, mtime in ns); a
file whose entry differs from the cursor is new or changed. The covered dates are read from the
file name only (cheap: the sensor never opens a file); a file without a date in its name is
taken to cover the last `lookback_days` + 1 days. Each run lands the files (export_files) and
rebuilds those dates of every partitioned asset; files whose dates do not touch start separate
runs (a January file and a December file do not rebuild the eleven months between).

The first tick has no cursor, so every file looks new. Files last modified before the latest
materialisation of export_files were seen by that landing (the CLI, a UI run or `make demo`):
they become the cursor's baseline and start nothing, so switching the sensor on over a landed
history rebuilds nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import stat
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import dagster as dg

from pipelines.config import Config
from pipelines.schedules import range_tags

if TYPE_CHECKING:
    from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

DROP_FOLDER_SENSOR = "export_drop_folder"
EXPORT_FILES = dg.AssetKey("export_files")
# A file modified less than this long ago may still be being copied: it waits for the next tick
# (export_files would quarantine a half-written file).
SETTLE_SECONDS = 30

FileState = tuple[int, int]  # (size in bytes, mtime in ns)
Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def readable(relative: str) -> str:
    """A file path fit for a log line (non-UTF-8 bytes of a file name shown as \\x.. escapes)."""
    return relative.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def drop_folder_states(exports_dir: Path) -> dict[str, FileState]:
    """(size, mtime) of every regular file export_files would consider (the same walk: links,
    sockets and pipes are left out here, and refused with a reason by export_files)."""
    from ingest.drop_folder import walk_drop_folder  # on a tick, not at definition time (pandas)

    return {entry.relative.as_posix(): (entry.info.st_size, entry.info.st_mtime_ns)
            for entry in walk_drop_folder(exports_dir) if stat.S_ISREG(entry.info.st_mode)}


def covered_dates(relative: str, yesterday: dt.date, lookback_days: int) -> tuple[dt.date, dt.date]:
    """Dates a dropped file covers, judged by its name.

    Two or more dates in the name (Meta's `Jan-14-2025_Apr-14-2025_...`): the range they span.
    One date: the export date; the file covers the `lookback_days` days before it and that day.
    None: the last `lookback_days` + 1 days up to yesterday.
    """
    from ingest.drop_folder import dates_in_name  # on a tick, not at definition time (pandas)

    named = dates_in_name(Path(relative).name)
    if len(named) >= 2:
        return min(named), max(named)
    end = named[0] if named else yesterday
    return end - dt.timedelta(days=lookback_days), end


def changed_files(previous: dict[str, FileState], current: dict[str, FileState], now: dt.datetime,
                  settle_seconds: int = SETTLE_SECONDS) -> tuple[list[str], dict[str, FileState]]:
    """Files that are new or changed since `previous` and settled, and the cursor to store.

    An unsettled file (modified within the last `settle_seconds`) keeps its previous entry (if
    any) in the cursor, so it counts as changed once it has settled. A modification time more
    than a minute in the future (a skewed clock) is not waited for: it would never settle.
    """
    now_ns = int(now.timestamp() * 1e9)
    unsettled_from, unsettled_to = now_ns - settle_seconds * 10**9, now_ns + 60 * 10**9
    settled = {path: state for path, state in current.items() if not unsettled_from < state[1] <= unsettled_to}
    changed = sorted(path for path, state in settled.items() if previous.get(path) != state)
    cursor = {path: previous[path] for path in current if path not in settled and path in previous}
    cursor.update(settled)
    return changed, cursor


def _load_cursor(text: str | None) -> dict[str, FileState]:
    if not text:
        return {}
    return {path: (int(size), int(mtime)) for path, (size, mtime) in json.loads(text).items()}


def merged_ranges(ranges: Iterable[tuple[dt.date, dt.date]]) -> list[tuple[dt.date, dt.date]]:
    """Overlapping or adjacent date ranges merged; disjoint ones kept apart, in date order."""
    merged: list[tuple[dt.date, dt.date]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1] + dt.timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def landed_before(context: dg.SensorEvaluationContext) -> int | None:
    """When export_files last landed the drop folder (ns since the epoch), or None if never/unknown."""
    try:
        event = context.instance.get_latest_materialization_event(EXPORT_FILES)
    except dg.DagsterInvariantViolationError:  # a context built without an instance (unit tests)
        return None
    return None if event is None else int(event.timestamp * 1e9)


def _run_key(changed: Iterable[str], states: dict[str, FileState]) -> str:
    """The same set of file versions never starts two runs."""
    digest = hashlib.sha256()
    for path in changed:
        digest.update(f"{path}\0{states[path][0]}\0{states[path][1]}\n".encode("utf-8", "surrogateescape"))
    return f"drop-{digest.hexdigest()[:16]}"


def build_drop_folder_sensor(config: Config, job: UnresolvedAssetJobDefinition, *,
                             clock: Clock = utc_now, minimum_interval_seconds: int = 60) -> dg.SensorDefinition:
    """Watch `config.exports_path` and start `job` over the dates new or changed files cover.

    Stopped until switched on in the UI (or `dagster sensor start export_drop_folder`). `clock`
    is injectable so tests decide what "yesterday" and "settled" mean.
    """
    exports_dir = config.exports_path

    @dg.sensor(name=DROP_FOLDER_SENSOR, job=job, minimum_interval_seconds=minimum_interval_seconds,
               description=f"New or changed files in {exports_dir} start export_files and the partitioned "
                           f"assets for the dates the files cover.")
    def export_drop_folder(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        now = clock()
        previous = _load_cursor(context.cursor)
        current = drop_folder_states(exports_dir)
        if not context.cursor:
            landed = landed_before(context)
            if landed is not None:
                previous = {path: state for path, state in current.items() if state[1] < landed}
        changed, cursor = changed_files(previous, current, now)
        if not changed:
            reason = (f"no new or changed files in {exports_dir}" if exports_dir.is_dir()
                      else f"the drop folder {exports_dir} does not exist")
            return dg.SensorResult(skip_reason=dg.SkipReason(reason),
                                   cursor=json.dumps(cursor, sort_keys=True))
        yesterday = now.astimezone(ZoneInfo(config.timezone)).date() - dt.timedelta(days=1)
        for path in changed:
            context.log.info(f"new or changed: {readable(path)}")
        tags = {"socialkpi/changed_files": str(len(changed))}
        key = _run_key(changed, current)
        clamped = [(max(start, config.start_date), min(end, yesterday))
                   for start, end in (covered_dates(path, yesterday, config.lookback_days) for path in changed)]
        ranges = merged_ranges((start, end) for start, end in clamped if start <= end)
        if not ranges:
            # the files cover no day that has a partition yet (or only days before start_date):
            # land them (export_files is partitioned like the rest: yesterday's), rebuild nothing
            if yesterday < config.start_date:
                return dg.SensorResult(skip_reason=dg.SkipReason(
                    f"no partition before start_date {config.start_date}: the next run lands the files"),
                    cursor=json.dumps(cursor, sort_keys=True))
            requests = [dg.RunRequest(run_key=key, asset_selection=[EXPORT_FILES],
                                      tags={**tags, **range_tags(yesterday, yesterday)})]
        else:
            requests = [dg.RunRequest(run_key=key if len(ranges) == 1 else f"{key}-{start.isoformat()}",
                                      tags={**tags, **range_tags(start, end)}) for start, end in ranges]
        return dg.SensorResult(run_requests=requests, cursor=json.dumps(cursor, sort_keys=True))

    return export_drop_folder
