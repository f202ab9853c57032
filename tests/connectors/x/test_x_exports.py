"""X export parsers on the real files in shared/fixtures/real-exports/twitter and two small fixtures.

Every expected number below was computed from the files with the csv module / xlrd in a
throwaway script (or by hand for the small fixtures), not by running the code under test.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from connectors.base import (
    ACCOUNT_DAILY_METRICS,
    POST_SNAPSHOT_METRICS,
    POST_TYPES,
    AccountDayValue,
    ExportContext,
    ParsedExport,
    PostMetricValue,
)
from connectors.tables import read_sheets
from connectors.x import connector
from connectors.x.exports import (
    EXPORT_FORMATS,
    AccountContentExport,
    AccountOverviewExport,
    DailyTweetActivityExport,
    TweetActivityExport,
)

FIXTURES = Path(__file__).parent / "fixtures"
TWEET_ACTIVITY = "tweet_activity_metrics_rOpenSci_20211101_20211201_en.csv"
OVERVIEW = "kaiadevintern_account_overview_analytics.csv"
CONTENT_EARLY_2025 = "kaiadevintern_account_analytics_content_2024-12-22_2025-03-22.csv"
DAILY_WORKBOOK = "NPLF Twitter Q1.xls"
MONTHLY_SUMMARY = "twitter_metrics_monthly_rOpenSci.csv"
CONTENT_MID_2025 = FIXTURES / "account_analytics_content_2026-06-15_2026-07-14.csv"
DAILY_CSV = FIXTURES / "daily_tweet_activity_metrics_ExampleBrand_20210801_20210805_en.csv"
EXPORT_DATE = dt.date(2025, 3, 22)


def ctx_for(path: Path, timezone: str = "UTC", export_date: dt.date = EXPORT_DATE) -> ExportContext:
    return ExportContext(path=path, platform="x", account_id="acct", timezone=timezone,
                         export_date=export_date)


def parse(path: Path, timezone: str = "UTC", export_date: dt.date = EXPORT_DATE) -> ParsedExport:
    sheets = read_sheets(path)
    fmt = connector.recognise(sheets)
    assert fmt is not None, f"{path.name} not recognised"
    return fmt.parse(sheets, ctx_for(path, timezone, export_date))


def total(values: list[AccountDayValue] | list[PostMetricValue], *, metric: str | None = None,
          source: str | None = None) -> float:
    """Sum of the non-NULL values of one canonical metric, or of one source column."""
    chosen = [v.value for v in values
              if (metric is None or v.metric == metric) and (source is None or v.source_metric == source)]
    assert chosen, f"no values for metric={metric} source={source}"
    return sum(value for value in chosen if value is not None)


def day_values(parsed: ParsedExport, day: dt.date) -> dict[str, float | None]:
    return {v.source_metric: v.value for v in parsed.account_daily if v.date == day}


def post_values(parsed: ParsedExport, post_id: str) -> dict[str, float | None]:
    return {v.source_metric: v.value for v in parsed.post_metrics if v.post_id == post_id}


# --------------------------------------------------------------------------------------------
# Recognition
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "expected"), [
    (TWEET_ACTIVITY, TweetActivityExport.name),
    (OVERVIEW, AccountOverviewExport.name),
    (CONTENT_EARLY_2025, AccountContentExport.name),
    (DAILY_WORKBOOK, DailyTweetActivityExport.name),
])
def test_each_real_file_is_recognised_by_exactly_one_format(real_exports, name, expected):
    sheets = read_sheets(real_exports / "twitter" / name)
    assert [fmt.name for fmt in EXPORT_FORMATS if fmt.recognise(sheets)] == [expected]


@pytest.mark.parametrize(("path", "expected"), [
    (CONTENT_MID_2025, AccountContentExport.name),
    (DAILY_CSV, DailyTweetActivityExport.name),
])
def test_each_fixture_is_recognised_by_exactly_one_format(path, expected):
    sheets = read_sheets(path)
    assert [fmt.name for fmt in EXPORT_FORMATS if fmt.recognise(sheets)] == [expected]


def test_hand_made_monthly_summary_is_not_recognised(real_exports):
    """rOpenSci's monthly summary is typed by hand, not an X export: the pipeline quarantines it."""
    sheets = read_sheets(real_exports / "twitter" / MONTHLY_SUMMARY)
    assert [fmt.name for fmt in EXPORT_FORMATS if fmt.recognise(sheets)] == []
    assert connector.recognise(sheets) is None


