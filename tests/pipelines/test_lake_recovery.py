"""Which ended runs the next run reverts on a DuckLake (DuckDB-file catalog; runs of a real
ephemeral Dagster instance): killed or canceled ones, not those that failed on their own. And the
lake's jobs and pools: one pool and job per API platform, every step redone on a retry."""

import dagster as dg
import pytest
from dagster._core.storage.dagster_run import DagsterRun, DagsterRunStatus

from pipelines.build import build_definitions
from pipelines.config import load_config
from pipelines.lake_recovery import interrupted, recover_lake_runs
from warehouse.connection import DuckLake, connect
from warehouse.lake_runs import begin_run
from warehouse.writes import transaction


@dg.asset
def fine() -> int:
    return 1


@dg.asset
def broken() -> int:
    raise ValueError("a step that fails on its own")


@pytest.fixture
def instance():
    with dg.DagsterInstance.ephemeral() as instance:
        yield instance


def ended_run(instance: dg.DagsterInstance, run_id: str, status: DagsterRunStatus) -> None:
    """A run as the instance records one killed (marked failed afterwards) or canceled."""
    instance.add_run(DagsterRun(job_name="refresh", run_id=run_id, status=DagsterRunStatus.STARTED))
    run = instance.get_run_by_id(run_id)
    if status == DagsterRunStatus.FAILURE:
        instance.report_run_failed(run, message="its socialkpi run process is gone (killed)")
    elif status == DagsterRunStatus.CANCELED:
        instance.report_run_canceled(run)


def test_killed_and_canceled_runs_are_reverted_the_others_kept(tmp_path, instance):
    succeeded = dg.materialize([fine], instance=instance).run_id
    failed = dg.materialize([broken], instance=instance, raise_on_error=False).run_id
    ended_run(instance, "killed", DagsterRunStatus.FAILURE)
    ended_run(instance, "canceled", DagsterRunStatus.CANCELED)
    instance.add_run(DagsterRun(job_name="refresh", run_id="going", status=DagsterRunStatus.STARTED))
    runs = [succeeded, failed, "killed", "canceled", "going", "another-instance", "current"]
    assert [interrupted(instance, instance.get_run_by_id(r)) for r in runs[:5]] == [False, False, True, True, False]

    with connect(DuckLake(str(tmp_path / "catalog.ducklake"), f"{tmp_path / 'files'}/")) as con:
        for number, run_id in enumerate(runs):
            begin_run(con, run_id)
            with transaction(con):
                con.execute("INSERT INTO meta.published_snapshots VALUES (?, TIMESTAMP '2025-01-01 00:00:00')",
                            [number])
        reverts = recover_lake_runs(con, instance, current_run_id="current")
        assert [r.run_id for r in reverts] == ["killed", "canceled"]
        assert con.execute("SELECT lake_snapshot FROM meta.published_snapshots ORDER BY 1").fetchall() == [
            (0,), (1,), (4,), (5,), (6,)]
        assert dict(con.execute("SELECT run_id, outcome FROM meta.lake_runs").fetchall()) == {
            succeeded: "succeeded", failed: "kept", "killed": "reverted", "canceled": "reverted",
            "going": None, "another-instance": None, "current": None}
        assert recover_lake_runs(con, instance, current_run_id="current") == []  # settled once


def jobs_and_pools(tmp_path, warehouse: str) -> tuple[dict[str, dict], dict[str, list[str]]]:
    path = tmp_path / "socialkpi.yaml"
    path.write_text(f"""
timezone: "Europe/Berlin"
start_date: "2026-11-01"
warehouse: "{warehouse}"
brands: [{{id: acme, name: Acme}}]
accounts:
  - {{platform: facebook, account_id: "1", brand: acme, token_env: ACME_FB_TOKEN}}
  - {{platform: x, account_id: "2", brand: acme, token_env: ACME_X_TOKEN}}
  - {{platform: instagram, account_id: "3", brand: acme}}
""", encoding="utf-8")
    defs = build_definitions(load_config(path))
    jobs = {job.name: dict(job.tags) for job in defs.jobs}
    graph = defs.resolve_asset_graph()
    pools = {name: sorted(graph.get(dg.AssetKey(name)).pools)
             for name in ("facebook_api", "x_api", "export_files", "kpi_daily")}
    return jobs, pools


def test_on_a_lake_each_api_platform_has_its_pool_and_job_and_runs_retry_every_step(tmp_path):
    jobs, pools = jobs_and_pools(tmp_path, f"ducklake:{tmp_path / 'catalog.ducklake'}")
    assert jobs == {"refresh": {"dagster/retry_strategy": "ALL_STEPS"},
                    "ingest_facebook": {"dagster/retry_strategy": "ALL_STEPS"},
                    "ingest_x": {"dagster/retry_strategy": "ALL_STEPS"}}
    assert pools == {"facebook_api": ["ingest_facebook"], "x_api": ["ingest_x"], "export_files": ["duckdb_writer"],
                     "kpi_daily": ["duckdb_writer"]}


def test_on_a_duckdb_file_one_job_and_the_writer_pool(tmp_path):
    jobs, pools = jobs_and_pools(tmp_path, str(tmp_path / "warehouse.duckdb"))
    assert jobs == {"refresh": {}}
    assert pools["export_files"] == pools["kpi_daily"] == ["duckdb_writer"]
