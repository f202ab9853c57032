"""Meta Graph API mechanics shared by the Facebook Pages, Instagram and Meta Ads API clients.

Graph-specific knowledge lives here so the three clients only describe their endpoints:
- error codes: 190/102 re-authorise, 4/17/32/341/368/613/80000-80005 throttled, 1/2 transient,
  100 "must be a valid insights metric" = a retired metric;
- metric tables per API version and retirement date (`ApiMetric`, `select_metrics`);
- requesting several insight metrics so that one retired name does not sink the rest
  (`fetch_metrics`), and naming the rejected ones in `notes` (`graph_error_notes`);
- the base class `GraphApiClient` (token, client construction, history clamp, chunking).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from connectors.base import AuthError, ParsedExport, PostMetricValue, RawPage
from connectors.http import (
    AccountClient,
    ApiError,
    HttpClient,
    HttpResult,
    RateLimitHeaders,
    RetryPolicy,
    Throttle,
    Verdict,
    classify_by_status,
)
from connectors.rejected_metrics import RejectedScope, fetch_dropping_rejected
from connectors.values import number

logger = logging.getLogger(__name__)

GRAPH_HOST = "https://graph.facebook.com"
INSTAGRAM_LOGIN_HOST = "https://graph.instagram.com"  # "Instagram Login" apps (no Facebook Page)
# v25.0 released 2026-02-18 [docs]; every response's `facebook-api-version` header names the
# version actually served. Override per account with options["api_version"].
DEFAULT_API_VERSION = "v25.0"

# --------------------------------------------------------------------------------------------
# Errors (platform-apis.md §1.2)
# --------------------------------------------------------------------------------------------

AUTH_CODES = frozenset({190, 102})
TOKEN_SUBCODES = {
    458: "the app was removed by the user",
    459: "the user is checkpointed",
    460: "the token was revoked (password changed)",
    463: "the token has expired",
    464: "the user is unconfirmed",
    467: "the token is invalid",
}
THROTTLE_CODES = frozenset({4, 17, 32, 341, 368, 613, 80000, 80001, 80002, 80003, 80004, 80005})
TRANSIENT_CODES = frozenset({1, 2})
INVALID_PARAMETER_CODE = 100
NOT_ENOUGH_VIEWERS_CODE = 10  # Instagram media: "(#10) Not enough viewers for the media to show insights"


# --------------------------------------------------------------------------------------------
# Usage headers (platform-apis.md §1.3): the client slows down before Meta throttles it
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetaUsage:
    """Meta's usage headers folded together: highest percent used and longest regain time."""

    percent: float | None
    regain_minutes: float


def _json_header(headers: Mapping[str, str], name: str) -> object:
    raw = headers.get(name)
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        logger.debug("ignoring unreadable %s header", name)
        return None


def meta_usage(headers: Mapping[str, str]) -> MetaUsage | None:
    """Read `X-App-Usage`, `X-Business-Use-Case-Usage` and `X-Ad-Account-Usage`.

    X-App-Usage: `{"call_count": 28, "total_time": 25, "total_cputime": 25}` (percent of the
    hourly budget). BUC: `{"<business id>": [{"type": "pages", "call_count": .., "total_cputime":
    .., "total_time": .., "estimated_time_to_regain_access": <minutes>}]}`. Ad account:
    `{"acc_id_util_pct": 9.67}`. None when none of them is present.
    """
    h = headers  # case-insensitive (HttpClient hands them over so)
    percents: list[float] = []
    regain = 0.0
    found = False

    def take(entry: object) -> None:
        nonlocal regain
        if not isinstance(entry, dict):
            return
        for key in ("call_count", "total_cputime", "total_time", "acc_id_util_pct"):
            if isinstance(entry.get(key), int | float):
                percents.append(float(entry[key]))
        minutes = entry.get("estimated_time_to_regain_access")
        if isinstance(minutes, int | float):
            regain = max(regain, float(minutes))

    for name in ("X-App-Usage", "X-Ad-Account-Usage"):
        value = _json_header(h, name)
        if value is not None:
            found = True
            take(value)
    buc = _json_header(h, "X-Business-Use-Case-Usage")
    if isinstance(buc, dict):
        found = True
        for entries in buc.values():
            for entry in entries if isinstance(entries, list) else [entries]:
                take(entry)
    if not found:
        return None
    return MetaUsage(max(percents) if percents else None, regain)


