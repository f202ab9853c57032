"""Coverage of rollups and periods on hand-computed fixtures.

- x/a1: followers known (1,000 at the end of 2025-01-31), +10 a day, likes = day of month.
- tiktok/b1: reports followers, but only placeholders in March: its engagements leave the brand's
  engagement_rate (coverage 1 of 2) while they count for engagements.
- tiktok/c1 (brand acme2): followers 500 + 5 a day, data stops after 2025-03-15.
- facebook/z9: found in the drop folder only (not in the config): its own rows, no rollup.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.helpers import D, accounts, land_days, warehouse
from transforms.core import build_core
from transforms.kpis import ReportingCurrency, build_kpi_daily, write_catalogue
from transforms.report import Coverage, comparable

FEB, MARCH = D(2025, 2, 1), D(2025, 3, 1)
N = None


def days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("coverage")
    con = warehouse()
    land_days(con, tmp, "x", "a1", {d: {"followers_gained": 10, "followers_lost": 0, "likes": d.day, "comments": 0,
                                        "shares": 0, "saves": 0} for d in days(FEB, D(2025, 3, 31))})
    land_days(con, tmp, "tiktok", "b1", {d: {"followers": 800 if d < MARCH else None, "likes": 100, "comments": 0,
                                             "shares": 0} for d in days(FEB, D(2025, 3, 31))})
    land_days(con, tmp, "tiktok", "c1", {d: {"followers": 500 + 5 * (d - FEB).days, "likes": 20, "comments": 0,
                                             "shares": 0} for d in days(FEB, D(2025, 3, 15))})
    land_days(con, tmp, "facebook", "z9", {d: {"likes": 7, "comments": 0, "shares": 0} for d in days(FEB, FEB)})
    accounts(con, [("x", "a1", "acme"), ("tiktok", "b1", "acme"), ("tiktok", "c1", "acme2"),
                   ("facebook", "z9", "acme")], anchors=[("x", "a1", D(2025, 1, 31), 1000)])
    con.execute("UPDATE core.accounts SET in_config = false WHERE account_id = 'z9'")
    build_core(con, D(2025, 1, 31), D(2025, 3, 31))
    write_catalogue(con)
    build_kpi_daily(con, D(2025, 1, 31), D(2025, 3, 31), ReportingCurrency("EUR"))
    return con


def daily(con, day, platform, account, kpi, brand="acme") -> tuple:
    return con.execute("SELECT value, numerator, denominator, accounts_in_scope, accounts_counted FROM kpi.daily "
                       "WHERE date = ? AND brand_id = ? AND platform = ? AND account_id = ? AND kpi = ?",
                       [day, brand, platform, account, kpi]).fetchall()[0]


def monthly(con, start, platform, account, kpi, brand="acme") -> tuple:
    return con.execute("SELECT value, numerator, denominator, days_in_period, days_counted, accounts_in_scope, "
                       "accounts_counted FROM kpi.monthly WHERE month_start = ? AND brand_id = ? AND platform = ? "
                       "AND account_id = ? AND kpi = ?", [start, brand, platform, account, kpi]).fetchall()[0]


def approx(values: tuple) -> tuple:
    return tuple(v if v is None or isinstance(v, int) else pytest.approx(v) for v in values)


def test_an_account_without_followers_leaves_the_rate_not_the_counts(con):
    # 2025-03-02: a1 engagements 2 over 1,290 followers at the start; b1's 100 have no followers behind them
    assert daily(con, D(2025, 3, 2), "all", "all", "engagement_rate") == approx((2 / 1290 * 100, 2, 1290, 2, 1))
    assert daily(con, D(2025, 3, 2), "all", "all", "engagements") == approx((102, 102, N, 2, 2))
    # 2025-03-01: b1 still has followers at the start of the day (800 at the end of 02-28)
    assert daily(con, MARCH, "all", "all", "engagement_rate") == approx((101 / 2080 * 100, 101, 2080, 2, 2))
    # the month: a1 all 31 days; b1 only on 03-01 (its followers at the start of the other days are unknown)
    a1_followers = sum(1000 + 10 * (28 + i) for i in range(31))  # 1,280 at the end of 02-28, +10 a day
    assert monthly(con, MARCH, "all", "all", "engagement_rate") == approx(
        ((496 + 100) / (a1_followers + 800) * 100, 496 + 100, a1_followers + 800, 31, 1, 2, 2))


def test_a_31_day_month_is_the_follower_weighted_mean_of_its_days(con):
    # followers at the start of March 1..31: 1,280, 1,290, ..., 1,580 (sum 44,330); likes 1..31 (496)
    value, numerator, denominator, *coverage = monthly(con, MARCH, "x", "a1", "engagement_rate")
    assert (numerator, denominator, *coverage) == (496, 44330, 31, 31, 1, 1)
    assert value == pytest.approx(496 / 44330 * 100)
    rates = con.execute("SELECT value, denominator FROM kpi.daily WHERE platform = 'x' AND account_id = 'a1' "
                        "AND kpi = 'engagement_rate' AND date BETWEEN '2025-03-01' AND '2025-03-31'").fetchall()
    assert len(rates) == 31
    assert value == pytest.approx(sum(v * d for v, d in rates) / sum(d for _, d in rates))
    assert min(v for v, _ in rates) < value < max(v for v, _ in rates)
    # cumulative exception: 31 x 10 net over the 1,280 followers at the start of the month
    assert monthly(con, MARCH, "x", "a1", "audience_growth_rate") == approx((310 / 1280 * 100, 310, 1280, 31, 31, 1, 1))


def test_an_account_stopping_mid_month_makes_the_rollup_partial(con):
    # acme2 has one account, c1, which stops after 03-15
    assert monthly(con, MARCH, "all", "all", "engagements", "acme2") == approx((15 * 20, 300, N, 31, 15, 1, 1))
    assert monthly(con, FEB, "all", "all", "engagements", "acme2") == approx((28 * 20, 560, N, 28, 28, 1, 1))
    # acme: b1's followers stop at the end of February: March's brand followers cover 1 of 2 accounts
    assert monthly(con, MARCH, "all", "all", "followers") == approx((1590, 1590, N, 31, 31, 2, 1))
    assert monthly(con, FEB, "all", "all", "followers") == approx((1280 + 800, 2080, N, 28, 28, 2, 2))


def coverage(con, start, platform, account, kpi, brand="acme") -> Coverage:
    *_, days_in, days_counted, in_scope, counted = monthly(con, start, platform, account, kpi, brand)
    return Coverage(days_in, days_counted, in_scope, counted)


def test_like_for_like_comparison(con):
    march, feb = coverage(con, MARCH, "all", "all", "followers"), coverage(con, FEB, "all", "all", "followers")
    assert not comparable(march, feb)  # 1 of 2 accounts against 2 of 2
    assert march.badge == "partial: 1 of 2 accounts" and feb.badge == ""
    partial = coverage(con, MARCH, "all", "all", "engagements", "acme2")
    assert partial.badge == "partial: 15 of 31 days"
    assert not comparable(partial, coverage(con, FEB, "all", "all", "engagements", "acme2"))
    # complete months of different lengths compare; so does the account itself
    assert comparable(coverage(con, MARCH, "x", "a1", "engagements"), coverage(con, FEB, "x", "a1", "engagements"))
    assert Coverage(31, 10, 3, 2).badge == "partial: 2 of 3 accounts, 10 of 31 days"


def test_accounts_missing_from_the_config_stay_out_of_rollups(con):
    assert daily(con, FEB, "facebook", "z9", "likes") == approx((7, 7, N, 0, 1))
    assert con.execute("SELECT count(*) FROM kpi.daily WHERE platform = 'facebook' AND account_id = 'all'"
                       ).fetchall() == [(0,)]
    # the brand's likes on 02-01: a1 1 + b1 100, not z9's 7
    assert daily(con, FEB, "all", "all", "likes") == approx((101, 101, N, 2, 2))
