"""The `alerts:` config: channels name environment variables, rules name known KPIs, typos are errors."""

from __future__ import annotations

import pytest

from pipelines.alerts import ALERTS_SENSOR, api_account_keys
from pipelines.build import build_definitions
from pipelines.config import ConfigError, load_config

BASE = """\
start_date: "2025-01-01"
brands: [{id: acme, name: Acme}]
accounts:
  - {platform: twitter, account_id: 123, brand: acme, token_env: ACME_X_TOKEN}
  - {platform: facebook, account_id: fb1, brand: acme}
"""
ALERTS = """\
alerts:
  channels:
    slack: {webhook_url_env: ACME_SLACK_WEBHOOK}
    email: {host: smtp.acme.example, username: bot, password_env: ACME_SMTP_PASSWORD,
            from: alerts@acme.example, to: [team@acme.example]}
  rules:
    anomalies: {kpis: [reach, engagement_rate], scopes: [account, brand], min_robust_z: 4, min_abs_change: 50}
    targets: {statuses: [off_track]}
    api_accounts: {stale_days: 2}
    quarantine: {}
"""


def write(tmp_path, text):
    path = tmp_path / "socialkpi.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_alerts_config_is_read_with_defaults(tmp_path):
    config = load_config(write(tmp_path, BASE + ALERTS))
    alerts = config.alerts
    assert alerts.channels.slack.webhook_url_env == "ACME_SLACK_WEBHOOK"
    email = alerts.channels.email
    assert (email.host, email.port, email.security, email.from_) == ("smtp.acme.example", 587, "starttls",
                                                                     "alerts@acme.example")
    assert alerts.rules.anomalies.scopes == ["account", "brand"]
    assert alerts.rules.targets.statuses == ["off_track"]
    assert alerts.rules.quarantine.enabled and alerts.rules.api_accounts.failing
    assert (alerts.report_failing_after, alerts.retry_days) == (3, 3)
    assert api_account_keys(config) == ["x/123"]  # only accounts pulled through an API
    sensors = {s.name for s in build_definitions(config).sensors}
    assert ALERTS_SENSOR in sensors
    assert ALERTS_SENSOR not in {s.name for s in build_definitions(load_config(write(tmp_path, BASE))).sensors}


@pytest.mark.parametrize(("change", "message"), [
    (("webhook_url_env", "webhook_url"), "alerts.channels.slack.webhook_url: unknown key"),
    (("min_abs_change: 50", "min_abs_change: 50, window: 7"), "alerts.rules.anomalies.window: unknown key"),
    (("kpis: [reach,", "kpis: [reech,"), "alerts.rules: anomalies.kpis: unknown KPI 'reech'"),
    (("scopes: [account, brand]", "scopes: [account, team]"), "alerts.rules.anomalies.scopes.1: Input should be"),
    (("statuses: [off_track]", "statuses: [on_track]"), "alerts.rules.targets.statuses.0: Input should be"),
    ((", password_env: ACME_SMTP_PASSWORD", ""), "username is set but password_env is not"),
    (("from: alerts@acme.example, ", ""), "alerts.channels.email.from: required key is missing"),
    (("statuses: [off_track]", "statuses: []"), "alerts.rules.targets.statuses: List should have at least 1"),
    (("stale_days: 2", "stale_days: 0"), "alerts.rules.api_accounts.stale_days: Input should be greater than"),
])
def test_alert_config_errors_name_the_key(tmp_path, change, message):
    path = write(tmp_path, BASE + ALERTS.replace(*change))
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(path) in str(error.value)
    assert message in str(error.value)


def test_alerts_need_a_channel(tmp_path):
    text = BASE + "alerts:\n  channels: {}\n  rules: {quarantine: {}}\n"
    with pytest.raises(ConfigError, match="alerts: channels: name at least one channel"):
        load_config(write(tmp_path, text))


def test_the_starter_configs_commented_alerts_block_is_valid(tmp_path):
    from pipelines.cli import STARTER_CONFIG

    text = STARTER_CONFIG.format(start="2025-01-01", due="2025-12-31")
    lines = text.splitlines()
    first = lines.index(next(line for line in lines if line.startswith("# alerts:")))
    uncommented = lines[:first] + [line[2:] for line in lines[first:]]
    config = load_config(write(tmp_path, "\n".join(uncommented) + "\n"))
    assert config.alerts.rules.anomalies.kpis == ["reach", "engagements"]
    assert config.alerts.channels.email.password_env == "ACME_SMTP_PASSWORD"


def test_cli_alerts_without_config_or_warehouse(tmp_path, capsys):
    from pipelines.cli import main

    plain = write(tmp_path, BASE)
    assert main(["--config", str(plain), "alerts", "--dry-run", "--date", "2025-02-01"]) == 2
    assert "alerts: not configured" in capsys.readouterr().err
    configured = write(tmp_path, BASE + ALERTS)
    assert main(["--config", str(configured), "alerts", "--dry-run"]) == 2
    assert "--date D is required" in capsys.readouterr().err
    assert main(["--config", str(configured), "alerts", "--dry-run", "--date", "2025-02-01"]) == 1
    assert "no warehouse yet at" in capsys.readouterr().err
    assert not (tmp_path / "data" / "warehouse.duckdb").exists()  # not created by asking