def test_every_real_twitter_file_is_covered_by_these_tests(real_exports):
    tested = {TWEET_ACTIVITY, OVERVIEW, CONTENT_EARLY_2025, DAILY_WORKBOOK, MONTHLY_SUMMARY}
    assert {p.name for p in (real_exports / "twitter").iterdir()} == tested


def test_format_names_are_unique_and_connector_uses_them():
    names = [fmt.name for fmt in EXPORT_FORMATS]
    assert len(set(names)) == 4
    assert tuple(connector.export_formats) == EXPORT_FORMATS
    assert connector.platform == "x"
    assert "twitter" in connector.aliases


# --------------------------------------------------------------------------------------------
# Legacy "Tweet activity" (rOpenSci, Nov 2021)
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tweet_activity(real_exports) -> ParsedExport:
    return parse(real_exports / "twitter" / TWEET_ACTIVITY, export_date=dt.date(2021, 12, 1))


def test_tweet_activity_posts(tweet_activity):
    posts = tweet_activity.posts
    assert tweet_activity.format == "x_tweet_activity"
    assert len(posts) == 33
    assert len({p.post_id for p in posts}) == 33
    times = sorted(p.published_at for p in posts)
    assert times[0] == dt.datetime(2021, 11, 2, 10, 23, tzinfo=dt.UTC)
    assert times[-1] == dt.datetime(2021, 11, 30, 16, 0, tzinfo=dt.UTC)
    assert all(p.published_at.utcoffset() == dt.timedelta(0) for p in posts)
    assert tweet_activity.covers == (dt.date(2021, 11, 2), dt.date(2021, 11, 30))
    # Nothing daily comes from a per-tweet export.
    assert tweet_activity.account_daily == []


def test_tweet_activity_first_row(tweet_activity):
    post = next(p for p in tweet_activity.posts if p.post_id == "1465712230054432768")
    assert post.published_at == dt.datetime(2021, 11, 30, 16, 0, tzinfo=dt.UTC)
    assert post.permalink == "https://twitter.com/rOpenSci/status/1465712230054432768"
    assert post.title == "Join our Community Call next week. Details in this thread: https://t.co/lyXpM76rjm"
    assert (post.post_type, post.post_type_raw) == ("text", None)
    values = post_values(tweet_activity, "1465712230054432768")
    assert values["impressions"] == 1777.0  # written "1777.0"
    assert values["likes"] == 2.0
    assert values["engagements"] == 5.0
    assert values["detail expands"] == 3.0
    assert values["engagement rate"] == pytest.approx(0.0028137310073157004)
    assert values["promoted impressions"] is None  # "-", not 0


def test_tweet_activity_text_is_unescaped_and_keeps_newlines(tweet_activity):
    post = next(p for p in tweet_activity.posts if p.post_id == "1464368374562000898")
    assert post.title.startswith("Want to keep up with @rOpenSci's work & learn what others")
    assert "&amp;" not in post.title
    assert "tools? \n\nRead and subscribe to our newsletter!" in post.title
    assert sum("&amp;" in (p.title or "") for p in tweet_activity.posts) == 0
    assert sum("\n" in (p.title or "") for p in tweet_activity.posts) == 28
    assert "unescaped HTML entities in 5 tweet texts" in tweet_activity.notes


def test_tweet_activity_post_type_from_media(tweet_activity):
    # 6 tweets have media views / media engagements above 0 (e.g. 81 on 1463534116817846278).
    types = Counter(p.post_type for p in tweet_activity.posts)
    assert types == {"text": 27, "post": 6}
    assert set(types) <= set(POST_TYPES)
    media_post = next(p for p in tweet_activity.posts if p.post_id == "1463534116817846278")
    assert media_post.post_type == "post"
    assert post_values(tweet_activity, "1463534116817846278")["media views"] == 81.0


@pytest.mark.parametrize(("metric", "expected"), [
    ("impressions", 131651),
    ("likes", 289),
    ("comments", 11),  # replies
    ("shares", 138),  # retweets
    ("clicks", 485),  # url clicks
    ("views", 108),  # media views
])
def test_tweet_activity_metric_totals(tweet_activity, metric, expected):
    assert total(tweet_activity.post_metrics, metric=metric) == expected


@pytest.mark.parametrize(("source", "expected"), [
    ("engagements", 1507),
    ("user profile clicks", 101),
    ("detail expands", 371),
    ("follows", 0),
])
def test_tweet_activity_lineage_only_columns(tweet_activity, source, expected):
    values = [v for v in tweet_activity.post_metrics if v.source_metric == source]
    assert len(values) == 33
    assert all(v.metric is None for v in values)
    assert total(values) == expected


