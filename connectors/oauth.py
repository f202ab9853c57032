"""OAuth 2.0 bearer tokens for the clients whose platforms use them (see docs/api.md).

Their access tokens are short-lived (from an hour to a few weeks; each platform's folder names
its token endpoint). An account may carry, besides `access_token`, a
`refresh_token` with the app's `client_id` / `client_secret` in `ApiAccount.credentials`. Then:

- a token is refreshed when it is known to be expired (a refreshed token's expiry is known), or
  once when the API refuses it (an access token from the environment has no known expiry);
- refreshed tokens are kept in a JSON file at `ApiAccount.options["token_cache"]` (mode 0600,
  written atomically under a lock), so the next run does not refresh again, and a refresh token
  the platform rotates (some return a new one with each refresh) is not lost. The cache is keyed by platform
  and account and remembers a fingerprint of the configured refresh token: after someone
  re-authorises and sets a new refresh token, the stale cache entry is ignored;
- a refresh token the platform rejects (`invalid_grant`, an envelope `code != 0`) raises AuthError
  ("re-authorise <platform> account <id>: ...");
- token values never reach logs, exceptions or landed pages: every client's Redactor knows the
  configured, cached and refreshed tokens.

The token endpoint is called here, not through `HttpClient`: the layer lands response bodies
redacted (the new token would be unreadable) and has no form-encoded body. The call gets the
same (connect, read) timeout and a bounded retry on connection errors, 429 and 5xx.

`OAuthApiClient` is the base of those clients: lazy `HttpClient` construction (replay needs
no token), clock, history clamp, the pull-day rule for follower totals. Each subclass declares
its platform's hooks: `token_endpoint`, `classify` and `rate_limits`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import random
import stat
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

import requests

from connectors.base import ApiAccount, AuthError, RawPage
from connectors.http import (
    DEFAULT_TIMEOUT,
    AccountClient,
    ApiSession,
    HttpClient,
    HttpResult,
    RateLimitHeaders,
    Redactor,
    RetriesExhaustedError,
    RetryPolicy,
    Verdict,
    classify_by_status,
    utc_now,
)
from connectors.state_files import locked, write_json

logger = logging.getLogger(__name__)

# Refresh this long before the known expiry, so a token does not expire in the middle of a fetch.
REFRESH_MARGIN = dt.timedelta(minutes=5)
CACHE_VERSION = 1
_LONG_AGO = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


# --------------------------------------------------------------------------------------------
# Token endpoints
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenEndpoint:
    """How one platform refreshes an access token (grant_type=refresh_token); each platform's
    folder declares its own.

    `json_body`: the endpoint takes a JSON body and answers in a `{code, message, data}` envelope
    (HTTP 200 even on errors). `basic_auth`: confidential clients send client id and secret as
    HTTP Basic; public clients send only `client_id` in the body.
    """

    name: str
    url: str
    json_body: bool = False
    basic_auth: bool = False


@dataclass(frozen=True)
class AccessToken:
    """An access token and, when known, its expiry and the refresh token that goes with it."""

    value: str = field(repr=False)
    expires_at: dt.datetime | None = None  # None: unknown (a token from the environment)
    refresh_token: str | None = field(default=None, repr=False)

    def expired(self, now: dt.datetime) -> bool:
        return self.expires_at is not None and now >= self.expires_at - REFRESH_MARGIN


def fingerprint(secret: str) -> str:
    """A short one-way fingerprint of a secret (to notice that the configured one changed)."""
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


# --------------------------------------------------------------------------------------------
# The cache file
# --------------------------------------------------------------------------------------------

class TokenCache:
    """Refreshed tokens in one JSON file, readable and writable by the owner only (0600).

    The pipeline pulls several accounts at once (threads) and runs may overlap (processes), so
    every read-modify-write holds a thread lock and an `flock` on `<file>.lock`; the file is
    replaced atomically (written to a 0600 temporary file, fsynced, renamed), so a crash never
    leaves half a file. A cache file that others can read is tightened to 0600, with a warning.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path).expanduser()

    def get(self, key: str) -> dict[str, object] | None:
        with locked(self.path):
            entry = self._read().get(key)
        return entry if isinstance(entry, dict) else None

    def put(self, key: str, entry: Mapping[str, object]) -> None:
        with locked(self.path):
            tokens = self._read()
            tokens[key] = dict(entry)
            self._write(tokens)

    def _read(self) -> dict[str, object]:
        try:
            mode = stat.S_IMODE(self.path.stat().st_mode)
        except FileNotFoundError:
            return {}
        if mode & 0o077:
            logger.warning("token cache %s was readable by others (mode %o); set to 0600", self.path, mode)
            os.chmod(self.path, 0o600)
        try:
            content = json.loads(self.path.read_text(encoding="utf-8"))
        except ValueError:
            # Never echo the content: it holds tokens. A broken cache only costs a refresh.
            logger.warning("token cache %s is not valid JSON; it is ignored and rewritten", self.path)
            return {}
        tokens = content.get("tokens") if isinstance(content, dict) else None
        return dict(tokens) if isinstance(tokens, dict) else {}

    def _write(self, tokens: Mapping[str, object]) -> None:
        write_json(self.path, {"version": CACHE_VERSION, "tokens": tokens}, private=True)


