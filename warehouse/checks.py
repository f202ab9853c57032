"""Data-quality queries behind the Dagster asset checks (pipelines/checks.py).

Plain functions over a DuckDB connection: each returns the offending rows (at most `limit` of
them, plus the total), so a check can say exactly which account, day and column is wrong. Every
value comes in as a query parameter; column names come from the catalog and are quoted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for annotations: DuckDB is imported where it is called (definitions start-up time)
    import duckdb


# core.account_daily columns that may be negative: a net change is gained - lost.
SIGNED_ACCOUNT_DAILY_COLUMNS = frozenset({"followers_net_change"})
# Daily counts that platforms really report below zero and nobody can fix: TikTok Studio's daily
# comments (and likes, shares, saves) net of deletions, and engagements summed from them. Kept as
# reported; a check warns on them. Every other count (impressions, reach, followers, views...)
# cannot be negative, and a negative one is corrupt input that blocks the run.
REPORTED_NEGATIVE_COLUMNS = frozenset({"likes", "comments", "shares", "link_shares", "saves", "engagements"})
NUMERIC_TYPES = ("DOUBLE", "FLOAT", "REAL", "DECIMAL", "INTEGER", "BIGINT", "HUGEINT", "SMALLINT", "TINYINT")


@dataclass(frozen=True)
class Findings:
    """Offending rows of one check: the first `limit` of them, and how many there are in all."""

    columns: tuple[str, ...]
    rows: list[tuple[object, ...]]
    total: int

    @property
    def ok(self) -> bool:
        return self.total == 0


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def count_columns(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Numeric columns of core.account_daily that hold counts (never negative), from the catalog,
    so a column added by a migration is checked without touching this file."""
    rows = con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = current_database() "
        "AND schema_name = 'core' AND table_name = 'account_daily' ORDER BY column_index").fetchall()
    return [name for name, data_type in rows
            if data_type.split("(")[0] in NUMERIC_TYPES and name not in SIGNED_ACCOUNT_DAILY_COLUMNS]


def _window(start: dt.date | None, end: dt.date | None) -> tuple[str, list[object]]:
    """A date filter for [start, end] (inclusive); no filter when the window is unknown."""
    if start is None or end is None:
        return "true", []
    return "date BETWEEN ? AND ?", [start, end]


def negative_counts(con: duckdb.DuckDBPyConnection, start: dt.date | None, end: dt.date | None,
                    limit: int = 20) -> Findings:
    """Account-days of core.account_daily with an impossible negative count (a parser error or a
    corrupt file): every count column except those platforms really report negative."""
    columns = [c for c in count_columns(con) if c not in REPORTED_NEGATIVE_COLUMNS]
    if not columns:
        raise RuntimeError("core.account_daily has no numeric count columns: is the warehouse migrated?")
    return _negatives(con, columns, start, end, limit)


def reported_negatives(con: duckdb.DuckDBPyConnection, start: dt.date | None, end: dt.date | None,
                       limit: int = 20) -> Findings:
    """Account-days with a negative value where platforms really report one (REPORTED_NEGATIVE_COLUMNS):
    kept as reported, worth a warning, never a reason to stop a run."""
    columns = [c for c in count_columns(con) if c in REPORTED_NEGATIVE_COLUMNS]
    return _negatives(con, columns, start, end, limit) if columns else Findings(
        ("platform", "account_id", "date", "column", "value"), [], 0)


def _negatives(con: duckdb.DuckDBPyConnection, columns: list[str], start: dt.date | None, end: dt.date | None,
               limit: int) -> Findings:
    where, params = _window(start, end)
    unpivoted = " UNION ALL ".join(
        f"SELECT platform, account_id, date, {_literal(name)} AS column_name, {_quote(name)} AS value "
        f"FROM core.account_daily WHERE {where} AND {_quote(name)} < 0" for name in columns)
    rows = con.execute(f"SELECT *, count(*) OVER () FROM ({unpivoted}) ORDER BY ALL LIMIT ?",
                       params * len(columns) + [limit]).fetchall()
    return Findings(("platform", "account_id", "date", "column", "value"),
                    [r[:-1] for r in rows], rows[0][-1] if rows else 0)


def follower_jumps(con: duckdb.DuckDBPyConnection, start: dt.date | None, end: dt.date | None,
                   max_share: float, limit: int = 20) -> Findings:
    """Days whose followers moved by more than `max_share` of the previous day's count.

    The previous day may lie before the window (its row is read from the table); days after a
    zero or unknown count are not judged.
    """
    where, params = _window(start, end)
    rows = con.execute(f"""
        SELECT d.platform, d.account_id, d.date, previous.followers, d.followers,
               round((d.followers - previous.followers) / previous.followers, 4) AS change_share,
               count(*) OVER () AS total
        FROM (SELECT * FROM core.account_daily WHERE {where}) AS d
        JOIN core.account_daily AS previous
          ON previous.platform = d.platform AND previous.account_id = d.account_id
         AND previous.date = d.date - INTERVAL 1 DAY
        WHERE previous.followers > 0 AND d.followers IS NOT NULL
          AND abs(d.followers - previous.followers) > ? * previous.followers
        ORDER BY ALL LIMIT ?""", [*params, max_share, limit]).fetchall()
    return Findings(("platform", "account_id", "date", "followers_before", "followers", "change_share"),
                    [r[:-1] for r in rows], rows[0][-1] if rows else 0)