def test_tweet_activity_snapshot_shape(tweet_activity):
    metrics = tweet_activity.post_metrics
    assert len(metrics) == 33 * 36  # 40 columns minus id, permalink, text, time
    assert {v.snapshot_date for v in metrics} == {dt.date(2021, 12, 1)}
    assert {v.metric for v in metrics} - {None} <= set(POST_SNAPSHOT_METRICS)
    promoted = [v for v in metrics if v.source_metric.startswith("promoted ")]
    assert len(promoted) == 33 * 18
    assert all(v.value is None and v.metric is None for v in promoted)


def test_tweet_activity_covers_days_in_account_timezone(real_exports):
    # 2021-11-30 16:00 UTC is 2021-12-01 05:00 in Auckland (UTC+13 in November).
    parsed = parse(real_exports / "twitter" / TWEET_ACTIVITY, timezone="Pacific/Auckland")
    assert parsed.covers == (dt.date(2021, 11, 2), dt.date(2021, 12, 1))
    first = next(p for p in parsed.posts if p.post_id == "1465712230054432768")
    assert first.published_at == dt.datetime(2021, 11, 30, 16, 0, tzinfo=dt.UTC)  # stays UTC


# --------------------------------------------------------------------------------------------
# X Premium account overview (kaiadevintern, Jun 2024 - Mar 2025)
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def overview(real_exports) -> ParsedExport:
    return parse(real_exports / "twitter" / OVERVIEW)


def test_overview_days(overview):
    days = {v.date for v in overview.account_daily}
    assert overview.format == "x_account_overview"
    assert len(days) == 271
    assert overview.covers == (dt.date(2024, 6, 24), dt.date(2025, 3, 21))
    assert (min(days), max(days)) == overview.covers
    assert len(overview.account_daily) == 271 * 13
    assert overview.posts == [] and overview.post_metrics == []


@pytest.mark.parametrize(("metric", "expected"), [
    ("impressions", 184942),
    ("likes", 3199),
    ("platform_engagements", 11646),
    ("saves", 45),  # Bookmarks
    ("link_shares", 1),  # Shares (by link / message)
    ("shares", 287),  # Reposts
    ("comments", 670),  # Replies
    ("followers_gained", 298),  # New follows
    ("followers_lost", 43),  # Unfollows
    ("profile_visits", 1425),
    ("posts_published", 118),  # Create Post
    ("video_views", 0),
])
def test_overview_metric_totals(overview, metric, expected):
    assert total(overview.account_daily, metric=metric) == expected


def test_overview_mapping_and_lineage(overview):
    metrics = {v.metric for v in overview.account_daily}
    assert metrics - {None} <= set(ACCOUNT_DAILY_METRICS)
    assert "engagements" not in metrics  # X Engagements counts clicks: platform_engagements
    assert "followers" not in metrics  # no follower total in any X export
    media = [v for v in overview.account_daily if v.source_metric == "Media views"]
    assert len(media) == 271 and all(v.metric is None for v in media)
    assert {v.source_metric for v in overview.account_daily if v.metric == "shares"} == {"Reposts"}
    assert {v.source_metric for v in overview.account_daily if v.metric == "link_shares"} == {"Shares"}


def test_overview_specific_days(overview):
    assert day_values(overview, dt.date(2025, 3, 20)) == {
        "Impressions": 1303, "Likes": 40, "Engagements": 85, "Bookmarks": 0, "Shares": 0,
        "New follows": 0, "Unfollows": 0, "Replies": 8, "Reposts": 4, "Profile visits": 8,
        "Create Post": 1, "Video views": 0, "Media views": 0,
    }
    oldest = day_values(overview, dt.date(2024, 6, 24))
    assert (oldest["Impressions"], oldest["Engagements"], oldest["New follows"]) == (0, 1, 1)


# --------------------------------------------------------------------------------------------
# X Premium content, early-2025 header (kaiadevintern, Dec 2024 - Mar 2025)
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def content(real_exports) -> ParsedExport:
    return parse(real_exports / "twitter" / CONTENT_EARLY_2025, timezone="Asia/Tokyo")


def test_content_posts_and_dates(content):
    assert content.format == "x_account_content"
    assert len(content.posts) == 173
    assert len({p.post_id for p in content.posts}) == 173
    assert content.covers == (dt.date(2024, 12, 26), dt.date(2025, 3, 20))
    tokyo = dt.timezone(dt.timedelta(hours=9))
    local_days = Counter(p.published_at.astimezone(tokyo).date() for p in content.posts)
    assert len(local_days) == 43
    assert local_days[dt.date(2025, 1, 16)] == 12
    assert local_days[dt.date(2025, 3, 20)] == 9
    assert all(p.post_type is None and p.post_type_raw is None for p in content.posts)
    assert content.account_daily == []


