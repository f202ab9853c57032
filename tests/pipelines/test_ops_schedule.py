"""The nightly schedule: one run over yesterday plus the look-back days, in the config's timezone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
import pytest

from pipelines.build import REFRESH_JOB, build_definitions
from pipelines.config import load_config
from pipelines.demo import write_demo
from pipelines.schedules import NIGHTLY_SCHEDULE, RANGE_END_TAG, RANGE_START_TAG

D = dt.date
BERLIN = ZoneInfo("Europe/Berlin")
CONFIG = """\
timezone: "{timezone}"
start_date: "{start}"
lookback_days: {lookback}
schedule: {{hour: 5, minute: 30}}
brands: [{{id: acme, name: Acme}}]
"""


def config_with(tmp_path, *, timezone="Europe/Berlin", start="2025-01-01", lookback=3):
    path = tmp_path / "socialkpi.yaml"
    path.write_text(CONFIG.format(timezone=timezone, start=start, lookback=lookback), encoding="utf-8")
    return load_config(path)


def tick(config, when):
    """Evaluate the nightly schedule at `when`: (run requests, skip message)."""
    schedule = build_definitions(config).resolve_schedule_def(NIGHTLY_SCHEDULE)
    data = schedule.evaluate_tick(dg.build_schedule_context(scheduled_execution_time=when))
    return data.run_requests or [], data.skip_message


def window(request):
    return D.fromisoformat(request.tags[RANGE_START_TAG]), D.fromisoformat(request.tags[RANGE_END_TAG])


def test_cron_and_timezone_come_from_the_config(tmp_path):
    config = config_with(tmp_path, timezone="America/New_York")
    defs = build_definitions(config)
    schedule = defs.resolve_schedule_def(NIGHTLY_SCHEDULE)
    assert schedule.cron_schedule == "30 5 * * *"
    assert schedule.execution_timezone == "America/New_York"
    assert schedule.job_name == REFRESH_JOB
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED


def test_one_run_covers_yesterday_and_the_lookback_days(tmp_path):
    config = config_with(tmp_path, lookback=3)
    requests, _ = tick(config, dt.datetime(2025, 3, 10, 5, 30, tzinfo=BERLIN))
    assert len(requests) == 1
    assert window(requests[0]) == (D(2025, 3, 6), D(2025, 3, 9))
    assert requests[0].run_key == "nightly-2025-03-09"
    assert requests[0].partition_key is None  # a range run, not one partition


@pytest.mark.parametrize(("lookback", "expected_start"), [(0, D(2025, 3, 9)), (7, D(2025, 3, 2))])
def test_lookback_days_set_the_range_start(tmp_path, lookback, expected_start):
    requests, _ = tick(config_with(tmp_path, lookback=lookback), dt.datetime(2025, 3, 10, 5, 30, tzinfo=BERLIN))
    assert window(requests[0]) == (expected_start, D(2025, 3, 9))


def test_yesterday_is_the_day_before_in_the_config_timezone(tmp_path):
    # 00:30 in Berlin on 10 March is still 9 March in UTC: yesterday is 9 March in Berlin,
    # 8 March if the date were taken in UTC.
    when = dt.datetime(2025, 3, 10, 0, 30, tzinfo=BERLIN).astimezone(dt.UTC)
    requests, _ = tick(config_with(tmp_path, lookback=1), when)
    assert window(requests[0]) == (D(2025, 3, 8), D(2025, 3, 9))
    requests, _ = tick(config_with(tmp_path, timezone="UTC", lookback=1), when)
    assert window(requests[0]) == (D(2025, 3, 7), D(2025, 3, 8))


def test_range_is_clamped_to_start_date_and_skips_before_it(tmp_path):
    config = config_with(tmp_path, start="2025-03-08", lookback=5)
    requests, _ = tick(config, dt.datetime(2025, 3, 10, 5, 30, tzinfo=BERLIN))
    assert window(requests[0]) == (D(2025, 3, 8), D(2025, 3, 9))
    requests, skip = tick(config, dt.datetime(2025, 3, 8, 5, 30, tzinfo=BERLIN))
    assert requests == []
    assert "start_date 2025-03-08" in skip


def test_the_scheduled_run_rebuilds_exactly_its_dates(tmp_path):
    config = load_config(write_demo(tmp_path, D(2025, 1, 1), D(2025, 1, 20)))  # lookback_days: 3
    defs = build_definitions(config)
    requests, _ = tick(config, dt.datetime(2025, 1, 16, 4, 0, tzinfo=BERLIN))
    result = defs.resolve_job_def(REFRESH_JOB).execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), tags=requests[0].tags)
    assert result.success
    with duckdb.connect(str(config.warehouse_path), read_only=True) as con:
        days = con.execute("SELECT DISTINCT date FROM kpi.daily ORDER BY 1").fetchall()
    assert days == [(D(2025, 1, 12),), (D(2025, 1, 13),), (D(2025, 1, 14),), (D(2025, 1, 15),)]
