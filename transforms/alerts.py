"""Alert rules over the warehouse, and the record of what was delivered (meta.alerts_sent).

Rules read kpi.baselines, kpi.target_progress, raw.api_pages, meta.load_log and
raw.export_files by their documented columns (SQL in transforms/sql/alerts_*.sql). An alert is
identified by (rule, scope, date); per channel it is delivered until one attempt succeeds, and
never again after that. Delivery itself (Slack, e-mail) lives in pipelines/alerts.py.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from transforms.catalogue import KPI_BY_NAME
from warehouse.writes import transaction, utc_now

if TYPE_CHECKING:  # for annotations: DuckDB is imported where it is called (definitions start-up time)
    import duckdb

SQL_DIR = Path(__file__).parent / "sql"
RULES = ("anomaly", "target_status", "api_failing", "api_stale", "quarantine")
SENT, FAILED = "sent", "failed"
API_FAILURE_PREFIX = "API pull failed: "  # how the <platform>_api assets word their meta.load_log rows


def _sql(name: str) -> str:
    return (SQL_DIR / f"alerts_{name}.sql").read_text(encoding="utf-8")


def _rows(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, object]) -> list[dict]:
    cursor = con.execute(_sql(name), params)
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def fmt_value(value: float | None, unit: str = "count") -> str:
    """A KPI value for a message line (thousands separators, % for percent KPIs, '—' if unknown)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if unit == "percent":
        return f"{value:,.2f} %"
    if unit in ("ratio", "score", "currency"):
        return f"{value:,.2f}"
    return f"{value:,.0f}" if float(value).is_integer() or abs(value) >= 100 else f"{value:,.1f}"


@dataclass(frozen=True)
class Alert:
    """One condition worth telling people about; `facts` are the (label, value) lines of the message."""

    rule: str
    brand_id: str
    scope: str
    date: dt.date
    title: str
    reason: str
    facts: list[tuple[str, str]] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str, dt.date]:
        return self.rule, self.scope, self.date

    def to_json(self) -> str:
        data = asdict(self)
        data["date"] = self.date.isoformat()
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Alert:
        data = json.loads(text)
        return cls(rule=data["rule"], brand_id=data["brand_id"], scope=data["scope"],
                   date=dt.date.fromisoformat(data["date"]), title=data["title"], reason=data["reason"],
                   facts=[(label, value) for label, value in data["facts"]])


def _where(row: dict) -> str:
    """Human name of a kpi.daily scope: the brand, a platform rollup, or an account."""
    if row["platform"] == "all":
        return f"{row['brand_id']} (all platforms)"
    if row["account_id"] == "all":
        return f"{row['brand_id']} on {row['platform']} (all accounts)"
    name = row.get("account_name")
    return f"{name} ({row['platform']}/{row['account_id']})" if name else f"{row['platform']}/{row['account_id']}"


def anomaly_alerts(con: duckdb.DuckDBPyConnection, day: dt.date, brands: Sequence[str], kpis: Sequence[str],
                   scopes: Sequence[str], min_robust_z: float, min_abs_change: float) -> list[Alert]:
    alerts = []
    for row in _rows(con, "anomalies", {"day": day, "brands": list(brands), "kpis": list(kpis),
                                        "scopes": list(scopes), "min_z": min_robust_z,
                                        "min_change": min_abs_change}):
        unit = KPI_BY_NAME[row["kpi"]].unit if row["kpi"] in KPI_BY_NAME else "count"
        where = _where(row)
        direction = "above" if row["value"] > row["median_28d"] else "below"
        pct = row["pct_vs_baseline"]
        change = f" ({pct:+.0f} %)" if pct is not None else ""
        reason = (f"{row['kpi']} of {where} on {day} was {fmt_value(row['value'], unit)}, {direction} its 28-day "
                  f"median of {fmt_value(row['median_28d'], unit)}{change}; robust z {row['robust_z']:+.1f}.")
        alerts.append(Alert(
            rule="anomaly", brand_id=row["brand_id"],
            scope=f"{row['brand_id']}/{row['platform']}/{row['account_id']}/{row['kpi']}", date=day,
            title=f"Anomaly: {row['kpi']} of {where}", reason=reason,
            facts=[("KPI", row["kpi"]), ("Scope", where), ("Date", day.isoformat()),
                   ("Value", fmt_value(row["value"], unit)),
                   ("Baseline (28-day median)", fmt_value(row["median_28d"], unit)),
                   ("Change vs baseline", f"{pct:+.1f} %" if pct is not None else "—"),
                   ("Robust z", f"{row['robust_z']:+.2f}"),
                   ("Same weekday, 8-week median", fmt_value(row["weekday_median_8w"], unit))]))
    return alerts


def target_alerts(con: duckdb.DuckDBPyConnection, day: dt.date, brands: Sequence[str],
                  statuses: Sequence[str]) -> list[Alert]:
    alerts = []
    for row in _rows(con, "targets", {"day": day, "brands": list(brands), "statuses": list(statuses)}):
        unit = KPI_BY_NAME[row["kpi"]].unit if row["kpi"] in KPI_BY_NAME else "count"
        where = _where(row)
        status = row["status"].replace("_", " ")
        previous = (row["previous_status"] or "no status").replace("_", " ")
        reason = (f"target {row['target_id']} ({row['kpi']} of {where}) turned {status} on {day} (was {previous}): "
                  f"{fmt_value(row['current_value'], unit)} against {fmt_value(row['expected_value_today'], unit)} "
                  f"on the path, projected {fmt_value(row['projected_value_at_due'], unit)} by {row['due_date']} "
                  f"for a target of {fmt_value(row['target_value'], unit)}.")
        alerts.append(Alert(
            rule="target_status", brand_id=row["brand_id"], scope=row["target_id"], date=day,
            title=f"Target {row['target_id']} is {status}", reason=reason,
            facts=[("KPI", row["kpi"]), ("Scope", where), ("Date", day.isoformat()),
                   ("Status", f"{status} (was {previous})"),
                   ("Value", fmt_value(row["current_value"], unit)),
                   ("Target path today", fmt_value(row["expected_value_today"], unit)),
                   ("Projected at due date", fmt_value(row["projected_value_at_due"], unit)),
                   ("Target", f"{fmt_value(row['target_value'], unit)} by {row['due_date']}")]))
    return alerts


