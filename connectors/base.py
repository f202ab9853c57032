"""The connector contract: canonical records, export formats, API clients, the registry, errors.

A connector is a plain Python object registered under a platform name. It knows nothing of
Dagster or DuckDB: it turns a native export file (or API pages) into the canonical records
below, and the pipeline lands those in the warehouse.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from importlib import import_module
from importlib.metadata import entry_points
from pathlib import Path
from typing import Protocol, TypeVar, overload, runtime_checkable

# --------------------------------------------------------------------------------------------
# Canonical metric names (columns of core.account_daily / core.post_snapshots)
# --------------------------------------------------------------------------------------------

ACCOUNT_DAILY_METRICS: tuple[str, ...] = (
    "followers",
    "followers_gained",
    "followers_lost",
    "followers_net_change",
    "impressions",
    "reach",
    "profile_visits",
    "video_views",
    "likes",
    "comments",
    "shares",
    "link_shares",
    "saves",
    "engagements",
    "platform_engagements",
    "clicks",
    "link_clicks",
    "posts_published",
)

POST_SNAPSHOT_METRICS: tuple[str, ...] = (
    "impressions",
    "reach",
    "views",
    "likes",
    "comments",
    "shares",
    "saves",
    "clicks",
)

POST_TYPES: tuple[str, ...] = (
    "post", "photo", "video", "reel", "short", "story", "carousel", "link", "text", "live",
)


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


class ConnectorError(Exception):
    """Base class of every error a connector raises on purpose."""


class ExportFileError(ConnectorError):
    """A recognised (or unrecognisable) export file that cannot be loaded; it goes to quarantine.

    The message names the file and, where known, the row and column, and says what is wrong.
    """

    def __init__(self, path: Path | str, reason: str, *, row: int | None = None,
                 column: str | None = None) -> None:
        self.path = Path(path)
        self.reason = reason
        self.row = row
        self.column = column
        where = self.path.name
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column {column!r}"
        super().__init__(f"{where}: {reason}")


class AuthError(ConnectorError):
    """Credentials are expired, revoked or missing: never retried; a person must act."""

    def __init__(self, platform: str, account_id: str, reason: str) -> None:
        self.platform = platform
        self.account_id = account_id
        super().__init__(f"re-authorise {platform} account {account_id}: {reason}")


# --------------------------------------------------------------------------------------------
# Canonical records
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccountDayValue:
    """One platform metric of one account on one reporting date.

    `metric` is the canonical column name, or None for a platform metric with no canonical
    column (X hashtag clicks, TikTok phone-number clicks...): those are kept for lineage.
    `source_metric` is the platform's own name (export header or API metric name).
    `value` is None when the platform reported a placeholder (never 0 for "no data").
    """

    date: dt.date
    metric: str | None
    source_metric: str
    value: float | None


@dataclass(frozen=True, slots=True)
class PostRecord:
    """A published post. `published_at` is timezone-aware UTC (None if the export lacks it)."""

    post_id: str
    published_at: dt.datetime | None
    post_type: str | None  # one of POST_TYPES, or None when the platform gives no type
    post_type_raw: str | None
    permalink: str | None
    title: str | None


@dataclass(frozen=True, slots=True)
class PostMetricValue:
    """A lifetime counter of one post as of `snapshot_date` (an export's date, or API pull date)."""

    post_id: str
    snapshot_date: dt.date
    metric: str | None
    source_metric: str
    value: float | None


@dataclass(frozen=True, slots=True)
class AdsDayValue:
    """Paid-media figures of one campaign on one day (core.ads_daily)."""

    date: dt.date
    campaign_id: str
    campaign_name: str | None
    currency: str | None
    metric: str  # spend | impressions | reach | clicks | conversions
    source_metric: str
    value: float | None


@dataclass(frozen=True, slots=True)
class WebDayValue:
    """Web analytics of traffic from one social platform on one day (core.web_daily)."""

    date: dt.date
    platform: str  # the social platform the sessions came from
    metric: str  # sessions | bounced_sessions | conversions | revenue
    source_metric: str
    value: float | None


@dataclass(frozen=True, slots=True)
class MentionsDayValue:
    """Mentions of a brand or competitor on one platform and day (core.mentions_daily)."""

    date: dt.date
    subject_id: str  # a brand id or competitor id from the config
    platform: str
    mentions: float | None


@dataclass(frozen=True, slots=True)
class ReviewRecord:
    review_id: str
    location_id: str | None
    created_at: dt.datetime | None
    rating: float | None
    comment: str | None


@dataclass(frozen=True, slots=True)
class SurveyResponseRecord:
    survey_id: str
    response_id: str
    responded_at: dt.datetime | None
    kind: str  # 'csat' | 'nps'
    score: float | None
    scale_max: float


R = TypeVar("R")


class RecordColumns(Sequence[R]):
    """Records of one canonical type held column-wise: one list per field.

    An API pull can hold hundreds of thousands of daily values (a year of Page Insights for
    one Page is ~40,000); building one frozen dataclass per value, then reading each back
    field by field to make a frame, was most of `socialkpi replay`'s time. A client appends
    whole columns with `extend_columns`; `ingest.records` turns them into a frame as they
    are. Everything else sees a sequence of records, equal to a list of the same records.
    """

    __slots__ = ("columns", "record_type")

    def __init__(self, record_type: type[R]) -> None:
        self.record_type = record_type
        self.columns: dict[str, list[object]] = {f.name: [] for f in fields(record_type)}

    def extend_columns(self, **columns: Sequence[object]) -> None:
        """Append rows given as one sequence per field (every field, all of one length)."""
        if columns.keys() != self.columns.keys():
            raise ValueError(f"{self.record_type.__name__} columns are {list(self.columns)}, "
                             f"not {list(columns)}")
        if len({len(values) for values in columns.values()}) > 1:
            raise ValueError(f"{self.record_type.__name__} columns of unequal length")
        for name, values in columns.items():
            self.columns[name].extend(values)

    def append(self, record: R) -> None:
        for name, values in self.columns.items():
            values.append(getattr(record, name))

    def __len__(self) -> int:
        return len(next(iter(self.columns.values())))

    @overload
    def __getitem__(self, index: int) -> R: ...

    @overload
    def __getitem__(self, index: slice) -> list[R]: ...

    def __getitem__(self, index: int | slice) -> R | list[R]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return self.record_type(*(values[index] for values in self.columns.values()))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]  # mutable, like a list

    def __repr__(self) -> str:
        return f"RecordColumns({self.record_type.__name__}, {len(self)} records)"


