"""kpi.posts and engagement_rate_per_post on per-post exports of five platforms, values by hand.

Fixture files (written for these tests, in each platform's own per-post format) under
tests/transforms/fixtures/posts; the LinkedIn workbook is written here with openpyxl. Followers at
the end of 2025-03-02 (the day before the posts): x 1,000, tiktok 5,000, linkedin 400; facebook
and youtube have none, so their per-post engagement_rate is NULL.

Hand values (engagements = likes + comments + shares + saves over the components the export has):
  x 1..01  2,000 impr, likes 40, replies 8, reposts 6, bookmarks 5 -> 59; 59 / 1,000 = 5.9 %
  x 1..02    500 impr, 10 + 2 + 1 + 0 = 13 -> 1.3 %;  x 1..03: all 0 -> 0 %  (all three on 03-03)
  x 1..04  1,000 impr, 30 + 4 + 3 + 2 = 39 on 03-04, followers end of 03-03 1,010 -> 3.861 %
  tiktok   likes 1.2K, comments 87, shares 45, favourites 310 -> 1,642; views 15.3K -> 32.84 %
  facebook Views 900 (impressions), reach 700, reactions 50, comments 6, shares 4 (no saves) -> 60
  youtube  views 5,400, likes 210, comments 33, shares 12, impressions 20,000 -> 255
  linkedin impressions 410, likes 25, comments 3, reposts 4, clicks 12 -> 32 -> 8.0 %
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import duckdb
import openpyxl
import pytest

from connectors.base import load_connectors
from ingest.drop_folder import ingest_drop_folder
from tests.helpers import D, accounts, land_days, warehouse
from transforms.core import build_core
from transforms.kpis import ReportingCurrency, build_kpi_daily, write_catalogue
from transforms.report import Coverage

FIXTURES = Path(__file__).parent / "fixtures" / "posts"
ACCOUNTS = [("x", "acme_x"), ("tiktok", "acme_tt"), ("facebook", "100000000000009"), ("youtube", "acme_yt"),
            ("linkedin", "acme_li")]
FILES = {("x", "acme_x"): "x_account_analytics_content.csv", ("tiktok", "acme_tt"): "tiktok_studio_content.csv",
         ("facebook", "100000000000009"): "Mar-01-2025_Mar-05-2025_100000000000009.csv",
         ("youtube", "acme_yt"): "youtube_table_data_content.csv"}
LINKEDIN_POSTS = [
    ["Engagement metrics for individual posts. Created date indicates when your post was created."],
    ["Post title", "Post link", "Post type", "Campaign name", "Posted by", "Created date", "Campaign start date",
     "Campaign end date", "Audience", "Impressions", "Views", "Offsite Views", "Clicks",
     "Click through rate (CTR)", "Likes", "Comments", "Reposts", "Follows", "Engagement rate", "Content Type"],
    ["Spring menu", "https://www.linkedin.com/feed/update/urn:li:activity:7300000000000000001", "Organic", "",
     "Jane Roe", "03/03/2025", "", "", "All followers", 410, "", "", 12, 0.029, 25, 3, 4, "", 0.107, "Image"],
]
COLUMNS = ("impressions", "reach", "video_views", "likes", "comments", "shares", "saves", "clicks", "engagements",
           "followers_at_publish", "engagement_rate", "engagement_rate_reach", "engagement_rate_impressions")
N = None
# Lifetime per-post exports are snapshots dated by their export date: the files' modification time.
EXPORTED = dt.datetime(2025, 3, 5, 12, tzinfo=dt.UTC).timestamp()


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    return build_posts_warehouse(tmp_path_factory.mktemp("posts"))


def build_posts_warehouse(tmp: Path) -> duckdb.DuckDBPyConnection:
    """Brand acme with the five platforms' per-post files and followers, built over 2025-03-01..05."""
    con = warehouse()
    accounts(con, [(p, a, "acme") for p, a in ACCOUNTS])
    for (platform, account), name in FILES.items():
        folder = tmp / "drop" / platform / account
        folder.mkdir(parents=True)
        shutil.copyfile(FIXTURES / name, folder / name)
    folder = tmp / "drop" / "linkedin" / "acme_li"
    folder.mkdir(parents=True)
    book = openpyxl.Workbook()
    book.remove(book.active)
    sheet = book.create_sheet("All posts")
    for row in LINKEDIN_POSTS:
        sheet.append(row)
    book.save(folder / "acme_content_1741600000000.xlsx")
    for path in (tmp / "drop").rglob("*.*"):
        os.utime(path, (EXPORTED, EXPORTED))
    outcomes = ingest_drop_folder(con, tmp / "drop", load_connectors(), {}, "UTC")
    assert {o.relative: o.status for o in outcomes} == {
        f"{p}/{a}/{n}": "loaded" for (p, a), n in {**FILES, ("linkedin", "acme_li"): "acme_content_1741600000000.xlsx"
                                                     }.items()}
    land_days(con, tmp / "landed", "x", "acme_x",
              {D(2025, 3, 2): {"followers": 1000}, D(2025, 3, 3): {"followers": 1010}})
    land_days(con, tmp / "landed", "tiktok", "acme_tt", {D(2025, 3, 2): {"followers": 5000}})
    land_days(con, tmp / "landed", "linkedin", "acme_li", {D(2025, 3, 2): {"followers": 400}})
    build_core(con, D(2025, 3, 1), D(2025, 3, 5))
    write_catalogue(con)
    build_kpi_daily(con, D(2025, 3, 1), D(2025, 3, 5), ReportingCurrency("EUR"))
    return con


