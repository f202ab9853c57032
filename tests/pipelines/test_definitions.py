"""The Dagster definitions load, and materialise one partition and a partition range."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.build import build_definitions
from pipelines.config import load_config
from pipelines.demo import write_demo
from tests.helpers import D

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def demo(tmp_path):
    return load_config(write_demo(tmp_path, D(2025, 1, 1), D(2025, 1, 20)))


def materialize(config, start, end):
    defs = build_definitions(config)
    result = dg.materialize(
        list(defs.assets), resources=defs.resources, instance=dg.DagsterInstance.ephemeral(),
        tags={"dagster/asset_partition_range_start": start.isoformat(),
              "dagster/asset_partition_range_end": end.isoformat()})
    assert result.success
    return result


def snapshot(con):
    return {table: con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
            for table in ("core.account_daily", "core.posts", "core.post_snapshots", "core.post_daily",
                          "kpi.daily", "core.accounts")}


def test_definitions_load(demo):
    defs = build_definitions(demo)
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert keys == {
        "export_files", "core_posts", "core_account_daily", "core_business_facts", "kpi_daily", "kpi_baselines",
        "kpi_target_progress", "analytics_snapshot", "flash_report"}  # no API account: no `<platform>_api` asset
    assert defs.resolve_implicit_global_asset_job_def() is not None


def pools(defs):
    return {node.name: node.definition.pool for node in defs.resolve_job_def("refresh").nodes}


def test_only_platforms_with_an_api_account_get_an_api_asset(tmp_path):
    path = write_demo(tmp_path, D(2025, 1, 1), D(2025, 1, 3))
    text = path.read_text(encoding="utf-8").replace(
        "accounts:\n", "accounts:\n  - {platform: twitter, account_id: '42', brand: acme, token_env: ACME_X_TOKEN}\n"
        "  - {platform: youtube, account_id: 'UC1', brand: acme, credentials_env: {refresh_token: ACME_YT}}\n"
        "  - {platform: linkedin, account_id: '7', brand: acme}\n", 1)
    path.write_text(text, encoding="utf-8")
    defs = build_definitions(load_config(path))
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {k for k in keys if k.endswith("_api")} == {"x_api", "youtube_api"}  # linkedin is export-only
    # A DuckDB file: pulls wait for the file lock, no job per platform.
    assert pools(defs)["x_api"] is None
    assert {j.name for j in defs.resolve_all_job_defs()} & {"ingest_x", "ingest_youtube"} == set()
    # A DuckLake: one pool and one job per API platform, so platforms are pulled in parallel runs.
    path.write_text(text.replace('warehouse: "warehouse.duckdb"', 'warehouse: "ducklake:postgres:dbname=kpi"'),
                    encoding="utf-8")
    defs = build_definitions(load_config(path))
    assert {k: pools(defs)[k] for k in ("x_api", "youtube_api", "core_account_daily")} == {
        "x_api": "ingest_x", "youtube_api": "ingest_youtube", "core_account_daily": "duckdb_writer"}
    jobs = {j.name: j for j in defs.resolve_all_job_defs()}
    assert {n for n in jobs if n.startswith("ingest_")} == {"ingest_x", "ingest_youtube"}
    assert {k.to_user_string() for k in jobs["ingest_x"].asset_layer.selected_asset_keys} == {"x_api"}


def test_one_partition(demo):
    materialize(demo, D(2025, 1, 10), D(2025, 1, 10))
    with duckdb.connect(str(demo.warehouse_path), read_only=True) as con:
        days = con.execute("SELECT DISTINCT date FROM kpi.daily").fetchall()
        accounts = con.execute("SELECT count(DISTINCT (platform, account_id)) FROM core.account_daily").fetchall()
    assert days == [(D(2025, 1, 10),)]
    assert accounts == [(3,)]


def test_range_reruns_and_overlaps_leave_the_warehouse_identical(demo):
    materialize(demo, D(2025, 1, 1), D(2025, 1, 20))
    with duckdb.connect(str(demo.warehouse_path), read_only=True) as con:
        first = snapshot(con)
        # every demo day for every account, plus the x account's known-count day (2024-12-31) is outside
        assert len({row[2] for row in first["core.account_daily"]}) == 20
    materialize(demo, D(2025, 1, 1), D(2025, 1, 20))
    materialize(demo, D(2025, 1, 5), D(2025, 1, 12))
    with duckdb.connect(str(demo.warehouse_path), read_only=True) as con:
        assert snapshot(con) == first
        files = con.execute("SELECT status, count(*) FROM raw.export_files GROUP BY 1").fetchall()
    assert files == [("loaded", 16)]  # 2 x (6 daily files + 1 post export) + X overview and content, landed once
    # the analyst snapshot holds the KPI tables and no raw payloads
    with duckdb.connect(str(demo.snapshot_path), read_only=True) as con:
        schemas = {r[0] for r in con.execute("SELECT DISTINCT schema_name FROM duckdb_tables()").fetchall()}
        assert schemas == {"core", "kpi", "meta"}
        assert snapshot(con) == first
        assert con.execute("SELECT comment FROM duckdb_tables() WHERE table_name = 'daily' "
                           "AND schema_name = 'kpi'").fetchall()[0][0].startswith("Daily KPI values")
        uncommented_views = con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal "
                                        "AND coalesce(comment, '') = ''").fetchall()
        assert uncommented_views == []
        assert con.execute("SELECT count(*) FROM kpi.weekly").fetchall()[0][0] > 0


# Imported by the steps that use them: data frames, reports, spreadsheets, the warehouse, the API clients.
HEAVY_MODULES = ("pandas", "numpy", "matplotlib", "jinja2", "openpyxl", "xlrd", "duckdb", "requests", "urllib3",
                 "tenacity")


def test_loading_the_definitions_imports_no_heavy_module(tmp_path):
    """`import pipelines.definitions` (every `dagster dev` reload, run worker and sensor tick) stays
    lean: the heavy libraries are imported by the steps that use them. Checked in a fresh process."""
    path = write_demo(tmp_path, D(2025, 1, 1), D(2025, 1, 3))
    text = path.read_text(encoding="utf-8").replace(  # an API account, so the `<platform>_api` assets load too
        "accounts:\n", "accounts:\n  - {platform: twitter, account_id: '42', brand: acme, token_env: ACME_X_TOKEN}\n",
        1)
    path.write_text(text, encoding="utf-8")
    probe = ("import json, sys\nimport pipelines.definitions as d\n"
             f"print(json.dumps([len(list(d.defs.assets)), [m for m in {HEAVY_MODULES!r} if m in sys.modules],\n"
             "  [m for m in sys.modules if m.startswith('connectors.') and m.endswith(('.exports', '.api'))]]))")
    env = {**os.environ, "SOCIALKPI_CONFIG": str(path), "DAGSTER_HOME": str(tmp_path / "dagster_home"),
           "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True, env=env,
                         cwd=ROOT).stdout
    assets, heavy, parsers_and_clients = json.loads(out.strip().splitlines()[-1])
    assert assets == 10  # the 9 of test_definitions_load + x_api: the whole graph was built
    assert heavy == []
    assert parsers_and_clients == []  # connectors name them by module (ExportFormats, ApiClass)
