"""TikTok Accounts API client end to end: emulator -> fetch -> normalise.

Expected numbers are worked out by hand from the payloads seeded below.
"""

from __future__ import annotations

import datetime as dt
import json
import stat

import pytest

from connectors.base import AccountDayValue, ApiClient, AuthError
from connectors.http import ApiError, RetryPolicy
from connectors.tiktok import connector
from connectors.tiktok.api import TikTokBusinessApi
from tests.fakes import FakeClock
from tests.fakes.tiktok import (
    APP_ID,
    APP_SECRET,
    EXPIRED_TOKEN,
    REFRESH_TOKEN,
    REVOKED_TOKEN,
    VALID_TOKEN,
    FakeBusinessAccount,
    FakeVideo,
)

pytest_plugins = ["tests.fakes.tiktok"]

BUSINESS = "-000abcDEFghiJKLmno"
D = dt.date
NOW = dt.datetime(2026, 11, 22, 6, 0, tzinfo=dt.UTC)  # Berlin: 2026-11-22 07:00
RETRY = RetryPolicy(max_attempts=3, backoff_initial=0.5, jitter=0.0)
FIELDS = ("video_views", "unique_video_views", "profile_views", "likes", "comments", "shares",
          "daily_new_followers", "daily_lost_followers", "daily_total_followers", "bio_link_clicks",
          "phone_number_clicks", "lead_submissions")


def day(*values: int) -> dict[str, int]:
    return dict(zip(FIELDS, values, strict=True))


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def video(views: int, reach: int | None, likes: int, comments: int, shares: int, favorites: int) -> dict:
    return {"video_views": views, "reach": reach, "likes": likes, "comments": comments, "shares": shares,
            "favorites": favorites, "total_time_watched": views * 3, "average_time_watched": 3.0}


def seed(tiktok_api) -> None:
    tiktok_api.accounts[BUSINESS] = FakeBusinessAccount(BUSINESS, followers_count=1219, daily={
        D(2026, 11, 17): day(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1),  # before the window
        D(2026, 11, 18): day(75155, 40110, 539, 845, 58, 244, 100, 0, 1200, 12, 1, 0),
        D(2026, 11, 19): day(5200, 3100, 61, 310, 12, 20, 14, 3, 1211, 2, 0, 0),
        D(2026, 11, 20): day(4100, 2500, 40, 190, 9, 11, 6, 2, 1215, 1, 0, 1),
        D(2026, 11, 21): day(3900, 2300, 37, 150, 7, 8, 5, 1, 1219, 0, 0, 0),
    }, videos=[
        FakeVideo("7305", utc(2026, 11, 20, 10, 0), "Autumn haul\n#vintage", video(12000, 9000, 800, 40, 55, 120)),
        FakeVideo("7304", utc(2026, 11, 12, 18, 0), "Shop tour", video(30000, 21000, 1500, 90, 130, 310)),
        # inactive for more than 7 days: reach comes back null [code]
        FakeVideo("7303", utc(2026, 11, 1, 9, 0), "Try-on", video(8000, None, 400, 20, 15, 60)),
        FakeVideo("7302", utc(2026, 10, 20, 12, 0), "Old", video(2500, 1800, 90, 3, 2, 11)),
        FakeVideo("7301", utc(2026, 9, 1, 12, 0), "Older", video(100, 90, 1, 0, 0, 0)),
    ])
    tiktok_api.page_size = 2  # pages shorter than max_count=20 that still have more [code]


def make_api(tiktok_api, clock: FakeClock, *, token: str | None = VALID_TOKEN, credentials=None,
             **options) -> TikTokBusinessApi:
    account = tiktok_api.account(BUSINESS, token=token, credentials=credentials, options=options)
    return TikTokBusinessApi(account, sleep=clock.sleep, now=clock.now, retry=RETRY, timeout=(1.0, 2.0))


def daily(result, metric: str) -> dict[dt.date, float | None]:
    return {v.date: v.value for v in result.account_daily if v.metric == metric}


def test_the_connector_builds_this_client(tiktok_api):
    client = connector.api(tiktok_api.account(BUSINESS))
    assert isinstance(client, TikTokBusinessApi) and isinstance(client, ApiClient)
    assert (client.history_days, client.lookback_days) == (60, 3)


