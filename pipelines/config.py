"""socialkpi.yaml: load, validate, resolve paths.

The config names environment variables for secrets, never their values. Unknown keys are an
error (they are usually typos); every error names the file, the key and what is wrong.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from connectors.base import load_connectors
from transforms.catalogue import KPI_BY_NAME
from warehouse.connection import DUCKLAKE_PREFIX, DuckLake, parse_target

CONFIG_ENV = "SOCIALKPI_CONFIG"
WAREHOUSE_ENV = "SOCIALKPI_WAREHOUSE"
WAREHOUSE_DATA_PATH_ENV = "SOCIALKPI_WAREHOUSE_DATA_PATH"
EXPORTS_DIR_ENV = "SOCIALKPI_EXPORTS_DIR"
DEFAULT_CONFIG = "socialkpi.yaml"


class ConfigError(Exception):
    """A config problem, worded for the person who edits the file."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown timezone {value!r} (use an IANA name such as 'Europe/Berlin')") from exc
    return value


def _check_account_id(value: str) -> str:
    """An account id names its drop folder (<exports_dir>/<platform>/<account_id>/), so it must be one
    plain folder name: a '/' or '..' would point the folder elsewhere, and a hidden (leading '.')
    folder is never scanned. 'all' is reserved for the rollup rows of kpi.daily."""
    if value in (".", "..") or value.startswith("."):
        raise ValueError(f"account_id {value!r} must not start with '.' (it names a folder of the drop folder)")
    if "/" in value or "\\" in value:
        raise ValueError(f"account_id {value!r} must not contain '/' or '\\' (it names one folder)")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError(f"account_id {value!r} must not contain control characters")
    if value != value.strip():
        raise ValueError(f"account_id {value!r} must not start or end with spaces")
    if value == "all":
        raise ValueError("account_id 'all' is reserved for the rollup rows of kpi.daily")
    return value


# Platforms whose public endpoints serve a competitor's followers and posts (docs/api.md).
COMPETITOR_PLATFORMS = ("instagram", "youtube", "x")


