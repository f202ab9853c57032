"""LinkedIn Pages client end to end: LinkedIn emulator -> fetch -> normalise.

Expected numbers are worked out by hand from the payloads seeded below. Epoch milliseconds:
2025-11-22 = 1763769600000, 2026-11-17 = 1794873600000, 2026-11-20 = 1795132800000,
2026-11-21 = 1795219200000, 2026-11-22 = 1795305600000, 2026-11-23 = 1795392000000 (UTC midnights).
"""

from __future__ import annotations

import datetime as dt
import json
import stat
from collections import Counter

import pytest

from connectors.base import AccountDayValue, ApiClient, AuthError
from connectors.http import ApiError, RetryPolicy
from connectors.linkedin import api_settings as linkedin_settings
from connectors.linkedin import connector
from connectors.linkedin.api import LinkedInPagesApi
from tests.fakes import FakeClock
from tests.fakes.linkedin import (
    CLIENT_ID,
    CLIENT_SECRET,
    EXPIRED_TOKEN,
    REFRESH_TOKEN,
    REVOKED_TOKEN,
    VALID_TOKEN,
    FakeOrganization,
)

pytest_plugins = ["tests.fakes.linkedin"]

ORG = "2414183"
D = dt.date
NOW = dt.datetime(2026, 11, 22, 6, 0, tzinfo=dt.UTC)  # Berlin: 2026-11-22 07:00
RETRY = RetryPolicy(max_attempts=3, backoff_initial=0.5, jitter=0.0)


def share(impressions: int, clicks: int, likes: int, comments: int, shares: int, **extra: float) -> dict:
    return {"clickCount": clicks, "engagement": round((clicks + likes + comments + shares) / impressions, 4),
            "likeCount": likes, "commentCount": comments, "shareCount": shares, "impressionCount": impressions,
            **extra}


def views(page_views: int, unique: int) -> dict:
    return {"allPageViews": {"pageViews": page_views, "uniquePageViews": unique},
            "allDesktopPageViews": {"pageViews": page_views - 10, "uniquePageViews": unique - 5}}


def seed(linkedin_api) -> None:
    linkedin_api.organizations[ORG] = FakeOrganization(ORG, followers=5123, shares={
        D(2026, 11, 16): share(999, 1, 1, 1, 1),  # before the window: never asked for
        D(2026, 11, 17): share(300, 12, 9, 1, 0),
        D(2026, 11, 18): share(450, 20, 15, 3, 2),
        D(2026, 11, 19): share(280, 7, 6, 0, 1, uniqueImpressionsCount=190),
        D(2026, 11, 20): share(510, 25, 18, 4, 3),
        D(2026, 11, 21): share(390, 11, 10, 2, 0),
    }, follower_gains={
        D(2026, 11, 17): (5, 0), D(2026, 11, 18): (3, 2), D(2026, 11, 19): (7, 1), D(2026, 11, 20): (0, 0),
        D(2026, 11, 21): (4, 0),  # within two days of today: not served, not asked for
    }, page_views={
        D(2026, 11, 17): views(40, 22), D(2026, 11, 18): views(35, 19), D(2026, 11, 19): views(50, 31),
        D(2026, 11, 20): views(28, 17), D(2026, 11, 21): views(44, 26),
    })


def make_api(linkedin_api, clock: FakeClock, *, token: str | None = VALID_TOKEN, credentials=None,
             **options) -> LinkedInPagesApi:
    account = linkedin_api.account(ORG, token=token, credentials=credentials, options=options)
    return LinkedInPagesApi(account, sleep=clock.sleep, now=clock.now, retry=RETRY, timeout=(1.0, 2.0))


def daily(result, metric: str) -> dict[dt.date, float | None]:
    return {v.date: v.value for v in result.account_daily if v.metric == metric}


def intervals(requests, resource: str) -> list[str]:
    return [r.query["timeIntervals"] for r in requests if r.path == f"/rest/{resource}"]


