"""YouTube Analytics client end to end: emulator -> fetch -> normalise.

Expected numbers are worked out by hand from the payloads seeded below. Google's error bodies
are [unverified] shapes (platform-apis.md §6.3): those tests check our handling of them.
"""

from __future__ import annotations

import datetime as dt
import json
import stat

import pytest

from connectors.base import AccountDayValue, ApiClient, AuthError
from connectors.http import ApiError, RetryPolicy
from connectors.youtube import api_settings, connector
from connectors.youtube.api import YouTubeAnalyticsApi
from tests.fakes import FakeClock
from tests.fakes.google import CLIENT_ID, CLIENT_SECRET, EXPIRED_TOKEN, REFRESH_TOKEN, VALID_TOKEN
from tests.fakes.youtube import FakeChannel

pytest_plugins = ["tests.fakes.youtube"]

CHANNEL = "UCabcdefghijklmnopqrstuv"
D = dt.date
NOW = dt.datetime(2026, 11, 22, 14, 0, tzinfo=dt.UTC)  # Los Angeles: 2026-11-22 06:00
RETRY = RetryPolicy(max_attempts=3, backoff_initial=0.5, jitter=0.0)


def day(views: int, engaged: int, minutes: int, likes: int, comments: int, shares: int, gained: int,
        lost: int) -> dict[str, int]:
    return {"views": views, "engagedViews": engaged, "estimatedMinutesWatched": minutes, "likes": likes,
            "comments": comments, "shares": shares, "subscribersGained": gained, "subscribersLost": lost}


def seed(youtube_api) -> None:
    youtube_api.channels[CHANNEL] = FakeChannel(CHANNEL, last_processed=D(2026, 11, 19), daily={
        D(2026, 11, 14): day(999, 1, 1, 1, 1, 1, 1, 1),  # before the window
        D(2026, 11, 15): day(1224, 1010, 3500, 40, 6, 3, 12, 2),
        D(2026, 11, 16): day(147, 120, 410, 5, 0, 1, 0, 1),
        # Nov 17: no row at all (a gap)
        D(2026, 11, 18): day(860, 700, 2100, 22, 4, 2, 7, 3),
        D(2026, 11, 19): day(932, 801, 2550, 30, 5, 4, 9, 0),
        D(2026, 11, 20): day(500, 400, 1000, 10, 1, 1, 1, 1),  # not processed yet: cut off
    }, videos={
        "vidAAAAAAAA": {"views": 5000, "engagedViews": 4200, "likes": 300, "comments": 40, "shares": 25},
        "vidBBBBBBBB": {"views": 3200, "engagedViews": 2900, "likes": 150, "comments": 12, "shares": 9},
        "vidCCCCCCCC": {"views": 800, "engagedViews": 650, "likes": 20, "comments": 1, "shares": 0},
        "vidDDDDDDDD": {"views": 100, "engagedViews": 90, "likes": 2, "comments": 0, "shares": 0},
    })


def make_api(youtube_api, clock: FakeClock, *, token: str | None = VALID_TOKEN, credentials=None,
             **options) -> YouTubeAnalyticsApi:
    account = youtube_api.account(CHANNEL, token=token, credentials=credentials, options=options)
    return YouTubeAnalyticsApi(account, sleep=clock.sleep, now=clock.now, retry=RETRY, timeout=(1.0, 2.0))


def daily(result, metric: str | None, source: str | None = None) -> dict[dt.date, float | None]:
    return {v.date: v.value for v in result.account_daily
            if v.metric == metric and (source is None or v.source_metric == source)}


def test_the_connector_builds_this_client(youtube_api):
    client = connector.api(youtube_api.account(CHANNEL))
    assert isinstance(client, YouTubeAnalyticsApi) and isinstance(client, ApiClient)
    assert (client.history_days, client.lookback_days) == (None, 5)


