"""Facebook Page Insights client end to end: Graph emulator -> fetch -> normalise.

Expected numbers are worked out by hand from the payloads seeded below.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging

import pytest

from connectors.base import AccountDayValue, ApiClient, AuthError
from connectors.facebook import api_settings, connector
from connectors.facebook.api import FacebookPagesApi
from connectors.http import RetryPolicy
from connectors.meta.graph import select_metrics
from tests.fakes import FakeClock
from tests.fakes.meta import EXPIRED_TOKEN, REVOKED_TOKEN, VALID_TOKEN, FakePage, FakePost

pytest_plugins = ["tests.fakes.meta"]

PAGE_ID = "1234567890"
D = dt.date
MARCH_2025 = dt.datetime(2025, 3, 5, 6, 0, tzinfo=dt.UTC)  # Berlin: 2025-03-05 07:00
NOV_2026 = dt.datetime(2026, 11, 22, 6, 0, tzinfo=dt.UTC)  # Berlin: 2026-11-22 07:00
RETRY = RetryPolicy(max_attempts=3, backoff_initial=0.5, jitter=0.0)


def seed_march_2025(meta_graph) -> None:
    meta_graph.pages[PAGE_ID] = FakePage(PAGE_ID, daily={
        "page_impressions": {D(2025, 2, 28): 999, D(2025, 3, 1): 5000, D(2025, 3, 2): 6100, D(2025, 3, 3): 4870},
        "page_impressions_unique": {D(2025, 3, 1): 1100, D(2025, 3, 2): 1234, D(2025, 3, 3): 987},
        "page_fans": {D(2025, 3, 1): 10500, D(2025, 3, 2): 10512, D(2025, 3, 3): 10519},
    }, posts=[
        FakePost(f"{PAGE_ID}_111", dt.datetime(2025, 3, 2, 9, 15, tzinfo=dt.UTC),
                 message="Spring sale starts today!\nDetails inside", status_type="added_photos",
                 reactions=42, comments=7, shares=3,
                 insights={"post_impressions": 2100, "post_impressions_unique": 1500, "post_clicks": 64}),
        FakePost(f"{PAGE_ID}_222", dt.datetime(2025, 2, 20, 18, 0, tzinfo=dt.UTC),
                 message="Behind the scenes", status_type="added_video", reactions=15, comments=2, shares=None,
                 insights={"post_impressions": 800, "post_impressions_unique": 610, "post_clicks": 12}),
        # published before the 28-day refresh window (2025-02-04..2025-03-03): not read
        FakePost(f"{PAGE_ID}_333", dt.datetime(2025, 1, 10, 12, 0, tzinfo=dt.UTC), reactions=99),
    ])
    meta_graph.page_size = 1  # two posts -> two list pages, linked by paging.next


def seed_nov_2026(meta_graph) -> None:
    meta_graph.pages[PAGE_ID] = FakePage(PAGE_ID, daily={
        "page_media_view": {D(2026, 11, 18): 7000, D(2026, 11, 19): 7300, D(2026, 11, 20): 6950},
        "page_total_media_view_unique": {D(2026, 11, 18): 2100, D(2026, 11, 19): 2230, D(2026, 11, 20): 1999},
        "page_follows": {D(2026, 11, 18): 12001, D(2026, 11, 19): 12004, D(2026, 11, 20): 12010},
    })


def make_api(meta_graph, clock: FakeClock, *, token: str | None = VALID_TOKEN, **options) -> FacebookPagesApi:
    account = meta_graph.account("facebook", PAGE_ID, token=token, options=options)
    return FacebookPagesApi(account, sleep=clock.sleep, now=clock.now, retry=RETRY, timeout=(1.0, 2.0))


def daily(result, metric: str) -> dict[dt.date, float | None]:
    return {v.date: v.value for v in result.account_daily if v.metric == metric}


def test_the_connector_builds_this_client(meta_graph):
    client = connector.api(meta_graph.account("facebook", PAGE_ID))
    assert isinstance(client, FacebookPagesApi)
    assert isinstance(client, ApiClient)
    assert (client.history_days, client.lookback_days) == (730, 3)


def test_fetch_and_normalise_end_to_end(meta_graph):
    seed_march_2025(meta_graph)
    clock = FakeClock(MARCH_2025)
    api = make_api(meta_graph, clock, api_version="v22.0")

    pages = api.fetch(D(2025, 3, 1), D(2025, 3, 3))
    result = api.normalise(pages)

    # 1 page-insights call (the emulator's paging.next to the next window is NOT followed),
    # 2 post-list pages, 1 insights call per post
    assert len(meta_graph.requests) == 5
    insights_call = meta_graph.server.requests_to(f"/{PAGE_ID}/insights")
    assert len(insights_call) == 1
    assert insights_call[0].query["metric"] == "page_impressions,page_fans,page_impressions_unique"
    assert (insights_call[0].query["since"], insights_call[0].query["until"]) == ("2025-03-01", "2025-03-04")
    assert all(r.path.startswith("/v22.0/") for r in meta_graph.requests)

    assert daily(result, "reach") == {D(2025, 3, 1): 1100, D(2025, 3, 2): 1234, D(2025, 3, 3): 987}
    assert daily(result, "impressions") == {D(2025, 3, 1): 5000, D(2025, 3, 2): 6100, D(2025, 3, 3): 4870}
    assert sum(daily(result, "impressions").values()) == 15970
    assert daily(result, "followers")[D(2025, 3, 3)] == 10519
    assert AccountDayValue(D(2025, 3, 2), "reach", "page_impressions_unique", 1234.0) in result.account_daily
    assert len(result.account_daily) == 9

    posts = {p.post_id: p for p in result.posts}
    assert set(posts) == {f"{PAGE_ID}_111", f"{PAGE_ID}_222"}
    first = posts[f"{PAGE_ID}_111"]
    assert first.published_at == dt.datetime(2025, 3, 2, 9, 15, tzinfo=dt.UTC)
    assert (first.post_type, first.post_type_raw) == ("photo", "added_photos")
    assert first.title == "Spring sale starts today!"
    assert posts[f"{PAGE_ID}_222"].post_type == "video"

    metrics = {(m.post_id[-3:], m.metric, m.source_metric): m.value for m in result.post_metrics}
    assert sum(v for (_, metric, _), v in metrics.items() if metric == "likes") == 42 + 15
    assert metrics[("111", "likes", "reactions.summary.total_count")] == 42
    assert metrics[("111", "comments", "comments.summary.total_count")] == 7
    assert metrics[("111", "shares", "shares.count")] == 3
    assert metrics[("222", "shares", "shares.count")] is None  # no `shares` field: NULL, not 0
    assert metrics[("111", "impressions", "post_impressions")] == 2100
    assert metrics[("222", "reach", "post_impressions_unique")] == 610
    assert metrics[("111", "clicks", "post_clicks")] == 64
    assert {m.snapshot_date for m in result.post_metrics} == {D(2025, 3, 5)}  # pull day, Berlin
    assert result.notes == []


def test_current_metric_names_and_lineage_notes(meta_graph):
    seed_nov_2026(meta_graph)
    api = make_api(meta_graph, FakeClock(NOV_2026))

    result = api.normalise(api.fetch(D(2026, 11, 18), D(2026, 11, 20)))

    call = meta_graph.server.requests_to(f"/{PAGE_ID}/insights")[0]
    assert call.path == f"/v25.0/{PAGE_ID}/insights"
    assert call.query["metric"] == "page_media_view,page_follows,page_total_media_view_unique"
    assert daily(result, "impressions") == {D(2026, 11, 18): 7000, D(2026, 11, 19): 7300, D(2026, 11, 20): 6950}
    assert daily(result, "reach")[D(2026, 11, 19)] == 2230
    assert daily(result, "followers")[D(2026, 11, 20)] == 12010
    assert {v.source_metric for v in result.account_daily} == {
        "page_media_view", "page_total_media_view_unique", "page_follows"}
    assert ("facebook: impressions from page_media_view, which replaced the retired page_impressions "
            "(2025-11-15 for all versions)") in result.notes
    assert ("facebook: reach from page_total_media_view_unique, which replaced the retired "
            "page_impressions_unique (v26.0, 2026-06-15 for all versions)") in result.notes


@pytest.mark.parametrize(("version", "today", "expected"), [
    ("v22.0", D(2025, 3, 5), ["page_impressions", "page_fans", "page_impressions_unique"]),
    ("v25.0", D(2026, 3, 1), ["page_media_view", "page_follows", "page_impressions_unique"]),
    ("v26.0", D(2026, 3, 1), ["page_media_view", "page_follows", "page_total_media_view_unique"]),
    ("v25.0", D(2026, 6, 15), ["page_media_view", "page_follows", "page_total_media_view_unique"]),
])
def test_page_metrics_per_version_and_date(version, today, expected):
    assert [m.name for m in select_metrics(api_settings.PAGE_METRICS, version, today)] == expected


def test_a_retired_metric_is_named_and_the_others_still_load(meta_graph, caplog):
    seed_nov_2026(meta_graph)
    meta_graph.retired_metrics.add("page_follows")
    api = make_api(meta_graph, FakeClock(NOV_2026))

    with caplog.at_level(logging.WARNING):
        result = api.normalise(api.fetch(D(2026, 11, 18), D(2026, 11, 20)))

    # the combined call fails with #100, then each metric alone: 1 + 3
    calls = meta_graph.server.requests_to(f"/{PAGE_ID}/insights")
    assert [c.query["metric"] for c in calls] == [
        "page_media_view,page_follows,page_total_media_view_unique",
        "page_media_view", "page_follows", "page_total_media_view_unique"]
    assert daily(result, "impressions")[D(2026, 11, 18)] == 7000
    assert daily(result, "reach")[D(2026, 11, 20)] == 1999
    assert daily(result, "followers") == {}
    rejected = [n for n in result.notes if "page_follows was rejected" in n]
    assert len(rejected) == 1 and "(#100) The value must be a valid insights metric" in rejected[0]
    assert any("page_follows rejected" in r.getMessage() for r in caplog.records)


def test_windows_are_cut_into_90_day_calls_and_rejected_metrics_are_not_asked_again(meta_graph):
    seed_nov_2026(meta_graph)
    meta_graph.retired_metrics.add("page_follows")
    api = make_api(meta_graph, FakeClock(NOV_2026))

    result = api.normalise(api.fetch(D(2026, 8, 1), D(2026, 11, 8)))  # 100 days

    calls = meta_graph.server.requests_to(f"/{PAGE_ID}/insights")
    assert [(c.query["since"], c.query["until"], c.query["metric"]) for c in calls] == [
        ("2026-08-01", "2026-10-30", "page_media_view,page_follows,page_total_media_view_unique"),
        ("2026-08-01", "2026-10-30", "page_media_view"),
        ("2026-08-01", "2026-10-30", "page_follows"),
        ("2026-08-01", "2026-10-30", "page_total_media_view_unique"),
        ("2026-10-30", "2026-11-09", "page_media_view,page_total_media_view_unique"),
    ]
    assert result.account_daily == []  # the seeded days (Nov 18-20) are outside this window
    assert len([n for n in result.notes if "rejected" in n]) == 1


def test_history_is_clamped_to_two_years(meta_graph):
    meta_graph.pages[PAGE_ID] = FakePage(PAGE_ID)
    api = make_api(meta_graph, FakeClock(NOV_2026))

    api.fetch(D(2024, 10, 1), D(2024, 12, 1))

    call = meta_graph.server.requests_to(f"/{PAGE_ID}/insights")[0]
    assert (call.query["since"], call.query["until"]) == ("2024-11-22", "2024-12-02")  # today - 730 days


def test_empty_insights_give_no_values_not_zeros(meta_graph):
    meta_graph.pages[PAGE_ID] = FakePage(PAGE_ID)  # no data at all: {"data": []}
    api = make_api(meta_graph, FakeClock(NOV_2026))

    pages = api.fetch(D(2026, 11, 18), D(2026, 11, 20))
    result = api.normalise(pages)

    assert pages[0].body == {"data": []}
    assert result.account_daily == [] and result.posts == [] and result.post_metrics == []


def test_throttling_waits_and_the_data_still_loads(meta_graph):
    seed_march_2025(meta_graph)
    meta_graph.throttle(80001, regain_minutes=1, owner_id=PAGE_ID, when="/posts")
    clock = FakeClock(MARCH_2025)
    api = make_api(meta_graph, clock, api_version="v22.0")

    result = api.normalise(api.fetch(D(2025, 3, 1), D(2025, 3, 3)))

    assert clock.sleeps == [60.0]
    assert len(meta_graph.requests) == 6  # the 5 of a clean run + the throttled one
    assert daily(result, "reach")[D(2025, 3, 2)] == 1234


@pytest.mark.parametrize(("token", "reason"), [
    (EXPIRED_TOKEN, "the token has expired: Error validating access token: Session has expired"),
    (REVOKED_TOKEN, "the token was revoked (password changed)"),
])
def test_expired_or_revoked_token_asks_to_re_authorise(meta_graph, token, reason):
    seed_nov_2026(meta_graph)
    clock = FakeClock(NOV_2026)
    api = make_api(meta_graph, clock, token=token)

    with pytest.raises(AuthError) as caught:
        api.fetch(D(2026, 11, 18), D(2026, 11, 20))

    assert str(caught.value).startswith(f"re-authorise facebook account {PAGE_ID}: {reason}")
    assert len(meta_graph.requests) == 1
    assert clock.sleeps == []


def test_check_probes_the_page_and_needs_a_token(meta_graph):
    seed_nov_2026(meta_graph)
    make_api(meta_graph, FakeClock(NOV_2026)).check()
    assert [r.path for r in meta_graph.requests] == [f"/v25.0/{PAGE_ID}"]

    with pytest.raises(AuthError, match="no access token"):
        make_api(meta_graph, FakeClock(NOV_2026), token=None).check()
    assert len(meta_graph.requests) == 1


def test_normalise_is_pure_and_needs_no_token(meta_graph):
    seed_march_2025(meta_graph)
    api = make_api(meta_graph, FakeClock(MARCH_2025), api_version="v22.0")
    pages = api.fetch(D(2025, 3, 1), D(2025, 3, 3))
    count = len(meta_graph.requests)

    replay = FacebookPagesApi(meta_graph.account("facebook", PAGE_ID, token=None))

    assert replay.normalise(pages) == api.normalise(pages)
    assert len(meta_graph.requests) == count


def test_the_token_never_leaks(meta_graph, caplog):
    seed_march_2025(meta_graph)
    meta_graph.retired_metrics.add("page_fans")
    meta_graph.throttle(4, when="/posts")
    caplog.set_level(logging.DEBUG)
    api = make_api(meta_graph, FakeClock(MARCH_2025), api_version="v22.0")

    pages = api.fetch(D(2025, 3, 1), D(2025, 3, 3))
    result = api.normalise(pages)
    with pytest.raises(AuthError) as caught:  # Meta echoes a malformed token in its message
        make_api(meta_graph, FakeClock(MARCH_2025), token="EAAmalformedTokenEchoedBack42").check()

    assert meta_graph.requests[0].query["access_token"] == VALID_TOKEN  # it was really sent
    texts = [json.dumps(dataclasses.asdict(p), default=str) for p in pages] + result.notes
    texts += [r.getMessage() for r in caplog.records] + [str(caught.value)]
    assert not [t for t in texts if VALID_TOKEN in t or "EAAmalformedTokenEchoedBack42" in t]
    assert "Malformed access token [redacted]" in str(caught.value)


def test_a_rejected_metric_is_remembered_for_the_next_pull_and_retried_after_30_days(meta_graph, tmp_path):
    """The memory lives beside the token cache: rejected_metrics.json next to options.token_cache."""
    seed_nov_2026(meta_graph)
    meta_graph.retired_metrics.add("page_follows")
    cache = tmp_path / "secrets" / "oauth_tokens.json"
    api = make_api(meta_graph, FakeClock(NOV_2026), token_cache=str(cache))
    api.fetch(D(2026, 11, 18), D(2026, 11, 20))
    saved = json.loads((tmp_path / "secrets" / "rejected_metrics.json").read_text())
    assert list(saved["accounts"][f"facebook/{PAGE_ID}"]) == ["page:page_follows"]

    meta_graph.server.requests.clear()
    next_night = make_api(meta_graph, FakeClock(NOV_2026 + dt.timedelta(days=1)), token_cache=str(cache))
    result = next_night.normalise(next_night.fetch(D(2026, 11, 18), D(2026, 11, 20)))
    calls = meta_graph.server.requests_to(f"/{PAGE_ID}/insights")
    assert [c.query["metric"] for c in calls] == ["page_media_view,page_total_media_view_unique"]
    assert daily(result, "impressions")[D(2026, 11, 18)] == 7000

    meta_graph.server.requests.clear()
    later = make_api(meta_graph, FakeClock(NOV_2026 + dt.timedelta(days=30)), token_cache=str(cache))
    later.fetch(D(2026, 11, 18), D(2026, 11, 20))
    assert meta_graph.server.requests_to(f"/{PAGE_ID}/insights")[0].query["metric"] == (
        "page_media_view,page_follows,page_total_media_view_unique")
