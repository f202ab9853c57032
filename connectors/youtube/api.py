"""YouTube Analytics API client (reports of one channel).

fetch: `GET /v2/reports?ids=channel=={id}&dimensions=day&metrics=...&startDate&endDate&sort=day`
(one table, no paging [docs]) and the lifetime counters of the channel's top videos,
`dimensions=video&sort=-views&maxResults=200&startIndex=...`.
normalise: daily rows -> AccountDayValue, video rows -> PostMetricValue dated the pull day.
Metric mapping: api_settings.py.

Credentials: `access_token` (Google, about 1 h), `refresh_token` + `client_id` +
`client_secret` to refresh it (scopes yt-analytics.readonly and youtube.readonly [docs]).
Options: `max_videos` (default 200), plus the OAuthApiClient options.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from connectors.base import AccountDayValue, ParsedExport, PostMetricValue, RawPage
from connectors.google import GoogleApiClient, google_error
from connectors.http import ApiError
from connectors.rejected_metrics import (
    RejectedMetrics,
    fetch_dropping_rejected,
    metric_named_in,
    rejection_note,
)
from connectors.values import number
from connectors.youtube import api_settings as settings

logger = logging.getLogger(__name__)


def report_rows(body: object) -> list[dict[str, object]]:
    """A resultTable's rows as {column name: value} (columns = dimensions, then metrics [docs])."""
    if not isinstance(body, dict):
        return []
    names = [h.get("name") for h in body.get("columnHeaders") or [] if isinstance(h, dict)]
    return [dict(zip(names, row, strict=False)) for row in body.get("rows") or [] if isinstance(row, list)]


def is_metric_rejection(exc: ApiError) -> bool:
    """A 400 on a report: an unknown metric ("Unknown identifier (x) given in field
    parameters.metrics.") or one not offered for this dimension ("The query is not supported.")
    [docs: developers.google.com/youtube/analytics/v2/available_reports lists the metrics per
    report]. Quota, permission and token errors are not 400s."""
    return exc.status == 400


def rejected_metric(page: RawPage) -> str | None:
    """The metric a landed 400 report page rejected: named in the message, or the only one asked."""
    requested = [m for m in str(page.params.get("metrics", "")).split(",") if m]
    named = metric_named_in(google_error(page.body)[2], requested)
    return named or (requested[0] if len(requested) == 1 else None)


class YouTubeAnalyticsApi(GoogleApiClient):
    """One YouTube channel (account_id = the channel id, UC...)."""

    platform = "youtube"
    api_settings = settings

    @property
    def ids(self) -> str:
        return f"channel=={self.account.account_id}"

    def check(self) -> None:
        """Cheap probe: one metric of one day."""
        day = self.today() - dt.timedelta(days=3)
        self.http.get("reports", {"ids": self.ids, "startDate": day, "endDate": day, "metrics": "views",
                                  "dimensions": "day"}, window=(day, day))

    def fetch(self, start: dt.date, end: dt.date) -> list[RawPage]:
        """The day report and the top videos; a metric YouTube rejects is dropped and remembered."""
        window = (start, end)
        remembered = RejectedMetrics.for_account(self.account, self.today)
        prefix = f"youtube account {self.account.account_id}: "

        def named(exc: ApiError, requested: Sequence[str]) -> str | None:
            return metric_named_in(google_error(exc.page.body)[2] if exc.page else exc.reason, requested)

        def day_report(metrics: Sequence[str]) -> RawPage:
            return self.http.get("reports", {
                "ids": self.ids, "startDate": start, "endDate": end, "metrics": ",".join(metrics),
                "dimensions": "day", "sort": "day"}, window=window)
        pages = fetch_dropping_rejected(day_report, list(settings.DAY_METRICS), remembered.scope("day"),
                                        is_rejection=is_metric_rejection, named=named, platform="youtube",
                                        log_prefix=prefix)

        limit = int(str(self.account.options.get("max_videos") or settings.DEFAULT_MAX_VIDEOS))
        first = 1  # startIndex is 1-based [unverified]
        while first <= limit:
            size = min(settings.VIDEO_PAGE_SIZE, limit - first + 1)

            def video_report(metrics: Sequence[str], size: int = size, first: int = first) -> RawPage:
                return self.http.get("reports", {
                    "ids": self.ids, "startDate": settings.LIFETIME_START, "endDate": self.today(),
                    "metrics": ",".join(metrics), "dimensions": "video", "sort": "-views",
                    "maxResults": size, "startIndex": first}, window=window)
            # `views` is the sort key: without it the video report cannot be asked for.
            got = fetch_dropping_rejected(video_report, list(settings.VIDEO_METRICS), remembered.scope("video"),
                                          is_rejection=is_metric_rejection, named=named, platform="youtube",
                                          log_prefix=prefix)
            pages += got
            ok = [p for p in got if p.status < 400]
            if not ok or max(len(report_rows(p.body)) for p in ok) < size:
                break
            first += size
        return pages

    def normalise(self, pages: list[RawPage]) -> ParsedExport:
        """Canonical records from landed pages; pure (no network, no clock)."""
        result = ParsedExport(format="youtube_api")
        for page in pages:
            if page.status >= 400:
                metric = rejected_metric(page) if page.status == 400 else None
                if metric:
                    result.notes.append(rejection_note("youtube", metric, google_error(page.body)[2]))
                continue
            dimension = page.params.get("dimensions")
            if dimension == "day":
                self._days(page, result)
            elif dimension == "video":
                self._videos(page, result)
        return result

    def _days(self, page: RawPage, result: ParsedExport) -> None:
        last: dt.date | None = None
        for row in report_rows(page.body):
            day = dt.date.fromisoformat(str(row.get("day")))
            if not page.window_start <= day <= page.window_end:
                continue
            last = max(last, day) if last else day
            for name, canonical in settings.DAY_METRICS.items():
                if name in row:
                    result.account_daily.append(AccountDayValue(day, canonical, name, number(row[name])))
        if last is None or last < page.window_end:
            # Quirk: the report is silently cut at the last fully processed day (48-72 h) [docs];
            # the missing days load on a later run (lookback), never as zeros.
            result.notes.append(f"youtube: no daily data after {last or 'the window start'} in "
                                f"{page.window_start}..{page.window_end} (YouTube reports lag 48-72 h)")

    def _videos(self, page: RawPage, result: ParsedExport) -> None:
        snapshot = self.local_date(page.fetched_at)
        for row in report_rows(page.body):
            video = row.get("video")
            if not video:
                continue
            for name, canonical in settings.VIDEO_METRICS.items():
                if name in row:
                    result.post_metrics.append(PostMetricValue(str(video), snapshot, canonical, name,
                                                               number(row[name])))
