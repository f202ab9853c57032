"""Data of the flash report: one brand, one period (day, ISO week or calendar month), from the KPI tables.

Every value is read as the KPI tables hold it (kpi.daily for a day, kpi.weekly / kpi.monthly for a
week / month); nothing here re-aggregates a KPI. SQL in transforms/sql/report_*.sql. Rendering is in
pipelines/report.py; definitions in docs/report.md.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

PERIODS = ("day", "week", "month")
SQL_DIR = Path(__file__).parent / "sql"
TREND_DAYS = 90
# The baseline of a week (month) is the median of the values of the 4 weeks (3 months) before it;
# the baseline of a day is kpi.baselines (the 28 days before it).
BASELINE_PERIODS = {"week": 4, "month": 3}
TOP_POSTS = 5

# Headline KPIs per category, in display order; a KPI shows when the brand has rows for it.
HEADLINE_KPIS: dict[str, tuple[str, ...]] = {
    "reach": ("followers", "impressions", "reach", "audience_growth_rate", "share_of_voice"),
    "engagement": ("engagements", "engagement_rate", "engagement_rate_per_post", "engagement_rate_impressions",
                   "posts_published"),
    "conversion": ("ctr", "conversions", "conversion_rate", "cpc", "roi"),
    "customer": ("average_rating", "reviews_count", "csat", "nps"),
}
# KPIs of the competitor section (kpi.competitor_benchmarks), in display order.
COMPETITOR_KPIS = ("followers", "followers_net_change", "audience_growth_rate", "posts_published",
                   "engagements_per_post", "engagement_rate_per_post")
TREND_KPIS = ("impressions", "reach", "engagements", "engagement_rate", "followers", "conversions")
PLATFORM_KPIS = ("impressions", "engagements", "engagement_rate_impressions", "posts_published")


@dataclass(frozen=True)
class Coverage:
    """What a period figure stands on: days counted of the period's days, accounts counted of those in scope.

    NULL parts (brand-fact KPIs have no accounts) are not a shortfall.
    """

    days_in_period: int
    days_counted: int | None
    accounts_in_scope: int | None = None
    accounts_counted: int | None = None
    # which accounts entered (platform/account_id), when known; for followers and potential_reach
    # the accounts of the period's last day are not known per account, so None
    accounts: frozenset[str] | None = None

    @property
    def partial_accounts(self) -> bool:
        return self.accounts_in_scope is not None and (self.accounts_counted or 0) < self.accounts_in_scope

    @property
    def partial_days(self) -> bool:
        return self.days_counted is not None and self.days_counted < self.days_in_period

    @property
    def complete(self) -> bool:
        return not (self.partial_accounts or self.partial_days)

    @property
    def badge(self) -> str:
        """'partial: x of y accounts, d of n days' (only the parts that fall short), or '' when complete."""
        parts = []
        if self.partial_accounts:
            parts.append(f"{self.accounts_counted or 0} of {self.accounts_in_scope} accounts")
        if self.partial_days:
            parts.append(f"{self.days_counted} of {self.days_in_period} days")
        return "partial: " + ", ".join(parts) if parts else ""


def comparable(current: Coverage, previous: Coverage) -> bool:
    """Like-for-like: the same number of accounts counted, and days complete in both (or equally many).

    Otherwise a change between the two would measure the coverage, not the KPI.
    """
    if current.accounts_counted != previous.accounts_counted:
        return False
    # as many accounts, but the same ones?
    if (current.partial_accounts or previous.partial_accounts) and (
            current.accounts is None or current.accounts != previous.accounts):
        return False
    return (not current.partial_days and not previous.partial_days) or current.days_counted == previous.days_counted


SUMMARY_KPIS = ("followers", "impressions", "engagements", "engagement_rate", "engagement_rate_per_post",
                "posts_published")


def period_summary(con: duckdb.DuckDBPyConnection, brand: str, period: Period,
                   kpis: tuple[str, ...] = SUMMARY_KPIS) -> list[dict]:
    """The brand's values of `kpis` over `period` per account and rollup, by the one period rule.

    transforms.kpis.period_values: the same SQL as kpi.weekly / kpi.monthly, so a command-line
    summary of a week or month prints exactly the report's and the views' figures.
    """
    from transforms.kpis import period_values

    frame = period_values(con, period.start, period.end)
    frame = frame[(frame["brand_id"] == brand) & frame["kpi"].isin(kpis)]
    frame = frame.astype(object).where(frame.notna(), None)
    return sorted(frame.to_dict("records"), key=lambda r: (r["platform"] == "all", r["platform"],
                                                           r["account_id"] == "all", r["account_id"], r["kpi"]))


def sql(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Period:
    kind: str  # day | week | month
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        if self.kind == "day":
            return self.start.strftime("%a %d %b %Y")
        if self.kind == "week":
            iso = self.start.isocalendar()
            return f"week {iso.year}-W{iso.week:02d} ({self.start:%d %b} – {self.end:%d %b %Y})"
        return self.start.strftime("%B %Y")

    def previous(self, n: int = 1) -> Period:
        """The period `n` periods before this one."""
        if self.kind == "day":
            return period_of("day", self.start - dt.timedelta(days=n))
        if self.kind == "week":
            return period_of("week", self.start - dt.timedelta(weeks=n))
        month = self.start.year * 12 + self.start.month - 1 - n
        return period_of("month", dt.date(month // 12, month % 12 + 1, 1))


def period_of(kind: str, day: dt.date) -> Period:
    """The day, ISO week (Monday to Sunday) or calendar month that contains `day`."""
    if kind == "day":
        return Period(kind, day, day)
    if kind == "week":
        start = day - dt.timedelta(days=day.weekday())
        return Period(kind, start, start + dt.timedelta(days=6))
    if kind == "month":
        start = day.replace(day=1)
        following = (start + dt.timedelta(days=32)).replace(day=1)
        return Period(kind, start, following - dt.timedelta(days=1))
    raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {kind!r}")


def last_data_date(con: duckdb.DuckDBPyConnection, brand: str) -> dt.date | None:
    return con.execute("SELECT max(date) FROM kpi.daily WHERE brand_id = ?", [brand]).fetchall()[0][0]


def latest_complete_period(con: duckdb.DuckDBPyConnection, brand: str, kind: str) -> Period | None:
    """The last period whose last day is on or before the brand's last day in kpi.daily."""
    last = last_data_date(con, brand)
    if last is None:
        return None
    period = period_of(kind, last)
    return period if period.end <= last else period.previous()


