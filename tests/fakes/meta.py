"""Emulator of the Meta Graph / Marketing API endpoints the socialkpi Meta clients call.

Serves the documented response shapes (platform-apis.md §1-3, §8.2) from data a test seeds:
- Page Insights `/{page-id}/insights?period=day&since&until` (values with `end_time` = end of
  the Pacific day bucket; `paging.previous/next` links to the neighbouring windows, like the
  real API), `/{page-id}/posts` (cursor paging with `paging.next`), `/{post-id}/insights`;
- Instagram `/{ig-user-id}` counters, `/{ig-user-id}/insights?metric_type=total_value`
  (`{"data": []}` for days without data), `/{ig-user-id}/media`, `/{ig-media-id}/insights`
  (`(#10) Not enough viewers` for media flagged so);
- Marketing API `/act_{id}` and `/act_{id}/insights?level=campaign&time_increment=1`
  (numbers as strings, cursor paging).
Every `paging.next` URL points back at the emulator and, like Meta's, repeats the
`access_token`. Tokens: VALID_TOKEN works, EXPIRED_TOKEN -> 190/463, REVOKED_TOKEN -> 190/460,
anything else -> 190 "Malformed access token <the token>" (the token echoed back).
`retired_metrics` makes any request naming one of them fail with Graph #100.
Scenario helpers queue throttles (codes 4/17/32/613/80001... with X-Business-Use-Case-Usage),
429 + Retry-After, slow replies and dropped connections.

Use the `meta_graph` fixture: `pytest_plugins = ["tests.fakes.meta"]` in a test module.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest

from connectors.base import ApiAccount
from tests.fakes import FakeApiServer, Matcher, Reply, SeenRequest

VALID_TOKEN = "EAAGm0PX4ZCpsBAvalid7h1sIsAT3stT0ken"
EXPIRED_TOKEN = "EAAGm0PX4ZCpsBAexpired0ldT0ken9876"
REVOKED_TOKEN = "EAAGm0PX4ZCpsBArevokedT0ken5432"

PACIFIC = ZoneInfo("America/Los_Angeles")

THROTTLE_MESSAGES = {
    4: "(#4) Application request limit reached",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    613: "(#613) Calls to this api have exceeded the rate limit.",
    80000: "(#80000) There have been too many calls from this ad-account. Wait a bit and try again.",
    80001: "(#80001) There have been too many calls to this Page account. Wait a bit and try again.",
    80002: "(#80002) There have been too many calls to this Instagram account. Wait a bit and try again.",
}
BUC_TYPES = {80000: "ads_insights", 80001: "pages", 80002: "instagram"}
INVALID_METRIC_MESSAGE = "(#100) The value must be a valid insights metric"


def graph_time(moment: dt.datetime) -> str:
    """Graph timestamp format: 2019-04-05T07:56:32+0000."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def end_time_of(day: dt.date) -> str:
    """Page Insights `end_time` of a day: the end of that day in Pacific time, as UTC."""
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), PACIFIC)
    return graph_time(end)


def error_reply(code: int, message: str, *, status: int = 400, subcode: int | None = None,
                headers: dict[str, str] | None = None) -> Reply:
    error: dict[str, object] = {"message": message, "type": "OAuthException", "code": code,
                                "fbtrace_id": "AbC123xyz"}
    if subcode is not None:
        error["error_subcode"] = subcode
    return Reply(status, {"error": error}, headers=headers or {})


def _cursor(index: int) -> str:
    return base64.b64encode(str(index).encode()).decode()


def _uncursor(cursor: str | None) -> int:
    return int(base64.b64decode(cursor).decode()) if cursor else 0


def _day(text: str | None) -> dt.date:
    if text is None:
        raise ValueError("missing date")
    if re.fullmatch(r"\d{9,11}", text):
        return dt.datetime.fromtimestamp(int(text), dt.UTC).date()
    return dt.date.fromisoformat(text)


@dataclass
class FakePost:
    post_id: str
    created_time: dt.datetime
    message: str = ""
    status_type: str = "added_photos"
    reactions: int = 0
    comments: int = 0
    shares: int | None = None
    insights: dict[str, int] = field(default_factory=dict)


@dataclass
class FakePage:
    page_id: str
    name: str = "Acme"
    daily: dict[str, dict[dt.date, int]] = field(default_factory=dict)
    posts: list[FakePost] = field(default_factory=list)


