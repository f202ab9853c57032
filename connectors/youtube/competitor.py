"""A competitor's YouTube channel through the YouTube Data API v3 (public statistics, API key).

fetch: `GET /youtube/v3/channels?part=statistics,contentDetails&forHandle=` (or `id=`) [docs:
developers.google.com/youtube/v3/docs/channels/list]; the uploads playlist
`GET /playlistItems?part=contentDetails&playlistId=UU...` (paged with `nextPageToken`, newest
first) back to POST_REFRESH_DAYS before the window's end; then `GET /videos?part=snippet,statistics
&id=...` (up to 50 ids a request) [docs: developers.google.com/youtube/v3/docs/videos/list].
normalise: statistics.subscriberCount -> followers (NULL when the channel hides it), videos ->
PostRecord + views/likes/comments dated the pull day, posts_published per covered day.
Each request costs 1 unit of the project's 10,000-unit daily quota [docs].

A handle or id with no channel answers 200 with no `items`: the handle is named in a note.
Credentials: `access_token` holds an API key (sent as `key=`), which public data needs [docs].
"""

from __future__ import annotations

import datetime as dt

from connectors.base import AccountDayValue, AuthError, ParsedExport, PostMetricValue, PostRecord, RawPage
from connectors.competitors import COMPETITOR_OPTION, posts_published, total_day, unavailable_note
from connectors.google import GoogleApiClient
from connectors.http import HttpClient
from connectors.values import number
from connectors.youtube import api_settings as settings

DATA_API_URL = "https://www.googleapis.com/youtube/v3"
POST_REFRESH_DAYS = 28
PAGE_SIZE = 50  # maxResults of playlistItems.list and ids per videos.list [docs]
CHANNEL_STATISTICS = {"subscriberCount": "followers", "videoCount": None, "viewCount": None}
VIDEO_STATISTICS = {"viewCount": "views", "likeCount": "likes", "commentCount": "comments"}


def items(body: object) -> list[dict]:
    found = body.get("items") if isinstance(body, dict) else None
    return [i for i in found if isinstance(i, dict)] if isinstance(found, list) else []


def parse_google_time(text: str) -> dt.datetime:
    """RFC 3339 ("2026-11-18T09:30:00Z") as aware UTC."""
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.UTC)


class YouTubeCompetitorApi(GoogleApiClient):
    """One competitor's channel (account_id = its handle without '@', or its channel id)."""

    platform = "youtube"
    history_days = None
    lookback_days = settings.LOOKBACK_DAYS
    default_base_url = DATA_API_URL

    @property
    def http(self) -> HttpClient:  # type: ignore[override]  # an API key, no OAuth refresh
        if self._client is None:
            key = self.account.credentials.get("access_token")
            if not key:
                raise AuthError(self.platform, self.account.account_id, "no API key: set the environment "
                                "variable named by the competitor account's token_env")
            self._client = HttpClient(  # type: ignore[assignment]
                platform=self.platform, account_id=self.account.account_id, base_url=self.base_url(),
                auth_params={"key": key}, classify=self.classify, retry=self.retry, timeout=self.timeout,
                sleep=self._sleep, now=self._now, rand=self._rand, session=self._session)
        return self._client  # type: ignore[return-value]

    @property
    def lookup(self) -> dict[str, str]:
        """`id=` for a configured channel id, else `forHandle=`."""
        option = self.account.options.get(COMPETITOR_OPTION) or {}
        by = option.get("lookup") if isinstance(option, dict) else None
        return {"id" if by == "id" else "forHandle": self.account.account_id}

    def check(self) -> None:
        today = self.today()
        self.http.get("channels", {"part": "id", **self.lookup}, window=(today, today))

    def posts_from(self, end: dt.date) -> dt.date:
        return end - dt.timedelta(days=POST_REFRESH_DAYS - 1)

    def fetch(self, start: dt.date, end: dt.date) -> list[RawPage]:
        window = (start, end)
        posts_from = min(start, self.posts_from(end))
        channel_page = self.http.get("channels", {"part": "statistics,contentDetails", **self.lookup}, window=window)
        pages = [channel_page]
        channels = items(channel_page.body)
        uploads = (channels[0].get("contentDetails") or {}).get("relatedPlaylists", {}).get("uploads") \
            if channels else None
        if not uploads:
            return pages
        video_ids: list[str] = []
        token: str | None = None
        while True:
            params: dict[str, object] = {"part": "contentDetails", "playlistId": uploads, "maxResults": PAGE_SIZE}
            if token:
                params["pageToken"] = token
            page = self.http.get("playlistItems", params, window=window)
            pages.append(page)
            older = False
            for item in items(page.body):
                details = item.get("contentDetails") or {}
                stamp = details.get("videoPublishedAt")
                if not details.get("videoId") or not stamp:
                    continue  # a private or deleted upload has no publish time
                if self.local_date(parse_google_time(stamp)) < posts_from:
                    older = True
                else:
                    video_ids.append(str(details["videoId"]))
            token = page.body.get("nextPageToken") if isinstance(page.body, dict) else None
            if older or not token:
                break
        for first in range(0, len(video_ids), PAGE_SIZE):
            pages.append(self.http.get("videos", {"part": "snippet,statistics",
                                                  "id": ",".join(video_ids[first:first + PAGE_SIZE])}, window=window))
        return pages

    def normalise(self, pages: list[RawPage]) -> ParsedExport:
        """Canonical records from landed pages; pure (no network, no clock)."""
        result = ParsedExport(format="youtube_data_api")
        handle = self.account.account_id
        covered = False
        published: list[dt.date] = []
        for page in pages:
            path = page.endpoint.rstrip("/")
            if page.status >= 400:
                continue
            if path.endswith("/channels"):
                channels = items(page.body)
                if not channels:
                    result.notes.append(unavailable_note("youtube", handle, "no channel has this handle or id"))
                    continue
                statistics = channels[0].get("statistics") or {}
                day = total_day(page.window_start, page.window_end, self.local_date(page.fetched_at))
                if day is None:
                    continue
                for name, canonical in CHANNEL_STATISTICS.items():
                    if name not in statistics:
                        continue
                    # hiddenSubscriberCount: the channel hides its count; never load it as a number
                    hidden = name == "subscriberCount" and statistics.get("hiddenSubscriberCount") is True
                    result.account_daily.append(AccountDayValue(day, canonical, f"statistics.{name}",
                                                                None if hidden else number(statistics[name])))
            elif path.endswith("/playlistItems"):
                covered = True
            elif path.endswith("/videos"):
                snapshot = self.local_date(page.fetched_at)
                for video in items(page.body):
                    snippet, statistics = video.get("snippet") or {}, video.get("statistics") or {}
                    stamp = parse_google_time(snippet["publishedAt"]) if snippet.get("publishedAt") else None
                    video_id = str(video.get("id"))
                    result.posts.append(PostRecord(video_id, stamp, "video", "video",
                                                   f"https://www.youtube.com/watch?v={video_id}", snippet.get("title")))
                    if stamp is not None:
                        published.append(self.local_date(stamp))
                    for name, canonical in VIDEO_STATISTICS.items():
                        if name in statistics:  # likeCount is left out when the owner hides likes
                            result.post_metrics.append(PostMetricValue(video_id, snapshot, canonical,
                                                                       f"statistics.{name}", number(statistics[name])))
        if covered:
            first = pages[0]
            result.account_daily += posts_published(published, self.posts_from(first.window_end), first.window_start,
                                                    first.window_end, "playlistItems (counted)")
        return result
