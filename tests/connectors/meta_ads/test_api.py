"""Meta Ads insights client end to end: Marketing API emulator -> fetch -> normalise.

Expected numbers are worked out by hand from the rows seeded below (numbers as strings, as
the Marketing API sends them).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from connectors.base import AdsDayValue, ApiClient, AuthError
from connectors.http import ApiError, RetryPolicy
from connectors.meta_ads import connector
from connectors.meta_ads.api import MetaAdsApi
from tests.fakes import FakeClock
from tests.fakes.meta import REVOKED_TOKEN, VALID_TOKEN, FakeAdAccount

pytest_plugins = ["tests.fakes.meta"]

ACCOUNT = "998877"  # configured without the act_ prefix
D = dt.date
NOW = dt.datetime(2026, 11, 22, 6, 0, tzinfo=dt.UTC)
RETRY = RetryPolicy(max_attempts=3, backoff_initial=0.5, jitter=0.0)
LEADS, RETARGET = "120210000000001", "120210000000002"


def row(day: str, campaign: str, name: str, spend: str, impressions: str, reach: str, clicks: str,
        actions: list[dict] | None = None) -> dict:
    data = {"campaign_id": campaign, "campaign_name": name, "date_start": day, "date_stop": day,
            "spend": spend, "impressions": impressions, "reach": reach, "clicks": clicks}
    if actions is not None:
        data["actions"] = actions
    return data


def seed(meta_graph) -> None:
    meta_graph.ad_accounts[ACCOUNT] = FakeAdAccount(ACCOUNT, currency="USD", rows=[
        row("2026-02-28", LEADS, "Spring Leads", "99.00", "9000", "8000", "90"),  # before the window
        row("2026-03-01", LEADS, "Spring Leads", "20.10", "3000", "2500", "45",
            [{"action_type": "link_click", "value": "30"}, {"action_type": "lead", "value": "3"}]),
        row("2026-03-02", LEADS, "Spring Leads", "33.29", "4100", "3300", "61",
            [{"action_type": "link_click", "value": "41"}, {"action_type": "lead", "value": "5"},
             {"action_type": "purchase", "value": "1"}]),
        row("2026-03-01", RETARGET, "Retargeting", "12.50", "1500", "900", "20",
            [{"action_type": "purchase", "value": "2"}]),
        row("2026-03-02", RETARGET, "Retargeting", "20.10", "2200", "1300", "18"),  # no `actions`
        row("2026-03-03", RETARGET, "Retargeting", "7.25", "800", "600", "9",
            [{"action_type": "link_click", "value": "9"}]),  # actions, but no conversion type
    ])
    meta_graph.page_size = 2  # 5 rows in the window -> 3 pages


def make_api(meta_graph, clock: FakeClock, *, token: str = VALID_TOKEN, **options) -> MetaAdsApi:
    account = meta_graph.account("meta_ads", ACCOUNT, token=token, options=options)
    return MetaAdsApi(account, sleep=clock.sleep, now=clock.now, retry=RETRY, timeout=(1.0, 2.0))


def values(result, metric: str) -> dict[tuple[dt.date, str], float | None]:
    return {(v.date, v.campaign_id): v.value for v in result.ads_daily if v.metric == metric}


def test_the_connector_builds_this_client(meta_graph):
    client = connector.api(meta_graph.account("meta_ads", ACCOUNT))
    assert isinstance(client, MetaAdsApi) and isinstance(client, ApiClient)
    assert (client.history_days, client.lookback_days) == (1110, 7)


def test_fetch_and_normalise_end_to_end(meta_graph):
    seed(meta_graph)
    api = make_api(meta_graph, FakeClock(NOW))

    result = api.normalise(api.fetch(D(2026, 3, 1), D(2026, 3, 3)))

    assert [r.path for r in meta_graph.requests] == [f"/v25.0/act_{ACCOUNT}"] + [f"/v25.0/act_{ACCOUNT}/insights"] * 3
    first = meta_graph.requests[1].query
    assert (first["level"], first["time_increment"]) == ("campaign", "1")
    assert json.loads(first["time_range"]) == {"since": "2026-03-01", "until": "2026-03-03"}

    spend = values(result, "spend")
    assert spend[(D(2026, 3, 2), LEADS)] + spend[(D(2026, 3, 2), RETARGET)] == pytest.approx(53.39)
    assert sum(spend.values()) == pytest.approx(93.24)  # 20.10 + 33.29 + 12.50 + 20.10 + 7.25
    assert len(spend) == 5
    assert {v.currency for v in result.ads_daily} == {"USD"}
    assert values(result, "impressions")[(D(2026, 3, 1), LEADS)] == 3000
    assert sum(values(result, "clicks").values()) == 45 + 61 + 20 + 18 + 9
    assert values(result, "reach")[(D(2026, 3, 3), RETARGET)] == 600
    assert values(result, "conversions") == {
        (D(2026, 3, 1), LEADS): 3,  # lead
        (D(2026, 3, 2), LEADS): 6,  # lead 5 + purchase 1
        (D(2026, 3, 1), RETARGET): 2,  # purchase
        (D(2026, 3, 3), RETARGET): 0,  # only link clicks
    }  # (2026-03-02, RETARGET) has no `actions`: no conversions value at all
    assert AdsDayValue(D(2026, 3, 2), LEADS, "Spring Leads", "USD", "spend", "spend", 33.29) in result.ads_daily
    assert {v.source_metric for v in result.ads_daily if v.metric == "conversions"} == {"actions:purchase+lead"}
    assert result.notes == []


def test_conversion_action_types_come_from_the_account_options(meta_graph):
    seed(meta_graph)
    api = make_api(meta_graph, FakeClock(NOW), conversion_action_types=["purchase"])

    result = api.normalise(api.fetch(D(2026, 3, 1), D(2026, 3, 3)))

    assert values(result, "conversions") == {
        (D(2026, 3, 1), LEADS): 0, (D(2026, 3, 2), LEADS): 1,
        (D(2026, 3, 1), RETARGET): 2, (D(2026, 3, 3), RETARGET): 0}


def test_long_windows_are_cut_into_31_day_ranges(meta_graph):
    seed(meta_graph)
    api = make_api(meta_graph, FakeClock(NOW))

    result = api.normalise(api.fetch(D(2026, 1, 1), D(2026, 3, 3)))

    ranges = [json.loads(r.query["time_range"]) for r in meta_graph.server.requests_to("/insights")
              if "after" not in r.query]
    assert ranges == [{"since": "2026-01-01", "until": "2026-01-31"},
                      {"since": "2026-02-01", "until": "2026-03-03"}]
    assert sum(values(result, "spend").values()) == pytest.approx(93.24 + 99.00)


def test_ads_throttle_waits_the_regain_time(meta_graph):
    seed(meta_graph)
    meta_graph.throttle(80000, regain_minutes=2, owner_id=ACCOUNT, when="/insights")
    clock = FakeClock(NOW)
    api = make_api(meta_graph, clock)

    result = api.normalise(api.fetch(D(2026, 3, 1), D(2026, 3, 3)))

    assert clock.sleeps == [120.0]
    assert len(meta_graph.requests) == 5
    assert sum(values(result, "spend").values()) == pytest.approx(93.24)


def test_revoked_token(meta_graph):
    seed(meta_graph)
    with pytest.raises(AuthError, match=f"^re-authorise meta_ads account {ACCOUNT}: the token was revoked"):
        make_api(meta_graph, FakeClock(NOW), token=REVOKED_TOKEN).fetch(D(2026, 3, 1), D(2026, 3, 3))
    assert len(meta_graph.requests) == 1


def test_currency_option_overrides_and_bad_numbers_become_null(meta_graph):
    meta_graph.ad_accounts[ACCOUNT] = FakeAdAccount(ACCOUNT, currency="EUR", rows=[
        row("2026-03-01", LEADS, "Spring Leads", "n/a", "100", "90", "4")])
    api = make_api(meta_graph, FakeClock(NOW), currency="SEK")

    result = api.normalise(api.fetch(D(2026, 3, 1), D(2026, 3, 1)))

    assert values(result, "spend") == {(D(2026, 3, 1), LEADS): None}
    assert {v.currency for v in result.ads_daily} == {"SEK"}
    assert result.notes == [f"meta_ads: spend='n/a' for campaign {LEADS} on 2026-03-01 is not a number; "
                            "loaded as NULL"]


def test_a_refused_insights_field_is_dropped_named_and_skipped_next_pull(meta_graph, tmp_path):
    """reach refused: spend, impressions, clicks and conversions still load."""
    seed(meta_graph)
    meta_graph.refused_ad_fields = {"reach"}
    memory = tmp_path / "rejected_metrics.json"
    api = make_api(meta_graph, FakeClock(NOW), rejected_metrics_file=str(memory))

    result = api.normalise(api.fetch(D(2026, 3, 1), D(2026, 3, 3)))

    assert values(result, "reach") == {}
    assert sum(values(result, "spend").values()) == pytest.approx(93.24)
    assert sum(values(result, "clicks").values()) == 45 + 61 + 20 + 18 + 9
    assert values(result, "conversions")[(D(2026, 3, 2), LEADS)] == 6
    assert len(result.notes) == 1 and result.notes[0].startswith(
        "meta_ads: metric reach was rejected by the API ((#100) reach is not valid for fields param.")
    assert "insights:reach" in json.loads(memory.read_text())["accounts"][f"meta_ads/{ACCOUNT}"]

    meta_graph.server.requests.clear()
    again = make_api(meta_graph, FakeClock(NOW), rejected_metrics_file=str(memory))
    again.fetch(D(2026, 3, 1), D(2026, 3, 3))
    insights = meta_graph.server.requests_to("/insights")
    assert {r.query["fields"] for r in insights} == {"campaign_id,campaign_name,spend,impressions,clicks,actions"}


def test_a_refused_key_field_is_an_error_not_a_dropped_metric(meta_graph, tmp_path):
    seed(meta_graph)
    meta_graph.refused_ad_fields = {"campaign_id"}
    api = make_api(meta_graph, FakeClock(NOW), rejected_metrics_file=str(tmp_path / "rejected_metrics.json"))
    with pytest.raises(ApiError, match="campaign_id is not valid for fields param"):
        api.fetch(D(2026, 3, 1), D(2026, 3, 3))
    assert not (tmp_path / "rejected_metrics.json").exists()
