"""Asset checks: data quality of core.account_daily and kpi.daily, and freshness of the partitions.

Attached by asset key, so the assets' module stays the assets' own. The checks look at the
run's partition range (the days the run just rebuilt) when there is one, else at the whole
table. They read through a read-only connection in the `duckdb_writer` pool: a reader and a
writer of the same DuckDB file in two processes would lock each other out.

Severity: an impossible negative count (impressions, reach, followers...) is corrupt input that
would flow into every KPI, so that check is blocking (the run stops before kpi_daily). Negative
daily likes, comments, shares or saves are real platform data (TikTok Studio nets out deleted
comments): kept as reported, they only warn, since nobody can fix them by re-downloading.
Jumps in followers and missing latest days are often
real (a viral day, an export not downloaded yet), so they warn. A KPI outside its bounds is an
ERROR but does not block: the analysts' snapshot still publishes, with the check red in the UI.
"""


import datetime as dt
import re
import warnings
from collections.abc import Mapping, Sequence

import dagster as dg

from pipelines.assets import DUCKDB_POOL
from pipelines.config import Config
from pipelines.resources import SocialKpi
from pipelines.run_summary import run_window
from transforms.catalogue import KPIS
from warehouse import checks as quality
from warehouse.connection import connect, exists

CORE_ACCOUNT_DAILY = dg.AssetKey("core_account_daily")
KPI_DAILY = dg.AssetKey("kpi_daily")

# Bounds of each KPI's value in kpi.daily, (low, high), None = open: transforms/catalogue.py declares
# them with each KPI (Kpi.bounds), so adding a KPI touches the catalogue only.
KPI_BOUNDS: dict[str, tuple[float | None, float | None]] = {k.name: k.bounds for k in KPIS}


def check_window(context: dg.AssetCheckExecutionContext) -> tuple[dt.date | None, dt.date | None]:
    """Inclusive dates the run rebuilt (its partition range), or (None, None) for the whole table.

    The checks are not partitioned themselves, so the range is read from the run's tags (a range
    run) or its partition key (a one-day run).
    """
    return run_window(context.run.tags)


def _table(findings: quality.Findings) -> dg.MetadataValue:
    header = "| " + " | ".join(findings.columns) + " |\n|" + "---|" * len(findings.columns) + "\n"
    body = "".join("| " + " | ".join(str(v) for v in row) + " |\n" for row in findings.rows)
    return dg.MetadataValue.md(header + body if findings.rows else "none")


def _metadata(findings: quality.Findings, start: dt.date | None, end: dt.date | None) -> dict[str, dg.MetadataValue]:
    return {"window": dg.MetadataValue.text(f"{start} .. {end}" if start else "whole table"),
            "violations": dg.MetadataValue.int(findings.total),
            "examples": _table(findings)}


def _warehouse_missing(socialkpi: SocialKpi, check_name: str) -> dg.AssetCheckResult | None:
    path = socialkpi.config.warehouse_target
    if exists(path):
        return None
    return dg.AssetCheckResult(check_name=check_name, passed=False,
                               description=f"no warehouse at {path}: materialise the assets first")


