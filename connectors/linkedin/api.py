"""LinkedIn Pages client (Community Management API, versioned `/rest` endpoints).

fetch, for the organization `urn:li:organization:{account_id}`:
- `GET /rest/organizationalEntityShareStatistics?q=organizationalEntity&...&timeIntervals=(...DAY)`
- `GET /rest/organizationalEntityFollowerStatistics?q=organizationalEntity&...&timeIntervals=(...)`
- `GET /rest/organizationPageStatistics?q=organization&...&timeIntervals=(...)`
  each paged with `start`/`count` and cut into windows of at most 12 months;
- `GET /rest/networkSizes/{urn}?edgeType=COMPANY_FOLLOWED_BY_MEMBER` (the follower total).
normalise: daily share statistics, follower gains and unique page visitors -> AccountDayValue
(UTC days: LinkedIn's time ranges are UTC-day aligned [code]); firstDegreeSize -> followers.

Every request carries `LinkedIn-Version: YYYYMM` (options["api_version"]) and
`X-Restli-Protocol-Version: 2.0.0`. Credentials: `access_token` (60 days [docs]), optional
`refresh_token` + `client_id` + `client_secret` (programmatic refresh tokens, [docs]).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from urllib.parse import quote

import requests

from connectors.base import AccountDayValue, ParsedExport, RawPage
from connectors.http import ApiError, ApiSession, HttpResult, Verdict, classify_by_status, follow_cursor
from connectors.linkedin import api_settings as settings
from connectors.oauth import OAuthApiClient, TokenEndpoint
from connectors.rejected_metrics import RejectedMetrics, rejection_note
from connectors.values import date_chunks, number

logger = logging.getLogger(__name__)

# Query parameters written in Rest.li 2.0 syntax, whose ( ) : , must reach LinkedIn unencoded.
RESTLI_PARAMS = frozenset({"timeIntervals"})


class RestliSession(ApiSession):
    """A Session that sends Rest.li 2.0 structured parameters as LinkedIn parses them.

    Quirk: `timeIntervals=(timeRange:(start:1698796800000,end:1698883200000),timeGranularityType:DAY)`
    is only understood with its ( ) : , unencoded; `requests` would send %28 %3A %2C. Values
    inside (numbers, DAY) need no escaping; URNs in other parameters stay percent-encoded.
    """

    def request(self, method: str | bytes, url: str | bytes, params: object = None,
                **kwargs: object) -> requests.Response:
        if isinstance(params, Mapping) and RESTLI_PARAMS & set(params):
            raw = "&".join(f"{name}={params[name]}" for name in sorted(RESTLI_PARAMS & set(params)))
            params = {k: v for k, v in params.items() if k not in RESTLI_PARAMS}
            url = f"{url!s}{'&' if '?' in str(url) else '?'}{raw}"
        return super().request(method, url, params=params, **kwargs)  # type: ignore[arg-type]


def epoch_ms(day: dt.date) -> int:
    """UTC midnight of `day` in epoch milliseconds (LinkedIn time ranges)."""
    return int(dt.datetime.combine(day, dt.time(0), dt.UTC).timestamp() * 1000)


def time_intervals(start: dt.date, end: dt.date) -> str:
    """Daily buckets for start..end inclusive; LinkedIn's `end` is exclusive [code]."""
    return (f"(timeRange:(start:{epoch_ms(start)},end:{epoch_ms(end + dt.timedelta(days=1))}),"
            "timeGranularityType:DAY)")


def next_start(body: object) -> int | None:
    """start/count paging: the next `start`, or None on the last page."""
    if not isinstance(body, dict):
        return None
    elements = body.get("elements") if isinstance(body.get("elements"), list) else []
    paging = body.get("paging") if isinstance(body.get("paging"), dict) else {}
    start, count, total = paging.get("start", 0), paging.get("count"), paging.get("total")
    if not elements or not isinstance(start, int):
        return None
    following = start + len(elements)
    if isinstance(total, int):
        return following if following < total else None
    return following if isinstance(count, int) and len(elements) >= count else None


TOKEN_ENDPOINT = TokenEndpoint("LinkedIn", "https://www.linkedin.com/oauth/v2/accessToken")  # [docs]


