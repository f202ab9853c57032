"""The drop-folder sensor: new or changed files start one run for the dates they cover."""

from __future__ import annotations

import datetime as dt
import json
import os

import dagster as dg
import duckdb
import pytest

from pipelines.build import REFRESH_JOB, build_definitions
from pipelines.config import load_config
from pipelines.demo import write_demo
from pipelines.schedules import RANGE_END_TAG, RANGE_START_TAG
from pipelines.sensors import (
    DROP_FOLDER_SENSOR,
    SETTLE_SECONDS,
    build_drop_folder_sensor,
    covered_dates,
    merged_ranges,
)

D = dt.date
# "Now" for the sensor: noon UTC on 21 January 2025, so yesterday in Berlin is 20 January.
NOW = dt.datetime(2025, 1, 21, 12, 0, tzinfo=dt.UTC)
EARLIER = NOW - dt.timedelta(hours=2)


def set_mtime(path, when):
    os.utime(path, (when.timestamp(), when.timestamp()))


@pytest.fixture
def demo(tmp_path):
    """The demo drop folder (1-20 January 2025), every file last modified two hours before NOW."""
    config = load_config(write_demo(tmp_path, D(2025, 1, 1), D(2025, 1, 20)))  # lookback_days: 3
    for path in config.exports_path.rglob("*"):
        set_mtime(path, EARLIER)
    return config


class Sensor:
    """The drop-folder sensor of a config, ticked by hand with a clock the test sets."""

    def __init__(self, config):
        self.config = config
        self.now = NOW
        defs = build_definitions(config)
        self.sensor = build_drop_folder_sensor(config, defs.resolve_job_def(REFRESH_JOB), clock=lambda: self.now)
        self.cursor = None

    def tick(self):
        data = self.sensor.evaluate_tick(dg.build_sensor_context(cursor=self.cursor))
        self.cursor = data.cursor
        return data

    def drop(self, relative, content, when=EARLIER):
        path = self.config.exports_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        set_mtime(path, when)
        return path


def window(request):
    return D.fromisoformat(request.tags[RANGE_START_TAG]), D.fromisoformat(request.tags[RANGE_END_TAG])


def test_definitions_carry_the_sensor_on_the_refresh_job(demo):
    sensor = build_definitions(demo).resolve_sensor_def(DROP_FOLDER_SENSOR)
    assert sensor.job_name == REFRESH_JOB
    assert sensor.default_status == dg.DefaultSensorStatus.STOPPED


def test_first_tick_covers_every_file_then_nothing_changed(demo):
    sensor = Sensor(demo)
    data = sensor.tick()
    assert len(data.run_requests) == 1
    # the post exports are named Jan-01-2025_Jan-20-2025_<id>.csv; the daily files carry no date,
    # so they cover the last lookback_days + 1 days (17-20 January)
    assert window(data.run_requests[0]) == (D(2025, 1, 1), D(2025, 1, 20))
    assert data.run_requests[0].asset_selection is None  # the whole refresh job
    cursor = json.loads(data.cursor)
    assert len(cursor) == 16
    size, mtime = cursor["facebook/100000000000001/Reach.csv"]
    assert size == (demo.exports_path / "facebook/100000000000001/Reach.csv").stat().st_size
    assert mtime == int(EARLIER.timestamp() * 1e9)
    again = sensor.tick()
    assert again.run_requests == []
    assert "no new or changed files" in again.skip_message


def test_new_file_runs_the_dates_in_its_name(demo):
    sensor = Sensor(demo)
    sensor.tick()
    sensor.drop("x/acme/daily_2025-01-05_2025-01-08.csv", b"Date,Impressions\n")
    data = sensor.tick()
    assert [window(r) for r in data.run_requests] == [(D(2025, 1, 5), D(2025, 1, 8))]
    assert "x/acme/daily_2025-01-05_2025-01-08.csv" in json.loads(data.cursor)


