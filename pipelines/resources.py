"""Dagster resource: the config file and the warehouse connection it points at."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property

import dagster as dg
import duckdb

from connectors.base import Connector, load_connectors
from pipelines.config import Config, load_config
from transforms.core import AccountRow, sync_accounts, sync_competitors
from warehouse.connection import ExtensionMismatchError, WarehouseVersionError, connect
from warehouse.schema import MigrationOrderError

# Errors no retry can fix: the step fails at once with the message, instead of three times.
NOT_RETRYABLE = (WarehouseVersionError, ExtensionMismatchError, MigrationOrderError)


class SocialKpi(dg.ConfigurableResource):
    """Where the config lives; everything else (paths, accounts, targets) comes from it."""

    config_path: str

    @cached_property
    def config(self) -> Config:
        return load_config(self.config_path)

    @cached_property
    def registry(self) -> dict[str, Connector]:
        return load_connectors()

    @contextmanager
    def warehouse(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short-lived read-write connection, with accounts and anchors synced from the config."""
        try:
            with connect(self.config.warehouse_target) as con:
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
