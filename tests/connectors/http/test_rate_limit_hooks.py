"""Rate-limit headers are a platform's hook: a client reads the headers of the platforms it is
given (Meta usage, X windows) and only `Retry-After` otherwise."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from connectors.http import HttpClient, RateLimitHeaders, RetryPolicy, Throttle, requested_wait, usage_pause
from connectors.meta.graph import USAGE_HEADERS
from connectors.x.http_hooks import RATE_LIMITS
from tests.fakes import FakeApiServer, FakeClock, Reply

START = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.UTC)
WINDOW = (dt.date(2026, 11, 1), dt.date(2026, 11, 2))
POLICY = RetryPolicy(max_attempts=3, backoff_initial=0.5, jitter=0.0, usage_threshold=90.0, usage_pause=30.0)
META_95 = {"X-App-Usage": json.dumps({"call_count": 95, "total_time": 1, "total_cputime": 1})}
X_SPENT = {"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(int(START.timestamp()) + 15)}


def test_without_hooks_only_retry_after_counts() -> None:
    assert requested_wait(429, {**META_95, **X_SPENT}, START) is None
    assert requested_wait(429, {"Retry-After": "7", **X_SPENT}, START) == Throttle(7.0, "Retry-After")
    assert usage_pause({**META_95, **X_SPENT}, START, POLICY) is None


@pytest.mark.parametrize(("hooks", "expected"), [
    ((USAGE_HEADERS,), Throttle(30.0, "Meta API usage at 95%")),
    ((RATE_LIMITS,), Throttle(15.0, "x-rate-limit-remaining is 0")),
    ((USAGE_HEADERS, RATE_LIMITS), Throttle(30.0, "Meta API usage at 95%")),  # the first hook that asks
    ((RATE_LIMITS, USAGE_HEADERS), Throttle(15.0, "x-rate-limit-remaining is 0")),
])
def test_each_hook_reads_its_platforms_headers(hooks: tuple[RateLimitHeaders, ...], expected: Throttle) -> None:
    assert usage_pause({**META_95, **X_SPENT}, START, POLICY, hooks) == expected


def test_the_longest_requested_wait_wins() -> None:
    headers = {"Retry-After": "20", **X_SPENT}  # X asks 15 s, Retry-After 20 s
    assert requested_wait(429, headers, START, (RATE_LIMITS,)) == Throttle(20.0, "Retry-After")
    assert requested_wait(429, {**X_SPENT, "Retry-After": "5"}, START, (RATE_LIMITS,)) == \
        Throttle(15.0, "x-rate-limit-reset")
    # the X reset only means "wait" when the window is spent or the answer is a 429
    assert requested_wait(503, {**X_SPENT, "x-rate-limit-remaining": "3"}, START, (RATE_LIMITS,)) is None


def test_a_client_without_the_meta_hook_does_not_pause_on_meta_usage() -> None:
    with FakeApiServer(lambda request: Reply(200, {"data": []}, headers=META_95)) as server:
        clock = FakeClock(START)
        plain = HttpClient(platform="p", account_id="1", base_url=server.url, retry=POLICY,
                           sleep=clock.sleep, now=clock.now)
        plain.get("a", window=WINDOW)
        plain.get("b", window=WINDOW)
        assert clock.sleeps == []
        meta = HttpClient(platform="p", account_id="1", base_url=server.url, retry=POLICY,
                          rate_limits=(USAGE_HEADERS,), sleep=clock.sleep, now=clock.now)
        meta.get("a", window=WINDOW)
        meta.get("b", window=WINDOW)
        assert clock.sleeps == [30.0]
