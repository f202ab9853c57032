"""One HTTP layer for every platform API: timeouts, retries, rate limits, paging, redaction.

Every API client builds one `HttpClient` per account and calls `client.get(...)`; each response
comes back as a `base.RawPage` with every secret removed, ready to land in raw.api_pages.

What the layer does, so platform modules do not have to:
- a (connect, read) timeout on every call;
- bounded retries (tenacity) with exponential backoff and jitter on 429, 5xx, connection errors
  and timeouts; waits the platform asks for (`Retry-After`, and what the platform's
  `RateLimitHeaders` hook reads) replace the backoff; a 429 without such headers falls back to
  the backoff;
- slows down *before* a platform throttles: the platform's `RateLimitHeaders.pause` (usage at
  or above a threshold, a spent window) pauses the next request;
- a per-platform `Classifier` hook decides what a response means (ok / retry / re-authorise /
  fail), including error envelopes inside HTTP 200; auth errors are never retried and raise
  `base.AuthError`;
- paging helpers (`follow_next_urls`, `follow_cursor`);
- redaction: credential values and `access_token=`/`token=`/`client_secret=`-style parameters
  never reach URLs, params, bodies of RawPages, log records or exception messages.

`sleep`, `now` and `rand` are injectable so tests run without real waiting.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import functools
import json
import logging
import os
import random
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import ModuleType
from typing import ClassVar
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import requests
import tenacity
from requests.sessions import merge_setting
from requests.structures import CaseInsensitiveDict

from connectors.base import ApiAccount, AuthError, ConnectorError, RawPage

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------------
# Redaction
# --------------------------------------------------------------------------------------------

REDACTED = "[redacted]"

# Query/JSON parameter names whose values are secrets on some platform.
SECRET_PARAM_NAMES: frozenset[str] = frozenset({
    "access_token",
    "token",
    "client_secret",
    "refresh_token",
    "input_token",
    "fb_exchange_token",
    "appsecret_proof",
    "api_key",
    "apikey",
    "key",
    "password",
})

# Credential values shorter than this are not searched for in text: replacing a 2-character
# "secret" would mangle every message; real tokens and secrets are far longer.
MIN_SECRET_LENGTH = 6


class Redactor:
    """Removes secrets from text, URLs, parameter dicts and decoded JSON bodies.

    Two nets: the known secret values (the account's credentials, raw and URL-encoded), and any
    value of a parameter named like a secret (`access_token=...`, `"client_secret": "..."`),
    so a token the platform echoes back (into a `paging.next` link) is caught too.
    """

    def __init__(self, secrets: Iterable[str] = (),
                 param_names: Iterable[str] = SECRET_PARAM_NAMES) -> None:
        self.param_names = frozenset(name.lower() for name in param_names)
        forms: set[str] = set()
        for secret in secrets:
            if secret and len(secret) >= MIN_SECRET_LENGTH:
                # raw, fully encoded (urlencode), and with "/" kept (quote's default)
                forms.update({secret, quote(secret, safe=""), quote(secret), quote_plus(secret)})
        self._secrets = sorted(forms, key=len, reverse=True)  # longest first: no partial leftovers
        names = "|".join(sorted((re.escape(n) for n in self.param_names), key=len, reverse=True))
        # name=value in URLs and log lines; `\b` keeps `next_token=` (a cursor) out of it.
        self._query_pattern = re.compile(rf"(?i)\b({names})=([^&\s\"'#<>,;)]*)")
        # "name": "value" in JSON text.
        self._json_pattern = re.compile(rf"(?i)(\"(?:{names})\"\s*:\s*\")([^\"]*)(\")")

    def text(self, value: str) -> str:
        for secret in self._secrets:
            value = value.replace(secret, REDACTED)
        value = self._query_pattern.sub(lambda m: f"{m.group(1)}={REDACTED}", value)
        return self._json_pattern.sub(lambda m: f"{m.group(1)}{REDACTED}{m.group(3)}", value)

    def params(self, params: Mapping[str, object]) -> dict[str, str]:
        return {
            key: REDACTED if key.lower() in self.param_names else self.text(str(value))
            for key, value in params.items()
        }

    def json(self, body: object) -> object:
        """The decoded JSON body with every secret-looking string redacted (keys kept)."""
        if isinstance(body, str):
            return self.text(body)
        if isinstance(body, list):
            return [self.json(item) for item in body]
        if isinstance(body, dict):
            return {
                key: REDACTED if isinstance(key, str) and key.lower() in self.param_names
                and isinstance(value, str) else self.json(value)
                for key, value in body.items()
            }
        return body


_PATTERN_REDACTOR = Redactor()


class RedactingLogFilter(logging.Filter):
    """Rewrites log records so that no secret reaches a handler.

    Attached to urllib3's loggers: at DEBUG level urllib3 logs every request line with its
    query string, which may contain `access_token=...`.
    """

    def __init__(self, redactor: Redactor = _PATTERN_REDACTOR) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.redactor.text(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


_URLLIB3_LOGGERS = ("urllib3.connectionpool", "urllib3.connection", "urllib3.util.retry", __name__)


def install_log_redaction(logger_names: Iterable[str] = _URLLIB3_LOGGERS) -> None:
    """Attach a RedactingLogFilter to these loggers once (idempotent; done at import)."""
    for name in logger_names:
        target = logging.getLogger(name)
        if not any(isinstance(f, RedactingLogFilter) for f in target.filters):
            target.addFilter(RedactingLogFilter())


install_log_redaction()

# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


class ApiError(ConnectorError):
    """A platform API request failed for a reason a retry does not fix (or retries ran out).

    `page` is the failing response as a redacted RawPage, so callers can land it for lineage
    (a retired-metric error is landed and named in `notes`). `code`/`subcode` are the
    platform's own error codes when the body carries them.
    """

    def __init__(self, platform: str, account_id: str, reason: str, *, status: int | None = None,
                 code: int | str | None = None, subcode: int | None = None,
                 page: RawPage | None = None) -> None:
        self.platform = platform
        self.account_id = account_id
        self.reason = reason
        self.status = status
        self.code = code
        self.subcode = subcode
        self.page = page
        suffix = f" (HTTP {status})" if status is not None else ""
        super().__init__(f"{platform} account {account_id}: {reason}{suffix}")


class RetriesExhaustedError(ApiError):
    """Every attempt failed with a retryable problem (5xx, 429, timeout, dropped connection)."""


class RateLimitError(ApiError):
    """The platform asks for a longer wait than this client is allowed to sleep: run later."""


# --------------------------------------------------------------------------------------------
# Classifying responses (the per-platform hook)
# --------------------------------------------------------------------------------------------


class Action(Enum):
    OK = "ok"
    RETRY = "retry"  # transient or throttled: wait and try again
    AUTH = "auth"  # credentials expired/revoked: raise AuthError, never retry
    FAIL = "fail"  # the request itself is wrong: raise ApiError, no retry


@dataclass(frozen=True)
class HttpResult:
    """What a classifier sees: status, headers (case-insensitive) and the decoded body."""

    status: int
    headers: Mapping[str, str]
    body: object


@dataclass(frozen=True)
class Verdict:
    """A classifier's decision about one response.

    `wait` (seconds) is a platform-specific wait for RETRY; header-based waits (Retry-After and
    the platform's `RateLimitHeaders`) are added by the client itself. `warnings` are partial
    errors inside a successful response (an `errors` list next to `data`); they are logged.
    """

    action: Action
    reason: str = ""
    code: int | str | None = None
    subcode: int | None = None
    wait: float | None = None
    warnings: tuple[str, ...] = ()

    @classmethod
    def ok(cls, warnings: Iterable[str] = ()) -> Verdict:
        return cls(Action.OK, warnings=tuple(warnings))

    @classmethod
    def retry(cls, reason: str, *, wait: float | None = None, code: int | str | None = None) -> Verdict:
        return cls(Action.RETRY, reason, code=code, wait=wait)

    @classmethod
    def auth(cls, reason: str, *, code: int | str | None = None, subcode: int | None = None) -> Verdict:
        return cls(Action.AUTH, reason, code=code, subcode=subcode)

    @classmethod
    def fail(cls, reason: str, *, code: int | str | None = None, subcode: int | None = None) -> Verdict:
        return cls(Action.FAIL, reason, code=code, subcode=subcode)


Classifier = Callable[[HttpResult], Verdict]


def error_message(body: object) -> str:
    """The human message of a platform error body, whatever its envelope."""
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
        for key in ("message", "detail", "title"):
            if body.get(key):
                return str(body[key])
    if isinstance(body, str):
        return body.strip()[:200]
    return ""


def classify_by_status(result: HttpResult) -> Verdict:
    """HTTP-status rules shared by all platforms.

    401 is an auth failure (most platforms signal expired/revoked tokens this way);
    408, 429 and 5xx are transient; every other 4xx is a request error.
    """
    status = result.status
    message = error_message(result.body)
    if 200 <= status < 300:
        return Verdict.ok()
    if status == 401:
        return Verdict.auth(f"HTTP 401 unauthorised: {message}" if message else "HTTP 401 unauthorised")
    if status in (408, 429) or status >= 500:
        return Verdict.retry(f"HTTP {status} {message}".strip())
    return Verdict.fail(f"HTTP {status} {message}".strip())


# --------------------------------------------------------------------------------------------
# Rate-limit headers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """How hard and how patiently one client retries.

    `max_attempts` counts the first try. Backoff before attempt n+1 is
    min(backoff_max, backoff_initial * 2**(n-1)) + uniform(0, jitter) seconds. A wait the
    platform asks for (Retry-After...) replaces the backoff, unless it exceeds
    `max_server_wait`: then RateLimitError is raised instead of sleeping for an hour.
    `usage_threshold` (percent) and `usage_pause` (seconds) drive a platform's usage-header
    slow-down (its `RateLimitHeaders.pause`).
    """

    max_attempts: int = 5
    backoff_initial: float = 2.0
    backoff_max: float = 120.0
    jitter: float = 1.0
    max_server_wait: float = 900.0
    usage_threshold: float = 90.0
    usage_pause: float = 60.0


@dataclass(frozen=True)
class Throttle:
    """A wait the platform's headers ask for, and why."""

    seconds: float
    reason: str


def _headers(headers: Mapping[str, str]) -> CaseInsensitiveDict[str]:
    return headers if isinstance(headers, CaseInsensitiveDict) else CaseInsensitiveDict(headers)


def retry_after_seconds(headers: Mapping[str, str], now: dt.datetime) -> float | None:
    """`Retry-After` as seconds: either a number of seconds or an HTTP date."""
    value = _headers(headers).get("Retry-After")
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # HTTP dates are GMT
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - now).total_seconds())


