"""GA4 Data API client end to end: emulator -> fetch -> normalise.

Expected numbers are worked out by hand from the rows seeded below. Google's error bodies are
[unverified] shapes (platform-apis.md §6.3): those tests check our handling of them.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from connectors.base import ApiClient, AuthError, WebDayValue
from connectors.ga4 import api_settings, connector
from connectors.ga4.api import Ga4DataApi
from connectors.http import RetryPolicy
from tests.fakes import FakeClock
from tests.fakes.google import VALID_TOKEN

pytest_plugins = ["tests.fakes.google"]

PROPERTY = "345678901"
D = dt.date
NOW = dt.datetime(2026, 11, 22, 6, 0, tzinfo=dt.UTC)
RETRY = RetryPolicy(max_attempts=3, backoff_initial=0.5, jitter=0.0)


def row(sessions: float, engaged: float, key_events: float, revenue: float) -> dict[str, float]:
    return {"sessions": sessions, "engagedSessions": engaged, "keyEvents": key_events, "totalRevenue": revenue}


def seed(google_api) -> None:
    google_api.ga4_rows[PROPERTY] = {
        ("20261119", "t.co"): row(999, 1, 1, 1),  # before the window
        ("20261120", "t.co"): row(120, 80, 3, 45.5),
        ("20261120", "x.com"): row(30, 21, 1, 0),
        ("20261120", "l.facebook.com"): row(200, 150, 6, 310.25),
        ("20261120", "m.facebook.com"): row(50, 20, 0, 0),
        ("20261120", "google"): row(900, 700, 20, 1500),
        ("20261120", "lnkd.in"): row(15, 12, 1, 99.9),
        ("20261121", "t.co"): row(100, 60, 2, 20),
        ("20261121", "instagram.com"): row(80, 55, 4, 120),
        ("20261121", "(direct)"): row(400, 300, 10, 800),
        ("20261121", "web.facebook.com"): row(10, 4, 0, 0),  # a subdomain of facebook.com
    }


def make_api(google_api, clock: FakeClock, *, token: str | None = VALID_TOKEN, **options) -> Ga4DataApi:
    account = google_api.account("ga4", PROPERTY, token=token, options=options)
    return Ga4DataApi(account, sleep=clock.sleep, now=clock.now, retry=RETRY, timeout=(1.0, 2.0))


def web(result) -> dict[tuple[dt.date, str, str], float | None]:
    return {(v.date, v.platform, v.metric): v.value for v in result.web_daily}


def test_the_connector_builds_this_client(google_api):
    client = connector.api(google_api.account("ga4", PROPERTY))
    assert isinstance(client, Ga4DataApi) and isinstance(client, ApiClient)
    assert (client.history_days, client.lookback_days) == (None, 3)


def test_fetch_and_normalise_end_to_end(google_api, monkeypatch):
    seed(google_api)
    monkeypatch.setattr(api_settings, "PAGE_LIMIT", 4)  # 10 rows -> offsets 0, 4, 8
    api = make_api(google_api, FakeClock(NOW))

    result = api.normalise(api.fetch(D(2026, 11, 20), D(2026, 11, 21)))

    bodies = google_api.run_report_bodies
    assert [b["offset"] for b in bodies] == [0, 4, 8]
    assert bodies[0]["dateRanges"] == [{"startDate": "2026-11-20", "endDate": "2026-11-21"}]
    assert [d["name"] for d in bodies[0]["dimensions"]] == ["date", "sessionSource"]
    assert [m["name"] for m in bodies[0]["metrics"]] == ["sessions", "engagedSessions", "keyEvents", "totalRevenue"]
    assert {r.path for r in google_api.requests} == {f"/v1beta/properties/{PROPERTY}:runReport"}

    values = web(result)
    nov20, nov21 = D(2026, 11, 20), D(2026, 11, 21)
    # x on Nov 20 = t.co + x.com
    assert values[(nov20, "x", "sessions")] == 120 + 30 == 150
    assert values[(nov20, "x", "bounced_sessions")] == (120 - 80) + (30 - 21) == 49
    assert values[(nov20, "x", "conversions")] == 4
    assert values[(nov20, "x", "revenue")] == 45.5
    # facebook on Nov 20 = l.facebook.com + m.facebook.com
    assert values[(nov20, "facebook", "sessions")] == 250
    assert values[(nov20, "facebook", "bounced_sessions")] == 50 + 30 == 80
    assert values[(nov20, "facebook", "revenue")] == 310.25
    assert values[(nov20, "linkedin", "revenue")] == 99.9
    assert values[(nov21, "instagram", "bounced_sessions")] == 25
    assert values[(nov21, "facebook", "sessions")] == 10
    assert sum(v for (_, _, metric), v in values.items() if metric == "sessions") == 605
    assert len(result.web_daily) == 6 * 4
    assert WebDayValue(nov21, "x", "bounced_sessions", "sessions-engagedSessions", 40.0) in result.web_daily
    assert WebDayValue(nov21, "x", "conversions", "keyEvents", 2.0) in result.web_daily
    assert result.notes == [
        "ga4: summed several session sources into one platform on 2 platform-days (e.g. t.co, x.com)",
        "ga4: ignored 1300 sessions from 2 sources that are not social platforms: google (900), (direct) (400)"]


def test_an_empty_report_gives_no_records(google_api):
    google_api.ga4_rows[PROPERTY] = {}
    api = make_api(google_api, FakeClock(NOW))

    pages = api.fetch(D(2026, 11, 20), D(2026, 11, 21))
    result = api.normalise(pages)

    assert len(pages) == 1 and pages[0].body["rowCount"] == 0 and "rows" not in pages[0].body
    assert result.web_daily == [] and result.notes == []


def test_missing_access_to_the_property_asks_to_re_authorise(google_api):
    clock = FakeClock(NOW)

    with pytest.raises(AuthError) as caught:
        make_api(google_api, clock).fetch(D(2026, 11, 20), D(2026, 11, 21))

    assert str(caught.value) == (f"re-authorise ga4 account {PROPERTY}: missing permission or scope: User does not "
                                 "have sufficient permissions for this property. (PERMISSION_DENIED)")
    assert clock.sleeps == []


def test_exhausted_property_tokens_are_retried(google_api):
    seed(google_api)
    google_api.resource_exhausted("Exhausted property tokens per hour for this property.", times=1)
    clock = FakeClock(NOW)
    api = make_api(google_api, clock)

    result = api.normalise(api.fetch(D(2026, 11, 20), D(2026, 11, 21)))

    assert clock.sleeps == [0.5]
    assert web(result)[(D(2026, 11, 20), "x", "sessions")] == 150


def test_normalise_is_pure_and_needs_no_token(google_api):
    seed(google_api)
    api = make_api(google_api, FakeClock(NOW))
    pages = api.fetch(D(2026, 11, 20), D(2026, 11, 21))
    count = len(google_api.requests)

    replay = Ga4DataApi(google_api.account("ga4", PROPERTY, token=None))

    assert replay.normalise(pages) == api.normalise(pages)
    assert len(google_api.requests) == count


@pytest.mark.parametrize("named", [True, False], ids=["please-remove", "incompatible"])
def test_a_rejected_metric_is_dropped_named_and_skipped_next_pull(google_api, tmp_path, monkeypatch, named):
    """keyEvents refused (e.g. a property without key events): sessions and revenue still load."""
    seed(google_api)
    monkeypatch.setattr(api_settings, "PAGE_LIMIT", 4)  # paging goes on with the surviving metrics
    google_api.ga4_refused = {"keyEvents"}
    google_api.ga4_name_refused = named
    memory = tmp_path / "rejected_metrics.json"
    api = make_api(google_api, FakeClock(NOW), rejected_metrics_file=str(memory))

    result = api.normalise(api.fetch(D(2026, 11, 20), D(2026, 11, 21)))

    values = web(result)
    nov20 = D(2026, 11, 20)
    assert values[(nov20, "x", "sessions")] == 150
    assert values[(nov20, "x", "bounced_sessions")] == 49
    assert values[(nov20, "facebook", "revenue")] == 310.25
    assert not [k for k in values if k[2] == "conversions"]
    assert len(result.web_daily) == 6 * 3
    reason = ("Please remove keyEvents to make the request compatible. " if named else "") + \
        "The request's dimensions & metrics are incompatible."
    if named:
        assert result.notes[0] == ("ga4: metric keyEvents was rejected by the API (" + reason + "); it was "
                                   "skipped and is remembered for this account, the other metrics loaded")
    assert json.loads(memory.read_text())["accounts"][f"ga4/{PROPERTY}"]["report:keyEvents"]["reason"].startswith(
        "HTTP 400")

    google_api.run_report_bodies.clear()
    again = make_api(google_api, FakeClock(NOW), rejected_metrics_file=str(memory))
    result = again.normalise(again.fetch(D(2026, 11, 20), D(2026, 11, 21)))
    assert {tuple(m["name"] for m in b["metrics"]) for b in google_api.run_report_bodies} == {
        ("sessions", "engagedSessions", "totalRevenue")}
    assert [b["offset"] for b in google_api.run_report_bodies] == [0, 4, 8]
    assert web(result)[(D(2026, 11, 21), "instagram", "revenue")] == 120
