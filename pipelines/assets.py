"""Dagster assets: ingest -> core -> kpi -> publish. Wiring only; the work is in transforms/ and warehouse/."""


import datetime as dt
from collections import Counter
from collections.abc import Sequence

import dagster as dg

from pipelines.resources import SocialKpi
from transforms.core import build_business_facts, build_core
from transforms.kpis import (
    BASELINE_LOOKBACK_DAYS,
    TREND_DAYS,
    ReportingCurrency,
    TargetSpec,
    build_kpi_baselines,
    build_kpi_daily,
    build_kpi_target_progress,
    write_catalogue,
)
from warehouse.connection import DuckLake
from warehouse.snapshot import publish_lake_snapshot, publish_snapshot

DUCKDB_POOL = "duckdb_writer"  # one writer at a time: DuckDB allows a single writing process


def window_of(context: dg.AssetExecutionContext) -> tuple[dt.date, dt.date]:
    """Inclusive first and last reporting date of the run's partition range."""
    window = context.partition_time_window
    return window.start.date(), (window.end - dt.timedelta(days=1)).date()


def build_assets(partitions: dg.DailyPartitionsDefinition,
                 api_assets: Sequence[dg.AssetsDefinition] = ()) -> list[dg.AssetsDefinition]:
    """The asset graph; core assets depend on the drop folder and on every `<platform>_api` asset."""
    single_run = dg.BackfillPolicy.single_run()

    # Every asset, even those that ignore the window (export_files lands every new file, the snapshot
    # copies the whole warehouse), has the same daily partitions, single-run policy and same-day
    # dependencies: Dagster's backfill puts assets in one run only then, so "Materialize all" over a
    # range is one run (it was six: one per unpartitioned asset and per look-back mapping).
    @dg.asset(group_name="ingest", partitions_def=partitions, backfill_policy=single_run, pool=DUCKDB_POOL,
              retry_policy=dg.RetryPolicy(max_retries=2, delay=5),
              description="Lands new files of the export drop folder into raw, once each by content hash; "
                          "quarantines files that cannot be parsed. Partitioned like the rest so a range is "
                          "one run; it lands every new file, whatever the range.")
    def export_files(context: dg.AssetExecutionContext, socialkpi: SocialKpi) -> dg.MaterializeResult:
        # Imported here: landing needs pandas, which the definitions must not load (startup time).
        from ingest.drop_folder import ingest_drop_folder
        from ingest.ownership import conflicts

        config = socialkpi.config
        timezones = {(socialkpi.registry[a.platform].platform, a.account_id): config.account_timezone(a)
                     for a in config.accounts}
        with socialkpi.warehouse() as con:
            outcomes = ingest_drop_folder(con, config.exports_path, socialkpi.registry, timezones,
                                          config.timezone, run_id=context.run.run_id)
            found = conflicts(con)
        for conflict in found:
            context.log.warning(f"conflict: {conflict.message}")
        for outcome in outcomes:
            if outcome.status in ("quarantined", "refused", "conflict"):
                context.log.warning(f"{outcome.relative}: {outcome.status}: {outcome.reason}")
            elif outcome.status != "already_loaded":
                context.log.info(f"{outcome.relative}: {outcome.status} ({outcome.format}, {outcome.records} records)")
        counts = Counter(o.status for o in outcomes)
        problems = [f"- `{o.relative}`: {o.reason}" for o in outcomes
                    if o.status in ("quarantined", "refused", "conflict")]
        return dg.MaterializeResult(metadata={
            **{f"files_{status}": dg.MetadataValue.int(n) for status, n in sorted(counts.items())},
            "records_landed": dg.MetadataValue.int(sum(o.records for o in outcomes)),
            "problems": dg.MetadataValue.md("\n".join(problems) or "none"),
            "conflicts": dg.MetadataValue.md("\n".join(f"- {c.message}" for c in found) or "none"),
        })

    @dg.asset(group_name="core", partitions_def=partitions, backfill_policy=single_run, pool=DUCKDB_POOL,
              deps=[export_files, *api_assets],
              description="core.posts, core.post_snapshots and core.post_daily for the partition window.")
    def core_posts(context: dg.AssetExecutionContext, socialkpi: SocialKpi) -> dg.MaterializeResult:
        start, end = window_of(context)
        with socialkpi.warehouse() as con:
            counts = build_core(con, start, end, tables=("posts",))
        return dg.MaterializeResult(metadata={k: dg.MetadataValue.int(v) for k, v in counts.items()})

    @dg.asset(group_name="core", partitions_def=partitions, backfill_policy=single_run, pool=DUCKDB_POOL,
              deps=[export_files, *api_assets, core_posts],
              description="core.account_daily for the partition window: one row per account and day.")
    def core_account_daily(context: dg.AssetExecutionContext, socialkpi: SocialKpi) -> dg.MaterializeResult:
        start, end = window_of(context)
        with socialkpi.warehouse() as con:
            counts = build_core(con, start, end, tables=("account_daily",))
            accounts = con.execute(
                "SELECT count(DISTINCT (platform, account_id)) FROM core.account_daily "
                "WHERE date BETWEEN ? AND ?", [start, end]).fetchall()[0][0]
        return dg.MaterializeResult(metadata={
            **{k: dg.MetadataValue.int(v) for k, v in counts.items()},
            "accounts_with_data": dg.MetadataValue.int(accounts)})

    @dg.asset(group_name="core", partitions_def=partitions, backfill_policy=single_run, pool=DUCKDB_POOL,
              deps=[export_files, *api_assets],
              description="core.ads_daily, core.web_daily and core.mentions_daily for the partition window; "
                          "core.reviews and core.survey_responses in full.")
    def core_business_facts(context: dg.AssetExecutionContext, socialkpi: SocialKpi) -> dg.MaterializeResult:
        start, end = window_of(context)
        subjects = [(s, b.id, s != b.id) for b in socialkpi.config.brands
                    for s in [b.id, *(c.id for c in b.competitors)]]
        with socialkpi.warehouse() as con:
            counts = build_business_facts(con, start, end, subjects)
        return dg.MaterializeResult(metadata={k: dg.MetadataValue.int(v) for k, v in counts.items()})

    @dg.asset(group_name="kpi", partitions_def=partitions, backfill_policy=single_run, pool=DUCKDB_POOL,
              deps=[core_account_daily, core_business_facts],
              description="kpi.daily (and kpi.catalogue): every KPI per account, platform rollup and brand rollup, "
                          "and the brand-level KPIs of web analytics, paid media, mentions, reviews and surveys.")
    def kpi_daily(context: dg.AssetExecutionContext, socialkpi: SocialKpi) -> dg.MaterializeResult:
        start, end = window_of(context)
        currency = socialkpi.config.currency
        with socialkpi.warehouse() as con:
            write_catalogue(con)
            rows = build_kpi_daily(con, start, end, ReportingCurrency(currency.reporting, currency.rates,
                                                                      currency.web_revenue))
        return dg.MaterializeResult(metadata={"rows": dg.MetadataValue.int(rows)})

    @dg.asset(group_name="kpi", partitions_def=partitions, backfill_policy=single_run, pool=DUCKDB_POOL,
              # Same-day dependency: the 28-day look-back is read from kpi.daily in the warehouse. An offset
              # partition mapping made Dagster's backfill put this asset in a run of its own.
              deps=[kpi_daily],
              description=f"kpi.baselines: each daily KPI value against the {BASELINE_LOOKBACK_DAYS} days before "
                          "it (median, MAD, percentiles, same-weekday median, robust z-score, anomaly flag), "
                          "read from kpi.daily.")
    def kpi_baselines(context: dg.AssetExecutionContext, socialkpi: SocialKpi) -> dg.MaterializeResult:
        start, end = window_of(context)
        with socialkpi.warehouse() as con:
            rows = build_kpi_baselines(con, start, end)
            anomalies = con.execute("SELECT count(*) FROM kpi.baselines WHERE is_anomaly AND date BETWEEN ? AND ?",
                                    [start, end]).fetchall()[0][0]
        return dg.MaterializeResult(metadata={"rows": dg.MetadataValue.int(rows),
                                              "anomalies": dg.MetadataValue.int(anomalies)})

    @dg.asset(group_name="kpi", partitions_def=partitions, backfill_policy=single_run, pool=DUCKDB_POOL,
              deps=[kpi_daily],  # same-day, as kpi_baselines: the trend days are read from kpi.daily
              description="kpi.target_progress: each config target per day: expected path, achievement, "
                          f"projection at the due date from the last {TREND_DAYS} days, status.")
    def kpi_target_progress(context: dg.AssetExecutionContext, socialkpi: SocialKpi) -> dg.MaterializeResult:
        start, end = window_of(context)
        config = socialkpi.config
        targets = [TargetSpec(t.id, t.kpi, t.scope.brand,
                              t.scope.platform if t.scope.platform == "all" else config.platform_of(t.scope.platform),
                              t.scope.account_id, t.target, t.start, t.due, t.direction) for t in config.targets]
        with socialkpi.warehouse() as con:
            rows = build_kpi_target_progress(con, start, end, targets)
            statuses = con.execute("SELECT coalesce(status, 'unknown'), count(*) FROM kpi.target_progress "
                                   "WHERE date = ? GROUP BY 1 ORDER BY 1", [end]).fetchall()
        return dg.MaterializeResult(metadata={
            "rows": dg.MetadataValue.int(rows), "status_date": dg.MetadataValue.text(end.isoformat()),
            **{f"targets_{status}": dg.MetadataValue.int(n) for status, n in statuses}})

    @dg.asset(group_name="publish", partitions_def=partitions, backfill_policy=single_run,
              deps=[kpi_daily, kpi_baselines, kpi_target_progress], pool=DUCKDB_POOL,
              description="Read-only copy of the warehouse for analysts, swapped in atomically after each run "
                          "(on a DuckLake: the lake snapshot analysts attach, no copy).")
    def analytics_snapshot(context: dg.AssetExecutionContext, socialkpi: SocialKpi) -> dg.MaterializeResult:
        config = socialkpi.config
        if isinstance(config.warehouse_target, DuckLake):
            with socialkpi.warehouse() as con:
                snapshot_id = publish_lake_snapshot(con)
            context.log.info(f"published DuckLake snapshot {snapshot_id} of {config.warehouse_target}")
            return dg.MaterializeResult(metadata={"ducklake_snapshot": dg.MetadataValue.int(snapshot_id)})
        with socialkpi.warehouse() as con:
            tables = publish_snapshot(con, config.snapshot_path)
        context.log.info(f"published {config.snapshot_path}")
        return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(config.snapshot_path)),
                                              "tables": dg.MetadataValue.int(tables)})

    return [*api_assets, export_files, core_posts, core_account_daily, core_business_facts, kpi_daily,
            kpi_baselines, kpi_target_progress, analytics_snapshot]
