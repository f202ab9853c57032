"""Build the Dagster definitions for one config (the CLI and tests call this directly)."""

from __future__ import annotations

import dagster as dg

from connectors.base import load_connectors
from pipelines.api_assets import build_api_assets
from pipelines.assets import build_assets
from pipelines.config import Config
from pipelines.resources import SocialKpi


def daily_partitions(config: Config) -> dg.DailyPartitionsDefinition:
    return dg.DailyPartitionsDefinition(start_date=config.start_date.isoformat(), timezone=config.timezone)


def build_definitions(config: Config) -> dg.Definitions:
    partitions = daily_partitions(config)
    assets = build_assets(partitions, build_api_assets(load_connectors(), partitions))
    return dg.Definitions(
        assets=assets,
        resources={"socialkpi": SocialKpi(config_path=str(config.source.resolve()))},
    )
