"""A snapshot of the Dagster asset graph: assets, groups, dependencies, partitions, checks, pools,
jobs, schedules and sensors (the design's "Dagster shape"). A change to the graph shows up here
as a diff to review; after an intended change, regenerate the snapshot with
`SOCIALKPI_UPDATE_SNAPSHOT=1 .venv/bin/pytest tests/pipelines/test_asset_graph.py` and commit it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import dagster as dg
import pytest

from pipelines.build import build_definitions
from pipelines.config import load_config
from pipelines.demo import write_demo
from tests.helpers import D

SNAPSHOT = Path(__file__).parent / "fixtures" / "asset_graph.json"


def graph_of(defs: dg.Definitions) -> dict[str, object]:
    graph = defs.resolve_asset_graph()
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        assets[key.to_user_string()] = {
            "group": node.group_name,
            "deps": sorted(parent.to_user_string() for parent in node.parent_keys),
            "partitions": type(node.partitions_def).__name__ if node.partitions_def else None,
            "backfill_policy": str(node.backfill_policy) if node.backfill_policy else None,
            "checks": sorted(check.name for check in node.check_keys),
            "pools": sorted(node.pools),
        }
    return {
        "assets": assets,
        "jobs": sorted(job.name for job in defs.resolve_all_job_defs() if not job.name.startswith("__")),
        "schedules": sorted(schedule.name for schedule in defs.schedules or []),
        "sensors": sorted(sensor.name for sensor in defs.sensors or []),
    }


@pytest.fixture
def definitions(tmp_path: Path) -> dg.Definitions:
    """The demo's accounts plus one API account, so the per-platform API asset factory shows too."""
    path = write_demo(tmp_path, D(2025, 1, 1), D(2025, 1, 3))
    api_account = "  - {platform: twitter, account_id: '42', brand: acme, token_env: ACME_X_TOKEN}\n"
    text = path.read_text(encoding="utf-8").replace("accounts:\n", "accounts:\n" + api_account, 1)
    path.write_text(text, encoding="utf-8")
    return build_definitions(load_config(path))


def test_the_asset_graph_matches_its_snapshot(definitions: dg.Definitions) -> None:
    current = graph_of(definitions)
    if os.environ.get("SOCIALKPI_UPDATE_SNAPSHOT"):
        SNAPSHOT.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    assert current == json.loads(SNAPSHOT.read_text(encoding="utf-8"))


def test_the_snapshot_keeps_the_design_shape() -> None:
    """What DESIGN.md fixes, read from the committed snapshot (so a regenerated one cannot drop it)."""
    snapshot = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assets = snapshot["assets"]
    groups = {name: asset["group"] for name, asset in assets.items()}
    assert groups["export_files"] == "ingest" and groups["x_api"] == "ingest"
    assert {groups[a] for a in ("core_posts", "core_account_daily")} == {"core"}
    assert {groups[a] for a in ("kpi_daily", "kpi_baselines", "kpi_target_progress")} == {"kpi"}
    assert {groups[a] for a in ("analytics_snapshot", "flash_report")} == {"publish"}
    # DESIGN.md has export_files unpartitioned; every asset shares the daily partitions and the
    # single-run policy instead, since only then is "Materialize all" over a range one run (issue 14)
    for name in ("export_files", "core_posts", "core_account_daily", "kpi_daily", "kpi_baselines",
                 "kpi_target_progress", "analytics_snapshot", "flash_report"):
        assert assets[name]["partitions"] == "DailyPartitionsDefinition"
        assert assets[name]["backfill_policy"] == "BackfillPolicy.single_run()"
    writers = [name for name, asset in assets.items() if not name.endswith("_api")]
    assert all(assets[name]["pools"] == ["duckdb_writer"] for name in writers)
    assert "refresh" in snapshot["jobs"] and snapshot["sensors"] and snapshot["schedules"]
