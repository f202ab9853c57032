"""X API v2 knowledge the shared HTTP/OAuth layer takes as hooks: error classification, the
`x-rate-limit-*` headers, the token endpoint."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping

from connectors.http import Action, HttpResult, RateLimitHeaders, RetryPolicy, Throttle, Verdict, classify_by_status
from connectors.oauth import TokenEndpoint

TOKEN_ENDPOINT = TokenEndpoint("X", "https://api.x.com/2/oauth2/token", basic_auth=True)  # [docs]


def envelope_warnings(body: object) -> list[str]:
    """Messages of an X-style `errors` array inside a 200 response (partial failures)."""
    if not isinstance(body, dict) or not isinstance(body.get("errors"), list):
        return []
    messages = []
    for error in body["errors"]:
        if isinstance(error, dict):
            parts = [str(error.get(k)) for k in ("title", "detail", "message", "value") if error.get(k)]
            messages.append(": ".join(parts) or json.dumps(error))
        else:
            messages.append(str(error))
    return messages


def classify_x(result: HttpResult) -> Verdict:
    """X API v2: 401 re-authorise; HTTP 200 may carry `errors` next to `data` (partial)."""
    verdict = classify_by_status(result)
    if verdict.action is not Action.OK:
        return verdict
    warnings = envelope_warnings(result.body)
    if warnings and not (isinstance(result.body, dict) and result.body.get("data")):
        # Quirk: X answers 200 with only `errors` when nothing of the request could be served.
        return Verdict.fail("; ".join(warnings))
    return Verdict.ok(warnings)


def rate_limit_reset_seconds(headers: Mapping[str, str], now: dt.datetime) -> float | None:
    """`x-rate-limit-reset` (epoch seconds of the window reset) as seconds from `now`."""
    value = headers.get("x-rate-limit-reset")
    try:
        reset = float(value) if value is not None else None
    except ValueError:
        return None
    return None if reset is None else max(0.0, reset - now.timestamp())


class XRateLimitHeaders(RateLimitHeaders):
    """X sends `x-rate-limit-remaining` and `x-rate-limit-reset` on every response; the reset
    only means "wait" once the window is spent (remaining 0) or on a 429."""

    def requested_wait(self, status: int, headers: Mapping[str, str], now: dt.datetime) -> Throttle | None:
        if status == 429 or headers.get("x-rate-limit-remaining") == "0":
            reset = rate_limit_reset_seconds(headers, now)
            if reset is not None:
                return Throttle(reset, "x-rate-limit-reset")
        return None

    def pause(self, headers: Mapping[str, str], now: dt.datetime, policy: RetryPolicy) -> Throttle | None:
        if headers.get("x-rate-limit-remaining") == "0":
            reset = rate_limit_reset_seconds(headers, now)
            if reset is not None:
                return Throttle(reset, "x-rate-limit-remaining is 0")
        return None


RATE_LIMITS = XRateLimitHeaders()