@dataclass
class ParsedExport:
    """Everything one export file holds, in canonical form.

    `format` names the native format recognised (e.g. "meta_daily_metric").
    `skipped_reason` is set for files that are recognised but hold no daily facts
    (Meta Audience.csv, demographics): they are recorded as skipped, not quarantined.
    `covers` is the date range the file reports on, when it says so (for counting posts).
    `notes` lists the quirks handled in this file, for the load log.
    """

    format: str
    # A list, or RecordColumns where a client normalises values by the hundred thousand.
    account_daily: list[AccountDayValue] | RecordColumns[AccountDayValue] = field(default_factory=list)
    posts: list[PostRecord] = field(default_factory=list)
    post_metrics: list[PostMetricValue] = field(default_factory=list)
    ads_daily: list[AdsDayValue] = field(default_factory=list)
    web_daily: list[WebDayValue] = field(default_factory=list)
    mentions_daily: list[MentionsDayValue] = field(default_factory=list)
    reviews: list[ReviewRecord] = field(default_factory=list)
    survey_responses: list[SurveyResponseRecord] = field(default_factory=list)
    covers: tuple[dt.date, dt.date] | None = None
    skipped_reason: str | None = None
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Export formats
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportContext:
    """What a parser may know besides the file's content.

    `export_date` is the date the file was downloaded: a date in the file name if there is
    one, else its modification time (used for year-less dates and lifetime snapshots).
    `timezone` is the account's IANA timezone, for local times without offset.
    """

    path: Path
    platform: str
    account_id: str
    timezone: str
    export_date: dt.date


