"""kpi.daily on a small hand-computed fixture.

Account x/a1 (brand acme): follower gains and losses, a known count of 1000 at the end of
2025-01-01, impressions (zero on 01-03), likes/comments/shares/saves, clicks, posts.
Account tiktok/b1 (brand acme): follower totals, reach (zero on 01-03), likes/comments/shares
(TikTok reports no saves, so its engagements are likes + comments + shares).
Every expected value below was computed by hand from these inputs.
"""

from __future__ import annotations

import pytest

from tests.helpers import D, accounts, land_days, warehouse
from transforms.core import build_core
from transforms.kpis import build_kpi_daily, write_catalogue

N = None

A_DAYS = {
    D(2025, 1, 2): dict(followers_gained=20, followers_lost=5, impressions=2000, likes=50, comments=10, shares=5,
                        saves=5, clicks=40, posts_published=2),
    D(2025, 1, 3): dict(followers_gained=10, followers_lost=10, impressions=0, likes=0, comments=0, shares=0,
                        saves=0, clicks=0, posts_published=0),
    D(2025, 1, 4): dict(followers_gained=30, followers_lost=N, impressions=1500, likes=30, comments=N, shares=3,
                        saves=2, clicks=15, posts_published=1),
}
B_DAYS = {
    D(2025, 1, 2): dict(followers=500, reach=300, likes=20, comments=2, shares=3),
    D(2025, 1, 3): dict(followers=510, reach=0, likes=5, comments=0, shares=0),
    D(2025, 1, 4): dict(followers=N, reach=200, likes=10, comments=1, shares=1),
}


