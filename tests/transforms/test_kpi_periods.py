"""kpi.daily_wide, kpi.weekly and kpi.monthly on a hand-computed fixture, plus a check of every
weekly and monthly row against an independent Python re-aggregation of generated data, and the
property that a period's follower- or reach-based rate lies within its daily values.

The period rule (DESIGN "Periods"): a rate is its summed daily numerators / summed daily
denominators over the days with both, so engagement_rate over a week is the follower-weighted mean
of the daily rates (denominator: follower-days), not the week's engagements over one day's followers.

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
    rows = con.execute(f"SELECT value, numerator, denominator, days_counted FROM kpi.{view} "
                       f"WHERE {column} = ? AND platform = ? AND account_id = ? AND kpi = ?",
                       [start, platform, account, kpi]).fetchall()
    assert len(rows) == 1, (view, start, platform, account, kpi, rows)
    return rows[0]


def approx(expected: tuple) -> tuple:
    return tuple(e if e is None else pytest.approx(e) for e in expected)


# x/a1 followers at the start of each day of W14 (end of the day before): 1000, 1015, 1025, 1015, 1015,
# 1025, 1025 (sum 7120 follower-days); of W15: 1035, 1055 (2090).
@pytest.mark.parametrize(("start", "kpi", "expected"), [
    # value, numerator, denominator, days counted
    (W14, "followers", (1035, 1035, N, 7)),  # end of the week (04-06)
    (W15, "followers", (1050, 1050, N, 2)),  # the partial week ends on its last day with a value (04-08)
    (W14, "followers_net_change", (35, 35, N, 7)),  # 15 + 10 - 10 + 0 + 10 + 0 + 10
    (W14, "impressions", (3500, 3500, N, 7)),  # 1000 + 500 + 0 + 400 + 600 + 0 + 1000
    (W14, "engagements", (190, 190, N, 7)),  # 50 + 20 + 0 + 14 + 36 + 0 + 70
    (W14, "engagement_rate", (190 / 7120 * 100, 190, 7120, 7)),  # on the daily scale: ~2.67 %, not 19 %
    (W15, "engagement_rate", (150 / 2090 * 100, 150, 2090, 2)),  # (100 + 50) / (1035 + 1055)
    (W14, "amplification_rate", (11 / 7120 * 100, 11, 7120, 7)),
    (W14, "engagement_rate_impressions", (190 / 3500 * 100, 190, 3500, 5)),  # 04-02 and 04-05: 0 impressions
    # the cumulative exceptions: over the followers at the end of 03-30
    (W14, "audience_growth_rate", (3.5, 35, 1000, 7)),
    (W14, "follower_churn_rate", (2.5, 25, 1000, 7)),  # lost 5 + 0 + 10 + 5 + 5 + 0 + 0
    (W14, "follower_retention_rate", (97.5, 975, 1000, 7)),  # (1000 - 25) / 1000
    (W14, "virality_rate", (11 / 3500 * 100, 11, 3500, 5)),  # shares 3 + 0 + 0 + 1 + 2 + 0 + 5
])
def test_weekly_account_x(con, start, kpi, expected):
    assert period(con, "weekly", start, "x", "a1", kpi) == approx(expected)


def test_weekly_rate_is_the_follower_weighted_mean_of_the_daily_rates(con):
    daily = con.execute("SELECT value, denominator FROM kpi.daily WHERE platform = 'x' AND account_id = 'a1' "
                        "AND kpi = 'engagement_rate' AND date BETWEEN ? AND ?", [W14, W14 + dt.timedelta(6)]).fetchall()
    weighted = sum(v * d for v, d in daily) / sum(d for _, d in daily)
    assert period(con, "weekly", W14, "x", "a1", "engagement_rate")[0] == pytest.approx(weighted)
    assert min(v for v, _ in daily) <= weighted <= max(v for v, _ in daily)


# tiktok/b1 followers at the start of each day: 03-31 500, 04-01 510, 04-06 unknown (no row on 04-05),
# 04-07 530, 04-08 540.
@pytest.mark.parametrize(("start", "kpi", "expected"), [
    (W14, "followers", (530, 530, N, 2)),  # values on 03-31 and 04-06 (04-01 is a placeholder)
    (W14, "engagements", (41, 41, N, 3)),  # 25 + 10 + 6
    (W14, "engagement_rate", (35 / 1010 * 100, 35, 1010, 2)),  # 04-06 has no followers at its start
    (W15, "engagement_rate", (5 / 1070 * 100, 5, 1070, 2)),  # (0 + 5) / (530 + 540)
    (W14, "followers_net_change", (10, 10, N, 1)),  # 510 - 500; unknown on 04-01 and 04-06
    # unique reach cannot be summed over days; reach-based rates use the summed daily reach
    (W14, "reach", (N, N, N, 3)),
    (W14, "reach_rate", (500 / 1010 * 100, 500, 1010, 2)),  # (300 + 200) / (500 + 510)
    (W14, "engagement_rate_reach", (41 / 600 * 100, 41, 600, 3)),
    (W14, "post_reaction_rate", (38 / 600 * 100, 38, 600, 3)),  # likes + comments 22 + 10 + 6
    (W15, "engagement_rate_reach", (5 / 50 * 100, 5, 50, 1)),  # 04-07: reach 0 gives no daily rate
])
def test_weekly_account_tiktok_with_missing_days(con, start, kpi, expected):
    assert period(con, "weekly", start, "tiktok", "b1", kpi) == approx(expected)


@pytest.mark.parametrize(("start", "platform", "kpi", "expected"), [
    (W14, "all", "followers", (1565, 1565, N, 7)),  # 1035 + 530 on 04-06
    # the rows (days x accounts) with both: x/a1 190 / 7120, tiktok/b1 35 / 1010; both accounts are
    # counted on 03-31 and 04-01 only: 2 complete days
    (W14, "all", "engagement_rate", (225 / 8130 * 100, 225, 8130, 2)),
    (W14, "all", "audience_growth_rate", (45 / 1500 * 100, 45, 1500, 1)),  # (35 + 10) / (1000 + 500); 03-31
    (W14, "facebook", "bounce_rate", (40.0, 40, 100, 1)),  # 04-01 has 0 sessions, 04-02 no bounces
    (W15, "facebook", "bounce_rate", (25.0, 50, 200, 1)),
])
def test_weekly_rollups(con, start, platform, kpi, expected):
    assert period(con, "weekly", start, platform, "all", kpi) == approx(expected)


def test_period_rows_carry_days_in_period_and_coverage(con):
    rows = con.execute("SELECT platform, account_id, days_in_period, days_counted, accounts_in_scope, accounts_counted "
                       "FROM kpi.weekly WHERE week_start = ? AND kpi = 'engagement_rate' ORDER BY ALL",
                       [W14]).fetchall()
    assert rows == [("all", "all", 7, 2, 2, 2), ("tiktok", "all", 7, 2, 1, 1), ("tiktok", "b1", 7, 2, 1, 1),
                    ("x", "a1", 7, 7, 1, 1), ("x", "all", 7, 7, 1, 1)]
    assert con.execute("SELECT days_in_period FROM kpi.monthly WHERE month_start = ? LIMIT 1", [MARCH]
                       ).fetchall() == [(31,)]


# April for x/a1: followers at the start of 04-01..04-08: 1015, 1025, 1015, 1015, 1025, 1025, 1035, 1055 (8210)
@pytest.mark.parametrize(("start", "kpi", "expected"), [
    (APRIL, "followers", (1050, 1050, N, 8)),
    (APRIL, "engagements", (290, 290, N, 8)),  # 20 + 0 + 14 + 36 + 0 + 70 + 100 + 50
    (APRIL, "engagement_rate", (290 / 8210 * 100, 290, 8210, 8)),
    (APRIL, "audience_growth_rate", (35 / 1015 * 100, 35, 1015, 8)),  # 10 - 10 + 0 + 10 + 0 + 10 + 20 - 5
    (MARCH, "followers", (1015, 1015, N, 2)),  # end of March (03-30 holds the known count)
    (MARCH, "engagement_rate", (5.0, 50, 1000, 1)),  # only 03-31 has engagements and followers at its start
    (MARCH, "audience_growth_rate", (N, 15, N, 1)),  # no row on 03-01: followers at the month start unknown
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


def _series_period(kpi, days: list[tuple], start) -> tuple:
    """(numerator, denominator, days counted) of one series by its KPI's period rule."""
    rule = kpi.period
    if rule == "ratio":
        counted = [(n, d) for _, _, n, d in days if n is not None and d is not None and d != 0]
    elif rule == "retention":
        counted = [(n, d) for _, _, n, d in days if n is not None and d is not None]
    else:
        counted = [(n, d) for _, _, n, d in days if n is not None]
    first = [d for date, _, _, d in days if date == start]
    start_den = first[0] if first else None
    num = sum(n for n, _ in counted) if counted else None
    if rule in ("sum", "none"):
        den = None
    elif rule == "end":
        known = [(date, v) for date, v, _, _ in days if v is not None]
        num, den = (max(known)[1] if known else None), None
    elif rule == "ratio":
        den = sum(d for _, d in counted) if counted else None
    elif rule == "start_ratio":
        den = start_den
    else:  # retention
        lost = sum(d - n for n, d in counted) if counted else None
        num = start_den - lost if start_den is not None and lost is not None else None
        den = start_den
    return num, den, len(counted)