class RateLimitHeaders:
    """A platform's rate-limit headers, read by HttpClient: the hook a platform's folder overrides
    (the base reads none; `Retry-After` is read for every platform).

    `headers` are case-insensitive. `requested_wait` is the wait a throttled or failed response
    asks for; `pause` is a pause before the *next* request, read from a successful response, so
    a client slows down before the platform throttles it.
    """

    def requested_wait(self, status: int, headers: Mapping[str, str], now: dt.datetime) -> Throttle | None:
        return None

    def pause(self, headers: Mapping[str, str], now: dt.datetime, policy: RetryPolicy) -> Throttle | None:
        return None


def requested_wait(status: int, headers: Mapping[str, str], now: dt.datetime,
                   rate_limits: Iterable[RateLimitHeaders] = ()) -> Throttle | None:
    """The wait a throttled/failed response asks for, from its headers (longest one wins)."""
    candidates: list[Throttle] = []
    retry_after = retry_after_seconds(headers, now)
    if retry_after is not None:
        candidates.append(Throttle(retry_after, "Retry-After"))
    h = _headers(headers)
    candidates += [wait for hook in rate_limits if (wait := hook.requested_wait(status, h, now)) is not None]
    return max(candidates, key=lambda t: t.seconds) if candidates else None


def usage_pause(headers: Mapping[str, str], now: dt.datetime, policy: RetryPolicy,
                rate_limits: Iterable[RateLimitHeaders] = ()) -> Throttle | None:
    """A pause before the *next* request, read from a successful response's headers (the first
    platform hook that asks for one)."""
    h = _headers(headers)
    return next((pause for hook in rate_limits if (pause := hook.pause(h, now, policy)) is not None), None)