def default_period(con: duckdb.DuckDBPyConnection, brand: str, kind: str) -> Period | None:
    """The latest complete period in which the brand has data on the most platforms.

    A brand whose accounts' exports end on different days would otherwise get a default period
    that covers only the platform with the freshest file.
    """
    latest = latest_complete_period(con, brand, kind)
    if latest is None:
        return None
    platforms: dict[Period, set[str]] = {}
    for row in _rows(con, sql("report_platform_days"), {"brand": brand}):
        period = period_of(kind, row["date"])
        if period.end <= latest.end:
            platforms.setdefault(period, set()).add(row["platform"])
    if not platforms:
        return latest
    most = max(len(p) for p in platforms.values())
    return max((p for p, names in platforms.items() if len(names) == most), key=lambda p: p.start)


@dataclass
class Scorecard:
    kpi: str
    category: str
    unit: str
    higher_is_better: bool
    description: str
    value: float | None
    previous: float | None
    baseline: float | None = None
    baseline_note: str = ""
    band: tuple[float | None, float | None] = (None, None)
    robust_z: float | None = None
    anomaly_days: list[dt.date] = field(default_factory=list)
    targets: list[dict] = field(default_factory=list)
    coverage: Coverage | None = None
    previous_coverage: Coverage | None = None

    @property
    def like_for_like(self) -> bool:
        """Whether the previous period's figure stands on the same coverage (else no change is shown)."""
        if self.coverage is None or self.previous_coverage is None:
            return True
        return comparable(self.coverage, self.previous_coverage)

    @property
    def previous_comparable(self) -> float | None:
        """The previous value when the comparison is like-for-like, else None."""
        return self.previous if self.like_for_like else None

    @property
    def coverage_note(self) -> str:
        """Why no change is shown: the two periods' coverage, e.g. '1 of 2 accounts vs 2 of 2'."""
        if self.like_for_like or self.coverage is None or self.previous_coverage is None:
            return ""
        return f"coverage differs: {_coverage_text(self.coverage)} vs {_coverage_text(self.previous_coverage)}"

    @property
    def change(self) -> float | None:
        previous = self.previous_comparable
        return None if self.value is None or previous is None else self.value - previous

    @property
    def change_pct(self) -> float | None:
        if self.change is None or not self.previous:
            return None
        return self.change / abs(self.previous) * 100

    @property
    def vs_baseline_pct(self) -> float | None:
        if self.value is None or not self.baseline:
            return None
        return (self.value - self.baseline) / abs(self.baseline) * 100

    @property
    def is_anomaly(self) -> bool:
        return bool(self.anomaly_days)


