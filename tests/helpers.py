"""Builders shared by the warehouse, transforms and pipelines tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from connectors.base import AccountDayValue, ParsedExport
from ingest.drop_folder import DropFile, file_hash, land_parsed_export
from transforms.core import AccountRow, sync_accounts
from warehouse.schema import migrate

D = dt.date


def warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    migrate(con)
    return con


def land_days(con: duckdb.DuckDBPyConnection, tmp_path: Path, platform: str, account_id: str,
              days: dict[dt.date, dict[str, float | None]], *, name: str = "export_2025-02-01.csv",
              content: str | None = None) -> str:
    """Land account-day values as if parsed from one export file; returns the file hash."""
    folder = tmp_path / "exports" / platform / account_id
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(content or f"{platform} {account_id} {sorted(days)} {name}", encoding="utf-8")
    parsed = ParsedExport(format="test", account_daily=[
        AccountDayValue(day, metric, metric, value) for day, values in days.items()
        for metric, value in values.items()])
    drop = DropFile(path, f"{platform}/{account_id}/{name}", platform, account_id)
    digest = file_hash(path)
    land_parsed_export(con, drop, digest, parsed, "UTC")
    return digest


def accounts(con: duckdb.DuckDBPyConnection, rows: list[tuple[str, str, str]],
             anchors: list[tuple[str, str, dt.date, int]] = (), competitors: set[str] = frozenset()) -> None:
    sync_accounts(con, [AccountRow(p, a, None, b, b in competitors, "UTC") for p, a, b in rows],
                  list(anchors), rows[0][2] if rows else "acme", "UTC")
