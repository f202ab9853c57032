"""The demo warehouse for the report tests, built without Dagster (the same steps as the assets, ~2 s)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ingest.drop_folder import ingest_drop_folder
from pipelines.config import Config, load_config
from pipelines.demo import DEMO_END, DEMO_START, write_demo
from pipelines.resources import SocialKpi
from transforms.core import build_business_facts, build_core
from transforms.kpis import (
    ReportingCurrency,
    TargetSpec,
    build_kpi_baselines,
    build_kpi_daily,
    build_kpi_target_progress,
    write_catalogue,
)
from warehouse.snapshot import publish_snapshot


def build_demo(directory: Path) -> Config:
    """Write the demo exports and build the warehouse and the analytics snapshot over the demo range."""
    config = load_config(write_demo(directory))
    build_warehouse(config, DEMO_START, DEMO_END)
    return config


def build_warehouse(config: Config, start: dt.date, end: dt.date) -> None:
    """Ingest the config's drop folder and build core, KPI tables and the snapshot over [start, end]."""
    resource = SocialKpi(config_path=str(config.source))
    timezones = {(resource.registry[a.platform].platform, a.account_id): config.account_timezone(a)
                 for a in config.accounts}
    subjects = [(s, b.id, s != b.id) for b in config.brands for s in [b.id, *(c.id for c in b.competitors)]]
    targets = [TargetSpec(t.id, t.kpi, t.scope.brand,
                          t.scope.platform if t.scope.platform == "all" else config.platform_of(t.scope.platform),
                          t.scope.account_id, t.target, t.start, t.due, t.direction) for t in config.targets]
    currency = config.currency
    with resource.warehouse() as con:
        ingest_drop_folder(con, config.exports_path, resource.registry, timezones, config.timezone)
        build_core(con, start, end)
        build_business_facts(con, start, end, subjects)
        write_catalogue(con)
        build_kpi_daily(con, start, end, ReportingCurrency(currency.reporting, currency.rates, currency.web_revenue))
        build_kpi_baselines(con, start, end)
        build_kpi_target_progress(con, start, end, targets)
        publish_snapshot(con, config.snapshot_path)
