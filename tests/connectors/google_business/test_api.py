"""Google Business Profile reviews client end to end: emulator -> fetch -> normalise.

Expected values are read by hand from the reviews seeded below. Google's error bodies are
[unverified] shapes (platform-apis.md §6.3): those tests check our handling of them.
"""

from __future__ import annotations

import datetime as dt

import pytest

from connectors.base import ApiClient, AuthError, ReviewRecord
from connectors.google_business import connector
from connectors.google_business.api import GoogleBusinessReviewsApi
from connectors.http import ApiError, RetriesExhaustedError, RetryPolicy
from tests.fakes import FakeClock
from tests.fakes.google import CLIENT_ID, CLIENT_SECRET, EXPIRED_TOKEN, VALID_TOKEN, FakeReview

pytest_plugins = ["tests.fakes.google"]

ACCOUNT = "123456789"
D = dt.date
NOW = dt.datetime(2026, 11, 22, 6, 0, tzinfo=dt.UTC)
RETRY = RetryPolicy(max_attempts=3, backoff_initial=0.5, jitter=0.0)


def seed(google_api) -> None:
    google_api.reviews[(ACCOUNT, "222222222")] = [
        FakeReview("AbcDef", "FIVE", "2026-11-20T10:00:00Z", "2026-11-20T10:00:00Z", "Great service!"),
        FakeReview("GhiJkl", "TWO", "2026-11-18T08:30:00.123456Z", "2026-11-18T08:30:00.123456Z"),  # rating only
        FakeReview("MnoPqr", "FOUR", "2026-10-01T09:00:00Z", "2026-11-16T12:00:00Z", "Good, edited"),
        FakeReview("StuVwx", "THREE", "2026-09-10T00:00:00Z", "2026-09-10T00:00:00Z", "ok"),
        FakeReview("YzaBcd", "ONE", "2026-08-01T00:00:00Z", "2026-08-01T00:00:00Z", "bad"),  # never reached
    ]
    google_api.reviews[(ACCOUNT, "333333333")] = [
        FakeReview("Loc3One", "STAR_RATING_UNSPECIFIED", "2026-11-21T19:00:00Z", "2026-11-21T19:00:00Z", "Visited"),
    ]
    google_api.review_page_size = 2


def make_api(google_api, clock: FakeClock, *, token: str | None = VALID_TOKEN, credentials=None,
             **options) -> GoogleBusinessReviewsApi:
    account = google_api.account("google_business", ACCOUNT, token=token, credentials=credentials,
                                 options={"location_ids": ["222222222", "locations/333333333"], **options})
    return GoogleBusinessReviewsApi(account, sleep=clock.sleep, now=clock.now, retry=RETRY, timeout=(1.0, 2.0))


def test_the_connector_builds_this_client(google_api):
    client = connector.api(google_api.account("google_business", ACCOUNT))
    assert isinstance(client, GoogleBusinessReviewsApi) and isinstance(client, ApiClient)
    assert (client.history_days, client.lookback_days) == (None, 3)


def test_fetch_and_normalise_end_to_end(google_api):
    seed(google_api)
    api = make_api(google_api, FakeClock(NOW))

    result = api.normalise(api.fetch(D(2026, 11, 15), D(2026, 11, 21)))

    # location 222: page 1 (Nov 20, Nov 18) and page 2, which reaches Sep 10 < Nov 15: stop
    assert [(r.path, r.query.get("pageToken")) for r in google_api.requests] == [
        (f"/v4/accounts/{ACCOUNT}/locations/222222222/reviews", None),
        (f"/v4/accounts/{ACCOUNT}/locations/222222222/reviews", "2"),
        (f"/v4/accounts/{ACCOUNT}/locations/333333333/reviews", None)]
    assert {(r.query["pageSize"], r.query["orderBy"]) for r in google_api.requests} == {("50", "updateTime desc")}

    reviews = {r.review_id: r for r in result.reviews}
    assert set(reviews) == {"AbcDef", "GhiJkl", "MnoPqr", "StuVwx", "Loc3One"}
    assert reviews["AbcDef"] == ReviewRecord("AbcDef", "locations/222222222",
                                             dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC), 5.0, "Great service!")
    assert reviews["GhiJkl"].comment is None  # rating-only review: NULL, not ""
    assert reviews["GhiJkl"].created_at == dt.datetime(2026, 11, 18, 8, 30, 0, 123456, tzinfo=dt.UTC)
    assert reviews["Loc3One"].rating is None  # STAR_RATING_UNSPECIFIED
    assert reviews["Loc3One"].location_id == "locations/333333333"
    assert sum(r.rating for r in result.reviews if r.rating is not None) == 5 + 2 + 4 + 3 == 14
    assert result.notes == []