def test_fetch_and_normalise_end_to_end(tiktok_api):
    seed(tiktok_api)
    api = make_api(tiktok_api, FakeClock(NOW))

    result = api.normalise(api.fetch(D(2026, 11, 18), D(2026, 11, 21)))

    business, *lists = tiktok_api.requests
    assert business.headers["Access-Token"] == VALID_TOKEN and "Authorization" not in business.headers
    assert (business.query["start_date"], business.query["end_date"]) == ("2026-11-18", "2026-11-21")
    assert json.loads(business.query["fields"])[:2] == ["video_views", "unique_video_views"]
    # newest first, 2 per page; the second page reaches Oct 20 < Oct 25 (28 days before Nov 21): stop
    assert [r.query.get("cursor") for r in lists] == [None, str(int(utc(2026, 11, 12, 18).timestamp() * 1000))]

    assert sum(daily(result, "video_views").values()) == 75155 + 5200 + 4100 + 3900 == 88355
    assert sum(daily(result, "reach").values()) == 40110 + 3100 + 2500 + 2300 == 48010
    assert sum(daily(result, "likes").values()) == 1495
    assert sum(daily(result, "comments").values()) == 86
    assert sum(daily(result, "shares").values()) == 283
    assert sum(daily(result, "profile_visits").values()) == 539 + 61 + 40 + 37 == 677
    assert sum(daily(result, "followers_gained").values()) == 125
    assert sum(daily(result, "followers_lost").values()) == 6
    assert daily(result, "followers") == {D(2026, 11, 18): 1200, D(2026, 11, 19): 1211, D(2026, 11, 20): 1215,
                                          D(2026, 11, 21): 1219}
    assert daily(result, "impressions") == {}
    assert AccountDayValue(D(2026, 11, 18), None, "phone_number_clicks", 1.0) in result.account_daily
    assert AccountDayValue(D(2026, 11, 18), None, "bio_link_clicks", 12.0) in result.account_daily
    assert result.notes == ["tiktok: the API reports no impressions; impressions stay NULL"]

    posts = {p.post_id: p for p in result.posts}
    assert set(posts) == {"7305", "7304", "7303", "7302"}  # 7301 is on a page never asked for
    assert posts["7305"].published_at == utc(2026, 11, 20, 10, 0)
    assert (posts["7305"].title, posts["7305"].post_type) == ("Autumn haul", "video")
    assert posts["7304"].permalink == "https://www.tiktok.com/@vintage/video/7304"
    values = {(m.post_id, m.metric): m.value for m in result.post_metrics}
    assert sum(v for (_, metric), v in values.items() if metric == "views") == 12000 + 30000 + 8000 + 2500
    assert sum(v for (_, metric), v in values.items() if metric == "saves") == 120 + 310 + 60 + 11 == 501
    assert values[("7303", "reach")] is None  # null from TikTok stays NULL, not 0
    assert values[("7304", "reach")] == 21000
    assert {m.snapshot_date for m in result.post_metrics} == {D(2026, 11, 22)}


def test_the_per_date_followers_count_is_used_when_no_daily_total_is_sent(tiktok_api):
    tiktok_api.accounts[BUSINESS] = FakeBusinessAccount(BUSINESS, daily={
        D(2026, 11, 1): {"video_views": 75155, "followers_count": 1200}})
    api = make_api(tiktok_api, FakeClock(NOW))

    result = api.normalise(api.fetch(D(2026, 11, 1), D(2026, 11, 1)))

    assert [v for v in result.account_daily if v.source_metric == "followers_count"] == [
        AccountDayValue(D(2026, 11, 1), "followers", "followers_count", 1200.0)]


def test_windows_are_clamped_to_60_days_and_cut_into_60_day_requests(tiktok_api):
    seed(tiktok_api)
    api = make_api(tiktok_api, FakeClock(NOW))

    api.fetch(D(2026, 9, 1), D(2026, 11, 22))

    calls = tiktok_api.server.requests_to("/business/get/")
    # today (Nov 22) - 60 days = Sep 23; Sep 23..Nov 21 is 60 days, Nov 22 the rest
    assert [(c.query["start_date"], c.query["end_date"]) for c in calls] == [
        ("2026-09-23", "2026-11-21"), ("2026-11-22", "2026-11-22")]


