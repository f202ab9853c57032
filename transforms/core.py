"""Build the canonical core tables from raw for a date window (SQL in transforms/sql)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from warehouse.writes import WindowSummary, insert_frame, replace_all, replace_tables, replace_window, transaction

if TYPE_CHECKING:  # for annotations: DuckDB is imported where it is called (definitions start-up time)
    import duckdb

SQL_DIR = Path(__file__).parent / "sql"


@cache
def sql(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


@dataclass(frozen=True)
class AccountRow:
    platform: str
    account_id: str
    name: str | None
    brand_id: str
    is_competitor: bool
    timezone: str


def sync_accounts(con: duckdb.DuckDBPyConnection, accounts: list[AccountRow],
                  anchors: list[tuple[str, str, dt.date, int]], first_brand: str, default_timezone: str) -> int:
    """Replace core.accounts and core.follower_anchors from the config (and discovered accounts)."""
    import pandas as pd  # not at import: the Dagster definitions import this module (startup time)

    frame = pd.DataFrame([asdict(a) for a in accounts],
                         columns=["platform", "account_id", "name", "brand_id", "is_competitor", "timezone"])
    con.register("configured_accounts", frame.astype("object"))
    try:
        count = replace_all(con, "core.accounts", sql("core_accounts"),
                            {"first_brand": first_brand, "default_timezone": default_timezone})
    finally:
        con.unregister("configured_accounts")
    with transaction(con):
        con.execute("DELETE FROM core.follower_anchors")
        insert_frame(con, "core.follower_anchors",
                     pd.DataFrame(anchors, columns=["platform", "account_id", "date", "followers"]))
    return count


def sync_competitors(con: duckdb.DuckDBPyConnection, competitors: list[tuple[str, str, str]]) -> None:
    """Replace core.brand_competitors from the config: (competitor_id, brand_id, name) rows."""
    import pandas as pd  # not at import time (see sync_accounts)

    with transaction(con):
        con.execute("DELETE FROM core.brand_competitors")
        insert_frame(con, "core.brand_competitors",
                     pd.DataFrame(competitors, columns=["competitor_id", "brand_id", "name"]))


def build_core(con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date,
               tables: tuple[str, ...] = ("posts", "account_daily")) -> dict[str, int]:
    """Rebuild core tables for [start, end] (inclusive).

    "posts" = posts, post snapshots and post deltas; "account_daily" = account days, which count
    posts per publish date, so posts come first.

    Lifetime snapshots are dated when they were taken (a file's export date, an API pull's fetch
    time), which may lie after the window: a December backfill of October, or a tweet activity
    export named up to the day after its last day. So post snapshots and deltas are rebuilt from
    `start` up to the latest snapshot landed, and every post a run's files carry is queryable with
    its latest snapshot. On a nightly run that tail is a day or two.
    """
    counts: dict[str, int] = {}
    if "posts" in tables:
        counts["core.posts"] = replace_all(con, "core.posts", sql("core_posts"))
        latest = con.execute("SELECT max(snapshot_date) FROM raw.post_metric_values").fetchall()[0][0]
        snapshots_end = max(end, latest) if latest else end
        counts["core.post_snapshots"] = replace_window(
            con, "core.post_snapshots", "snapshot_date", start, snapshots_end, sql("core_post_snapshots"), {})
        counts["core.post_daily"] = replace_window(
            con, "core.post_daily", "date", start, snapshots_end, sql("core_post_daily"), {})
    if "account_daily" in tables:
        counts["core.account_daily"] = replace_window(
            con, "core.account_daily", "date", start, end, sql("core_account_daily"), {})
    return counts


FACT_COVERAGE_KEYS = ("fact", "brand_id", "platform", "subject_id", "is_competitor")
ALL_DATES = (dt.date(1, 1, 1), dt.date(9999, 12, 31))


def fact_coverage(source: str) -> WindowSummary:
    """core.fact_coverage as kept in step with one business-fact table (ads, web or mentions)."""
    return WindowSummary("core.fact_coverage", FACT_COVERAGE_KEYS, sql(f"fact_coverage_{source}"))


def refresh_fact_coverage(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute core.fact_coverage from the whole fact tables (after `forget` removed rows)."""
    con.execute("DELETE FROM core.fact_coverage")
    for source in ("ads", "web", "mentions"):
        con.execute(f"INSERT INTO core.fact_coverage BY NAME {sql(f'fact_coverage_{source}')}",
                    {"start": ALL_DATES[0], "end": ALL_DATES[1]})


def build_business_facts(con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date,
                         mention_subjects: list[tuple[str, str, bool]]) -> dict[str, int]:
    """Rebuild ads, web and mention days for [start, end], and all reviews and survey responses.

    `mention_subjects` lists (subject_id, brand_id, is_competitor): each brand counts its own
    mentions and those of its competitors.
    """
    import pandas as pd  # not at import time (see sync_accounts)

    counts = {
        "core.ads_daily": replace_window(con, "core.ads_daily", "date", start, end, sql("core_ads_daily"), {},
                                         fact_coverage("ads")),
        "core.web_daily": replace_window(con, "core.web_daily", "date", start, end, sql("core_web_daily"), {},
                                         fact_coverage("web")),
    }
    subjects = pd.DataFrame(mention_subjects, columns=["subject_id", "brand_id", "is_competitor"])
    con.register("mention_subjects", subjects.astype({"subject_id": "object", "brand_id": "object",
                                                      "is_competitor": "bool"}))
    try:
        counts["core.mentions_daily"] = replace_window(
            con, "core.mentions_daily", "date", start, end, sql("core_mentions_daily"), {}, fact_coverage("mentions"))
    finally:
        con.unregister("mention_subjects")
    counts |= replace_tables(con, {"core.reviews": sql("core_reviews"),
                                   "core.survey_responses": sql("core_survey_responses"),
                                   "core.event_spans": sql("core_event_spans")})
    return counts


def refresh_event_spans(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute core.event_spans (for reviews and survey responses written straight into core)."""
    replace_all(con, "core.event_spans", sql("core_event_spans"))
