"""kpi.daily_wide, kpi.weekly and kpi.monthly on a hand-computed fixture, plus a check of every
weekly and monthly row against an independent Python re-aggregation of generated data.

x/a1: known count 1000 at the end of 2025-03-30 (Sunday), then every day 03-31..04-08:
   day    gained lost impressions likes comments shares saves -> net  followers engagements
   03-31  20     5    1000        40    5        3      2          15   1015      50
   04-01  10     0    500         20    0        0      0          10   1025      20
   04-02  0      10   0           0     0        0      0          -10  1015      0
   04-03  5      5    400         10    2        1      1          0    1015      14
   04-04  15     5    600         30    3        2      1          10   1025      36
   04-05  0      0    0           0     0        0      0          0    1025      0
   04-06  10     0    1000        50    10       5      5          10   1035      70
   04-07  30     10   2000        80    10       5      5          20   1055      100
   04-08  0      5    1000        40    5        3      2          -5   1050      50
tiktok/b1 (follower totals, reach; no saves): 03-30 followers 500;
   03-31 followers 510, reach 300, likes 20, comments 2, shares 3 (engagements 25)
   04-01 followers placeholder, reach 200, likes 10, comments 0, shares 0 (10)
   04-02..04-05 no rows (missing days)
   04-06 followers 530, reach 100, likes 5, comments 1, shares 0 (6)
   04-07 followers 540, reach 0, likes 0, comments 0, shares 0 (0)
   04-08 followers 545, reach 50, likes 4, comments 0, shares 1 (5)
Web sessions from facebook (brand acme): 03-31 100 sessions / 40 bounced, 04-01 0 / 0,
   04-02 50 / unknown, 04-07 200 / 50.
ISO weeks: 2025-W14 = 03-31..04-06, W15 = 04-07..04-13. Months: March (03-30, 03-31), April.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

import pytest

from tests.helpers import D, accounts, land_days, warehouse
from transforms.catalogue import KPI_BY_NAME, KPIS, PERIOD_RULES
from transforms.core import build_core
from transforms.kpis import ReportingCurrency, build_kpi_daily, write_catalogue

N = None
W14, W15 = D(2025, 3, 31), D(2025, 4, 7)
MARCH, APRIL = D(2025, 3, 1), D(2025, 4, 1)

X_ROWS = [  # gained, lost, impressions, likes, comments, shares, saves
    (20, 5, 1000, 40, 5, 3, 2), (10, 0, 500, 20, 0, 0, 0), (0, 10, 0, 0, 0, 0, 0), (5, 5, 400, 10, 2, 1, 1),
    (15, 5, 600, 30, 3, 2, 1), (0, 0, 0, 0, 0, 0, 0), (10, 0, 1000, 50, 10, 5, 5), (30, 10, 2000, 80, 10, 5, 5),
    (0, 5, 1000, 40, 5, 3, 2)]
X_DAYS = {D(2025, 3, 31) + dt.timedelta(days=i): dict(zip(
    ("followers_gained", "followers_lost", "impressions", "likes", "comments", "shares", "saves"), values, strict=True))
    for i, values in enumerate(X_ROWS)}
B_DAYS = {
    D(2025, 3, 30): dict(followers=500),
    D(2025, 3, 31): dict(followers=510, reach=300, likes=20, comments=2, shares=3),
    D(2025, 4, 1): dict(followers=N, reach=200, likes=10, comments=0, shares=0),
    D(2025, 4, 6): dict(followers=530, reach=100, likes=5, comments=1, shares=0),
    D(2025, 4, 7): dict(followers=540, reach=0, likes=0, comments=0, shares=0),
    D(2025, 4, 8): dict(followers=545, reach=50, likes=4, comments=0, shares=1),
}
WEB = [(D(2025, 3, 31), 100, 40), (D(2025, 4, 1), 0, 0), (D(2025, 4, 2), 50, N), (D(2025, 4, 7), 200, 50)]


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("periods")
    con = warehouse()
    land_days(con, tmp, "x", "a1", X_DAYS)
    land_days(con, tmp, "tiktok", "b1", B_DAYS)
    accounts(con, [("x", "a1", "acme"), ("tiktok", "b1", "acme")], anchors=[("x", "a1", D(2025, 3, 30), 1000)])
    build_core(con, D(2025, 3, 30), D(2025, 4, 8))
    con.executemany("INSERT INTO core.web_daily (date, platform, brand_id, account_id, sessions, bounced_sessions) "
                    "VALUES (?, 'facebook', 'acme', 'p', ?, ?)", WEB)
    write_catalogue(con)
    build_kpi_daily(con, D(2025, 3, 30), D(2025, 4, 8), ReportingCurrency("EUR"))
    return con


def period(con, view: str, start: dt.date, platform: str, account: str, kpi: str) -> tuple:
    column = "week_start" if view == "weekly" else "month_start"
    rows = con.execute(f"SELECT value, numerator, denominator, days_with_rows FROM kpi.{view} "
                       f"WHERE {column} = ? AND platform = ? AND account_id = ? AND kpi = ?",
                       [start, platform, account, kpi]).fetchall()
    assert len(rows) == 1, (view, start, platform, account, kpi, rows)
    return rows[0]


def approx(expected: tuple) -> tuple:
    return tuple(e if e is None else pytest.approx(e) for e in expected)


@pytest.mark.parametrize(("start", "kpi", "expected"), [
    # value, numerator, denominator, days with rows
    (W14, "followers", (1035, 1035, N, 7)),  # end of the week (04-06)
    (W15, "followers", (1050, 1050, N, 2)),  # the partial week ends on its last day with a row (04-08)
    (W14, "followers_net_change", (35, 35, N, 7)),  # 15 + 10 - 10 + 0 + 10 + 0 + 10
    (W14, "impressions", (3500, 3500, N, 7)),  # 1000 + 500 + 0 + 400 + 600 + 0 + 1000
    (W14, "engagements", (190, 190, N, 7)),  # 50 + 20 + 0 + 14 + 36 + 0 + 70
    (W14, "engagement_rate", (19.0, 190, 1000, 7)),  # over the followers at the end of 03-30
    (W15, "engagement_rate", (150 / 1035 * 100, 150, 1035, 2)),  # (100 + 50) over followers of 04-06
    (W14, "engagement_rate_impressions", (190 / 3500 * 100, 190, 3500, 7)),  # not an average of daily rates
    (W14, "audience_growth_rate", (3.5, 35, 1000, 7)),
    (W14, "follower_churn_rate", (2.5, 25, 1000, 7)),  # lost 5 + 0 + 10 + 5 + 5 + 0 + 0
    (W14, "follower_retention_rate", (97.5, 975, 1000, 7)),  # (1000 - 25) / 1000
    (W14, "virality_rate", (11 / 3500 * 100, 11, 3500, 7)),  # shares 3 + 0 + 0 + 1 + 2 + 0 + 5
])
def test_weekly_account_x(con, start, kpi, expected):
    assert period(con, "weekly", start, "x", "a1", kpi) == approx(expected)


@pytest.mark.parametrize(("start", "kpi", "expected"), [
    (W14, "followers", (530, 530, N, 3)),  # rows on 03-31, 04-01 and 04-06 only
    (W14, "engagements", (41, 41, N, 3)),  # 25 + 10 + 6
    (W14, "engagement_rate", (8.2, 41, 500, 3)),  # followers at the end of 03-30: 500
    (W15, "engagement_rate", (5 / 530 * 100, 5, 530, 2)),
    (W14, "followers_net_change", (10, 10, N, 3)),  # 510 - 500; unknown on 04-01 and 04-06
    # reach is not additive over days: NULL for periods, with the reach-denominated rates
    (W14, "reach", (N, N, N, 3)), (W14, "reach_rate", (N, N, N, 3)),
    (W14, "engagement_rate_reach", (N, N, N, 3)), (W14, "post_reaction_rate", (N, N, N, 3)),
])
def test_weekly_account_tiktok_with_missing_days(con, start, kpi, expected):
    assert period(con, "weekly", start, "tiktok", "b1", kpi) == approx(expected)


@pytest.mark.parametrize(("start", "platform", "kpi", "expected"), [
    (W14, "all", "followers", (1565, 1565, N, 7)),  # 1035 + 530 on 04-06
    # daily brand numerators (accounts with both): 75, 30, 0, 14, 36, 0, 70 (b1 lacks followers at the start
    # of 04-06); the first day's denominator: 1000 + 500
    (W14, "all", "engagement_rate", (225 / 1500 * 100, 225, 1500, 7)),
    (W14, "facebook", "bounce_rate", (40.0, 40, 100, 3)),  # (40 + 0) / (100 + 0); 04-02 has no pair
    (W15, "facebook", "bounce_rate", (25.0, 50, 200, 1)),
])
def test_weekly_rollups(con, start, platform, kpi, expected):
    assert period(con, "weekly", start, platform, "all", kpi) == approx(expected)


@pytest.mark.parametrize(("start", "kpi", "expected"), [
    (APRIL, "followers", (1050, 1050, N, 8)),
    (APRIL, "engagements", (290, 290, N, 8)),  # 20 + 0 + 14 + 36 + 0 + 70 + 100 + 50
    (APRIL, "engagement_rate", (290 / 1015 * 100, 290, 1015, 8)),  # followers at the end of 03-31
    (MARCH, "followers", (1015, 1015, N, 2)),  # end of March
    (MARCH, "engagement_rate", (N, 50, N, 2)),  # no row on 03-01: followers at the month start unknown
])
def test_monthly_account_x(con, start, kpi, expected):
    assert period(con, "monthly", start, "x", "a1", kpi) == approx(expected)


def test_week_and_month_bounds(con):
    assert con.execute("SELECT DISTINCT week_start, week_end, iso_year, iso_week FROM kpi.weekly ORDER BY 1"
                       ).fetchall() == [(D(2025, 3, 24), D(2025, 3, 30), 2025, 13), (W14, D(2025, 4, 6), 2025, 14),
                                        (W15, D(2025, 4, 13), 2025, 15)]
    assert con.execute("SELECT DISTINCT month_start, month_end FROM kpi.monthly ORDER BY 1").fetchall() == [
        (MARCH, D(2025, 3, 31)), (APRIL, D(2025, 4, 30))]


def test_daily_wide_has_one_column_per_catalogue_kpi(con):
    columns = [r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE schema_name = 'kpi' "
                                         "AND table_name = 'daily_wide' ORDER BY column_index").fetchall()]
    assert columns == ["date", "brand_id", "platform", "account_id", *(k.name for k in KPIS)]
    wide = con.execute("SELECT engagements, engagement_rate, followers, bounce_rate, reach FROM kpi.daily_wide "
                       "WHERE date = '2025-03-31' AND platform = 'x' AND account_id = 'a1'").fetchall()
    assert wide == [(50, 5.0, 1015, None, None)]  # 50 / 1000; x has no bounce rate or reach
    assert con.execute("SELECT count(*) FROM kpi.daily_wide").fetchall() == con.execute(
        "SELECT count(DISTINCT (date, brand_id, platform, account_id)) FROM kpi.daily").fetchall()


# ---- every period row against an independent re-aggregation ---------------------------------


def python_periods(rows: list[tuple], period_start) -> dict[tuple, tuple]:
    """Re-aggregate kpi.daily rows by the catalogue's period rules, in plain Python."""
    groups: dict[tuple, list[tuple]] = defaultdict(list)
    for date, brand, platform, account, kpi, value, numerator, denominator in rows:
        groups[(period_start(date), brand, platform, account, kpi)].append((date, value, numerator, denominator))
    out = {}
    for key, days in groups.items():
        start, kpi = key[0], KPI_BY_NAME[key[4]]
        nums = [n for _, _, n, _ in days if n is not None]
        pairs = [(n, d) for _, _, n, d in days if n is not None and d is not None]
        first = [d for date, _, _, d in days if date == start]
        start_den = first[0] if first else None
        if kpi.period == "sum":
            num, den = (sum(nums) if nums else None), None
        elif kpi.period == "end":
            num, den = max(days)[1], None
        elif kpi.period == "ratio":
            num, den = (sum(n for n, _ in pairs), sum(d for _, d in pairs)) if pairs else (None, None)
        elif kpi.period == "start_ratio":
            num, den = (sum(nums) if nums else None), start_den
        elif kpi.period == "retention":
            lost = sum(d - n for n, d in pairs) if pairs else None
            num = start_den - lost if start_den is not None and lost is not None else None
            den = start_den
        else:
            num = den = None
        if kpi.period in ("sum", "end"):
            value = num
        else:
            value = num / den * kpi.scale if num is not None and den not in (None, 0) else None
        out[key] = (value, num, den, len(days))
    return out


