"""Alerts end to end: the demo's launch-day anomaly through the alert sensor to a real SMTP server
(aiosmtpd) and a Slack webhook receiver (pytest-httpserver), both on 127.0.0.1.

The demo is built over 60 days ending yesterday; the launch day is found in the demo's own export
file (the day with the highest Facebook reach: the demo multiplies that day's reach by 4), and the
expected values are computed here from the export files, not read from the warehouse.
"""

from __future__ import annotations

import csv
import datetime as dt
import email
import io
import json
import logging
import shutil
import socket
import statistics
from dataclasses import dataclass
from email import policy
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from pytest_httpserver import HTTPServer
from werkzeug import Response

from pipelines.alerts import build_alerts_sensor
from pipelines.build import REFRESH_JOB, build_definitions
from pipelines.cli import main
from pipelines.config import load_config
from pipelines.demo import write_demo
from pipelines.schedules import range_tags

FACEBOOK, INSTAGRAM = "facebook/100000000000001", "instagram/17841400000000001"
SLACK_TOKEN = "XyZsecretWebhookToken0123"
SLACK_PATH = f"/services/T0001/B0002/{SLACK_TOKEN}"
SMTP_USER, SMTP_PASSWORD = "alerts", "pw-SECRET-4711"
SECRETS = (SLACK_TOKEN, SMTP_PASSWORD)
# aiosmtpd warns that AUTH without TLS is unsafe: true for a real server, fine on 127.0.0.1 in a test
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


def meta_daily(path: Path) -> dict[dt.date, int]:
    """A Meta Business Suite daily file as the demo writes it: UTF-16, `sep=,`, a title line, Date/Primary."""
    lines = path.read_bytes().decode("utf-16").splitlines()[2:]
    rows = list(csv.reader(io.StringIO("\n".join(lines))))
    return {dt.date.fromisoformat(day[:10]): int(value) for day, value in rows[1:]}


@dataclass
class Launch:
    folder: Path
    day: dt.date
    reach: dict[str, dict[dt.date, int]]
    instance: dg.DagsterInstance


@pytest.fixture(scope="module")
def launch(tmp_path_factory) -> Launch:
    """The demo built over its whole range, then a nightly-like run ending on the launch day (the run
    the sensor sees)."""
    folder = tmp_path_factory.mktemp("alerts_demo")
    end = dt.date.today() - dt.timedelta(days=1)
    start = end - dt.timedelta(days=59)
    config = load_config(write_demo(folder, start, end))
    reach = {key: meta_daily(folder / "exports" / key / "Reach.csv") for key in (FACEBOOK, INSTAGRAM)}
    day = max(reach[FACEBOOK], key=reach[FACEBOOK].get)
    job = build_definitions(config).resolve_job_def(REFRESH_JOB)
    assert job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), tags=range_tags(start, end)).success
    instance = dg.DagsterInstance.ephemeral()
    assert job.execute_in_process(instance=instance, tags=range_tags(day - dt.timedelta(days=3), day)).success
    return Launch(folder, day, reach, instance)


