"""Broken connectors reach people: a failing API account and a quarantined export file, from a run that
fails, through the alert sensor to a webhook receiver on 127.0.0.1; a stale API account in a dry run."""

from __future__ import annotations

import datetime as dt
import json

import dagster as dg
import duckdb
import pytest
from pytest_httpserver import HTTPServer

from pipelines import alerts
from pipelines.alerts import build_alerts_sensor
from pipelines.build import REFRESH_JOB, build_definitions
from pipelines.config import load_config
from pipelines.schedules import range_tags
from tests.fakes.meta import EXPIRED_TOKEN, VALID_TOKEN, FakePage

pytest_plugins = ["tests.fakes.meta"]

D = dt.date
PAGE, OTHER_PAGE = "1234567890", "555"
HOOK = "/services/T1/B2/hookSECRETtoken987"


@pytest.fixture
def webhook():
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


@pytest.fixture
def config(tmp_path, meta_graph, monkeypatch, webhook):
    meta_graph.pages[PAGE] = FakePage(PAGE, daily={
        "page_media_view": {D(2026, 11, 18): 7000, D(2026, 11, 19): 7300},
        "page_total_media_view_unique": {D(2026, 11, 18): 2100, D(2026, 11, 19): 2230}})
    meta_graph.pages[OTHER_PAGE] = FakePage(OTHER_PAGE)
    monkeypatch.setenv("ACME_FB_TOKEN", VALID_TOKEN)
    monkeypatch.setenv("OTHER_FB_TOKEN", EXPIRED_TOKEN)
    monkeypatch.setenv("ALERTS_HOOK", webhook.url_for(HOOK))
    bad = tmp_path / "exports" / "facebook" / PAGE
    bad.mkdir(parents=True)
    (bad / "notes.csv").write_text("name,colour\nfoo,blue\n", encoding="utf-8")  # not a Meta export
    path = tmp_path / "socialkpi.yaml"
    path.write_text(f"""
timezone: "Europe/Berlin"
start_date: "2026-11-01"
exports_dir: exports
brands: [{{id: acme, name: Acme}}]
accounts:
  - {{platform: facebook, account_id: "{PAGE}", name: Acme FB, brand: acme, token_env: ACME_FB_TOKEN,
      api_base_url: "{meta_graph.url}"}}
  - {{platform: facebook, account_id: "{OTHER_PAGE}", brand: acme, token_env: OTHER_FB_TOKEN,
      api_base_url: "{meta_graph.url}"}}
alerts:
  channels: {{slack: {{webhook_url_env: ALERTS_HOOK}}}}
  rules:
    api_accounts: {{stale_days: 2}}
    quarantine: {{}}
""", encoding="utf-8")
    return load_config(path)


def test_failing_account_and_quarantined_file_of_a_failed_run_are_alerted(config, webhook):
    webhook.expect_request(HOOK, method="POST").respond_with_data("ok")
    instance = dg.DagsterInstance.ephemeral()
    result = build_definitions(config).resolve_job_def(REFRESH_JOB).execute_in_process(
        instance=instance, tags=range_tags(D(2026, 11, 18), D(2026, 11, 19)), raise_on_error=False)
    assert not result.success  # the expired token fails facebook_api

    sensor = build_alerts_sensor(config, REFRESH_JOB)
    data = sensor.evaluate_tick(dg.build_sensor_context(instance=instance))
    assert data.skip_message == "alerts: 2 sent, 0 failed (retried on the next tick)"
    [post] = [json.loads(request.data) for request, _ in webhook.log]
    titles = [b["text"]["text"].split("\n")[0] for b in post["blocks"] if b["type"] == "section" and "text" in b]
    assert titles == [f"*API account failing: facebook/{OTHER_PAGE}*",
                      f"*Export file quarantined: facebook/{PAGE}/notes.csv*"]
    body = json.dumps(post)
    assert f"re-authorise facebook account {OTHER_PAGE}" in body
    assert "not a recognised facebook export" in body
    assert EXPIRED_TOKEN not in body and VALID_TOKEN not in body and "hookSECRETtoken987" not in body
    with duckdb.connect(str(config.warehouse_path), read_only=True) as con:
        rows = con.execute("SELECT rule, scope, status, run_id FROM meta.alerts_sent ORDER BY rule").fetchall()
        log = con.execute("SELECT string_agg(message, ' ') FROM meta.load_log").fetchall()[0][0]
    assert rows == [("api_failing", f"facebook/{OTHER_PAGE}", "sent", result.run_id),
                    ("quarantine", f"facebook/{PAGE}/notes.csv", "sent", result.run_id)]
    assert EXPIRED_TOKEN not in log

    # the failed run's KPI rules are not evaluated, and nothing is sent twice
    sensor.evaluate_tick(dg.build_sensor_context(instance=instance, cursor=data.cursor))
    assert len(webhook.log) == 1

    # 21 November: the good account's newest API day is 19 November, 2 days before: stale
    digests = alerts.dry_run(config, alerts.Window(D(2026, 11, 21)))
    assert [(a.rule, a.scope, a.date) for d in digests for a in d.alerts] == [
        ("api_stale", f"facebook/{PAGE}", D(2026, 11, 19))]
    assert alerts.dry_run(config, alerts.Window(D(2026, 11, 20))) == []