# --------------------------------------------------------------------------------------------
# One account's tokens
# --------------------------------------------------------------------------------------------


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.UTC).isoformat() if moment is not None else None


def _parse_iso(text: object) -> dt.datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class OAuthTokens:
    """The access token of one account: from the cache, from the credentials, or refreshed.

    Credentials (ApiAccount.credentials): `access_token` (optional when a refresh token is
    given), `refresh_token`, `client_id`, `client_secret` (not needed by public clients).
    Options: `token_cache` (path of the cache file; required to refresh), `token_url`
    (overrides the platform's token endpoint, e.g. the local emulator).
    """

    def __init__(self, account: ApiAccount, endpoint: TokenEndpoint, *,
                 now: Callable[[], dt.datetime] = utc_now,
                 sleep: Callable[[float], None] = time.sleep,
                 rand: Callable[[float, float], float] = random.uniform,
                 retry: RetryPolicy | None = None,
                 timeout: tuple[float, float] = DEFAULT_TIMEOUT,
                 session: requests.Session | None = None) -> None:
        self.account = account
        self.endpoint = endpoint
        self.url = str(account.options.get("token_url") or endpoint.url)
        self._now = now
        self._sleep = sleep
        self._rand = rand
        self.retry = retry or RetryPolicy()
        self.timeout = timeout
        self.session = session or ApiSession()
        cache_path = account.options.get("token_cache")
        self.cache = TokenCache(str(cache_path)) if cache_path else None
        self.key = f"{account.platform}/{account.account_id}"
        self._configured_refresh = account.credentials.get("refresh_token") or None
        self._token: AccessToken | None = None
        self._seen: list[str] = [v for v in account.credentials.values() if v]

    # -- public ---------------------------------------------------------------------------------

    def secrets(self) -> list[str]:
        """Every token value this account has used (configured, cached, refreshed): to redact."""
        return list(dict.fromkeys(self._seen))

    def current(self) -> AccessToken:
        """The token to use now; refreshes first when it is known to be expired."""
        if self._token is None:
            self._token = self._initial()
        if self._token.expired(self._now()):
            why = (f"the access token expired at {_iso(self._token.expires_at)}" if self._token.value
                   else "no access token is configured")
            self._token = self.refresh(why)
        return self._token

    def can_refresh(self) -> bool:
        return self._refresh_token() is not None

    def refresh(self, why: str) -> AccessToken:
        """Exchange the refresh token for a new access token and keep it in the cache."""
        who = f"{self.account.platform} account {self.account.account_id}"
        refresh_token = self._refresh_token()
        if refresh_token is None:
            raise AuthError(self.account.platform, self.account.account_id,
                            f"{why}, and no refresh token is configured (credentials refresh_token)")
        if self.cache is None:
            raise AuthError(self.account.platform, self.account.account_id,
                            f"{why}; refreshing needs options token_cache (a file outside the warehouse "
                            "that keeps the refreshed tokens)")
        logger.info("%s: refreshing the access token at the %s token endpoint (%s)", who,
                    self.endpoint.name, self._redactor().text(why))
        body = self._post_refresh(refresh_token)
        token = self._read_token(body, refresh_token)
        self._seen += [v for v in (token.value, token.refresh_token) if v]
        self.cache.put(self.key, {
            "access_token": token.value,
            "expires_at": _iso(token.expires_at),
            "refresh_token": token.refresh_token,
            "configured_refresh_token": fingerprint(self._configured_refresh or refresh_token),
            "refreshed_at": _iso(self._now()),
        })
        logger.info("%s: access token refreshed%s", who,
                    f", valid until {_iso(token.expires_at)}" if token.expires_at else "")
        self._token = token
        return token

    # -- internals ------------------------------------------------------------------------------

    def _cached(self) -> dict[str, object] | None:
        if self.cache is None:
            return None
        entry = self.cache.get(self.key)
        if entry is None:
            return None
        if self._configured_refresh and entry.get("configured_refresh_token") != fingerprint(self._configured_refresh):
            logger.info("%s account %s: the configured refresh token changed (re-authorised?); "
                        "the cached token is not used", self.account.platform, self.account.account_id)
            return None
        for name in ("access_token", "refresh_token"):
            if isinstance(entry.get(name), str) and entry[name]:
                self._seen.append(str(entry[name]))
        return entry

    def _initial(self) -> AccessToken:
        entry = self._cached()
        configured = self.account.credentials.get("access_token") or None
        if entry and isinstance(entry.get("access_token"), str) and entry["access_token"]:
            # Newer than the configured token (it was refreshed from it); when expired,
            # current() refreshes it with the cached (possibly rotated) refresh token.
            refresh = entry.get("refresh_token")
            return AccessToken(str(entry["access_token"]), _parse_iso(entry.get("expires_at")),
                               refresh if isinstance(refresh, str) and refresh else None)
        if configured:
            return AccessToken(configured)
        if self.can_refresh():
            return AccessToken("", _LONG_AGO)  # no access token yet: current() refreshes at once
        raise AuthError(self.account.platform, self.account.account_id,
                        "no access token: set the environment variable named by the account's token_env "
                        "(or a refresh token in credentials_env)")

    def _refresh_token(self) -> str | None:
        # A rotated refresh token (some platforms answer with a new one) replaces the configured one.
        if self._token is not None and self._token.refresh_token:
            return self._token.refresh_token
        entry = self._cached()
        if entry and isinstance(entry.get("refresh_token"), str) and entry["refresh_token"]:
            return str(entry["refresh_token"])
        return self._configured_refresh

    def _redactor(self) -> Redactor:
        return Redactor(self._seen)

    def _post_refresh(self, refresh_token: str) -> object:
        creds = self.account.credentials
        client_id, client_secret = creds.get("client_id"), creds.get("client_secret")
        fields = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        auth: tuple[str, str] | None = None
        if self.endpoint.basic_auth and client_id and client_secret:
            auth = (client_id, client_secret)  # a confidential client
            fields["client_id"] = client_id
        else:
            fields.update({k: v for k, v in (("client_id", client_id), ("client_secret", client_secret)) if v})
        redactor = Redactor([*self._seen, refresh_token])
        who = (self.account.platform, self.account.account_id)
        reason = ""
        for attempt in range(1, self.retry.max_attempts + 1):
            try:
                if self.endpoint.json_body:
                    response = self.session.post(self.url, json=fields, timeout=self.timeout)
                else:
                    response = self.session.post(self.url, data=fields, auth=auth, timeout=self.timeout)
            except requests.RequestException as exc:
                reason = f"{type(exc).__name__} on POST {self.url}"
            else:
                try:
                    body: object = response.json()
                except ValueError:
                    body = response.text[:200]
                status = response.status_code
                if status == 429 or status >= 500:
                    reason = f"HTTP {status} from the token endpoint"
                elif 200 <= status < 300 and not self._envelope_error(body):
                    return body
                else:
                    # invalid_grant (expired, revoked or already-used refresh token), bad client
                    # credentials: a person has to authorise the app again.
                    message = redactor.text(self._error_text(body) or f"HTTP {status}")
                    raise AuthError(*who, f"the {self.endpoint.name} token endpoint refused the refresh "
                                          f"token: {message}")
            if attempt < self.retry.max_attempts:
                wait = min(self.retry.backoff_max, self.retry.backoff_initial * 2 ** (attempt - 1))
                wait += self._rand(0.0, self.retry.jitter) if self.retry.jitter > 0 else 0.0
                logger.warning("%s account %s: token refresh failed (%s); waiting %.1f s", *who,
                               redactor.text(reason), wait)
                self._sleep(wait)
        raise RetriesExhaustedError(*who, f"token refresh gave up after {self.retry.max_attempts} attempts: "
                                          f"{redactor.text(reason)}")

    def _envelope_error(self, body: object) -> bool:
        # An envelope endpoint answers HTTP 200 with {"code": <not 0>, ...} when the refresh token is no good.
        return self.endpoint.json_body and isinstance(body, dict) and body.get("code") not in (0, None)

    @staticmethod
    def _error_text(body: object) -> str:
        if isinstance(body, dict):
            if isinstance(body.get("error"), str):  # RFC 6749: {"error": "invalid_grant", ...}
                return ": ".join(str(body[k]) for k in ("error", "error_description") if body.get(k))
            if "code" in body and "message" in body:  # {code, message, data} envelope
                return f"{body['message']} (code {body['code']})"
            if isinstance(body.get("error"), dict):
                return str(body["error"].get("message") or "")
        return str(body or "")

    def _read_token(self, body: object, used_refresh_token: str) -> AccessToken:
        data = body.get("data") if self.endpoint.json_body and isinstance(body, dict) else body
        if not isinstance(data, dict) or not isinstance(data.get("access_token"), str) or not data["access_token"]:
            raise AuthError(self.account.platform, self.account.account_id,
                            f"the {self.endpoint.name} token endpoint answered without an access_token")
        expires_in = data.get("expires_in")
        expires_at = (self._now() + dt.timedelta(seconds=float(expires_in))
                      if isinstance(expires_in, int | float) or (isinstance(expires_in, str) and expires_in.isdigit())
                      else None)
        new_refresh = data.get("refresh_token")
        return AccessToken(data["access_token"], expires_at,
                           new_refresh if isinstance(new_refresh, str) and new_refresh else used_refresh_token)


