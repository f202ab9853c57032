"""KPI tables: the catalogue, and kpi.daily rendered from it (SQL templates in transforms/sql)."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import duckdb
import jinja2
import pandas as pd

from connectors.base import ACCOUNT_DAILY_METRICS
from transforms.catalogue import ACCOUNT_KPIS, KPIS
from warehouse.writes import insert_frame, replace_window

SQL_DIR = Path(__file__).parent / "sql"
_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(SQL_DIR), undefined=jinja2.StrictUndefined,
                          keep_trailing_newline=True, autoescape=False)
DERIVED_CAPABILITIES = ("engagements", "followers_net_change", "followers", "posts_published")


def _requires_sql(requires: tuple[str, ...]) -> str:
    groups = ["(" + " OR ".join(f"can_{m}" for m in group.split("|")) + ")" for group in requires]
    return " AND ".join(groups) or "true"


@cache
def capabilities_sql() -> str:
    return _ENV.get_template("account_capabilities.sql").render(
        columns=ACCOUNT_DAILY_METRICS, derived=DERIVED_CAPABILITIES)


@cache
def kpi_daily_sql() -> str:
    return _ENV.get_template("kpi_daily.sql.j2").render(
        capabilities=capabilities_sql(), kpis=ACCOUNT_KPIS,
        requires={k.name: _requires_sql(k.requires) for k in ACCOUNT_KPIS})


def write_catalogue(con: duckdb.DuckDBPyConnection) -> int:
    frame = pd.DataFrame([{
        "kpi": k.name, "category": k.category, "unit": k.unit, "formula": k.formula,
        "numerator": k.numerator, "denominator": k.denominator, "higher_is_better": k.higher_is_better,
        "indicator": k.indicator, "aggregation": k.aggregation, "description": k.description,
    } for k in KPIS])
    con.execute("BEGIN TRANSACTION")
    con.execute("DELETE FROM kpi.catalogue")
    insert_frame(con, "kpi.catalogue", frame)
    con.execute("COMMIT")
    return len(frame)


def build_kpi_daily(con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date) -> int:
    """Replace kpi.daily for [start, end] (inclusive) from core.account_daily."""
    return replace_window(con, "kpi.daily", "date", start, end, kpi_daily_sql(), {})