class MetaUsageHeaders(RateLimitHeaders):
    """Meta throttles at 100% of any usage figure: stop at `policy.usage_threshold` and wait
    `policy.usage_pause` seconds, or the regain time when Meta gives one."""

    def requested_wait(self, status: int, headers: Mapping[str, str], now: dt.datetime) -> Throttle | None:
        usage = meta_usage(headers)
        if usage is not None and usage.regain_minutes > 0:
            return Throttle(usage.regain_minutes * 60, "estimated_time_to_regain_access")
        return None

    def pause(self, headers: Mapping[str, str], now: dt.datetime, policy: RetryPolicy) -> Throttle | None:
        usage = meta_usage(headers)
        if usage is not None and usage.regain_minutes > 0:
            return Throttle(usage.regain_minutes * 60, "estimated_time_to_regain_access")
        if usage is not None and usage.percent is not None and usage.percent >= policy.usage_threshold:
            return Throttle(policy.usage_pause, f"Meta API usage at {usage.percent:g}%")
        return None


USAGE_HEADERS = MetaUsageHeaders()


@dataclass(frozen=True)
class GraphError:
    code: int | None
    subcode: int | None
    message: str


def graph_error(body: object) -> GraphError | None:
    """The `error` object of a Graph response body, if any."""
    if not isinstance(body, dict) or not isinstance(body.get("error"), dict):
        return None
    error = body["error"]
    code = error.get("code")
    subcode = error.get("error_subcode")
    return GraphError(code if isinstance(code, int) else None,
                      subcode if isinstance(subcode, int) else None,
                      str(error.get("message") or ""))


def classify_graph(result: HttpResult) -> Verdict:
    """The `HttpClient` classifier for every Graph/Marketing API call.

    Meta reports errors by `error.code` whatever the HTTP status (400, 401, 403, 500), so the
    code decides; responses without an error object fall back to the HTTP-status rules.
    """
    error = graph_error(result.body)
    if error is None:
        return classify_by_status(result)
    code, subcode, message = error.code, error.subcode, error.message
    label = f"code {code}" + (f"/{subcode}" if subcode is not None else "")
    if code in AUTH_CODES:
        why = TOKEN_SUBCODES.get(subcode or 0, "the access token is not valid")
        return Verdict.auth(f"{why}: {message} ({label})", code=code, subcode=subcode)
    if code in THROTTLE_CODES:
        return Verdict.retry(f"throttled by Meta: {message} ({label})", code=code)
    is_transient = isinstance(result.body, dict) and result.body["error"].get("is_transient") is True
    if code in TRANSIENT_CODES or is_transient or result.status >= 500:
        return Verdict.retry(f"temporary Graph API error: {message} ({label})", code=code)
    return Verdict.fail(f"{message} ({label})", code=code, subcode=subcode)


def is_invalid_metric(exc: ApiError) -> bool:
    """Graph #100 "The value must be a valid insights metric": a retired or unknown metric.

    The message does not say which metric, which is why `fetch_metrics` retries one by one.
    """
    return exc.code == INVALID_PARAMETER_CODE and "metric" in exc.reason.lower()


# --------------------------------------------------------------------------------------------
# Metric tables per API version and date
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiMetric:
    """One Graph insights metric: its canonical column and, if retired, when and for what.

    Meta retires metrics on a date for *all* API versions, sometimes earlier for new versions
    (IG `impressions`: v22 at release, every version on 2025-04-21). A metric is used until it
    is retired; its successor (`replaced_by`) only from then on, so a series does not switch
    methodology before it has to.
    """

    name: str
    canonical: str | None  # column of ACCOUNT_DAILY_METRICS / POST_SNAPSHOT_METRICS, or None (lineage only)
    retired_on: dt.date | None = None
    retired_from_version: int | None = None
    replaced_by: str | None = None

    def is_retired(self, version: int, today: dt.date) -> bool:
        return ((self.retired_on is not None and today >= self.retired_on)
                or (self.retired_from_version is not None and version >= self.retired_from_version))