def classify_linkedin(result: HttpResult) -> Verdict:
    """401 with serviceErrorCode 65600/65601 -> re-authorise; 426 sunset version -> fail with the fix.

    429 carries no Retry-After [docs]: the HTTP layer's backoff applies.
    """
    body = result.body if isinstance(result.body, dict) else {}
    message = str(body.get("message") or "")
    service = body.get("serviceErrorCode")
    if result.status == 401:
        why = "the access token was refused"
        if isinstance(service, int):
            why = settings.AUTH_SERVICE_ERRORS.get(service, why)
        detail = ", ".join(str(x) for x in (body.get("code"), f"serviceErrorCode {service}" if service else None) if x)
        return Verdict.auth(f"{why}: {message} ({detail})" if detail else f"{why}: {message}", code=service)
    if result.status == 426:
        return Verdict.fail(f"{message or 'API version is sunset'}: set options api_version to a current "
                            "LinkedIn-Version (YYYYMM)", code=service)
    return classify_by_status(result)


class LinkedInPagesApi(OAuthApiClient):
    """One LinkedIn Page (account_id = the organization id, the number in its URN)."""

    platform = "linkedin"
    api_settings = settings
    token_endpoint = TOKEN_ENDPOINT

    @property
    def urn(self) -> str:
        return f"urn:li:organization:{self.account.account_id}"

    @property
    def api_version(self) -> str:
        return str(self.account.options.get("api_version") or settings.DEFAULT_API_VERSION)

    def fixed_headers(self) -> dict[str, str]:
        return {"LinkedIn-Version": self.api_version, "X-Restli-Protocol-Version": settings.RESTLI_PROTOCOL_VERSION}

    def classify(self, result: HttpResult) -> Verdict:
        return classify_linkedin(result)

    def make_session(self) -> requests.Session:
        return RestliSession()

    def today_utc(self) -> dt.date:
        return self._now().astimezone(dt.UTC).date()

    def check(self) -> None:
        """Cheap probe: the follower total."""
        today = self.today()
        self._network_size((today, today))

    def fetch(self, start: dt.date, end: dt.date) -> list[RawPage]:
        """The three statistics finders and the follower total.

        LinkedIn serves no metric list to choose from: each finder is one report. A finder the
        API refuses (400, or 403 ACCESS_DENIED for a permission the app lacks) is dropped,
        named and remembered, and the other reports still load. When every finder is refused
        the request itself is wrong: that error stands and nothing is remembered.
        """
        window = (start, end)
        first = self.clamp_start(start, end)
        pages: list[RawPage] = []
        self._rejected = RejectedMetrics.for_account(self.account, self.today).scope("statistics")
        self._refused: list[tuple[str, ApiError]] = []
        self._served = 0
        for chunk_start, chunk_end in date_chunks(first, end, settings.MAX_DAYS_PER_CALL):
            pages += self._statistics("organizationalEntityShareStatistics", "organizationalEntity",
                                      chunk_start, chunk_end, window)
            pages += self._statistics("organizationPageStatistics", "organization", chunk_start, chunk_end, window)
        # Quirk: time-bound follower gains end about two days before today [code].
        follower_end = min(end, self.today_utc() - dt.timedelta(days=settings.FOLLOWER_STATS_LAG_DAYS))
        if follower_end < first:
            logger.info("linkedin account %s: follower gains of %s..%s are not available yet",
                        self.account.account_id, first, end)
        for chunk_start, chunk_end in date_chunks(first, follower_end, settings.MAX_DAYS_PER_CALL):
            pages += self._statistics("organizationalEntityFollowerStatistics", "organizationalEntity",
                                      chunk_start, chunk_end, window)
        if self._refused and not self._served:
            raise self._refused[0][1]
        for resource, exc in self._refused:
            if resource not in self._rejected:
                logger.warning("linkedin account %s: %s refused, skipped (the other reports load): %s",
                               self.account.account_id, resource, exc.reason)
                self._rejected.add(resource, exc.reason)
        pages.append(self._network_size(window))
        return pages

    def _statistics(self, resource: str, finder: str, start: dt.date, end: dt.date,
                    window: tuple[dt.date, dt.date]) -> list[RawPage]:
        if resource in self._rejected or resource in {r for r, _ in self._refused}:
            logger.info("linkedin account %s: skipping %s (refused earlier)", self.account.account_id, resource)
            return []
        try:
            pages = list(follow_cursor(self.http, resource, {
                "q": finder, finder: self.urn, "timeIntervals": time_intervals(start, end),
                "count": settings.PAGE_SIZE,
            }, window=window, cursor_param="start", next_cursor=next_start))
        except ApiError as exc:
            if exc.page is None or exc.status not in settings.REFUSED_REPORT_STATUSES:
                raise
            self._refused.append((resource, exc))
            return [exc.page]
        self._served += 1
        return pages

    def _network_size(self, window: tuple[dt.date, dt.date]) -> RawPage:
        return self.http.get(f"networkSizes/{quote(self.urn, safe='')}", {"edgeType": settings.NETWORK_EDGE_TYPE},
                             window=window)

    # -- normalise ------------------------------------------------------------------------------

    def normalise(self, pages: list[RawPage]) -> ParsedExport:
        """Canonical records from landed pages; pure (no network, no clock)."""
        result = ParsedExport(format="linkedin_api")
        for page in pages:
            resource = page.endpoint.rstrip("/").rsplit("/", 1)[-1]
            if page.status in settings.REFUSED_REPORT_STATUSES and resource in settings.STATISTICS_RESOURCES:
                message = str(page.body.get("message") or "") if isinstance(page.body, dict) else ""
                result.notes.append(rejection_note("linkedin", resource, f"HTTP {page.status} {message}".strip()))
            if page.status >= 400 or not isinstance(page.body, dict):
                continue
            if resource == "organizationalEntityShareStatistics":
                self._share_statistics(page, result)
            elif resource == "organizationalEntityFollowerStatistics":
                self._follower_statistics(page, result)
            elif resource == "organizationPageStatistics":
                self._page_statistics(page, result)
            elif "/networkSizes/" in page.endpoint:
                self._network(page, result)
        return result

    def _elements(self, page: RawPage) -> list[tuple[dt.date, dict]]:
        """(UTC day, element) of the daily elements inside the page's window."""
        out = []
        for element in page.body.get("elements") or [] if isinstance(page.body, dict) else []:
            start = (element.get("timeRange") or {}).get("start") if isinstance(element, dict) else None
            if not isinstance(start, int):
                continue  # a lifetime aggregate (no timeRange) is not a daily figure
            day = dt.datetime.fromtimestamp(start / 1000, dt.UTC).date()
            if page.window_start <= day <= page.window_end:
                out.append((day, element))
        return out

    def _share_statistics(self, page: RawPage, result: ParsedExport) -> None:
        for day, element in self._elements(page):
            stats = element.get("totalShareStatistics") or {}
            for name, canonical in settings.SHARE_METRICS.items():
                if name in stats:  # an omitted field stays NULL, never 0
                    result.account_daily.append(AccountDayValue(day, canonical, f"totalShareStatistics.{name}",
                                                                number(stats[name])))

    def _follower_statistics(self, page: RawPage, result: ParsedExport) -> None:
        for day, element in self._elements(page):
            gains = element.get("followerGains") or {}
            parts = [number(gains.get(name)) for name in settings.FOLLOWER_GAIN_FIELDS]
            for name, value in zip(settings.FOLLOWER_GAIN_FIELDS, parts, strict=True):
                if name in gains:
                    result.account_daily.append(AccountDayValue(day, None, f"followerGains.{name}", value))
            if any(name in gains for name in settings.FOLLOWER_GAIN_FIELDS):
                total = None if any(p is None for p in parts) else sum(p for p in parts if p is not None)
                result.account_daily.append(AccountDayValue(day, "followers_gained", settings.FOLLOWER_GAIN_SOURCE,
                                                            total))

    def _page_statistics(self, page: RawPage, result: ParsedExport) -> None:
        without_unique = 0
        for day, element in self._elements(page):
            views = (element.get("totalPageStatistics") or {}).get("views") or {}
            for (view, name), canonical in settings.PAGE_VIEW_METRICS.items():
                counts = views.get(view)
                if isinstance(counts, dict) and name in counts:
                    result.account_daily.append(AccountDayValue(
                        day, canonical, f"totalPageStatistics.views.{view}.{name}", number(counts[name])))
            if not isinstance(views.get("allPageViews"), dict) or "uniquePageViews" not in views["allPageViews"]:
                without_unique += 1
        if without_unique:
            # Optional: uniquePageViews is not confirmed for time-bound (daily) page statistics.
            result.notes.append(f"linkedin: {without_unique} day(s) of organizationPageStatistics without "
                                "allPageViews.uniquePageViews; profile_visits stay NULL there")

    def _network(self, page: RawPage, result: ParsedExport) -> None:
        if "firstDegreeSize" not in page.body:
            return
        day = self.total_day(page, "firstDegreeSize", result.notes)
        if day is not None:
            result.account_daily.append(AccountDayValue(day, "followers", "firstDegreeSize",
                                                        number(page.body["firstDegreeSize"])))
