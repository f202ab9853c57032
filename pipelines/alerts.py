"""Alerts that reach people: rule evaluation wired to Slack and e-mail, and the alert sensor.

After each finished refresh run the `alerts` sensor evaluates the config's `alerts.rules`
(transforms/alerts.py) and sends one digest per brand and channel: Slack Block Kit through an
incoming webhook, e-mail as plain text with an HTML alternative through SMTP. meta.alerts_sent
records every attempt, so an alert is never sent twice and a failed one is re-sent on the next
tick. Secrets (the webhook URL, the SMTP password) come from environment variables named in the
config and never reach a log line, a message or a table. The sensor never starts a run and never
fails one: a channel that keeps failing is reported and retried.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import smtplib
import ssl
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import TYPE_CHECKING

import dagster as dg

from pipelines.config import Account, Alerts, Config, EmailChannel, SlackChannel
from pipelines.schedules import RANGE_END_TAG
from transforms import alerts as rules
from transforms.alerts import FAILED, SENT, Alert
from warehouse.connection import WarehouseLockedError, connect, exists
from warehouse.writes import log_event, utc_now

if TYPE_CHECKING:  # for annotations: DuckDB is imported where it is called (definitions start-up time)
    import duckdb

ALERTS_SENSOR = "alerts"
STEP = "alerts"
SLACK_TIMEOUT_SECONDS = 10
# Block Kit allows 50 blocks per message, an alert in full takes 3 (text, fields, divider) and the
# digest 3 more (header, the one-line rest, the report path): alerts past this many get one line each.
SLACK_DETAILED_ALERTS = 15
SLACK_TEXT_LIMIT = 2900  # a section's text may hold 3,000 characters
PARTITION_TAG = "dagster/partition"

Log = Callable[[str], None]


class DeliveryError(Exception):
    """A delivery failed; the message is safe to log and store (no secret in it)."""


class SecretMissingError(DeliveryError):
    """The environment variable a channel needs is not set."""


# ---- secrets --------------------------------------------------------------------------------------


def _env(name: str, what: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise SecretMissingError(f"environment variable {name} ({what}) is not set")
    return value


def redact(text: str, secrets: Sequence[str]) -> str:
    """`text` with every secret (and every URL path of a secret URL) replaced by ***."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, "***")
        if "://" in secret:
            path = secret.split("://", 1)[1].partition("/")[2]
            if len(path) >= 8:
                text = text.replace("/" + path, "/***").replace(path, "***")
    return text


def channel_secrets(config: Alerts) -> list[str]:
    """The secret values the configured channels use (to keep them out of everything we write)."""
    names = []
    if config.channels.slack:
        names.append(config.channels.slack.webhook_url_env)
    if config.channels.email and config.channels.email.password_env:
        names.append(config.channels.email.password_env)
    return [os.environ[n] for n in names if os.environ.get(n)]


# ---- digests --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Digest:
    """The alerts of one brand for one channel, sent as one message."""

    brand_id: str
    brand_name: str
    channel: str
    alerts: list[Alert]
    report_path: str | None
    digest_id: str = field(default_factory=lambda: uuid.uuid4().hex[:16])

    @property
    def dates(self) -> str:
        days = sorted({a.date for a in self.alerts})
        return days[0].isoformat() if len(days) == 1 else f"{days[0]} to {days[-1]}"

    @property
    def subject(self) -> str:
        n = len(self.alerts)
        return f"[socialkpi] {self.brand_name}: {n} alert{'s' if n != 1 else ''} ({self.dates})"


def flash_report_path(config: Config, brand_id: str, day: dt.date | None) -> str | None:
    """The flash report of the week containing `day`, else the brand's newest one, else None."""
    folder = config.snapshot_path.parent / "reports"
    if day is not None:
        week = folder / f"{brand_id}_week_{(day - dt.timedelta(days=day.weekday())).isoformat()}.html"
        if week.is_file():
            return str(week)
    newest = sorted(folder.glob(f"{brand_id}_week_*.html"))
    return str(newest[-1]) if newest else None


def slack_payload(digest: Digest) -> dict:
    """Block Kit message: a header, one section per alert with its facts, the flash report path."""
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": digest.subject.removeprefix("[socialkpi] ")[:150]}}]
    for alert in digest.alerts[:SLACK_DETAILED_ALERTS]:
        blocks.append({"type": "section", "text": {"type": "mrkdwn",
                                                   "text": _slack_escape(f"*{alert.title}*\n{alert.reason}")[:3000]}})
        facts = [{"type": "mrkdwn", "text": _slack_escape(f"*{label}*\n{value}")[:2000]}
                 for label, value in alert.facts[:10]]
        if facts:
            blocks.append({"type": "section", "fields": facts})
        blocks.append({"type": "divider"})
    rest = digest.alerts[SLACK_DETAILED_ALERTS:]
    if rest:
        lines = "\n".join(f"• {a.reason}" for a in rest)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _slack_escape(
            f"*{len(rest)} more*\n{lines}")[:SLACK_TEXT_LIMIT]}})
    report = digest.report_path or "no flash report written yet"
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _slack_escape(
        f"Flash report: {report}")}]})
    return {"text": f"{digest.subject}: " + "; ".join(a.title for a in digest.alerts)[:2000], "blocks": blocks}