def test_weekly_and_monthly_match_a_python_reaggregation_of_generated_data(tmp_path):
    rng = random.Random(20250331)
    con = warehouse()
    start, days = D(2025, 1, 27), 70
    for account in ("a1", "a2", "a3"):
        platform = rng.choice(["x", "facebook", "tiktok"])
        series = {}
        for i in range(days):
            if rng.random() < 0.1:
                continue  # a missing day
            values = {m: (None if rng.random() < 0.05 else float(rng.randint(0, 50)))
                      for m in ("followers_gained", "followers_lost", "impressions", "reach", "likes", "comments",
                                "shares", "saves", "clicks", "posts_published")}
            values["impressions"] = rng.choice([0.0, values["impressions"], values["impressions"]])
            series[start + dt.timedelta(days=i)] = values
        land_days(con, tmp_path, platform, account, series)
    accounts(con, [(p, a, "acme") for p, a in con.execute(
        "SELECT DISTINCT platform, account_id FROM raw.account_daily_values ORDER BY 2").fetchall()],
        anchors=[(p, a, start, 1000 + 100 * i) for i, (p, a) in enumerate(con.execute(
            "SELECT DISTINCT platform, account_id FROM raw.account_daily_values ORDER BY 2").fetchall())])
    build_core(con, start, start + dt.timedelta(days=days))
    write_catalogue(con)
    build_kpi_daily(con, start, start + dt.timedelta(days=days), ReportingCurrency("EUR"))
    daily = con.execute("SELECT date, brand_id, platform, account_id, kpi, value, numerator, denominator "
                        "FROM kpi.daily").fetchall()
    assert len(daily) > 3000
    for view, truncate in (("weekly", lambda d: d - dt.timedelta(days=d.weekday())),
                           ("monthly", lambda d: d.replace(day=1))):
        column = "week_start" if view == "weekly" else "month_start"
        got = {tuple(r[:5]): tuple(r[5:]) for r in con.execute(
            f"SELECT {column}, brand_id, platform, account_id, kpi, value, numerator, denominator, days_with_rows "
            f"FROM kpi.{view}").fetchall()}
        expected = python_periods(daily, truncate)
        assert got.keys() == expected.keys()
        for key, row in expected.items():
            assert got[key] == approx(row), (view, key)


def test_docs_describe_every_kpi_and_period_rule():
    from tests.conftest import PROJECT_ROOT

    text = (PROJECT_ROOT / "docs" / "kpis.md").read_text(encoding="utf-8")
    assert [k.name for k in KPIS if f"`{k.name}`" not in text] == []
    assert [rule for rule in PERIOD_RULES if f"| `{rule}` |" not in text] == []
