"""Dagster resource: the config file and the warehouse connection it points at."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import TYPE_CHECKING

import dagster as dg
from pydantic import PrivateAttr

from connectors.base import Connector, load_connectors
from pipelines.config import Config, load_config
from pipelines.lake_recovery import recover_lake_runs
from transforms.core import AccountRow, sync_accounts, sync_competitors
from warehouse.connection import DuckLake, ExtensionMismatchError, WarehouseVersionError, connect
from warehouse.lake_runs import begin_run
from warehouse.schema import MigrationOrderError

if TYPE_CHECKING:  # for annotations: DuckDB is imported where it is called (definitions start-up time)
    import duckdb

# Errors no retry can fix: the step fails at once with the message, instead of three times.
NOT_RETRYABLE = (WarehouseVersionError, ExtensionMismatchError, MigrationOrderError)


class SocialKpi(dg.ConfigurableResource):
    """Where the config lives; everything else (paths, accounts, targets) comes from it."""

    config_path: str
    # The run this resource serves (None outside a run) and its instance: on a DuckLake, the run's
    # commits are tagged with its id and ended runs are settled before it writes (lake_recovery.py).
    _run_id: str | None = PrivateAttr(default=None)
    _instance: dg.DagsterInstance | None = PrivateAttr(default=None)
    _lake_run_begun: bool = PrivateAttr(default=False)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._run_id, self._instance = (context.run.run_id if context.run else None), context.instance

    @cached_property
    def config(self) -> Config:
        return load_config(self.config_path)

    @cached_property
    def registry(self) -> dict[str, Connector]:
        return load_connectors()

    @contextmanager
    def warehouse(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short-lived read-write connection, with accounts and anchors synced from the config."""
        target = self.config.warehouse_target
        try:
            with connect(target) as con:
                if isinstance(target, DuckLake) and self._run_id:
                    if not self._lake_run_begun:  # once per run, before its first write
                        if self._instance is not None:
                            recover_lake_runs(con, self._instance, self._run_id)
                        self._lake_run_begun = True
                    begin_run(con, self._run_id)
                sync_config(con, self.config, self.registry)
                yield con
        except NOT_RETRYABLE as exc:
            raise dg.Failure(str(exc), allow_retries=False) from exc


def account_rows(config: Config, registry: dict[str, Connector]) -> list[AccountRow]:
    competitors = {c.id for b in config.brands for c in b.competitors}
    return [AccountRow(platform=registry[a.platform].platform, account_id=a.account_id, name=a.name,
                       brand_id=a.brand, is_competitor=a.brand in competitors,
                       timezone=config.account_timezone(a)) for a in config.accounts]


def sync_config(con: duckdb.DuckDBPyConnection, config: Config, registry: dict[str, Connector]) -> None:
    anchors = [(registry[a.platform].platform, a.account_id, day, count)
               for a in config.accounts for day, count in a.followers_on.items()]
    sync_accounts(con, account_rows(config, registry), anchors, config.brands[0].id, config.timezone)
    sync_competitors(con, [(c.id, b.id, c.name) for b in config.brands for c in b.competitors])