def test_the_connector_builds_this_client(linkedin_api):
    client = connector.api(linkedin_api.account(ORG))
    assert isinstance(client, LinkedInPagesApi) and isinstance(client, ApiClient)
    assert (client.history_days, client.lookback_days) == (365, 3)


def test_fetch_and_normalise_end_to_end(linkedin_api):
    seed(linkedin_api)
    linkedin_api.page_size = 2  # start/count paging: 5 days -> 3 pages
    api = make_api(linkedin_api, FakeClock(NOW))
    sent_urls: list[str] = []
    api.http.session.hooks["response"].append(lambda response, *a, **k: sent_urls.append(response.request.url))

    result = api.normalise(api.fetch(D(2026, 11, 17), D(2026, 11, 21)))

    # share 3 pages + page statistics 3 + follower 3 (the third, start=4, is empty) + network size
    assert len(linkedin_api.requests) == 10
    assert {(r.headers["LinkedIn-Version"], r.headers["X-Restli-Protocol-Version"])
            for r in linkedin_api.requests} == {("202606", "2.0.0")}
    assert [r.query.get("start") for r in linkedin_api.requests
            if r.path == "/rest/organizationalEntityShareStatistics"] == [None, "2", "4"]
    window = "(timeRange:(start:1794873600000,end:1795305600000),timeGranularityType:DAY)"
    assert set(intervals(linkedin_api.requests, "organizationalEntityShareStatistics")) == {window}
    # follower gains end two days before today (UTC): Nov 17..20
    assert set(intervals(linkedin_api.requests, "organizationalEntityFollowerStatistics")) == {
        "(timeRange:(start:1794873600000,end:1795219200000),timeGranularityType:DAY)"}
    # Rest.li 2.0: ( ) : , unencoded in timeIntervals, the URN percent-encoded
    assert f"timeIntervals={window}" in sent_urls[0]
    assert "organizationalEntity=urn%3Ali%3Aorganization%3A2414183" in sent_urls[0]
    assert sent_urls[-1].split("?")[0].endswith("/rest/networkSizes/urn%3Ali%3Aorganization%3A2414183")

    assert daily(result, "impressions") == {D(2026, 11, 17): 300, D(2026, 11, 18): 450, D(2026, 11, 19): 280,
                                            D(2026, 11, 20): 510, D(2026, 11, 21): 390}
    assert sum(daily(result, "impressions").values()) == 1930
    assert sum(daily(result, "clicks").values()) == 12 + 20 + 7 + 25 + 11 == 75
    assert sum(daily(result, "likes").values()) == 58
    assert sum(daily(result, "comments").values()) == 10
    assert sum(daily(result, "shares").values()) == 6
    assert daily(result, "reach") == {D(2026, 11, 19): 190}  # daily buckets usually omit it
    assert daily(result, "followers_gained") == {D(2026, 11, 17): 5, D(2026, 11, 18): 5, D(2026, 11, 19): 8,
                                                 D(2026, 11, 20): 0}
    assert AccountDayValue(D(2026, 11, 18), None, "followerGains.paidFollowerGain", 2.0) in result.account_daily
    assert sum(daily(result, "profile_visits").values()) == 22 + 19 + 31 + 17 + 26 == 115
    assert AccountDayValue(D(2026, 11, 19), None, "totalPageStatistics.views.allPageViews.pageViews",
                           50.0) in result.account_daily
    assert AccountDayValue(D(2026, 11, 20), None, "totalShareStatistics.engagement",
                           0.098) in result.account_daily  # (25 + 18 + 4 + 3) / 510, kept as the ratio
    # networkSizes pulled on Nov 22 (Berlin), the morning after the window: dated Nov 21
    assert daily(result, "followers") == {D(2026, 11, 21): 5123}
    assert all(n == 1 for n in Counter((v.date, v.metric) for v in result.account_daily if v.metric).values())
    assert result.notes == []


