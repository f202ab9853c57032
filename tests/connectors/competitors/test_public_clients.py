"""The competitor clients against the public-endpoint emulator (tests/fakes/competitors.py).

Response shapes follow the official references:
- Instagram Business Discovery: developers.facebook.com/docs/instagram-platform/instagram-graph-api/
  reference/ig-user/business_discovery (sample: business_discovery{followers_count, media_count, id}, id);
- YouTube Data API: developers.google.com/youtube/v3/docs/channels/list and /videos/list
  (statistics as strings, hiddenSubscriberCount);
- X API v2: docs.x.com/x-api/users/lookup/quickstart/user-lookup (data.public_metrics.followers_count).
Expected values are worked out by hand from the seeded posts below.
"""

from __future__ import annotations

import datetime as dt

import pytest

from connectors.base import load_connectors
from connectors.competitors import unavailable_handles
from connectors.instagram.competitor import InstagramCompetitorApi
from connectors.x.competitor import XCompetitorApi
from connectors.youtube.competitor import YouTubeCompetitorApi
from tests.fakes import FakeClock
from tests.fakes.competitors import IG_TOKEN, X_BEARER, YT_KEY, PublicPost, PublicProfile

pytest_plugins = ["tests.fakes.competitors"]

D = dt.date
UTC = dt.UTC
START, END = D(2026, 11, 18), D(2026, 11, 20)
# the nightly run: the morning after the window's last day, so current totals are dated END
NIGHT = dt.datetime(2026, 11, 21, 5, 0, tzinfo=UTC)


def at(day: int, hour: int = 12) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, tzinfo=UTC)


@pytest.fixture
def clock(public_profiles):
    clock = FakeClock(NIGHT)
    public_profiles.now = clock.now
    return clock


def pull(client, clock):
    pages = client.fetch(START, END)
    return pages, client.normalise(pages)


def daily(parsed, metric):
    return {v.date: v.value for v in parsed.account_daily if v.metric == metric}


def post_values(parsed):
    return {(v.post_id, v.metric): v.value for v in parsed.post_metrics}


def test_the_platform_factory_hands_competitor_accounts_to_the_public_clients(public_profiles):
    registry = load_connectors()
    assert isinstance(registry["instagram"].api(public_profiles.account("instagram", "rival")), InstagramCompetitorApi)
    assert isinstance(registry["youtube"].api(public_profiles.account("youtube", "rivaltube")), YouTubeCompetitorApi)
    assert isinstance(registry["twitter"].api(public_profiles.account("x", "rivalx")), XCompetitorApi)
    own = public_profiles.account("x", "123")
    own = type(own)("x", "123", "UTC", own.credentials)  # no competitor option: the brand's own client
    assert type(registry["x"].api(own)).__name__ == "XApi"


def test_instagram_business_discovery_pages_media_and_counts_posts(public_profiles, clock):
    public_profiles.instagram["rival"] = PublicProfile(followers=5400, posts=[
        PublicPost("m1", at(19, 10), likes=120, comments=8),
        PublicPost("m2", at(20, 18), likes=None, comments=3),  # the owner hides likes
        PublicPost("m0", dt.datetime(2026, 9, 30, tzinfo=UTC), likes=10, comments=1),  # before the refresh window
    ])
    public_profiles.page_size = 1
    client = InstagramCompetitorApi(public_profiles.account("instagram", "rival", via="17841400000000001"),
                                    now=clock.now, sleep=clock.sleep)
    pages, parsed = pull(client, clock)
    requests = public_profiles.requests
    # newest first, one media a page: m2, m1, then m0 is older than the 28-day refresh window: stop
    assert len(requests) == 3
    assert all(r.path == "/v25.0/17841400000000001" for r in requests)
    assert [r.param("fields").split("media.limit(50)")[1].split("{")[0] for r in requests] == ["", ".after(1)",
                                                                                                ".after(2)"]
    assert daily(parsed, "followers") == {END: 5400}
    assert daily(parsed, "posts_published") == {D(2026, 11, 18): 0, D(2026, 11, 19): 1, D(2026, 11, 20): 1}
    assert post_values(parsed) == {("m1", "likes"): 120, ("m1", "comments"): 8, ("m2", "comments"): 3,
                                   ("m0", "likes"): 10, ("m0", "comments"): 1}
    assert {v.snapshot_date for v in parsed.post_metrics} == {D(2026, 11, 21)}  # dated the pull day
    assert {p.post_id for p in parsed.posts} == {"m0", "m1", "m2"}
    assert parsed.notes == []
    assert IG_TOKEN not in repr([p.endpoint + str(p.params) + str(p.body) for p in pages])


