"""KPI tables: the catalogue, and kpi.daily rendered from it (SQL templates in transforms/sql)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from connectors.base import ACCOUNT_DAILY_METRICS
from transforms.catalogue import ACCOUNT_KPIS, BRAND_KPIS, BRAND_PLATFORM_KPIS, KPI_BY_NAME, KPIS, POST_KPIS
from warehouse.schema import execute_script
from warehouse.writes import insert_frame, replace_window, transaction

if TYPE_CHECKING:
    import duckdb
    import jinja2
    import pandas as pd

SQL_DIR = Path(__file__).parent / "sql"
DERIVED_CAPABILITIES = ("engagements", "followers_net_change", "followers", "posts_published")


@cache
def _templates() -> jinja2.Environment:
    """The SQL templates; jinja2 is imported on first use, not when the Dagster definitions load."""
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(SQL_DIR), undefined=jinja2.StrictUndefined,
                              keep_trailing_newline=True, autoescape=False)


class CurrencyError(ValueError):
    """Money in a currency the config cannot convert: worded for the person who edits the config."""


@dataclass(frozen=True)
class ReportingCurrency:
    """The currency money KPIs are reported in, and how to convert into it (config key `currency`).

    `rates` holds units of `code` per unit of each other currency; `web_revenue` the currency of a
    web property's revenue by property id (GA4 exports do not state it), default `code`.
    """

    code: str
    rates: Mapping[str, float] = field(default_factory=dict)
    web_revenue: Mapping[str, str] = field(default_factory=dict)

    def rate_map(self) -> dict[str, list[object]]:
        """The rates as a DuckDB MAP parameter, the reporting currency itself at 1."""
        return duckdb_map({**{k: float(v) for k, v in self.rates.items()}, self.code: 1.0})


def duckdb_map(mapping: Mapping[str, object]) -> dict[str, list[object]]:
    """A mapping as a DuckDB MAP query parameter (a plain dict would bind as a STRUCT)."""
    return {"key": list(mapping), "value": list(mapping.values())}


def _requires_sql(requires: tuple[str, ...]) -> str:
    groups = ["(" + " OR ".join(f"can_{m}" for m in group.split("|")) + ")" for group in requires]
    return " AND ".join(groups) or "true"


def sql(name: str) -> str:
    return (SQL_DIR / name).read_text(encoding="utf-8")


@cache
def capabilities_sql() -> str:
    return _templates().get_template("account_capabilities.sql").render(
        columns=ACCOUNT_DAILY_METRICS, derived=DERIVED_CAPABILITIES)


@cache
def kpi_daily_sql() -> str:
    return _templates().get_template("kpi_daily.sql.j2").render(
        capabilities=capabilities_sql(), account_kpis=ACCOUNT_KPIS, brand_platform_kpis=BRAND_PLATFORM_KPIS,
        brand_kpis=BRAND_KPIS, requires={k.name: _requires_sql(k.requires) for k in KPIS})


PERIOD_GRAINS = ("week", "month", "range")


@cache
def period_sql(grain: str) -> str:
    """The period rule as SQL: kpi.weekly / kpi.monthly's query, or any range ($start, $end inclusive).

    One template for all three, so the views, the report and the CLI compute a period the same way.
    """
    if grain not in PERIOD_GRAINS:
        raise ValueError(f"grain must be one of {', '.join(PERIOD_GRAINS)}, not {grain!r}")
    return _templates().get_template("kpi_periods.sql.j2").render(grain=grain).strip() + "\n"


def period_values(con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date) -> pd.DataFrame:
    """KPI values of every series over [start, end] by the period rule (columns as kpi.weekly's)."""
    if end < start:
        raise ValueError(f"period end {end} is before its start {start}")
    return con.execute(period_sql("range"), {"start": start, "end": end}).df()


@cache
def kpi_posts_daily_sql() -> str:
    return _templates().get_template("kpi_posts_daily.sql.j2").render(
        capabilities=capabilities_sql(), post_kpis=POST_KPIS,
        requires={k.name: _requires_sql(k.requires) for k in POST_KPIS})


def build_post_kpis(con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date) -> int:
    """Replace the post-level KPI rows of kpi.daily for the publication dates [start, end] touches.

    Those are the window's own days and the publication days of every post with a snapshot dated in
    the window: a newer snapshot updates the day its posts were published, whichever run lands it.
    """
    names = [k.name for k in POST_KPIS]
    dates = [d for (d,) in con.execute(
        "SELECT DISTINCT p.published_date FROM core.posts AS p JOIN core.post_snapshots AS s USING (platform, post_id) "
        "WHERE s.snapshot_date BETWEEN $start AND $end AND p.published_date IS NOT NULL "
        "AND p.published_date NOT BETWEEN $start AND $end", {"start": start, "end": end}).fetchall()]
    params = {"names": names, "start": start, "end": end, "dates": dates,
              "first": min([start, *dates]), "last": max([end, *dates])}
    # The bounds let DuckDB skip the row groups of kpi.daily outside the touched dates (zone
    # maps); the OR alone is not pushed into the scan, so it read the whole history.
    touched = "(date BETWEEN $first AND $last AND (date BETWEEN $start AND $end OR list_contains($dates, date)))"
    with transaction(con):
        con.execute(f"DELETE FROM kpi.daily WHERE list_contains($names, kpi) AND {touched}", params)
        con.execute(f"INSERT INTO kpi.daily BY NAME SELECT * FROM ({kpi_posts_daily_sql()}) WHERE {touched}",
                    {k: v for k, v in params.items() if k != "names"})
        inserted = con.execute(f"SELECT count(*) FROM kpi.daily WHERE list_contains($names, kpi) AND {touched}",
                               params).fetchall()[0][0]
    return inserted


@cache
def daily_wide_sql() -> str:
    """CREATE OR REPLACE VIEW kpi.daily_wide with one column per catalogue KPI, and its comments."""
    return _templates().get_template("kpi_daily_wide.sql.j2").render(kpis=KPIS)


def write_catalogue(con: duckdb.DuckDBPyConnection) -> int:
    """Write kpi.catalogue from transforms/catalogue.py and re-render kpi.daily_wide from it."""
    import pandas as pd  # not at import time: the Dagster definitions import this module

    frame = pd.DataFrame([{
        "kpi": k.name, "category": k.category, "unit": k.unit, "formula": k.formula,
        "numerator": k.numerator, "denominator": k.denominator, "higher_is_better": k.higher_is_better,
        "indicator": k.indicator, "aggregation": k.aggregation, "description": k.description,
        "level": k.level, "scale": float(k.scale), "period_rule": k.period,
    } for k in KPIS])
    with transaction(con):
        con.execute("DELETE FROM kpi.catalogue")
        insert_frame(con, "kpi.catalogue", frame)
        execute_script(con, daily_wide_sql())
    return len(frame)


def check_currencies(con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date,
                     currency: ReportingCurrency | None) -> None:
    """Refuse to compute money KPIs for [start, end] when an amount's currency cannot be converted.

    Raised before any write, naming the currency, the source and the config key to add, so spend
    in several currencies is never summed unconverted.
    """
    rows = con.execute(sql("kpi_currencies.sql"), {
        "start": start, "end": end, "reporting": currency.code if currency else None,
        "revenue_currency": duckdb_map(currency.web_revenue if currency else {})}).fetchall()
    problems = []
    for what, platform, account_id, code, first, last in rows:
        where = f"{what} of {platform}/{account_id} ({first}..{last})"
        if currency is None:
            problems.append(f"{where} is in {code or 'an unknown currency'}, but no reporting currency is "
                            "configured: set currency.reporting (and currency.rates) in the config")
        elif code is None:
            problems.append(f"{where} has no currency (the source names none): re-export it with the "
                            "currency in the spend header, or set the ad account's currency")
        elif code != currency.code and code not in currency.rates:
            problems.append(f"{where} is in {code}, but the config has no rate for it: add "
                            f"currency.rates.{code} (units of {currency.code} per 1 {code})")
    if problems:
        raise CurrencyError("cannot convert money to the reporting currency:\n- " + "\n- ".join(problems))


# Memory policy of a backfill: DuckDB keeps a transaction's new and deleted rows in memory, so a
# year of kpi.daily for 1,000 accounts (12 M rows) replaced in one transaction peaked at 2.1 GiB
# (docs/benchmarks.md). A longer window is replaced this many days at a time, each part in its own
# transaction (each day is computed from its own inputs, so the rows are the same; a failure keeps
# the parts already written, and a re-run replaces them again).
KPI_CHUNK_DAYS = 61  # about two months: 725 MiB instead of 2,035 for the year at 1,000 accounts


def build_kpi_daily(con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date,
                    currency: ReportingCurrency | None = None) -> int:
    """Replace kpi.daily for [start, end] (inclusive) from the core tables, and the post-level KPIs.

    `currency` converts ad spend and web revenue; without it, any money in the window is an error.
    Returns the rows written (window rows + the post-level rows of the dates the window touches).
    """
    check_currencies(con, start, end, currency)
    params = {"rates": currency.rate_map() if currency else duckdb_map({}),
              "reporting": currency.code if currency else None,
              "revenue_currency": duckdb_map(currency.web_revenue if currency else {})}
    written, part_start = 0, start
    while part_start <= end:
        part_end = min(end, part_start + dt.timedelta(days=KPI_CHUNK_DAYS - 1))
        written += replace_window(con, "kpi.daily", "date", part_start, part_end, kpi_daily_sql(), params)
        part_start = part_end + dt.timedelta(days=1)
    return written + build_post_kpis(con, start, end)


# ---- baselines -------------------------------------------------------------------------------

# The trailing window of kpi_baselines.sql (28 days before the day; the same-weekday median reaches
# 8 weeks back): the kpi_baselines asset declares this look-back on kpi_daily.
BASELINE_LOOKBACK_DAYS = 28
ANOMALY_ROBUST_Z = 3.5
ANOMALY_MIN_OBSERVATIONS = 14


def build_kpi_baselines(con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date) -> int:
    """Replace kpi.baselines for [start, end] from kpi.daily (read from 56 days before `start`)."""
    return replace_window(con, "kpi.baselines", "date", start, end, sql("kpi_baselines.sql"), {
        "anomaly_z": ANOMALY_ROBUST_Z, "anomaly_min_obs": ANOMALY_MIN_OBSERVATIONS})


# ---- targets ---------------------------------------------------------------------------------

# kpi_target_progress.sql fits the values of the 28 days up to the day (the asset declares the
# 27 days before the window on kpi_daily).
TREND_DAYS = 28
MIN_TREND_OBSERVATIONS = 7  # fewer known values than this: no projection
BEHIND_SHARE = 0.8  # "behind" when the projection covers at least 80% of the planned change


@dataclass(frozen=True)
class TargetSpec:
    """One config target: reach `target_value` of `kpi` at the scope's kpi.daily series by `due_date`."""

    target_id: str
    kpi: str
    brand_id: str
    platform: str
    account_id: str
    target_value: float
    start_date: dt.date
    due_date: dt.date
    direction: str | None = None  # increase | decrease; None: from the catalogue's higher_is_better


class TargetError(ValueError):
    """A target the KPI layer cannot follow, worded for the person who edits the config."""


def _target_rows(targets: list[TargetSpec]) -> list[dict[str, object]]:
    rows = []
    for target in targets:
        kpi = KPI_BY_NAME.get(target.kpi)
        if kpi is None:
            raise TargetError(f"targets[{target.target_id}].kpi: unknown KPI {target.kpi!r} "
                              f"(see kpi.catalogue: {', '.join(sorted(KPI_BY_NAME))})")
        direction = target.direction or ("increase" if kpi.higher_is_better else "decrease")
        if direction not in ("increase", "decrease"):
            raise TargetError(f"targets[{target.target_id}].direction: {direction!r} is not increase or decrease")
        rows.append({"target_id": target.target_id, "kpi": target.kpi, "brand_id": target.brand_id,
                     "platform": target.platform, "account_id": target.account_id,
                     "target_value": float(target.target_value), "start_date": target.start_date,
                     "due_date": target.due_date, "direction": direction})
    return rows


def build_kpi_target_progress(con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date,
                              targets: list[TargetSpec]) -> int:
    """Replace kpi.target_progress for [start, end]; drop the rows of targets no longer configured."""
    rows = _target_rows(targets)
    with transaction(con):
        con.execute("DELETE FROM kpi.target_progress WHERE NOT list_contains($ids, target_id)",
                    {"ids": [r["target_id"] for r in rows] or [""]})
    if not rows:
        return replace_window(con, "kpi.target_progress", "date", start, end,
                              "SELECT * FROM kpi.target_progress WHERE false", {})
    return replace_window(con, "kpi.target_progress", "date", start, end, sql("kpi_target_progress.sql"), {
        "targets": rows, "min_trend_observations": MIN_TREND_OBSERVATIONS, "behind_share": BEHIND_SHARE})