def test_history_is_clamped_to_12_months_and_cut_into_12_month_windows(linkedin_api):
    seed(linkedin_api)
    api = make_api(linkedin_api, FakeClock(NOW))

    api.fetch(D(2025, 1, 1), D(2026, 11, 22))

    # today (Berlin) Nov 22, 2026 - 365 days = Nov 22, 2025; 366 days -> 365 + 1
    assert intervals(linkedin_api.requests, "organizationalEntityShareStatistics") == [
        "(timeRange:(start:1763769600000,end:1795305600000),timeGranularityType:DAY)",
        "(timeRange:(start:1795305600000,end:1795392000000),timeGranularityType:DAY)"]
    assert intervals(linkedin_api.requests, "organizationalEntityFollowerStatistics") == [
        "(timeRange:(start:1763769600000,end:1795219200000),timeGranularityType:DAY)"]


def test_a_header_less_429_backs_off_and_the_data_still_loads(linkedin_api):
    seed(linkedin_api)
    clock = FakeClock(NOW)
    linkedin_api.throttle(times=2, when="/organizationPageStatistics")
    api = make_api(linkedin_api, clock)

    result = api.normalise(api.fetch(D(2026, 11, 17), D(2026, 11, 21)))

    assert clock.sleeps == [0.5, 1.0]  # no Retry-After: exponential backoff 0.5 * 2**(n-1)
    assert len(linkedin_api.server.requests_to("/organizationPageStatistics")) == 3
    assert sum(daily(result, "profile_visits").values()) == 115


@pytest.mark.parametrize(("token", "reason"), [
    (EXPIRED_TOKEN, "invalid or expired access token: The token used in the request has expired "
                    "(EXPIRED_ACCESS_TOKEN, serviceErrorCode 65600)"),
    (REVOKED_TOKEN, "the access token was revoked: The token used in the request has been revoked by the user "
                    "(REVOKED_ACCESS_TOKEN, serviceErrorCode 65601)"),
])
def test_expired_or_revoked_token_asks_to_re_authorise(linkedin_api, token, reason):
    seed(linkedin_api)
    clock = FakeClock(NOW)
    api = make_api(linkedin_api, clock, token=token)

    with pytest.raises(AuthError) as caught:
        api.fetch(D(2026, 11, 17), D(2026, 11, 21))

    assert str(caught.value) == f"re-authorise linkedin account {ORG}: {reason}"
    assert len(linkedin_api.requests) == 1 and clock.sleeps == []