def test_a_review_listed_twice_while_paging_is_loaded_once(google_api):
    seed(google_api)
    api = make_api(google_api, FakeClock(NOW))
    pages = api.fetch(D(2026, 11, 15), D(2026, 11, 21))

    result = api.normalise(pages + pages[:1])

    assert sorted(r.review_id for r in result.reviews) == ["AbcDef", "GhiJkl", "Loc3One", "MnoPqr", "StuVwx"]


def test_an_unknown_star_rating_word_is_noted(google_api):
    google_api.reviews[(ACCOUNT, "222222222")] = [
        FakeReview("Odd", "SIX", "2026-11-20T10:00:00Z", "2026-11-20T10:00:00Z", "?")]
    google_api.reviews[(ACCOUNT, "333333333")] = []
    api = make_api(google_api, FakeClock(NOW))

    result = api.normalise(api.fetch(D(2026, 11, 15), D(2026, 11, 21)))

    assert [r.rating for r in result.reviews] == [None]
    assert result.notes == ["google_business: review Odd has an unknown starRating 'SIX'; rating left empty"]


def test_a_location_without_reviews_gives_no_records(google_api):
    google_api.reviews[(ACCOUNT, "222222222")] = []
    google_api.reviews[(ACCOUNT, "333333333")] = []
    api = make_api(google_api, FakeClock(NOW))

    pages = api.fetch(D(2026, 11, 15), D(2026, 11, 21))

    assert [p.body for p in pages] == [{}, {}]
    assert api.normalise(pages).reviews == []


def test_a_401_asks_to_re_authorise(google_api):
    seed(google_api)
    clock = FakeClock(NOW)

    with pytest.raises(AuthError, match=f"^re-authorise google_business account {ACCOUNT}: HTTP 401 "):
        make_api(google_api, clock, token=EXPIRED_TOKEN).fetch(D(2026, 11, 15), D(2026, 11, 21))
    assert len(google_api.requests) == 1 and clock.sleeps == []


def test_a_revoked_refresh_token_asks_to_re_authorise(google_api, tmp_path):
    seed(google_api)
    api = make_api(google_api, FakeClock(NOW), token=EXPIRED_TOKEN, token_cache=str(tmp_path / "t.json"),
                   credentials={"refresh_token": "1//0gRevokedRefreshT0ken", "client_id": CLIENT_ID,
                                "client_secret": CLIENT_SECRET})

    with pytest.raises(AuthError) as caught:
        api.fetch(D(2026, 11, 15), D(2026, 11, 21))

    assert str(caught.value) == (f"re-authorise google_business account {ACCOUNT}: the Google token endpoint "
                                 "refused the refresh token: invalid_grant: Token has been expired or revoked.")
    assert len(google_api.oauth.token_requests) == 1


def test_a_project_without_quota_ends_after_the_retries(google_api):
    seed(google_api)
    google_api.resource_exhausted("Quota exceeded for quota metric 'Requests' and limit 'Requests per minute' "
                                  "of service 'mybusiness.googleapis.com'.", times=3)
    clock = FakeClock(NOW)

    with pytest.raises(RetriesExhaustedError, match="gave up after 3 attempts: HTTP 429 Quota exceeded"):
        make_api(google_api, clock).fetch(D(2026, 11, 15), D(2026, 11, 21))
    assert clock.sleeps == [0.5, 1.0]


def test_no_location_configured_is_a_clear_error(google_api):
    api = make_api(google_api, FakeClock(NOW), location_ids=[])

    with pytest.raises(ApiError, match="options location_ids is empty"):
        api.fetch(D(2026, 11, 15), D(2026, 11, 21))
    assert google_api.requests == []


def test_normalise_is_pure_and_needs_no_token(google_api):
    seed(google_api)
    api = make_api(google_api, FakeClock(NOW))
    pages = api.fetch(D(2026, 11, 15), D(2026, 11, 21))
    count = len(google_api.requests)

    replay = GoogleBusinessReviewsApi(google_api.account("google_business", ACCOUNT, token=None))

    assert replay.normalise(pages) == api.normalise(pages)
    assert len(google_api.requests) == count