def post(con, platform: str, post_id: str) -> tuple:
    rows = con.execute(f"SELECT published_date, {', '.join(COLUMNS)} FROM kpi.posts WHERE platform = ? AND post_id = ?",
                       [platform, post_id]).fetchall()
    assert len(rows) == 1, (platform, post_id, rows)
    return rows[0]


def approx(values: tuple) -> tuple:
    return tuple(v if v is None or not isinstance(v, float) else pytest.approx(v) for v in values)


@pytest.mark.parametrize(("platform", "post_id", "expected"), [
    # published, impressions, reach, video_views, likes, comments, shares, saves, clicks, engagements,
    # followers_at_publish, engagement_rate, engagement_rate_reach, engagement_rate_impressions
    ("x", "1900000000000000001", (D(2025, 3, 3), 2000, N, N, 40, 8, 6, 5, 12, 59, 1000, 5.9, N, 2.95)),
    ("x", "1900000000000000002", (D(2025, 3, 3), 500, N, N, 10, 2, 1, 0, 4, 13, 1000, 1.3, N, 2.6)),
    ("x", "1900000000000000003", (D(2025, 3, 3), 0, N, N, 0, 0, 0, 0, 0, 0, 1000, 0.0, N, N)),  # 0 impressions
    ("x", "1900000000000000004", (D(2025, 3, 4), 1000, N, N, 30, 4, 3, 2, 5, 39, 1010, 39 / 1010 * 100, N, 3.9)),
    ("facebook", "555000001", (D(2025, 3, 3), 900, 700, N, 50, 6, 4, N, 25, 60, N, N, 60 / 7, 60 / 9)),
])
def test_kpi_posts_rows_by_hand(con, platform, post_id, expected):
    assert post(con, platform, post_id) == approx(expected)


def test_kpi_posts_tiktok_youtube_linkedin(con):
    tiktok = con.execute("SELECT published_date, likes, comments, shares, saves, video_views, engagements, "
                         "followers_at_publish, engagement_rate FROM kpi.posts WHERE platform = 'tiktok'").fetchall()
    assert tiktok == [approx((D(2025, 3, 3), 1200, 87, 45, 310, 15300, 1642, 5000, 32.84))]
    youtube = con.execute("SELECT published_date, video_views, likes, comments, shares, saves, impressions, "
                          "engagements, engagement_rate, engagement_rate_impressions FROM kpi.posts "
                          "WHERE platform = 'youtube'").fetchall()
    assert youtube == [approx((D(2025, 3, 3), 5400, 210, 33, 12, N, 20000, 255, N, 1.275))]
    linkedin = con.execute("SELECT published_date, impressions, clicks, likes, comments, shares, engagements, "
                           "followers_at_publish, engagement_rate FROM kpi.posts WHERE platform = 'linkedin'"
                           ).fetchall()
    assert linkedin == [approx((D(2025, 3, 3), 410, 12, 25, 3, 4, 32, 400, 8.0))]
    # one row per post, each with the snapshot it was read from
    assert con.execute("SELECT count(*), count(snapshot_date), count(DISTINCT (platform, post_id)) FROM kpi.posts"
                       ).fetchall() == [(8, 8, 8)]