def test_an_expired_token_is_refreshed_with_the_programmatic_refresh_token(linkedin_api, tmp_path):
    seed(linkedin_api)
    cache = tmp_path / "tokens.json"
    api = make_api(linkedin_api, FakeClock(NOW), token=EXPIRED_TOKEN, token_cache=str(cache),
                   credentials={"refresh_token": REFRESH_TOKEN, "client_id": CLIENT_ID,
                                "client_secret": CLIENT_SECRET})

    result = api.normalise(api.fetch(D(2026, 11, 17), D(2026, 11, 21)))

    assert linkedin_api.token_requests == [{"grant_type": "refresh_token", "refresh_token": REFRESH_TOKEN,
                                            "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}]
    assert linkedin_api.requests[-1].headers["Authorization"] == "Bearer AQVliRefreshedT0ken0001"
    assert sum(daily(result, "impressions").values()) == 1930
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600


def test_a_sunset_version_fails_with_the_fix(linkedin_api):
    seed(linkedin_api)
    linkedin_api.sunset_versions.add("202504")
    api = make_api(linkedin_api, FakeClock(NOW), api_version="202504")

    with pytest.raises(ApiError, match=r"API version is sunset: set options api_version to a current "
                                       r"LinkedIn-Version \(YYYYMM\) \(HTTP 426\)"):
        api.fetch(D(2026, 11, 17), D(2026, 11, 21))
    assert linkedin_api.requests[0].headers["LinkedIn-Version"] == "202504"


def test_empty_elements_give_no_values_not_zeros(linkedin_api):
    linkedin_api.organizations[ORG] = FakeOrganization(ORG, followers=0)
    api = make_api(linkedin_api, FakeClock(NOW))

    pages = api.fetch(D(2026, 11, 17), D(2026, 11, 21))
    result = api.normalise(pages)

    assert pages[0].body == {"paging": {"count": 100, "start": 0, "links": []}, "elements": []}
    assert [(v.metric, v.value) for v in result.account_daily] == [("followers", 0.0)]


def test_normalise_is_pure_and_needs_no_token(linkedin_api):
    seed(linkedin_api)
    api = make_api(linkedin_api, FakeClock(NOW))
    pages = api.fetch(D(2026, 11, 17), D(2026, 11, 21))
    count = len(linkedin_api.requests)

    replay = LinkedInPagesApi(linkedin_api.account(ORG, token=None))

    assert replay.normalise(pages) == api.normalise(pages)
    assert len(linkedin_api.requests) == count


def test_a_refused_statistics_report_is_dropped_named_and_skipped_next_pull(linkedin_api, tmp_path):
    """Page statistics refused (403 ACCESS_DENIED): share statistics and follower gains still load."""
    seed(linkedin_api)
    linkedin_api.denied_resources = {"organizationPageStatistics"}
    memory = tmp_path / "rejected_metrics.json"
    api = make_api(linkedin_api, FakeClock(NOW), rejected_metrics_file=str(memory))

    pages = api.fetch(D(2026, 11, 17), D(2026, 11, 21))
    result = api.normalise(pages)

    assert sum(daily(result, "impressions").values()) == 1930
    assert sum(daily(result, "followers_gained").values()) == 5 + 5 + 8 + 0
    assert daily(result, "profile_visits") == {}
    assert result.notes[0] == (
        "linkedin: metric organizationPageStatistics was rejected by the API (HTTP 403 Not enough permissions "
        "to access: organizationPageStatistics.FINDER-organization.20260601); it was skipped and is "
        "remembered for this account, the other metrics loaded")
    assert [p.status for p in pages if p.endpoint.endswith("organizationPageStatistics")] == [403]
    assert list(json.loads(memory.read_text())["accounts"][f"linkedin/{ORG}"]) == [
        "statistics:organizationPageStatistics"]

    seen = len(linkedin_api.requests)
    again = make_api(linkedin_api, FakeClock(NOW), rejected_metrics_file=str(memory))
    result = again.normalise(again.fetch(D(2026, 11, 18), D(2026, 11, 21)))
    paths = [r.path for r in linkedin_api.requests[seen:]]
    assert "/rest/organizationPageStatistics" not in paths and "/rest/organizationalEntityShareStatistics" in paths
    assert sum(daily(result, "impressions").values()) == 1930 - 300


def test_every_report_refused_is_an_error_not_a_metric(linkedin_api, tmp_path):
    seed(linkedin_api)
    linkedin_api.denied_resources = set(linkedin_settings.STATISTICS_RESOURCES)
    memory = tmp_path / "rejected_metrics.json"
    api = make_api(linkedin_api, FakeClock(NOW), rejected_metrics_file=str(memory))
    with pytest.raises(ApiError, match="Not enough permissions"):
        api.fetch(D(2026, 11, 17), D(2026, 11, 21))
    assert not memory.exists()


def test_days_without_unique_page_views_are_noted(linkedin_api):
    """uniquePageViews is not confirmed in daily page statistics: optional, absent -> NULL and a note."""
    seed(linkedin_api)
    for day_views in linkedin_api.organizations[ORG].page_views.values():
        day_views["allPageViews"].pop("uniquePageViews")
    api = make_api(linkedin_api, FakeClock(NOW))
    result = api.normalise(api.fetch(D(2026, 11, 17), D(2026, 11, 21)))
    assert daily(result, "profile_visits") == {}
    assert sum(v.value for v in result.account_daily
               if v.source_metric == "totalPageStatistics.views.allPageViews.pageViews") == 40 + 35 + 50 + 28 + 44
    assert ("linkedin: 5 day(s) of organizationPageStatistics without allPageViews.uniquePageViews; "
            "profile_visits stay NULL there") in result.notes