def test_instagram_private_or_unknown_handle_is_named_and_nothing_fails(public_profiles, clock):
    client = InstagramCompetitorApi(public_profiles.account("instagram", "private_rival"), now=clock.now,
                                    sleep=clock.sleep)
    pages, parsed = pull(client, clock)
    assert [p.status for p in pages] == [400]  # landed, so the error stays in raw.api_pages
    assert parsed.account_daily == [] and parsed.posts == [] and parsed.post_metrics == []
    [named] = unavailable_handles(parsed.notes)
    assert named.startswith("instagram private_rival: not found as an Instagram Business or Creator account")
    assert "Invalid user id" in named


def test_instagram_throttle_is_waited_out(public_profiles, clock):
    public_profiles.instagram["rival"] = PublicProfile(followers=10, posts=[
        PublicPost("a", at(19), likes=1, comments=0), PublicPost("b", at(20), likes=2, comments=0)])
    public_profiles.page_size = 1
    public_profiles.limits["instagram"] = 1
    client = InstagramCompetitorApi(public_profiles.account("instagram", "rival"), now=clock.now, sleep=clock.sleep)
    _, parsed = pull(client, clock)
    assert public_profiles.throttled == {"instagram": 1}
    assert clock.sleeps  # waited before retrying
    assert daily(parsed, "posts_published") == {D(2026, 11, 18): 0, D(2026, 11, 19): 1, D(2026, 11, 20): 1}


def test_youtube_channel_statistics_uploads_and_videos(public_profiles, clock):
    public_profiles.youtube["rivaltube"] = PublicProfile(followers=1200, account_id="UCrival000", posts=[
        PublicPost("v1", at(19, 9), likes=40, comments=5, views=500),
        PublicPost("v2", at(20, 23), likes=None, comments=2, views=300),  # likes hidden
        PublicPost("v0", dt.datetime(2026, 9, 1, tzinfo=UTC), likes=9, comments=9, views=9),
    ])
    public_profiles.page_size = 1
    client = YouTubeCompetitorApi(public_profiles.account("youtube", "rivaltube"), now=clock.now, sleep=clock.sleep)
    pages, parsed = pull(client, clock)
    paths = [r.path for r in public_profiles.requests]
    assert paths == ["/youtube/v3/channels"] + ["/youtube/v3/playlistItems"] * 3 + ["/youtube/v3/videos"]
    assert public_profiles.requests[0].param("forHandle") == "rivaltube"
    assert public_profiles.requests[-1].param("id") == "v2,v1"  # v0 is older than the refresh window
    assert daily(parsed, "followers") == {END: 1200}
    assert daily(parsed, "posts_published") == {D(2026, 11, 18): 0, D(2026, 11, 19): 1, D(2026, 11, 20): 1}
    assert post_values(parsed) == {("v1", "views"): 500, ("v1", "likes"): 40, ("v1", "comments"): 5,
                                   ("v2", "views"): 300, ("v2", "comments"): 2}
    assert {v.source_metric: v.value for v in parsed.account_daily if v.metric is None} == {
        "statistics.videoCount": 3, "statistics.viewCount": 809}
    assert YT_KEY not in repr([p.endpoint + str(p.params) for p in pages])


def test_youtube_by_channel_id_hidden_subscribers_and_unknown_handle(public_profiles, clock):
    public_profiles.youtube["quiet"] = PublicProfile(followers=77, account_id="UCquiet0001", hidden_followers=True)
    hidden = YouTubeCompetitorApi(public_profiles.account("youtube", "UCquiet0001", lookup="id"), now=clock.now)
    _, parsed = pull(hidden, clock)
    assert public_profiles.requests[0].param("id") == "UCquiet0001"
    assert daily(parsed, "followers") == {END: None}  # hidden: unknown, never 0
    assert daily(parsed, "posts_published") == {D(2026, 11, 18): 0, D(2026, 11, 19): 0, D(2026, 11, 20): 0}
    missing = YouTubeCompetitorApi(public_profiles.account("youtube", "nobody"), now=clock.now)
    pages, parsed = pull(missing, clock)
    assert len(pages) == 1 and parsed.account_daily == []
    assert unavailable_handles(parsed.notes) == ["youtube nobody: no channel has this handle or id"]


