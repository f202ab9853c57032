"""X API v2 client end to end: X emulator -> fetch -> normalise, plus OAuth refresh.

Expected numbers are worked out by hand from the payloads seeded below.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import stat
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from connectors.base import AccountDayValue, ApiClient, AuthError, MentionsDayValue
from connectors.http import RetryPolicy
from connectors.x import connector
from connectors.x.api import XApi
from tests.fakes import FakeClock
from tests.fakes.x import (
    APP_BEARER,
    CLIENT_ID,
    EXPIRED_TOKEN,
    REFRESH_TOKEN,
    REVOKED_TOKEN,
    VALID_TOKEN,
    FakeTweet,
    FakeXUser,
)

pytest_plugins = ["tests.fakes.x"]

USER = "2244994945"
D = dt.date
NOW = dt.datetime(2026, 11, 22, 6, 0, tzinfo=dt.UTC)  # Berlin: 2026-11-22 07:00
RETRY = RetryPolicy(max_attempts=3, backoff_initial=0.5, jitter=0.0)
SUBJECTS = {"acme": "acme OR @acme", "rival": ["Rival Co", "@rivalco"]}
RIVAL_QUERY = '("Rival Co" OR "@rivalco")'


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def seed(x_api) -> None:
    x_api.now = NOW
    x_api.users[USER] = FakeXUser(USER, followers_count=15230, tweets=[
        # 32 days old at NOW: public metrics only
        FakeTweet("1001", utc(2026, 10, 21, 9, 0), "Community call next week\nJoin us",
                  public={"impression_count": 1777, "like_count": 2, "reply_count": 1, "retweet_count": 3,
                          "quote_count": 1, "bookmark_count": 4}),
        FakeTweet("1002", utc(2026, 11, 10, 12, 30), "Launch day",
                  public={"impression_count": 5400, "like_count": 120, "reply_count": 14, "retweet_count": 22,
                          "quote_count": 5, "bookmark_count": 9},
                  non_public={"impression_count": 5400, "url_link_clicks": 37, "user_profile_clicks": 11}),
        FakeTweet("1003", utc(2026, 11, 20, 18, 45), "Thanks all",
                  public={"impression_count": 980, "like_count": 31, "reply_count": 2, "retweet_count": 4,
                          "quote_count": 0, "bookmark_count": 1},
                  non_public={"impression_count": 980, "url_link_clicks": 6, "user_profile_clicks": 3}),
        # 2026-11-22 00:30 in Berlin: after the window
        FakeTweet("1004", utc(2026, 11, 21, 23, 30), "Tomorrow", public={"like_count": 1}),
        # 2026-10-19 23:00 in Berlin: before the window
        FakeTweet("0999", utc(2026, 10, 19, 21, 0), "Old", public={"like_count": 8}),
    ])
    x_api.counts["acme OR @acme"] = {D(2026, 11, 15): 999, D(2026, 11, 16): 40, D(2026, 11, 17): 52,
                                     D(2026, 11, 18): 38, D(2026, 11, 19): 61, D(2026, 11, 20): 45,
                                     D(2026, 11, 21): 50}
    x_api.counts[RIVAL_QUERY] = {D(2026, 11, 16): 12, D(2026, 11, 18): 9, D(2026, 11, 19): 15,
                                 D(2026, 11, 20): 7, D(2026, 11, 21): 11}


def make_api(x_api, clock: FakeClock, *, token: str | None = VALID_TOKEN, credentials=None, **options) -> XApi:
    account = x_api.account(USER, token=token, credentials=credentials,
                            options={"mention_queries": SUBJECTS, **options})
    return XApi(account, sleep=clock.sleep, now=clock.now, retry=RETRY, timeout=(1.0, 2.0))


def post_values(result) -> dict[tuple[str, str | None, str], float | None]:
    return {(m.post_id, m.metric, m.source_metric): m.value for m in result.post_metrics}


def one_canonical_value_each(result) -> bool:
    """The warehouse keeps one value per key and metric: never emit two."""
    daily = Counter((v.date, v.metric) for v in result.account_daily if v.metric)
    posts = Counter((m.post_id, m.snapshot_date, m.metric) for m in result.post_metrics if m.metric)
    return all(n == 1 for n in [*daily.values(), *posts.values()])


def test_the_connector_builds_this_client(x_api):
    client = connector.api(x_api.account(USER))
    assert isinstance(client, XApi) and isinstance(client, ApiClient)
    assert (client.history_days, client.lookback_days) == (None, 3)


def test_fetch_and_normalise_end_to_end(x_api):
    seed(x_api)
    x_api.page_size = 1  # the two recent posts come on two pages, linked by meta.next_token
    x_api.counts_page_days = 4  # six days of counts: two pages per subject
    api = make_api(x_api, FakeClock(NOW))

    result = api.normalise(api.fetch(D(2026, 10, 20), D(2026, 11, 21)))

    # 1 user + 1 old-posts page + 2 recent-posts pages + 2 subjects x 2 counts pages
    assert len(x_api.requests) == 8
    timeline = x_api.server.requests_to(f"/2/users/{USER}/tweets")
    # Berlin midnight of Oct 20 (CEST) .. of Nov 22 (CET); split 30 days - 1 h before now
    assert [(r.query["start_time"], r.query["end_time"], r.query["tweet.fields"]) for r in timeline] == [
        ("2026-10-19T22:00:00Z", "2026-10-23T07:00:00Z", "created_at,text,public_metrics"),
        ("2026-10-23T07:00:00Z", "2026-11-21T23:00:00Z", "created_at,text,public_metrics,non_public_metrics"),
        ("2026-10-23T07:00:00Z", "2026-11-21T23:00:00Z", "created_at,text,public_metrics,non_public_metrics"),
    ]
    assert "pagination_token" in timeline[2].query
    assert all(r.headers["Authorization"] == f"Bearer {VALID_TOKEN}" for r in x_api.requests)

    # followers_count pulled on Nov 22 (Berlin) = the morning after the window: dated Nov 21
    assert result.account_daily == [AccountDayValue(D(2026, 11, 21), "followers", "public_metrics.followers_count",
                                                    15230.0)]

    posts = {p.post_id: p for p in result.posts}
    assert set(posts) == {"1001", "1002", "1003"}
    assert posts["1001"].title == "Community call next week"
    assert posts["1002"].published_at == utc(2026, 11, 10, 12, 30)
    assert posts["1003"].permalink == "https://x.com/i/web/status/1003"

    values = post_values(result)
    canonical = Counter()
    for (_, metric, _), value in values.items():
        if metric:
            canonical[metric] += value
    # shares = reposts + quotes: (3+1) + (22+5) + (4+0) = 35
    assert values[("1002", "shares", "public_metrics.retweet_count+quote_count")] == 27
    assert canonical["shares"] == 35
    assert canonical["impressions"] == 1777 + 5400 + 980 == 8157
    assert canonical["likes"] == 153 and canonical["comments"] == 17 and canonical["saves"] == 14
    # url clicks only where non-public metrics were served (posts of the last 30 days)
    assert canonical["clicks"] == 37 + 6
    assert not [k for k in values if k[0] == "1001" and k[1] == "clicks"]
    assert values[("1003", None, "non_public_metrics.user_profile_clicks")] == 3
    assert values[("1002", None, "non_public_metrics.impression_count")] == 5400  # lineage only
    assert {m.snapshot_date for m in result.post_metrics} == {D(2026, 11, 22)}
    assert one_canonical_value_each(result)

    # counts/recent keeps 7 days: Nov 16..21 (UTC days), Nov 15 is not asked for
    counts = x_api.server.requests_to("/2/tweets/counts/recent")
    assert {(r.query["query"], r.query["start_time"], r.query["end_time"]) for r in counts} == {
        ("acme OR @acme", "2026-11-16T00:00:00Z", "2026-11-22T00:00:00Z"),
        (RIVAL_QUERY, "2026-11-16T00:00:00Z", "2026-11-22T00:00:00Z")}
    mentions = {(m.subject_id, m.date): m.mentions for m in result.mentions_daily}
    assert sum(v for (s, _), v in mentions.items() if s == "acme") == 40 + 52 + 38 + 61 + 45 + 50 == 286
    assert sum(v for (s, _), v in mentions.items() if s == "rival") == 12 + 9 + 15 + 7 + 11 == 54
    assert mentions[("rival", D(2026, 11, 17))] == 0  # X reports the empty day as 0
    assert MentionsDayValue(D(2026, 11, 19), "acme", "x", 61.0) in result.mentions_daily
    assert len(result.mentions_daily) == 12
    assert result.notes == []


def test_without_non_public_access_only_public_metrics_are_asked(x_api):
    seed(x_api)
    api = make_api(x_api, FakeClock(NOW), non_public_metrics=False, mention_queries={})

    result = api.normalise(api.fetch(D(2026, 11, 18), D(2026, 11, 21)))

    timeline = x_api.server.requests_to("/tweets")
    assert [r.query["tweet.fields"] for r in timeline] == ["created_at,text,public_metrics"]
    assert {p.post_id for p in result.posts} == {"1002", "1003"}  # published Oct 25..Nov 21
    assert not [m for m in result.post_metrics if m.metric == "clicks"]
    assert x_api.server.requests_to("/counts/") == []


def test_a_partial_error_inside_http_200_is_noted_and_the_rest_loads(x_api, caplog):
    seed(x_api)
    # posted 29 days 22.5 h before the client's now: inside the non-public segment (which starts
    # 30 days - 1 h back, at Oct 23 07:00). X's clock is 2 h later (a long run), so for X the
    # post is 30 days 0.5 h old and it answers without its non-public metrics.
    x_api.users[USER].tweets.append(FakeTweet("1005", utc(2026, 10, 23, 7, 30), "Edge",
                                              public={"like_count": 5, "retweet_count": 1, "quote_count": 1},
                                              non_public={"url_link_clicks": 2}))
    x_api.now = NOW + dt.timedelta(hours=2)
    api = make_api(x_api, FakeClock(NOW), mention_queries={})

    with caplog.at_level(logging.WARNING):
        result = api.normalise(api.fetch(D(2026, 10, 20), D(2026, 11, 21)))

    values = post_values(result)
    assert values[("1005", "likes", "public_metrics.like_count")] == 5
    assert values[("1005", "shares", "public_metrics.retweet_count+quote_count")] == 2
    assert not [k for k in values if k[0] == "1005" and k[1] == "clicks"]
    assert values[("1002", "clicks", "non_public_metrics.url_link_clicks")] == 37
    assert len(result.notes) == 1 and "partial error" in result.notes[0] and "1005" in result.notes[0]
    assert any("partial error" in r.getMessage() for r in caplog.records)


def test_empty_timeline_and_no_mentions_give_no_records(x_api):
    x_api.users[USER] = FakeXUser(USER, followers_count=10)
    api = make_api(x_api, FakeClock(NOW), mention_queries={})

    pages = api.fetch(D(2026, 11, 18), D(2026, 11, 21))
    result = api.normalise(pages)

    assert pages[1].body == {"meta": {"result_count": 0}}
    assert result.posts == [] and result.post_metrics == [] and result.mentions_daily == []
    assert [v.value for v in result.account_daily] == [10.0]


def test_a_429_waits_until_x_rate_limit_reset(x_api):
    seed(x_api)
    clock = FakeClock(NOW)
    x_api.throttle(NOW + dt.timedelta(seconds=120), when="/tweets")
    api = make_api(x_api, clock, mention_queries={})

    result = api.normalise(api.fetch(D(2026, 11, 18), D(2026, 11, 21)))

    assert clock.sleeps == [120.0]
    assert len(x_api.server.requests_to("/tweets")) == 2  # the throttled try and the retry
    assert {p.post_id for p in result.posts} == {"1002", "1003"}


def test_a_spent_window_pauses_before_the_next_request(x_api):
    seed(x_api)
    clock = FakeClock(NOW)
    x_api.last_call_in_window(NOW + dt.timedelta(seconds=300), when=f"/2/users/{USER}")
    api = make_api(x_api, clock, mention_queries={})

    api.fetch(D(2026, 11, 18), D(2026, 11, 21))

    assert clock.sleeps == [300.0]  # x-rate-limit-remaining: 0 -> wait for the reset first


def test_the_counts_endpoint_uses_the_app_bearer_token_when_configured(x_api):
    seed(x_api)
    api = make_api(x_api, FakeClock(NOW), credentials={"bearer_token": APP_BEARER})

    api.fetch(D(2026, 11, 20), D(2026, 11, 21))

    assert {r.headers["Authorization"] for r in x_api.server.requests_to("/counts/")} == {f"Bearer {APP_BEARER}"}
    assert {r.headers["Authorization"] for r in x_api.server.requests_to("/users/")} == {f"Bearer {VALID_TOKEN}"}


@pytest.mark.parametrize("token", [EXPIRED_TOKEN, REVOKED_TOKEN])
def test_expired_or_revoked_token_asks_to_re_authorise(x_api, token):
    seed(x_api)
    clock = FakeClock(NOW)
    api = make_api(x_api, clock, token=token)

    with pytest.raises(AuthError) as caught:
        api.fetch(D(2026, 11, 18), D(2026, 11, 21))

    assert str(caught.value) == f"re-authorise x account {USER}: HTTP 401 unauthorised: Unauthorized"
    assert len(x_api.requests) == 1 and clock.sleeps == []


def test_check_probes_the_user_and_needs_a_token(x_api):
    seed(x_api)
    make_api(x_api, FakeClock(NOW)).check()
    assert [r.path for r in x_api.requests] == [f"/2/users/{USER}"]

    with pytest.raises(AuthError, match="no access token"):
        make_api(x_api, FakeClock(NOW), token=None).check()
    assert len(x_api.requests) == 1


def test_a_refused_token_is_refreshed_once_kept_in_a_0600_cache_and_reused(x_api, tmp_path, caplog):
    seed(x_api)
    cache = tmp_path / "secrets" / "tokens.json"
    clock = FakeClock(NOW)
    credentials = {"refresh_token": REFRESH_TOKEN, "client_id": CLIENT_ID}
    caplog.set_level(logging.DEBUG)
    api = make_api(x_api, clock, token=EXPIRED_TOKEN, credentials=credentials, token_cache=str(cache),
                   mention_queries={})

    result = api.normalise(api.fetch(D(2026, 11, 18), D(2026, 11, 21)))

    assert [p.post_id for p in result.posts] == ["1003", "1002"]
    assert x_api.token_requests == [{"grant_type": "refresh_token", "refresh_token": REFRESH_TOKEN,
                                     "client_id": CLIENT_ID}]
    fresh = "xUserT0ken-refreshed-0001-abcdef"
    seen = [r.headers.get("Authorization") for r in x_api.requests if r.path != "/2/oauth2/token"]
    assert seen == [f"Bearer {EXPIRED_TOKEN}", f"Bearer {fresh}", f"Bearer {fresh}"]
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    entry = json.loads(cache.read_text())["tokens"][f"x/{USER}"]
    assert entry["access_token"] == fresh
    assert entry["refresh_token"] == "xRefreshT0ken-rotated-0001-ghij"  # X rotates refresh tokens
    assert entry["expires_at"] == "2026-11-22T08:00:00+00:00"  # now + expires_in 7200

    # The next run reads the cached token: no refresh, and the used refresh token is not sent again.
    later = FakeClock(NOW + dt.timedelta(minutes=30))
    make_api(x_api, later, token=EXPIRED_TOKEN, credentials=credentials, token_cache=str(cache)).check()
    assert len(x_api.token_requests) == 1
    assert x_api.requests[-1].headers["Authorization"] == f"Bearer {fresh}"

    # Past its expiry it is refreshed before any call, with the rotated refresh token.
    expired = FakeClock(NOW + dt.timedelta(hours=2))
    make_api(x_api, expired, token=EXPIRED_TOKEN, credentials=credentials, token_cache=str(cache)).check()
    assert x_api.token_requests[-1]["refresh_token"] == "xRefreshT0ken-rotated-0001-ghij"
    assert x_api.requests[-1].headers["Authorization"] == "Bearer xUserT0ken-refreshed-0002-abcdef"

    secrets = [VALID_TOKEN, EXPIRED_TOKEN, REFRESH_TOKEN, fresh, "xRefreshT0ken-rotated-0001-ghij"]
    texts = [r.getMessage() for r in caplog.records] + result.notes
    assert any("access token refreshed" in t for t in texts)
    assert not [t for t in texts if any(s in t for s in secrets)]


def test_a_rejected_refresh_token_asks_to_re_authorise(x_api, tmp_path):
    seed(x_api)
    api = make_api(x_api, FakeClock(NOW), token=EXPIRED_TOKEN, token_cache=str(tmp_path / "t.json"),
                   credentials={"refresh_token": "xRefreshT0ken-already-used-0000", "client_id": CLIENT_ID})

    with pytest.raises(AuthError) as caught:
        api.check()

    assert str(caught.value) == (f"re-authorise x account {USER}: the X token endpoint refused the refresh "
                                 "token: invalid_request: Value passed for the token was invalid.")
    assert not (tmp_path / "t.json").exists()


def test_refreshing_without_a_token_cache_is_refused_with_a_clear_reason(x_api):
    seed(x_api)
    api = make_api(x_api, FakeClock(NOW), token=EXPIRED_TOKEN,
                   credentials={"refresh_token": REFRESH_TOKEN, "client_id": CLIENT_ID})

    with pytest.raises(AuthError, match="refreshing needs options token_cache"):
        api.check()
    assert x_api.token_requests == []


def test_normalise_is_pure_and_needs_no_token(x_api):
    seed(x_api)
    api = make_api(x_api, FakeClock(NOW))
    pages = api.fetch(D(2026, 11, 18), D(2026, 11, 21))
    count = len(x_api.requests)

    replay = XApi(x_api.account(USER, token=None, options={"mention_queries": SUBJECTS}))

    assert replay.normalise(pages) == api.normalise(pages)
    assert len(x_api.requests) == count
    texts = [json.dumps(dataclasses.asdict(p), default=str) for p in pages]
    assert not [t for t in texts if VALID_TOKEN in t]


def test_counts_of_a_query_no_longer_configured_are_noted_not_loaded(x_api):
    seed(x_api)
    api = make_api(x_api, FakeClock(NOW))
    pages = api.fetch(D(2026, 11, 20), D(2026, 11, 21))

    replay = XApi(x_api.account(USER, token=None, options={"mention_queries": {"acme": "acme OR @acme"}}))
    result = replay.normalise(pages)

    assert {m.subject_id for m in result.mentions_daily} == {"acme"}
    assert result.notes == [f"x: mention counts for query {RIVAL_QUERY!r} belong to no configured subject; "
                            "not loaded"]


# -- the token cache (connectors/oauth.py) ------------------------------------------------------


def test_a_cache_readable_by_others_is_tightened_to_0600(x_api, tmp_path, caplog):
    seed(x_api)
    cache = tmp_path / "tokens.json"
    cache.write_text(json.dumps({"version": 1, "tokens": {}}))
    cache.chmod(0o644)
    api = make_api(x_api, FakeClock(NOW), token=EXPIRED_TOKEN, token_cache=str(cache),
                   credentials={"refresh_token": REFRESH_TOKEN, "client_id": CLIENT_ID})

    with caplog.at_level(logging.WARNING):
        api.check()

    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    assert any("was readable by others (mode 644)" in r.getMessage() for r in caplog.records)
    assert json.loads(cache.read_text())["tokens"][f"x/{USER}"]["access_token"] == "xUserT0ken-refreshed-0001-abcdef"


def test_a_new_configured_refresh_token_makes_the_cached_one_stale(x_api, tmp_path):
    seed(x_api)
    cache = tmp_path / "tokens.json"
    first = {"refresh_token": REFRESH_TOKEN, "client_id": CLIENT_ID}
    make_api(x_api, FakeClock(NOW), token=EXPIRED_TOKEN, token_cache=str(cache), credentials=first).check()

    # Someone re-authorised: new access and refresh tokens in the environment.
    x_api.refresh_tokens.add("xRefreshT0ken-reauthorised-0002")
    second = {"refresh_token": "xRefreshT0ken-reauthorised-0002", "client_id": CLIENT_ID}
    make_api(x_api, FakeClock(NOW), token=VALID_TOKEN, token_cache=str(cache), credentials=second).check()

    assert x_api.requests[-1].headers["Authorization"] == f"Bearer {VALID_TOKEN}"  # not the cached token
    assert len(x_api.token_requests) == 1


def test_accounts_refreshing_at_once_share_one_cache_file(x_api, tmp_path):
    seed(x_api)
    others = [str(n) for n in range(900001, 900007)]
    for user in others:
        x_api.users[user] = FakeXUser(user)
        x_api.refresh_tokens.add(f"xRefreshT0ken-{user}")
    cache = tmp_path / "tokens.json"

    def refresh(user: str) -> None:
        account = x_api.account(user, token=EXPIRED_TOKEN, options={"token_cache": str(cache)},
                                credentials={"refresh_token": f"xRefreshT0ken-{user}", "client_id": CLIENT_ID})
        XApi(account, sleep=FakeClock(NOW).sleep, now=FakeClock(NOW).now, retry=RETRY, timeout=(1.0, 2.0)).check()

    with ThreadPoolExecutor(max_workers=len(others)) as pool:
        list(pool.map(refresh, others))

    tokens = json.loads(cache.read_text())["tokens"]
    assert sorted(tokens) == [f"x/{user}" for user in others]
    assert len({entry["access_token"] for entry in tokens.values()}) == len(others)
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_refused_non_public_metrics_are_dropped_named_and_skipped_next_pull(x_api, tmp_path):
    """A token without the owner's context gets 'not authorized' for non_public_metrics on every post:
    the public metrics still load, the refusal is named, and the next pull asks for public ones only."""
    seed(x_api)
    x_api.refuse_non_public = True
    memory = tmp_path / "rejected_metrics.json"
    api = make_api(x_api, FakeClock(NOW), rejected_metrics_file=str(memory))

    result = api.normalise(api.fetch(D(2026, 10, 20), D(2026, 11, 21)))

    values = post_values(result)
    assert sum(v for (_, metric, _), v in values.items() if metric == "impressions") == 1777 + 5400 + 980
    assert not [k for k in values if k[1] == "clicks"]  # clicks come from non-public metrics only
    assert ("x: metric non_public_metrics was rejected by the API (Sorry, you are not authorized to access "
            "'non_public_metrics' on the Tweet with ids 1003.); it was skipped and is remembered for this "
            "account, the other metrics loaded") in result.notes
    assert not [n for n in result.notes if n.startswith("x: partial error")]
    assert "timeline:non_public_metrics" in json.loads(memory.read_text())["accounts"][f"x/{USER}"]

    seen = len(x_api.requests)
    again = make_api(x_api, FakeClock(NOW), rejected_metrics_file=str(memory))
    again.fetch(D(2026, 11, 19), D(2026, 11, 21))
    timeline = [r for r in x_api.requests[seen:] if r.path == f"/2/users/{USER}/tweets"]
    assert [r.query["tweet.fields"] for r in timeline] == ["created_at,text,public_metrics"]


def test_non_public_metrics_missing_on_some_posts_only_is_a_partial_answer(x_api, tmp_path):
    """One post refused (X counts it as over 30 days old) while another is served: a partial
    answer, noted as such; nothing is remembered."""
    seed(x_api)  # the emulator's clock is NOW; ours runs 3 days behind, so post 1001 (Oct 21)
    memory = tmp_path / "rejected_metrics.json"  # falls in our non-public segment but is 32 days old to X
    api = make_api(x_api, FakeClock(NOW - dt.timedelta(days=3)), rejected_metrics_file=str(memory))
    result = api.normalise(api.fetch(D(2026, 10, 20), D(2026, 11, 18)))
    assert [n for n in result.notes if n.startswith("x: partial error")] == [
        f"x: partial error in {x_api.url}/2/users/{USER}/tweets: Field Authorization Error: Non-public metrics "
        "are only available for posts created in the last 30 days.: 1001"]
    assert post_values(result)[("1002", "clicks", "non_public_metrics.url_link_clicks")] == 37
    assert not memory.exists()
