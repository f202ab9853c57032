"""Emulator of the X API v2 endpoints the socialkpi X client calls (platform-apis.md §4).

- `GET /2/users/{id}?user.fields=public_metrics` -> `{"data": {..., "public_metrics": {...}}}`;
- `GET /2/users/{id}/tweets?start_time&end_time&max_results&tweet.fields&pagination_token`:
  the user's posts newest first, `meta.next_token` while more [docs shape]. Asking
  `non_public_metrics` for a post older than 30 days (relative to `emulator.now`) gives that
  post without them and an `errors` item next to `data` (X's per-item errors inside HTTP 200 are
  [unverified]: this tests our handling, not X's behaviour);
- `GET /2/tweets/counts/recent|all?query&granularity=day&start_time&end_time`: UTC day buckets
  `{"start", "end", "tweet_count"}` and `meta.total_tweet_count`, paged by `counts_page_days`;
- `POST /2/oauth2/token` (grant_type=refresh_token): a new 2-hour token and a new refresh token;
  the used refresh token stops working (rotation).
Every reply carries `x-rate-limit-limit/remaining/reset` [docs]. Tokens: VALID_TOKEN and
APP_BEARER work, any other gets the 401 body X sends [code]. Scenario helpers: `throttle()`
(429 with `x-rate-limit-reset` [docs] and the v2 body [issues]), `last_call_in_window()`
(`x-rate-limit-remaining: 0` on a successful reply).

Use the `x_api` fixture: `pytest_plugins = ["tests.fakes.x"]` in a test module.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

import pytest

from connectors.base import ApiAccount
from tests.fakes import FakeApiServer, Matcher, Reply, SeenRequest

VALID_TOKEN = "xUserT0ken-valid-AAAAbbbbCCCC1234"
EXPIRED_TOKEN = "xUserT0ken-expired-ZZZZyyyy9876"
REVOKED_TOKEN = "xUserT0ken-revoked-QQQQrrrr5555"
APP_BEARER = "AAAAAAAAAAAAAAAAAAAAAxAppBearer0001"
REFRESH_TOKEN = "xRefreshT0ken-first-MMMMnnnn0001"
CLIENT_ID = "xClientId-rG9n6402A3db"

UNAUTHORIZED = {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
TOO_MANY = {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429}


def x_time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _parse(text: str | None) -> dt.datetime:
    if not text:
        raise ValueError("missing time")
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class FakeTweet:
    tweet_id: str
    created_at: dt.datetime
    text: str = ""
    public: dict[str, int] = field(default_factory=dict)
    non_public: dict[str, int] = field(default_factory=dict)


@dataclass
class FakeXUser:
    user_id: str
    username: str = "acme"
    followers_count: int = 0
    tweets: list[FakeTweet] = field(default_factory=list)


class XApiEmulator:
    """X API v2 on 127.0.0.1. Seed `users` and `counts` ({query: {utc_date: count}})."""

    def __init__(self) -> None:
        self.server = FakeApiServer(self.handle)
        self.users: dict[str, FakeXUser] = {}
        self.counts: dict[str, dict[dt.date, int]] = {}
        self.now = dt.datetime(2026, 11, 22, 6, 0, tzinfo=dt.UTC)
        self.page_size = 100  # upper bound on max_results: tests lower it to force paging
        self.counts_page_days = 31
        # non_public_metrics refused for every post (a token without the owner's user context):
        # the per-item not-authorized-for-field error [docs problem type; wording ours].
        self.refuse_non_public = False
        self.valid_tokens = {VALID_TOKEN, APP_BEARER}
        self.refresh_tokens = {REFRESH_TOKEN}
        self.token_requests: list[dict[str, str]] = []
        self._issued = itertools.count(1)
        self._spent: tuple[str, str] | None = None

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def requests(self) -> list[SeenRequest]:
        return self.server.requests

    def account(self, account_id: str, *, token: str | None = VALID_TOKEN, timezone: str = "Europe/Berlin",
                credentials: dict[str, str] | None = None, options: dict[str, object] | None = None) -> ApiAccount:
        creds = {"access_token": token} if token else {}
        return ApiAccount(platform="x", account_id=account_id, timezone=timezone,
                          credentials={**creds, **(credentials or {})}, base_url=self.url,
                          options={"token_url": f"{self.url}/2/oauth2/token", **(options or {})})

    def throttle(self, reset_at: dt.datetime, *, times: int = 1, when: Matcher | str | None = None) -> None:
        """Next matching requests get 429 with the window's reset time (epoch seconds)."""
        headers = {**self._limits(0), "x-rate-limit-reset": str(int(reset_at.timestamp()))}
        self.server.script(*[Reply(429, TOO_MANY, headers=headers)] * times, when=when)

    def last_call_in_window(self, reset_at: dt.datetime, *, when: str = "") -> None:
        """The next request whose path contains `when` succeeds but spends the window (remaining 0)."""
        self._spent = (when, str(int(reset_at.timestamp())))

    # -- routing --------------------------------------------------------------------------------

    def _limits(self, remaining: int) -> dict[str, str]:
        reset = int((self.now + dt.timedelta(minutes=15)).timestamp())
        return {"x-rate-limit-limit": "900", "x-rate-limit-remaining": str(remaining),
                "x-rate-limit-reset": str(reset)}

    def handle(self, request: SeenRequest) -> Reply:
        if request.method == "POST" and request.path == "/2/oauth2/token":
            return self._token(request)
        auth = request.headers.get("Authorization", "")
        if auth.removeprefix("Bearer ") not in self.valid_tokens:
            return Reply(401, UNAUTHORIZED, headers=self._limits(899))
        reply = self._route(request)
        headers = self._limits(847)
        if self._spent is not None and self._spent[0] in request.path:
            headers = {**self._limits(0), "x-rate-limit-reset": self._spent[1]}
            self._spent = None
        reply.headers = {**headers, **reply.headers}
        return reply

    def _route(self, request: SeenRequest) -> Reply:
        parts = [p for p in request.path.split("/") if p]
        if parts[:2] == ["2", "users"] and len(parts) == 3 and parts[2] in self.users:
            return self._user(request, self.users[parts[2]])
        if parts[:2] == ["2", "users"] and len(parts) == 4 and parts[3] == "tweets" and parts[2] in self.users:
            return self._timeline(request, self.users[parts[2]])
        if parts[:3] == ["2", "tweets", "counts"] and len(parts) == 4 and parts[3] in ("recent", "all"):
            return self._counts(request)
        return Reply(404, {"title": "Not Found Error", "detail": f"no route {request.path}", "status": 404})

    def _user(self, request: SeenRequest, user: FakeXUser) -> Reply:
        data: dict[str, object] = {"id": user.user_id, "name": "Acme", "username": user.username}
        if "public_metrics" in (request.param("user.fields") or ""):
            data["public_metrics"] = {"followers_count": user.followers_count, "following_count": 12,
                                      "tweet_count": len(user.tweets), "listed_count": 3}
        return Reply(200, {"data": data})

    def _timeline(self, request: SeenRequest, user: FakeXUser) -> Reply:
        start, end = _parse(request.param("start_time")), _parse(request.param("end_time"))
        fields = set((request.param("tweet.fields") or "").split(","))
        tweets = sorted((t for t in user.tweets if start <= t.created_at < end),
                        key=lambda t: t.created_at, reverse=True)
        limit = min(int(request.param("max_results") or 10), self.page_size)
        offset = int(request.param("pagination_token") or "0", 16) if request.param("pagination_token") else 0
        chunk = tweets[offset:offset + limit]
        data, errors = [], []
        for tweet in chunk:
            item: dict[str, object] = {"id": tweet.tweet_id, "text": tweet.text,
                                       "edit_history_tweet_ids": [tweet.tweet_id]}
            if "created_at" in fields:
                item["created_at"] = x_time(tweet.created_at)
            if "public_metrics" in fields:
                item["public_metrics"] = dict(tweet.public)
            if "non_public_metrics" in fields:
                if self.refuse_non_public:
                    errors.append({"value": tweet.tweet_id, "detail": "Sorry, you are not authorized to access "
                                   f"'non_public_metrics' on the Tweet with ids {tweet.tweet_id}.",
                                   "title": "Field Authorization Error", "resource_type": "tweet",
                                   "field": "non_public_metrics",
                                   "type": "https://api.twitter.com/2/problems/not-authorized-for-field"})
                elif self.now - tweet.created_at > dt.timedelta(days=30):
                    errors.append({"value": tweet.tweet_id, "detail": "Non-public metrics are only available "
                                   "for posts created in the last 30 days.", "title": "Field Authorization Error",
                                   "resource_type": "tweet", "field": "non_public_metrics",
                                   "type": "https://api.twitter.com/2/problems/not-authorized-for-field"})
                else:
                    item["non_public_metrics"] = dict(tweet.non_public)
            data.append(item)
        meta: dict[str, object] = {"result_count": len(chunk)}
        if chunk:
            meta.update(newest_id=chunk[0].tweet_id, oldest_id=chunk[-1].tweet_id)
        if offset + limit < len(tweets):
            meta["next_token"] = format(offset + limit, "x").rjust(8, "0")
        body: dict[str, object] = {"meta": meta}
        if data:  # X leaves `data` out of an empty page
            body["data"] = data
        if errors:
            body["errors"] = errors
        return Reply(200, body)

    def _counts(self, request: SeenRequest) -> Reply:
        if request.param("granularity") != "day":
            return Reply(400, {"title": "Invalid Request", "detail": "this emulator serves granularity=day",
                               "status": 400})
        series = self.counts.get(request.param("query") or "", {})
        start, end = _parse(request.param("start_time")), _parse(request.param("end_time"))
        cursor = request.param("pagination_token")
        first = dt.date.fromisoformat(cursor) if cursor else start.date()
        day = first
        buckets = []
        while dt.datetime.combine(day, dt.time(0), dt.UTC) < end and len(buckets) < self.counts_page_days:
            bucket_start = max(start, dt.datetime.combine(day, dt.time(0), dt.UTC))
            bucket_end = min(end, dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), dt.UTC))
            buckets.append({"end": x_time(bucket_end), "start": x_time(bucket_start),
                            "tweet_count": series.get(day, 0)})
            day += dt.timedelta(days=1)
        meta: dict[str, object] = {"total_tweet_count": sum(b["tweet_count"] for b in buckets)}
        if dt.datetime.combine(day, dt.time(0), dt.UTC) < end:
            meta["next_token"] = day.isoformat()
        return Reply(200, {"data": buckets, "meta": meta})

    def _token(self, request: SeenRequest) -> Reply:
        form = dict(parse_qsl(request.body.decode()))
        basic = request.headers.get("Authorization", "")
        if basic.startswith("Basic "):
            form["basic_client"] = base64.b64decode(basic[6:]).decode().split(":", 1)[0]
        self.token_requests.append(form)
        if form.get("grant_type") != "refresh_token" or form.get("refresh_token") not in self.refresh_tokens:
            return Reply(400, {"error": "invalid_request",
                               "error_description": "Value passed for the token was invalid."})
        self.refresh_tokens.discard(form["refresh_token"])  # rotation: a refresh token works once
        number = next(self._issued)
        access, refresh = f"xUserT0ken-refreshed-{number:04d}-abcdef", f"xRefreshT0ken-rotated-{number:04d}-ghij"
        self.valid_tokens.add(access)
        self.refresh_tokens.add(refresh)
        return Reply(200, {"token_type": "bearer", "expires_in": 7200, "access_token": access,
                           "scope": "tweet.read users.read offline.access", "refresh_token": refresh})


@pytest.fixture
def x_api() -> Iterator[XApiEmulator]:
    """A running X API emulator; seed it, then point clients at `x_api.account(...)`."""
    emulator = XApiEmulator()
    with emulator.server:
        yield emulator