def _coverage_text(coverage: Coverage) -> str:
    parts = []
    if coverage.accounts_in_scope is not None:
        parts.append(f"{coverage.accounts_counted or 0} of {coverage.accounts_in_scope} accounts")
    if coverage.days_counted is not None:
        parts.append(f"{coverage.days_counted} of {coverage.days_in_period} days")
    return ", ".join(parts)


def coverage_of(row: dict, accounts: list[str] | None = None) -> Coverage | None:
    """The Coverage of a report_periods row (and the accounts it counted), None for no row."""
    if not row:
        return None
    return Coverage(row["days_in_period"], row["days_counted"], row["accounts_in_scope"], row["accounts_counted"],
                    frozenset(accounts) if accounts is not None else None)


@dataclass
class ReportData:
    brand_id: str
    brand_name: str
    period: Period
    previous: Period
    last_data_date: dt.date | None
    currency: str
    scorecards: dict[str, list[Scorecard]]
    trends: dict[str, list[dict]]
    trend_window: tuple[dt.date, dt.date]
    platforms: dict[str, dict[str, float | None]]
    top_by_engagements: list[dict]
    top_by_rate: list[dict]
    posts_in_period: int
    anomalies: list[dict]
    targets: list[dict]
    coverage: list[dict]
    quarantined: list[dict] | None  # None: the warehouse could not be read (see quarantine_note)
    quarantine_note: str
    catalogue: dict[str, dict]
    # brand vs competitor average per platform (report_competitors.sql); empty without competitors
    competitors: list[dict] = field(default_factory=list)

    @property
    def targets_off_track(self) -> list[dict]:
        return [t for t in self.targets if t["status"] in ("off_track", "behind")]

    def headline(self) -> list[Scorecard]:
        return [card for cards in self.scorecards.values() for card in cards]


