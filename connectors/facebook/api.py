"""Facebook Page Insights through the Graph API (ApiClient of the facebook connector).

fetch: `/{page-id}/insights?period=day` in windows of at most 90 days, `/{page-id}/posts`
(following `paging.next`), and `/{post-id}/insights?period=lifetime` per post.
normalise: page metrics -> AccountDayValue, posts -> PostRecord, post counters ->
PostMetricValue dated the pull day. Metric names and mapping: api_settings.py.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import ClassVar

from connectors.base import (
    AccountDayValue,
    DailyInsightsLayout,
    ParsedExport,
    PostMetricValue,
    PostRecord,
    RawPage,
    RecordColumns,
)
from connectors.facebook import api_settings as settings
from connectors.http import follow_next_urls
from connectors.meta import graph
from connectors.rejected_metrics import RejectedMetrics
from connectors.values import date_chunks, first_line, number

logger = logging.getLogger(__name__)

PAGE_METRIC_BY_NAME = graph.metric_lookup(settings.PAGE_METRICS)
POST_METRIC_BY_NAME = graph.metric_lookup(settings.POST_METRICS)


class FacebookPagesApi(graph.GraphApiClient):
    """Page Insights of one Facebook Page (account_id = the Page id; token = a Page token)."""

    platform = "facebook"
    api_settings = settings
    check_fields = "id,name"
    # What `_page_insights` reads, as plain data for replay's bulk reader: the Page's own
    # `/insights` pages (the first version segment of the URL followed by the Page id, as
    # graph.object_id reads it), values dated the day before their `end_time` (Meta's quirk).
    daily_insights: ClassVar[DailyInsightsLayout] = DailyInsightsLayout(
        endpoint=r"https?://(?!v\d+\.\d+/)[^/]+/v\d+\.\d+/{account_id}/insights",
        metrics=tuple((m.name, m.canonical) for m in settings.PAGE_METRICS), day_offset=-1)

    def fetch(self, start: dt.date, end: dt.date) -> list[RawPage]:
        window = (start, end)
        start = self.clamp_start(start, end)
        page_metrics = self.live_metrics(settings.PAGE_METRICS)
        post_metrics = self.live_metrics(settings.POST_METRICS)
        remembered = RejectedMetrics.for_account(self.account, self.today)
        page_rejected, post_rejected = remembered.scope("page"), remembered.scope("post")
        pages: list[RawPage] = []
        prefix = f"facebook account {self.account.account_id}: "

        for chunk_start, chunk_end in date_chunks(start, end, settings.MAX_DAYS_PER_CALL):
            def page_insights(metrics: Sequence[str], since: dt.date = chunk_start,
                              until: dt.date = chunk_end) -> RawPage:
                # `until` is exclusive: the day bucket ending at `until` is the day before it.
                # Quirk: responses carry paging.previous/next links to the neighbouring time
                # windows, forever; we chunk the window ourselves and never follow them.
                return self.http.get(f"{self.account.account_id}/insights", {
                    "metric": ",".join(metrics), "period": "day",
                    "since": since, "until": until + dt.timedelta(days=1),
                }, window=window)
            pages += graph.fetch_metrics(page_insights, page_metrics, page_rejected, log_prefix=prefix)

        refresh_from = end - dt.timedelta(days=settings.POST_REFRESH_DAYS - 1)
        posts_from = self.clamp_start(min(start, refresh_from), end)
        post_ids: list[str] = []
        for page in follow_next_urls(self.http, f"{self.account.account_id}/posts", {
            "fields": settings.POST_FIELDS, "since": posts_from, "until": end + dt.timedelta(days=1),
            "limit": settings.POSTS_PAGE_SIZE,
        }, window=window):
            pages.append(page)
            post_ids += [str(p["id"]) for p in graph.data_items(page.body) if p.get("id")]

        for post_id in post_ids:
            def post_insights(metrics: Sequence[str], post_id: str = post_id) -> RawPage:
                return self.http.get(f"{post_id}/insights", {
                    "metric": ",".join(metrics), "period": "lifetime"}, window=window)
            pages += graph.fetch_metrics(post_insights, post_metrics, post_rejected, log_prefix=prefix)
        return pages

    def normalise(self, pages: list[RawPage]) -> ParsedExport:
        """Canonical records from landed pages; pure (no network, no clock)."""
        result = ParsedExport(format="facebook_api", account_daily=RecordColumns(AccountDayValue))
        requested: set[str] = set()
        day_of: dict[str, dt.date] = {}
        for page, node, kind in graph.served_pages(pages, requested):
            if kind == "insights" and node == self.account.account_id:
                self._page_insights(page, result, day_of)
            elif kind == "posts":
                self._posts(page, result)
            elif kind == "insights":
                self.lifetime_counters(page, node, POST_METRIC_BY_NAME, result)
        result.notes += self.graph_notes(pages, requested, settings.PAGE_METRICS, settings.POST_METRICS)
        return result

    def _page_insights(self, page: RawPage, result: ParsedExport, day_of: dict[str, dt.date]) -> None:
        """Daily page metrics, appended column-wise (a year of a Page is ~40,000 values).

        `day_of` maps `end_time` stamps to reporting days across the pull's pages: every metric
        repeats the same stamps, so each is parsed once.
        """
        first, last = page.window_start, page.window_end
        for entry in graph.insight_entries(page.body):
            name = entry["name"]
            metric = PAGE_METRIC_BY_NAME.get(name)
            days: list[dt.date] = []
            values: list[float | None] = []
            for point in entry.get("values") or []:
                end_time = point["end_time"]
                day = day_of.get(end_time)
                if day is None:
                    # Quirk: `end_time` is the END of the day bucket (Pacific midnight, e.g.
                    # since=2018-01-01 -> first end_time 2018-01-02T08:00:00+0000) [docs].
                    day = day_of[end_time] = dt.date.fromisoformat(end_time[:10]) - dt.timedelta(days=1)
                if not first <= day <= last:
                    continue
                value = point.get("value")
                if isinstance(value, dict):  # a breakdown, not a daily figure
                    result.notes.append(f"facebook: {name} on {day} is a breakdown; not loaded")
                    continue
                days.append(day)
                values.append(float(value) if type(value) is int else number(value))
            result.account_daily.extend_columns(
                date=days, metric=[metric.canonical if metric else None] * len(days),
                source_metric=[name] * len(days), value=values)

    def _posts(self, page: RawPage, result: ParsedExport) -> None:
        snapshot = self.local_date(page.fetched_at)
        for post in graph.data_items(page.body):
            post_id = str(post.get("id") or "")
            if not post_id:
                continue
            status_type = post.get("status_type")
            result.posts.append(PostRecord(
                post_id=post_id,
                published_at=graph.parse_graph_time(post["created_time"]) if post.get("created_time") else None,
                post_type=(settings.STATUS_TYPES.get(status_type, "post") if status_type else None),
                post_type_raw=status_type,
                permalink=post.get("permalink_url"),
                title=first_line(post.get("message")),
            ))
            for path, canonical, source in settings.POST_FIELD_METRICS:
                value: object = post
                for key in path:
                    value = value.get(key) if isinstance(value, dict) else None
                # A missing counter stays NULL (never 0): Meta leaves out fields it has no data for.
                result.post_metrics.append(PostMetricValue(
                    post_id=post_id, snapshot_date=snapshot, metric=canonical, source_metric=source,
                    value=number(value)))