@dataclass
class FakeMedia:
    media_id: str
    timestamp: dt.datetime
    media_type: str = "IMAGE"
    media_product_type: str = "FEED"
    caption: str = ""
    insights: dict[str, int] = field(default_factory=dict)
    not_enough_viewers: bool = False


@dataclass
class FakeIgUser:
    user_id: str
    username: str = "acme"
    followers_count: int = 0
    daily: dict[str, dict[dt.date, int]] = field(default_factory=dict)
    media: list[FakeMedia] = field(default_factory=list)


@dataclass
class FakeAdAccount:
    account_id: str  # digits, without act_
    currency: str = "USD"
    name: str = "Acme Ads"
    rows: list[dict] = field(default_factory=list)  # insights rows as the API returns them


class MetaGraphEmulator:
    """The Graph API on 127.0.0.1. Seed `pages`, `ig_users`, `ad_accounts`; see module doc."""

    def __init__(self) -> None:
        self.server = FakeApiServer(self.handle)
        self.pages: dict[str, FakePage] = {}
        self.ig_users: dict[str, FakeIgUser] = {}
        self.ad_accounts: dict[str, FakeAdAccount] = {}
        self.retired_metrics: set[str] = set()
        # Ads Insights fields refused as "(#100) <field> is not valid for fields param" [the
        # Marketing API's wording for an unknown field; unverified for a field withdrawn later].
        self.refused_ad_fields: set[str] = set()
        self.page_size = 25  # upper bound on `limit`: tests lower it to force paging

    # -- test helpers ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def requests(self) -> list[SeenRequest]:
        return self.server.requests

    def account(self, platform: str, account_id: str, *, token: str | None = VALID_TOKEN,
                timezone: str = "Europe/Berlin", options: dict[str, object] | None = None) -> ApiAccount:
        """An ApiAccount pointed at this emulator."""
        return ApiAccount(platform=platform, account_id=account_id, timezone=timezone,
                          credentials={"access_token": token} if token else {},
                          base_url=self.url, options=options or {})

    def throttle(self, code: int, *, regain_minutes: int = 0, usage: int = 100, owner_id: str = "1",
                 times: int = 1, when: Matcher | str | None = None) -> None:
        """Next matching requests fail with Meta throttle `code` and a BUC usage header."""
        buc = {owner_id: [{"type": BUC_TYPES.get(code, "pages"), "call_count": usage,
                           "total_cputime": 12, "total_time": 15,
                           "estimated_time_to_regain_access": regain_minutes}]}
        reply = error_reply(code, THROTTLE_MESSAGES.get(code, f"(#{code}) throttled"),
                            headers={"X-Business-Use-Case-Usage": json.dumps(buc)})
        self.server.script(*[reply] * times, when=when)

    def too_many_requests(self, retry_after: str, *, times: int = 1, when: Matcher | str | None = None) -> None:
        self.server.script(*[Reply(429, {"error": {"message": "Too Many Requests", "code": 4}},
                                   headers={"Retry-After": retry_after})] * times, when=when)

    def slow(self, seconds: float, *, times: int = 1, when: Matcher | str | None = None) -> None:
        """Next matching requests are answered after `seconds` (with a valid empty list)."""
        self.server.script(*[Reply(200, {"data": []}, delay=seconds)] * times, when=when)

    def drop(self, *, times: int = 1, when: Matcher | str | None = None) -> None:
        self.server.script(*[Reply(drop=True)] * times, when=when)

    # -- routing --------------------------------------------------------------------------------

    def handle(self, request: SeenRequest) -> Reply:
        parts = [p for p in request.path.split("/") if p]
        if len(parts) < 2 or not re.fullmatch(r"v\d+\.\d+", parts[0]):
            return error_reply(2500, "Unknown path components: " + request.path)
        denied = self._check_token(request.param("access_token"))
        if denied is not None:
            return denied
        node, rest = parts[1], parts[2:]
        if node in self.pages:
            return self._page(request, self.pages[node], rest)
        if node in self.ig_users:
            return self._ig_user(request, self.ig_users[node], rest)
        if node.startswith("act_") and node[4:] in self.ad_accounts:
            return self._ad_account(request, self.ad_accounts[node[4:]], rest)
        for page in self.pages.values():
            for post in page.posts:
                if post.post_id == node and rest == ["insights"]:
                    return self._lifetime_insights(request, post.post_id, post.insights)
        for user in self.ig_users.values():
            for media in user.media:
                if media.media_id == node and rest == ["insights"]:
                    if media.not_enough_viewers:
                        return error_reply(10, "(#10) Not enough viewers for the media to show insights")
                    return self._lifetime_insights(request, media.media_id, media.insights)
        return error_reply(100, f"Unsupported get request. Object with ID '{node}' does not exist, "
                                "cannot be loaded due to missing permissions, or does not support "
                                "this operation.", subcode=33)

    def _check_token(self, token: str | None) -> Reply | None:
        if token == VALID_TOKEN:
            return None
        if token == EXPIRED_TOKEN:
            return error_reply(190, "Error validating access token: Session has expired on Friday, "
                                    "26-Jun-26 15:48:19 PDT. The current time is Saturday, 27-Jun-26 "
                                    "08:24:52 PDT.", subcode=463)
        if token == REVOKED_TOKEN:
            return error_reply(190, "Error validating access token: The session has been invalidated "
                                    "because the user changed their password or Facebook has changed "
                                    "the session for security reasons.", subcode=460)
        if not token:
            return error_reply(2500, "An active access token must be used to query information about "
                                     "the current user.")
        return error_reply(190, f"Malformed access token {token}")  # Meta echoes the bad token

    def _retired(self, metrics: list[str]) -> Reply | None:
        if not metrics or metrics == [""]:
            return error_reply(100, "(#100) No metric was specified to be fetched", subcode=1504028)
        if any(m in self.retired_metrics for m in metrics):
            return error_reply(100, INVALID_METRIC_MESSAGE)
        return None

    def _link(self, request: SeenRequest, **changes: str) -> str:
        return f"{self.url}{request.path}?{urlencode({**request.query, **changes})}"

    def _list_page(self, request: SeenRequest, items: list[dict]) -> Reply:
        """Cursor paging like Graph list edges: cursors.before/after + `next` while more."""
        limit = min(int(request.param("limit") or self.page_size), self.page_size)
        offset = _uncursor(request.param("after"))
        chunk = items[offset:offset + limit]
        body: dict[str, object] = {"data": chunk}
        if chunk:
            paging: dict[str, object] = {"cursors": {"before": _cursor(offset),
                                                     "after": _cursor(offset + len(chunk) - 1)}}
            if offset + limit < len(items):
                paging["next"] = self._link(request, after=_cursor(offset + limit))
            body["paging"] = paging
        return Reply(200, body)

    # -- Facebook Pages -------------------------------------------------------------------------

    def _page(self, request: SeenRequest, page: FakePage, rest: list[str]) -> Reply:
        if not rest:
            return Reply(200, {"id": page.page_id, "name": page.name})
        if rest == ["insights"]:
            return self._page_insights(request, page)
        if rest == ["posts"]:
            since, until = _day(request.param("since")), _day(request.param("until"))
            posts = sorted((p for p in page.posts if since <= p.created_time.date() < until),
                           key=lambda p: p.created_time, reverse=True)
            return self._list_page(request, [self._post_json(page, p) for p in posts])
        return error_reply(100, f"Unknown edge {rest}")

    def _page_insights(self, request: SeenRequest, page: FakePage) -> Reply:
        metrics = (request.param("metric") or "").split(",")
        if (bad := self._retired(metrics)) is not None:
            return bad
        if request.param("period") != "day":
            return error_reply(100, "(#100) Invalid period")
        since, until = _day(request.param("since")), _day(request.param("until"))
        days = [since + dt.timedelta(days=i) for i in range((until - since).days)]
        data = []
        for metric in metrics:
            series = page.daily.get(metric, {})
            values = [{"value": series[d], "end_time": end_time_of(d)} for d in days if d in series]
            if values:
                data.append({"name": metric, "period": "day", "values": values,
                             "title": metric.replace("_", " ").title(), "description": "Daily",
                             "id": f"{page.page_id}/insights/{metric}/day"})
        body: dict[str, object] = {"data": data}
        if data:  # like Meta: links to the previous/next window of the same length, forever
            span = until - since
            body["paging"] = {
                "previous": self._link(request, since=(since - span).isoformat(), until=since.isoformat()),
                "next": self._link(request, since=until.isoformat(), until=(until + span).isoformat()),
            }
        return Reply(200, body)

    def _post_json(self, page: FakePage, post: FakePost) -> dict:
        body: dict[str, object] = {
            "id": post.post_id,
            "created_time": graph_time(post.created_time),
            "message": post.message,
            "permalink_url": f"https://www.facebook.com/{page.page_id}/posts/{post.post_id.split('_')[-1]}",
            "status_type": post.status_type,
            "reactions": {"data": [], "summary": {"total_count": post.reactions, "viewer_reaction": "NONE"}},
            "comments": {"data": [], "summary": {"order": "ranked", "total_count": post.comments,
                                                 "can_comment": True}},
        }
        if post.shares is not None:
            body["shares"] = {"count": post.shares}
        return body

    def _lifetime_insights(self, request: SeenRequest, node: str, insights: dict[str, int]) -> Reply:
        metrics = (request.param("metric") or "").split(",")
        if (bad := self._retired(metrics)) is not None:
            return bad
        data = [{"name": m, "period": "lifetime", "values": [{"value": insights[m]}],
                 "title": m.replace("_", " ").title(), "id": f"{node}/insights/{m}/lifetime"}
                for m in metrics if m in insights]
        return Reply(200, {"data": data})

    # -- Instagram ------------------------------------------------------------------------------

    def _ig_user(self, request: SeenRequest, user: FakeIgUser, rest: list[str]) -> Reply:
        if not rest:
            node = {"id": user.user_id, "username": user.username, "followers_count": user.followers_count,
                    "follows_count": 12, "media_count": len(user.media)}
            fields = (request.param("fields") or "id").split(",")
            return Reply(200, {k: v for k, v in node.items() if k in fields})
        if rest == ["insights"]:
            return self._ig_insights(request, user)
        if rest == ["media"]:
            media = sorted(user.media, key=lambda m: m.timestamp, reverse=True)
            return self._list_page(request, [{
                "id": m.media_id, "caption": m.caption, "media_type": m.media_type,
                "media_product_type": m.media_product_type,
                "permalink": f"https://www.instagram.com/p/{m.media_id}/",
                "timestamp": graph_time(m.timestamp)} for m in media])
        return error_reply(100, f"Unknown edge {rest}")

    def _ig_insights(self, request: SeenRequest, user: FakeIgUser) -> Reply:
        metrics = (request.param("metric") or "").split(",")
        if (bad := self._retired(metrics)) is not None:
            return bad
        if request.param("metric_type") != "total_value":
            return error_reply(100, "(#100) The following metrics should be specified with parameter "
                                    "metric_type=total_value: " + ",".join(metrics))
        since, until = _day(request.param("since")), _day(request.param("until"))
        days = [since + dt.timedelta(days=i) for i in range((until - since).days)]
        data = []
        for metric in metrics:
            series = user.daily.get(metric, {})
            present = [series[d] for d in days if d in series]
            if present:
                data.append({"name": metric, "period": "day", "title": metric.title(),
                             "description": "…", "total_value": {"value": sum(present)},
                             "id": f"{user.user_id}/insights/{metric}/day"})
        return Reply(200, {"data": data})  # no data at all: {"data": []}, never zeros

    # -- Marketing API --------------------------------------------------------------------------

    def _ad_account(self, request: SeenRequest, account: FakeAdAccount, rest: list[str]) -> Reply:
        if not rest:
            node = {"id": f"act_{account.account_id}", "account_id": account.account_id,
                    "name": account.name, "currency": account.currency, "account_status": 1}
            fields = (request.param("fields") or "id").split(",")
            return Reply(200, {k: v for k, v in node.items() if k in fields})
        if rest != ["insights"]:
            return error_reply(100, f"Unknown edge {rest}")
        if request.param("level") != "campaign" or request.param("time_increment") != "1":
            return error_reply(100, "(#100) this emulator serves level=campaign&time_increment=1 only")
        time_range = json.loads(request.param("time_range") or "{}")
        since, until = dt.date.fromisoformat(time_range["since"]), dt.date.fromisoformat(time_range["until"])
        fields = set((request.param("fields") or "").split(","))
        refused = sorted(fields & self.refused_ad_fields)
        if refused:
            return error_reply(100, f"(#100) {refused[0]} is not valid for fields param. please check "
                               "https://developers.facebook.com/docs/marketing-api/reference/ads-insights/ "
                               "for all valid values")
        rows = sorted((r for r in account.rows if since <= dt.date.fromisoformat(r["date_start"]) <= until),
                      key=lambda r: (r["date_start"], r.get("campaign_id", "")))
        shaped = [{"account_id": account.account_id,
                   **{k: v for k, v in r.items() if k in fields or k in ("date_start", "date_stop")}}
                  for r in rows]
        return self._list_page(request, shaped)


@pytest.fixture
def meta_graph() -> Iterator[MetaGraphEmulator]:
    """A running Graph API emulator; seed it, then point clients at `meta_graph.account(...)`."""
    emulator = MetaGraphEmulator()
    with emulator.server:
        yield emulator