def test_youtube_rate_limit_is_retried(public_profiles, clock):
    public_profiles.youtube["rivaltube"] = PublicProfile(followers=5, account_id="UCrival000",
                                                         posts=[PublicPost("v1", at(19), likes=1, comments=1)])
    public_profiles.limits["youtube"] = 1
    client = YouTubeCompetitorApi(public_profiles.account("youtube", "rivaltube"), now=clock.now, sleep=clock.sleep)
    _, parsed = pull(client, clock)
    # channels, playlistItems, videos with one request per window: throttled before the 2nd and 3rd
    assert public_profiles.throttled == {"youtube": 2}
    assert daily(parsed, "posts_published")[D(2026, 11, 19)] == 1


def test_x_user_lookup_and_recent_posts(public_profiles, clock):
    public_profiles.x["rivalx"] = PublicProfile(followers=3000, account_id="999", posts=[
        PublicPost("t1", at(19, 8), likes=10, comments=2, reposts=3, quotes=1, bookmarks=4, impressions=900),
        PublicPost("t2", at(20, 8), likes=6, comments=0, reposts=0, quotes=0, bookmarks=0, impressions=100),
        PublicPost("t3", at(20, 9), likes=1, comments=1, reposts=1, quotes=1, bookmarks=1, impressions=10),
    ])
    public_profiles.page_size = 2
    client = XCompetitorApi(public_profiles.account("x", "rivalx"), now=clock.now, sleep=clock.sleep)
    _pages, parsed = pull(client, clock)
    paths = [r.path for r in public_profiles.requests]
    assert paths == ["/2/users/by", "/2/users/999/tweets", "/2/users/999/tweets"]  # two pages of two
    assert public_profiles.requests[1].headers["Authorization"] == f"Bearer {X_BEARER}"
    assert daily(parsed, "followers") == {END: 3000}
    assert daily(parsed, "posts_published") == {D(2026, 11, 18): 0, D(2026, 11, 19): 1, D(2026, 11, 20): 2}
    values = post_values(parsed)
    assert values[("t1", "likes")] == 10 and values[("t1", "comments")] == 2
    assert values[("t1", "shares")] == 4  # reposts 3 + quotes 1 (DESIGN: shares include quotes)
    assert values[("t1", "saves")] == 4 and values[("t1", "impressions")] == 900
    assert parsed.notes == []


def test_x_unknown_and_protected_handles_are_named(public_profiles, clock):
    public_profiles.x["locked"] = PublicProfile(followers=42, account_id="555", protected=True,
                                                posts=[PublicPost("p", at(19), likes=1, comments=1)])
    _, ghost = pull(XCompetitorApi(public_profiles.account("x", "ghost"), now=clock.now), clock)
    assert ghost.account_daily == []
    assert unavailable_handles(ghost.notes) == ["x ghost: Could not find user with usernames: [ghost]."]
    _, locked = pull(XCompetitorApi(public_profiles.account("x", "locked"), now=clock.now), clock)
    assert daily(locked, "followers") == {END: 42}  # the count is public; the posts are not
    assert "posts_published" not in {v.metric for v in locked.account_daily}
    assert unavailable_handles(locked.notes) == ["x locked: protected account: its posts are not public "
                                                 "(followers loaded)"]
    assert not public_profiles.server.requests_to("/tweets")


def test_x_rate_limit_waits_for_the_window_reset(public_profiles, clock):
    public_profiles.x["rivalx"] = PublicProfile(followers=1, account_id="999",
                                                posts=[PublicPost("t1", at(19), likes=1, comments=0)])
    public_profiles.limits["x"] = 1
    client = XCompetitorApi(public_profiles.account("x", "rivalx"), now=clock.now, sleep=clock.sleep)
    _, parsed = pull(client, clock)
    assert public_profiles.throttled == {"x": 1}
    assert max(clock.sleeps) >= 15 * 60 - 1  # until x-rate-limit-reset
    assert daily(parsed, "posts_published")[D(2026, 11, 19)] == 1
