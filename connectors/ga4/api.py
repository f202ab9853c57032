"""GA4 Data API client: sessions, bounces, conversions and revenue by social platform and day.

fetch: `POST /v1beta/properties/{property_id}:runReport` with dimensions date + sessionSource
and metrics sessions, engagedSessions, keyEvents, totalRevenue, paged with `limit`/`offset`
until `rowCount` rows are read [docs].
normalise: rows of the same social platform and day (t.co, x.com, twitter ... -> x) are summed
into WebDayValue rows; sources that are no social platform are ignored, with a note. Sources
map to platforms with connectors.ga4.settings.platform_of, like the CSV export.

Credentials: `access_token` (Google, about 1 h), `refresh_token` + `client_id` +
`client_secret` (scope analytics.readonly). Options: `conversions_metric` (default keyEvents).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Sequence

from connectors.base import ParsedExport, RawPage, WebDayValue
from connectors.ga4 import api_settings
from connectors.ga4.settings import PlatformDay, platform_of, source_notes
from connectors.google import GoogleApiClient, google_error
from connectors.http import ApiError
from connectors.rejected_metrics import RejectedMetrics, fetch_dropping_rejected, metric_named_in, rejection_note
from connectors.values import number

logger = logging.getLogger(__name__)


def report_rows(body: object) -> list[dict[str, str]]:
    """runReport rows as {dimension or metric name: value string}."""
    if not isinstance(body, dict):
        return []
    names = [h.get("name") for h in [*(body.get("dimensionHeaders") or []), *(body.get("metricHeaders") or [])]
             if isinstance(h, dict)]
    out = []
    for row in body.get("rows") or []:
        if not isinstance(row, dict):
            continue
        values = [v.get("value") for v in [*(row.get("dimensionValues") or []), *(row.get("metricValues") or [])]]
        out.append(dict(zip(names, values, strict=False)))
    return out


def is_metric_rejection(exc: ApiError) -> bool:
    """400 INVALID_ARGUMENT: "Field x is not a valid metric." or "Please remove x to make the
    request compatible" (the Data API's incompatibility error); permission and quota errors differ."""
    return exc.status == 400


def metric_headers(body: object) -> list[str]:
    """The metrics a runReport response holds, in order."""
    if not isinstance(body, dict):
        return []
    return [str(h.get("name")) for h in body.get("metricHeaders") or [] if isinstance(h, dict) and h.get("name")]