def test_fetch_and_normalise_end_to_end(youtube_api, monkeypatch):
    seed(youtube_api)
    monkeypatch.setattr(api_settings, "VIDEO_PAGE_SIZE", 2)  # three videos -> two pages
    api = make_api(youtube_api, FakeClock(NOW), max_videos=3)

    result = api.normalise(api.fetch(D(2026, 11, 15), D(2026, 11, 21)))

    days, *videos = youtube_api.requests
    assert (days.query["ids"], days.query["startDate"], days.query["endDate"], days.query["dimensions"]) == (
        f"channel=={CHANNEL}", "2026-11-15", "2026-11-21", "day")
    assert days.query["metrics"] == ("views,engagedViews,estimatedMinutesWatched,likes,comments,shares,"
                                     "subscribersGained,subscribersLost")
    assert [(v.query["startDate"], v.query["endDate"], v.query["sort"], v.query["maxResults"],
             v.query["startIndex"]) for v in videos] == [
        ("2005-04-01", "2026-11-22", "-views", "2", "1"), ("2005-04-01", "2026-11-22", "-views", "1", "3")]

    views = daily(result, "video_views")
    assert views == {D(2026, 11, 15): 1224, D(2026, 11, 16): 147, D(2026, 11, 18): 860, D(2026, 11, 19): 932}
    assert sum(views.values()) == 3163
    assert sum(daily(result, "likes").values()) == 40 + 5 + 22 + 30 == 97
    assert sum(daily(result, "comments").values()) == 15
    assert sum(daily(result, "shares").values()) == 10
    assert sum(daily(result, "followers_gained").values()) == 12 + 0 + 7 + 9 == 28
    assert sum(daily(result, "followers_lost").values()) == 2 + 1 + 3 + 0 == 6
    # engagedViews: kept for lineage (the pre-redefinition view count), no canonical column
    assert sum(daily(result, None, "engagedViews").values()) == 1010 + 120 + 700 + 801 == 2631
    assert AccountDayValue(D(2026, 11, 18), None, "estimatedMinutesWatched", 2100.0) in result.account_daily
    assert D(2026, 11, 17) not in {v.date for v in result.account_daily}  # a gap stays a gap
    assert not [v for v in result.account_daily if v.metric == "followers_net_change"]

    snapshot = {(m.post_id, m.metric, m.source_metric): m.value for m in result.post_metrics}
    assert {m.snapshot_date for m in result.post_metrics} == {D(2026, 11, 22)}  # pull day, Los Angeles
    assert sum(v for (_, metric, _), v in snapshot.items() if metric == "views") == 5000 + 3200 + 800
    assert sum(v for (_, metric, _), v in snapshot.items() if metric == "likes") == 470
    assert snapshot[("vidBBBBBBBB", None, "engagedViews")] == 2900
    assert "vidDDDDDDDD" not in {m.post_id for m in result.post_metrics}
    assert result.posts == []  # the report names video ids only; metadata comes from exports
    assert result.notes == ["youtube: no daily data after 2026-11-19 in 2026-11-15..2026-11-21 "
                            "(YouTube reports lag 48-72 h)"]


def test_an_empty_report_gives_no_values_and_says_why(youtube_api):
    youtube_api.channels[CHANNEL] = FakeChannel(CHANNEL)
    api = make_api(youtube_api, FakeClock(NOW))

    pages = api.fetch(D(2026, 11, 15), D(2026, 11, 21))
    result = api.normalise(pages)

    assert "rows" not in pages[0].body
    assert result.account_daily == [] and result.post_metrics == []
    assert result.notes == ["youtube: no daily data after the window start in 2026-11-15..2026-11-21 "
                            "(YouTube reports lag 48-72 h)"]


def test_a_401_asks_to_re_authorise_without_retrying(youtube_api):
    seed(youtube_api)
    clock = FakeClock(NOW)
    api = make_api(youtube_api, clock, token=EXPIRED_TOKEN)

    with pytest.raises(AuthError) as caught:
        api.fetch(D(2026, 11, 15), D(2026, 11, 21))

    assert str(caught.value).startswith(f"re-authorise youtube account {CHANNEL}: HTTP 401 Request had invalid "
                                        "authentication credentials.")
    assert len(youtube_api.requests) == 1 and clock.sleeps == []


def test_an_expired_google_token_is_refreshed_and_cached(youtube_api, tmp_path):
    seed(youtube_api)
    cache = tmp_path / "tokens.json"
    api = make_api(youtube_api, FakeClock(NOW), token=EXPIRED_TOKEN, token_cache=str(cache),
                   credentials={"refresh_token": REFRESH_TOKEN, "client_id": CLIENT_ID,
                                "client_secret": CLIENT_SECRET})

    result = api.normalise(api.fetch(D(2026, 11, 15), D(2026, 11, 21)))

    assert len(youtube_api.oauth.token_requests) == 1
    assert youtube_api.requests[-1].headers["Authorization"] == "Bearer ya29.a0RefreshedGoogleT0ken0001"
    assert sum(daily(result, "video_views").values()) == 3163
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600


