"""Acceptance on the real export files: a brand with X, TikTok, YouTube and Facebook accounts
(tests/pipelines/real_brand.py), March 2025.

- the brand's monthly engagement_rate lies within the range of its daily rates (the period rule
  keeps follower-based rates on the daily scale);
- the flash report's figures equal kpi.monthly's; no change is printed against a period whose
  coverage differs; partial figures carry their badge.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from pipelines.report import build_report, headline_markdown
from tests.helpers import D
from tests.pipelines.real_brand import build_real_brand
from transforms.report import default_period, load_report, period_of

MARCH = D(2025, 3, 1)


@pytest.fixture(scope="module")
def snapshot(real_exports, tmp_path_factory):
    config = build_real_brand(real_exports, tmp_path_factory.mktemp("real_brand"))
    with duckdb.connect(str(config.snapshot_path), read_only=True) as con:
        yield con


def test_monthly_engagement_rate_lies_within_the_daily_range(snapshot):
    daily = [v for (v,) in snapshot.execute(
        "SELECT value FROM kpi.daily WHERE brand_id = 'real' AND platform = 'all' AND account_id = 'all' "
        "AND kpi = 'engagement_rate' AND date BETWEEN '2025-03-01' AND '2025-03-31' AND value IS NOT NULL").fetchall()]
    assert len(daily) >= 20
    for platform in ("all", "x", "tiktok"):
        (monthly,) = snapshot.execute(
            "SELECT value FROM kpi.monthly WHERE brand_id = 'real' AND platform = ? AND account_id = 'all' "
            "AND kpi = 'engagement_rate' AND month_start = ?", [platform, MARCH]).fetchall()[0]
        values = [v for (v,) in snapshot.execute(
            "SELECT value FROM kpi.daily WHERE brand_id = 'real' AND platform = ? AND account_id = 'all' "
            "AND kpi = 'engagement_rate' AND date BETWEEN '2025-03-01' AND '2025-03-31' AND value IS NOT NULL",
            [platform]).fetchall()]
        assert min(values) <= monthly <= max(values), (platform, monthly, min(values), max(values))


def test_report_figures_equal_kpi_monthly(snapshot):
    data = load_report(snapshot, "real", period_of("month", MARCH))
    monthly = {k: (v, d, n, s, c) for k, v, d, n, s, c in snapshot.execute(
        "SELECT kpi, value, days_in_period, days_counted, accounts_in_scope, accounts_counted FROM kpi.monthly "
        "WHERE brand_id = 'real' AND platform = 'all' AND account_id = 'all' AND month_start = ?", [MARCH]).fetchall()}
    cards = data.headline()
    assert {"followers", "engagements", "engagement_rate", "impressions"} <= {c.kpi for c in cards}
    for card in cards:
        value, days_in, days, in_scope, counted = monthly[card.kpi]
        assert card.value == value, card.kpi
        assert (card.coverage.days_in_period, card.coverage.days_counted, card.coverage.accounts_in_scope,
                card.coverage.accounts_counted) == (days_in, days, in_scope, counted), card.kpi
        if not card.like_for_like:
            assert card.change is None and card.coverage_note.startswith("coverage differs")


def test_followers_cover_fewer_accounts_and_say_so(snapshot):
    # X's exports end on 2025-03-21: the brand's followers on 03-31 are TikTok's alone
    data = load_report(snapshot, "real", period_of("month", MARCH))
    followers = next(c for c in data.headline() if c.kpi == "followers")
    assert (followers.coverage.accounts_counted, followers.coverage.accounts_in_scope) == (1, 2)
    assert followers.coverage.badge.startswith("partial: 1 of 2 accounts")
    assert followers.change is None
    markdown = headline_markdown(data)
    assert "partial: 1 of 2 accounts" in markdown and "coverage differs" in markdown
    html = build_report(snapshot, "real", "month", MARCH)[1]
    card = html[html.index('data-kpi="followers"'):]
    card = card[:card.index('<div class="card"')] if '<div class="card"' in card else card
    assert 'data-badge="partial">partial: 1 of 2 accounts' in card
    assert "data-coverage-differs" in card and "%" not in card.split("vs previous", 1)[1].split("</dd>", 1)[0]


def test_default_month_is_one_with_data_on_every_platform(snapshot):
    # TikTok's files run on to 2026-02: the latest complete month overall has TikTok alone
    assert default_period(snapshot, "real", "month") == period_of("month", MARCH)
    built = build_report(snapshot, "real", "month")
    assert built is not None and built[0].period.start == MARCH
    assert snapshot.execute("SELECT max(date) FROM kpi.daily WHERE brand_id = 'real'").fetchall()[0][0] > \
        dt.date(2025, 12, 31)
