"""Instagram professional-account insights through the Graph API (ApiClient of instagram).

fetch: the profile node (`followers_count`), `/{ig-user-id}/insights` with
`metric_type=total_value` one day per request, `/{ig-user-id}/media` (following `paging.next`
back to the oldest media still refreshed) and `/{ig-media-id}/insights` per media.
normalise: daily totals -> AccountDayValue, media -> PostRecord, lifetime counters ->
PostMetricValue dated the pull day. Metric names and mapping: api_settings.py.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from connectors.base import AccountDayValue, ParsedExport, PostRecord, RawPage
from connectors.http import ApiError, follow_next_urls
from connectors.instagram import api_settings as settings
from connectors.meta import graph
from connectors.rejected_metrics import RejectedMetrics
from connectors.values import first_line, number

logger = logging.getLogger(__name__)

ACCOUNT_METRIC_BY_NAME = graph.metric_lookup(settings.ACCOUNT_METRICS)
MEDIA_METRIC_BY_NAME = graph.metric_lookup(settings.MEDIA_METRICS)


def _media_has_no_insights(exc: ApiError) -> bool:
    """Errors that mean "this media has no insights", not "the account failed".

    (#10) "Not enough viewers for the media to show insights" [docs]; 100/2108006 media posted
    before the account became a business account [code].
    """
    return exc.code == graph.NOT_ENOUGH_VIEWERS_CODE or (exc.code, exc.subcode) == (100, 2108006)


class InstagramApi(graph.GraphApiClient):
    """Insights of one Instagram professional account (account_id = the IG user id).

    options["instagram_login"] = True uses graph.instagram.com (Instagram Login tokens);
    the default is graph.facebook.com (Facebook Login, the Page's token).
    """

    platform = "instagram"
    api_settings = settings
    check_fields = "id,username"

    def graph_host(self) -> str:
        return graph.INSTAGRAM_LOGIN_HOST if self.account.options.get("instagram_login") else super().graph_host()

    def fetch(self, start: dt.date, end: dt.date) -> list[RawPage]:
        window = (start, end)
        start = self.clamp_start(start, end)
        user = self.account.account_id
        prefix = f"instagram account {user}: "
        pages = [self.http.get(user, {"fields": settings.PROFILE_FIELDS}, window=window)]

        account_metrics = self.live_metrics(settings.ACCOUNT_METRICS)
        remembered = RejectedMetrics.for_account(self.account, self.today)
        rejected_account = remembered.scope("account")
        day = start
        while day <= end:
            def day_totals(metrics: Sequence[str], day: dt.date = day) -> RawPage:
                # metric_type=total_value returns ONE total for since..until, so a daily series
                # needs one request per day. A day without data is `{"data": []}`, not zeros.
                return self.http.get(f"{user}/insights", {
                    "metric": ",".join(metrics), "period": "day", "metric_type": "total_value",
                    "since": day, "until": day + dt.timedelta(days=1)}, window=window)
            pages += graph.fetch_metrics(day_totals, account_metrics, rejected_account, log_prefix=prefix)
            day += dt.timedelta(days=1)

        posts_from = self.clamp_start(min(start, end - dt.timedelta(days=settings.POST_REFRESH_DAYS - 1)), end)
        media: list[dict] = []

        def older_than_window(page: RawPage) -> bool:
            # The media edge lists newest first and pages back to the first post ever; stop
            # once a page reaches media older than the refresh window.
            stamps = [m.get("timestamp") for m in graph.data_items(page.body) if m.get("timestamp")]
            return bool(stamps) and self.local_date(graph.parse_graph_time(stamps[-1])) < posts_from

        for page in follow_next_urls(self.http, f"{user}/media", {
                "fields": settings.MEDIA_FIELDS, "limit": settings.MEDIA_PAGE_SIZE},
                window=window, stop=older_than_window):
            pages.append(page)
            media += graph.data_items(page.body)

        media_metrics = self.live_metrics(settings.MEDIA_METRICS)
        rejected_media = remembered.scope("media")
        for item in media:
            published = graph.parse_graph_time(item["timestamp"]) if item.get("timestamp") else None
            if published is None or not posts_from <= self.local_date(published) <= end:
                continue
            if item.get("media_product_type") == "STORY":
                continue  # story metrics differ and expire after 24 h [docs]; not read here

            def media_insights(metrics: Sequence[str], media_id: str = str(item["id"])) -> RawPage:
                return self.http.get(f"{media_id}/insights", {"metric": ",".join(metrics)}, window=window)
            try:
                pages += graph.fetch_metrics(media_insights, media_metrics, rejected_media, log_prefix=prefix)
            except ApiError as exc:
                # Quirk: some media never get insights (too few viewers, posted before the
                # business conversion); land the error page so normalise names the media.
                if exc.page is None or not _media_has_no_insights(exc):
                    raise
                logger.info("%smedia %s has no insights: %s", prefix, item["id"], exc.reason)
                pages.append(exc.page)
        return pages

    def normalise(self, pages: list[RawPage]) -> ParsedExport:
        """Canonical records from landed pages; pure (no network, no clock)."""
        result = ParsedExport(format="instagram_api")
        requested: set[str] = set()
        user = self.account.account_id
        for page, node, kind in graph.served_pages(pages, requested):
            if node == user and kind == "":
                self._profile(page, result)
            elif node == user and kind == "insights":
                self._day_totals(page, result)
            elif kind == "media":
                self._media(page, result)
            elif kind == "insights":
                self.lifetime_counters(page, node, MEDIA_METRIC_BY_NAME, result)
        result.notes += self.graph_notes(pages, requested, settings.ACCOUNT_METRICS)
        return result

    def _profile(self, page: RawPage, result: ParsedExport) -> None:
        body = page.body if isinstance(page.body, dict) else {}
        if "followers_count" not in body:
            return
        # followers_count is the total at pull time. It is dated the pull day when that day is
        # in the window, or the window's last day when pulled the morning after (the nightly
        # run); for an older window it says nothing about those days and is not loaded.
        pulled = self.local_date(page.fetched_at)
        if page.window_start <= pulled <= page.window_end:
            day = pulled
        elif pulled == page.window_end + dt.timedelta(days=1):
            day = page.window_end
        else:
            result.notes.append(f"instagram: followers_count pulled on {pulled} is a current total; "
                                f"not loaded into {page.window_start}..{page.window_end}")
            return
        result.account_daily.append(AccountDayValue(
            date=day, metric="followers", source_metric="followers_count",
            value=number(body["followers_count"])))

    def _day_totals(self, page: RawPage, result: ParsedExport) -> None:
        day = dt.date.fromisoformat(page.params["since"])
        if not page.window_start <= day <= page.window_end:
            return
        for entry in graph.insight_entries(page.body):
            name = entry["name"]
            metric = ACCOUNT_METRIC_BY_NAME.get(name)
            total = entry.get("total_value")
            if isinstance(total, dict):
                value = number(total.get("value"))
            else:  # time-series shape (metrics requested without total_value support)
                values = entry.get("values") or []
                value = number(values[0].get("value")) if len(values) == 1 else None
            result.account_daily.append(AccountDayValue(
                date=day, metric=metric.canonical if metric else None, source_metric=name, value=value))

    def _media(self, page: RawPage, result: ParsedExport) -> None:
        for item in graph.data_items(page.body):
            if not item.get("id"):
                continue
            product, kind = item.get("media_product_type"), item.get("media_type")
            result.posts.append(PostRecord(
                post_id=str(item["id"]),
                published_at=graph.parse_graph_time(item["timestamp"]) if item.get("timestamp") else None,
                post_type=settings.MEDIA_TYPES.get((product, None)) or settings.MEDIA_TYPES.get((product, kind))
                or settings.MEDIA_TYPES.get(("FEED", kind)),
                post_type_raw="/".join(filter(None, [product, kind])) or None,
                permalink=item.get("permalink"),
                title=first_line(item.get("caption")),
            ))