def latest_day(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    """The last date of core.account_daily from any input (the config's known counts aside)."""
    return con.execute("SELECT max(date) FROM core.account_daily WHERE source <> 'config'").fetchall()[0][0]


def accounts_without_day(con: duckdb.DuckDBPyConnection, accounts: Sequence[tuple[str, str]],
                         day: dt.date) -> Findings:
    """Which of `accounts` (platform, account_id) have no value at all in core.account_daily on `day`.

    A row whose metrics are all NULL (Meta writes placeholders for days it has not processed yet)
    counts as missing, and so does a known-count row from the config.
    """
    if not accounts:
        return Findings(("platform", "account_id"), [], 0)
    metrics = " OR ".join(f"{_quote(c)} IS NOT NULL" for c in [*count_columns(con), *SIGNED_ACCOUNT_DAILY_COLUMNS])
    rows = con.execute(f"""
        SELECT c.platform, c.account_id
        FROM (SELECT unnest(?::VARCHAR[]) AS platform, unnest(?::VARCHAR[]) AS account_id) AS c
        WHERE NOT EXISTS (
            SELECT 1 FROM core.account_daily AS d
            WHERE d.platform = c.platform AND d.account_id = c.account_id AND d.date = ?
              AND d.source <> 'config' AND ({metrics}))
        ORDER BY ALL""", [[p for p, _ in accounts], [a for _, a in accounts], day]).fetchall()
    return Findings(("platform", "account_id"), rows, len(rows))


def stale_api_accounts(con: duckdb.DuckDBPyConnection, accounts: Sequence[tuple[str, str]],
                       since: dt.date) -> Findings:
    """Which of `accounts` (platform, account_id) have no API value in raw on or after `since`,
    with the last date their API data covers (NULL: never)."""
    if not accounts:
        return Findings(("platform", "account_id", "last_api_date"), [], 0)
    rows = con.execute("""
        SELECT c.platform, c.account_id, max(v.date) AS last_api_date
        FROM (SELECT unnest(?::VARCHAR[]) AS platform, unnest(?::VARCHAR[]) AS account_id) AS c
        LEFT JOIN raw.account_daily_values AS v
               ON v.platform = c.platform AND v.account_id = c.account_id AND v.source = 'api'
        GROUP BY ALL
        HAVING max(v.date) IS NULL OR max(v.date) < ?
        ORDER BY ALL""", [[p for p, _ in accounts], [a for _, a in accounts], since]).fetchall()
    return Findings(("platform", "account_id", "last_api_date"), rows, len(rows))


def kpis_out_of_bounds(con: duckdb.DuckDBPyConnection, start: dt.date | None, end: dt.date | None,
                       bounds: Mapping[str, tuple[float | None, float | None]], limit: int = 20) -> Findings:
    """kpi.daily values outside their KPI's [low, high] (None = open), or not finite (NaN, inf).

    KPIs without bounds are only checked for finite values.
    """
    where, params = _window(start, end)
    names = sorted(bounds)
    rows = con.execute(f"""
        WITH bounds AS (
            SELECT unnest(?::VARCHAR[]) AS kpi, unnest(?::DOUBLE[]) AS low, unnest(?::DOUBLE[]) AS high)
        SELECT d.date, d.brand_id, d.platform, d.account_id, d.kpi, d.value, b.low, b.high,
               count(*) OVER () AS total
        FROM (SELECT * FROM kpi.daily WHERE {where}) AS d
        LEFT JOIN bounds AS b USING (kpi)
        WHERE d.value IS NOT NULL
          AND (isnan(d.value) OR isinf(d.value) OR d.value < b.low OR d.value > b.high)
        ORDER BY ALL LIMIT ?""",
        [names, [bounds[n][0] for n in names], [bounds[n][1] for n in names], *params, limit]).fetchall()
    return Findings(("date", "brand_id", "platform", "account_id", "kpi", "value", "low", "high"),
                    [r[:-1] for r in rows], rows[0][-1] if rows else 0)


def kpis_in_table(con: duckdb.DuckDBPyConnection, start: dt.date | None, end: dt.date | None) -> list[str]:
    """Distinct KPI names in kpi.daily for the window."""
    where, params = _window(start, end)
    return [r[0] for r in con.execute(f"SELECT DISTINCT kpi FROM kpi.daily WHERE {where} ORDER BY 1",
                                      params).fetchall()]
