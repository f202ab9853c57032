"""Ads, web, mentions, reviews and surveys from the template sample files to core tables.

Expected values are summed by hand from docs/templates/*.csv.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from connectors.base import load_connectors
from ingest.drop_folder import ingest_drop_folder
from tests.conftest import PROJECT_ROOT
from tests.helpers import D, accounts, warehouse
from transforms.core import build_business_facts

TEMPLATES = PROJECT_ROOT / "docs" / "templates"


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    exports: Path = tmp_path_factory.mktemp("facts") / "exports"
    for connector, account, name in [("ga4", "prop1", "ga4_traffic_acquisition.csv"),
                                     ("mentions", "listening", "mentions.csv"),
                                     ("google_business", "biz", "reviews.csv"),
                                     ("surveys", "support", "surveys.csv")]:
        (exports / connector / account).mkdir(parents=True)
        shutil.copy(TEMPLATES / name, exports / connector / account / name)
    con = warehouse()
    outcomes = ingest_drop_folder(con, exports, load_connectors(), {}, "UTC")
    assert {o.status for o in outcomes} == {"loaded"}, [o.reason for o in outcomes]
    accounts(con, [("ga4", "prop1", "acme"), ("mentions", "listening", "acme"),
                   ("google_business", "biz", "acme"), ("surveys", "support", "acme")])
    build_business_facts(con, D(2026, 1, 1), D(2026, 12, 31), [("acme", "acme", False), ("globex", "acme", True)])
    return con


@pytest.mark.parametrize(("day", "platform", "expected"), [
    # facebook.com + m.facebook.com + l.facebook.com: sessions 97+160+64, engaged 41+52+30
    (D(2026, 3, 1), "facebook", (321, 198, 3, 59.9)),
    # instagram.com + l.instagram.com
    (D(2026, 3, 2), "instagram", (150, 91, 1, 19.9)),
    # x.com + t.co
    (D(2026, 3, 2), "x", (60, 42, 1, 12.0)),
])
def test_web_daily_sums_the_sources_of_each_platform(con, day, platform, expected):
    row = con.execute("SELECT sessions, bounced_sessions, conversions, revenue FROM core.web_daily "
                      "WHERE date = ? AND platform = ?", [day, platform]).fetchall()
    assert row == [pytest.approx(expected)]


def test_mentions_count_towards_the_brand_with_competitors_flagged(con):
    rows = con.execute("SELECT subject_id, is_competitor, sum(mentions), count(*), count(mentions) "
                       "FROM core.mentions_daily WHERE brand_id = 'acme' GROUP BY ALL ORDER BY 1").fetchall()
    # acme: 42+17+38+21+55+19; globex: 65+9+71+(empty)+60+12
    assert rows == [("acme", False, 192.0, 6, 6), ("globex", True, 217.0, 6, 5)]


def test_reviews_and_survey_responses(con):
    assert con.execute("SELECT review_id, rating, created_date FROM core.reviews ORDER BY 1").fetchall() == [
        ("AbcDef", 5.0, D(2026, 7, 1)), ("GhiJkl", 4.0, D(2026, 7, 2)), ("MnoPqr", 2.0, D(2026, 7, 3)),
        ("StuVwx", 5.0, D(2026, 7, 4))]
    kinds = con.execute("SELECT kind, count(*), count(score), sum(score) FROM core.survey_responses "
                        "GROUP BY 1 ORDER BY 1").fetchall()
    assert kinds == [("csat", 4, 3, 11.0), ("nps", 5, 5, 29.0)]


def test_ads_manager_export_to_ads_daily(tmp_path):
    folder = tmp_path / "exports" / "meta_ads" / "act_1"
    folder.mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "tests/connectors/meta_ads/fixtures/ads_manager_daily_en_formatted.csv", folder)
    con = warehouse()
    [outcome] = ingest_drop_folder(con, tmp_path / "exports", load_connectors(), {}, "UTC")
    assert outcome.status == "loaded"
    accounts(con, [("meta_ads", "act_1", "acme")])
    build_business_facts(con, D(2026, 9, 1), D(2026, 9, 3), [])
    rows = con.execute("SELECT campaign_id, count(*), sum(spend), sum(impressions), count(reach), sum(clicks), "
                       "sum(conversions), any_value(currency) FROM core.ads_daily GROUP BY 1 ORDER BY 1").fetchall()
    # the totals row (empty campaign) is dropped; traffic results are not conversions
    assert rows == [
        ("120210000000000001", 3, pytest.approx(1028.15 + 1102.60 + 987.25), 80210 + 85944 + 77390, 2,
         702 + 731 + 688, 41 + 38 + 44, "USD"),
        ("120210000000000002", 3, pytest.approx(312.40 + 298.90 + 557.60), 25400 + 24105 + 25901, 3,
         655 + 612 + 769, None, "USD"),
    ]