def version_number(api_version: str) -> int:
    """25 for "v25.0"."""
    match = re.fullmatch(r"v?(\d+)(?:\.\d+)?", api_version.strip())
    if not match:
        raise ValueError(f"not a Graph API version: {api_version!r} (expected e.g. 'v25.0')")
    return int(match.group(1))


def select_metrics(table: Sequence[ApiMetric], api_version: str, today: dt.date) -> list[ApiMetric]:
    """The metrics to request with this API version on this date, in table order."""
    version = version_number(api_version)
    live = [m for m in table if not m.is_retired(version, today)]
    waiting = {m.replaced_by for m in live if m.replaced_by}  # successors of still-live metrics
    return [m for m in live if m.name not in waiting]


def metric_lookup(table: Sequence[ApiMetric]) -> dict[str, ApiMetric]:
    return {m.name: m for m in table}


def successor_notes(platform: str, table: Sequence[ApiMetric], requested: set[str]) -> list[str]:
    """Lineage notes for successor metrics in use: "impressions from page_media_view (...)"."""
    notes = []
    for old in table:
        if old.replaced_by and old.replaced_by in requested:
            new = metric_lookup(table)[old.replaced_by]
            when = []
            if old.retired_from_version is not None:
                when.append(f"v{old.retired_from_version}.0")
            if old.retired_on is not None:
                when.append(f"{old.retired_on.isoformat()} for all versions")
            notes.append(f"{platform}: {new.canonical or new.name} from {new.name}, which replaced "
                         f"the retired {old.name} ({', '.join(when)})")
    return notes


# --------------------------------------------------------------------------------------------
# Requests
# --------------------------------------------------------------------------------------------


def fetch_metrics(request: Callable[[Sequence[str]], RawPage], metrics: Sequence[str],
                  rejected: RejectedScope | set[str], *, log_prefix: str = "") -> list[RawPage]:
    """Request `metrics` together; on Graph #100 ask for each one alone.

    One retired name fails the whole comma-separated request with "(#100) The value must be a
    valid insights metric" and does not say which. The single-metric retry finds it: its error
    page is returned (so normalise can name it in `notes`) and it is added to `rejected` (kept
    per account in the rejected-metrics file), so later windows and pulls skip it; the other
    metrics still load.
    """
    return fetch_dropping_rejected(request, metrics, rejected, is_rejection=is_invalid_metric,
                                   platform="Graph", log_prefix=log_prefix)


def graph_error_notes(platform: str, pages: Sequence[RawPage]) -> list[str]:
    """Notes for landed error pages: rejected metrics by name, media without insights."""
    notes = []
    for page in pages:
        error = graph_error(page.body)
        if error is None:
            continue
        metric = page.params.get("metric", "")
        if error.code == INVALID_PARAMETER_CODE and "metric" in error.message.lower() and metric:
            notes.append(f"{platform}: metric {metric} was rejected by the Graph API as not a valid "
                         f"insights metric (retired?): {error.message!r}; it was skipped, the other "
                         "metrics loaded")
        else:
            notes.append(f"{platform}: {object_id(page)}: no insights ({error.message}, code {error.code})")
    return notes


def object_id(page: RawPage) -> str:
    """The Graph node id of a page's request: `.../v25.0/<id>/insights` -> `<id>`."""
    parts = [p for p in page.endpoint.split("/") if p]
    for i, part in enumerate(parts):
        if re.fullmatch(r"v\d+\.\d+", part) and i + 1 < len(parts):
            return parts[i + 1]
    return parts[-2] if len(parts) >= 2 else ""


def edge(page: RawPage) -> str:
    """The edge of a page's request (`insights`, `posts`, `media`), or "" for the node itself."""
    parts = [p for p in page.endpoint.split("/") if p]
    node = object_id(page)
    return parts[-1] if parts and parts[-1] != node else ""


# --------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------


def served_pages(pages: Sequence[RawPage], requested: set[str]) -> Iterator[tuple[RawPage, str, str]]:
    """(page, object id, edge) of the pages Graph served (refusals are named by
    `graph_error_notes`); adds the metrics each asked for to `requested`."""
    for page in pages:
        if page.status >= 400 or graph_error(page.body) is not None:
            continue
        requested.update(filter(None, page.params.get("metric", "").split(",")))
        yield page, object_id(page), edge(page)