def build_quality_checks() -> list[dg.AssetChecksDefinition]:
    """The data-quality checks on core_account_daily and kpi_daily."""

    @dg.asset_check(asset=CORE_ACCOUNT_DAILY, blocking=True, pool=DUCKDB_POOL,
                    description="No impossible negative count in core.account_daily (impressions, reach, "
                                "followers, views...: every numeric column except followers_net_change and "
                                "the interactions platforms report net of deletions). Blocking: a corrupt "
                                "count would flow into every KPI.")
    def non_negative_counts(context: dg.AssetCheckExecutionContext, socialkpi: SocialKpi) -> dg.AssetCheckResult:
        missing = _warehouse_missing(socialkpi, "non_negative_counts")
        if missing:
            return missing
        start, end = check_window(context)
        with connect(socialkpi.config.warehouse_target, read_only=True) as con:
            findings = quality.negative_counts(con, start, end)
        return dg.AssetCheckResult(passed=findings.ok, metadata=_metadata(findings, start, end),
                                   description=None if findings.ok else
                                   f"{findings.total} negative counts that no platform reports (see examples): "
                                   "the file or parser is wrong; replace the export files of those days")

    @dg.asset_check(asset=CORE_ACCOUNT_DAILY, pool=DUCKDB_POOL,
                    description="Negative daily likes, comments, shares or saves (TikTok Studio reports "
                                "deletions this way): kept as the platform reported them (WARN).")
    def reported_negative_counts(context: dg.AssetCheckExecutionContext,
                                 socialkpi: SocialKpi) -> dg.AssetCheckResult:
        missing = _warehouse_missing(socialkpi, "reported_negative_counts")
        if missing:
            return missing
        start, end = check_window(context)
        with connect(socialkpi.config.warehouse_target, read_only=True) as con:
            findings = quality.reported_negatives(con, start, end)
        return dg.AssetCheckResult(passed=findings.ok, severity=dg.AssetCheckSeverity.WARN,
                                   metadata=_metadata(findings, start, end),
                                   description=None if findings.ok else
                                   f"{findings.total} negative interaction counts as the platform reported them "
                                   "(deletions); kept, nothing to fix")

    @dg.asset_check(asset=CORE_ACCOUNT_DAILY, pool=DUCKDB_POOL,
                    description="Followers do not move day over day by more than `checks.followers_jump_share` "
                                "(default 50 %) of the previous day's count (WARN).")
    def followers_continuity(context: dg.AssetCheckExecutionContext, socialkpi: SocialKpi) -> dg.AssetCheckResult:
        missing = _warehouse_missing(socialkpi, "followers_continuity")
        if missing:
            return missing
        start, end = check_window(context)
        share = socialkpi.config.checks.followers_jump_share
        with connect(socialkpi.config.warehouse_target, read_only=True) as con:
            findings = quality.follower_jumps(con, start, end, share)
        return dg.AssetCheckResult(passed=findings.ok, severity=dg.AssetCheckSeverity.WARN,
                                   metadata={**_metadata(findings, start, end),
                                             "max_share": dg.MetadataValue.float(share)})

    @dg.asset_check(asset=CORE_ACCOUNT_DAILY, pool=DUCKDB_POOL,
                    description="Every account of the config has data on the latest day (the run's last "
                                "day, else the table's) (WARN).")
    def accounts_have_latest_day(context: dg.AssetCheckExecutionContext, socialkpi: SocialKpi) -> dg.AssetCheckResult:
        missing = _warehouse_missing(socialkpi, "accounts_have_latest_day")
        if missing:
            return missing
        config = socialkpi.config
        accounts = [(config.platform_of(a.platform), a.account_id) for a in config.accounts]
        _, end = check_window(context)
        with connect(config.warehouse_target, read_only=True) as con:
            day = end or quality.latest_day(con)
            if day is None:
                return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN,
                                           description="core.account_daily is empty")
            findings = quality.accounts_without_day(con, accounts, day)
        return dg.AssetCheckResult(
            passed=findings.ok, severity=dg.AssetCheckSeverity.WARN,
            description=None if findings.ok else f"{findings.total} of {len(accounts)} accounts have no data on {day}",
            metadata={"day": dg.MetadataValue.text(day.isoformat()),
                      "accounts_without_data": dg.MetadataValue.int(findings.total),
                      "accounts": _table(findings)})

    @dg.asset_check(asset=KPI_DAILY, pool=DUCKDB_POOL,
                    description="Every kpi.daily value is finite and within its KPI's bounds (percent shares "
                                "0-100, rates >= 0, nps -100..100, ...; see KPI_BOUNDS in pipelines/checks.py).")
    def kpis_within_bounds(context: dg.AssetCheckExecutionContext, socialkpi: SocialKpi) -> dg.AssetCheckResult:
        missing = _warehouse_missing(socialkpi, "kpis_within_bounds")
        if missing:
            return missing
        start, end = check_window(context)
        with connect(socialkpi.config.warehouse_target, read_only=True) as con:
            findings = quality.kpis_out_of_bounds(con, start, end, KPI_BOUNDS)
            unbounded = [k for k in quality.kpis_in_table(con, start, end) if k not in KPI_BOUNDS]
        return dg.AssetCheckResult(passed=findings.ok, metadata={
            **_metadata(findings, start, end),
            "kpis_without_bounds": dg.MetadataValue.text(", ".join(unbounded) or "none")})

    return [non_negative_counts, reported_negative_counts, followers_continuity, accounts_have_latest_day,
            kpis_within_bounds]