# --------------------------------------------------------------------------------------------
# An HttpClient that refreshes
# --------------------------------------------------------------------------------------------


class RefreshingHttpClient(HttpClient):
    """`HttpClient` whose bearer token is refreshed when expired, and once after an AuthError.

    Only one refresh per client follows a refusal: if the fresh token is refused too, the
    AuthError stands (the grant itself is gone; a person must re-authorise).
    """

    def __init__(self, *, tokens: OAuthTokens, auth_headers_for: Callable[[str], dict[str, str]],
                 secrets: list[str] | None = None, **kwargs: object) -> None:
        self.tokens = tokens
        self._auth_headers_for = auth_headers_for
        self._extra_secrets = list(secrets or [])
        self._refreshed_after_refusal = False
        token = tokens.current()
        super().__init__(auth_headers=auth_headers_for(token.value),
                         secrets=[*self._extra_secrets, *tokens.secrets()], **kwargs)  # type: ignore[arg-type]

    def request(self, method: str, path_or_url: str, *, params: Mapping[str, object] | None = None,
                json_body: object = None, window: tuple[dt.date, dt.date]) -> RawPage:
        token = self.tokens.current()  # refreshes a token known to be expired
        if self.auth_headers != self._auth_headers_for(token.value):
            self._use(token)
        try:
            return super().request(method, path_or_url, params=params, json_body=json_body, window=window)
        except AuthError as refused:
            if self._refreshed_after_refusal or not self.tokens.can_refresh():
                raise
            self._refreshed_after_refusal = True
            self._use(self.tokens.refresh(f"the API refused the access token ({refused})"))
            return super().request(method, path_or_url, params=params, json_body=json_body, window=window)

    def _use(self, token: AccessToken) -> None:
        self.auth_headers = self._auth_headers_for(token.value)
        self.redactor = Redactor([*self._extra_secrets, *self.tokens.secrets()], self.redactor.param_names)