def kpi_row(con, platform: str, account: str, day) -> tuple:
    rows = con.execute("SELECT value, numerator, denominator, accounts_in_scope, accounts_counted FROM kpi.daily "
                       "WHERE kpi = 'engagement_rate_per_post' AND platform = ? AND account_id = ? AND date = ?",
                       [platform, account, day]).fetchall()
    assert len(rows) == 1, rows
    return rows[0]


def test_engagement_rate_per_post_on_a_day_with_three_posts(con):
    # (5.9 + 1.3 + 0) / 3 posts
    assert kpi_row(con, "x", "acme_x", D(2025, 3, 3)) == approx((2.4, 7.2, 3, 1, 1))
    assert kpi_row(con, "x", "acme_x", D(2025, 3, 4)) == approx((39 / 1010 * 100, 39 / 1010 * 100, 1, 1, 1))
    # facebook and youtube inputs carry no follower totals at all: their posts get no row of the KPI
    # and stay out of its scope (DESIGN "KPI rows": no rows for KPIs the inputs can never produce)
    for platform, account in (("facebook", "100000000000009"), ("youtube", "all"), ("facebook", "all")):
        assert con.execute("SELECT count(*) FROM kpi.daily WHERE kpi = 'engagement_rate_per_post' "
                           "AND platform = ? AND account_id = ?", [platform, account]).fetchall() == [(0,)]
    # the brand: x, tiktok and linkedin are in scope and all three counted (5 posts with a rate)
    assert kpi_row(con, "all", "all", D(2025, 3, 3)) == approx(((7.2 + 32.84 + 8.0) / 5, 7.2 + 32.84 + 8.0, 5, 3, 3))
    # over the week: the mean over all six posts with a rate; days_counted is NULL (posts on 2 of the
    # 7 days: the other 5 had no post, which is not missing data), so the figure is not partial
    week = con.execute("SELECT value, days_in_period, days_counted, accounts_in_scope, accounts_counted "
                       "FROM kpi.weekly WHERE platform = 'x' AND account_id = 'all' "
                       "AND kpi = 'engagement_rate_per_post'").fetchall()
    assert week == [approx(((7.2 + 39 / 1010 * 100) / 4, 7, None, 1, 1))]
    assert Coverage(*week[0][1:]).complete


def test_a_newer_snapshot_updates_the_day_of_publication(con):
    """A later export of the same post (a later snapshot) changes its day's KPI on the next build."""
    latest = con.execute("SELECT max(snapshot_date) FROM core.post_snapshots WHERE post_id = '1900000000000000002'"
                         ).fetchall()[0][0]
    newer = latest + dt.timedelta(days=30)
    con.execute("INSERT INTO core.post_snapshots (platform, post_id, snapshot_date, account_id, impressions, likes, "
                "comments, shares, saves, clicks) VALUES ('x', '1900000000000000002', ?, 'acme_x', 800, 40, 2, 1, 0, "
                "4)", [newer])
    try:
        build_kpi_daily(con, D(2025, 4, 1), D(2025, 4, 1), ReportingCurrency("EUR"))  # a window without it
        assert kpi_row(con, "x", "acme_x", D(2025, 3, 3)) == approx((2.4, 7.2, 3, 1, 1))
        build_kpi_daily(con, newer, newer, ReportingCurrency("EUR"))  # the run that lands the snapshot
        # post 2 now has 40 + 2 + 1 + 0 = 43 engagements: 4.3 %; the day's mean (5.9 + 4.3 + 0) / 3
        assert kpi_row(con, "x", "acme_x", D(2025, 3, 3)) == approx((3.4, 10.2, 3, 1, 1))
    finally:
        con.execute("DELETE FROM core.post_snapshots WHERE post_id = '1900000000000000002' AND snapshot_date > ?",
                    [latest])
        build_kpi_daily(con, D(2025, 3, 1), D(2025, 3, 5), ReportingCurrency("EUR"))
