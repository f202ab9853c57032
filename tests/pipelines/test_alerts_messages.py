"""Digest rendering and secret redaction, without servers."""

from __future__ import annotations

import datetime as dt

from pipelines.alerts import SLACK_DETAILED_ALERTS, Digest, email_html, email_text, redact, slack_payload
from transforms.alerts import Alert

DAY = dt.date(2025, 6, 10)


def alert(n: int, reason: str = "reach doubled") -> Alert:
    return Alert("anomaly", "acme", f"acme/x/a{n}/reach", DAY, f"Anomaly {n}", reason,
                 [("Value", f"{n},000"), ("KPI", "reach")])


def test_slack_lists_alerts_past_the_block_limit_one_line_each():
    digest = Digest("acme", "Acme", "slack", [alert(n, f"reason {n}") for n in range(SLACK_DETAILED_ALERTS + 3)],
                    "/data/reports/acme_week_2025-06-09.html")
    blocks = slack_payload(digest)["blocks"]
    assert len(blocks) <= 50  # Block Kit's limit per message
    assert blocks[0]["text"]["text"] == f"Acme: {SLACK_DETAILED_ALERTS + 3} alerts (2025-06-10)"
    n = SLACK_DETAILED_ALERTS
    assert blocks[-2]["text"]["text"] == f"*3 more*\n• reason {n}\n• reason {n + 1}\n• reason {n + 2}"
    assert blocks[-1]["elements"][0]["text"] == "Flash report: /data/reports/acme_week_2025-06-09.html"
    assert sum(1 for b in blocks if "fields" in b) == SLACK_DETAILED_ALERTS


def test_markup_in_names_is_escaped_for_slack_and_html():
    digest = Digest("acme", "Acme & Co", "email", [alert(1, "file <b>.csv & co")], None)
    section = slack_payload(digest)["blocks"][1]["text"]["text"]
    assert section == "*Anomaly 1*\nfile &lt;b&gt;.csv &amp; co"
    html = email_html(digest)
    assert "file &lt;b&gt;.csv &amp; co" in html and "Acme &amp; Co: 1 alert" in html
    assert "no flash report written yet" in html
    text = email_text(digest)
    assert text.splitlines()[:4] == ["Acme & Co: 1 alert (2025-06-10)", "", "Anomaly 1", "  file <b>.csv & co"]


def test_redact_removes_a_secret_url_and_its_path():
    url = "https://hooks.slack.com/services/T0/B0/abcdefSECRET"
    text = f"POST {url} failed; Max retries exceeded with url: /services/T0/B0/abcdefSECRET; pw hunter22"
    assert redact(text, [url, "hunter22", ""]) == "POST *** failed; Max retries exceeded with url: /***; pw ***"
