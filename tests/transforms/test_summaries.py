"""The summaries the KPIs read instead of the whole history stay equal to what the history says:
raw.account_metrics_reported (files, API pulls, replay, refused files, forget),
core.fact_coverage (core window rebuilds, re-runs, days that lose their facts, forget) and
core.event_spans (the business-fact rebuild, reviews and responses that go)."""

from __future__ import annotations

import datetime as dt

import duckdb

from ingest.api import replay
from ingest.ownership import forget_account, forget_file
from tests.helpers import D, accounts, land_days, warehouse
from tests.transforms.test_api_landing import REGISTRY, night
from transforms.core import ALL_DATES, build_business_facts, refresh_event_spans, refresh_fact_coverage, sql
from warehouse.schema import migrations
from warehouse.writes import refresh_account_metrics

SUBJECTS = [("acme", "acme", False), ("globex", "acme", True)]


def reported(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute("SELECT * FROM raw.account_metrics_reported ORDER BY ALL").fetchall()


def reported_in_history(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """What account_capabilities.sql used to compute from every landed value."""
    return con.execute("SELECT DISTINCT platform, account_id, metric FROM raw.account_daily_values "
                       "WHERE metric IS NOT NULL ORDER BY ALL").fetchall()


def coverage(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute("SELECT * FROM core.fact_coverage ORDER BY ALL NULLS FIRST").fetchall()


def coverage_in_history(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    rows = []
    for source in ("ads", "web", "mentions"):
        rows += con.execute(sql(f"fact_coverage_{source}"), {"start": ALL_DATES[0], "end": ALL_DATES[1]}).fetchall()
    return sorted(rows, key=lambda r: tuple("" if v is None else str(v) for v in r))


def test_landed_files_add_the_metrics_they_report_placeholders_included(tmp_path):
    con = warehouse()
    land_days(con, tmp_path, "tiktok", "t1", {D(2025, 1, 1): {"likes": 3, "comments": None}}, name="a.csv")
    assert reported(con) == [("tiktok", "t1", "comments"), ("tiktok", "t1", "likes")]
    land_days(con, tmp_path, "tiktok", "t1", {D(2025, 1, 2): {"likes": 4, "shares": 1}}, name="b.csv")
    land_days(con, tmp_path, "x", "x1", {D(2025, 1, 2): {"impressions": 10}}, name="c.csv")
    assert reported(con) == [("tiktok", "t1", "comments"), ("tiktok", "t1", "likes"), ("tiktok", "t1", "shares"),
                             ("x", "x1", "impressions")]
    assert reported(con) == reported_in_history(con)


def test_forgetting_a_file_or_an_account_removes_what_only_it_reported(tmp_path):
    con = warehouse()
    land_days(con, tmp_path, "tiktok", "t1", {D(2025, 1, 1): {"likes": 3}}, name="a.csv")
    land_days(con, tmp_path, "tiktok", "t1", {D(2025, 1, 2): {"likes": 4, "saves": 1}}, name="b.csv")
    land_days(con, tmp_path, "x", "x1", {D(2025, 1, 2): {"impressions": 10}}, name="c.csv")
    forget_file(con, tmp_path / "exports", "tiktok/t1/b.csv")
    assert reported(con) == [("tiktok", "t1", "likes"), ("x", "x1", "impressions")]  # saves came from b only
    forget_account(con, tmp_path / "exports", "x", "x1")
    assert reported(con) == [("tiktok", "t1", "likes")] == reported_in_history(con)


def test_api_pulls_and_replay_keep_the_metrics_up_to_date():
    con = warehouse()
    night(con, D(2026, 11, 1), D(2026, 11, 3), dt.datetime(2026, 11, 4, 3, tzinfo=dt.UTC),
          [(D(2026, 11, 2), "reach", 5), (D(2026, 11, 3), "likes", 1)])
    assert reported(con) == [("fake", "a1", "likes"), ("fake", "a1", "reach")]
    con.execute("DELETE FROM raw.account_daily_values")
    refresh_account_metrics(con)
    assert reported(con) == []
    replay(con, REGISTRY, D(2026, 11, 1), D(2026, 11, 30), {}, "UTC")
    assert reported(con) == [("fake", "a1", "likes"), ("fake", "a1", "reach")] == reported_in_history(con)


def test_refreshing_some_accounts_leaves_the_others_alone(tmp_path):
    con = warehouse()
    land_days(con, tmp_path, "tiktok", "t1", {D(2025, 1, 1): {"likes": 3}}, name="a.csv")
    land_days(con, tmp_path, "x", "x1", {D(2025, 1, 2): {"impressions": 10}}, name="c.csv")
    con.execute("DELETE FROM raw.account_daily_values")
    refresh_account_metrics(con, [("tiktok", "t1")])
    assert reported(con) == [("x", "x1", "impressions")]


def _facts(con: duckdb.DuckDBPyConnection, days: list[dt.date]) -> None:
    con.executemany("INSERT INTO raw.ads_daily_values VALUES ('export', 'ads', TIMESTAMP '2025-05-01', 'meta_ads', "
                    "'act_1', ?, 'c1', 'Spring', 'EUR', ?, ?, 10.0)",
                    [(d, m, m) for d in days for m in ("spend", "clicks")])
    con.executemany("INSERT INTO raw.ads_daily_values VALUES ('export', 'ads', TIMESTAMP '2025-05-01', 'meta_ads', "
                    "'act_1', ?, 'c2', 'Sales', 'EUR', 'conversions', 'conversions', 1.0)", [(d,) for d in days[:2]])
    con.executemany("INSERT INTO raw.web_daily_values VALUES ('export', 'web', TIMESTAMP '2025-05-01', 'ga4', "
                    "'prop1', ?, 'facebook', 'revenue', 'revenue', 20.0)", [(d,) for d in days[1:]])
    con.executemany("INSERT INTO raw.mentions_daily_values VALUES ('export', 'm', TIMESTAMP '2025-05-01', 'mentions', "
                    "'ws', ?, ?, ?, 5.0)", [(d, s, p) for d in days for s in ("acme", "globex") for p in ("x", "tiktok")
                                           if not (s == "globex" and p == "tiktok" and d != days[0])])


def test_fact_coverage_follows_the_core_rebuilds_window_by_window():
    con = warehouse()
    accounts(con, [("facebook", "fb1", "acme"), ("meta_ads", "act_1", "acme"), ("ga4", "prop1", "acme")])
    days = [D(2025, 3, 1) + dt.timedelta(days=i) for i in range(4)]
    _facts(con, days)
    build_business_facts(con, days[0], days[1], SUBJECTS)
    build_business_facts(con, days[1], days[3], SUBJECTS)  # overlaps the first window
    build_business_facts(con, days[2], days[2], SUBJECTS)  # a re-run of one day
    # by hand: 4 campaign-days with spend (c1), 2 with conversions (c2); revenue on days 2-4;
    # mentions of acme on x and tiktok every day, of globex on x every day and on tiktok on day 1 only
    assert coverage(con) == [
        ("ad_conversions", "acme", "meta_ads", None, None, 2), ("ad_spend", "acme", "meta_ads", None, None, 4),
        ("mentions", "acme", "tiktok", "acme", False, 4), ("mentions", "acme", "tiktok", "globex", True, 1),
        ("mentions", "acme", "x", "acme", False, 4), ("mentions", "acme", "x", "globex", True, 4),
        ("web_revenue", "acme", "facebook", None, None, 3)]
    # day 1 loses its facts (the file is forgotten) and is rebuilt: conversions and the globex
    # tiktok subject go with it
    con.execute("DELETE FROM raw.ads_daily_values WHERE date = ?", [days[0]])
    con.execute("DELETE FROM raw.mentions_daily_values WHERE date = ?", [days[0]])
    build_business_facts(con, days[0], days[0], SUBJECTS)
    assert coverage(con) == [
        ("ad_conversions", "acme", "meta_ads", None, None, 1), ("ad_spend", "acme", "meta_ads", None, None, 3),
        ("mentions", "acme", "tiktok", "acme", False, 3), ("mentions", "acme", "x", "acme", False, 3),
        ("mentions", "acme", "x", "globex", True, 3), ("web_revenue", "acme", "facebook", None, None, 3)]
    assert coverage(con) == coverage_in_history(con)
    refresh_fact_coverage(con)
    assert coverage(con) == coverage_in_history(con)


def test_forgetting_an_ad_account_recomputes_the_fact_coverage(tmp_path):
    con = warehouse()
    accounts(con, [("meta_ads", "act_1", "acme"), ("ga4", "prop1", "acme")])
    days = [D(2025, 3, 1), D(2025, 3, 2)]
    _facts(con, days)
    build_business_facts(con, days[0], days[1], SUBJECTS)
    forget_account(con, tmp_path / "exports", "meta_ads", "act_1")
    assert [r[0] for r in coverage(con)] == ["mentions"] * 4 + ["web_revenue"]
    assert coverage(con) == coverage_in_history(con)


def test_the_migration_fills_the_summaries_from_an_existing_warehouse(tmp_path):
    con = duckdb.connect()
    earlier = [m for m in migrations() if m[0] < 40]
    for _number, _name, statements in earlier:
        con.execute(statements)
    con.execute("INSERT INTO raw.account_daily_values VALUES ('export', 'f', TIMESTAMP '2025-01-02', 'x', 'x1', "
                "DATE '2025-01-01', 'likes', 'Likes', NULL), ('export', 'f', TIMESTAMP '2025-01-02', 'x', 'x1', "
                "DATE '2025-01-01', NULL, 'Media views', 3)")
    con.execute("INSERT INTO core.mentions_daily VALUES (DATE '2025-01-01', 'acme', 'globex', 'x', true, 4), "
                "(DATE '2025-01-02', 'acme', 'globex', 'x', true, NULL)")
    con.execute(next(s for n, _name, s in migrations() if n == 40))
    assert reported(con) == [("x", "x1", "likes")]
    assert coverage(con) == [("mentions", "acme", "x", "globex", True, 2)]


def spans(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute("SELECT * FROM core.event_spans ORDER BY ALL NULLS FIRST").fetchall()


def _events(con: duckdb.DuckDBPyConnection, reviews: list[tuple], responses: list[tuple]) -> None:
    """Review records (id, UTC time) of biz and survey records (id, UTC time, kind) of support."""
    con.execute("DELETE FROM raw.review_records")
    con.execute("DELETE FROM raw.survey_response_records")
    con.executemany("INSERT INTO raw.review_records VALUES ('export', 'r', TIMESTAMP '2025-05-01', 'google_business', "
                    "'biz', ?, 'loc1', ?, 4, NULL)", reviews)
    con.executemany("INSERT INTO raw.survey_response_records VALUES ('export', 's', TIMESTAMP '2025-05-01', 'surveys', "
                    "'support', 'survey1', ?, ?, ?, 3, 5)", responses)


def test_event_spans_follow_the_business_fact_rebuild():
    con = warehouse()
    accounts(con, [("google_business", "biz", "acme"), ("surveys", "support", "acme")])
    at = dt.datetime
    _events(con, [("r1", at(2025, 3, 4, 9)), ("r2", at(2025, 1, 2, 9)), ("r3", None)],
            [("s1", at(2025, 2, 1, 9), "csat"), ("s2", at(2025, 2, 9, 9), "csat"), ("s3", at(2025, 6, 1, 9), "nps")])
    build_business_facts(con, D(2025, 3, 1), D(2025, 3, 1), SUBJECTS)  # reviews and responses: all dates
    assert spans(con) == [("reviews", "acme", "google_business", None, D(2025, 1, 2), D(2025, 3, 4)),
                          ("survey_responses", "acme", None, "csat", D(2025, 2, 1), D(2025, 2, 9)),
                          ("survey_responses", "acme", None, "nps", D(2025, 6, 1), D(2025, 6, 1))]
    # the first review and every nps response go (a forgotten file): the spans shrink with them
    _events(con, [("r1", at(2025, 3, 4, 9))], [("s1", at(2025, 2, 1, 9), "csat"), ("s2", at(2025, 2, 9, 9), "csat")])
    build_business_facts(con, D(2025, 3, 1), D(2025, 3, 1), SUBJECTS)
    expected = [("reviews", "acme", "google_business", None, D(2025, 3, 4), D(2025, 3, 4)),
                ("survey_responses", "acme", None, "csat", D(2025, 2, 1), D(2025, 2, 9))]
    assert spans(con) == expected
    refresh_event_spans(con)
    assert spans(con) == expected


def test_the_event_spans_migration_fills_them_from_an_existing_warehouse():
    con = duckdb.connect()
    for _number, _name, statements in [m for m in migrations() if m[0] < 60]:
        con.execute(statements)
    con.execute("INSERT INTO core.reviews (platform, review_id, brand_id, created_date) VALUES "
                "('google_business', 'a', 'acme', DATE '2025-01-03'), "
                "('google_business', 'b', 'acme', DATE '2025-01-01'), ('google_business', 'c', 'acme', NULL)")
    con.execute("INSERT INTO core.survey_responses (survey_id, response_id, brand_id, responded_date, kind, scale_max) "
                "VALUES ('s', '1', 'acme', DATE '2025-02-05', 'nps', 10), ('s', '2', 'acme', NULL, 'csat', 5)")
    con.execute(next(s for n, _name, s in migrations() if n == 60))
    assert spans(con) == [("reviews", "acme", "google_business", None, D(2025, 1, 1), D(2025, 1, 3)),
                          ("survey_responses", "acme", None, "nps", D(2025, 2, 5), D(2025, 2, 5))]