def test_content_published_at_is_local_midnight_of_the_date(content):
    post = next(p for p in content.posts if p.post_id == "1872133107903803681")
    # "Thu Dec 26 2024" in Asia/Tokyo (UTC+9): 00:00 local is 15:00 UTC the day before.
    assert post.published_at == dt.datetime(2024, 12, 25, 15, 0, tzinfo=dt.UTC)
    assert post.permalink == "https://x.com/KaiaDevIntern/status/1872133107903803681"
    assert post_values(content, "1872133107903803681") == {
        "Impressions": 462, "Likes": 19, "Engagements": 58, "Bookmarks": 0, "Share": 0,
        "New follows": 0, "Replies": 2, "Reposts": 1, "Profile visits": 1, "Detail expands": 35,
        "Url clicks": 0, "Hashtag clicks": 0, "Permalink clicks": 0,
    }


def test_content_text_is_unescaped(content):
    post = next(p for p in content.posts if p.post_id == "1882280272584126865")
    assert post.title == ("I want @KaiaChain to be where the next billion dollar startups for the "
                          "next billion users are built. {&}")


@pytest.mark.parametrize(("metric", "expected"), [
    ("impressions", 29784),
    ("likes", 837),
    ("comments", 149),  # Replies
    ("shares", 71),  # Reposts
    ("saves", 11),  # Bookmarks
    ("clicks", 55),  # Url clicks
])
def test_content_metric_totals(content, metric, expected):
    assert total(content.post_metrics, metric=metric) == expected


@pytest.mark.parametrize(("source", "expected"), [
    ("Engagements", 2254),
    ("Share", 0),
    ("New follows", 11),
    ("Profile visits", 283),
    ("Detail expands", 819),
    ("Hashtag clicks", 0),
    ("Permalink clicks", 0),
])
def test_content_lineage_only_columns(content, source, expected):
    values = [v for v in content.post_metrics if v.source_metric == source]
    assert len(values) == 173
    assert all(v.metric is None for v in values)
    assert total(values) == expected


def test_content_snapshot_dated_by_export(content):
    assert len(content.post_metrics) == 173 * 13
    assert {v.snapshot_date for v in content.post_metrics} == {EXPORT_DATE}


# --------------------------------------------------------------------------------------------
# X Premium content, mid-2025+ header (small fixture with "1,234" numbers)
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def content_mid_2025() -> ParsedExport:
    return parse(CONTENT_MID_2025, timezone="America/New_York", export_date=dt.date(2026, 7, 15))


def test_content_mid_2025_posts(content_mid_2025):
    posts = {p.post_id: p for p in content_mid_2025.posts}
    assert list(posts) == ["1944812345678901234", "1944500000000000001", "1939000000000000002"]
    launch = posts["1944812345678901234"]
    # "Tue, Jul 14, 2026" at 00:00 in New York (EDT, UTC-4) is 04:00 UTC.
    assert launch.published_at == dt.datetime(2026, 7, 14, 4, 0, tzinfo=dt.UTC)
    assert launch.title == "Launch day: v2 is live, thanks all & see you at the meetup"
    assert launch.permalink == "https://x.com/ExampleBrand/status/1944812345678901234"
    assert content_mid_2025.covers == (dt.date(2026, 6, 29), dt.date(2026, 7, 14))


def test_content_mid_2025_thousands_separators_and_empty_cell(content_mid_2025):
    launch = post_values(content_mid_2025, "1944812345678901234")
    assert launch["Impressions"] == 12480  # "12,480"
    assert launch["Likes"] == 1034  # "1,034"
    assert launch["Detail Expands"] == 1102  # "1,102"
    assert launch["URL Clicks"] == 233
    assert post_values(content_mid_2025, "1939000000000000002")["Engagements"] is None  # empty, not 0


@pytest.mark.parametrize(("metric", "expected"), [
    ("impressions", 12480 + 312 + 2004),
    ("likes", 1034 + 5 + 41),
    ("comments", 88 + 1 + 6),
    ("shares", 140 + 0 + 7),
    ("saves", 57 + 0 + 3),
    ("clicks", 233 + 0 + 0),
])
def test_content_mid_2025_totals(content_mid_2025, metric, expected):
    assert total(content_mid_2025.post_metrics, metric=metric) == expected


