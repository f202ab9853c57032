"""Instagram Graph API client end to end: Graph emulator -> fetch -> normalise.

Expected numbers are worked out by hand from the payloads seeded below.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from connectors.base import AccountDayValue, ApiAccount, ApiClient, AuthError
from connectors.http import RetryPolicy
from connectors.instagram import api_settings, connector
from connectors.instagram.api import InstagramApi
from connectors.meta.graph import select_metrics
from tests.fakes import FakeClock
from tests.fakes.meta import EXPIRED_TOKEN, FakeIgUser, FakeMedia

pytest_plugins = ["tests.fakes.meta"]

IG_ID = "17841400000000000"
D = dt.date
NOW = dt.datetime(2026, 11, 22, 6, 0, tzinfo=dt.UTC)  # Berlin: 2026-11-22 07:00
RETRY = RetryPolicy(max_attempts=3, backoff_initial=0.5, jitter=0.0)
DAY1, DAY2, DAY3 = D(2026, 11, 19), D(2026, 11, 20), D(2026, 11, 21)
ALL_ACCOUNT_METRICS = ("views,reach,likes,comments,shares,saves,total_interactions,"
                       "accounts_engaged,profile_links_taps")


def seed(meta_graph) -> None:
    # DAY3 has no data at all: the emulator answers {"data": []}
    meta_graph.ig_users[IG_ID] = FakeIgUser(IG_ID, username="acme", followers_count=10234, daily={
        "views": {DAY1: 20701, DAY2: 18250},
        "reach": {DAY1: 5120, DAY2: 4875},
        "likes": {DAY1: 310, DAY2: 295},
        "comments": {DAY1: 21, DAY2: 17},
        "shares": {DAY1: 12, DAY2: 9},
        "saves": {DAY1: 30, DAY2: 26},
        "total_interactions": {DAY1: 373, DAY2: 347},  # 310+21+12+30, 295+17+9+26
        "accounts_engaged": {DAY1: 401, DAY2: 388},
        "profile_links_taps": {DAY1: 5, DAY2: 3},
    }, media=[
        FakeMedia("18000000000000001", dt.datetime(2026, 11, 20, 17, 30, tzinfo=dt.UTC), "VIDEO", "REELS",
                  caption="New drop 🔥\nLink in bio", insights={
                      "views": 2385, "reach": 2006, "likes": 140, "comments": 12, "shares": 9, "saved": 30,
                      "total_interactions": 191}),
        FakeMedia("18000000000000002", dt.datetime(2026, 11, 10, 8, 0, tzinfo=dt.UTC), "CAROUSEL_ALBUM", "FEED",
                  caption="Our week", insights={
                      "views": 4079, "reach": 2276, "likes": 139, "comments": 0, "shares": 30, "saved": 25,
                      "total_interactions": 194}),
        FakeMedia("18000000000000003", dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC), "IMAGE", "FEED",
                  not_enough_viewers=True),
        # older than the refresh window (2026-10-25..2026-11-21): listed, insights not read
        FakeMedia("18000000000000004", dt.datetime(2026, 10, 1, 12, 0, tzinfo=dt.UTC), "IMAGE", "FEED"),
        # on the third list page, which is never requested: page 2 already reached October
        FakeMedia("18000000000000005", dt.datetime(2026, 9, 1, 12, 0, tzinfo=dt.UTC), "IMAGE", "FEED"),
    ])
    meta_graph.page_size = 2


def make_api(meta_graph, clock: FakeClock, *, token: str = "valid", **options) -> InstagramApi:
    kwargs = {} if token == "valid" else {"token": token}
    account = meta_graph.account("instagram", IG_ID, options=options, **kwargs)
    return InstagramApi(account, sleep=clock.sleep, now=clock.now, retry=RETRY, timeout=(1.0, 2.0))


def daily(result, metric: str | None, source: str | None = None) -> dict[dt.date, float | None]:
    return {v.date: v.value for v in result.account_daily
            if v.metric == metric and (source is None or v.source_metric == source)}


def test_the_connector_builds_this_client(meta_graph):
    client = connector.api(meta_graph.account("instagram", IG_ID))
    assert isinstance(client, InstagramApi) and isinstance(client, ApiClient)
    assert (client.history_days, client.lookback_days) == (730, 3)


def test_fetch_and_normalise_end_to_end(meta_graph):
    seed(meta_graph)
    api = make_api(meta_graph, FakeClock(NOW))

    result = api.normalise(api.fetch(DAY1, DAY3))

    # profile + one insights call per day + 2 media pages + insights of the 3 media in the window
    paths = [r.path for r in meta_graph.requests]
    assert len(paths) == 1 + 3 + 2 + 3
    day_calls = meta_graph.server.requests_to(f"/{IG_ID}/insights")
    assert [(c.query["since"], c.query["until"]) for c in day_calls] == [
        ("2026-11-19", "2026-11-20"), ("2026-11-20", "2026-11-21"), ("2026-11-21", "2026-11-22")]
    assert all(c.query["metric_type"] == "total_value" and c.query["period"] == "day" for c in day_calls)
    assert day_calls[0].query["metric"] == ALL_ACCOUNT_METRICS
    assert len(meta_graph.server.requests_to("/18000000000000004/")) == 0

    assert daily(result, "impressions") == {DAY1: 20701, DAY2: 18250}  # views -> impressions
    assert daily(result, "reach") == {DAY1: 5120, DAY2: 4875}
    assert daily(result, "engagements") == {DAY1: 373, DAY2: 347}
    assert daily(result, "saves")[DAY2] == 26
    assert daily(result, None, "accounts_engaged") == {DAY1: 401, DAY2: 388}  # lineage only
    assert daily(result, "followers") == {DAY3: 10234}  # pulled the morning after the window
    # DAY3 had no data: nothing but the followers total, no zeros
    assert [v for v in result.account_daily if v.date == DAY3] == [
        AccountDayValue(DAY3, "followers", "followers_count", 10234.0)]
    assert len(result.account_daily) == 2 * 9 + 1

    posts = {p.post_id: p for p in result.posts}
    assert list(posts) == [f"1800000000000000{i}" for i in (1, 2, 3, 4)]
    reel = posts["18000000000000001"]
    assert (reel.post_type, reel.post_type_raw) == ("reel", "REELS/VIDEO")
    assert reel.published_at == dt.datetime(2026, 11, 20, 17, 30, tzinfo=dt.UTC)
    assert reel.title == "New drop 🔥"
    assert reel.permalink == "https://www.instagram.com/p/18000000000000001/"
    assert [posts[f"1800000000000000{i}"].post_type for i in (2, 3, 4)] == ["carousel", "photo", "photo"]

    metrics = {(m.post_id[-1], m.metric, m.source_metric): m.value for m in result.post_metrics}
    assert sum(v for (_, metric, _), v in metrics.items() if metric == "likes") == 140 + 139
    assert metrics[("1", "impressions", "views")] == 2385
    assert metrics[("2", "saves", "saved")] == 25
    assert metrics[("2", None, "total_interactions")] == 194
    assert len(result.post_metrics) == 2 * 7
    assert {m.snapshot_date for m in result.post_metrics} == {D(2026, 11, 22)}

    assert any("18000000000000003: no insights ((#10) Not enough viewers" in n for n in result.notes)
    assert ("instagram: impressions from views, which replaced the retired impressions "
            "(v22.0, 2025-04-21 for all versions)") in result.notes


def test_a_retired_metric_is_named_and_the_others_still_load(meta_graph):
    seed(meta_graph)
    meta_graph.retired_metrics.add("profile_links_taps")
    api = make_api(meta_graph, FakeClock(NOW))

    result = api.normalise(api.fetch(DAY1, DAY2))

    calls = [c.query["metric"] for c in meta_graph.server.requests_to(f"/{IG_ID}/insights")]
    singles = ALL_ACCOUNT_METRICS.split(",")
    without = ",".join(m for m in singles if m != "profile_links_taps")
    assert calls == [ALL_ACCOUNT_METRICS, *singles, without]  # day 1: combined + one by one; day 2
    assert daily(result, None, "profile_links_taps") == {}
    assert daily(result, "likes") == {DAY1: 310, DAY2: 295}
    assert [n for n in result.notes if "rejected" in n] == [
        "instagram: metric profile_links_taps was rejected by the Graph API as not a valid insights metric "
        "(retired?): '(#100) The value must be a valid insights metric'; it was skipped, the other metrics loaded"]


def test_a_rejected_metric_is_skipped_by_the_next_pull(meta_graph, tmp_path):
    """The memory lives beside the token cache (rejected_metrics.json), as for Facebook."""
    seed(meta_graph)
    meta_graph.retired_metrics.add("profile_links_taps")
    cache = tmp_path / "secrets" / "oauth_tokens.json"
    make_api(meta_graph, FakeClock(NOW), token_cache=str(cache)).fetch(DAY1, DAY2)
    saved = json.loads((tmp_path / "secrets" / "rejected_metrics.json").read_text())
    assert list(saved["accounts"][f"instagram/{IG_ID}"]) == ["account:profile_links_taps"]

    meta_graph.server.requests.clear()
    next_night = make_api(meta_graph, FakeClock(NOW + dt.timedelta(days=1)), token_cache=str(cache))
    result = next_night.normalise(next_night.fetch(DAY1, DAY2))
    without = ",".join(m for m in ALL_ACCOUNT_METRICS.split(",") if m != "profile_links_taps")
    calls = [c.query["metric"] for c in meta_graph.server.requests_to(f"/{IG_ID}/insights")]
    assert calls == [without, without]  # one call per day, never the rejected metric
    assert daily(result, "likes") == {DAY1: 310, DAY2: 295}


@pytest.mark.parametrize(("version", "today", "first"), [
    ("v21.0", D(2025, 3, 1), "impressions"),  # before the cut-off, old versions kept impressions
    ("v22.0", D(2025, 3, 1), "views"),  # v22 dropped it at release
    ("v21.0", D(2025, 4, 21), "views"),  # all versions from 2025-04-21
])
def test_account_metrics_per_version_and_date(version, today, first):
    names = [m.name for m in select_metrics(api_settings.ACCOUNT_METRICS, version, today)]
    assert names[0] == first
    assert ("impressions" in names) != ("views" in names)


def test_followers_total_is_not_put_on_a_historic_window(meta_graph):
    seed(meta_graph)
    api = make_api(meta_graph, FakeClock(NOW))

    result = api.normalise(api.fetch(D(2026, 10, 1), D(2026, 10, 2)))

    assert daily(result, "followers") == {}
    assert ("instagram: followers_count pulled on 2026-11-22 is a current total; not loaded into "
            "2026-10-01..2026-10-02") in result.notes


def test_slow_and_dropped_responses_are_retried(meta_graph):
    seed(meta_graph)
    meta_graph.slow(0.5, when=f"/{IG_ID}/insights")  # beyond the 0.1 s read timeout
    meta_graph.drop(when="/media")
    clock = FakeClock(NOW)
    account = meta_graph.account("instagram", IG_ID)
    api = InstagramApi(account, sleep=clock.sleep, now=clock.now, retry=RETRY, timeout=(1.0, 0.1))

    result = api.normalise(api.fetch(DAY1, DAY1))

    assert clock.sleeps == [0.5, 0.5]
    assert len(meta_graph.server.requests_to(f"/{IG_ID}/insights")) == 2
    assert daily(result, "reach") == {DAY1: 5120}


def test_429_with_retry_after(meta_graph):
    seed(meta_graph)
    meta_graph.too_many_requests("3", when="/18000000000000002/insights")
    clock = FakeClock(NOW)
    api = make_api(meta_graph, clock)

    result = api.normalise(api.fetch(DAY1, DAY1))

    assert clock.sleeps == [3.0]
    assert len(meta_graph.server.requests_to("/18000000000000002/insights")) == 2
    # media 1 was published after the window's end (Nov 20): not refreshed by this fetch
    assert meta_graph.server.requests_to("/18000000000000001/") == []
    assert {m.value for m in result.post_metrics if m.post_id == "18000000000000002" and m.metric == "reach"} == {
        2276}


def test_expired_token(meta_graph):
    seed(meta_graph)
    api = make_api(meta_graph, FakeClock(NOW), token=EXPIRED_TOKEN)

    with pytest.raises(AuthError, match=f"^re-authorise instagram account {IG_ID}: the token has expired"):
        api.check()
    assert len(meta_graph.requests) == 1


def test_instagram_login_uses_its_own_host():
    api = InstagramApi(ApiAccount("instagram", IG_ID, "UTC", {"access_token": "x" * 20},
                                  options={"instagram_login": True}))
    assert api.http.base_url == "https://graph.instagram.com/v25.0"
    assert InstagramApi(ApiAccount("instagram", IG_ID, "UTC", {"access_token": "x" * 20})).http.base_url == (
        "https://graph.facebook.com/v25.0")
