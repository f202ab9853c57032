"""TikTok Accounts API client (TikTok API for Business, one business account).

fetch: `GET /business/get/?business_id&start_date&end_date&fields=[...]` in windows of at most
60 days, and `GET /business/video/list/?business_id&fields=[...]&max_count=20&cursor=...`
(cursor + has_more) back to the oldest video still refreshed.
normalise: `metrics[]` per date -> AccountDayValue; videos -> PostRecord + lifetime counters
(PostMetricValue dated the pull day). Field mapping: api_settings.py.

Quirks: errors arrive inside HTTP 200 (`code` != 0; 40105 expired/revoked token, 40100 QPS
limit [code]); the token goes in an `Access-Token` header, not Bearer. Credentials:
`access_token` (24 h [code]), `refresh_token` + `client_id` (app id) + `client_secret` to refresh.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Sequence

from connectors.base import AccountDayValue, ParsedExport, PostMetricValue, PostRecord, RawPage
from connectors.http import ApiError, HttpResult, Verdict, follow_cursor
from connectors.oauth import OAuthApiClient
from connectors.rejected_metrics import RejectedMetrics, fetch_dropping_rejected, metric_named_in, rejection_note
from connectors.tiktok import api_settings as settings
from connectors.tiktok.http_hooks import TOKEN_ENDPOINT, classify_tiktok
from connectors.values import date_chunks, first_line, number

logger = logging.getLogger(__name__)

INVALID_PARAMETER_CODE = 40002  # [code]: invalid parameter (an unknown field among them)


def envelope_data(body: object) -> dict:
    """`data` of a TikTok envelope whose code is 0, else {}."""
    if isinstance(body, dict) and body.get("code") == 0 and isinstance(body.get("data"), dict):
        return body["data"]
    return {}


def next_cursor(body: object) -> object | None:
    """`data.cursor` while `data.has_more`; a short page may still have more [code]."""
    data = envelope_data(body)
    return data.get("cursor") if data.get("has_more") else None


def create_time(value: object) -> dt.datetime | None:
    """A video's `create_time`: epoch seconds (int or numeric string); milliseconds if that large."""
    try:
        stamp = float(str(value))
    except ValueError:
        return None
    return dt.datetime.fromtimestamp(stamp / 1000 if stamp > 1e11 else stamp, dt.UTC)


def is_field_rejection(exc: ApiError) -> bool:
    """Code 40002 (invalid parameter) in the HTTP-200 envelope: a field not offered or not granted
    [code]. The same code answers a too-long range or a bad business_id; those fail for every
    field alone too, and then the error stands (fetch_dropping_rejected)."""
    return exc.code == INVALID_PARAMETER_CODE


def requested_fields(page: RawPage) -> list[str]:
    """The `fields` list of a landed request (sent as a JSON array)."""
    try:
        fields = json.loads(str(page.params.get("fields") or "[]"))
    except ValueError:
        return []
    return [str(f) for f in fields] if isinstance(fields, list) else []


