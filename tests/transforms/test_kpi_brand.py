"""Brand-level KPIs of kpi.daily (web analytics, paid media, mentions, reviews, surveys) on a
hand-computed fixture, 2025-03-01..04, brand acme with competitor globex.

Social accounts (content clicks, the web conversion-rate denominator):
  facebook/fb1 clicks 100, 50, 0, placeholder;  instagram/ig1 clicks 40, 60, 20, 30. No tiktok account.
Web (core.web_daily: sessions, bounced, key events, revenue):
  03-01 facebook prop1 200, 80, 4, 300 EUR; prop2 (revenue in USD) 50, 10, 1, 110 USD
  03-01 instagram prop1 100, 50, 2, 100 | 03-02 facebook 150, 60, 3, 200 | 03-02 instagram 0, 0, 0, 0
  03-02 tiktok 10, 5, 1, 50 | 03-03 no web rows (a missing day) | 03-04 facebook 100, NULL, 2, 80
Ads (core.ads_daily, platform meta_ads; spend, impressions, clicks, conversions):
  act_1 (USD) campaign c1: 03-01 100, 20000, 200, 5 | 03-02 50, 10000, 0, 0 | 03-03 0, 0, 0, 0
  act_2 (EUR) campaign c2 (traffic: no conversions): 03-01 30, 6000, 60, NULL
Currency: reporting EUR, USD rate 0.9 (EUR per USD).
Mentions (acme, globex): x 03-01 30/70, 03-02 0/0, 03-03 20/(no globex row);
  instagram 03-01 10/0, 03-02 5/NULL, 03-03 15/5; tiktok 03-01 acme 8 (no competitor counted there).
Reviews (google_business): 02-20 rating 1, 03-01 ratings 5 and 3, 03-03 rating NULL, 03-04 rating 4.
Surveys: csat (1-5) 03-01 5, 4, 2 | 03-02 3 | 03-04 unanswered, 5;  nps (0-10) 03-01 10, 9, 7, 6, 0 |
  03-02 9, 9, 3 | 03-03 8.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from pipelines.config import ConfigError, load_config
from tests.helpers import D, accounts, land_days, warehouse
from transforms.core import build_core, refresh_event_spans, refresh_fact_coverage
from transforms.kpis import CurrencyError, ReportingCurrency, build_kpi_daily, write_catalogue

N = None
START, END = D(2025, 3, 1), D(2025, 3, 4)
EUR = ReportingCurrency("EUR", {"USD": 0.9}, web_revenue={"prop2": "USD"})


def day(n: int) -> dt.date:
    return D(2025, 3, n)


WEB = [  # date, platform, brand_id, account_id, sessions, bounced_sessions, conversions, revenue
    (day(1), "facebook", "acme", "prop1", 200, 80, 4, 300.0),
    (day(1), "facebook", "acme", "prop2", 50, 10, 1, 110.0),
    (day(1), "instagram", "acme", "prop1", 100, 50, 2, 100.0),
    (day(2), "facebook", "acme", "prop1", 150, 60, 3, 200.0),
    (day(2), "instagram", "acme", "prop1", 0, 0, 0, 0.0),
    (day(2), "tiktok", "acme", "prop1", 10, 5, 1, 50.0),
    (day(4), "facebook", "acme", "prop1", 100, N, 2, 80.0),
]
ADS = [  # platform, account_id, campaign_id, date, brand_id, currency, spend, impressions, clicks, conversions
    ("meta_ads", "act_1", "c1", day(1), "acme", "USD", 100.0, 20000, 200, 5),
    ("meta_ads", "act_1", "c1", day(2), "acme", "USD", 50.0, 10000, 0, 0),
    ("meta_ads", "act_1", "c1", day(3), "acme", "USD", 0.0, 0, 0, 0),
    ("meta_ads", "act_2", "c2", day(1), "acme", "EUR", 30.0, 6000, 60, N),
]
MENTIONS = [  # date, brand_id, subject_id, platform, is_competitor, mentions
    (day(1), "acme", "acme", "x", False, 30), (day(1), "acme", "globex", "x", True, 70),
    (day(2), "acme", "acme", "x", False, 0), (day(2), "acme", "globex", "x", True, 0),
    (day(3), "acme", "acme", "x", False, 20),
    (day(1), "acme", "acme", "instagram", False, 10), (day(1), "acme", "globex", "instagram", True, 0),
    (day(2), "acme", "acme", "instagram", False, 5), (day(2), "acme", "globex", "instagram", True, N),
    (day(3), "acme", "acme", "instagram", False, 15), (day(3), "acme", "globex", "instagram", True, 5),
    (day(1), "acme", "acme", "tiktok", False, 8),
]
REVIEWS = [  # platform, review_id, brand_id, created_date, rating
    ("google_business", "r0", "acme", D(2025, 2, 20), 1.0),
    ("google_business", "r1", "acme", day(1), 5.0), ("google_business", "r2", "acme", day(1), 3.0),
    ("google_business", "r3", "acme", day(3), N), ("google_business", "r4", "acme", day(4), 4.0),
]
SURVEYS = [  # survey_id, response_id, brand_id, responded_date, kind, score, scale_max
    *[("c", f"c1{i}", "acme", day(1), "csat", s, 5) for i, s in enumerate([5, 4, 2])],
    ("c", "c20", "acme", day(2), "csat", 3, 5),
    ("c", "c40", "acme", day(4), "csat", N, 5), ("c", "c41", "acme", day(4), "csat", 5, 5),
    *[("n", f"n1{i}", "acme", day(1), "nps", s, 10) for i, s in enumerate([10, 9, 7, 6, 0])],
    *[("n", f"n2{i}", "acme", day(2), "nps", s, 10) for i, s in enumerate([9, 9, 3])],
    ("n", "n30", "acme", day(3), "nps", 8, 10),
]


def insert(con: duckdb.DuckDBPyConnection, table: str, columns: str, rows: list[tuple]) -> None:
    marks = ", ".join("?" for _ in columns.split(","))
    con.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)


def business_facts(con: duckdb.DuckDBPyConnection, ads: list[tuple] = ADS, web: list[tuple] = WEB) -> None:
    insert(con, "core.web_daily", "date, platform, brand_id, account_id, sessions, bounced_sessions, conversions, "
           "revenue", web)
    insert(con, "core.ads_daily", "platform, account_id, campaign_id, date, brand_id, currency, spend, impressions, "
           "clicks, conversions", ads)
    insert(con, "core.mentions_daily", "date, brand_id, subject_id, platform, is_competitor, mentions", MENTIONS)
    insert(con, "core.reviews", "platform, review_id, brand_id, created_date, rating", REVIEWS)
    insert(con, "core.survey_responses", "survey_id, response_id, brand_id, responded_date, kind, score, scale_max",
           SURVEYS)
    refresh_fact_coverage(con)  # the facts are written straight into core: what the core rebuilds keep in step
    refresh_event_spans(con)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("brand")
    con = warehouse()
    land_days(con, tmp, "facebook", "fb1", {day(1): {"clicks": 100}, day(2): {"clicks": 50},
                                            day(3): {"clicks": 0}, day(4): {"clicks": N}})
    land_days(con, tmp, "instagram", "ig1", {day(1): {"clicks": 40}, day(2): {"clicks": 60},
                                             day(3): {"clicks": 20}, day(4): {"clicks": 30}})
    accounts(con, [("facebook", "fb1", "acme"), ("instagram", "ig1", "acme")])
    build_core(con, START, END)
    business_facts(con)
    write_catalogue(con)
    build_kpi_daily(con, START, END, EUR)
    rows = con.execute("SELECT date, platform, account_id, kpi, value, numerator, denominator FROM kpi.daily"
                       ).fetchall()
    return {(r[0], r[1], r[2], r[3]): r[4:] for r in rows}, con


def row(built, n: int, platform: str, kpi: str) -> tuple:
    table, _ = built
    key = (day(n), platform, "all", kpi)
    assert key in table, f"no {kpi} row for {platform} on 03-0{n}"
    return table[key]


def check(built, n: int, platform: str, kpi: str, expected: float | None) -> None:
    got = row(built, n, platform, kpi)[0]
    assert got is None if expected is None else got == pytest.approx(expected), (kpi, platform, n, got)


@pytest.mark.parametrize(("n", "platform", "expected"), [
    # prop1 + prop2 on facebook: (80 + 10) / (200 + 50) = 90 / 250
    (1, "facebook", 36.0), (1, "instagram", 50.0), (2, "facebook", 40.0),
    (2, "instagram", None),  # 0 sessions
    (2, "tiktok", 50.0),  # web sessions from a platform without a brand account still have a bounce rate
    (4, "facebook", None),  # bounced sessions unknown
    (1, "all", 140 / 350 * 100),  # (90 + 50) / (250 + 100)
    (2, "all", 65 / 160 * 100),  # (60 + 0 + 5) / (150 + 0 + 10)
    (4, "all", None),  # no platform has both
])
def test_bounce_rate(built, n, platform, expected):
    check(built, n, platform, "bounce_rate", expected)


def test_no_web_rows_on_a_missing_day(built):
    table, _ = built
    assert not [k for k in table if k[0] == day(3) and k[3] == "bounce_rate"]


@pytest.mark.parametrize(("n", "platform", "expected"), [
    (1, "facebook", 5), (1, "instagram", 2), (1, "meta_ads", 5),  # c2 is a traffic campaign: NULL, not 0
    (1, "all", 12),  # 5 + 2 + 5
    (2, "all", 4),  # facebook 3 + instagram 0 + tiktok 1 + meta_ads 0
    (3, "meta_ads", 0), (3, "all", 0), (4, "all", 2),
])
def test_conversions(built, n, platform, expected):
    check(built, n, platform, "conversions", expected)


@pytest.mark.parametrize(("n", "platform", "expected"), [
    (1, "facebook", 5.0),  # 5 key events / 100 content clicks
    (2, "facebook", 6.0),  # 3 / 50
    (4, "facebook", None),  # content clicks unknown (placeholder)
    (1, "instagram", 5.0), (2, "instagram", 0.0),  # 2 / 40, 0 / 60
    (1, "meta_ads", 2.5),  # 5 / 200: only c1 reports conversions
    (2, "meta_ads", None), (3, "meta_ads", None),  # 0 / 0
    (1, "all", 12 / 340 * 100),  # (5 + 2 + 5) / (100 + 40 + 200)
    (2, "all", 3 / 110 * 100),  # (3 + 0 + 0) / (50 + 60 + 0)
    (3, "all", None), (4, "all", None),
])
def test_conversion_rate(built, n, platform, expected):
    check(built, n, platform, "conversion_rate", expected)


def test_conversion_rate_needs_content_clicks_on_the_platform(built):
    table, _ = built
    # tiktok has web key events but the brand has no tiktok account reporting clicks
    assert (day(2), "tiktok", "all", "conversions") in table
    assert not [k for k in table if k[1] == "tiktok" and k[3] == "conversion_rate"]


@pytest.mark.parametrize(("n", "platform", "kpi", "expected"), [
    # 03-01: 100 USD x 0.9 + 30 EUR = 120 EUR over 200 + 60 clicks and 20000 + 6000 impressions
    (1, "meta_ads", "cpc", 120 / 260), (1, "meta_ads", "cpm", 120 / 26000 * 1000),
    (1, "all", "cpc", 120 / 260),
    (2, "meta_ads", "cpc", None),  # 45 EUR over 0 clicks
    (2, "meta_ads", "cpm", 4.5),  # 45 / 10000 x 1000
    (3, "meta_ads", "cpm", None),  # 0 / 0
])
def test_costs_in_the_reporting_currency(built, n, platform, kpi, expected):
    check(built, n, platform, kpi, expected)
    if (n, kpi) == (2, "cpc"):
        assert row(built, n, platform, kpi)[1:] == (pytest.approx(45.0), 0.0)


@pytest.mark.parametrize(("n", "expected", "pair"), [
    # revenue 300 + 110 USD x 0.9 + 100 = 499, spend 120: (499 - 120) / 120
    (1, 379 / 120 * 100, (379, 120)),
    (2, 205 / 45 * 100, (205, 45)),  # revenue 200 + 0 + 50 = 250, spend 45
    (3, None, (None, 0)),  # no web revenue that day, spend 0
    (4, None, (None, None)),  # revenue 80, no ads that day: spend unknown, not 0
])
def test_roi_pairs_revenue_with_spend_per_brand(built, n, expected, pair):
    check(built, n, "all", "roi", expected)
    got = row(built, n, "all", "roi")[1:]
    assert got == tuple(pytest.approx(p) if p is not None else None for p in pair)


def test_roi_and_surveys_exist_only_across_platforms(built):
    table, _ = built
    assert {k[1] for k in table if k[3] in ("roi", "csat", "nps")} == {"all"}
    brand_kpis = {"conversions", "conversion_rate", "bounce_rate", "cpc", "cpm", "roi", "share_of_voice",
                  "reviews_count", "average_rating", "csat", "nps"}
    assert {k[2] for k in table if k[3] in brand_kpis} == {"all"}


@pytest.mark.parametrize(("n", "platform", "expected"), [
    (1, "x", 30.0),  # 30 / (30 + 70)
    (1, "instagram", 100.0),  # 10 / (10 + 0)
    (2, "x", None),  # 0 / 0
    (2, "instagram", None),  # the competitor's count is unknown
    (3, "x", None),  # no competitor row that day: the denominator is not known
    (3, "instagram", 75.0),  # 15 / 20
    (1, "all", 40 / 110 * 100),  # (30 + 10) / (100 + 10)
    (2, "all", None),  # only x is complete, and it is 0 / 0
    (3, "all", 75.0),
])
def test_share_of_voice(built, n, platform, expected):
    check(built, n, platform, "share_of_voice", expected)


def test_no_share_of_voice_where_no_competitor_is_counted(built):
    table, _ = built
    assert not [k for k in table if k[1] == "tiktok" and k[3] == "share_of_voice"]


@pytest.mark.parametrize(("n", "count", "rating", "pair"), [
    (1, 2, 4.0, (8, 2)),  # (5 + 3) / 2
    (2, 0, None, (0, 0)),  # a day without reviews, inside the span of known reviews (02-20..03-04)
    (3, 1, None, (0, 0)),  # one review without a rating
    (4, 1, 4.0, (4, 1)),
])
def test_reviews(built, n, count, rating, pair):
    for platform in ("google_business", "all"):
        check(built, n, platform, "reviews_count", count)
        check(built, n, platform, "average_rating", rating)
        assert row(built, n, platform, "average_rating")[1:] == pair


@pytest.mark.parametrize(("n", "kpi", "expected", "pair"), [
    (1, "csat", 200 / 3, (2, 3)),  # 5 and 4 are the top two points of 1-5
    (2, "csat", 0.0, (0, 1)),
    (3, "csat", None, (0, 0)),  # no response that day
    (4, "csat", 100.0, (1, 1)),  # the unanswered response does not count
    (1, "nps", 0.0, (0, 5)),  # promoters 10, 9; detractors 6, 0: (2 - 2) / 5
    (2, "nps", 100 / 3, (1, 3)),  # (2 - 1) / 3
    (3, "nps", 0.0, (0, 1)),  # 8 is passive
])
def test_surveys(built, n, kpi, expected, pair):
    check(built, n, "all", kpi, expected)
    assert row(built, n, "all", kpi)[1:] == pair


def test_no_nps_row_after_the_last_response(built):
    table, _ = built
    assert (day(4), "all", "all", "nps") not in table
    assert (day(4), "all", "all", "csat") in table


def test_account_kpis_are_unchanged_by_the_brand_facts(built):
    table, _ = built
    assert table[(day(1), "facebook", "fb1", "clicks")] == (100, 100, None)
    assert table[(day(1), "all", "all", "clicks")] == (140, 140, None)


def test_a_rerun_leaves_the_rows_identical(built):
    _, con = built
    before = con.execute("SELECT * FROM kpi.daily ORDER BY ALL").fetchall()
    build_kpi_daily(con, START, END, EUR)
    assert con.execute("SELECT * FROM kpi.daily ORDER BY ALL").fetchall() == before


# ---- currency errors -------------------------------------------------------------------------


def facts_only(ads: list[tuple] = ADS, web: list[tuple] = WEB) -> duckdb.DuckDBPyConnection:
    con = warehouse()
    accounts(con, [("meta_ads", "act_1", "acme")])
    business_facts(con, ads=ads, web=web)
    con.execute("INSERT INTO kpi.daily (date, brand_id, platform, account_id, kpi, value, numerator, denominator) "
        "VALUES (DATE '2025-03-01', 'acme', 'all', 'all', 'likes', 1, 1, NULL)")
    return con


@pytest.mark.parametrize(("currency", "ads", "message"), [
    (ReportingCurrency("EUR", {}, web_revenue={"prop2": "USD"}), ADS,
     r"ad spend of meta_ads/act_1 \(2025-03-01..2025-03-03\) is in USD.*currency\.rates\.USD"),
    (ReportingCurrency("EUR", {"USD": 0.9}, web_revenue={"prop2": "CHF"}), ADS,
     r"web revenue of web/prop2 \(2025-03-01..2025-03-01\) is in CHF.*currency\.rates\.CHF"),
    (EUR, [*ADS, ("meta_ads", "act_3", "c3", day(2), "acme", N, 10.0, 100, 1, 0)],
     r"ad spend of meta_ads/act_3 .* has no currency"),
    (None, ADS, r"no reporting currency is configured: set currency\.reporting"),
])
def test_money_in_a_currency_without_a_rate_is_an_error(currency, ads, message):
    con = facts_only(ads=ads)
    with pytest.raises(CurrencyError, match=message):
        build_kpi_daily(con, START, END, currency)
    # nothing was written: the previous rows are still there
    assert con.execute("SELECT kpi FROM kpi.daily").fetchall() == [("likes",)]


def test_a_currency_outside_the_window_does_not_matter():
    con = facts_only(ads=[*ADS, ("meta_ads", "act_9", "c9", D(2025, 4, 1), "acme", "GBP", 10.0, 1, 1, 0)])
    build_kpi_daily(con, START, END, EUR)
    assert con.execute("SELECT count(*) FROM kpi.daily WHERE kpi = 'cpc'").fetchall() == [(6,)]


@pytest.mark.parametrize(("currency", "message"), [
    ("{reporting: EUR, rates: {usd: 0.9}}", r"currency\.rates: .*'usd' is not an ISO 4217 currency code"),
    ("{reporting: EUR, rates: {USD: 0}}", r"currency\.rates: .*rate of USD must be a positive number"),
    ("{reporting: EUR, rates: {EUR: 0.9}}", r"currency: .*rates\.EUR: the reporting currency converts at 1"),
    ("{reporting: EUR, web_revenue: {prop2: dollars}}", r"currency\.web_revenue: .*'dollars' is not an ISO"),
])
def test_the_config_refuses_unusable_currency_settings(tmp_path, currency, message):
    path = tmp_path / "socialkpi.yaml"
    path.write_text(f'start_date: "2025-01-01"\nbrands: [{{id: acme, name: Acme}}]\ncurrency: {currency}\n',
                    encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_config(path)
