"""A 7-day backfill of kpi_daily launched from the Dagster UI in headless Chromium, as a person does it.

`dagster dev` (webserver + daemon) runs on 127.0.0.1 over a demo built by `socialkpi run` into the
same instance; Playwright drives Debian's Chromium (no browser download): asset page ->
"Materialize…" -> a custom partition range -> "Launch backfill". The backfill must finish as ONE
successful run covering exactly the 7 days (the single-run backfill policy), and the run page
must show it. The daemon looks at backfills every 30 s, hence the generous timeout; the test
follows the backfill through GraphQL and gives each page wait what is left of that budget.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import time

import pytest

from pipelines.cli import main
from pipelines.demo import DEMO_TIMEZONE, write_demo
from pipelines.schedules import local_day
from tests.pipelines.test_ops_dagster_dev import PROJECT, DagsterDev

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is in the dev extras: pip install -e .[dev]")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install -y chromium): "
                             "the UI backfill test needs it")

TIMEOUT_S = 480  # the whole test; two daemon ticks and a run worker, slower on a loaded machine
# Like `socialkpi demo`: data ends yesterday, so the UI's default "last 90 days" view holds it all.
YESTERDAY = local_day(None, DEMO_TIMEZONE) - dt.timedelta(days=1)
BUILT = (YESTERDAY - dt.timedelta(days=11), YESTERDAY)
BACKFILL = (YESTERDAY - dt.timedelta(days=6), YESTERDAY)  # 7 days
BACKFILLS = """
query { partitionBackfillsOrError(limit: 5) { __typename
  ... on PartitionBackfills { results { id status assetSelection { path }
      runs(limit: 20) { runId status tags { key value } } } } } }"""


def left_ms(deadline: float) -> float:
    return max(deadline - time.monotonic(), 1.0) * 1000


def test_seven_day_backfill_of_kpi_daily_from_the_ui_is_one_successful_run(tmp_path, monkeypatch):
    deadline = time.monotonic() + TIMEOUT_S
    config = write_demo(tmp_path / "demo", *BUILT)
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    assert main(["run", "--config", str(config), "--start", str(BUILT[0]), "--end", str(BUILT[1])]) == 0

    dev = DagsterDev(home, config, tmp_path / "dagster_dev.log")
    try:
        dev.wait_until_ready(deadline)
        # What the first-visit "Join the Dagster community" dialog's Skip does: it would otherwise
        # open at some moment after a page loads (later on a loaded machine) and block the clicks.
        dev.graphql("mutation { setNuxSeen }")
        assert dev.graphql("query { shouldShowNux }") == {"shouldShowNux": False}
        base = dev.url.removesuffix("/graphql")
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            # Each wait may use what is left of the test's budget (not Playwright's 30 s default): on
            # a loaded machine the UI can take longer than that to render a page.
            page.set_default_timeout(left_ms(deadline))
            # "domcontentloaded", not "networkidle": the UI polls GraphQL, the network is never idle
            page.goto(f"{base}/assets/kpi_daily", wait_until="domcontentloaded")
            page.get_by_role("button", name="Materialize…").click()
            dialog = page.get_by_role("dialog")
            # the partitions are loaded (all selected) before the range replaces them
            dialog.get_by_text(re.compile(r"^\d+ partitions$")).wait_for()
            partitions = dialog.get_by_placeholder("No matching partitions")
            partitions.fill(f"[{BACKFILL[0]}...{BACKFILL[1]}]")
            partitions.press("Enter")
            dialog.get_by_text("7 partitions").wait_for()
            dialog.get_by_text("Backfills all partitions in a single run.").wait_for()
            dialog.get_by_role("button", name="Launch backfill").click()

            # the backfill's state through GraphQL, not the page: the daemon starts it at its next
            # tick (every 30 s) and marks it done at the tick after the run
            backfill = None
            while time.monotonic() < deadline:
                results = dev.graphql(BACKFILLS)["partitionBackfillsOrError"]["results"]
                backfill = results[0] if results else None
                if backfill and backfill["status"] not in ("REQUESTED", "CANCELING"):
                    break
                time.sleep(1)
            assert backfill is not None and backfill["status"] == "COMPLETED_SUCCESS", (
                backfill, (tmp_path / "dagster_dev.log").read_text()[-5000:])
            assert backfill["assetSelection"] == [{"path": ["kpi_daily"]}]
            [run] = backfill["runs"]  # one run for the 7 days
            assert run["status"] == "SUCCESS"
            tags = {t["key"]: t["value"] for t in run["tags"]}
            assert (tags["dagster/asset_partition_range_start"], tags["dagster/asset_partition_range_end"]) == (
                BACKFILL[0].isoformat(), BACKFILL[1].isoformat())

            page.set_default_timeout(left_ms(deadline))
            page.goto(f"{base}/runs/{run['runId']}", wait_until="domcontentloaded")
            page.get_by_text("Success", exact=True).first.wait_for()
            browser.close()
    finally:
        dev.stop()