def python_periods(rows: list[tuple], period_start) -> dict[tuple, tuple]:
    """Re-aggregate kpi.daily rows by the period rule of DESIGN "Periods", in plain Python."""
    groups: dict[tuple, list[tuple]] = defaultdict(list)
    counted_accounts: dict[tuple, int] = {}
    for date, brand, platform, account, kpi, value, numerator, denominator, accounts_counted in rows:
        groups[(period_start(date), brand, platform, account, kpi)].append((date, value, numerator, denominator))
        counted_accounts[(date, brand, platform, account, kpi)] = accounts_counted
    series = {key: _series_period(KPI_BY_NAME[key[4]], days, key[0]) for key, days in groups.items()}
    out = {}
    for key, (num, den, counted) in series.items():
        start, brand, platform, account, name = key
        kpi = KPI_BY_NAME[name]
        if account == "all" and kpi.level == "account":
            accounts = [(n, d, c) for (s, b, p, a, k), (n, d, c) in series.items()
                        if (s, b, k) == (start, brand, name) and a != "all" and (platform == "all" or p == platform)]
            if kpi.period in ("start_ratio", "retention"):
                # cumulative rates of a rollup: over the accounts with both parts
                entered = [(n, d) for n, d, _ in accounts if n is not None and d is not None]
                num, den = (sum(n for n, _ in entered), sum(d for _, d in entered)) if entered else (None, None)
            else:
                entered = [c for _, _, c in accounts if c > 0]
            if kpi.period != "end":
                # rollup days: the counted days on which every account that entered was counted
                counted = len([day for day, _, n, d in groups[key]
                               if _series_period(kpi, [(day, None, n, d)], None)[2] == 1
                               and counted_accounts[(day, brand, platform, "all", name)] >= len(entered)])
        if kpi.period == "none":
            num = den = value = None
        elif kpi.period in ("sum", "end"):
            value = num
        else:
            value = num / den * kpi.scale if num is not None and den not in (None, 0) else None
        out[key] = (value, num, den, counted)
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
    daily = con.execute("SELECT date, brand_id, platform, account_id, kpi, value, numerator, denominator, "
                        "accounts_counted FROM kpi.daily").fetchall()
    assert len(daily) > 3000
    for view, truncate in (("weekly", lambda d: d - dt.timedelta(days=d.weekday())),
                           ("monthly", lambda d: d.replace(day=1))):
        column = "week_start" if view == "weekly" else "month_start"
        got = {tuple(r[:5]): tuple(r[5:]) for r in con.execute(
            f"SELECT {column}, brand_id, platform, account_id, kpi, value, numerator, denominator, days_counted "
            f"FROM kpi.{view}").fetchall()}
        expected = python_periods(daily, truncate)
        assert got.keys() == expected.keys()
        for key, row in expected.items():
            assert got[key] == approx(row), (view, key)
        # property: a follower- or reach-based rate of a period lies within its daily values
        checked = 0
        for (start, brand, platform, account, name), (value, *_rest) in got.items():
            kpi = KPI_BY_NAME[name]
            if kpi.period != "ratio" or kpi.denominator_sql not in ("followers_start", "reach") or value is None:
                continue
            values = [v for d, b, p, a, k, v, _, _, _ in daily
                      if (truncate(d), b, p, a, k) == (start, brand, platform, account, name) and v is not None]
            assert min(values) - 1e-9 <= value <= max(values) + 1e-9, (view, start, platform, account, name)
            checked += 1
        assert checked > 50