def test_both_content_header_variants_map_to_the_same_columns(content, content_mid_2025):
    def mapping(parsed: ParsedExport) -> dict[str, str | None]:
        return {v.source_metric.casefold(): v.metric for v in parsed.post_metrics}

    early, mid = mapping(content), mapping(content_mid_2025)
    assert early.pop("share") is None and mid.pop("shares") is None  # the one renamed column
    assert early == mid
    assert set(early.values()) == {"impressions", "likes", "comments", "shares", "saves", "clicks", None}


# --------------------------------------------------------------------------------------------
# Daily tweet activity: the NPLF workbook (pasted monthly sheets) and the native CSV
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def daily_workbook(real_exports) -> ParsedExport:
    return parse(real_exports / "twitter" / DAILY_WORKBOOK)


def test_daily_workbook_days(daily_workbook):
    days = sorted({v.date for v in daily_workbook.account_daily})
    assert daily_workbook.format == "x_daily_tweet_activity"
    assert len(days) == 91  # April 30 + May 31 + June 30, no totals rows
    assert daily_workbook.covers == (dt.date(2020, 4, 1), dt.date(2020, 6, 30))
    assert days == [dt.date(2020, 4, 1) + dt.timedelta(n) for n in range(91)]
    assert len(daily_workbook.account_daily) == 91 * 37
    assert "read 3 sheets: NPLF Twitter April, NPLF Twitter May, NPLF Twitter June" in daily_workbook.notes


@pytest.mark.parametrize(("metric", "expected"), [
    ("posts_published", 41),  # Tweets published
    ("impressions", 22193),
    ("platform_engagements", 412),
    ("shares", 45),  # retweets
    ("comments", 11),  # replies
    ("likes", 133),
    ("clicks", 5),  # url clicks
])
def test_daily_workbook_metric_totals(daily_workbook, metric, expected):
    assert total(daily_workbook.account_daily, metric=metric) == expected


@pytest.mark.parametrize(("source", "expected"), [
    ("user profile clicks", 33),
    ("hashtag clicks", 10),
    ("detail expands", 132),
    ("media views", 43),
    ("follows", 0),
])
def test_daily_workbook_lineage_only_columns(daily_workbook, source, expected):
    values = [v for v in daily_workbook.account_daily if v.source_metric == source]
    assert len(values) == 91
    assert all(v.metric is None for v in values)
    assert total(values) == expected


def test_daily_workbook_specific_day(daily_workbook):
    # April sheet row 21 (Excel serial 43941).
    values = day_values(daily_workbook, dt.date(2020, 4, 20))
    assert (values["Tweets published"], values["impressions"], values["engagements"]) == (2, 1820, 42)
    assert (values["retweets"], values["replies"], values["likes"]) == (4, 0, 18)
    assert (values["user profile clicks"], values["hashtag clicks"], values["detail expands"]) == (3, 1, 10)
    assert values["media views"] == 6
    assert values["promoted impressions"] is None  # "-" in the sheet
    assert values["engagement rate"] == pytest.approx(0.023076923076923)


def test_daily_workbook_promoted_columns_are_null_not_zero(daily_workbook):
    promoted = [v for v in daily_workbook.account_daily if v.source_metric.startswith("promoted ")]
    assert len(promoted) == 91 * 18
    assert all(v.value is None and v.metric is None for v in promoted)
    assert {v.metric for v in daily_workbook.account_daily} - {None} <= set(ACCOUNT_DAILY_METRICS)


def test_daily_native_csv():
    parsed = parse(DAILY_CSV)
    assert parsed.format == "x_daily_tweet_activity"
    assert parsed.covers == (dt.date(2021, 8, 1), dt.date(2021, 8, 4))
    assert len(parsed.account_daily) == 4 * 37
    assert total(parsed.account_daily, metric="posts_published") == 0 + 2 + 1 + 3
    assert total(parsed.account_daily, metric="impressions") == 640 + 1530 + 905 + 2210
    assert total(parsed.account_daily, metric="platform_engagements") == 8 + 41 + 17 + 66
    assert total(parsed.account_daily, metric="shares") == 1 + 4 + 2 + 5
    assert total(parsed.account_daily, metric="comments") == 0 + 3 + 1 + 6
    assert total(parsed.account_daily, metric="likes") == 3 + 12 + 7 + 20
    assert total(parsed.account_daily, metric="clicks") == 1 + 9 + 0 + 8
    assert total(parsed.account_daily, source="media views") == 0 + 14 + 0 + 30
    assert day_values(parsed, dt.date(2021, 8, 4))["permalink clicks"] == 2
