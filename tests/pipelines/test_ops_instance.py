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