class CompetitorAccount(_Strict):
    """A competitor's account, pulled through the platform's public endpoints (docs/api.md).

    `handle` (Instagram username, X handle, YouTube handle) or, for YouTube, the channel `id`.
    `token_env`: Instagram: the brand's own token (default: that of the `via` account); YouTube: an
    API key; X: an app-only bearer token. `via` (Instagram): the brand's own IG account that asks
    Business Discovery (default: the brand's only Instagram account with a token_env).
    """

    platform: str
    handle: str | None = None
    id: str | None = None
    token_env: str | None = None
    via: str | None = None
    api_base_url: str | None = None
    api_options: dict[str, Any] = {}

    @field_validator("id", "handle", "via", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value

    @model_validator(mode="after")
    def _one_identity(self) -> CompetitorAccount:
        if (self.handle is None) == (self.id is None):
            raise ValueError("give exactly one of handle or id")
        if self.id is not None and self.platform != "youtube":
            raise ValueError(f"{self.platform}: public endpoints look accounts up by handle; give handle")
        _check_account_id(self.account_id)
        return self

    @property
    def account_id(self) -> str:
        """The account's id in the warehouse and drop folder: the handle without '@', or the id."""
        return self.id if self.id is not None else str(self.handle).lstrip("@")


class Competitor(_Strict):
    id: str = Field(min_length=1)
    name: str
    mention_keywords: list[str] = []
    accounts: list[CompetitorAccount] = []


class Brand(_Strict):
    id: str = Field(min_length=1)
    name: str
    mention_keywords: list[str] = []
    competitors: list[Competitor] = []


class Account(_Strict):
    platform: str
    account_id: str = Field(min_length=1)
    brand: str
    name: str | None = None
    timezone: str | None = None
    followers_on: dict[dt.date, int] = {}
    token_env: str | None = None
    # Other secrets (refresh tokens, client ids) by role: {"refresh_token": "ACME_X_REFRESH"}.
    credentials_env: dict[str, str] = {}
    # Host override, e.g. a proxy or the local API emulator.
    api_base_url: str | None = None
    # Connector options, documented per platform in docs/api.md (e.g. location_ids for Google
    # Business Profile, api_version for LinkedIn, conversion_action_types for Meta Ads).
    api_options: dict[str, Any] = {}

    @field_validator("account_id", mode="before")
    @classmethod
    def _id_as_text(cls, value: Any) -> Any:
        # YAML reads unquoted numeric ids (Meta, X) as int; ids are always text.
        return str(value) if isinstance(value, int) else value

    @field_validator("account_id")
    @classmethod
    def _id_is_a_folder_name(cls, value: str) -> str:
        return _check_account_id(value)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        return None if value is None else _check_timezone(value)


class TargetScope(_Strict):
    brand: str
    platform: str = "all"
    account_id: str = "all"


class Target(_Strict):
    id: str = Field(min_length=1)
    kpi: str
    scope: TargetScope
    target: float
    start: dt.date
    due: dt.date
    direction: Literal["increase", "decrease"] | None = None

    @model_validator(mode="after")
    def _dates(self) -> Target:
        if self.due <= self.start:
            raise ValueError(f"due ({self.due}) must be after start ({self.start})")
        return self


class Schedule(_Strict):
    hour: int = Field(default=4, ge=0, le=23)
    minute: int = Field(default=0, ge=0, le=59)


class Checks(_Strict):
    """Thresholds of the data-quality checks (pipelines/checks.py)."""

    # A day-over-day change of followers larger than this share of the previous day's count is
    # flagged (WARN): usually a broken export or a follower count from the wrong account.
    followers_jump_share: float = Field(default=0.5, gt=0)
    # Freshness deadline = the nightly schedule time + this many hours (capped at 23:59).
    freshness_grace_hours: int = Field(default=2, ge=0, le=23)


def _check_currency_code(value: str) -> str:
    if len(value) != 3 or not value.isalpha() or not value.isupper():
        raise ValueError(f"{value!r} is not an ISO 4217 currency code (three capital letters, e.g. 'EUR')")
    return value


class Currency(_Strict):
    """Money KPIs (cpc, cpm, roi) are reported in `reporting`; other currencies convert with `rates`."""

    reporting: str = "EUR"
    # Units of the reporting currency per unit of the key currency: {"USD": 0.92}.
    rates: dict[str, float] = {}
    # Currency of each web property's revenue, by its account_id (GA4 exports do not state it);
    # properties not listed report revenue in the reporting currency.
    web_revenue: dict[str, str] = {}

    @field_validator("reporting")
    @classmethod
    def _reporting_code(cls, value: str) -> str:
        return _check_currency_code(value)

    @field_validator("rates")
    @classmethod
    def _rate_codes(cls, value: dict[str, float]) -> dict[str, float]:
        for code, rate in value.items():
            _check_currency_code(code)
            if not rate > 0:
                raise ValueError(f"rate of {code} must be a positive number of reporting-currency units per 1 {code}")
        return value

    @field_validator("web_revenue")
    @classmethod
    def _revenue_codes(cls, value: dict[str, str]) -> dict[str, str]:
        for code in value.values():
            _check_currency_code(code)
        return value

    @model_validator(mode="after")
    def _reporting_rate(self) -> Currency:
        if self.reporting in self.rates and self.rates[self.reporting] != 1:
            raise ValueError(f"rates.{self.reporting}: the reporting currency converts at 1, not "
                             f"{self.rates[self.reporting]}")
        return self


ALERT_SCOPES = ("account", "platform", "brand")
TARGET_ALERT_STATUSES = ("behind", "off_track")


class SlackChannel(_Strict):
    """A Slack incoming webhook; the URL is a secret, so the config names its environment variable."""

    webhook_url_env: str = Field(min_length=1)


class EmailChannel(_Strict):
    """An SMTP account; the password (if the server wants a login) comes from `password_env`."""

    host: str = Field(min_length=1)
    port: int = Field(default=587, ge=1, le=65535)
    # "starttls" (port 587), "ssl" (port 465) or "none" (a local relay).
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str | None = None
    password_env: str | None = None
    from_: str = Field(alias="from", min_length=3)
    to: list[str] = Field(min_length=1)
    timeout_seconds: float = Field(default=30, gt=0)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _login(self) -> EmailChannel:
        if self.username and not self.password_env:
            raise ValueError("username is set but password_env is not (name the variable that holds the password)")
        return self


class AlertChannels(_Strict):
    slack: SlackChannel | None = None
    email: EmailChannel | None = None


class AnomalyRule(_Strict):
    """Anomalies of kpi.baselines worth telling people about: chosen KPIs and scopes, and big enough."""

    kpis: list[str] = Field(min_length=1)
    # account rows, per-platform rollups (account_id = 'all'), the brand rollup (platform = 'all')
    scopes: list[Literal["account", "platform", "brand"]] = Field(default=list(ALERT_SCOPES), min_length=1)
    min_robust_z: float = Field(default=3.5, ge=0)
    # |value - median_28d| at least this much, in the KPI's unit (filters big z on tiny counts)
    min_abs_change: float = Field(default=0, ge=0)


class TargetRule(_Strict):
    statuses: list[Literal["behind", "off_track"]] = Field(default=list(TARGET_ALERT_STATUSES), min_length=1)


class ApiAccountRule(_Strict):
    """An API account whose pull failed, or whose newest API data is `stale_days` or more old."""

    failing: bool = True
    stale_days: int = Field(default=3, ge=1)


class QuarantineRule(_Strict):
    enabled: bool = True


class AlertRules(_Strict):
    anomalies: AnomalyRule | None = None
    targets: TargetRule | None = None
    api_accounts: ApiAccountRule | None = None
    quarantine: QuarantineRule | None = None


class Alerts(_Strict):
    """Where alerts go and which conditions raise them (docs/alerts.md)."""

    channels: AlertChannels
    rules: AlertRules
    # A channel whose deliveries failed on this many ticks in a row is reported (log and
    # meta.load_log) on every further failure; it is retried on every tick regardless.
    report_failing_after: int = Field(default=3, ge=1)
    # Failed deliveries older than this are no longer retried (a week-old digest helps no one).
    retry_days: int = Field(default=3, ge=1)
    # How often the alert sensor ticks (it evaluates after each finished refresh run and retries).
    sensor_interval_seconds: int = Field(default=60, ge=30)

    @field_validator("rules")
    @classmethod
    def _known_kpis(cls, value: AlertRules) -> AlertRules:
        if value.anomalies is not None:
            for kpi in value.anomalies.kpis:
                if kpi not in KPI_BY_NAME:
                    raise ValueError(f"anomalies.kpis: unknown KPI {kpi!r} (KPIs: {', '.join(KPI_BY_NAME)})")
        return value

    @model_validator(mode="after")
    def _has_channel(self) -> Alerts:
        if self.channels.slack is None and self.channels.email is None:
            raise ValueError("channels: name at least one channel (slack or email)")
        return self


class Config(_Strict):
    timezone: str = "UTC"
    start_date: dt.date
    # A DuckDB file, or `ducklake:<catalog>` with warehouse_data_path (docs/scaling.md).
    warehouse: str = "data/warehouse.duckdb"
    warehouse_data_path: str | None = None
    analytics_snapshot: Path = Path("data/analytics.duckdb")
    exports_dir: Path = Path("data/exports")
    lookback_days: int = Field(default=3, ge=0, le=90)
    schedule: Schedule = Schedule()
    checks: Checks = Checks()
    currency: Currency = Currency()
    brands: list[Brand] = Field(min_length=1)
    accounts: list[Account] = []
    targets: list[Target] = []
    alerts: Alerts | None = None
    # Where this config was read from; relative paths above are resolved against its folder.
    source: Path = Field(default=Path(DEFAULT_CONFIG), exclude=True)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        return _check_timezone(value)

    @field_validator("warehouse")
    @classmethod
    def _warehouse(cls, value: str) -> str:
        parse_target(value)  # a DuckLake without its catalog is an error
        return value

    @model_validator(mode="after")
    def _data_path(self) -> Config:
        if self.warehouse_data_path is not None and not self.warehouse.startswith(DUCKLAKE_PREFIX):
            raise ValueError("warehouse_data_path: only for a DuckLake warehouse (warehouse: \"ducklake:...\")")
        return self

    @model_validator(mode="after")
    def _references(self) -> Config:
        registry = load_connectors()
        brand_ids = [b.id for b in self.brands]
        subject_ids = brand_ids + [c.id for b in self.brands for c in b.competitors]
        _no_duplicates("brands", subject_ids)
        # Competitor accounts join `accounts` under the competitor's id (is_competitor, never in
        # the brand's rollups), pulled through public endpoints with the brand's credentials.
        object.__setattr__(self, "accounts", [*self.accounts, *self._competitor_accounts(registry)])
        seen: set[tuple[str, str]] = set()
        for i, account in enumerate(self.accounts):
            if not registry:  # entry points come from the installed package metadata
                raise ValueError(f"accounts[{i}].platform: no connectors are registered: the socialkpi "
                                 "package is not installed in this Python (run `make install` or "
                                 "`pip install -e .`)")
            if account.platform not in registry:
                raise ValueError(f"accounts[{i}].platform: unknown platform {account.platform!r} "
                                 f"(known: {', '.join(sorted(registry))})")
            # A competitor's own accounts name the competitor id (core.accounts.is_competitor).
            if account.brand not in subject_ids:
                raise ValueError(f"accounts[{i}].brand: unknown brand {account.brand!r} "
                                 f"(brands and competitors: {', '.join(subject_ids)})")
            key = (registry[account.platform].platform, account.account_id)
            if key in seen:
                raise ValueError(f"accounts[{i}]: account {key[0]}/{key[1]} is listed twice")
            seen.add(key)
        _no_duplicates("targets", [t.id for t in self.targets])
        for i, target in enumerate(self.targets):
            if target.scope.brand not in brand_ids:
                raise ValueError(f"targets[{i}].scope.brand: unknown brand {target.scope.brand!r}")
            if target.kpi not in KPI_BY_NAME:
                raise ValueError(f"targets[{i}].kpi: unknown KPI {target.kpi!r} (KPIs: {', '.join(KPI_BY_NAME)})")
        return self

    def _competitor_accounts(self, registry: dict[str, Any]) -> list[Account]:
        """`brands[].competitors[].accounts` as accounts of the competitor (validated here, where the
        brand's own accounts are known)."""
        resolved = []
        for b, brand in enumerate(self.brands):
            for c, competitor in enumerate(brand.competitors):
                for i, entry in enumerate(competitor.accounts):
                    where = f"brands[{b}].competitors[{c}].accounts[{i}]"
                    connector = registry.get(entry.platform)
                    if connector is None or connector.platform not in COMPETITOR_PLATFORMS:
                        raise ValueError(f"{where}.platform: {entry.platform!r} has no public endpoints here "
                                         f"(competitor platforms: {', '.join(COMPETITOR_PLATFORMS)})")
                    platform = connector.platform
                    option: dict[str, str] = {"lookup": "id" if entry.id is not None else "handle"}
                    token_env, base_url = entry.token_env, entry.api_base_url
                    if platform == "instagram":
                        via = self._via_account(brand.id, entry.via, where)
                        option["via"] = via.account_id
                        token_env = token_env or via.token_env
                        base_url = base_url or via.api_base_url
                    resolved.append(Account(
                        platform=platform, account_id=entry.account_id, brand=competitor.id,
                        name=f"{competitor.name} ({entry.handle or entry.id})", token_env=token_env,
                        api_base_url=base_url, api_options={**entry.api_options, "competitor": option}))
        return resolved

    def _via_account(self, brand: str, via: str | None, where: str) -> Account:
        own = [a for a in self.accounts if a.brand == brand and a.platform == "instagram"
               and (a.account_id == via if via else a.token_env)]
        if len(own) != 1:
            wanted = f"instagram account {via!r} of brand {brand!r}" if via else \
                f"exactly one instagram account of brand {brand!r} with a token_env ({len(own)} found)"
            raise ValueError(f"{where}.via: Business Discovery asks through the brand's own Instagram "
                             f"account; need {wanted} (name it with via)")
        return own[0]

    # ---- resolved views ---------------------------------------------------------------------

    @property
    def base_dir(self) -> Path:
        return self.source.resolve().parent

    def _path(self, value: Path, env: str) -> Path:
        override = os.environ.get(env)
        path = Path(override) if override else value
        return path if path.is_absolute() else self.base_dir / path

    @property
    def warehouse_target(self) -> Path | DuckLake:
        """What warehouse.connection.connect opens: the DuckDB file, or the DuckLake."""
        value = os.environ.get(WAREHOUSE_ENV) or self.warehouse
        if not value.startswith(DUCKLAKE_PREFIX):
            return self._path(Path(value), WAREHOUSE_ENV)
        data_path = os.environ.get(WAREHOUSE_DATA_PATH_ENV) or self.warehouse_data_path
        if data_path and "://" not in data_path:  # a shared folder; s3:// and friends stay as they are
            folder = Path(data_path) if Path(data_path).is_absolute() else self.base_dir / data_path
            data_path = str(folder) + "/"
        return parse_target(value, data_path)

    @property
    def warehouse_path(self) -> Path:
        """The DuckDB file of the embedded warehouse (a DuckLake has none: use warehouse_target)."""
        target = self.warehouse_target
        if isinstance(target, DuckLake):
            raise ConfigError(f"{self.source}: warehouse: {target} is a DuckLake, not a DuckDB file")
        return target

    @property
    def local_dir(self) -> Path:
        """The folder of this machine's state (Dagster instance, OAuth token cache): beside the
        DuckDB file, or beside the analysts' snapshot when the warehouse is a DuckLake."""
        target = self.warehouse_target
        return (self.snapshot_path if isinstance(target, DuckLake) else target).parent

    @property
    def analytics_target(self) -> Path | DuckLake:
        """What analysts open: the snapshot file, or on a DuckLake the lake itself (read-only, at
        the snapshot the last run published: warehouse/snapshot.py)."""
        target = self.warehouse_target
        return target if isinstance(target, DuckLake) else self.snapshot_path

    @property
    def exports_path(self) -> Path:
        return self._path(self.exports_dir, EXPORTS_DIR_ENV)

    @property
    def snapshot_path(self) -> Path:
        return self._path(self.analytics_snapshot, "SOCIALKPI_ANALYTICS_SNAPSHOT")

    def platform_of(self, name: str) -> str:
        """Canonical platform name for a name or alias (twitter -> x)."""
        return load_connectors()[name].platform

    def account_timezone(self, account: Account) -> str:
        return account.timezone or self.timezone


def _no_duplicates(what: str, ids: list[str]) -> None:
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"{what}: id {dupes[0]!r} is used twice")


def config_path() -> Path:
    return Path(os.environ.get(CONFIG_ENV, DEFAULT_CONFIG))


def load_config(path: Path | None = None) -> Config:
    """Read and validate a config file; ConfigError names the file, the key and the problem."""
    path = Path(path) if path is not None else config_path()
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found (run `socialkpi init`, or set {CONFIG_ENV})")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    try:
        config = Config.model_validate({**data, "source": path})
    except ValidationError as exc:
        raise ConfigError(_describe(path, exc)) from None
    return config


def _describe(path: Path, exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        key = ".".join(str(p) for p in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key (check the spelling; see `socialkpi init` for every key)"
        elif error["type"] == "missing":
            message = "required key is missing"
        problems.append(f"{path}: {key}: {message}" if key else f"{path}: {message}")
    return "\n".join(problems)