@runtime_checkable
class ExportFormat(Protocol):
    """One native export format. Recognised by content (headers, title lines), never by name."""

    name: str

    def recognise(self, sheets: dict[str, list[list[str]]]) -> bool:
        """True if these sheets (see connectors.tables.read_sheets) are this format."""
        ...

    def parse(self, sheets: dict[str, list[list[str]]], ctx: ExportContext) -> ParsedExport:
        """Parse the file; raise ExportFileError naming row and column for unreadable values."""
        ...


@dataclass(frozen=True)
class PostTableLayout:
    """A per-post export's table declared as plain data, so that the landing layer can read a large
    file in bulk (ingest.bulk_posts reads it with DuckDB) while the connector knows nothing of how.

    Positions are 0-based columns of the header row. The format's own `parse` stays the reference:
    the bulk reader hands it every row whose cells it cannot read exactly as `parse` would.
    """

    header_index: int  # 0-based row of the header among the file's rows
    width: int  # cells in the header row
    post_id: int
    published_local: int  # "MM/DD/YYYY HH:MM" in the account's timezone (empty: no time)
    permalink: int
    post_type: int
    post_types: tuple[tuple[str, str], ...]  # (casefolded platform type, canonical type)
    period: int
    period_value: str  # the only accepted period, casefolded ("lifetime")
    title_columns: tuple[int, ...]  # the title: first non-empty line of the first non-empty cell
    metrics: tuple[tuple[int, str, str | None], ...]  # (position, header as source_metric, metric)
    notes: tuple[str, ...]  # what the header alone tells (duplicate columns, lineage-only columns)


@dataclass(frozen=True)
class DailyInsightsLayout:
    """An API client's daily insights pages declared as plain data, so that `socialkpi replay` can
    read their values in bulk (ingest.api_insights reads them with DuckDB) while the connector
    knows nothing of how. A client declares it as its `daily_insights` attribute.

    The pages: status below 400, an endpoint matching `endpoint` in full (a regular expression;
    `{account_id}` stands for the escaped account id), params a JSON object. Their body:
    `{"data": [{"name": <metric>, "values": [{"value": <number | null>, "end_time": "YYYY-MM-DD..."}]}]}`,
    or `{"error": {...}}` (no values). Each value becomes one AccountDayValue dated the `end_time`
    date plus `day_offset` days, kept if that day lies in the page's window; a breakdown (an object
    value) is left out; `metrics` maps a name to its canonical metric (None for an unknown name).
    Such a page's records depend on no other page of the pull, and the pull's other pages yield
    the same records without it. The client's `normalise` stays the reference: pages the bulk
    reader cannot read exactly as it would go to it.
    """

    endpoint: str
    metrics: tuple[tuple[str, str | None], ...]  # (platform metric name, canonical metric)
    day_offset: int


# --------------------------------------------------------------------------------------------
# Connectors and the registry
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Connector:
    """A platform: its export formats and (optionally) its native API client factory.

    `api` builds the API client of one configured account (`api(account) -> ApiClient`);
    None for export-only platforms. Built-in connectors name their formats and client by module
    (`ExportFormats`, `ApiClass`), so that loading the registry imports no parser and no HTTP stack.
    """

    platform: str
    export_formats: Sequence[ExportFormat] = ()
    aliases: tuple[str, ...] = ()
    api: Callable[[ApiAccount], ApiClient] | None = None
    lookback_days: int = 3

    def recognise(self, sheets: dict[str, list[list[str]]]) -> ExportFormat | None:
        for fmt in self.export_formats:
            if fmt.recognise(sheets):
                return fmt
        return None