@pytest.fixture(scope="module")
def kpis(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("kpi")
    con = warehouse()
    land_days(con, tmp, "x", "a1", A_DAYS)
    land_days(con, tmp, "tiktok", "b1", B_DAYS)
    accounts(con, [("x", "a1", "acme"), ("tiktok", "b1", "acme")], anchors=[("x", "a1", D(2025, 1, 1), 1000)])
    build_core(con, D(2025, 1, 1), D(2025, 1, 4))
    write_catalogue(con)
    build_kpi_daily(con, D(2025, 1, 1), D(2025, 1, 4))
    rows = con.execute(
        "SELECT date, platform, account_id, kpi, value, numerator, denominator FROM kpi.daily").fetchall()
    yield {(r[0], r[1], r[2], r[3]): r[4:] for r in rows}, con


def value(kpis, day, platform, account, kpi):
    table, _ = kpis
    assert (D(2025, 1, day), platform, account, kpi) in table, f"no row for {kpi} {platform}/{account} on {day}"
    return table[(D(2025, 1, day), platform, account, kpi)][0]


@pytest.mark.parametrize(("day", "kpi", "expected"), [
    # followers rebuilt from the known count: 1000 + (20 - 5) = 1015, then + (10 - 10)
    (1, "followers", 1000), (2, "followers", 1015), (3, "followers", 1015),
    (4, "followers", None),  # 01-04 lost is a placeholder: net change unknown, the series stops
    (2, "followers_net_change", 15), (3, "followers_net_change", 0), (4, "followers_net_change", None),
    (2, "audience_growth_rate", 1.5), (3, "audience_growth_rate", 0.0),
    (2, "engagements", 70), (3, "engagements", 0), (4, "engagements", None),  # comments missing on 01-04
    (2, "engagement_rate", 7.0), (3, "engagement_rate", 0.0), (4, "engagement_rate", None),
    (1, "engagement_rate", None),  # no followers at the start of the first day
    (2, "engagement_rate_impressions", 3.5), (3, "engagement_rate_impressions", None),  # 0 impressions
    (2, "applause_rate", 5.5), (4, "applause_rate", 32 / 1015 * 100),
    (2, "amplification_rate", 0.5), (2, "virality_rate", 0.25), (3, "virality_rate", None),
    (2, "post_reaction_rate", None),  # x/a1 reports no reach: no rows at all, checked below
    (2, "ctr", 2.0), (3, "ctr", None), (4, "ctr", 1.0),
    (2, "posts_published", 2), (2, "engagements_per_post", 35.0), (3, "engagements_per_post", None),
    (2, "follower_churn_rate", 0.5), (3, "follower_churn_rate", 10 / 1015 * 100), (4, "follower_churn_rate", None),
    (2, "follower_retention_rate", 99.5), (3, "follower_retention_rate", 1005 / 1015 * 100),
    (2, "potential_reach", 1015),
])
def test_account_a(kpis, day, kpi, expected):
    table, _ = kpis
    if kpi == "post_reaction_rate":
        assert not any(k[3] == kpi and k[2] == "a1" for k in table)
        return
    assert value(kpis, day, "x", "a1", kpi) == pytest.approx(expected) if expected is not None else \
        value(kpis, day, "x", "a1", kpi) is None


@pytest.mark.parametrize(("day", "kpi", "expected"), [
    (2, "engagements", 25), (3, "engagements", 5), (4, "engagements", 12),  # likes + comments + shares
    (2, "engagement_rate", None),  # followers at start (01-01) unknown: no carrying forward
    (3, "engagement_rate", 1.0), (4, "engagement_rate", 12 / 510 * 100),
    (2, "engagement_rate_reach", 25 / 300 * 100), (3, "engagement_rate_reach", None), (4, "engagement_rate_reach", 6.0),
    (3, "reach_rate", 0.0), (4, "reach_rate", 200 / 510 * 100),
    (2, "post_reaction_rate", 22 / 300 * 100), (4, "post_reaction_rate", 5.5),
    (3, "followers_net_change", 10),  # day-over-day difference of the totals
    (3, "audience_growth_rate", 2.0), (4, "followers", None),
])
def test_account_b(kpis, day, kpi, expected):
    got = value(kpis, day, "tiktok", "b1", kpi)
    assert got is None if expected is None else got == pytest.approx(expected)


@pytest.mark.parametrize(("platform", "account", "kpi"), [
    ("tiktok", "b1", "saves"), ("tiktok", "b1", "impressions"), ("tiktok", "b1", "ctr"),
    ("tiktok", "b1", "follower_churn_rate"), ("x", "a1", "reach"), ("x", "a1", "reach_rate"),
])
def test_no_rows_for_kpis_the_inputs_can_never_produce(kpis, platform, account, kpi):
    table, _ = kpis
    assert not any(k[1:] == (platform, account, kpi) for k in table)


@pytest.mark.parametrize(("day", "kpi", "expected"), [
    (2, "followers", 1515), (3, "followers", 1525), (4, "followers", None), (1, "followers", 1000),
    (2, "engagements", 95), (4, "engagements", 12),  # a1 has no value on 01-04: sum of those that have
    (2, "engagement_rate", 7.0),  # b1 has no denominator on 01-02: only a1 counts
    (3, "engagement_rate", 5 / 1515 * 100), (4, "engagement_rate", 12 / 510 * 100),
    (3, "ctr", None),  # the only impressions are 0
    (2, "potential_reach", 1515),
])
def test_brand_rollup(kpis, day, kpi, expected):
    got = value(kpis, day, "all", "all", kpi)
    assert got is None if expected is None else got == pytest.approx(expected)


def test_platform_rollup_equals_its_single_account(kpis):
    table, _ = kpis
    for (day, _platform, account, kpi), row in table.items():
        if account == "a1":
            rollup = table[(day, "x", "all", kpi)]
            assert rollup[0] == row[0]
            if row[1] is not None and row[2] is not None:  # rollups keep only complete pairs
                assert rollup == row


def test_rates_carry_numerator_and_denominator_counts_do_not(kpis):
    table, _ = kpis
    assert table[(D(2025, 1, 3), "all", "all", "engagement_rate")][1:] == (5, 1515)
    assert table[(D(2025, 1, 2), "x", "a1", "follower_retention_rate")][1:] == (995, 1000)
    assert table[(D(2025, 1, 2), "x", "a1", "likes")] == (50, 50, None)


def test_catalogue_lists_every_kpi_of_the_design(kpis):
    _, con = kpis
    names = {r[0] for r in con.execute("SELECT kpi FROM kpi.catalogue").fetchall()}
    assert names == {
        "followers", "followers_net_change", "audience_growth_rate", "impressions", "reach", "reach_rate",
        "potential_reach", "profile_visits", "video_views", "share_of_voice", "likes", "comments", "shares",
        "saves", "clicks", "engagements", "engagement_rate", "engagement_rate_reach",
        "engagement_rate_impressions", "applause_rate", "amplification_rate", "virality_rate",
        "post_reaction_rate", "posts_published", "engagements_per_post", "engagement_rate_per_post",
        "follower_churn_rate",
        "follower_retention_rate", "ctr", "conversions", "conversion_rate", "bounce_rate", "cpc", "cpm", "roi",
        "reviews_count", "average_rating", "csat", "nps"}
    assert con.execute("SELECT count(*) FROM kpi.catalogue WHERE indicator NOT IN ('leading', 'lagging') "
                       "OR category NOT IN ('reach', 'engagement', 'conversion', 'customer')").fetchall()[0][0] == 0