def _slack_escape(text: str) -> str:
    # Slack's mrkdwn treats &, < and > as control characters.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def email_text(digest: Digest) -> str:
    lines = [digest.subject.removeprefix("[socialkpi] "), ""]
    for alert in digest.alerts:
        lines += [alert.title, f"  {alert.reason}"]
        lines += [f"  {label}: {value}" for label, value in alert.facts]
        lines.append("")
    lines.append(f"Flash report: {digest.report_path or 'no flash report written yet'}")
    return "\n".join(lines) + "\n"


def email_html(digest: Digest) -> str:
    parts = [f"<h2>{html.escape(digest.subject.removeprefix('[socialkpi] '))}</h2>"]
    for alert in digest.alerts:
        rows = "".join(f"<tr><th align=\"left\">{html.escape(label)}</th><td>{html.escape(value)}</td></tr>"
                       for label, value in alert.facts)
        parts.append(f"<h3>{html.escape(alert.title)}</h3><p>{html.escape(alert.reason)}</p>"
                     f"<table cellpadding=\"4\">{rows}</table>")
    report = digest.report_path
    parts.append(f"<p>Flash report: <code>{html.escape(report)}</code></p>" if report
                 else "<p>Flash report: no flash report written yet</p>")
    return "<!doctype html><html><body>" + "".join(parts) + "</body></html>"


def email_message(channel: EmailChannel, digest: Digest) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = digest.subject
    message["From"] = channel.from_
    message["To"] = ", ".join(channel.to)
    message.set_content(email_text(digest))
    message.add_alternative(email_html(digest), subtype="html")
    return message


# ---- delivery -------------------------------------------------------------------------------------


