"""Alert rules over small hand-made warehouse rows, and the meta.alerts_sent bookkeeping."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.helpers import warehouse
from transforms import alerts as rules
from transforms.alerts import FAILED, SENT, Alert

D = dt.date
DAY = D(2025, 6, 10)


@pytest.fixture
def con():
    con = warehouse()
    con.execute("""INSERT INTO core.accounts VALUES
        ('facebook', 'fb1', 'Acme FB', 'acme', false, 'UTC', true),
        ('x', 'globexhq', 'Globex X', 'globex', true, 'UTC', true),
        ('instagram', 'ig1', NULL, 'acme', false, 'UTC', true)""")
    return con


def baseline(con, *, day=DAY, brand="acme", platform="facebook", account="fb1", kpi="reach", value=1000.0,
             median=200.0, z=8.0, anomaly=True):
    con.execute("""INSERT INTO kpi.baselines (date, brand_id, platform, account_id, kpi, value, median_28d, n_obs,
                   weekday_median_8w, robust_z, pct_vs_baseline, is_anomaly)
                   VALUES (?, ?, ?, ?, ?, ?, ?, 28, ?, ?, ?, ?)""",
                [day, brand, platform, account, kpi, value, median, median, z,
                 (value - median) / abs(median) * 100, anomaly])


def test_anomalies_filter_by_kpi_scope_z_change_brand_and_day(con):
    baseline(con)  # the one that passes every filter: 1000 vs 200, z 8
    baseline(con, kpi="impressions")  # KPI not chosen
    baseline(con, platform="facebook", account="all")  # platform rollup: scope not chosen
    baseline(con, z=3.9)  # below min |z| of 4 (still is_anomaly)
    baseline(con, account="fb1", kpi="engagements", value=260.0, median=200.0, z=-9.0)  # |change| 60 < 100
    baseline(con, brand="globex", platform="x", account="globexhq")  # a competitor
    baseline(con, day=DAY - dt.timedelta(days=1))  # another day
    baseline(con, kpi="reach", platform="instagram", account="ig1", anomaly=False, z=9.0)  # not flagged
    found = rules.anomaly_alerts(con, DAY, ["acme"], ["reach", "engagements"], ["account", "brand"], 4.0, 100.0)
    assert [a.scope for a in found] == ["acme/facebook/fb1/reach"]
    alert = found[0]
    assert alert.rule == "anomaly" and alert.brand_id == "acme" and alert.date == DAY
    assert dict(alert.facts)["Value"] == "1,000"
    assert dict(alert.facts)["Baseline (28-day median)"] == "200"
    assert dict(alert.facts)["Change vs baseline"] == "+400.0 %"  # (1000 - 200) / 200
    assert alert.reason == ("reach of Acme FB (facebook/fb1) on 2025-06-10 was 1,000, above its 28-day median "
                            "of 200 (+400 %); robust z +8.0.")


def test_anomaly_scope_levels_and_a_drop(con):
    baseline(con, platform="all", account="all", value=50.0, median=200.0, z=-6.0)
    baseline(con, platform="facebook", account="all", value=50.0, median=200.0, z=-6.0)
    found = rules.anomaly_alerts(con, DAY, ["acme"], ["reach"], ["brand"], 3.5, 0)
    assert [a.scope for a in found] == ["acme/all/all/reach"]
    assert "below its 28-day median of 200 (-75 %)" in found[0].reason
    assert dict(found[0].facts)["Scope"] == "acme (all platforms)"


def target_row(con, day, status, *, target="t1", current=100.0):
    con.execute("""INSERT INTO kpi.target_progress VALUES (?, ?, 'followers', 'acme/facebook/fb1', 'acme',
                   'facebook', 'fb1', 'increase', ?, 50.0, ?, 500.0, ?, 120.0, 10.0, 300.0, 20, ?)""",
                [day, target, D(2025, 6, 1), current, D(2025, 7, 1), status])


def test_target_alerts_only_when_the_status_turns(con):
    for offset, status in [(-3, None), (-2, "on_track"), (-1, "behind"), (0, "behind")]:
        target_row(con, DAY + dt.timedelta(days=offset), status)
    for offset, status in [(-1, "on_track"), (0, "off_track")]:
        target_row(con, DAY + dt.timedelta(days=offset), status, target="t2", current=80.0)
    target_row(con, DAY, "off_track", target="t3")  # first row ever: NULL -> off_track turns
    assert [a.scope for a in rules.target_alerts(con, DAY - dt.timedelta(days=1), ["acme"],
                                                 ["behind", "off_track"])] == ["t1"]
    found = rules.target_alerts(con, DAY, ["acme"], ["behind", "off_track"])
    assert [a.scope for a in found] == ["t2", "t3"]  # t1 stayed behind: no new alert
    facts = dict(found[0].facts)
    assert facts["Status"] == "off track (was on track)"
    assert facts["Value"] == "80" and facts["Target path today"] == "120"
    assert facts["Projected at due date"] == "300" and facts["Target"] == "500 by 2025-07-01"
    assert rules.target_alerts(con, DAY, ["acme"], ["behind"]) == []  # off_track not chosen


def test_api_stale_counts_days_since_the_last_successful_pull(con):
    pages = [("facebook", "fb1", D(2025, 6, 7), 200), ("facebook", "fb1", D(2025, 6, 9), 500),
             ("instagram", "ig1", D(2025, 6, 9), 200)]
    for platform, account, end, status in pages:
        con.execute("INSERT INTO raw.api_pages VALUES (?, ?, ?, ?, 0, 'https://graph/x', NULL, ?, NULL, now())",
                    [platform, account, end - dt.timedelta(days=2), end, status])
    found = rules.api_stale_alerts(con, DAY, ["facebook/fb1", "instagram/ig1"], 3)
    # fb1: last good day 7 June, 3 days before 10 June; ig1: 1 day (not stale); the 500 page does not count
    assert [(a.scope, a.date) for a in found] == [("facebook/fb1", D(2025, 6, 7))]
    assert dict(found[0].facts)["Days stale"] == "3"
    assert rules.api_stale_alerts(con, DAY, ["facebook/fb1", "instagram/ig1"], 4) == []
    assert rules.api_stale_alerts(con, DAY, ["instagram/ig1"], 1)[0].scope == "instagram/ig1"
    assert rules.api_stale_alerts(con, DAY, [], 1) == []


def test_api_failures_and_quarantined_files_in_the_run_window(con):
    at = dt.datetime(2025, 6, 10, 23, 30)  # 01:30 on 11 June in Berlin
    log = "INSERT INTO meta.load_log VALUES (?, 'r1', ?, ?, ?, ?, NULL, ?)"
    con.execute(log, [at, "facebook_api", "error", "facebook", "fb1", "API pull failed: HTTP 500"])
    con.execute(log, [at - dt.timedelta(hours=1), "facebook_api", "error", "facebook", "fb1", "older failure"])
    con.execute(log, [at, "export_files", "error", "facebook", "fb1", "quarantined: bad file"])  # not an API step
    con.execute(log, [at - dt.timedelta(days=2), "instagram_api", "error", "instagram", "ig1", "too early"])
    con.execute(log, [at, "tiktok_api", "error", "tiktok", "unknown1", "HTTP 401"])  # not in core.accounts
    since, until = dt.datetime(2025, 6, 10, 20), dt.datetime(2025, 6, 11, 1)
    found = rules.api_failing_alerts(con, since, until, "Europe/Berlin", "acme")
    assert [(a.scope, a.date, a.brand_id) for a in found] == [("facebook/fb1", D(2025, 6, 11), "acme"),
                                                              ("tiktok/unknown1", D(2025, 6, 11), "acme")]
    assert found[0].reason == "the API pull of Acme FB (facebook/fb1) failed: HTTP 500"

    files = ("INSERT INTO raw.export_files VALUES "
             "(?, ?, 'facebook', 'fb1', NULL, ?, ?, NULL, 10, NULL, NULL, 0, NULL, ?)")
    con.execute(files, ["h1", "facebook/fb1/Reach.csv", "quarantined", "row 3: not a date", at])
    con.execute(files, ["h2", "facebook/fb1/Views.csv", "loaded", None, at])
    con.execute(files, ["h3", "facebook/fb1/Old.csv", "quarantined", "empty", at - dt.timedelta(days=3)])
    found = rules.quarantine_alerts(con, since, until, "UTC", "acme")
    assert [(a.scope, a.date) for a in found] == [("facebook/fb1/Reach.csv", D(2025, 6, 10))]
    assert found[0].reason == "export file facebook/fb1/Reach.csv was quarantined: row 3: not a date"


def test_sent_alerts_are_never_pending_failed_ones_are_retried(con):
    a = Alert("anomaly", "acme", "acme/facebook/fb1/reach", DAY, "t", "r", [("Value", "1,000")])
    b = Alert("quarantine", "acme", "facebook/fb1/x.csv", DAY, "t2", "r2")
    rules.record_attempt(con, [a, b], "slack", FAILED, "d1", "HTTP 500", None)
    assert rules.failure_streak(con, "slack") == 1
    assert rules.failed_alerts(con, "slack", dt.datetime(2000, 1, 1)) == [a, b]  # round trip through JSON
    assert rules.failed_alerts(con, "slack", dt.datetime(2100, 1, 1)) == []  # too old to retry
    assert rules.failed_alerts(con, "email", dt.datetime(2000, 1, 1)) == []
    rules.record_attempt(con, [a], "slack", SENT, "d2", None, "run-1")
    assert rules.delivered(con, "slack") == {a.key}
    assert rules.failed_alerts(con, "slack", dt.datetime(2000, 1, 1)) == [b]
    assert rules.failure_streak(con, "slack") == 0
    attempts = con.execute("SELECT scope, attempt, status, error FROM meta.alerts_sent ORDER BY attempted_at, scope"
                           ).fetchall()
    assert attempts == [("acme/facebook/fb1/reach", 1, "failed", "HTTP 500"),
                        ("facebook/fb1/x.csv", 1, "failed", "HTTP 500"),
                        ("acme/facebook/fb1/reach", 2, "sent", None)]