def api_stale_alerts(con: duckdb.DuckDBPyConnection, day: dt.date, accounts: Sequence[str],
                     stale_days: int) -> list[Alert]:
    if not accounts:
        return []
    alerts = []
    for row in _rows(con, "api_stale", {"day": day, "accounts": list(accounts), "stale_days": stale_days}):
        where = _where(row)
        reason = (f"no API data for {where} after {row['last_date']}: {row['days_stale']} days stale on {day} "
                  f"(the rule allows {stale_days - 1}).")
        alerts.append(Alert(
            rule="api_stale", brand_id=row["brand_id"], scope=f"{row['platform']}/{row['account_id']}",
            date=row["last_date"], title=f"API account stale: {where}", reason=reason,
            facts=[("Account", where), ("Last day with API data", row["last_date"].isoformat()),
                   ("Days stale", str(row["days_stale"]))]))
    return alerts


def _local_date(utc: dt.datetime, timezone: str) -> dt.date:
    return utc.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(timezone)).date()


def api_failing_alerts(con: duckdb.DuckDBPyConnection, since: dt.datetime, until: dt.datetime, timezone: str,
                       default_brand: str) -> list[Alert]:
    alerts = []
    for row in _rows(con, "api_failing", {"since": since, "until": until, "default_brand": default_brand}):
        where = _where(row)
        day = _local_date(row["logged_at"], timezone)
        error = row["message"].removeprefix(API_FAILURE_PREFIX)
        reason = f"the API pull of {where} failed: {error}"
        alerts.append(Alert(
            rule="api_failing", brand_id=row["brand_id"], scope=f"{row['platform']}/{row['account_id']}",
            date=day, title=f"API account failing: {where}", reason=reason,
            facts=[("Account", where), ("Failed at", f"{row['logged_at']:%Y-%m-%d %H:%M} UTC"),
                   ("Error", error)]))
    return alerts


def quarantine_alerts(con: duckdb.DuckDBPyConnection, since: dt.datetime, until: dt.datetime, timezone: str,
                      default_brand: str) -> list[Alert]:
    alerts = []
    for row in _rows(con, "quarantine", {"since": since, "until": until, "default_brand": default_brand}):
        day = _local_date(row["loaded_at"], timezone)
        reason = f"export file {row['path']} was quarantined: {row['reason']}"
        alerts.append(Alert(
            rule="quarantine", brand_id=row["brand_id"], scope=row["path"], date=day,
            title=f"Export file quarantined: {row['path']}", reason=reason,
            facts=[("File", row["path"]), ("Account", _where(row)), ("Reason", row["reason"] or "—")]))
    return alerts


# ---- meta.alerts_sent ----------------------------------------------------------------------------


def delivered(con: duckdb.DuckDBPyConnection, channel: str) -> set[tuple[str, str, dt.date]]:
    """Keys of the alerts already sent on `channel`."""
    return {(r, s, d) for r, s, d in con.execute(
        "SELECT DISTINCT rule, scope, date FROM meta.alerts_sent WHERE channel = ? AND status = ?",
        [channel, SENT]).fetchall()}


def failed_alerts(con: duckdb.DuckDBPyConnection, channel: str, not_before: dt.datetime) -> list[Alert]:
    """Alerts whose first attempt on `channel` was at or after `not_before` and that were never sent."""
    rows = con.execute("""
        SELECT any_value(details ORDER BY attempted_at DESC)
        FROM meta.alerts_sent
        WHERE channel = $channel
        GROUP BY rule, scope, date
        HAVING count(*) FILTER (WHERE status = 'sent') = 0 AND min(attempted_at) >= $not_before
        ORDER BY min(attempted_at), rule, scope, date""", {"channel": channel, "not_before": not_before}).fetchall()
    return [Alert.from_json(text) for (text,) in rows]


def record_attempt(con: duckdb.DuckDBPyConnection, alerts: Sequence[Alert], channel: str, status: str,
                   digest_id: str, error: str | None, run_id: str | None) -> None:
    """One meta.alerts_sent row per alert of a digest, numbered after the alert's earlier attempts."""
    now = utc_now()
    with transaction(con):
        for alert in alerts:
            attempt = con.execute(
                "SELECT count(*) + 1 FROM meta.alerts_sent WHERE rule = ? AND scope = ? AND date = ? AND channel = ?",
                [alert.rule, alert.scope, alert.date, channel]).fetchall()[0][0]
            con.execute("INSERT INTO meta.alerts_sent VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [now, alert.brand_id, alert.rule, alert.scope, alert.date, channel, status, attempt,
                         digest_id, alert.reason, error, run_id, alert.to_json()])


def failure_streak(con: duckdb.DuckDBPyConnection, channel: str) -> int:
    """How many of the channel's latest digests failed in a row (0 after a successful one)."""
    rows = con.execute("""
        SELECT bool_or(status = 'sent') FROM meta.alerts_sent WHERE channel = ?
        GROUP BY digest_id ORDER BY max(attempted_at) DESC""", [channel]).fetchall()
    streak = 0
    for (any_sent,) in rows:
        if any_sent:
            break
        streak += 1
    return streak