class Ga4DataApi(GoogleApiClient):
    """One GA4 property (account_id = the numeric property id)."""

    platform = "ga4"
    api_settings = api_settings

    @property
    def conversions_metric(self) -> str:
        return str(self.account.options.get("conversions_metric") or api_settings.DEFAULT_CONVERSIONS_METRIC)

    def _run_report(self, start: dt.date, end: dt.date, metrics: list[str], offset: int, limit: int,
                    window: tuple[dt.date, dt.date]) -> RawPage:
        return self.http.request("POST", f"properties/{self.account.account_id}:runReport", json_body={
            "dateRanges": [{"startDate": start.isoformat(), "endDate": end.isoformat()}],
            "dimensions": [{"name": name} for name in api_settings.DIMENSIONS],
            "metrics": [{"name": name} for name in metrics],
            "limit": limit, "offset": offset, "keepEmptyRows": False,
        }, window=window)

    def check(self) -> None:
        """Cheap probe: one row of yesterday's sessions."""
        day = self.today() - dt.timedelta(days=1)
        self._run_report(day, day, [api_settings.SESSIONS], 0, 1, (day, day))

    @property
    def metrics(self) -> list[str]:
        return [api_settings.SESSIONS, api_settings.ENGAGED_SESSIONS, self.conversions_metric, api_settings.REVENUE]

    def fetch(self, start: dt.date, end: dt.date) -> list[RawPage]:
        """The report, paged; a metric GA4 rejects is dropped and remembered, the others load."""
        window = (start, end)
        remembered = RejectedMetrics.for_account(self.account, self.today)

        def first_page(metrics: Sequence[str]) -> RawPage:
            return self._run_report(start, end, list(metrics), 0, api_settings.PAGE_LIMIT, window)

        def named(exc: ApiError, requested: Sequence[str]) -> str | None:
            return metric_named_in(google_error(exc.page.body)[2] if exc.page else exc.reason, requested)

        pages: list[RawPage] = []
        for page in fetch_dropping_rejected(first_page, self.metrics, remembered.scope("report"),
                                            is_rejection=is_metric_rejection, named=named, platform="GA4 Data",
                                            log_prefix=f"ga4 property {self.account.account_id}: "):
            pages.append(page)
            if page.status < 400:
                pages += self._more_pages(page, start, end, window)
        return pages

    def _more_pages(self, first: RawPage, start: dt.date, end: dt.date,
                    window: tuple[dt.date, dt.date]) -> list[RawPage]:
        """The pages after `first`, with its metrics, following `offset` until `rowCount` rows are read."""
        metrics, page, pages = metric_headers(first.body), first, []
        offset = 0
        while True:
            read = len(report_rows(page.body))
            total = page.body.get("rowCount") if isinstance(page.body, dict) else None
            offset += read
            if not read or not isinstance(total, int) or offset >= total:
                return pages
            if len(pages) + 1 >= api_settings.MAX_PAGES:
                raise ApiError(self.platform, self.account.account_id,
                               f"more than {api_settings.MAX_PAGES} runReport pages for {start}..{end}")
            page = self._run_report(start, end, metrics, offset, api_settings.PAGE_LIMIT, window)
            pages.append(page)

    def normalise(self, pages: list[RawPage]) -> ParsedExport:
        """Canonical records from landed pages; pure (no network, no clock)."""
        result = ParsedExport(format="ga4_api")
        conversions = self.conversions_metric
        days: dict[tuple[dt.date, str], PlatformDay] = {}
        ignored: Counter[str] = Counter()
        rows: dict[tuple[dt.date, str], dict[str, str]] = {}
        for page in pages:
            if page.status >= 400:
                message = google_error(page.body)[2]
                metric = metric_named_in(message, self.metrics) if page.status == 400 else None
                if metric:
                    result.notes.append(rejection_note("ga4", metric, message))
                continue
            for row in report_rows(page.body):
                day = dt.datetime.strptime(str(row.get("date")), "%Y%m%d").date()
                if page.window_start <= day <= page.window_end:
                    # Rows of one day and source merge across pages: after a rejection the
                    # metrics may arrive in separate reports (one metric each).
                    rows.setdefault((day, str(row.get("sessionSource") or "")), {}).update(row)
        for (day, source), row in rows.items():
            sessions = number(row.get(api_settings.SESSIONS))
            platform = platform_of(source)
            if platform is None:
                ignored[source or "(not set)"] += sessions or 0
                continue
            totals = days.setdefault((day, platform), PlatformDay())
            totals.sources.add(source)
            # Only the metrics the API returned are added (a rejected one stays absent, not NULL).
            if api_settings.SESSIONS in row:
                totals.add("sessions", sessions)
            if api_settings.SESSIONS in row and api_settings.ENGAGED_SESSIONS in row:
                engaged = number(row.get(api_settings.ENGAGED_SESSIONS))
                totals.add("bounced_sessions", None if sessions is None or engaged is None else sessions - engaged)
            if conversions in row:
                totals.add("conversions", number(row[conversions]))
            if api_settings.REVENUE in row:
                totals.add("revenue", number(row[api_settings.REVENUE]))
        source_of = {"sessions": api_settings.SESSIONS, "bounced_sessions": api_settings.BOUNCED_SOURCE,
                     "conversions": conversions, "revenue": api_settings.REVENUE}
        for (day, platform), totals in sorted(days.items()):
            for metric, value in totals.values.items():
                result.web_daily.append(WebDayValue(day, platform, metric, source_of[metric], value))
        result.notes += source_notes(days, ignored, prefix="ga4: ", sources="session sources", example="t.co, x.com")
        return result