def test_a_used_up_daily_quota_fails_at_once(youtube_api):
    seed(youtube_api)
    youtube_api.quota_exceeded()
    clock = FakeClock(NOW)
    api = make_api(youtube_api, clock)

    with pytest.raises(ApiError, match="the daily API quota is used up, run again after it resets"):
        api.fetch(D(2026, 11, 15), D(2026, 11, 21))
    assert len(youtube_api.requests) == 1 and clock.sleeps == []


def test_a_429_is_retried_with_backoff(youtube_api):
    seed(youtube_api)
    youtube_api.rate_limited(times=1)
    clock = FakeClock(NOW)
    api = make_api(youtube_api, clock)

    result = api.normalise(api.fetch(D(2026, 11, 15), D(2026, 11, 21)))

    assert clock.sleeps == [0.5]
    assert sum(daily(result, "video_views").values()) == 3163


def test_normalise_is_pure_and_needs_no_token(youtube_api):
    seed(youtube_api)
    api = make_api(youtube_api, FakeClock(NOW))
    pages = api.fetch(D(2026, 11, 15), D(2026, 11, 21))
    count = len(youtube_api.requests)

    replay = YouTubeAnalyticsApi(youtube_api.account(CHANNEL, token=None))

    assert replay.normalise(pages) == api.normalise(pages)
    assert len(youtube_api.requests) == count


@pytest.mark.parametrize("named", [False, True], ids=["query-not-supported", "unknown-identifier"])
def test_a_rejected_metric_is_dropped_named_and_skipped_next_pull(youtube_api, tmp_path, named):
    """engagedViews is not confirmed for day reports: a 400 on it must not cost the whole report."""
    seed(youtube_api)
    youtube_api.refused["day"] = {"engagedViews"}
    youtube_api.name_refused = named
    memory = tmp_path / "rejected_metrics.json"
    api = make_api(youtube_api, FakeClock(NOW), max_videos=3, rejected_metrics_file=str(memory))

    pages = api.fetch(D(2026, 11, 15), D(2026, 11, 19))
    result = api.normalise(pages)

    views = daily(result, "video_views")
    assert views == {D(2026, 11, 15): 1224, D(2026, 11, 16): 147, D(2026, 11, 18): 860, D(2026, 11, 19): 932}
    assert sum(daily(result, "followers_gained").values()) == 28
    assert daily(result, None, "engagedViews") == {}
    # per video engagedViews is still offered: it loads
    assert {m.value for m in result.post_metrics if m.source_metric == "engagedViews"} == {4200, 2900, 650}  # top 3
    assert [n for n in result.notes if "engagedViews" in n] == [
        "youtube: metric engagedViews was rejected by the API ("
        + ("Unknown identifier (engagedViews) given in field parameters.metrics." if named
           else "The query is not supported.")
        + "); it was skipped and is remembered for this account, the other metrics loaded"]
    assert [p.status for p in pages if p.params["dimensions"] == "day"].count(400) == 1  # landed for lineage
    saved = json.loads(memory.read_text())["accounts"][f"youtube/{CHANNEL}"]
    assert list(saved) == ["day:engagedViews"] and saved["day:engagedViews"]["rejected_on"] == "2026-11-22"

    # the next pull (a new client, as the nightly run builds one) does not ask for it again
    seen = len(youtube_api.requests)
    again = make_api(youtube_api, FakeClock(NOW + dt.timedelta(days=1)), max_videos=3,
                     rejected_metrics_file=str(memory))
    result = again.normalise(again.fetch(D(2026, 11, 16), D(2026, 11, 19)))
    day_requests = [r for r in youtube_api.requests[seen:] if r.query["dimensions"] == "day"]
    assert [r.query["metrics"] for r in day_requests] == [
        "views,estimatedMinutesWatched,likes,comments,shares,subscribersGained,subscribersLost"]
    assert sum(daily(result, "video_views").values()) == 147 + 860 + 932
    assert not [n for n in result.notes if "rejected" in n]


def test_a_400_for_every_metric_alone_is_not_blamed_on_a_metric(youtube_api, tmp_path):
    """When each metric fails alone too, the request is wrong: the error stands, nothing is remembered."""
    seed(youtube_api)
    youtube_api.refused["day"] = set(api_settings.DAY_METRICS)
    memory = tmp_path / "rejected_metrics.json"
    api = make_api(youtube_api, FakeClock(NOW), rejected_metrics_file=str(memory))
    with pytest.raises(ApiError, match="The query is not supported"):
        api.fetch(D(2026, 11, 15), D(2026, 11, 19))
    assert not memory.exists()
