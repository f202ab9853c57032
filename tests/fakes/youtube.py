"""Emulator of the YouTube Analytics API v2 `reports` endpoint (platform-apis.md §6).

`GET /v2/reports?ids=channel==ID&startDate&endDate&metrics&dimensions&sort[&maxResults&startIndex]`
answers a resultTable [docs schema]: `columnHeaders` (dimensions, then metrics in request order
[docs]) and `rows`. Days without data are absent from `rows`, and days after
`last_processed` are cut off (the 48-72 h latency truncation [docs]). `dimensions=video` needs
`sort` and `maxResults` <= 200, else 400 "The query is not supported." [docs]; `startIndex`
(1-based) pages the video list [unverified]. An unknown metric gets 400 badRequest.
Google's error bodies (401 UNAUTHENTICATED, 403 quotaExceeded, 429 rateLimitExceeded) are
[unverified] shapes; tests using them check our handling only. The token endpoint is
`tests.fakes.google.GoogleOAuth` at `/token`.

Use the `youtube_api` fixture: `pytest_plugins = ["tests.fakes.youtube"]`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from connectors.base import ApiAccount
from tests.fakes import FakeApiServer, Matcher, Reply, SeenRequest
from tests.fakes.google import VALID_TOKEN, GoogleOAuth, google_error

DAY_METRICS = {"views", "engagedViews", "estimatedMinutesWatched", "likes", "comments", "shares",
               "subscribersGained", "subscribersLost"}
VIDEO_METRICS = {"views", "engagedViews", "likes", "comments", "shares"}


@dataclass
class FakeChannel:
    channel_id: str
    daily: dict[dt.date, dict[str, int]] = field(default_factory=dict)
    videos: dict[str, dict[str, int]] = field(default_factory=dict)  # lifetime counters per video id
    last_processed: dt.date | None = None


class YouTubeAnalyticsEmulator:
    """YouTube Analytics on 127.0.0.1. Seed `channels`."""

    def __init__(self) -> None:
        self.server = FakeApiServer(self.handle)
        self.oauth = GoogleOAuth()
        self.channels: dict[str, FakeChannel] = {}
        # Metrics refused per dimension ("day", "video") although known: with `name_refused`
        # the 400 names the metric, else it reads "The query is not supported." [docs wording].
        self.refused: dict[str, set[str]] = {}
        self.name_refused = False

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def requests(self) -> list[SeenRequest]:
        return self.server.requests

    def account(self, channel_id: str, *, token: str | None = VALID_TOKEN, credentials: dict[str, str] | None = None,
                options: dict[str, object] | None = None) -> ApiAccount:
        creds = {"access_token": token} if token else {}
        return ApiAccount(platform="youtube", account_id=channel_id, timezone="America/Los_Angeles",
                          credentials={**creds, **(credentials or {})}, base_url=self.url,
                          options={"token_url": f"{self.url}/token", **(options or {})})

    def quota_exceeded(self, *, when: Matcher | str | None = None) -> None:
        self.server.script(google_error(403, "", "The request cannot be completed because you have exceeded "
                                        "your quota.", "quotaExceeded"), when=when)

    def rate_limited(self, *, times: int = 1, when: Matcher | str | None = None) -> None:
        self.server.script(*[google_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'Queries'.",
                                          "rateLimitExceeded")] * times, when=when)

    def handle(self, request: SeenRequest) -> Reply:
        if request.method == "POST" and request.path == "/token":
            return self.oauth.token(request)
        refused = self.oauth.refused(request)
        if refused is not None:
            return refused
        if request.path != "/v2/reports":
            return google_error(404, "NOT_FOUND", f"no route {request.path}")
        ids = request.param("ids") or ""
        channel = self.channels.get(ids.removeprefix("channel=="))
        if channel is None:
            return google_error(403, "PERMISSION_DENIED", "Forbidden", "forbidden")
        metrics = (request.param("metrics") or "").split(",")
        dimension = request.param("dimensions")
        allowed = DAY_METRICS if dimension == "day" else VIDEO_METRICS
        unknown = [m for m in metrics if m not in allowed]
        if unknown:
            return google_error(400, "INVALID_ARGUMENT", f"Unknown identifier ({unknown[0]}) given in field "
                                "parameters.metrics.", "badRequest")
        refused = [m for m in metrics if m in self.refused.get(dimension or "", set())]
        if refused:
            message = (f"Unknown identifier ({refused[0]}) given in field parameters.metrics."
                       if self.name_refused else "The query is not supported.")
            return google_error(400, "INVALID_ARGUMENT", message, "badRequest")
        start = dt.date.fromisoformat(request.param("startDate") or "")
        end = dt.date.fromisoformat(request.param("endDate") or "")
        if channel.last_processed is not None:
            end = min(end, channel.last_processed)
        if dimension == "day":
            days = sorted(d for d in channel.daily if start <= d <= end)
            rows = [[d.isoformat(), *[channel.daily[d].get(m, 0) for m in metrics]] for d in days]
            return self._table("day", metrics, rows)
        if dimension == "video":
            size = int(request.param("maxResults") or 0)
            if not request.param("sort") or not 0 < size <= 200:
                return google_error(400, "INVALID_ARGUMENT", "The query is not supported.", "badRequest")
            ordered = sorted(channel.videos.items(), key=lambda item: item[1].get("views", 0), reverse=True)
            first = int(request.param("startIndex") or 1) - 1
            rows = [[video, *[counters.get(m, 0) for m in metrics]] for video, counters in ordered[first:first + size]]
            return self._table("video", metrics, rows)
        return google_error(400, "INVALID_ARGUMENT", "The query is not supported.", "badRequest")

    @staticmethod
    def _table(dimension: str, metrics: list[str], rows: list[list[object]]) -> Reply:
        headers = [{"name": dimension, "columnType": "DIMENSION", "dataType": "STRING"},
                   *[{"name": m, "columnType": "METRIC", "dataType": "INTEGER"} for m in metrics]]
        body: dict[str, object] = {"kind": "youtubeAnalytics#resultTable", "columnHeaders": headers}
        if rows:
            body["rows"] = rows
        return Reply(200, body)


@pytest.fixture
def youtube_api() -> Iterator[YouTubeAnalyticsEmulator]:
    """A running YouTube Analytics emulator; point clients at `youtube_api.account(...)`."""
    emulator = YouTubeAnalyticsEmulator()
    with emulator.server:
        yield emulator
