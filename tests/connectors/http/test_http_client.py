"""connectors.http.HttpClient against a local server: retries, throttling, auth, timeouts.

Every test counts the requests the server saw and the waits the client asked the injected
`sleep` for; nothing really sleeps except the read-timeout tests (0.1 s timeouts).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import socket

import pytest
import requests

from connectors.base import AuthError
from connectors.http import (
    ApiError,
    HttpClient,
    RateLimitError,
    RetriesExhaustedError,
    RetryPolicy,
    classify_by_status,
)
from connectors.meta.graph import USAGE_HEADERS, classify_graph
from connectors.tiktok.http_hooks import classify_tiktok
from connectors.x.http_hooks import RATE_LIMITS, classify_x
from tests.fakes import FakeApiServer, FakeClock, Reply

TOKEN = "EAAtestT0kenForHttpLayer0123456789"
START = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.UTC)
WINDOW = (dt.date(2026, 11, 1), dt.date(2026, 11, 2))
OK_BODY = {"data": [{"name": "reach", "values": [{"value": 5}]}]}
FAST = RetryPolicy(max_attempts=4, backoff_initial=0.5, backoff_max=60.0, jitter=0.0,
                   max_server_wait=900.0, usage_threshold=90.0, usage_pause=30.0)


@pytest.fixture
def server():
    srv = FakeApiServer(lambda request: Reply(200, OK_BODY))
    with srv:
        yield srv


@pytest.fixture
def clock():
    return FakeClock(START)


def make_client(base_url: str, clock: FakeClock, *, classify=classify_by_status, retry=FAST,
                timeout=(1.0, 2.0), **kwargs) -> HttpClient:
    # the Meta and X rate-limit header hooks, so one client shows how both slow down and wait
    return HttpClient(platform="facebook", account_id="1234", base_url=base_url + "/v25.0",
                      auth_params={"access_token": TOKEN}, secrets=[TOKEN], classify=classify,
                      rate_limits=(USAGE_HEADERS, RATE_LIMITS),
                      retry=retry, timeout=timeout, sleep=clock.sleep, now=clock.now, **kwargs)


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def meta_error(code: int, message: str, subcode: int | None = None, status: int = 400,
               headers: dict[str, str] | None = None) -> Reply:
    error = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "Ab1"}
    if subcode is not None:
        error["error_subcode"] = subcode
    return Reply(status, {"error": error}, headers=headers or {})


# --- success -----------------------------------------------------------------------------------


def test_a_response_becomes_a_redacted_raw_page(server, clock):
    page = make_client(server.url, clock).get("1234/insights", {"metric": "reach", "since": WINDOW[0]},
                                              window=WINDOW)

    assert page.endpoint == f"{server.url}/v25.0/1234/insights"
    assert page.params == {"metric": "reach", "since": "2026-11-01", "access_token": "[redacted]"}
    assert page.status == 200
    assert page.body == OK_BODY
    assert page.fetched_at == START and page.fetched_at.tzinfo is not None
    assert (page.window_start, page.window_end) == WINDOW
    # the real token did go to the server, once
    assert len(server.requests) == 1
    assert server.requests[0].query["access_token"] == TOKEN


def test_every_call_carries_a_connect_and_read_timeout(server, clock):
    seen_timeouts = []

    class RecordingSession(requests.Session):
        def request(self, *args, **kwargs):
            seen_timeouts.append(kwargs.get("timeout"))
            return super().request(*args, **kwargs)

    server.script(Reply(503, {}))
    client = make_client(server.url, clock, timeout=(3.0, 7.5), session=RecordingSession())
    client.get("a", window=WINDOW)
    client.get("b", window=WINDOW)

    assert seen_timeouts == [(3.0, 7.5)] * 3  # the retried call too


# --- retries and backoff -----------------------------------------------------------------------


def test_5xx_is_retried_with_exponential_backoff(server, clock):
    server.script(Reply(503, {"error": "unavailable"}), Reply(502, "<html>bad gateway</html>"))

    page = make_client(server.url, clock).get("1234/insights", window=WINDOW)

    assert page.status == 200
    assert len(server.requests) == 3
    assert clock.sleeps == [0.5, 1.0]


def test_jitter_is_added_to_the_backoff(server, clock):
    calls = []

    def fixed_rand(low: float, high: float) -> float:
        calls.append((low, high))
        return 0.25

    server.script(Reply(500, {}))
    retry = RetryPolicy(max_attempts=3, backoff_initial=0.5, jitter=1.0)
    make_client(server.url, clock, retry=retry, rand=fixed_rand).get("x", window=WINDOW)

    assert clock.sleeps == [0.75]
    assert calls == [(0.0, 1.0)]


def test_backoff_is_capped(server, clock):
    server.script(*[Reply(500, {})] * 4)
    retry = RetryPolicy(max_attempts=5, backoff_initial=0.5, backoff_max=1.5, jitter=0.0)

    make_client(server.url, clock, retry=retry).get("x", window=WINDOW)

    assert clock.sleeps == [0.5, 1.0, 1.5, 1.5]
    assert len(server.requests) == 5


def test_retries_are_bounded(clock):
    always_failing = FakeApiServer(lambda request: Reply(500, {"error": {"message": "boom", "code": 1}}))
    with always_failing, pytest.raises(RetriesExhaustedError) as caught:
        make_client(always_failing.url, clock).get("x", window=WINDOW)

    assert len(always_failing.requests) == 4
    assert clock.sleeps == [0.5, 1.0, 2.0]
    assert caught.value.status == 500
    assert "gave up after 4 attempts" in str(caught.value)
    assert caught.value.page is not None and caught.value.page.status == 500


# --- server-requested waits --------------------------------------------------------------------


@pytest.mark.parametrize(("headers", "expected_wait"), [
    ({"Retry-After": "7"}, 7.0),
    ({"Retry-After": "Sun, 22 Nov 2026 10:00:30 GMT"}, 30.0),  # HTTP date, 30 s after START
    ({"x-rate-limit-reset": str(int(START.timestamp()) + 42), "x-rate-limit-remaining": "0"}, 42.0),
])
def test_429_waits_as_long_as_the_platform_asks(server, clock, headers, expected_wait):
    server.script(Reply(429, {"title": "Too Many Requests"}, headers=headers))

    make_client(server.url, clock).get("x", window=WINDOW)

    assert clock.sleeps == [expected_wait]
    assert len(server.requests) == 2


def test_linkedin_429_without_headers_falls_back_to_backoff(server, clock):
    server.script(Reply(429, {"status": 429, "message": "Resource level throttle"}),
                  Reply(429, {"status": 429, "message": "Resource level throttle"}))

    make_client(server.url, clock).get("x", window=WINDOW)

    assert clock.sleeps == [0.5, 1.0]
    assert len(server.requests) == 3


def test_a_wait_longer_than_allowed_raises_instead_of_sleeping(server, clock):
    server.script(Reply(429, {}, headers={"Retry-After": "3600"}))

    with pytest.raises(RateLimitError) as caught:
        make_client(server.url, clock).get("x", window=WINDOW)

    assert "3600" in str(caught.value)
    assert clock.sleeps == []
    assert len(server.requests) == 1


@pytest.mark.parametrize(("code", "regain_minutes", "expected_sleeps"), [
    (4, 0, [0.5]),
    (17, 0, [0.5]),
    (32, 0, [0.5]),
    (613, 0, [0.5]),
    (80001, 2, [120.0]),  # estimated_time_to_regain_access is in minutes
    (80000, 1, [60.0]),
])
def test_meta_throttle_codes_are_retried(server, clock, code, regain_minutes, expected_sleeps):
    buc = {"112130216863063": [{"type": "pages", "call_count": 100, "total_cputime": 20, "total_time": 20,
                                "estimated_time_to_regain_access": regain_minutes}]}
    server.script(meta_error(code, f"(#{code}) limit reached",
                             headers={"X-Business-Use-Case-Usage": json.dumps(buc)}))

    page = make_client(server.url, clock, classify=classify_graph).get("x", window=WINDOW)

    assert page.status == 200
    assert clock.sleeps == expected_sleeps
    assert len(server.requests) == 2


# --- slowing down before the limit -------------------------------------------------------------


@pytest.mark.parametrize(("headers", "expected_sleeps"), [
    ({"X-App-Usage": '{"call_count": 95, "total_time": 10, "total_cputime": 10}'}, [30.0]),
    ({"X-App-Usage": '{"call_count": 10, "total_time": 20, "total_cputime": 90}'}, [30.0]),
    ({"X-App-Usage": '{"call_count": 89, "total_time": 89, "total_cputime": 89}'}, []),
    ({"X-Business-Use-Case-Usage": '{"1": [{"type": "pages", "call_count": 40, "total_cputime": 5, '
                                   '"total_time": 5, "estimated_time_to_regain_access": 3}]}'}, [180.0]),
    ({"X-Ad-Account-Usage": '{"acc_id_util_pct": 92.5, "reset_time_duration": 0}'}, [30.0]),
    ({"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(int(START.timestamp()) + 15)}, [15.0]),
    ({"x-rate-limit-remaining": "3", "x-rate-limit-reset": str(int(START.timestamp()) + 15)}, []),
])
def test_usage_headers_pause_the_next_request(server, clock, headers, expected_sleeps):
    server.script(Reply(200, OK_BODY, headers=headers))
    client = make_client(server.url, clock)

    client.get("first", window=WINDOW)
    assert clock.sleeps == []  # the response itself is returned at once
    client.get("second", window=WINDOW)

    assert clock.sleeps == expected_sleeps
    assert len(server.requests) == 2


def test_a_pause_longer_than_allowed_stops_before_the_next_request(server, clock):
    buc = {"1": [{"type": "pages", "call_count": 100, "total_cputime": 5, "total_time": 5,
                  "estimated_time_to_regain_access": 30}]}  # 30 minutes > the 900 s allowed
    server.script(Reply(200, OK_BODY, headers={"X-Business-Use-Case-Usage": json.dumps(buc)}))
    client = make_client(server.url, clock)

    assert client.get("first", window=WINDOW).body == OK_BODY
    with pytest.raises(RateLimitError, match="pause 1800 s"):
        client.get("second", window=WINDOW)

    assert len(server.requests) == 1
    assert clock.sleeps == []


# --- auth errors are never retried -------------------------------------------------------------


@pytest.mark.parametrize(("classify", "reply", "reason_part"), [
    (classify_graph, meta_error(190, "Error validating access token: Session has expired on Friday, "
                                     "26-Jun-26 15:48:19 PDT.", 463), "the token has expired"),
    (classify_graph, meta_error(190, "Error validating access token: The session has been invalidated "
                                     "because the user changed their password.", 460),
     "the token was revoked"),
    (classify_graph, meta_error(190, "Invalid OAuth access token - Cannot parse access token", status=401),
     "Cannot parse access token"),
    (classify_x, Reply(401, {"title": "Unauthorized", "type": "about:blank", "status": 401,
                             "detail": "Unauthorized"}), "HTTP 401 unauthorised: Unauthorized"),
    (classify_by_status, Reply(401, {"status": 401, "serviceErrorCode": 65601, "code": "REVOKED_ACCESS_TOKEN",
                                     "message": "The token used in the request has been revoked by the user"}),
     "revoked by the user"),
    (classify_by_status, Reply(401, {"error": {"code": 401, "message": "Request had invalid authentication "
                                               "credentials.", "status": "UNAUTHENTICATED"}}),
     "invalid authentication credentials"),
    (classify_tiktok, Reply(200, {"code": 40105, "message": "Access token is incorrect or has been revoked.",
                                  "request_id": "2026", "data": {}}), "(code 40105)"),
    (classify_tiktok, Reply(401, {"data": {}, "error": {"code": "access_token_invalid",
                                                        "message": "The access token is invalid or not found"}}),
     "access_token_invalid"),
])
def test_auth_errors_raise_re_authorise_without_retry(server, clock, classify, reply, reason_part):
    server.script(reply)

    with pytest.raises(AuthError) as caught:
        make_client(server.url, clock, classify=classify).get("x", window=WINDOW)

    message = str(caught.value)
    assert message.startswith("re-authorise facebook account 1234: ")
    assert reason_part in message
    assert len(server.requests) == 1
    assert clock.sleeps == []


# --- error envelopes inside HTTP 200 -----------------------------------------------------------


def test_tiktok_throttle_code_inside_200_is_retried(server, clock):
    server.script(Reply(200, {"code": 40100, "message": "App reaches the QPS limit.", "data": {}}),
                  Reply(200, {"code": 0, "message": "OK", "data": {"metrics": []}}))

    page = make_client(server.url, clock, classify=classify_tiktok).get("x", window=WINDOW)

    assert page.body == {"code": 0, "message": "OK", "data": {"metrics": []}}
    assert clock.sleeps == [0.5]
    assert len(server.requests) == 2


def test_tiktok_other_error_code_inside_200_fails_without_retry(server, clock):
    server.script(Reply(200, {"code": 40002, "message": "Invalid param", "data": {}}))

    with pytest.raises(ApiError) as caught:
        make_client(server.url, clock, classify=classify_tiktok).get("x", window=WINDOW)

    assert caught.value.code == 40002
    assert "Invalid param (code 40002)" in str(caught.value)
    assert len(server.requests) == 1


def test_x_partial_errors_are_logged_and_the_data_kept(server, clock, caplog):
    body = {"data": [{"id": "1"}], "errors": [{"title": "Not Found Error", "detail": "Could not find tweet 2",
                                                "resource_type": "tweet", "parameter": "ids"}]}
    server.script(Reply(200, body))

    with caplog.at_level(logging.WARNING, logger="connectors.http"):
        page = make_client(server.url, clock, classify=classify_x).get("x", window=WINDOW)

    assert page.body == body
    assert any("partial error" in r.getMessage() and "Could not find tweet 2" in r.getMessage()
               for r in caplog.records)


def test_x_errors_without_data_fail(server, clock):
    server.script(Reply(200, {"errors": [{"title": "Not Found Error", "detail": "Could not find user"}]}))

    with pytest.raises(ApiError, match="Could not find user"):
        make_client(server.url, clock, classify=classify_x).get("x", window=WINDOW)
    assert len(server.requests) == 1


def test_request_errors_fail_at_once_and_keep_the_page(server, clock):
    server.script(meta_error(100, "(#100) Tried accessing nonexisting field (foo)"))

    with pytest.raises(ApiError) as caught:
        make_client(server.url, clock, classify=classify_graph).get("x", window=WINDOW)

    assert caught.value.code == 100
    assert caught.value.page is not None and caught.value.page.status == 400
    assert len(server.requests) == 1
    assert clock.sleeps == []


# --- timeouts and dropped connections ----------------------------------------------------------


def test_read_timeout_is_retried(server, clock):
    server.script(Reply(200, OK_BODY, delay=0.5))

    page = make_client(server.url, clock, timeout=(1.0, 0.1)).get("x", window=WINDOW)

    assert page.body == OK_BODY
    assert len(server.requests) == 2
    assert clock.sleeps == [0.5]


def test_read_timeouts_exhaust_the_retries(server, clock):
    server.script(*[Reply(200, OK_BODY, delay=0.4)] * 2)
    retry = RetryPolicy(max_attempts=2, backoff_initial=0.5, jitter=0.0)

    with pytest.raises(RetriesExhaustedError, match=r"read timeout after 0\.1 s"):
        make_client(server.url, clock, retry=retry, timeout=(1.0, 0.1)).get("x", window=WINDOW)
    assert len(server.requests) == 2


def test_dropped_connection_is_retried(server, clock):
    server.script(Reply(drop=True))

    page = make_client(server.url, clock).get("x", window=WINDOW)

    assert page.status == 200
    assert len(server.requests) == 2
    assert clock.sleeps == [0.5]


def test_refused_connection_is_retried_then_reported(clock):
    retry = RetryPolicy(max_attempts=3, backoff_initial=0.5, jitter=0.0)

    with pytest.raises(RetriesExhaustedError, match="connection failed") as caught:
        make_client(closed_port_url(), clock, retry=retry).get("x", window=WINDOW)

    assert caught.value.status is None
    assert clock.sleeps == [0.5, 1.0]


def test_credentials_are_never_sent_to_another_host(server, clock):
    client = make_client(server.url, clock)

    with pytest.raises(ApiError, match="refusing to send credentials"):
        client.get("http://127.0.0.2:9/v25.0/x?after=abc", window=WINDOW)
    assert server.requests == []
