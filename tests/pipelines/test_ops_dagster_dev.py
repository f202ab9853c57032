"""End to end through `dagster dev`: "Materialize all" over a partition range, launched over GraphQL as
the UI does, is one run.

Slow by nature (the daemon looks at backfills every 30 s), so it has its own generous timeout
instead of a marker: it runs in CI like every other test. Every asset shares one daily partitions
definition, the single-run backfill policy and same-day dependencies, so the daemon puts the whole
graph (drop folder, core, KPIs, snapshot, report) and the quality checks in one run over the range.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import requests

from pipelines.build import build_definitions
from pipelines.config import load_config
from pipelines.demo import write_demo

D = dt.date
PROJECT = Path(__file__).resolve().parents[2]
DAGSTER = Path(sys.executable).parent / "dagster"
TIMEOUT_S = 300  # the whole test; a healthy run needs 30-90 s
START, END = D(2025, 1, 1), D(2025, 1, 5)

ASSET_KEYS = "query { assetNodes { assetKey { path } isPartitioned } }"
LAUNCH_BACKFILL = """
mutation LaunchPartitionBackfill($backfillParams: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $backfillParams) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message stack }
    ... on PartitionSetNotFoundError { message }
    ... on InvalidStepError { invalidStepKey }
    ... on InvalidOutputError { stepKey invalidOutputName }
    ... on UnauthorizedError { message }
  }
}"""
BACKFILL_STATUS = """
query Backfill($backfillId: String!) {
  partitionBackfillOrError(backfillId: $backfillId) {
    __typename
    ... on PartitionBackfill { status runs(limit: 20) { runId status tags { key value } } }
    ... on PythonError { message }
  }
}"""
CHECK_EXECUTIONS = """
query Checks($assetKey: AssetKeyInput!) {
  assetNodeOrError(assetKey: $assetKey) {
    ... on AssetNode {
      assetChecksOrError { ... on AssetChecks { checks { name executionForLatestMaterialization {
        status runId evaluation { severity } } } } }
    }
  }
}"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class DagsterDev:
    """`dagster dev` (webserver + daemon) on 127.0.0.1 with its own DAGSTER_HOME."""

    def __init__(self, home: Path, config: Path, log: Path):
        self.port = free_port()
        env = {**os.environ, "DAGSTER_HOME": str(home), "SOCIALKPI_CONFIG": str(config)}
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [str(DAGSTER), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(self.port)],
            cwd=PROJECT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}/graphql"

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        response = requests.post(self.url, json={"query": query, "variables": variables or {}}, timeout=30)
        response.raise_for_status()
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    def wait_until_ready(self, deadline: float) -> list[dict]:
        """Asset nodes, once the webserver answers and the code location has loaded."""
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "dagster dev exited"
            try:
                nodes = self.graphql(ASSET_KEYS)["assetNodes"]
                if nodes:
                    return nodes
            except (requests.ConnectionError, requests.Timeout):
                pass
            time.sleep(0.5)
        raise AssertionError("dagster dev did not come up")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # the session this test started
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)
        self.log.close()


def test_backfill_of_a_range_from_the_ui_builds_tables_and_runs_checks(tmp_path):
    deadline = time.monotonic() + TIMEOUT_S
    config = write_demo(tmp_path / "demo", START, END)
    expected = {key.to_user_string() for key in build_definitions(load_config(config)).resolve_asset_graph()
                .get_all_asset_keys()}
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT / "dagster.yaml", home / "dagster.yaml")
    dev = DagsterDev(home, config, tmp_path / "dagster_dev.log")
    try:
        nodes = dev.wait_until_ready(deadline)
        every_asset = sorted(n["assetKey"]["path"][0] for n in nodes)
        assert set(every_asset) == expected and "export_files" in expected and "flash_report" in expected
        # what the UI sends from "Materialize all" -> a partition range: every asset, the range's keys
        days = [(START + dt.timedelta(days=i)).isoformat() for i in range((END - START).days + 1)]
        launched = dev.graphql(LAUNCH_BACKFILL, {"backfillParams": {
            "assetSelection": [{"path": [key]} for key in every_asset],
            "partitionNames": days, "fromFailure": False, "tags": []}})["launchPartitionBackfill"]
        assert launched["__typename"] == "LaunchBackfillSuccess", launched
        backfill_id = launched["backfillId"]

        status = None
        while time.monotonic() < deadline:
            backfill = dev.graphql(BACKFILL_STATUS, {"backfillId": backfill_id})["partitionBackfillOrError"]
            status = backfill["status"]
            if status not in ("REQUESTED", "CANCELING"):
                break
            time.sleep(1)
        assert status == "COMPLETED_SUCCESS", (status, backfill, (tmp_path / "dagster_dev.log").read_text()[-5000:])
        # one run over the whole range and the whole graph (it was six: one per unpartitioned asset
        # and per look-back partition mapping)
        [run] = backfill["runs"]
        assert run["status"] == "SUCCESS"
        tags = {t["key"]: t["value"] for t in run["tags"]}
        assert (tags["dagster/asset_partition_range_start"], tags["dagster/asset_partition_range_end"]) == (
            START.isoformat(), END.isoformat())

        checks = {}
        for key in ("core_account_daily", "kpi_daily"):
            node = dev.graphql(CHECK_EXECUTIONS, {"assetKey": {"path": [key]}})["assetNodeOrError"]
            for check in node["assetChecksOrError"]["checks"]:
                checks[f"{key}.{check['name']}"] = (check["executionForLatestMaterialization"] or {}).get("status")
    finally:
        dev.stop()

    # the freshness checks are judged by their own sensor, not by runs (and yesterday's partition
    # is missing here: the demo's data is from 2025), so only their presence is asserted
    assert {"core_account_daily.freshness_check", "kpi_daily.freshness_check"} <= set(checks)
    assert {name: status for name, status in checks.items() if not name.endswith("freshness_check")} == {
        "core_account_daily.non_negative_counts": "SUCCEEDED",
        "core_account_daily.reported_negative_counts": "SUCCEEDED",
        "core_account_daily.followers_continuity": "SUCCEEDED",
        "core_account_daily.accounts_have_latest_day": "SUCCEEDED",
        "kpi_daily.kpis_within_bounds": "SUCCEEDED"}
    with duckdb.connect(str(tmp_path / "demo" / "warehouse.duckdb"), read_only=True) as con:
        days_built = con.execute("SELECT min(date), max(date), count(DISTINCT date) FROM kpi.daily").fetchall()
        accounts = con.execute("SELECT count(DISTINCT (platform, account_id)) FROM core.account_daily").fetchall()
    assert days_built == [(START, END, 5)]
    assert (tmp_path / "demo" / "analytics.duckdb").is_file()  # the snapshot step ran in the same run
    assert accounts == [(3,)]