class Mailbox:
    """aiosmtpd handler: keeps every message and the logins it saw."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.raw: list[bytes] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls this hook by name
        self.raw.append(envelope.content)
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


def _authenticate(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == SMTP_USER \
        and auth_data.password.decode() == SMTP_PASSWORD
    return AuthResult(success=ok)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def mailbox():
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=_free_port(), authenticator=_authenticate,
                            auth_required=True, auth_require_tls=False)
    controller.start()
    box.port = controller.port
    yield box
    controller.stop()


class LogLines(logging.Handler):
    """Every line the sensor logs (added to the sensor context's own logger)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def dagster_log():
    return LogLines()


@pytest.fixture
def webhook():
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


def alerts_yaml(smtp_port: int, *, report_failing_after: int = 3) -> str:
    return f"""
alerts:
  channels:
    slack: {{webhook_url_env: TEST_ALERTS_SLACK_URL}}
    email:
      host: 127.0.0.1
      port: {smtp_port}
      security: none
      username: {SMTP_USER}
      password_env: TEST_ALERTS_SMTP_PASSWORD
      from: alerts@acme.example
      to: [team@acme.example, lead@acme.example]
      timeout_seconds: 5
  rules:
    anomalies: {{kpis: [reach], scopes: [account], min_robust_z: 3.5, min_abs_change: 1000}}
    targets: {{}}
    api_accounts: {{stale_days: 2}}
    quarantine: {{}}
  report_failing_after: {report_failing_after}
"""


@pytest.fixture
def site(launch, tmp_path, monkeypatch, webhook):
    """A copy of the built demo (so each test starts with an empty meta.alerts_sent) and the secrets."""
    folder = tmp_path / "demo"
    shutil.copytree(launch.folder, folder)
    monkeypatch.setenv("TEST_ALERTS_SLACK_URL", webhook.url_for(SLACK_PATH))
    monkeypatch.setenv("TEST_ALERTS_SMTP_PASSWORD", SMTP_PASSWORD)
    return folder


def configure(folder: Path, smtp_port: int, **kwargs: int):
    path = folder / "socialkpi.yaml"
    path.write_text(path.read_text(encoding="utf-8") + alerts_yaml(smtp_port, **kwargs), encoding="utf-8")
    return load_config(path)


class Ticker:
    """The alert sensor as the daemon runs it: one evaluation per tick, the cursor carried over."""

    def __init__(self, config, instance: dg.DagsterInstance, log: LogLines) -> None:
        self.sensor = build_alerts_sensor(config, REFRESH_JOB)
        self.instance = instance
        self.log = log
        self.cursor: str | None = None

    def tick(self) -> dg.SensorResult:
        context = dg.build_sensor_context(instance=self.instance, cursor=self.cursor)
        context.log.addHandler(self.log)
        data = self.sensor.evaluate_tick(context)
        self.cursor = data.cursor
        return data


def sent_rows(config) -> list[tuple]:
    with duckdb.connect(str(config.warehouse_path), read_only=True) as con:
        return con.execute("SELECT channel, rule, scope, date, status, attempt, error FROM meta.alerts_sent "
                           "ORDER BY attempted_at, channel, scope").fetchall()


def warehouse_text(config) -> str:
    with duckdb.connect(str(config.warehouse_path), read_only=True) as con:
        return "\n".join(str(row) for table in ("meta.alerts_sent", "meta.load_log")
                         for row in con.execute(f"SELECT * FROM {table}").fetchall())


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


def slack_posts(webhook: HTTPServer) -> list[dict]:
    return [json.loads(request.data) for request, _ in webhook.log]


def expected(launch: Launch, key: str) -> tuple[str, str, str]:
    """Value, 28-day median and % change of the day's reach, computed from the export file."""
    series = launch.reach[key]
    value = series[launch.day]
    median = statistics.median(series[launch.day - dt.timedelta(days=n)] for n in range(1, 29))
    return f"{value:,}", f"{median:,.0f}", f"{(value - median) / median * 100:+.1f} %"


def test_launch_day_anomaly_reaches_slack_and_email_once(launch, site, mailbox, webhook, dagster_log, capsys):
    webhook.expect_request(SLACK_PATH, method="POST").respond_with_data("ok")
    config = configure(site, mailbox.port)
    ticker = Ticker(config, launch.instance, dagster_log)

    ticker.tick()
    posts = slack_posts(webhook)
    assert len(posts) == 1 and len(mailbox.messages) == 1
    fb_value, fb_median, fb_change = expected(launch, FACEBOOK)
    ig_value, ig_median, _ = expected(launch, INSTAGRAM)

    # Slack: Block Kit, one section (and one fields section) per alert, the flash report at the end
    blocks = posts[0]["blocks"]
    assert blocks[0]["type"] == "header" and "Acme: 2 alerts" in blocks[0]["text"]["text"]
    sections = [b for b in blocks if b["type"] == "section" and "text" in b]
    assert [s["text"]["text"].split("\n")[0] for s in sections] == [
        "*Anomaly: reach of Acme on Facebook (facebook/100000000000001)*",
        "*Anomaly: reach of Acme on Instagram (instagram/17841400000000001)*"]
    fields = [{f["text"].split("\n")[0]: f["text"].split("\n")[1] for f in b["fields"]}
              for b in blocks if "fields" in b]
    assert fields[0]["*Value*"] == fb_value and fields[0]["*Baseline (28-day median)*"] == fb_median
    assert fields[0]["*Change vs baseline*"] == fb_change and fields[0]["*Date*"] == launch.day.isoformat()
    assert fields[1]["*Value*"] == ig_value and fields[1]["*Baseline (28-day median)*"] == ig_median
    reports = sorted((site / "reports").glob("acme_week_*.html"))
    assert reports and blocks[-1]["elements"][0]["text"] == f"Flash report: {reports[-1]}"

    # E-mail: plain text and an HTML alternative with the same facts, to both recipients
    message = mailbox.messages[0]
    assert message["Subject"] == f"[socialkpi] Acme: 2 alerts ({launch.day})"
    assert mailbox.envelopes[0] == ("alerts@acme.example", ["team@acme.example", "lead@acme.example"])
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for part in (text, html):
        assert f"was {fb_value}, above its 28-day median of {fb_median}" in part
        assert f"was {ig_value}, above its 28-day median of {ig_median}" in part
        assert str(reports[-1]) in part
    assert "<h3>Anomaly: reach of Acme on Facebook (facebook/100000000000001)</h3>" in html

    # recorded once per alert and channel; the x followers target stays off track that day: no alert
    rows = sent_rows(config)
    assert sorted((r[0], r[2], r[4], r[5]) for r in rows) == [
        ("email", "acme/facebook/100000000000001/reach", "sent", 1),
        ("email", "acme/instagram/17841400000000001/reach", "sent", 1),
        ("slack", "acme/facebook/100000000000001/reach", "sent", 1),
        ("slack", "acme/instagram/17841400000000001/reach", "sent", 1)]
    assert {r[3] for r in rows} == {launch.day}

    ticker.tick()  # no new run, nothing failed: nothing is sent again
    assert len(webhook.log) == 1 and len(mailbox.messages) == 1 and len(sent_rows(config)) == 4
    assert "alerts: sent 2 alert(s) of acme to slack" in dagster_log.text
    assert_no_secret(json.dumps(posts), *(raw.decode() for raw in mailbox.raw), warehouse_text(config),
                     dagster_log.text, capsys.readouterr().out)


def test_a_webhook_answering_500_is_retried_on_the_next_tick(launch, site, mailbox, webhook, dagster_log, capsys):
    # a receiver that echoes the secret URL in its error page: it must not reach a log or a table
    webhook.expect_ordered_request(SLACK_PATH, method="POST").respond_with_response(
        Response(f"internal error at {webhook.url_for(SLACK_PATH)}", status=500))
    webhook.expect_ordered_request(SLACK_PATH, method="POST").respond_with_data("ok")
    config = configure(site, mailbox.port)
    ticker = Ticker(config, launch.instance, dagster_log)

    ticker.tick()
    assert len(webhook.log) == 1 and len(mailbox.messages) == 1
    failed = [r for r in sent_rows(config) if r[0] == "slack"]
    assert [(r[4], r[5]) for r in failed] == [("failed", 1), ("failed", 1)]
    assert failed[0][6] == "Slack webhook answered HTTP 500: internal error at ***"  # the URL is the secret

    ticker.tick()  # retried: the same two alerts, one message
    assert len(webhook.log) == 2 and len(mailbox.messages) == 1
    retried = json.loads(webhook.log[1][0].data)
    assert retried["blocks"][0]["text"]["text"].startswith("Acme: 2 alerts")
    slack = [r for r in sent_rows(config) if r[0] == "slack"]
    assert sorted((r[2], r[4], r[5]) for r in slack) == [
        ("acme/facebook/100000000000001/reach", "failed", 1), ("acme/facebook/100000000000001/reach", "sent", 2),
        ("acme/instagram/17841400000000001/reach", "failed", 1),
        ("acme/instagram/17841400000000001/reach", "sent", 2)]

    ticker.tick()
    assert len(webhook.log) == 2 and len(mailbox.messages) == 1
    webhook.check_assertions()
    assert "failed (retried on the next tick): Slack webhook answered HTTP 500" in dagster_log.text
    assert_no_secret(warehouse_text(config), dagster_log.text, capsys.readouterr().out)


def test_a_channel_that_keeps_failing_is_reported_and_never_raises(launch, site, webhook, dagster_log, capsys):
    webhook.expect_request(SLACK_PATH, method="POST").respond_with_data("no", status=503)
    config = configure(site, _free_port(), report_failing_after=2)  # nothing listens on the SMTP port
    ticker = Ticker(config, launch.instance, dagster_log)
    first, second = ticker.tick(), ticker.tick()
    assert "4 failed" in first.skip_message and "4 failed" in second.skip_message
    rows = sent_rows(config)
    assert {(r[0], r[4]) for r in rows} == {("slack", "failed"), ("email", "failed")}
    assert sorted(r[5] for r in rows) == [1, 1, 1, 1, 2, 2, 2, 2]
    email_error = next(r[6] for r in rows if r[0] == "email")
    assert email_error.startswith(f"SMTP 127.0.0.1:{config.alerts.channels.email.port}: ConnectionRefusedError")
    with duckdb.connect(str(config.warehouse_path), read_only=True) as con:
        reported = con.execute("SELECT subject, message FROM meta.load_log WHERE step = 'alerts' "
                               "ORDER BY subject").fetchall()
    assert [r[0] for r in reported] == ["email", "slack"]  # reported once the streak reached 2
    assert reported[1][1].startswith("alert channel slack keeps failing: the last 2 digests failed")
    assert "keeps failing" in dagster_log.text
    assert_no_secret(warehouse_text(config), dagster_log.text, capsys.readouterr().out)


def test_cli_dry_run_prints_and_records_nothing_then_test_sends_samples(launch, site, mailbox, webhook, capsys):
    webhook.expect_request(SLACK_PATH, method="POST").respond_with_data("ok")
    config = configure(site, mailbox.port)
    fb_value, fb_median, _ = expected(launch, FACEBOOK)
    assert main(["--config", str(config.source), "alerts", "--dry-run", "--date", launch.day.isoformat()]) == 0
    out = capsys.readouterr().out
    assert out.count(f"was {fb_value}, above its 28-day median of {fb_median}") == 2  # slack and email
    assert "2 digest(s) would be sent (dry run: nothing sent or recorded)" in out
    assert len(webhook.log) == 0 and len(mailbox.messages) == 0 and sent_rows(config) == []

    assert main(["--config", str(config.source), "alerts", "test"]) == 0
    assert capsys.readouterr().out == "slack: sample sent\nemail: sample sent\n"
    assert len(webhook.log) == 1 and len(mailbox.messages) == 1
    assert mailbox.messages[0]["Subject"].startswith("[socialkpi] Acme: 1 alert (")
    assert sent_rows(config) == []  # samples are not alerts