def test_changed_file_without_dates_runs_the_lookback_days(demo):
    sensor = Sensor(demo)
    sensor.tick()
    reach = demo.exports_path / "facebook/100000000000001/Reach.csv"
    reach.write_bytes(reach.read_bytes() + b"\x00")
    set_mtime(reach, EARLIER)  # same mtime, other size: still a change
    data = sensor.tick()
    assert [window(r) for r in data.run_requests] == [(D(2025, 1, 17), D(2025, 1, 20))]
    set_mtime(reach, EARLIER + dt.timedelta(minutes=1))  # same size, other mtime: a change too
    assert len(sensor.tick().run_requests) == 1


def test_one_date_in_the_name_is_the_export_date():
    assert covered_dates("tiktok/a/Overview_2025-03-10.csv", D(2025, 3, 20), 3) == (D(2025, 3, 7), D(2025, 3, 10))
    assert covered_dates("facebook/a/Jan-14-2025_Apr-14-2025_1.csv", D(2025, 5, 1), 3) == (
        D(2025, 1, 14), D(2025, 4, 14))
    assert covered_dates("x/a/account_overview.csv", D(2025, 5, 1), 3) == (D(2025, 4, 28), D(2025, 5, 1))


def test_quarantine_hidden_files_and_symlinks_start_nothing(demo, tmp_path):
    sensor = Sensor(demo)
    sensor.tick()
    sensor.drop("_quarantine/facebook/100000000000001/bad.csv", b"junk")
    sensor.drop("facebook/100000000000001/.~lock.Reach.csv#", b"lock")
    outside = tmp_path / "outside.csv"
    outside.write_bytes(b"secret")
    (demo.exports_path / "facebook/100000000000001/link.csv").symlink_to(outside)
    (demo.exports_path / "instagram/linked_folder").symlink_to(tmp_path, target_is_directory=True)
    data = sensor.tick()
    assert data.run_requests == []
    assert not [p for p in json.loads(data.cursor) if "_quarantine" in p or "link" in p or "/." in p]


def test_a_file_still_being_written_waits_until_it_settles(demo):
    sensor = Sensor(demo)
    sensor.tick()
    sensor.drop("x/acme/overview_2025-01-19.csv", b"Date,Impressions\n", when=NOW - dt.timedelta(seconds=2))
    first = sensor.tick()
    assert first.run_requests == []
    assert "x/acme/overview_2025-01-19.csv" not in json.loads(first.cursor)
    sensor.now = NOW + dt.timedelta(seconds=SETTLE_SECONDS)
    assert [window(r) for r in sensor.tick().run_requests] == [(D(2025, 1, 16), D(2025, 1, 19))]


def test_same_changes_same_run_key_other_changes_other_key(demo):
    first, second = Sensor(demo), Sensor(demo)  # e.g. a tick retried after its cursor was lost
    assert first.tick().run_requests[0].run_key == second.tick().run_requests[0].run_key
    first.drop("x/acme/more_2025-01-02.csv", b"a")
    one = first.tick().run_requests[0].run_key
    first.drop("x/acme/more_2025-01-02.csv", b"ab")
    assert first.tick().run_requests[0].run_key not in (one, None)


def test_files_before_start_date_only_land(demo):
    sensor = Sensor(demo)
    sensor.tick()
    sensor.drop("x/acme/old_2024-06-01_2024-06-30.csv", b"a")
    request = sensor.tick().run_requests[0]
    assert request.asset_selection == [dg.AssetKey("export_files")]
    # export_files is partitioned like the rest: yesterday's (in Berlin) partition, nothing else
    assert (request.tags[RANGE_START_TAG], request.tags[RANGE_END_TAG]) == ("2025-01-20", "2025-01-20")


def test_deleted_file_leaves_the_cursor_and_starts_nothing(demo):
    sensor = Sensor(demo)
    sensor.tick()
    (demo.exports_path / "x/acme/account_overview_analytics.csv").unlink()
    data = sensor.tick()
    assert data.run_requests == []
    assert len(json.loads(data.cursor)) == 15