# --------------------------------------------------------------------------------------------
# The client
# --------------------------------------------------------------------------------------------


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


DEFAULT_TIMEOUT: tuple[float, float] = (5.0, 60.0)  # (connect, read) seconds


def account_http_settings(options: Mapping[str, object], timeout: tuple[float, float] | None = None,
                          retry: RetryPolicy | None = None) -> tuple[tuple[float, float], RetryPolicy]:
    """The (connect, read) timeout and retry policy of an account's client: the ones given, else
    its options `timeout` ([connect, read] seconds) and `max_attempts`, else the defaults."""
    option_timeout = options.get("timeout")
    attempts = options.get("max_attempts")
    return (timeout or (tuple(option_timeout) if isinstance(option_timeout, list | tuple) else DEFAULT_TIMEOUT),
            retry or (RetryPolicy(max_attempts=int(str(attempts))) if attempts else RetryPolicy()))


# What requests reads from the environment for a request (requests.Session.merge_environment_settings).
_ENVIRONMENT_NAMES = frozenset({"REQUEST_METHOD", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"})


def _environment_fingerprint() -> tuple[tuple[str, str], ...]:
    return tuple(sorted((name, value) for name, value in os.environ.items()
                        if name[-6:].lower() == "_proxy" or name in _ENVIRONMENT_NAMES))


@functools.lru_cache(maxsize=256)
def _environment_for(scheme: str, netloc: str,
                     fingerprint: tuple[tuple[str, str], ...]) -> tuple[dict[str, str], str | None]:
    """(proxies, CA bundle) the environment gives a host: requests' own derivation, once per host
    and environment. Proxies and no_proxy depend on the scheme and host only."""
    proxies = requests.utils.get_environ_proxies(f"{scheme}://{netloc}/", no_proxy=None)
    return dict(proxies), os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")


def _no_added_auth(request: requests.PreparedRequest) -> requests.PreparedRequest:
    return request


class ApiSession(requests.Session):
    """A requests Session for API clients: the environment's proxies derived once, no ~/.netrc.

    With `trust_env` on, requests scans every environment variable twice per request (proxies,
    no_proxy, CA bundle), a sizeable part of a request's CPU on a nightly pull
    (benchmarks/api_pull.py). Here the derivation is requests' own, made once per host for the
    session (an account's pull) and shared by sessions while the proxy and CA variables stay the
    same; a request with settings of its own is merged by requests as usual.

    requests also looks for ~/.netrc on every request without auth of its own, and a matching
    entry would replace the client's `Authorization: Bearer` header with Basic credentials. API
    clients authenticate explicitly: the session's auth adds nothing, so netrc is never read.
    """

    def __init__(self) -> None:
        super().__init__()
        self.auth = _no_added_auth
        self._environment: dict[tuple[str, str], tuple[dict[str, str], str | None]] = {}

    def merge_environment_settings(self, url: str, proxies: dict | None, stream: bool | None,
                                   verify: bool | str | None, cert: object) -> dict:
        if not self.trust_env or proxies or stream is not None or verify is not None or cert is not None:
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        parts = urlsplit(url)
        host = (parts.scheme, parts.netloc)
        if host not in self._environment:
            self._environment[host] = _environment_for(*host, _environment_fingerprint())
        env_proxies, env_verify = self._environment[host]
        return {"proxies": merge_setting(dict(env_proxies), self.proxies), "stream": self.stream,
                "verify": merge_setting(env_verify, self.verify), "cert": self.cert}


class _Retryable(Exception):
    """Internal: this attempt failed in a way worth retrying (reason is already redacted)."""

    def __init__(self, reason: str, *, wait: Throttle | None = None, status: int | None = None,
                 page: RawPage | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait
        self.status = status
        self.page = page


@dataclass
class _Pacing:
    not_before: dt.datetime | None = None
    reason: str = ""


@dataclass(frozen=True)
class _Request:
    method: str
    url: str  # without query
    params: dict[str, str] = field(default_factory=dict)
    json_body: object = None


class HttpClient:
    """HTTP for one platform account: see the module docstring for what it guarantees.

    `base_url` is the platform host plus any fixed path prefix (`https://api.example.com/v2`);
    relative paths are joined to it, absolute URLs (paging links) must stay on its
    origin — credentials are never sent anywhere else. `auth_params` are added to every query
    (`access_token=...`) and replace any copy inside a paging URL; `auth_headers` go on every
    request (`Authorization: Bearer ...`, or a platform's own token header). Their values and `secrets`
    are redacted everywhere.
    """

    def __init__(self, *, platform: str, account_id: str, base_url: str,
                 auth_params: Mapping[str, str] | None = None,
                 auth_headers: Mapping[str, str] | None = None,
                 secrets: Iterable[str] = (),
                 headers: Mapping[str, str] | None = None,
                 classify: Classifier = classify_by_status,
                 rate_limits: Iterable[RateLimitHeaders] = (),
                 retry: RetryPolicy | None = None,
                 timeout: tuple[float, float] = DEFAULT_TIMEOUT,
                 sleep: Callable[[float], None] = time.sleep,
                 now: Callable[[], dt.datetime] = utc_now,
                 rand: Callable[[float, float], float] = random.uniform,
                 session: requests.Session | None = None) -> None:
        self.platform = platform
        self.account_id = account_id
        self.base_url = base_url.rstrip("/")
        base = urlsplit(self.base_url)
        self._origin = (base.scheme, base.netloc)
        self.auth_params = dict(auth_params or {})
        self.auth_headers = dict(auth_headers or {})
        self.headers = dict(headers or {})
        self.classify = classify
        self.rate_limits = tuple(rate_limits)
        self.retry = retry or RetryPolicy()
        self.timeout = timeout
        self._sleep = sleep
        self._now = now
        self._rand = rand
        self.session = session or ApiSession()
        # "Bearer <token>": the token part is the secret ("Bearer [redacted]" stays readable)
        header_secrets = [v.split(" ", 1)[-1] for v in self.auth_headers.values()]
        self.redactor = Redactor([*secrets, *self.auth_params.values(), *header_secrets],
                                 SECRET_PARAM_NAMES | {k.lower() for k in self.auth_params})
        self._pacing = _Pacing()

    # -- public ---------------------------------------------------------------------------------

    def get(self, path_or_url: str, params: Mapping[str, object] | None = None, *,
            window: tuple[dt.date, dt.date]) -> RawPage:
        """GET one page; retries, throttling and classification included."""
        return self.request("GET", path_or_url, params=params, window=window)

    def request(self, method: str, path_or_url: str, *, params: Mapping[str, object] | None = None,
                json_body: object = None, window: tuple[dt.date, dt.date]) -> RawPage:
        """Send one request until it succeeds or a non-retryable outcome is reached.

        Returns the response as a redacted RawPage for `window`. Raises AuthError (never
        retried), ApiError (request error; `.page` holds the response), RateLimitError (the
        platform asks for too long a wait) or RetriesExhaustedError.
        """
        prepared = self._prepare(method, path_or_url, params, json_body)
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.retry.max_attempts),
            wait=self._wait_before_retry,
            retry=tenacity.retry_if_exception_type(_Retryable),
            sleep=self._sleep,
            before_sleep=self._log_retry,
            reraise=True,
        )
        try:
            return retrying(self._attempt, prepared, window)
        except _Retryable as exc:
            raise RetriesExhaustedError(
                self.platform, self.account_id,
                f"gave up after {self.retry.max_attempts} attempts: {exc.reason}",
                status=exc.status, page=exc.page) from None

    def redact(self, text: str) -> str:
        """`text` without this client's secrets (for callers' own log lines and errors)."""
        return self.redactor.text(text)

    def close(self) -> None:
        self.session.close()

    # -- internals ------------------------------------------------------------------------------

    def _prepare(self, method: str, path_or_url: str, params: Mapping[str, object] | None,
                 json_body: object) -> _Request:
        if re.match(r"(?i)^https?://", path_or_url):
            parts = urlsplit(path_or_url)
            if (parts.scheme, parts.netloc) != self._origin:
                raise ApiError(self.platform, self.account_id,
                               f"refusing to send credentials to {parts.scheme}://{parts.netloc}"
                               f" (configured host is {self._origin[0]}://{self._origin[1]})")
        else:
            parts = urlsplit(f"{self.base_url}/{path_or_url.lstrip('/')}")
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        query.update({k: _param(v) for k, v in (params or {}).items() if v is not None})
        # A paging URL carries the (redacted, or platform-echoed) token: ours replaces it.
        query.update(self.auth_params)
        url = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        return _Request(method.upper(), url, query, json_body)

    def _attempt(self, req: _Request, window: tuple[dt.date, dt.date]) -> RawPage:
        self._wait_for_pacing()
        safe_url = self.redactor.text(req.url)
        try:
            response = self.session.request(
                req.method, req.url, params=req.params, json=req.json_body,
                headers={**self.headers, **self.auth_headers}, timeout=self.timeout)
        except requests.Timeout as exc:
            kind = "connect" if isinstance(exc, requests.ConnectTimeout) else "read"
            seconds = self.timeout[0] if kind == "connect" else self.timeout[1]
            # The exception text names the URL with its query: never pass it on.
            raise _Retryable(f"{kind} timeout after {seconds:g} s on {req.method} {safe_url}") from None
        except requests.ConnectionError as exc:
            raise _Retryable(f"connection failed on {req.method} {safe_url}: "
                             f"{self._describe(exc)}") from None
        body = _decode(response)
        result = HttpResult(response.status_code, response.headers, body)
        page = RawPage(
            endpoint=safe_url,
            params=self.redactor.params(req.params),
            status=response.status_code,
            body=self.redactor.json(body),
            fetched_at=self._now().astimezone(dt.UTC),
            window_start=window[0],
            window_end=window[1],
        )
        verdict = self.classify(result)
        reason = self.redactor.text(verdict.reason)
        if verdict.action is Action.OK:
            for warning in verdict.warnings:
                logger.warning("%s account %s: partial error in %s: %s", self.platform,
                               self.account_id, safe_url, self.redactor.text(warning))
            self._update_pacing(response.headers)
            return page
        if verdict.action is Action.AUTH:
            raise AuthError(self.platform, self.account_id, reason)
        if verdict.action is Action.FAIL:
            raise ApiError(self.platform, self.account_id, reason, status=response.status_code,
                           code=verdict.code, subcode=verdict.subcode, page=page)
        wait = requested_wait(response.status_code, response.headers, self._now(), self.rate_limits)
        if verdict.wait is not None and (wait is None or verdict.wait > wait.seconds):
            wait = Throttle(verdict.wait, "platform")
        if wait is not None and wait.seconds > self.retry.max_server_wait:
            raise RateLimitError(
                self.platform, self.account_id,
                f"rate limited ({reason}); the platform asks to wait {wait.seconds:g} s "
                f"({wait.reason}), more than the {self.retry.max_server_wait:g} s this client waits;"
                " run again later", status=response.status_code, code=verdict.code, page=page)
        raise _Retryable(reason or f"HTTP {response.status_code}", wait=wait,
                         status=response.status_code, page=page)

    def _describe(self, exc: BaseException) -> str:
        # The innermost cause names the socket problem ("Connection refused", "Remote end
        # closed connection"); the outer ones repeat the URL. Redacted all the same.
        inner: BaseException = exc
        for _ in range(10):  # bounded: exception contexts can form cycles
            if inner.__context__ is None:
                break
            inner = inner.__context__
        text = str(inner) or type(inner).__name__
        text = re.sub(r"<[^>]*>:?\s*", "", text)  # drop "<urllib3.connection... object at 0x..>"
        return self.redactor.text(text)[:200]

    def _wait_before_retry(self, state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Retryable) and exc.wait is not None:
            return exc.wait.seconds
        backoff = min(self.retry.backoff_max,
                      self.retry.backoff_initial * 2 ** (state.attempt_number - 1))
        return backoff + (self._rand(0.0, self.retry.jitter) if self.retry.jitter > 0 else 0.0)

    def _log_retry(self, state: tenacity.RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        reason = exc.reason if isinstance(exc, _Retryable) else "error"
        source = f" ({exc.wait.reason})" if isinstance(exc, _Retryable) and exc.wait else ""
        seconds = state.upcoming_sleep
        logger.warning("%s account %s: %s; waiting %.1f s%s before attempt %d of %d",
                       self.platform, self.account_id, reason, seconds, source,
                       state.attempt_number + 1, self.retry.max_attempts)

    def _update_pacing(self, headers: Mapping[str, str]) -> None:
        now = self._now()
        pause = usage_pause(headers, now, self.retry, self.rate_limits)
        if pause is not None and pause.seconds > 0:
            self._pacing = _Pacing(now + dt.timedelta(seconds=pause.seconds), pause.reason)

    def _wait_for_pacing(self) -> None:
        if self._pacing.not_before is None:
            return
        delay = (self._pacing.not_before - self._now()).total_seconds()
        reason = self._pacing.reason
        self._pacing = _Pacing()
        if delay <= 0:
            return
        if delay > self.retry.max_server_wait:
            raise RateLimitError(self.platform, self.account_id,
                                 f"the platform asks to pause {delay:g} s ({reason}), more than the "
                                 f"{self.retry.max_server_wait:g} s this client waits; run again later")
        logger.info("%s account %s: pausing %.1f s before the next request (%s)",
                    self.platform, self.account_id, delay, reason)
        self._sleep(delay)


class AccountClient:
    """What every API client of one account shares: the injectable clock, the timeout and retry
    policy from the account's options, the account's calendar and the history clamp. Platform
    families (Graph, OAuth) build their HttpClient on top."""

    platform: str = ""
    history_days: int | None = None
    lookback_days: int = 3
    # The platform's api_settings module; a client declaring it takes `history_days` and
    # `lookback_days` from its HISTORY_DAYS and LOOKBACK_DAYS (and an OAuth client its BASE_URL).
    api_settings: ClassVar[ModuleType | None] = None

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        settings = cls.__dict__.get("api_settings")
        if settings is not None:
            cls.history_days = settings.HISTORY_DAYS
            cls.lookback_days = settings.LOOKBACK_DAYS

    def __init__(self, account: ApiAccount, *, sleep: Callable[[float], None] | None = None,
                 now: Callable[[], dt.datetime] = utc_now, retry: RetryPolicy | None = None,
                 timeout: tuple[float, float] | None = None,
                 rand: Callable[[float, float], float] | None = None,
                 session: requests.Session | None = None) -> None:
        self.account = account
        self._sleep = sleep
        self._now = now
        self._rand = rand
        self.timeout, self.retry = account_http_settings(account.options, timeout, retry)
        self._session = session
        self._setup()

    def _setup(self) -> None:
        """What a client family reads besides (more options, its HttpClient slot)."""

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.account.timezone)

    def today(self) -> dt.date:
        """Today in the account's timezone."""
        return self._now().astimezone(self.zone).date()

    def local_date(self, moment: dt.datetime) -> dt.date:
        return moment.astimezone(self.zone).date()

    def local_midnight(self, day: dt.date) -> dt.datetime:
        """Start of `day` in the account's timezone, as UTC."""
        return dt.datetime.combine(day, dt.time(0), self.zone).astimezone(dt.UTC)

    def clamp_start(self, start: dt.date, end: dt.date, days: int | None = None) -> dt.date:
        """Move `start` to the oldest day the API still serves (`history_days`), with a log line."""
        days = self.history_days if days is None else days
        if days is None:
            return start
        oldest = self.today() - dt.timedelta(days=days)
        if start < oldest:
            logger.warning("%s account %s: the API keeps %d days of history; %s..%s starts at %s",
                           self.platform, self.account.account_id, days, start, end, oldest)
            return oldest
        return start


def _param(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _decode(response: requests.Response) -> object:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.text[:2000]  # an HTML error page from a proxy: keep a readable excerpt


# --------------------------------------------------------------------------------------------
# Paging
# --------------------------------------------------------------------------------------------

DEFAULT_MAX_PAGES = 1000


def paging_next(body: object) -> str | None:
    """The `paging.next` URL of a body, or None on the last page."""
    if isinstance(body, dict) and isinstance(body.get("paging"), dict):
        value = body["paging"].get("next")
        return value if isinstance(value, str) and value else None
    return None


def follow_next_urls(client: HttpClient, path: str, params: Mapping[str, object] | None = None, *,
                     window: tuple[dt.date, dt.date],
                     next_url: Callable[[object], str | None] = paging_next,
                     stop: Callable[[RawPage], bool] | None = None,
                     max_pages: int = DEFAULT_MAX_PAGES) -> Iterator[RawPage]:
    """Pages of a list whose bodies link to the next page by URL (`paging.next`).

    Follows links to the end (a page may be empty and still link on), or until `stop(page)`
    is true. The link in a landed body is redacted; the client re-adds its own credentials.
    A link seen twice, or more than `max_pages` pages, raises ApiError instead of looping.
    """
    def following(body: object) -> tuple[str, Callable[[], RawPage]] | None:
        link = next_url(body)
        return (link, lambda: client.get(link, window=window)) if link else None

    yield from _follow(client, path, client.get(path, params, window=window), following, stop, max_pages)


def follow_cursor(client: HttpClient, path: str, params: Mapping[str, object] | None = None, *,
                  window: tuple[dt.date, dt.date], cursor_param: str,
                  next_cursor: Callable[[object], object | None],
                  stop: Callable[[RawPage], bool] | None = None,
                  max_pages: int = DEFAULT_MAX_PAGES) -> Iterator[RawPage]:
    """Pages of a list paged by a cursor, token or offset sent back as `cursor_param`.

    `next_cursor(body)` returns the value for the next request, or None when done, e.g.
    `lambda b: b["data"]["cursor"] if b["data"]["has_more"] else None`, a `nextPageToken` sent
    back as `pageToken`, or `start + count` as `start`. A cursor seen twice or more than
    `max_pages` pages raises.
    """
    base = dict(params or {})

    def following(body: object) -> tuple[str, Callable[[], RawPage]] | None:
        cursor = next_cursor(body)
        if cursor is None:
            return None
        return (f"{cursor_param}={_param(cursor)}",
                lambda: client.get(path, {**base, cursor_param: cursor}, window=window))

    yield from _follow(client, path, client.get(path, base, window=window), following, stop, max_pages)


def _follow(client: HttpClient, path: str, first: RawPage,
            following: Callable[[object], tuple[str, Callable[[], RawPage]] | None],
            stop: Callable[[RawPage], bool] | None, max_pages: int) -> Iterator[RawPage]:
    """`first` and the pages after it: `following(body)` names the next page (a link or a cursor)
    and how to get it. A name seen twice, or more than `max_pages` pages, raises ApiError."""
    page = first
    yield page
    seen: set[str] = set()
    while (stop is None or not stop(page)) and (step := following(page.body)) is not None:
        name, fetch = step
        if name in seen:
            raise ApiError(client.platform, client.account_id, f"paging loop: {name} repeated")
        if len(seen) + 1 >= max_pages:
            raise ApiError(client.platform, client.account_id, f"more than {max_pages} pages from {path}")
        seen.add(name)
        page = fetch()
        yield page