class TikTokBusinessApi(OAuthApiClient):
    """One TikTok business account (account_id = its business_id / open_id)."""

    platform = "tiktok"
    api_settings = settings
    token_endpoint = TOKEN_ENDPOINT

    def auth_headers(self, token: str) -> dict[str, str]:
        return {"Access-Token": token}

    def classify(self, result: HttpResult) -> Verdict:
        return classify_tiktok(result)

    def check(self) -> None:
        """Cheap probe: the account's profile fields."""
        today = self.today()
        self.http.get("business/get/", {"business_id": self.account.account_id,
                                        "fields": ["username", "display_name"]}, window=(today, today))

    def fetch(self, start: dt.date, end: dt.date) -> list[RawPage]:
        window = (start, end)
        first = self.clamp_start(start, end)
        pages: list[RawPage] = []
        rejected = RejectedMetrics.for_account(self.account, self.today).scope("day")

        def named(exc: ApiError, requested: Sequence[str]) -> str | None:
            return metric_named_in(exc.reason, requested)
        for chunk_start, chunk_end in date_chunks(first, end, settings.MAX_DAYS_PER_CALL):
            def day_fields(fields: Sequence[str], since: dt.date = chunk_start, until: dt.date = chunk_end) -> RawPage:
                return self.http.get("business/get/", {
                    "business_id": self.account.account_id, "start_date": since, "end_date": until,
                    "fields": list(fields)}, window=window)
            pages += fetch_dropping_rejected(day_fields, settings.DAY_FIELDS, rejected, is_rejection=is_field_rejection,
                                             named=named, platform="TikTok",
                                             log_prefix=f"tiktok account {self.account.account_id}: ")

        refresh_from = min(start, end - dt.timedelta(days=settings.POST_REFRESH_DAYS - 1))

        def older_than_refresh(page: RawPage) -> bool:
            # The list runs newest first; stop once a page reaches videos older than the refresh window.
            stamps = [create_time(v.get("create_time")) for v in envelope_data(page.body).get("videos") or []
                      if isinstance(v, dict)]
            stamps = [s for s in stamps if s is not None]
            return bool(stamps) and self.local_date(min(stamps)) < refresh_from

        video_rejected = RejectedMetrics.for_account(self.account, self.today).scope("video")
        counters = [f for f in settings.VIDEO_METRICS if f not in video_rejected]
        while True:
            fields = [f for f in settings.VIDEO_FIELDS if f not in settings.VIDEO_METRICS or f in counters]
            try:
                pages += follow_cursor(self.http, "business/video/list/", {
                    "business_id": self.account.account_id, "fields": fields, "max_count": settings.VIDEO_PAGE_SIZE,
                }, window=window, cursor_param="cursor", next_cursor=next_cursor, stop=older_than_refresh)
                return pages
            except ApiError as exc:
                # A counter the list refuses is dropped and the list read again without it;
                # the id, time and caption fields are never dropped (without them nothing loads).
                field = metric_named_in(exc.reason, counters) if is_field_rejection(exc) else None
                if field is None or exc.page is None:
                    raise
                logger.warning("tiktok account %s: video field %s rejected, skipped (the others load): %s",
                               self.account.account_id, field, exc.reason)
                video_rejected.add(field, exc.reason)
                counters.remove(field)
                pages.append(exc.page)

    # -- normalise ------------------------------------------------------------------------------

    def normalise(self, pages: list[RawPage]) -> ParsedExport:
        """Canonical records from landed pages; pure (no network, no clock)."""
        result = ParsedExport(format="tiktok_api")
        for page in pages:
            data = envelope_data(page.body)
            if isinstance(page.body, dict) and page.body.get("code") == INVALID_PARAMETER_CODE:
                fields = requested_fields(page)
                message = str(page.body.get("message") or "")
                field = metric_named_in(message, fields) or (fields[0] if len(fields) == 1 else None)
                if field:
                    result.notes.append(rejection_note("tiktok", field, message))
            if page.status >= 400 or not data:
                continue
            if page.endpoint.rstrip("/").endswith("/business/get"):
                self._days(page, data, result)
            elif page.endpoint.rstrip("/").endswith("/business/video/list"):
                self._videos(page, data, result)
        if any(v.metric for v in result.account_daily):
            result.notes.append("tiktok: the API reports no impressions; impressions stay NULL")
        return result

    def _days(self, page: RawPage, data: dict, result: ParsedExport) -> None:
        for entry in data.get("metrics") or []:
            if not isinstance(entry, dict) or not entry.get("date"):
                continue
            day = dt.date.fromisoformat(str(entry["date"]))
            if not page.window_start <= day <= page.window_end:
                continue
            for name, canonical in settings.DAY_METRICS.items():
                if name in entry:
                    result.account_daily.append(AccountDayValue(day, canonical, name, number(entry[name])))
            totals = [name for name in settings.FOLLOWER_TOTAL_FIELDS if name in entry]
            for rank, name in enumerate(totals):
                result.account_daily.append(AccountDayValue(day, "followers" if rank == 0 else None, name,
                                                            number(entry[name])))

    def _videos(self, page: RawPage, data: dict, result: ParsedExport) -> None:
        snapshot = self.local_date(page.fetched_at)
        for video in data.get("videos") or []:
            if not isinstance(video, dict) or not video.get("item_id"):
                continue
            video_id = str(video["item_id"])
            result.posts.append(PostRecord(
                post_id=video_id, published_at=create_time(video.get("create_time")), post_type="video",
                post_type_raw=None, permalink=video.get("share_url"), title=first_line(video.get("caption"))))
            for name, canonical in settings.VIDEO_METRICS.items():
                if name in video:
                    # Quirk: videos inactive for 7+ days answer null reach/watch time [code]: NULL, not 0.
                    result.post_metrics.append(PostMetricValue(video_id, snapshot, canonical, name,
                                                               number(video[name])))