@dataclass(frozen=True)
class ExportFormats(Sequence[ExportFormat]):
    """A platform's export formats: the EXPORT_FORMATS tuple of `module`, imported when first read.

    A connector's `export_formats`: the registry is loaded with every Dagster definitions load,
    which needs no parser. Plain data, so a connector still pickles to a worker process.
    """

    module: str

    def _formats(self) -> tuple[ExportFormat, ...]:
        return import_module(self.module).EXPORT_FORMATS

    @overload
    def __getitem__(self, index: int) -> ExportFormat: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[ExportFormat, ...]: ...

    def __getitem__(self, index: int | slice) -> ExportFormat | tuple[ExportFormat, ...]:
        return self._formats()[index]

    def __iter__(self) -> Iterator[ExportFormat]:
        return iter(self._formats())

    def __len__(self) -> int:
        return len(self._formats())


@dataclass(frozen=True)
class ApiClass:
    """An API client class named by module and class, imported when the first client is built.

    A connector's `api` factory: the registry is loaded with every Dagster definitions load,
    while the client modules import requests, urllib3 and tenacity, which only a pull needs.
    Plain data, so a connector still pickles to a worker process.
    """

    module: str
    name: str

    def __call__(self, account: ApiAccount) -> ApiClient:
        client_class: Callable[[ApiAccount], ApiClient] = getattr(import_module(self.module), self.name)
        return client_class(account)


ENTRY_POINT_GROUP = "socialkpi.connectors"


def load_connectors(extra: Iterable[Connector] = ()) -> dict[str, Connector]:
    """All connectors registered in the `socialkpi.connectors` entry-point group, by platform.

    Aliases (twitter -> x) map to the same connector. Third-party packages add platforms by
    declaring an entry point; no core file changes.
    """
    registry: dict[str, Connector] = {}
    found = [ep.load() for ep in entry_points(group=ENTRY_POINT_GROUP)]
    for connector in [*found, *extra]:
        if not isinstance(connector, Connector):
            raise TypeError(f"entry point in {ENTRY_POINT_GROUP} is not a Connector: {connector!r}")
        registry[connector.platform] = connector
        for alias in connector.aliases:
            registry[alias] = connector
    return registry


# --------------------------------------------------------------------------------------------
# Native API face
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiAccount:
    """One configured account as an API client sees it.

    `credentials` holds values read from the environment variables the config names (tokens,
    refresh tokens, client ids); they must never reach logs, errors, metadata or the warehouse.
    `base_url` overrides the platform host (the local emulators in tests/fakes use it).
    """

    platform: str
    account_id: str
    timezone: str
    credentials: dict[str, str] = field(default_factory=dict, repr=False)
    base_url: str | None = None
    options: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class RawPage:
    """One API response as landed in raw.api_pages: the request without secrets, and the body."""

    endpoint: str  # request URL with every secret redacted
    params: dict[str, str]  # query parameters with every secret redacted
    status: int
    body: object  # decoded JSON
    fetched_at: dt.datetime  # UTC
    window_start: dt.date
    window_end: dt.date


@runtime_checkable
class ApiClient(Protocol):
    """The API face of a connector for one account.

    `fetch` does the network work; `normalise` is pure, so `socialkpi replay` re-normalises
    landed pages without any network call. `check` is a cheap credential probe.
    """

    platform: str
    history_days: int | None  # how far back the API serves data (None: unlimited)
    lookback_days: int  # recent days the platform restates; re-pulled every night

    def check(self) -> None: ...

    def fetch(self, start: dt.date, end: dt.date) -> list[RawPage]:
        """Pages for the inclusive date window, following paging to the end."""
        ...

    def normalise(self, pages: list[RawPage]) -> ParsedExport:
        """Canonical records from pages; `notes` names retired metrics and partial errors."""
        ...