def send_slack(channel: SlackChannel, payload: dict) -> None:
    import requests  # here, not at import: the Dagster definitions import this module (start-up time)

    url = _env(channel.webhook_url_env, "the Slack webhook URL")
    try:
        response = requests.post(url, json=payload, timeout=SLACK_TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        # The exception text holds the URL, which is the secret: name the kind of failure only.
        raise DeliveryError(f"{type(exc).__name__} while posting to the Slack webhook") from None
    if response.status_code >= 300:
        raise DeliveryError(redact(f"Slack webhook answered HTTP {response.status_code}: {response.text[:200]}",
                                   [url]))


def send_email(channel: EmailChannel, message: EmailMessage) -> None:
    password = _env(channel.password_env, "the SMTP password") if channel.password_env else None
    secrets = [password] if password else []
    try:
        if channel.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(channel.host, channel.port, timeout=channel.timeout_seconds,
                                                  context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(channel.host, channel.port, timeout=channel.timeout_seconds)
        with smtp:
            if channel.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if channel.username and password:
                smtp.login(channel.username, password)
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(redact(f"SMTP {channel.host}:{channel.port}: {type(exc).__name__}: {exc}",
                                   secrets)) from None


def send_digest(alerts_config: Alerts, digest: Digest) -> None:
    if digest.channel == "slack" and alerts_config.channels.slack:
        send_slack(alerts_config.channels.slack, slack_payload(digest))
    elif digest.channel == "email" and alerts_config.channels.email:
        send_email(alerts_config.channels.email, email_message(alerts_config.channels.email, digest))
    else:
        raise DeliveryError(f"channel {digest.channel} is not configured")


# ---- evaluation -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """What to evaluate: the KPI rules on `day`, the file and API rules on events in [since, until)."""

    day: dt.date | None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


def api_account_keys(config: Config) -> list[str]:
    """'platform/account_id' of the accounts the config pulls through an API (they name token_env)."""
    def pulled(account: Account) -> bool:
        return bool(account.token_env or account.credentials_env)

    return [f"{config.platform_of(a.platform)}/{a.account_id}" for a in config.accounts if pulled(a)]


def evaluate(config: Config, con: duckdb.DuckDBPyConnection, window: Window) -> list[Alert]:
    """Every alert the config's rules raise for `window`, own brands only."""
    assert config.alerts is not None
    rule_config = config.alerts.rules
    brands = [b.id for b in config.brands]
    found: list[Alert] = []
    if window.day is not None:
        if rule_config.anomalies:
            a = rule_config.anomalies
            found += rules.anomaly_alerts(con, window.day, brands, a.kpis, a.scopes, a.min_robust_z, a.min_abs_change)
        if rule_config.targets:
            found += rules.target_alerts(con, window.day, brands, rule_config.targets.statuses)
        if rule_config.api_accounts:
            found += rules.api_stale_alerts(con, window.day, api_account_keys(config),
                                            rule_config.api_accounts.stale_days)
    if window.since is not None and window.until is not None:
        if rule_config.api_accounts and rule_config.api_accounts.failing:
            found += rules.api_failing_alerts(con, window.since, window.until, config.timezone, brands[0])
        if rule_config.quarantine and rule_config.quarantine.enabled:
            found += rules.quarantine_alerts(con, window.since, window.until, config.timezone, brands[0])
    return found


def configured_channels(alerts_config: Alerts) -> list[str]:
    return [name for name in ("slack", "email") if getattr(alerts_config.channels, name) is not None]


def pending_digests(config: Config, con: duckdb.DuckDBPyConnection, found: Sequence[Alert],
                    now: dt.datetime) -> list[Digest]:
    """Per channel and brand: the new alerts not yet sent there, plus earlier failed ones to retry."""
    assert config.alerts is not None
    names = {b.id: b.name for b in config.brands}
    not_before = now - dt.timedelta(days=config.alerts.retry_days)
    digests = []
    for channel in configured_channels(config.alerts):
        sent = rules.delivered(con, channel)
        todo: dict[tuple[str, str, dt.date], Alert] = {}
        for alert in [*rules.failed_alerts(con, channel, not_before), *found]:
            if alert.key not in sent:
                todo[alert.key] = alert  # a fresh evaluation replaces the stored copy
        by_brand: dict[str, list[Alert]] = {}
        for alert in todo.values():
            by_brand.setdefault(alert.brand_id, []).append(alert)
        for brand_id, alerts in by_brand.items():
            latest = max(a.date for a in alerts)
            digests.append(Digest(brand_id, names.get(brand_id, brand_id), channel, alerts,
                                  flash_report_path(config, brand_id, latest)))
    return digests


@dataclass
class Outcome:
    sent: list[Digest] = field(default_factory=list)
    failed: list[tuple[Digest, str]] = field(default_factory=list)
    failing_channels: dict[str, int] = field(default_factory=dict)  # channel -> digests failed in a row


def deliver(config: Config, window: Window, *, run_id: str | None = None, log: Log = print,
            lock_timeout_s: float = 20.0, now: dt.datetime | None = None) -> Outcome:
    """Evaluate, send what is pending, record every attempt.

    The warehouse is opened twice, briefly: to read what is pending, and to record what happened;
    never across the network calls (a run waiting for the lock would wait for Slack).
    """
    assert config.alerts is not None
    now = now or utc_now()
    with connect(config.warehouse_target, lock_timeout_s=lock_timeout_s) as con:
        digests = pending_digests(config, con, evaluate(config, con, window), now)
    secrets = channel_secrets(config.alerts)
    outcome = Outcome()
    for digest in digests:
        try:
            send_digest(config.alerts, digest)
            outcome.sent.append(digest)
            log(f"alerts: sent {len(digest.alerts)} alert(s) of {digest.brand_id} to {digest.channel}")
        except DeliveryError as exc:
            error = redact(str(exc), secrets)
            outcome.failed.append((digest, error))
            log(f"alerts: {digest.channel} delivery of {len(digest.alerts)} alert(s) of {digest.brand_id} "
                f"failed (retried on the next tick): {error}")
    if not digests:
        return outcome
    with connect(config.warehouse_target, lock_timeout_s=lock_timeout_s) as con:
        for digest in outcome.sent:
            rules.record_attempt(con, digest.alerts, digest.channel, SENT, digest.digest_id, None, run_id)
        for digest, error in outcome.failed:
            rules.record_attempt(con, digest.alerts, digest.channel, FAILED, digest.digest_id, error, run_id)
        for channel in {d.channel for d, _ in outcome.failed}:
            streak = rules.failure_streak(con, channel)
            if streak >= config.alerts.report_failing_after:
                outcome.failing_channels[channel] = streak
                message = (f"alert channel {channel} keeps failing: the last {streak} digests failed; "
                           f"latest error: {next(e for d, e in outcome.failed if d.channel == channel)}")
                log_event(con, STEP, message, level="error", subject=channel, run_id=run_id)
                log(f"alerts: {message}")
    return outcome


def dry_run(config: Config, window: Window) -> list[Digest]:
    """The digests a tick would send now; nothing is sent or recorded. (A writer's connection, held
    briefly, so a warehouse from before meta.alerts_sent is migrated first.)"""
    with connect(config.warehouse_target) as con:
        return pending_digests(config, con, evaluate(config, con, window), utc_now())


def sample_digests(config: Config) -> list[Digest]:
    """One sample alert per configured channel (`socialkpi alerts test`)."""
    assert config.alerts is not None
    brand = config.brands[0]
    today = dt.date.today()
    sample = Alert(rule="test", brand_id=brand.id, scope="test", date=today,
                   title="Test alert from socialkpi",
                   reason=f"socialkpi can reach this channel; real alerts for {brand.name} will look like this.",
                   facts=[("KPI", "reach"), ("Scope", f"{brand.id} (all platforms)"), ("Value", "12,345"),
                          ("Baseline (28-day median)", "3,210")])
    return [Digest(brand.id, brand.name, channel, [sample], flash_report_path(config, brand.id, None))
            for channel in configured_channels(config.alerts)]


# ---- the sensor -----------------------------------------------------------------------------------


def _utc(timestamp: float | None) -> dt.datetime | None:
    return None if timestamp is None else dt.datetime.fromtimestamp(timestamp, dt.UTC).replace(tzinfo=None)


def run_window(run: dg.DagsterRun, start: float | None, end: float | None) -> Window:
    """KPI rules on the last day the run built (after a successful run); file and API rules over
    what the run logged while it ran (after any finished run: a failing API account fails the run)."""
    day_tag = run.tags.get(RANGE_END_TAG) or run.tags.get(PARTITION_TAG)
    day = dt.date.fromisoformat(day_tag) if day_tag and run.status == dg.DagsterRunStatus.SUCCESS else None
    since, until = _utc(start), _utc(end)
    if since is not None and until is not None:
        until += dt.timedelta(seconds=1)  # the run's last log line may share its end second
    return Window(day, since, until)


def build_alerts_sensor(config: Config, job_name: str) -> dg.SensorDefinition:
    """Evaluates the rules after each finished run of `job_name` (or of an asset materialisation
    such as `socialkpi run`) and re-sends failed deliveries on every tick. Running by default when
    the config has `alerts:`; it starts no runs."""
    assert config.alerts is not None
    interval = config.alerts.sensor_interval_seconds

    @dg.sensor(name=ALERTS_SENSOR, minimum_interval_seconds=interval,
               default_status=dg.DefaultSensorStatus.RUNNING,
               description="After each finished refresh run: evaluate alerts.rules and send one digest per brand "
                           "and channel (Slack, e-mail); re-send failed deliveries (meta.alerts_sent).")
    def alerts_sensor(context: dg.SensorEvaluationContext) -> dg.SkipReason | None:
        if not exists(config.warehouse_target):  # never create a warehouse just to find nothing in it
            return dg.SkipReason(f"no warehouse yet at {config.warehouse_target}")
        cursor = json.loads(context.cursor) if context.cursor else {}
        after = cursor.get("updated_after")
        statuses = [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE]
        records = context.instance.get_run_records(
            filters=dg.RunsFilter(statuses=statuses,
                                  updated_after=dt.datetime.fromtimestamp(after, dt.UTC) if after else None),
            order_by="update_timestamp", ascending=after is not None, limit=20 if after else 1)
        finished = list(records)
        records = sorted((r for r in finished if r.dagster_run.job_name == job_name
                          or r.dagster_run.job_name.startswith("__")),
                         key=lambda r: r.update_timestamp)
        windows = [(r.dagster_run.run_id, run_window(r.dagster_run, r.start_time, r.end_time)) for r in records]
        if not windows:
            windows = [(None, Window(None))]  # a retry-only tick
        total_sent = total_failed = 0
        try:
            for run_id, window in windows:
                outcome = deliver(config, window, run_id=run_id, log=context.log.info)
                total_sent += sum(len(d.alerts) for d in outcome.sent)
                total_failed += sum(len(d.alerts) for d, _ in outcome.failed)
                for channel, streak in outcome.failing_channels.items():
                    context.log.error(f"alert channel {channel}: {streak} digests failed in a row")
        except WarehouseLockedError as exc:
            return dg.SkipReason(f"warehouse busy, alerts evaluated on the next tick: {exc}")
        if finished:
            newest = max(r.update_timestamp for r in finished).timestamp()
            context.update_cursor(json.dumps({"updated_after": newest}))
        if total_sent or total_failed:
            return dg.SkipReason(f"alerts: {total_sent} sent, {total_failed} failed (retried on the next tick)")
        return dg.SkipReason("no alert to send")

    return alerts_sensor


def describe(digest: Digest) -> str:
    """The plain-text form of a digest, for `socialkpi alerts --dry-run`."""
    return f"--- {digest.channel}: {digest.subject}\n{email_text(digest)}"