def api_fresh_check_name(account_id: str, taken: set[str]) -> str:
    """`api_fresh_<account id>`, reduced to the letters, digits and underscores a check name allows."""
    name = "api_fresh_" + re.sub(r"[^A-Za-z0-9_]", "_", account_id)
    while name in taken:  # "acme.tt" and "acme_tt" on one platform
        name += "_"
    taken.add(name)
    return name


def build_api_freshness_checks(config: Config, platform_of: Mapping[str, str]) -> list[dg.AssetChecksDefinition]:
    """One check per API account (token_env or credentials_env), on its platform's `<platform>_api` asset.

    Fails when the account has no API data within `lookback_days` of the run's last day (the
    table's, without a range): a token variable gone missing or a revoked token stops an account
    being pulled while the run stays green, and the UI shows which account went stale. ERROR, not
    blocking: the other accounts' KPIs publish. `platform_of` maps a config platform name to its
    connector's (`twitter` -> `x`).
    """
    checks: list[dg.AssetChecksDefinition] = []
    taken: dict[str, set[str]] = {}
    for account in config.accounts:
        if not (account.token_env or any(account.credentials_env.values())):
            continue
        platform = platform_of[account.platform]
        name = api_fresh_check_name(account.account_id, taken.setdefault(platform, set()))
        checks.append(_api_freshness_check(platform, account.account_id, name))
    return checks


def _api_freshness_check(platform: str, account_id: str, name: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=dg.AssetKey(f"{platform}_api"), name=name, pool=DUCKDB_POOL,
                    description=f"{platform} account {account_id} has API data within `lookback_days` of the "
                                "latest day: fails when it stops being pulled (token variable missing, token "
                                "revoked). ERROR, not blocking.")
    def api_fresh(context: dg.AssetCheckExecutionContext, socialkpi: SocialKpi) -> dg.AssetCheckResult:
        missing = _warehouse_missing(socialkpi, name)
        if missing:
            return missing
        config = socialkpi.config
        _, end = check_window(context)
        with connect(config.warehouse_target, read_only=True) as con:
            day = end or quality.latest_day(con) or dt.date.today()
            since = day - dt.timedelta(days=config.lookback_days)
            findings = quality.stale_api_accounts(con, [(platform, account_id)], since)
        metadata = {"account": dg.MetadataValue.text(f"{platform}/{account_id}"),
                    "since": dg.MetadataValue.text(since.isoformat())}
        if findings.ok:
            return dg.AssetCheckResult(passed=True, metadata=metadata)
        last = findings.rows[0][2]
        return dg.AssetCheckResult(
            passed=False,
            description=f"{platform}/{account_id} has no API data since {since} (last: {last or 'never'})",
            metadata={**metadata, "last_api_date": dg.MetadataValue.text(str(last) if last else "never")})

    return api_fresh


def freshness_deadline_cron(config: Config) -> str:
    """The nightly schedule time plus `checks.freshness_grace_hours`, capped at 23:59 of the same day
    (a deadline after midnight would expect the next day's partition)."""
    hour = config.schedule.hour + config.checks.freshness_grace_hours
    if hour > 23:
        return "59 23 * * *"
    return f"{config.schedule.minute} {hour} * * *"


def build_freshness_checks(config: Config, partitioned: Sequence[dg.AssetKey]) -> list[dg.AssetChecksDefinition]:
    """Yesterday's partition of each partitioned asset exists by the deadline (WARN).

    Dagster marks these checks superseded by FreshnessPolicy, but a policy judges the asset's last
    update, not whether yesterday's partition exists, which is the question here.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.SupersessionWarning)
        return list(dg.build_time_partition_freshness_checks(
            assets=list(partitioned), deadline_cron=freshness_deadline_cron(config), timezone=config.timezone))


def build_freshness_sensor(freshness_checks: Sequence[dg.AssetChecksDefinition]) -> dg.SensorDefinition:
    """Evaluates the freshness checks on its own (they read Dagster's event log, not the warehouse)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.SupersessionWarning)
        return dg.build_sensor_for_freshness_checks(freshness_checks=freshness_checks, name="freshness_checks",
                                                    minimum_interval_seconds=600,
                                                    default_status=dg.DefaultSensorStatus.RUNNING)
