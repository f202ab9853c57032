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
from dataclasses import dataclass, field

from connectors.base import ParsedExport, RawPage, WebDayValue
from connectors.ga4 import api_settings
from connectors.ga4.settings import platform_of
from connectors.http import ApiError, HttpResult, Verdict
from connectors.meta.graph import number
from connectors.oauth import GOOGLE_TOKEN_ENDPOINT, OAuthApiClient, classify_google

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


@dataclass
class _PlatformDay:
    """Sums of one platform's sources on one day; a missing part makes the sum unknown."""

    values: dict[str, float | None] = field(default_factory=dict)
    sources: set[str] = field(default_factory=set)

    def add(self, metric: str, value: float | None) -> None:
        if metric not in self.values:
            self.values[metric] = value
        else:
            before = self.values[metric]
            self.values[metric] = None if before is None or value is None else before + value


class Ga4DataApi(OAuthApiClient):
    """One GA4 property (account_id = the numeric property id)."""

    platform = "ga4"
    history_days = api_settings.HISTORY_DAYS
    lookback_days = api_settings.LOOKBACK_DAYS
    default_base_url = api_settings.BASE_URL
    token_endpoint = GOOGLE_TOKEN_ENDPOINT

    def base_url(self) -> str:
        return f"{self.account.base_url.rstrip('/')}/v1beta" if self.account.base_url else self.default_base_url

    def classify(self, result: HttpResult) -> Verdict:
        return classify_google(result)

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

    def fetch(self, start: dt.date, end: dt.date) -> list[RawPage]:
        window = (start, end)
        metrics = [api_settings.SESSIONS, api_settings.ENGAGED_SESSIONS, self.conversions_metric,
                   api_settings.REVENUE]
        pages: list[RawPage] = []
        offset = 0
        while True:
            page = self._run_report(start, end, metrics, offset, api_settings.PAGE_LIMIT, window)
            pages.append(page)
            read = len(report_rows(page.body))
            total = page.body.get("rowCount") if isinstance(page.body, dict) else None
            offset += read
            if not read or not isinstance(total, int) or offset >= total:
                return pages
            if len(pages) >= api_settings.MAX_PAGES:
                raise ApiError(self.platform, self.account.account_id,
                               f"more than {api_settings.MAX_PAGES} runReport pages for {start}..{end}")

    def normalise(self, pages: list[RawPage]) -> ParsedExport:
        """Canonical records from landed pages; pure (no network, no clock)."""
        result = ParsedExport(format="ga4_api")
        conversions = self.conversions_metric
        days: dict[tuple[dt.date, str], _PlatformDay] = {}
        ignored: Counter[str] = Counter()
        for page in pages:
            if page.status >= 400:
                continue
            for row in report_rows(page.body):
                day = dt.datetime.strptime(str(row.get("date")), "%Y%m%d").date()
                if not page.window_start <= day <= page.window_end:
                    continue
                source = str(row.get("sessionSource") or "")
                sessions = number(row.get(api_settings.SESSIONS))
                platform = platform_of(source)
                if platform is None:
                    ignored[source or "(not set)"] += sessions or 0
                    continue
                totals = days.setdefault((day, platform), _PlatformDay())
                totals.sources.add(source)
                totals.add("sessions", sessions)
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
        merged = sum(1 for totals in days.values() if len(totals.sources) > 1)
        if merged:
            result.notes.append(f"ga4: summed several session sources into one platform on {merged} "
                                "platform-days (e.g. t.co, x.com)")
        if ignored:
            top = ", ".join(f"{source} ({count:g})" for source, count in ignored.most_common(5))
            result.notes.append(f"ga4: ignored {sum(ignored.values()):g} sessions from {len(ignored)} sources "
                                f"that are not social platforms: {top}")
        return result