def _rows(con: duckdb.DuckDBPyConnection, query: str, params: dict) -> list[dict]:
    cursor = con.execute(query, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def read_quarantined(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Quarantined export files from a warehouse connection (raw.export_files)."""
    return _rows(con, sql("report_quarantine"), {})


def has_raw(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'raw' "
                            "AND table_name = 'export_files'").fetchall()[0][0])


def load_report(con: duckdb.DuckDBPyConnection, brand: str, period: Period, *, brand_name: str | None = None,
                currency: str = "EUR", quarantined: list[dict] | None = None,
                quarantine_note: str = "") -> ReportData:
    """Everything the report shows, from a connection to the warehouse or the analytics snapshot.

    Quarantined files come from `raw.export_files` when `con` has it (the warehouse), else from
    `quarantined` (the caller read them from the warehouse), else they are reported as unknown.
    """
    catalogue = {row["kpi"]: row for row in _rows(con, "SELECT * FROM kpi.catalogue", {})}
    headline = [k for ks in HEADLINE_KPIS.values() for k in ks if k in catalogue]
    if period.kind != "day":  # reach and reach-based rates have no period value (period_rule 'none')
        headline = [k for k in headline if catalogue[k]["period_rule"] != "none"]
    previous = period.previous()
    n_base = BASELINE_PERIODS.get(period.kind, 0)
    base_periods = [period.previous(i) for i in range(1, n_base + 1)]
    starts = sorted({period.start, previous.start, *(p.start for p in base_periods)})
    values = _rows(con, sql("report_periods"), {"period": period.kind, "brand": brand, "starts": starts,
                                                "kpis": headline + list(PLATFORM_KPIS)})
    brand_rows = {(r["period_start"], r["kpi"]): r for r in values if r["platform"] == "all"}
    counted_accounts = {(r["period_start"], r["kpi"]): r["accounts"] for r in _rows(
        con, sql("report_period_accounts"),
        {"period": period.kind, "brand": brand, "starts": starts, "kpis": headline})}
    day_baselines = _rows(con, sql("report_day_baselines"), {"brand": brand, "start": period.start,
                                                             "end": period.end, "kpis": headline})
    anomaly_days: dict[str, list[dt.date]] = {}
    own_baseline: dict[str, dict] = {}
    for row in day_baselines:
        if row["is_anomaly"]:
            anomaly_days.setdefault(row["kpi"], []).append(row["date"])
        if period.kind == "day":
            own_baseline[row["kpi"]] = row
    targets = _rows(con, sql("report_targets"), {"brand": brand, "end": period.end})

    scorecards: dict[str, list[Scorecard]] = {}
    for category, kpis in HEADLINE_KPIS.items():
        for kpi in kpis:
            # a KPI shows when the brand has a value for it in this period or the previous one
            has_value = any(brand_rows.get((start, kpi), {}).get("value") is not None
                            for start in (period.start, previous.start))
            if kpi not in headline or not has_value:
                continue
            meta = catalogue[kpi]

            def accounts_of(start: dt.date, kpi: str = kpi, rule: str = meta["period_rule"]) -> list[str] | None:
                return None if rule == "end" and period.kind != "day" else counted_accounts.get((start, kpi), [])

            current = brand_rows.get((period.start, kpi), {})
            before = brand_rows.get((previous.start, kpi), {})
            card = Scorecard(kpi=kpi, category=category, unit=meta["unit"], higher_is_better=meta["higher_is_better"],
                             description=meta["description"], value=current.get("value"),
                             previous=before.get("value"), anomaly_days=anomaly_days.get(kpi, []),
                             coverage=coverage_of(current, accounts_of(period.start))
                             or Coverage(period.days, 0),
                             previous_coverage=coverage_of(before, accounts_of(previous.start))
                             or Coverage(previous.days, 0),
                             targets=[t for t in targets if t["kpi"] == kpi])
            if period.kind == "day":
                base = own_baseline.get(kpi, {})
                card.baseline = base.get("median_28d")
                card.band = (base.get("p10_28d"), base.get("p90_28d"))
                card.robust_z = base.get("robust_z")
                card.baseline_note = "median of the 28 days before"
            else:
                # like-for-like: only the periods before with the same coverage as this one
                known = [v for p in base_periods
                         if (v := (row := brand_rows.get((p.start, kpi), {})).get("value")) is not None
                         and comparable(card.coverage, coverage_of(row, accounts_of(p.start)))]
                card.baseline = statistics.median(known) if known else None
                card.baseline_note = f"median of the {len(known)} {period.kind}s before with the same coverage" \
                    if known else ""
            scorecards.setdefault(category, []).append(card)

    trend_end = period.end
    trend_start = trend_end - dt.timedelta(days=TREND_DAYS - 1)
    trends: dict[str, list[dict]] = {}
    for row in _rows(con, sql("report_trends"), {"brand": brand, "start": trend_start, "end": trend_end,
                                                 "kpis": list(TREND_KPIS)}):
        trends.setdefault(row["kpi"], []).append(row)
    trends = {k: trends[k] for k in TREND_KPIS if any(r["value"] is not None for r in trends.get(k, []))}

    platforms: dict[str, dict[str, float | None]] = {}
    for row in values:
        if row["period_start"] == period.start and row["platform"] != "all" and row["kpi"] in PLATFORM_KPIS:
            platforms.setdefault(row["platform"], {})[row["kpi"]] = row["value"]

    posts = _rows(con, sql("report_top_posts"), {"brand": brand, "start": period.start, "end": period.end})
    for post in posts:
        post["permalink"] = post["permalink"] if (post["permalink"] or "").startswith(("https://", "http://")) \
            else None
    by_engagements = sorted((p for p in posts if p["engagements"] is not None),
                            key=lambda p: (-p["engagements"], p["platform"], p["post_id"]))[:TOP_POSTS]
    by_rate = sorted((p for p in posts if p["engagement_rate"] is not None),
                     key=lambda p: (-p["engagement_rate"], p["platform"], p["post_id"]))[:TOP_POSTS]

    if has_raw(con):
        quarantined, quarantine_note = read_quarantined(con), ""
    return ReportData(
        brand_id=brand, brand_name=brand_name or brand, period=period, previous=previous,
        last_data_date=last_data_date(con, brand), currency=currency, scorecards=scorecards, trends=trends,
        trend_window=(trend_start, trend_end), platforms=dict(sorted(platforms.items())),
        top_by_engagements=by_engagements, top_by_rate=by_rate, posts_in_period=len(posts),
        anomalies=_rows(con, sql("report_anomalies"), {"brand": brand, "start": period.start, "end": period.end}),
        targets=targets,
        coverage=_rows(con, sql("report_coverage"), {"brand": brand, "start": period.start, "end": period.end}),
        quarantined=quarantined, quarantine_note=quarantine_note, catalogue=catalogue,
        competitors=read_competitors(con, brand, period))


def read_competitors(con: duckdb.DuckDBPyConnection, brand: str, period: Period) -> list[dict]:
    """The brand vs its competitors per platform and KPI in the period (kpi.competitor_benchmarks)."""
    rows = _rows(con, sql("report_competitors"), {"brand": brand, "period": period.kind, "start": period.start})
    return sorted((r for r in rows if r["kpi"] in COMPETITOR_KPIS),
                  key=lambda r: (r["platform"], COMPETITOR_KPIS.index(r["kpi"])))