def test_missing_drop_folder_is_a_skip_not_an_error(tmp_path):
    config = load_config(write_demo(tmp_path, D(2025, 1, 1), D(2025, 1, 3)))
    for path in sorted(config.exports_path.rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    config.exports_path.rmdir()
    assert "does not exist" in Sensor(config).tick().skip_message


def test_the_sensor_run_lands_the_files_and_builds_their_dates(tmp_path):
    config = load_config(write_demo(tmp_path, D(2025, 1, 1), D(2025, 1, 6)))
    for path in config.exports_path.rglob("*"):
        set_mtime(path, EARLIER)
    sensor = Sensor(config)
    sensor.now = dt.datetime(2025, 1, 9, 12, 0, tzinfo=dt.UTC)  # yesterday: 8 January
    request = sensor.tick().run_requests[0]
    assert window(request) == (D(2025, 1, 1), D(2025, 1, 8))  # the post exports' dates .. yesterday
    result = build_definitions(config).resolve_job_def(REFRESH_JOB).execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), tags=request.tags)
    assert result.success
    with duckdb.connect(str(config.warehouse_path), read_only=True) as con:
        files = con.execute("SELECT count(*) FROM raw.export_files WHERE status = 'loaded'").fetchall()
        days = con.execute("SELECT min(date), max(date) FROM kpi.daily").fetchall()
    assert files == [(16,)]
    assert days == [(D(2025, 1, 1), D(2025, 1, 6))]  # the days with data


def test_disjoint_files_start_one_run_per_range_of_exactly_their_days(demo):
    sensor = Sensor(demo)
    sensor.tick()
    sensor.drop("x/acme/a_2025-01-02_2025-01-03.csv", b"a")
    sensor.drop("x/acme/b_2025-01-04_2025-01-05.csv", b"b")  # adjacent to a: one range
    sensor.drop("x/acme/c_2025-01-10_2025-01-11.csv", b"c")
    sensor.drop("x/acme/d_2025-01-11_2025-01-12.csv", b"d")  # overlaps c
    data = sensor.tick()
    assert [window(r) for r in data.run_requests] == [(D(2025, 1, 2), D(2025, 1, 5)), (D(2025, 1, 10), D(2025, 1, 12))]
    assert len({r.run_key for r in data.run_requests}) == 2


def test_merged_ranges():
    assert merged_ranges([]) == []
    assert merged_ranges([(D(2025, 1, 9), D(2025, 1, 9)), (D(2025, 1, 1), D(2025, 1, 3)),
                          (D(2025, 1, 2), D(2025, 1, 7)), (D(2025, 1, 8), D(2025, 1, 8))]) == [
        (D(2025, 1, 1), D(2025, 1, 9))]
    assert merged_ranges([(D(2025, 1, 1), D(2025, 1, 1)), (D(2025, 1, 3), D(2025, 1, 3))]) == [
        (D(2025, 1, 1), D(2025, 1, 1)), (D(2025, 1, 3), D(2025, 1, 3))]


def test_first_tick_after_a_landing_runs_only_the_files_dropped_since(demo):
    """Switching the sensor on over a landed drop folder rebuilds only what arrived after the landing."""
    instance = dg.DagsterInstance.ephemeral()
    instance.report_runless_asset_event(dg.AssetMaterialization("export_files"))
    landed = instance.get_latest_materialization_event(dg.AssetKey("export_files")).timestamp
    sensor = Sensor(demo)
    # every demo file (modified in 2025) was there when export_files landed; one file arrives after
    new = sensor.drop("x/acme/late_2025-01-06_2025-01-07.csv", b"late",
                      when=dt.datetime.fromtimestamp(landed + 5, dt.UTC))
    sensor.now = dt.datetime.fromtimestamp(landed + 3600, dt.UTC)
    data = sensor.sensor.evaluate_tick(dg.build_sensor_context(cursor=None, instance=instance))
    assert [window(r) for r in data.run_requests] == [(D(2025, 1, 6), D(2025, 1, 7))]
    assert data.run_requests[0].tags["socialkpi/changed_files"] == "1"
    cursor = json.loads(data.cursor)
    assert len(cursor) == 17 and cursor["x/acme/late_2025-01-06_2025-01-07.csv"][0] == new.stat().st_size