def test_empty_data_gives_no_records(tiktok_api):
    tiktok_api.accounts[BUSINESS] = FakeBusinessAccount(BUSINESS)
    api = make_api(tiktok_api, FakeClock(NOW))

    pages = api.fetch(D(2026, 11, 18), D(2026, 11, 21))
    result = api.normalise(pages)

    assert pages[0].body["data"]["metrics"] == []
    assert pages[1].body["data"] == {"videos": [], "cursor": 0, "has_more": False}
    assert result.account_daily == [] and result.posts == [] and result.notes == []


@pytest.mark.parametrize("token", [EXPIRED_TOKEN, REVOKED_TOKEN])
def test_code_40105_inside_http_200_asks_to_re_authorise(tiktok_api, token):
    seed(tiktok_api)
    clock = FakeClock(NOW)
    api = make_api(tiktok_api, clock, token=token)

    with pytest.raises(AuthError) as caught:
        api.fetch(D(2026, 11, 18), D(2026, 11, 21))

    assert str(caught.value) == (f"re-authorise tiktok account {BUSINESS}: Access token is incorrect or has been "
                                 "revoked. (code 40105)")
    assert len(tiktok_api.requests) == 1 and clock.sleeps == []


def test_an_expired_24_hour_token_is_refreshed_through_the_json_endpoint(tiktok_api, tmp_path):
    seed(tiktok_api)
    cache = tmp_path / "tokens.json"
    api = make_api(tiktok_api, FakeClock(NOW), token=EXPIRED_TOKEN, token_cache=str(cache),
                   credentials={"refresh_token": REFRESH_TOKEN, "client_id": APP_ID, "client_secret": APP_SECRET})

    result = api.normalise(api.fetch(D(2026, 11, 18), D(2026, 11, 21)))

    assert tiktok_api.token_requests == [{"client_id": APP_ID, "client_secret": APP_SECRET,
                                          "grant_type": "refresh_token", "refresh_token": REFRESH_TOKEN}]
    assert tiktok_api.requests[-1].headers["Access-Token"] == "act.refreshedTikTokT0ken0001"
    assert sum(daily(result, "video_views").values()) == 88355
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    entry = json.loads(cache.read_text())["tokens"][f"tiktok/{BUSINESS}"]
    assert (entry["expires_at"], entry["refresh_token"]) == ("2026-11-23T06:00:00+00:00",
                                                             "rft.rotatedTikTokRefresh0001")


def test_an_account_with_only_a_refresh_token_refreshes_before_the_first_call(tiktok_api, tmp_path):
    seed(tiktok_api)
    api = make_api(tiktok_api, FakeClock(NOW), token=None, token_cache=str(tmp_path / "tokens.json"),
                   credentials={"refresh_token": REFRESH_TOKEN, "client_id": APP_ID, "client_secret": APP_SECRET})

    api.check()

    assert len(tiktok_api.token_requests) == 1
    assert [r.headers.get("Access-Token") for r in tiktok_api.requests if "oauth2" not in r.path] == [
        "act.refreshedTikTokT0ken0001"]


def test_a_rejected_refresh_token_inside_http_200_asks_to_re_authorise(tiktok_api, tmp_path):
    seed(tiktok_api)
    api = make_api(tiktok_api, FakeClock(NOW), token=EXPIRED_TOKEN, token_cache=str(tmp_path / "t.json"),
                   credentials={"refresh_token": "rft.unknownRefreshT0ken", "client_id": APP_ID,
                                "client_secret": APP_SECRET})

    with pytest.raises(AuthError, match=r"the TikTok token endpoint refused the refresh token: "
                                        r"refresh_token is invalid or expired \(code 40001\)"):
        api.check()


def test_code_40100_qps_limit_is_retried(tiktok_api):
    seed(tiktok_api)
    tiktok_api.throttle(times=2, when="/business/get/")
    clock = FakeClock(NOW)
    api = make_api(tiktok_api, clock)

    result = api.normalise(api.fetch(D(2026, 11, 18), D(2026, 11, 21)))

    assert clock.sleeps == [0.5, 1.0]
    assert sum(daily(result, "video_views").values()) == 88355


