"""Emulator of the TikTok Accounts API (TikTok API for Business v1.3) the socialkpi client calls.

Shapes from platform-apis.md §7.1 [code]:
- `GET /open_api/v1.3/business/get/?business_id&start_date&end_date&fields=[...]` ->
  `{"code": 0, "message": "OK", "request_id", "data": {..., "metrics": [{"date", ...}]}}`,
  only the requested fields; a range longer than 60 days is refused (code 40002, message
  [unverified]: this tests our chunking, not TikTok's wording);
- `GET /open_api/v1.3/business/video/list/?business_id&fields&max_count<=20&cursor` -> newest
  first, `data.cursor` (ms timestamp) and `data.has_more`; `page_size` below `max_count` gives the
  documented short pages that still have more;
- `POST /open_api/v1.3/tt_user/oauth2/refresh_token/` (JSON) -> a new 24-hour access token and
  a new refresh token in the same envelope.
Errors come inside HTTP 200: EXPIRED_TOKEN/REVOKED_TOKEN/any other -> code 40105 [code];
`throttle()` -> code 40100 [code]; `no_permission()` -> code 40001 [code: research notes].
The token travels in the `Access-Token` header.

Use the `tiktok_api` fixture: `pytest_plugins = ["tests.fakes.tiktok"]`.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from connectors.base import ApiAccount
from tests.fakes import FakeApiServer, Matcher, Reply, SeenRequest

VALID_TOKEN = "act.validTikTokBusinessT0ken0001"
EXPIRED_TOKEN = "act.expiredTikTokBusinessT0ken02"
REVOKED_TOKEN = "act.revokedTikTokBusinessT0ken03"
REFRESH_TOKEN = "rft.tiktokRefreshT0ken00000004"
APP_ID = "7123456789012345678"
APP_SECRET = "tiktokAppSecretValue0005"
REQUEST_ID = "2026112206000101023125104093255"


def envelope(code: int, message: str, data: object = None) -> Reply:
    return Reply(200, {"code": code, "message": message, "request_id": REQUEST_ID,
                       "data": {} if data is None else data})


@dataclass
class FakeVideo:
    item_id: str
    create_time: dt.datetime
    caption: str = ""
    counters: dict[str, float | None] = field(default_factory=dict)


@dataclass
class FakeBusinessAccount:
    business_id: str
    followers_count: int = 0
    daily: dict[dt.date, dict[str, float]] = field(default_factory=dict)
    videos: list[FakeVideo] = field(default_factory=list)


class TikTokBusinessEmulator:
    """TikTok's business-api host on 127.0.0.1. Seed `accounts`."""

    def __init__(self) -> None:
        self.server = FakeApiServer(self.handle)
        self.accounts: dict[str, FakeBusinessAccount] = {}
        self.page_size = 20
        self.valid_tokens = {VALID_TOKEN}
        self.refresh_tokens = {REFRESH_TOKEN}
        self.token_requests: list[dict] = []
        # business/get fields refused with 40002 (a field not offered or not granted);
        # the message names the first one (the wording is ours: [unverified]).
        self.refused_fields: set[str] = set()
        self._issued = itertools.count(1)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def requests(self) -> list[SeenRequest]:
        return self.server.requests

    def account(self, business_id: str, *, token: str | None = VALID_TOKEN, credentials: dict[str, str] | None = None,
                options: dict[str, object] | None = None) -> ApiAccount:
        creds = {"access_token": token} if token else {}
        return ApiAccount(platform="tiktok", account_id=business_id, timezone="Europe/Berlin",
                          credentials={**creds, **(credentials or {})}, base_url=self.url,
                          options={"token_url": f"{self.url}/open_api/v1.3/tt_user/oauth2/refresh_token/",
                                   **(options or {})})

    def throttle(self, *, times: int = 1, when: Matcher | str | None = None) -> None:
        self.server.script(*[envelope(40100, "App reaches the QPS limit.")] * times, when=when)

    def no_permission(self, business_id: str, *, when: Matcher | str | None = None) -> None:
        self.server.script(envelope(40001, f"No permission to operate tiktok creator id: {business_id}"), when=when)

    # -- routing --------------------------------------------------------------------------------

    def handle(self, request: SeenRequest) -> Reply:
        if request.method == "POST" and request.path == "/open_api/v1.3/tt_user/oauth2/refresh_token/":
            return self._refresh(request)
        if request.headers.get("Access-Token") not in self.valid_tokens:
            return envelope(40105, "Access token is incorrect or has been revoked.")
        account = self.accounts.get(request.param("business_id") or "")
        if account is None:
            return envelope(40002, "business_id is invalid")
        fields = json.loads(request.param("fields") or "[]")
        if request.path == "/open_api/v1.3/business/get/":
            return self._business(request, account, fields)
        if request.path == "/open_api/v1.3/business/video/list/":
            return self._videos(request, account, fields)
        return Reply(404, {"code": 40400, "message": "Not Found"})

    def _business(self, request: SeenRequest, account: FakeBusinessAccount, fields: list[str]) -> Reply:
        refused = [f for f in fields if f in self.refused_fields]
        if refused:
            return envelope(40002, f"Invalid field: {refused[0]}")
        data: dict[str, object] = {"display_name": "Vintage", "username": "vintage"}
        if "followers_count" in fields:
            data["followers_count"] = account.followers_count
        if request.param("start_date"):
            start = dt.date.fromisoformat(request.param("start_date") or "")
            end = dt.date.fromisoformat(request.param("end_date") or "")
            if (end - start).days + 1 > 60:
                return envelope(40002, "The time range between start_date and end_date cannot exceed 60 days.")
            data["metrics"] = [{"date": day.isoformat(), **{k: v for k, v in values.items() if k in fields}}
                               for day, values in sorted(account.daily.items()) if start <= day <= end]
        return envelope(0, "OK", data)

    def _videos(self, request: SeenRequest, account: FakeBusinessAccount, fields: list[str]) -> Reply:
        refused = [f for f in fields if f in self.refused_fields]
        if refused:
            return envelope(40002, f"Invalid field: {refused[0]}")
        max_count = int(request.param("max_count") or 20)
        if max_count > 20:
            return envelope(40002, "max_count must be at most 20")
        cursor = int(request.param("cursor") or 0)
        ordered = sorted(account.videos, key=lambda v: v.create_time, reverse=True)
        newer_than_cursor = [v for v in ordered if not cursor or v.create_time.timestamp() * 1000 < cursor]
        chunk = newer_than_cursor[:min(max_count, self.page_size)]
        videos = []
        for video in chunk:
            item: dict[str, object] = {"item_id": video.item_id, "create_time": int(video.create_time.timestamp()),
                                       "caption": video.caption,
                                       "share_url": f"https://www.tiktok.com/@vintage/video/{video.item_id}"}
            item.update(video.counters)
            videos.append({k: v for k, v in item.items() if k in fields})
        has_more = len(newer_than_cursor) > len(chunk)
        next_cursor = int(chunk[-1].create_time.timestamp() * 1000) if chunk else cursor
        return envelope(0, "OK", {"videos": videos, "cursor": next_cursor, "has_more": has_more})

    def _refresh(self, request: SeenRequest) -> Reply:
        body = json.loads(request.body or b"{}")
        self.token_requests.append(body)
        if (body.get("client_id"), body.get("client_secret"), body.get("grant_type")) != \
                (APP_ID, APP_SECRET, "refresh_token") or body.get("refresh_token") not in self.refresh_tokens:
            return envelope(40001, "refresh_token is invalid or expired")  # code/message [unverified]
        number = next(self._issued)
        access, refresh = f"act.refreshedTikTokT0ken{number:04d}", f"rft.rotatedTikTokRefresh{number:04d}"
        self.valid_tokens.add(access)
        self.refresh_tokens.add(refresh)
        return envelope(0, "OK", {"access_token": access, "expires_in": 86400, "refresh_token": refresh,
                                  "refresh_token_expires_in": 31536000, "open_id": "_000abc",
                                  "scope": "user.info.basic,video.list"})


@pytest.fixture
def tiktok_api() -> Iterator[TikTokBusinessEmulator]:
    """A running TikTok Business API emulator; point clients at `tiktok_api.account(...)`."""
    emulator = TikTokBusinessEmulator()
    with emulator.server:
        yield emulator
