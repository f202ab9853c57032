"""Emulator of the public endpoints the competitor clients call, on one 127.0.0.1 server.

- Instagram Business Discovery: `GET /v25.0/{via}?fields=business_discovery.username(h){...,
  media.limit(n)[.after(c)]{...}}` -> `{"business_discovery": {followers_count, media_count,
  media: {data, paging: {cursors}}, id}, "id": via}` [docs: developers.facebook.com/docs/
  instagram-platform/instagram-graph-api/reference/ig-user/business_discovery]; `paging.cursors.after`
  only while more media follow. A private, personal or unknown username -> HTTP 400 Graph error
  110/2207013 "Cannot find User" [unverified subcode]. Token: `access_token` must be in `ig_tokens`.
- YouTube Data API v3: `/youtube/v3/channels?forHandle|id` (statistics as strings,
  hiddenSubscriberCount), `/youtube/v3/playlistItems?playlistId=UU...` (newest first,
  `nextPageToken`), `/youtube/v3/videos?id=a,b` [docs: developers.google.com/youtube/v3/docs];
  an unknown handle -> 200 without `items`. Key: `key` must be YT_KEY.
- X API v2: `/2/users/by?usernames=` (`data` list; an unknown handle -> 200 with `errors` only
  [docs: resource-not-found]), `/2/users/{id}/tweets` (public_metrics, `meta.next_token`).
  Bearer: X_BEARER.

Rate limits: `limits[platform] = n` lets n requests through, then answers the platform's
throttle once (Graph #4 + X-App-Usage, YouTube 403 rateLimitExceeded, X 429 with
x-rate-limit-reset 15 minutes after `now()`) and lets n more through: the window has passed by
the time a client retries. `page_size` caps every page (paging tests).

Use the `public_profiles` fixture: `pytest_plugins = ["tests.fakes.competitors"]`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

from connectors.base import ApiAccount
from tests.fakes import FakeApiServer, Reply, SeenRequest

IG_TOKEN = "EAAGcompetitorViaT0ken123"
YT_KEY = "AIzaSyCompetitorKey000111"
X_BEARER = "AAAAAAAAAAAAAAAAAAAAAcompetitorBearer01"
GRAPH_VERSION = "v25.0"


@dataclass
class PublicPost:
    """A post of a competitor: id, publish time (UTC), public counters."""

    post_id: str
    published_at: dt.datetime
    likes: int | None
    comments: int
    views: int = 0
    reposts: int = 0
    quotes: int = 0
    bookmarks: int = 0
    impressions: int = 0


@dataclass
class PublicProfile:
    """One competitor account as public endpoints show it."""

    followers: int
    posts: list[PublicPost] = field(default_factory=list)
    account_id: str = ""  # X user id, YouTube channel id, IG user id
    hidden_followers: bool = False
    protected: bool = False


def _stamp_graph(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _stamp_rfc3339(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_x(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


class PublicProfilesEmulator:
    def __init__(self, now: Callable[[], dt.datetime] | None = None) -> None:
        self.server = FakeApiServer(self.handle)
        self.instagram: dict[str, PublicProfile] = {}  # by username
        self.youtube: dict[str, PublicProfile] = {}  # by handle (without '@')
        self.x: dict[str, PublicProfile] = {}  # by handle
        self.limits: dict[str, int] = {}
        self.throttled: dict[str, int] = {}
        self._used: dict[str, int] = {}
        self.page_size = 100
        self.ig_tokens = {IG_TOKEN}  # the brand's own IG token asks Business Discovery
        self.now = now or (lambda: dt.datetime.now(dt.UTC))

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def requests(self) -> list[SeenRequest]:
        return self.server.requests

    def account(self, platform: str, handle: str, *, via: str = "17841400000000001", lookup: str = "handle",
                timezone: str = "UTC") -> ApiAccount:
        """The ApiAccount the config gives a competitor account (credentials included)."""
        token = {"instagram": IG_TOKEN, "youtube": YT_KEY, "x": X_BEARER}[platform]
        option = {"lookup": lookup, **({"via": via} if platform == "instagram" else {})}
        return ApiAccount(platform, handle, timezone, {"access_token": token}, base_url=self.url,
                          options={"competitor": option})

    # -- routing --------------------------------------------------------------------------------

    def handle(self, request: SeenRequest) -> Reply:
        parts = [p for p in request.path.split("/") if p]
        platform = "instagram" if parts[:1] == [GRAPH_VERSION] else "youtube" if parts[:1] == ["youtube"] else "x"
        throttle = self._throttle(platform)
        if throttle is not None:
            return throttle
        if platform == "instagram":
            if request.param("access_token") not in self.ig_tokens:
                return Reply(400, {"error": {"message": "Invalid OAuth access token.", "type": "OAuthException",
                                             "code": 190}})
            return self._business_discovery(request, parts[1])
        if platform == "youtube":
            if request.param("key") != YT_KEY:
                return Reply(400, {"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.",
                                             "errors": [{"reason": "badRequest"}], "status": "INVALID_ARGUMENT"}})
            return self._youtube(request, parts[2])
        if request.headers.get("Authorization") != f"Bearer {X_BEARER}":
            return Reply(401, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"})
        return self._x(request, parts)

    def _throttle(self, platform: str) -> Reply | None:
        limit = self.limits.get(platform)
        if limit is None:
            return None
        self._used[platform] = self._used.get(platform, 0) + 1
        if self._used[platform] <= limit:
            return None
        self._used[platform] = 0  # the window has passed once the client has waited
        self.throttled[platform] = self.throttled.get(platform, 0) + 1
        if platform == "instagram":
            return Reply(400, {"error": {"message": "(#4) Application request limit reached", "type": "OAuthException",
                                         "is_transient": True, "code": 4}},
                         headers={"X-App-Usage": json.dumps({"call_count": 100, "total_time": 20, "total_cputime": 9})})
        if platform == "youtube":
            return Reply(403, {"error": {"code": 403, "message": "The request cannot be completed because you have "
                                         "exceeded your quota.", "errors": [{"reason": "rateLimitExceeded",
                                                                              "domain": "youtube.quota"}]}})
        reset = int((self.now() + dt.timedelta(minutes=15)).timestamp())
        return Reply(429, {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank",
                           "status": 429}, headers={"x-rate-limit-limit": str(limit), "x-rate-limit-remaining": "0",
                                                    "x-rate-limit-reset": str(reset)})

    # -- Instagram ------------------------------------------------------------------------------

    def _business_discovery(self, request: SeenRequest, via: str) -> Reply:
        fields = request.param("fields") or ""
        found = re.fullmatch(r"business_discovery\.username\(([^)]*)\)\{(.*)\}", fields)
        if not found:
            return Reply(400, {"error": {"message": f"(#100) emulator: unexpected fields {fields}", "code": 100}})
        username, inner = found.groups()
        profile = self.instagram.get(username)
        if profile is None:
            return Reply(400, {"error": {
                "message": "Invalid user id", "type": "OAuthException", "code": 110, "error_subcode": 2207013,
                "is_transient": False, "error_user_title": "Cannot find User",
                "error_user_msg": f"The user with username: {username} cannot be found."}})
        node: dict[str, object] = {"id": profile.account_id or f"1784{abs(hash(username)) % 10**11}"}
        if "followers_count" in inner:
            node["followers_count"] = profile.followers
        if "media_count" in inner:
            node["media_count"] = len(profile.posts)
        media = re.search(r"media\.limit\((\d+)\)(?:\.after\(([^)]*)\))?", inner)
        if media:
            limit = min(int(media.group(1)), self.page_size)
            offset = int(media.group(2)) if media.group(2) else 0
            posts = sorted(profile.posts, key=lambda p: p.published_at, reverse=True)
            chunk = posts[offset:offset + limit]
            items = []
            for post in chunk:
                item: dict[str, object] = {"id": post.post_id, "timestamp": _stamp_graph(post.published_at),
                                           "comments_count": post.comments, "media_type": "IMAGE",
                                           "media_product_type": "FEED",
                                           "permalink": f"https://www.instagram.com/p/{post.post_id}/"}
                if post.likes is not None:
                    item["like_count"] = post.likes
                items.append(item)
            cursors = {"before": str(offset)}
            if offset + limit < len(posts):
                cursors["after"] = str(offset + limit)
            node["media"] = {"data": items, "paging": {"cursors": cursors}}
        return Reply(200, {"business_discovery": node, "id": via})

    # -- YouTube --------------------------------------------------------------------------------

    def _channel(self, key: str | None, by_id: bool) -> tuple[str, PublicProfile] | None:
        if by_id:
            return next(((h, c) for h, c in self.youtube.items() if c.account_id == key), None)
        handle = (key or "").lstrip("@")
        return (handle, self.youtube[handle]) if handle in self.youtube else None

    def _youtube(self, request: SeenRequest, resource: str) -> Reply:
        empty = {"kind": f"youtube#{resource}ListResponse", "etag": "e", "pageInfo": {"totalResults": 0,
                                                                                      "resultsPerPage": 5}}
        if resource == "channels":
            found = self._channel(request.param("id") or request.param("forHandle"), request.param("id") is not None)
            if found is None:
                return Reply(200, empty)
            _handle, channel = found
            statistics = {"viewCount": str(sum(p.views for p in channel.posts)),
                          "subscriberCount": "0" if channel.hidden_followers else str(channel.followers),
                          "hiddenSubscriberCount": channel.hidden_followers,
                          "videoCount": str(len(channel.posts))}
            return Reply(200, {**empty, "pageInfo": {"totalResults": 1, "resultsPerPage": 5},
                               "items": [{"kind": "youtube#channel", "etag": "c", "id": channel.account_id,
                                          "contentDetails": {"relatedPlaylists": {
                                              "likes": "", "uploads": "UU" + channel.account_id[2:]}},
                                          "statistics": statistics}]})
        if resource == "playlistItems":
            playlist = request.param("playlistId") or ""
            channel = next((c for c in self.youtube.values() if "UU" + c.account_id[2:] == playlist), None)
            if channel is None:
                return Reply(404, {"error": {"code": 404, "message": "playlist not found",
                                             "errors": [{"reason": "playlistNotFound"}]}})
            posts = sorted(channel.posts, key=lambda p: p.published_at, reverse=True)
            size = min(int(request.param("maxResults") or 5), self.page_size)
            offset = int(request.param("pageToken") or 0)
            body: dict[str, object] = {**empty, "pageInfo": {"totalResults": len(posts), "resultsPerPage": size},
                                       "items": [{"kind": "youtube#playlistItem", "id": f"pi-{p.post_id}",
                                                  "contentDetails": {"videoId": p.post_id, "videoPublishedAt":
                                                                     _stamp_rfc3339(p.published_at)}}
                                                 for p in posts[offset:offset + size]]}
            if offset + size < len(posts):
                body["nextPageToken"] = str(offset + size)
            return Reply(200, body)
        if resource == "videos":
            wanted = (request.param("id") or "").split(",")
            by_id = {p.post_id: p for c in self.youtube.values() for p in c.posts}
            videos = []
            for video_id in wanted:
                post = by_id.get(video_id)
                if post is None:
                    continue
                statistics = {"viewCount": str(post.views), "favoriteCount": "0", "commentCount": str(post.comments)}
                if post.likes is not None:
                    statistics["likeCount"] = str(post.likes)
                videos.append({"kind": "youtube#video", "id": post.post_id,
                               "snippet": {"publishedAt": _stamp_rfc3339(post.published_at),
                                           "title": f"Video {post.post_id}"}, "statistics": statistics})
            return Reply(200, {**empty, "items": videos})
        return Reply(404, {"error": {"code": 404, "message": f"emulator: no {resource}"}})

    # -- X --------------------------------------------------------------------------------------

    def _x(self, request: SeenRequest, parts: list[str]) -> Reply:
        if parts == ["2", "users", "by"]:
            data, errors = [], []
            for handle in (request.param("usernames") or "").split(","):
                user = self.x.get(handle)
                if user is None:
                    errors.append({"value": handle, "detail": f"Could not find user with usernames: [{handle}].",
                                   "title": "Not Found Error", "resource_type": "user", "parameter": "usernames",
                                   "resource_id": handle,
                                   "type": "https://api.twitter.com/2/problems/resource-not-found"})
                    continue
                item: dict[str, object] = {"id": user.account_id, "name": handle.title(), "username": handle,
                                           "protected": user.protected}
                if "public_metrics" in (request.param("user.fields") or ""):
                    item["public_metrics"] = {"followers_count": user.followers, "following_count": 7,
                                              "tweet_count": len(user.posts), "listed_count": 1}
                data.append(item)
            body: dict[str, object] = {}
            if data:
                body["data"] = data
            if errors:
                body["errors"] = errors
            return Reply(200, body)
        if len(parts) == 4 and parts[:2] == ["2", "users"] and parts[3] == "tweets":
            user = next((u for u in self.x.values() if u.account_id == parts[2]), None)
            if user is None:
                return Reply(404, {"title": "Not Found Error", "status": 404, "detail": "no such user"})
            start, end = _parse_x(request.param("start_time") or ""), _parse_x(request.param("end_time") or "")
            posts = sorted((p for p in user.posts if start <= p.published_at < end),
                           key=lambda p: p.published_at, reverse=True)
            size = min(int(request.param("max_results") or 10), self.page_size)
            offset = int(request.param("pagination_token") or 0)
            chunk = posts[offset:offset + size]
            meta: dict[str, object] = {"result_count": len(chunk)}
            if offset + size < len(posts):
                meta["next_token"] = str(offset + size)
            tweets = {"meta": meta}
            if chunk:
                tweets["data"] = [{"id": p.post_id, "text": f"post {p.post_id}", "edit_history_tweet_ids": [p.post_id],
                                   "created_at": _stamp_rfc3339(p.published_at).replace("Z", ".000Z"),
                                   "public_metrics": {"retweet_count": p.reposts, "reply_count": p.comments,
                                                      "like_count": p.likes, "quote_count": p.quotes,
                                                      "bookmark_count": p.bookmarks,
                                                      "impression_count": p.impressions}} for p in chunk]
            return Reply(200, tweets)
        return Reply(404, {"title": "Not Found Error", "status": 404, "detail": f"no route {'/'.join(parts)}"})


@pytest.fixture
def public_profiles() -> Iterator[PublicProfilesEmulator]:
    """A running emulator of the public endpoints; seed `instagram`, `youtube`, `x` by handle."""
    emulator = PublicProfilesEmulator()
    with emulator.server:
        yield emulator
