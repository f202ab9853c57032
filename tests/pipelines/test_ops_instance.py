"""The project's dagster.yaml: one DuckDB writer at a time, retried runs, monitored run workers."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.instance.ref import InstanceRef

from pipelines.assets import DUCKDB_POOL
from pipelines.build import REFRESH_JOB, build_definitions
from pipelines.config import load_config
from pipelines.demo import write_demo

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def instance(tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT / "dagster.yaml", home / "dagster.yaml")
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
        yield instance


def test_pool_admits_one_duckdb_step_at_a_time(instance):
    pools = instance.get_concurrency_config().pool_config
    assert pools.default_pool_limit == 1
    assert pools.pool_granularity.value == "op"
    storage = instance.event_log_storage
    storage.initialize_concurrency_limit_to_default(DUCKDB_POOL)  # what a run's first claim does
    assert storage.claim_concurrency_slot(DUCKDB_POOL, "run-a", "kpi_daily").is_claimed
    assert not storage.claim_concurrency_slot(DUCKDB_POOL, "run-b", "core_posts").is_claimed
    storage.free_concurrency_slot_for_step("run-a", "kpi_daily")
    assert storage.claim_concurrency_slot(DUCKDB_POOL, "run-b", "core_posts").is_claimed


def test_runs_are_retried_and_dead_workers_noticed(instance):
    assert instance.run_retries_enabled
    assert instance.run_retries_max_retries == 2
    assert instance.run_monitoring_enabled
    assert instance.run_monitoring_settings["free_slots_after_run_end_seconds"] == 60
    assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 4


def test_every_step_on_the_warehouse_file_is_in_the_pool(tmp_path):
    config = load_config(write_demo(tmp_path, dt.date(2025, 1, 1), dt.date(2025, 1, 2)))
    job = build_definitions(config).resolve_job_def(REFRESH_JOB)
    pools = {node.name: node.definition.pool for node in job.nodes}
    # <platform>_api steps fetch over HTTP outside the pool and wait for the file lock to write
    outside = {name for name, pool in pools.items() if pool != DUCKDB_POOL and not name.endswith("_api")}
    assert outside == set()
    assert {"core_account_daily_non_negative_counts", "kpi_daily_kpis_within_bounds"} <= set(pools)


def test_range_run_materialisations_are_stored_as_one_batch(instance, tmp_path, monkeypatch):
    """A 20-day range run records every partition (UI status, latest event, run log) in one batch per asset."""
    from pipelines.instance_storage import BatchedSqliteEventLogStorage

    storage = instance.event_log_storage
    assert isinstance(storage, BatchedSqliteEventLogStorage)
    assert storage._base_dir == str(Path(instance.root_directory) / "history" / "runs")  # the default layout
    assert type(instance).__name__ == "SocialKpiInstance"
    batches: list[tuple[str, int]] = []
    store_batch = storage.store_event_batch

    def spy(events):
        batches.append((events[0].dagster_event_type.value, len(events)))
        return store_batch(events)

    monkeypatch.setattr(storage, "store_event_batch", spy)
    config = load_config(write_demo(tmp_path / "demo", dt.date(2025, 1, 1), dt.date(2025, 1, 20)))
    keys = [dg.AssetKey(k) for k in ("core_posts", "core_account_daily", "core_business_facts", "kpi_daily")]
    result = build_definitions(config).resolve_job_def(REFRESH_JOB).execute_in_process(
        instance=instance, asset_selection=keys,
        tags={"dagster/asset_partition_range_start": "2025-01-01", "dagster/asset_partition_range_end": "2025-01-20"})
    assert result.success
    # one batch of 20 days per partitioned asset
    assert [b for b in batches if b[0] == "ASSET_MATERIALIZATION"] == [("ASSET_MATERIALIZATION", 20)] * 4
    days = {f"2025-01-{d:02d}" for d in range(1, 21)}
    for key in keys:
        assert instance.get_materialized_partitions(key) == days
        latest = instance.get_latest_materialization_event(key)
        assert latest.run_id == result.run_id and latest.dagster_event.partition == "2025-01-20"
    records = instance.fetch_materializations(dg.AssetKey("kpi_daily"), limit=100).records
    assert sorted(r.partition_key for r in records) == sorted(days)
    assert len({r.storage_id for r in records}) == 20
    assert len(instance.all_logs(result.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)) == 80
    # the run's planned events (one per asset and day here, and the checks') were one batch too, and
    # the UI's latest execution of a check is this run's evaluation
    planned = instance.all_logs(result.run_id, of_type={dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED,
                                                        dg.DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED})
    # (one per asset and day, or one per asset once `socialkpi run` has set DAGSTER_EMIT_PARTITION_SUBSET_...)
    assert {e.dagster_event.asset_key for e in planned
            if e.dagster_event_type.value == "ASSET_MATERIALIZATION_PLANNED"} == set(keys)
    assert batches[0] == ("ASSET_MATERIALIZATION_PLANNED", len(planned))
    check = dg.AssetCheckKey(dg.AssetKey("core_account_daily"), "non_negative_counts")
    [latest] = storage.get_asset_check_execution_history(check, limit=1)
    assert (latest.run_id, latest.status.value) == (result.run_id, "SUCCEEDED")


@pytest.mark.parametrize("days", [["2025-01-01", "2025-01-02", "2025-01-03"], None])
def test_planned_check_rows_are_the_ones_dagster_writes(tmp_path, days):
    """A range run's planned check: one PLANNED row per day (or one row without a partition), written
    at once by our storage and row for row what Dagster's own SQLite storage writes."""
    import logging

    import sqlalchemy as sa
    from dagster._core.events import AssetCheckEvaluationPlanned, DagsterEvent
    from dagster._core.events.log import EventLogEntry
    from dagster._core.storage.event_log.schema import AssetCheckExecutionsTable
    from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

    from pipelines.instance_storage import BatchedSqliteEventLogStorage

    partitions = dg.DailyPartitionsDefinition(start_date="2025-01-01")
    subset = None if days is None else partitions.empty_subset().with_partition_keys(days).to_serializable_subset()
    step = "core_account_daily_non_negative_counts"
    event = EventLogEntry(
        user_message="", level=logging.DEBUG, job_name=REFRESH_JOB, run_id="run-1", error_info=None,
        timestamp=1_735_700_000.0, step_key=step,
        dagster_event=DagsterEvent(
            event_type_value=dg.DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED.value, job_name=REFRESH_JOB,
            step_key=step, event_specific_data=AssetCheckEvaluationPlanned(
                asset_key=dg.AssetKey("core_account_daily"), check_name="non_negative_counts",
                partitions_subset=subset)))
    rows = []
    storages = BatchedSqliteEventLogStorage(str(tmp_path / "ours")), SqliteEventLogStorage(str(tmp_path / "dagster"))
    for storage in storages:
        storage._store_asset_check_evaluation_planned(event, 7)
        with storage.index_connection() as conn:
            table = AssetCheckExecutionsTable
            rows.append([r._asdict() for r in conn.execute(
                sa.select(*(c for c in table.c if c.name not in ("id", "create_timestamp", "updated_timestamp")))
                .order_by(table.c.partition)).fetchall()])
    ours, dagsters = rows
    assert ours == dagsters
    assert [r["partition"] for r in ours] == (days or [None])
    assert {(r["check_name"], r["run_id"], r["execution_status"], r["evaluation_event_storage_id"]) for r in ours} == {
        ("non_negative_counts", "run-1", "PLANNED", 7)}