def test_docs_describe_every_kpi_and_period_rule():
    from tests.conftest import PROJECT_ROOT

    text = (PROJECT_ROOT / "docs" / "kpis.md").read_text(encoding="utf-8")
    assert [k.name for k in KPIS if f"`{k.name}`" not in text] == []
    assert [rule for rule in PERIOD_RULES if f"| `{rule}` |" not in text] == []


def test_period_views_are_the_rendered_period_rule():
    """kpi.weekly / kpi.monthly (the newest migration creating them) are period_sql('week' / 'month')
    verbatim: one rule."""
    from transforms.kpis import period_sql
    from warehouse.schema import MIGRATIONS_DIR

    creating = [path for path in sorted(MIGRATIONS_DIR.glob("*.sql"))
                if "CREATE VIEW kpi.weekly AS" in path.read_text(encoding="utf-8")]
    text = creating[-1].read_text(encoding="utf-8")
    assert f"CREATE VIEW kpi.weekly AS\n{period_sql('week').rstrip()};\n" in text
    assert f"CREATE VIEW kpi.monthly AS\n{period_sql('month').rstrip()};\n" in text


def test_any_range_equals_the_views_for_a_week_and_a_month(con):
    from transforms.kpis import period_values

    columns = ["brand_id", "platform", "account_id", "kpi", "value", "numerator", "denominator", "days_in_period",
               "days_counted", "accounts_in_scope", "accounts_counted"]
    for view, column, start, end in (("weekly", "week_start", W14, W14 + dt.timedelta(6)),
                                     ("monthly", "month_start", APRIL, D(2025, 4, 30))):
        ranged = period_values(con, start, end)[columns].sort_values(columns[:4]).reset_index(drop=True)
        viewed = con.execute(f"SELECT {', '.join(columns)} FROM kpi.{view} WHERE {column} = ? ORDER BY 1, 2, 3, 4",
                             [start]).df()
        assert ranged.astype(object).where(ranged.notna(), None).values.tolist() == \
            viewed.astype(object).where(viewed.notna(), None).values.tolist()
    with pytest.raises(ValueError, match="before its start"):
        period_values(con, APRIL, MARCH)
