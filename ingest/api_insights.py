"""Daily insights pages of landed API pulls read by DuckDB itself, for `socialkpi replay`.

Re-normalising a year of Page Insights for a thousand Pages in Python (JSON to objects, the
client's loop, frames back to DuckDB) took about four times as long as DuckDB's own `read_json`
of the same pages (docs/benchmarks.md). A client that declares its daily insights pages as plain
data (`daily_insights`, connectors.base.DailyInsightsLayout) has them read here, by
warehouse/sql/landing/api_insights_stage.sql, into the same records. The client's `normalise`
stays the reference: it reads the pull's other pages, and every page the SQL cannot read exactly
as it would (text it would refuse, a value given as text, an `end_time` it cannot read...), so
errors are raised by it as before.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import pandas as pd

from connectors.base import DailyInsightsLayout
from warehouse.writes import SQL_DIR

STAGE_SQL = SQL_DIR / "landing" / "api_insights_stage.sql"
# raw.api_pages columns that identify a page
PAGE_KEY = ("platform", "account_id", "window_start", "window_end", "page_no")


def layout_of(client: object) -> DailyInsightsLayout | None:
    declared = getattr(client, "daily_insights", None)
    return declared if isinstance(declared, DailyInsightsLayout) else None


def is_candidate(layout: DailyInsightsLayout, account_id: str, endpoint: str, params: str | None,
                 status: int) -> bool:
    """Whether a landed page is one of the layout's pages, judged on what Python reads of it
    besides the body (the body is checked in SQL)."""
    if status >= 400 or not account_id or "/" in account_id:  # the id must be one path segment
        return False
    pattern = layout.endpoint.replace("{account_id}", re.escape(account_id))
    if not re.fullmatch(pattern, endpoint):
        return False
    try:  # the client reads params["metric"] as text
        decoded = json.loads(params) if params else {}
    except ValueError:
        return False
    return isinstance(decoded, dict) and isinstance(decoded.get("metric", ""), str)


@dataclass(frozen=True)
class StagedInsights:
    """Values read in bulk, in the temporary table `_replay_insight_values` (by `_pull_order`); the
    pages read, in `_replay_insight_pages_read` (the others go to Python)."""

    values: dict[int, int]  # values per pull order


def stage_insights(con: duckdb.DuckDBPyConnection, candidates: Sequence[tuple[tuple, int, int]],
                   layouts: Sequence[DailyInsightsLayout]) -> StagedInsights:
    """Read the candidate pages ((page key, pull order, layout index)) in bulk."""
    if not candidates:
        return StagedInsights({})
    pages = pd.DataFrame([(*key, order, index, layouts[index].day_offset) for key, order, index in candidates],
                         columns=[*PAGE_KEY, "_pull_order", "_layout", "day_offset"])
    metrics = pd.DataFrame([(index, name, metric) for index, layout in enumerate(layouts)
                            for name, metric in layout.metrics], columns=["_layout", "name", "metric"])
    con.register("_replay_insight_pages", pages)
    con.register("_replay_insight_metrics", metrics.astype({"name": "object", "metric": "object"}))
    try:
        for statement in STAGE_SQL.read_text(encoding="utf-8").split(";\n"):
            if statement.strip():
                con.execute(statement).fetchall()
    finally:
        con.unregister("_replay_insight_pages")
        con.unregister("_replay_insight_metrics")
    values = dict(con.execute("SELECT _pull_order, count(*) FROM _replay_insight_values GROUP BY ALL").fetchall())
    return StagedInsights(values)


def values_sql(pulls: str) -> str:
    """The staged values of the pulls in relation `pulls` (`_pull_order` and lineage columns),
    as rows of raw.account_daily_values plus `_pull_order`."""
    return (f"SELECT p.*, v.date, v.metric, v.source_metric, v.value FROM {pulls} AS p "
            "JOIN _replay_insight_values AS v USING (_pull_order)")


def drop_staged(con: duckdb.DuckDBPyConnection) -> None:
    for table in ("_replay_insight_values", "_replay_insight_pages_read"):
        con.execute(f"DROP TABLE IF EXISTS {table}").fetchall()
