"""Runs launched by the schedule, a sensor or the UI get the same summary tags as `socialkpi run`."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import duckdb

from pipelines.build import REFRESH_JOB, build_definitions
from pipelines.config import load_config
from pipelines.demo import write_demo
from pipelines.run_summary import SUMMARY_TAG_PREFIX
from pipelines.schedules import range_tags

D = dt.date
P = SUMMARY_TAG_PREFIX


def finish(defs, instance, result, sensor_name):
    """What the daemon does when the run ends: call the run-status sensor with the run's last event."""
    run = instance.get_run_by_id(result.run_id)
    [record] = instance.all_logs(result.run_id, of_type={dg.DagsterEventType.RUN_SUCCESS,
                                                         dg.DagsterEventType.RUN_FAILURE})
    event = record.dagster_event
    context = dg.build_run_status_sensor_context(sensor_name=sensor_name, dagster_event=event,
                                                 dagster_instance=instance, dagster_run=run)
    defs.get_sensor_def(sensor_name)(context)
    return instance.get_run_by_id(result.run_id).tags


def test_finished_runs_get_the_summary_as_tags(tmp_path):
    config = load_config(write_demo(tmp_path, D(2025, 1, 1), D(2025, 1, 4)))
    defs = build_definitions(config)
    job = defs.resolve_job_def(REFRESH_JOB)
    instance = dg.DagsterInstance.ephemeral()

    first = job.execute_in_process(instance=instance, tags=range_tags(D(2025, 1, 2), D(2025, 1, 4)))
    assert first.success
    tags = finish(defs, instance, first, "run_summaries")
    # 2 Meta accounts x (6 daily files + 1 post export) + 1 X overview, all new
    assert tags[f"{P}files"] == "loaded=16 quarantined=0 refused=0 skipped=0 conflicts=0 already_loaded=0"
    assert tags[f"{P}partitions_built"] == "3"
    assert tags[f"{P}checks"] == "passed=5 warned=0 failed=0"  # no API account: no api_fresh_*
    assert tags[f"{P}accounts"] == "pulled=0 skipped=0 failed=0"
    assert "failed_checks" not in {t.removeprefix(P) for t in tags}
    per_step = dict(pair.split("=") for pair in tags[f"{P}seconds_per_step"].split())
    assert set(per_step) == {node.name for node in job.nodes}  # every step of the run, with its time
    assert all(float(seconds) >= 0 for seconds in per_step.values())

    with duckdb.connect(str(config.warehouse_path)) as con:  # an impossible negative reach: blocking check
        con.execute("UPDATE raw.account_daily_values SET value = -7 WHERE platform = 'facebook' "
                    "AND date = '2025-01-04' AND metric = 'reach'")
    second = job.execute_in_process(instance=instance, tags=range_tags(D(2025, 1, 4), D(2025, 1, 4)),
                                    raise_on_error=False)
    assert not second.success
    assert f"{P}checks" not in instance.get_run_by_id(second.run_id).tags  # nothing written yet
    tags = finish(defs, instance, second, "run_summaries_failed")
    assert tags[f"{P}files"] == "loaded=0 quarantined=0 refused=0 skipped=0 conflicts=0 already_loaded=16"
    assert tags[f"{P}checks"] == "passed=3 warned=0 failed=1"  # kpi_daily's check never ran
    assert tags[f"{P}failed_checks"] == "non_negative_counts"
    assert tags[f"{P}partitions_built"] == "1"


def test_a_run_that_has_its_summary_keeps_it(tmp_path):
    config = load_config(write_demo(tmp_path, D(2025, 1, 1), D(2025, 1, 2)))
    defs = build_definitions(config)
    instance = dg.DagsterInstance.ephemeral()
    result = defs.resolve_job_def(REFRESH_JOB).execute_in_process(
        instance=instance, tags={**range_tags(D(2025, 1, 2), D(2025, 1, 2)), f"{P}checks": "written by the CLI"})
    tags = finish(defs, instance, result, "run_summaries")
    assert tags[f"{P}checks"] == "written by the CLI"
    assert f"{P}files" not in tags