def test_any_other_code_fails_without_retry(tiktok_api):
    seed(tiktok_api)
    tiktok_api.no_permission(BUSINESS)
    clock = FakeClock(NOW)
    api = make_api(tiktok_api, clock)

    with pytest.raises(ApiError, match=f"No permission to operate tiktok creator id: {BUSINESS} \\(code 40001\\)"):
        api.fetch(D(2026, 11, 18), D(2026, 11, 21))
    assert len(tiktok_api.requests) == 1 and clock.sleeps == []


def test_normalise_is_pure_and_needs_no_token(tiktok_api):
    seed(tiktok_api)
    api = make_api(tiktok_api, FakeClock(NOW))
    pages = api.fetch(D(2026, 11, 18), D(2026, 11, 21))
    count = len(tiktok_api.requests)

    replay = TikTokBusinessApi(tiktok_api.account(BUSINESS, token=None))

    assert replay.normalise(pages) == api.normalise(pages)
    assert len(tiktok_api.requests) == count


def test_a_rejected_field_is_dropped_named_and_skipped_next_pull(tiktok_api, tmp_path):
    """profile_views refused with 40002: views, reach, likes... of the same report still load."""
    seed(tiktok_api)
    tiktok_api.refused_fields = {"profile_views"}
    memory = tmp_path / "rejected_metrics.json"
    api = make_api(tiktok_api, FakeClock(NOW), rejected_metrics_file=str(memory))

    pages = api.fetch(D(2026, 11, 18), D(2026, 11, 21))
    result = api.normalise(pages)

    assert sum(daily(result, "video_views").values()) == 88355
    assert sum(daily(result, "followers_gained").values()) == 125
    assert daily(result, "profile_visits") == {}
    assert ("tiktok: metric profile_views was rejected by the API (Invalid field: profile_views); it was "
            "skipped and is remembered for this account, the other metrics loaded") in result.notes
    assert [p.body["code"] for p in pages if p.endpoint.endswith("business/get/")] == [40002, 0]
    assert "day:profile_views" in json.loads(memory.read_text())["accounts"][f"tiktok/{BUSINESS}"]

    seen = len(tiktok_api.requests)
    again = make_api(tiktok_api, FakeClock(NOW), rejected_metrics_file=str(memory))
    again.fetch(D(2026, 11, 19), D(2026, 11, 21))
    business = [r for r in tiktok_api.requests[seen:] if r.path.endswith("business/get/")]
    assert len(business) == 1 and "profile_views" not in json.loads(business[0].query["fields"])
    assert "video_views" in json.loads(business[0].query["fields"])


def test_a_rejected_video_field_is_dropped_and_the_videos_still_load(tiktok_api, tmp_path):
    seed(tiktok_api)
    tiktok_api.refused_fields = {"favorites"}
    memory = tmp_path / "rejected_metrics.json"
    api = make_api(tiktok_api, FakeClock(NOW), rejected_metrics_file=str(memory))

    result = api.normalise(api.fetch(D(2026, 11, 18), D(2026, 11, 21)))

    values = {(m.post_id, m.metric): m.value for m in result.post_metrics}
    assert sum(v for (_, metric), v in values.items() if metric == "views") == 12000 + 30000 + 8000 + 2500
    assert not [k for k in values if k[1] == "saves"]
    assert {p.post_id for p in result.posts} == {"7305", "7304", "7303", "7302"}
    assert ("tiktok: metric favorites was rejected by the API (Invalid field: favorites); it was skipped and "
            "is remembered for this account, the other metrics loaded") in result.notes
    assert "video:favorites" in json.loads(memory.read_text())["accounts"][f"tiktok/{BUSINESS}"]

    seen = len(tiktok_api.requests)
    again = make_api(tiktok_api, FakeClock(NOW), rejected_metrics_file=str(memory))
    again.fetch(D(2026, 11, 20), D(2026, 11, 21))
    lists = [r for r in tiktok_api.requests[seen:] if r.path.endswith("video/list/")]
    assert lists and all("favorites" not in json.loads(r.query["fields"]) for r in lists)
    assert all("video_views" in json.loads(r.query["fields"]) for r in lists)
