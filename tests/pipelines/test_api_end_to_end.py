"""Every platform API end to end through the real pipeline.

emulator (tests/fakes) -> `<platform>_api` asset -> raw.api_pages + raw records -> core tables ->
kpi.daily, one test per platform. Each test writes a config whose one account points at the
emulator (`api_base_url`, `token_env`, `api_options`), runs every asset over one partition range
and compares the warehouse with numbers worked out by hand from the payload it seeded (the
arithmetic is in the comments).

Dates follow the real clock, because the clients do: the window is the last three complete UTC
days (D1..D3 = today-3..today-1, the nightly run's "yesterday" being D3), inside every platform's
history limit (X mention counts: 7 days, TikTok: 60 days). The config's timezone is UTC so that
partition days, X count buckets and LinkedIn's UTC-day statistics are the same days.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml

from connectors.base import ApiAccount, load_connectors
from pipelines.build import build_definitions
from pipelines.config import Config, load_config
from tests.fakes import google, linkedin, meta, tiktok, x
from tests.fakes.google import FakeReview
from tests.fakes.linkedin import FakeOrganization
from tests.fakes.meta import FakeAdAccount, FakeIgUser
from tests.fakes.tiktok import FakeBusinessAccount
from tests.fakes.x import FakeXUser
from tests.fakes.youtube import FakeChannel

pytest_plugins = ["tests.fakes.meta", "tests.fakes.x", "tests.fakes.linkedin", "tests.fakes.youtube",
                  "tests.fakes.tiktok", "tests.fakes.google"]

DAY = dt.timedelta(days=1)
TODAY = dt.datetime.now(dt.UTC).date()
D1, D2, D3 = TODAY - 3 * DAY, TODAY - 2 * DAY, TODAY - DAY
START_DATE = TODAY - 14 * DAY  # the config's first partition, before the window

# The brand and its competitor: X counts mentions of both (share of voice); the other platforms
# ignore them.
BRAND = {"id": "acme", "name": "Acme", "mention_keywords": ["acme", "#acme"],
         "competitors": [{"id": "globex", "name": "Globex", "mention_keywords": ["globex"]}]}


# ---- helpers ---------------------------------------------------------------------------------


def configure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, token: str, account: dict,
              **settings: object) -> Config:
    """A config with one API account of brand acme; its token is read from ACME_<PLATFORM>_TOKEN."""
    env = f"ACME_{account['platform'].upper()}_TOKEN"
    monkeypatch.setenv(env, token)
    data = {"timezone": "UTC", "start_date": START_DATE, "brands": [BRAND],
            "accounts": [{"brand": "acme", "token_env": env, **account}], **settings}
    path = tmp_path / "socialkpi.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return load_config(path)


def run_pipeline(config: Config) -> None:
    """Every asset over the partition range D1..D3 in one run, as the nightly schedule does."""
    defs = build_definitions(config)
    result = dg.materialize(
        list(defs.assets), resources=defs.resources, instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
        tags={"dagster/asset_partition_range_start": D1.isoformat(),
              "dagster/asset_partition_range_end": D3.isoformat()})
    failures = [e.event_specific_data.error.message for e in result.all_events
                if e.event_type_value == "STEP_FAILURE"]
    assert result.success, failures


def query(config: Config, sql: str, *params: object) -> list[tuple]:
    with duckdb.connect(str(config.warehouse_path), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def kpis(config: Config, day: dt.date, platform: str, account_id: str = "all") -> dict[str, float | None]:
    """kpi.daily values of one row key (account_id 'all': the platform rollup or a brand-level KPI)."""
    return dict(query(config, "SELECT kpi, value FROM kpi.daily WHERE date = ? AND brand_id = 'acme' "
                              "AND platform = ? AND account_id = ?", day, platform, account_id))


def assert_landed(config: Config, platform: str, account_id: str, token: str, table: str, records: int) -> None:
    """The pull's pages are in raw.api_pages for the run's window widened to the platform's own
    lookback (e.g. Meta Ads' 7 attribution days), without the token, and `records` canonical
    records of it are in the raw table `table`."""
    lookback = load_connectors()[platform].api(ApiAccount(platform, account_id, "UTC")).lookback_days
    first_day = min(D1, D3 - dt.timedelta(days=lookback - 1))
    count, first, last, statuses, stored = query(
        config, "SELECT count(*), min(window_start), max(window_end), list(DISTINCT status), "
                "string_agg(endpoint || CAST(params AS VARCHAR) || CAST(body AS VARCHAR), '') "
                "FROM raw.api_pages WHERE platform = ? AND account_id = ?", platform, account_id)[0]
    assert count > 0 and (first, last) == (first_day, D3) and statuses == [200]
    assert token not in stored
    landed = query(config, f"SELECT count(*) FROM {table} WHERE source = 'api' AND platform = ? AND account_id = ?",
                   platform, account_id)[0][0]
    assert landed == records


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), dt.UTC)


# ---- instagram -------------------------------------------------------------------------------

IG_USER = "17841400000000000"


def test_instagram(tmp_path, monkeypatch, meta_graph):
    meta_graph.ig_users[IG_USER] = FakeIgUser(IG_USER, followers_count=10234, daily={
        "views": {D1: 20701, D2: 18250, D3: 19020},
        "reach": {D1: 5120, D2: 4875, D3: 5004},
        "likes": {D1: 310, D2: 295, D3: 301},
        "comments": {D1: 21, D2: 17, D3: 19},
        "shares": {D1: 12, D2: 9, D3: 10},
        "saves": {D1: 30, D2: 26, D3: 28},
        # Meta's content interactions = likes + comments + shares + saves:
        # 310+21+12+30 = 373, 295+17+9+26 = 347, 301+19+10+28 = 358
        "total_interactions": {D1: 373, D2: 347, D3: 358},
        "accounts_engaged": {D1: 401, D2: 388, D3: 390},  # lineage only
    })
    config = configure(tmp_path, monkeypatch, meta.VALID_TOKEN, {
        "platform": "instagram", "account_id": IG_USER, "api_base_url": meta_graph.url})

    run_pipeline(config)

    # 8 insight metrics x 3 days + followers_count once = 25 records
    assert_landed(config, "instagram", IG_USER, meta.VALID_TOKEN, "raw.account_daily_values", 25)
    days = query(config, "SELECT date, impressions, reach, likes, saves, engagements, followers, source "
                         "FROM core.account_daily WHERE platform = 'instagram' ORDER BY date")
    assert days == [
        (D1, 20701, 5120, 310, 30, 373, None, "api"),
        (D2, 18250, 4875, 295, 26, 347, None, "api"),
        # followers_count is the total at pull time: pulled today, the morning after the window,
        # it is dated the window's last day; earlier days have no follower count
        (D3, 19020, 5004, 301, 28, 358, 10234, "api"),
    ]
    day2 = kpis(config, D2, "instagram", IG_USER)
    assert day2["impressions"] == 18250
    assert day2["engagements"] == 347
    assert day2["engagement_rate_reach"] == pytest.approx(347 / 4875 * 100)  # 7.118 %
    assert day2["engagement_rate_impressions"] == pytest.approx(347 / 18250 * 100)  # 1.901 %
    assert day2["applause_rate"] is None  # (likes + saves) / followers at period start: unknown
    day3 = kpis(config, D3, "instagram", IG_USER)
    assert day3["followers"] == 10234
    # engagement_rate = engagements / followers at the end of D2 x100: the API gives no D2 total
    assert day3["engagement_rate"] is None
    assert kpis(config, D2, "instagram")["engagement_rate_reach"] == pytest.approx(347 / 4875 * 100)  # rollup


# ---- meta_ads --------------------------------------------------------------------------------

AD_ACCOUNT = "998877"
LEADS, RETARGET = "120210000000001", "120210000000002"


def ad_row(day: dt.date, campaign: str, spend: str, impressions: str, clicks: str,
           actions: list[dict] | None = None) -> dict:
    """An insights row as the Marketing API sends it (numbers as strings); no `actions` key when None."""
    name = {LEADS: "Spring Leads", RETARGET: "Retargeting"}[campaign]
    row = {"campaign_id": campaign, "campaign_name": name, "date_start": day.isoformat(),
           "date_stop": day.isoformat(), "spend": spend, "impressions": impressions, "reach": impressions,
           "clicks": clicks}
    if actions is not None:
        row["actions"] = actions
    return row


def test_meta_ads(tmp_path, monkeypatch, meta_graph):
    meta_graph.ad_accounts[AD_ACCOUNT] = FakeAdAccount(AD_ACCOUNT, currency="USD", rows=[
        # before the run's window, but inside Meta Ads' 7-day lookback: pulled too (4 records)
        ad_row(D1 - DAY, LEADS, "99.00", "9000", "90"),
        ad_row(D1, LEADS, "20.00", "4000", "50",
               [{"action_type": "link_click", "value": "30"}, {"action_type": "lead", "value": "4"}]),
        ad_row(D1, RETARGET, "10.00", "1000", "10", [{"action_type": "purchase", "value": "1"}]),
        ad_row(D2, LEADS, "30.00", "5000", "60",
               [{"action_type": "lead", "value": "6"}, {"action_type": "purchase", "value": "1"}]),
        ad_row(D2, RETARGET, "12.00", "1750", "20"),  # no `actions`: conversions unknown (NULL)
        ad_row(D3, LEADS, "25.50", "4500", "45", [{"action_type": "lead", "value": "3"}]),
    ])
    config = configure(tmp_path, monkeypatch, meta.VALID_TOKEN, {
        "platform": "meta_ads", "account_id": AD_ACCOUNT, "api_base_url": meta_graph.url,
        "api_options": {"conversion_action_types": ["lead", "purchase"]},
    }, currency={"reporting": "EUR", "rates": {"USD": 0.9}})

    run_pipeline(config)

    # spend, impressions, reach, clicks for 5 rows = 20, + conversions for the 4 rows with actions = 24
    assert_landed(config, "meta_ads", AD_ACCOUNT, meta.VALID_TOKEN, "raw.ads_daily_values", 24 + 4)
    campaigns = query(config, "SELECT date, campaign_id, currency, spend, impressions, clicks, conversions "
                              "FROM core.ads_daily ORDER BY date, campaign_id")
    assert campaigns == [
        (D1, LEADS, "USD", 20.0, 4000, 50, 4),  # lead 4 (link clicks are no conversion)
        (D1, RETARGET, "USD", 10.0, 1000, 10, 1),  # purchase 1
        (D2, LEADS, "USD", 30.0, 5000, 60, 7),  # lead 6 + purchase 1
        (D2, RETARGET, "USD", 12.0, 1750, 20, None),
        (D3, LEADS, "USD", 25.5, 4500, 45, 3),
    ]
    day1 = kpis(config, D1, "meta_ads")
    assert day1["cpc"] == pytest.approx(0.45)  # (20 + 10) USD x 0.9 = 27 EUR / (50 + 10) clicks
    assert day1["cpm"] == pytest.approx(5.4)  # 27 EUR / (4000 + 1000) impressions x 1000
    assert day1["conversions"] == 5  # 4 + 1
    assert day1["conversion_rate"] == pytest.approx(5 / 60 * 100)  # 8.333 %
    day2 = kpis(config, D2, "meta_ads")
    assert day2["cpc"] == pytest.approx(0.4725)  # (30 + 12) x 0.9 = 37.8 EUR / (60 + 20)
    assert day2["cpm"] == pytest.approx(5.6)  # 37.8 / (5000 + 1750) x 1000
    assert day2["conversions"] == 7  # the retargeting campaign reports none that day
    # only campaigns with both conversions and clicks: 7 / 60 (not / 80)
    assert day2["conversion_rate"] == pytest.approx(7 / 60 * 100)  # 11.667 %
    assert kpis(config, D3, "meta_ads")["cpc"] == pytest.approx(25.5 * 0.9 / 45)  # 0.51
    assert kpis(config, D2, "all")["cpc"] == pytest.approx(0.4725)  # brand across platforms


# ---- x -----------------------------------------------------------------------------------------

X_USER = "2244994945"
# The counts queries the X client builds from the brand's and competitor's mention_keywords.
ACME_QUERY, GLOBEX_QUERY = '("acme" OR "#acme")', '("globex")'


def test_x(tmp_path, monkeypatch, x_api):
    x_api.now = dt.datetime.now(dt.UTC)  # rate-limit headers relative to the real clock
    x_api.users[X_USER] = FakeXUser(X_USER, followers_count=15230)
    # UTC day buckets; counts/recent serves the last 7 days, so D1 (today-3) is in it
    x_api.counts[ACME_QUERY] = {D1 - DAY: 999, D1: 40, D2: 52, D3: 38}
    x_api.counts[GLOBEX_QUERY] = {D1: 10, D2: 28, D3: 2}
    config = configure(tmp_path, monkeypatch, x.VALID_TOKEN, {
        "platform": "x", "account_id": X_USER, "api_base_url": x_api.url})

    run_pipeline(config)

    # 2 subjects x 3 days of mention counts
    assert_landed(config, "x", X_USER, x.VALID_TOKEN, "raw.mentions_daily_values", 6)
    assert {r.query["query"] for r in x_api.server.requests_to("/2/tweets/counts/recent")} == {
        ACME_QUERY, GLOBEX_QUERY}
    mentions = query(config, "SELECT date, subject_id, platform, is_competitor, mentions FROM core.mentions_daily "
                             "ORDER BY date, subject_id")
    assert mentions == [
        (D1, "acme", "x", False, 40), (D1, "globex", "x", True, 10),
        (D2, "acme", "x", False, 52), (D2, "globex", "x", True, 28),
        (D3, "acme", "x", False, 38), (D3, "globex", "x", True, 2),
    ]
    assert kpis(config, D1, "x")["share_of_voice"] == pytest.approx(80.0)  # 40 / (40 + 10) x100
    assert kpis(config, D2, "x")["share_of_voice"] == pytest.approx(65.0)  # 52 / (52 + 28) x100
    assert kpis(config, D3, "x")["share_of_voice"] == pytest.approx(95.0)  # 38 / (38 + 2) x100
    assert kpis(config, D2, "all")["share_of_voice"] == pytest.approx(65.0)  # x is the only platform
    # the follower total at pull time, dated the window's last day (pulled the morning after)
    assert query(config, "SELECT date, followers FROM core.account_daily WHERE platform = 'x'") == [(D3, 15230)]
    assert kpis(config, D3, "x", X_USER)["followers"] == 15230


# ---- linkedin --------------------------------------------------------------------------------

ORG = "2414183"


def share_stats(impressions: int, clicks: int, likes: int, comments: int, shares: int) -> dict:
    return {"impressionCount": impressions, "clickCount": clicks, "likeCount": likes, "commentCount": comments,
            "shareCount": shares}


def page_views(views: int, unique: int) -> dict:
    return {"allPageViews": {"pageViews": views, "uniquePageViews": unique}}


def test_linkedin(tmp_path, monkeypatch, linkedin_api):
    linkedin_api.organizations[ORG] = FakeOrganization(ORG, followers=5123, shares={
        D1: share_stats(300, 12, 9, 1, 0),
        D2: share_stats(450, 18, 15, 3, 2),
        D3: share_stats(510, 25, 18, 4, 3),
    }, follower_gains={
        D1: (5, 0), D2: (3, 2),
        D3: (4, 0),  # time-bound follower gains end two days before today (UTC): never asked for
    }, page_views={D1: page_views(40, 22), D2: page_views(35, 19), D3: page_views(50, 31)})
    config = configure(tmp_path, monkeypatch, linkedin.VALID_TOKEN, {
        "platform": "linkedin", "account_id": ORG, "api_base_url": linkedin_api.url,
        "api_options": {"api_version": "202606"}})

    run_pipeline(config)

    # share statistics 5 x 3 days + follower gains (organic, paid, their sum) x 2 days
    # + page views (unique, all) x 3 days + the follower total = 15 + 6 + 6 + 1 = 28
    assert_landed(config, "linkedin", ORG, linkedin.VALID_TOKEN, "raw.account_daily_values", 28)
    assert {r.headers["LinkedIn-Version"] for r in linkedin_api.requests} == {"202606"}
    days = query(config, "SELECT date, impressions, clicks, likes, comments, shares, engagements, "
                         "followers_gained, profile_visits, followers FROM core.account_daily "
                         "WHERE platform = 'linkedin' ORDER BY date")
    assert days == [
        # engagements = likes + comments + shares: 9+1+0 = 10, 15+3+2 = 20, 18+4+3 = 25
        (D1, 300, 12, 9, 1, 0, 10, 5, 22, None),
        (D2, 450, 18, 15, 3, 2, 20, 5, 19, None),  # gained = organic 3 + paid 2
        (D3, 510, 25, 18, 4, 3, 25, None, 31, 5123),  # networkSizes: today's total, dated D3
    ]
    day2 = kpis(config, D2, "linkedin", ORG)
    assert day2["clicks"] == 18
    assert day2["ctr"] == pytest.approx(4.0)  # 18 / 450 x100
    assert day2["engagement_rate_impressions"] == pytest.approx(20 / 450 * 100)  # 4.444 %
    assert day2["profile_visits"] == 19
    day3 = kpis(config, D3, "linkedin", ORG)
    assert day3["ctr"] == pytest.approx(25 / 510 * 100)  # 4.902 %
    assert day3["followers"] == 5123
    assert kpis(config, D1, "linkedin")["ctr"] == pytest.approx(4.0)  # rollup: 12 / 300 x100


# ---- youtube ---------------------------------------------------------------------------------

CHANNEL = "UCabcdefghijklmnopqrstuv"


def yt_day(views: int, likes: int, comments: int, shares: int, gained: int, lost: int) -> dict[str, int]:
    return {"views": views, "engagedViews": views - 100, "estimatedMinutesWatched": views * 3, "likes": likes,
            "comments": comments, "shares": shares, "subscribersGained": gained, "subscribersLost": lost}


def test_youtube(tmp_path, monkeypatch, youtube_api):
    youtube_api.channels[CHANNEL] = FakeChannel(CHANNEL, daily={
        # before the run's window, but inside YouTube's 5-day lookback: pulled too (8 records)
        D1 - DAY: yt_day(999, 1, 1, 1, 1, 1),
        D1: yt_day(1224, 40, 6, 3, 12, 2),
        D2: yt_day(860, 22, 4, 2, 7, 3),
        D3: yt_day(932, 30, 5, 4, 9, 0),
    })
    # YouTube reports no subscriber total: the config gives one, at the end of the day before D1
    config = configure(tmp_path, monkeypatch, google.VALID_TOKEN, {
        "platform": "youtube", "account_id": CHANNEL, "api_base_url": youtube_api.url,
        "followers_on": {D1 - DAY: 20000}})

    run_pipeline(config)

    # 8 report metrics x 3 days
    assert_landed(config, "youtube", CHANNEL, google.VALID_TOKEN, "raw.account_daily_values", 24 + 8)
    days = query(config, "SELECT date, video_views, likes, engagements, followers_gained, followers_lost, "
                         "followers_net_change, followers FROM core.account_daily WHERE platform = 'youtube' "
                         "ORDER BY date")
    assert days == [
        # engagements = likes + comments + shares; followers rebuilt from 20000 by net changes
        (D1, 1224, 40, 49, 12, 2, 10, 20010),  # 40+6+3; 20000 + (12-2)
        (D2, 860, 22, 28, 7, 3, 4, 20014),  # 22+4+2; 20010 + (7-3)
        (D3, 932, 30, 39, 9, 0, 9, 20023),  # 30+5+4; 20014 + 9
    ]
    day2 = kpis(config, D2, "youtube", CHANNEL)
    assert day2["video_views"] == 860
    assert day2["followers_net_change"] == 4
    assert day2["engagement_rate"] == pytest.approx(28 / 20010 * 100)  # 0.1399 %
    assert day2["audience_growth_rate"] == pytest.approx(4 / 20010 * 100)
    assert day2["follower_churn_rate"] == pytest.approx(3 / 20010 * 100)
    day3 = kpis(config, D3, "youtube", CHANNEL)
    assert day3["engagement_rate"] == pytest.approx(39 / 20014 * 100)  # 0.1949 %
    assert day3["followers"] == 20023


# ---- tiktok ----------------------------------------------------------------------------------

BUSINESS = "-000abcDEFghiJKLmno"
TIKTOK_FIELDS = ("video_views", "unique_video_views", "profile_views", "likes", "comments", "shares",
                 "daily_new_followers", "daily_lost_followers", "daily_total_followers")


def tt_day(*values: int) -> dict[str, int]:
    return dict(zip(TIKTOK_FIELDS, values, strict=True))


def test_tiktok(tmp_path, monkeypatch, tiktok_api):
    tiktok_api.accounts[BUSINESS] = FakeBusinessAccount(BUSINESS, followers_count=1219, daily={
        D1 - DAY: tt_day(1, 1, 1, 1, 1, 1, 1, 1, 1200),  # before the window
        # totals: 1200 + 14 - 3 = 1211, + 6 - 2 = 1215, + 5 - 1 = 1219
        D1: tt_day(5200, 3100, 61, 310, 12, 20, 14, 3, 1211),
        D2: tt_day(4100, 2500, 40, 190, 9, 11, 6, 2, 1215),
        D3: tt_day(3900, 2300, 37, 150, 7, 8, 5, 1, 1219),
    })
    config = configure(tmp_path, monkeypatch, tiktok.VALID_TOKEN, {
        "platform": "tiktok", "account_id": BUSINESS, "api_base_url": tiktok_api.url})

    run_pipeline(config)

    # 9 fields x 3 days
    assert_landed(config, "tiktok", BUSINESS, tiktok.VALID_TOKEN, "raw.account_daily_values", 27)
    days = query(config, "SELECT date, impressions, video_views, reach, engagements, followers_net_change, "
                         "followers FROM core.account_daily WHERE platform = 'tiktok' ORDER BY date")
    assert days == [
        # no impressions from TikTok; reach = unique viewers; engagements = likes + comments + shares
        (D1, None, 5200, 3100, 342, 11, 1211),  # 310+12+20; 14-3
        (D2, None, 4100, 2500, 210, 4, 1215),  # 190+9+11; 6-2
        (D3, None, 3900, 2300, 165, 4, 1219),  # 150+7+8; 5-1
    ]
    day2 = kpis(config, D2, "tiktok", BUSINESS)
    assert day2["engagements"] == 210
    assert day2["engagement_rate"] == pytest.approx(210 / 1211 * 100)  # 17.341 %
    assert day2["reach_rate"] == pytest.approx(2500 / 1211 * 100)  # 206.441 %
    assert day2["audience_growth_rate"] == pytest.approx(4 / 1211 * 100)  # 0.330 %
    assert day2["follower_churn_rate"] == pytest.approx(2 / 1211 * 100)
    assert "impressions" not in day2 and "ctr" not in day2  # TikTok cannot give them: no row
    assert kpis(config, D3, "tiktok", BUSINESS)["engagement_rate"] == pytest.approx(165 / 1215 * 100)  # 13.580 %
    assert kpis(config, D1, "tiktok", BUSINESS)["engagement_rate"] is None  # D1 - 1 is not in core


# ---- google_business -------------------------------------------------------------------------

GBP_ACCOUNT, LOCATION = "123456789", "222222222"


def stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def review(review_id: str, stars: str, created: dt.datetime, comment: str | None = None) -> FakeReview:
    return FakeReview(review_id, stars, stamp(created), stamp(created), comment)


def test_google_business(tmp_path, monkeypatch, google_api):
    google_api.reviews[(GBP_ACCOUNT, LOCATION)] = [
        review("Old001", "ONE", at(D1 - 10 * DAY, 9), "long ago"),  # listed, but before the window
        review("Rev001", "FIVE", at(D1, 9), "Great service!"),
        review("Rev002", "THREE", at(D1, 15, 30)),  # rating only: no comment
        review("Rev003", "FOUR", at(D2, 10), "Good"),
        review("Rev004", "STAR_RATING_UNSPECIFIED", at(D2, 12), "Visited"),  # counted, not rated
        review("Rev005", "TWO", at(D3, 8), "Slow"),
        # 23:30 UTC is already the next day in Berlin, the account's timezone: a review of D3
        review("Rev006", "FIVE", at(D2, 23, 30), "Lovely"),
    ]
    config = configure(tmp_path, monkeypatch, google.VALID_TOKEN, {
        "platform": "google_business", "account_id": GBP_ACCOUNT, "api_base_url": google_api.url,
        "timezone": "Europe/Berlin", "api_options": {"location_ids": [LOCATION]}})

    run_pipeline(config)

    assert_landed(config, "google_business", GBP_ACCOUNT, google.VALID_TOKEN, "raw.review_records", 7)
    assert [r.path for r in google_api.requests] == [
        f"/v4/accounts/{GBP_ACCOUNT}/locations/{LOCATION}/reviews"]
    reviews = query(config, "SELECT review_id, location_id, created_date, rating, comment FROM core.reviews "
                            "WHERE created_date >= ? ORDER BY created_date, review_id", D1)
    assert reviews == [
        ("Rev001", f"locations/{LOCATION}", D1, 5, "Great service!"),
        ("Rev002", f"locations/{LOCATION}", D1, 3, None),
        ("Rev003", f"locations/{LOCATION}", D2, 4, "Good"),
        ("Rev004", f"locations/{LOCATION}", D2, None, "Visited"),
        ("Rev005", f"locations/{LOCATION}", D3, 2, "Slow"),
        ("Rev006", f"locations/{LOCATION}", D3, 5, "Lovely"),
    ]
    expected = {
        D1: (2, 4.0),  # (5 + 3) / 2
        D2: (2, 4.0),  # two reviews, one rated: 4 / 1
        D3: (2, 3.5),  # (2 + 5) / 2
    }
    for day, (count, average) in expected.items():
        values = kpis(config, day, "google_business")
        assert (values["reviews_count"], values["average_rating"]) == (count, pytest.approx(average))
    assert kpis(config, D3, "all")["average_rating"] == pytest.approx(3.5)  # brand across platforms


# ---- ga4 ---------------------------------------------------------------------------------------

PROPERTY = "345678901"


def ga4_row(sessions: int, engaged: int, key_events: int, revenue: float) -> dict[str, float]:
    return {"sessions": sessions, "engagedSessions": engaged, "keyEvents": key_events, "totalRevenue": revenue}


def ymd(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


def test_ga4(tmp_path, monkeypatch, google_api):
    google_api.ga4_rows[PROPERTY] = {
        (ymd(D1 - DAY), "t.co"): ga4_row(999, 1, 1, 1),  # before the window
        (ymd(D1), "instagram.com"): ga4_row(120, 78, 6, 240.5),
        (ymd(D1), "l.instagram.com"): ga4_row(30, 12, 1, 0),  # Instagram's link shim: instagram too
        (ymd(D1), "t.co"): ga4_row(50, 20, 2, 35),
        (ymd(D1), "google"): ga4_row(900, 700, 40, 3000),  # not social: ignored
        (ymd(D2), "instagram.com"): ga4_row(100, 70, 4, 180),
        (ymd(D2), "t.co"): ga4_row(40, 30, 0, 0),
        (ymd(D3), "instagram.com"): ga4_row(80, 44, 3, 99.9),
    }
    config = configure(tmp_path, monkeypatch, google.VALID_TOKEN, {
        "platform": "ga4", "account_id": PROPERTY, "api_base_url": google_api.url})

    run_pipeline(config)

    # (sessions, bounced, conversions, revenue) x 5 platform-days (D1 instagram + x, D2 both, D3 instagram)
    assert_landed(config, "ga4", PROPERTY, google.VALID_TOKEN, "raw.web_daily_values", 20)
    assert [b["dateRanges"] for b in google_api.run_report_bodies] == [
        [{"startDate": D1.isoformat(), "endDate": D3.isoformat()}]]
    web = query(config, "SELECT date, platform, sessions, bounced_sessions, conversions, revenue "
                        "FROM core.web_daily ORDER BY date, platform")
    assert web == [
        # bounced = sessions - engaged sessions, summed over the platform's sources
        (D1, "instagram", 150, 60, 7, 240.5),  # 120+30; (120-78)+(30-12) = 42+18; 6+1; 240.5+0
        (D1, "x", 50, 30, 2, 35),
        (D2, "instagram", 100, 30, 4, 180),
        (D2, "x", 40, 10, 0, 0),
        (D3, "instagram", 80, 36, 3, 99.9),
    ]
    day1 = kpis(config, D1, "instagram")
    assert day1["bounce_rate"] == pytest.approx(40.0)  # 60 / 150 x100
    assert day1["conversions"] == 7
    assert kpis(config, D1, "x")["bounce_rate"] == pytest.approx(60.0)  # 30 / 50 x100
    assert kpis(config, D1, "all")["bounce_rate"] == pytest.approx(45.0)  # (60 + 30) / (150 + 50) x100
    assert kpis(config, D1, "all")["conversions"] == 9  # 7 + 2
    assert kpis(config, D2, "instagram")["bounce_rate"] == pytest.approx(30.0)  # 30 / 100
    assert kpis(config, D2, "all")["bounce_rate"] == pytest.approx(40 / 140 * 100)  # (30 + 10) / (100 + 40)
    assert kpis(config, D3, "instagram")["bounce_rate"] == pytest.approx(45.0)  # 36 / 80 x100
