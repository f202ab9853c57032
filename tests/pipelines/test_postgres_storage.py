"""The pipeline runs with Dagster's Postgres instance storage (docs/scaling.md), against a real
PostgreSQL started in the test on 127.0.0.1 (initdb/pg_ctl of the Debian package, data in tmp_path).

Skipped, with the reason, only where PostgreSQL is not installed (`.ci/run` installs it).
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._core.instance.ref import InstanceRef

from pipelines.build import build_definitions
from pipelines.config import load_config
from pipelines.demo import write_demo
from tests.helpers import D
from tests.postgres import running_postgres

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def postgres(tmp_path):
    with running_postgres(tmp_path) as server:
        yield server


def test_pipeline_runs_with_postgres_instance_storage(tmp_path, postgres):
    home = tmp_path / "dagster_home"
    home.mkdir()
    settings = yaml.safe_load((PROJECT / "dagster.yaml").read_text(encoding="utf-8"))
    settings["storage"] = {"postgres": {"postgres_db": postgres}}
    (home / "dagster.yaml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    config = load_config(write_demo(tmp_path / "demo", D(2025, 1, 1), D(2025, 1, 10)))
    defs = build_definitions(config)

    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        result = dg.materialize(
            list(defs.assets), resources=defs.resources, instance=instance,
            tags={"dagster/asset_partition_range_start": "2025-01-01",
                  "dagster/asset_partition_range_end": "2025-01-10"})
        assert result.success
        run_id = result.run_id

    # A second instance on the same database sees the run and its materialisations: they live in
    # Postgres, not in DAGSTER_HOME.
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
        run = instance.get_run_by_id(run_id)
        assert run is not None and run.status == dg.DagsterRunStatus.SUCCESS
        materialized = instance.get_latest_materialization_event(dg.AssetKey("kpi_daily"))
        assert materialized is not None and materialized.run_id == run_id
    assert not list(home.glob("**/*.db")), "Dagster fell back to SQLite files in DAGSTER_HOME"
