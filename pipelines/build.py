"""Build the Dagster definitions for one config (the CLI and tests call this directly)."""

from __future__ import annotations

import dagster as dg

from connectors.base import load_connectors
from pipelines.alerts import build_alerts_sensor
from pipelines.api_assets import api_platforms, build_api_assets, platform_pool
from pipelines.assets import build_assets
from pipelines.checks import (
    build_api_freshness_checks,
    build_freshness_checks,
    build_freshness_sensor,
    build_quality_checks,
)
from pipelines.config import Config
from pipelines.report_assets import build_flash_report
from pipelines.resources import SocialKpi
from pipelines.run_summary import build_run_summary_sensors
from pipelines.schedules import build_nightly_schedule
from pipelines.sensors import build_drop_folder_sensor
from warehouse.connection import DuckLake

REFRESH_JOB = "refresh"
RETRY_STRATEGY_TAG = "dagster/retry_strategy"  # FROM_FAILURE (Dagster's default) or ALL_STEPS


def daily_partitions(config: Config) -> dg.DailyPartitionsDefinition:
    return dg.DailyPartitionsDefinition(start_date=config.start_date.isoformat(), timezone=config.timezone)


def partitioned_keys(assets: list[dg.AssetsDefinition]) -> list[dg.AssetKey]:
    """Keys of the time-partitioned assets (the ones a freshness check can judge)."""
    return sorted((key for a in assets if a.partitions_def is not None for key in a.keys),
                  key=lambda k: k.to_user_string())


def build_definitions(config: Config) -> dg.Definitions:
    partitions = daily_partitions(config)
    registry = load_connectors()
    # Only platforms with an API account get a `<platform>_api` asset: a run does not start (and
    # the UI does not list) nine steps with nothing to pull.
    # A DuckLake takes concurrent writers: each platform's pulls get their own pool and job, so
    # platforms are pulled in parallel runs (one run per platform at once); core and KPI builds stay
    # in the duckdb_writer pool. A DuckDB file keeps every writer behind the one lock.
    lake = isinstance(config.warehouse_target, DuckLake)
    api_assets = build_api_assets(registry, partitions, api_platforms(config, registry), pool_per_platform=lake)
    assets = [*build_assets(partitions, api_assets), build_flash_report(partitions)]
    quality_checks = [*build_quality_checks(),
                      *build_api_freshness_checks(config, {a.platform: registry[a.platform].platform
                                                          for a in config.accounts})]
    freshness_checks = build_freshness_checks(config, partitioned_keys(assets))
    # Every asset with its quality checks; the freshness checks judge the runs, so they run from
    # their own sensor, not inside them.
    # On a lake, a killed run's commits are reverted (pipelines/lake_recovery.py): its retry must
    # redo every step, not only the one that was running.
    job_tags = {RETRY_STRATEGY_TAG: "ALL_STEPS"} if lake else None
    refresh = dg.define_asset_job(
        REFRESH_JOB, selection=dg.AssetSelection.all() - dg.AssetSelection.checks(*freshness_checks), tags=job_tags,
        description="Land new export files, rebuild the run's partition range of core and KPI tables, "
                    "check them, publish the analysts' snapshot.")
    ingest_jobs = [dg.define_asset_job(platform_pool(key.path[-1].removesuffix("_api")), selection=[key], tags=job_tags,
                                       description=f"Pull {key.path[-1].removesuffix('_api')} into the DuckLake "
                                                   "alongside other platforms' runs; then run refresh.")
                   for asset in api_assets for key in asset.keys] if lake else []
    sensors = [build_drop_folder_sensor(config, refresh), build_freshness_sensor(freshness_checks),
               *build_run_summary_sensors()]
    if config.alerts is not None:
        sensors.append(build_alerts_sensor(config, REFRESH_JOB))
    return dg.Definitions(
        assets=assets,
        asset_checks=[*quality_checks, *freshness_checks],
        jobs=[refresh, *ingest_jobs],
        schedules=[build_nightly_schedule(config, refresh)],
        sensors=sensors,
        resources={"socialkpi": SocialKpi(config_path=str(config.source.resolve()))},
        # Every step reads or writes the one DuckDB file and the duckdb_writer pool runs them one
        # at a time anyway: one process per run saves a Python start per step and lock hand-overs.
        executor=dg.in_process_executor,
    )