# --------------------------------------------------------------------------------------------
# The base client
# --------------------------------------------------------------------------------------------


class OAuthApiClient(AccountClient):
    """What the OAuth bearer-token clients share: token and refresh, HttpClient, clock, history.

    The constructor needs no token (replay normalises landed pages without credentials);
    `check()`/`fetch()` raise AuthError when neither an access nor a refresh token is set.
    Options: `timeout` ([connect, read] seconds), `max_attempts`, `token_cache`, `token_url`.
    """

    default_base_url: ClassVar[str] = ""  # host and the API's fixed path prefix ("/v2")
    token_endpoint: ClassVar[TokenEndpoint]  # the platform's (declared in its folder)
    rate_limits: ClassVar[tuple[RateLimitHeaders, ...]] = ()  # the platform's rate-limit headers

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        settings = cls.__dict__.get("api_settings")
        if settings is not None:
            cls.default_base_url = settings.BASE_URL

    def _setup(self) -> None:
        self._sleep = self._sleep or time.sleep
        self._rand = self._rand or random.uniform
        self._client: RefreshingHttpClient | None = None

    # -- per platform ---------------------------------------------------------------------------

    def base_url(self) -> str:
        """Host plus fixed path prefix; `account.base_url` (the emulator, a bare host) replaces the
        host, and the path of `default_base_url` follows it."""
        if self.account.base_url:
            return f"{self.account.base_url.rstrip('/')}{urlsplit(self.default_base_url).path.rstrip('/')}"
        return self.default_base_url.rstrip("/")

    def auth_headers(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    def fixed_headers(self) -> dict[str, str]:
        return {}

    def classify(self, result: HttpResult) -> Verdict:
        """What a response means (the HttpClient classifier hook)."""
        return classify_by_status(result)

    def make_session(self) -> requests.Session:
        return ApiSession()

    # -- shared ---------------------------------------------------------------------------------

    @property
    def http(self) -> RefreshingHttpClient:
        """The account's HttpClient, built on first use (needs a token or a refresh token)."""
        if self._client is None:
            session = self._session or self.make_session()
            tokens = OAuthTokens(self.account, self.token_endpoint, now=self._now, sleep=self._sleep,
                                 rand=self._rand, retry=self.retry, timeout=self.timeout, session=session)
            self._client = RefreshingHttpClient(
                tokens=tokens, auth_headers_for=self.auth_headers,
                platform=self.platform, account_id=self.account.account_id, base_url=self.base_url(),
                headers=self.fixed_headers(), classify=self.classify, rate_limits=self.rate_limits, retry=self.retry,
                timeout=self.timeout, sleep=self._sleep, now=self._now, rand=self._rand, session=session,
                secrets=[v for v in self.account.credentials.values() if v])
        return self._client

    def total_day(self, page: RawPage, field_name: str, notes: list[str]) -> dt.date | None:
        """The day a current total (followers now) is dated, or None when it is not loaded.

        The pull day when it is inside the window, or the window's last day when pulled the
        morning after (the nightly run). For an older window it says nothing about those days.
        """
        pulled = self.local_date(page.fetched_at)
        if page.window_start <= pulled <= page.window_end:
            return pulled
        if pulled == page.window_end + dt.timedelta(days=1):
            return page.window_end
        notes.append(f"{self.platform}: {field_name} pulled on {pulled} is a current total; not loaded "
                     f"into {page.window_start}..{page.window_end}")
        return None