def parse_graph_time(text: str) -> dt.datetime:
    """Graph timestamps ("2019-04-05T07:56:32+0000") as aware UTC datetimes."""
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z").astimezone(dt.UTC)


def data_items(body: object) -> list[dict]:
    """The objects of a list response's `data` array (posts, media, insights rows)."""
    if isinstance(body, dict) and isinstance(body.get("data"), list):
        return [item for item in body["data"] if isinstance(item, dict)]
    return []


def insight_entries(body: object) -> Iterator[dict]:
    """The metric objects of an insights response's `data` list."""
    if isinstance(body, dict) and isinstance(body.get("data"), list):
        for entry in body["data"]:
            if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                yield entry


# --------------------------------------------------------------------------------------------
# Base client
# --------------------------------------------------------------------------------------------


class GraphApiClient(AccountClient):
    """What the three Meta clients share: token, HttpClient, API version, clock, history clamp.

    The constructor needs no token (replay normalises landed pages without credentials);
    `check()`/`fetch()` raise AuthError when `credentials["access_token"]` is missing.
    Options: `api_version` ("v25.0"), `timeout` ([connect, read] seconds), `max_attempts`.
    """

    def _setup(self) -> None:
        self.api_version = str(self.account.options.get("api_version") or DEFAULT_API_VERSION)
        version_number(self.api_version)  # fail early on a typo in the config
        self._client: HttpClient | None = None

    @property
    def http(self) -> HttpClient:
        """The account's HttpClient, built on first use (needs the access token)."""
        if self._client is None:
            token = self.account.credentials.get("access_token")
            if not token:
                raise AuthError(self.platform, self.account.account_id,
                                "no access token: set the environment variable named by the "
                                "account's token_env")
            extra = {k: v for k, v in (("sleep", self._sleep), ("rand", self._rand)) if v is not None}
            self._client = HttpClient(
                platform=self.platform, account_id=self.account.account_id,
                base_url=f"{(self.account.base_url or self.graph_host()).rstrip('/')}/{self.api_version}",
                auth_params={"access_token": token},
                secrets=self.account.credentials.values(),
                classify=classify_graph, rate_limits=(USAGE_HEADERS,), retry=self.retry, timeout=self.timeout,
                now=self._now, session=self._session, **extra)
        return self._client

    check_fields: ClassVar[str] = "id"  # what `check` reads of the account's node

    @property
    def node(self) -> str:
        """The account's Graph node."""
        return self.account.account_id

    def check(self) -> None:
        """Cheap probe: read the account's node (fails with AuthError on a bad token)."""
        today = self.today()
        self.http.get(self.node, {"fields": self.check_fields}, window=(today, today))

    def graph_host(self) -> str:
        """The production host; `account.base_url` (the test emulator) overrides it."""
        return GRAPH_HOST

    def live_metrics(self, table: Sequence[ApiMetric]) -> list[str]:
        """Names of the table's metrics to request today with this client's API version."""
        return [m.name for m in select_metrics(table, self.api_version, self.today())]

    def graph_notes(self, pages: Sequence[RawPage], requested: set[str], *tables: Sequence[ApiMetric]) -> list[str]:
        """Notes of a normalise: refused metrics and objects, and successor metrics in use."""
        notes = graph_error_notes(self.platform, pages)
        for table in tables:
            notes += successor_notes(self.platform, table, requested)
        return notes

    def lifetime_counters(self, page: RawPage, post_id: str, metric_by_name: Mapping[str, ApiMetric],
                          result: ParsedExport) -> None:
        """A post's (or media's) lifetime insights, as counters dated the pull day."""
        snapshot = self.local_date(page.fetched_at)
        for entry in insight_entries(page.body):
            name = entry["name"]
            metric = metric_by_name.get(name)
            values = entry.get("values") or []
            if not values:
                continue
            result.post_metrics.append(PostMetricValue(
                post_id=post_id, snapshot_date=snapshot, metric=metric.canonical if metric else None,
                source_metric=name, value=number(values[0].get("value"))))
