"""A platform API end to end through the pipeline: Graph emulator -> raw -> core -> kpi.daily.

The emulator serves the Facebook Page Insights payload seeded below; expected values are worked
out by hand from it.
"""

from __future__ import annotations

import datetime as dt
import json

import dagster as dg
import duckdb
import pytest

from connectors.base import load_connectors
from ingest.api import replay
from pipelines.build import build_definitions
from pipelines.config import load_config
from tests.fakes.meta import EXPIRED_TOKEN, VALID_TOKEN, FakePage

pytest_plugins = ["tests.fakes.meta"]

D = dt.date
PAGE, OTHER_PAGE = "1234567890", "555"


@pytest.fixture
def config(tmp_path, meta_graph, monkeypatch):
    meta_graph.pages[PAGE] = FakePage(PAGE, daily={
        "page_media_view": {D(2026, 11, 18): 7000, D(2026, 11, 19): 7300, D(2026, 11, 20): 6950},
        "page_total_media_view_unique": {D(2026, 11, 18): 2100, D(2026, 11, 19): 2230, D(2026, 11, 20): 1999},
        "page_follows": {D(2026, 11, 18): 12001, D(2026, 11, 19): 12004, D(2026, 11, 20): 12010},
    })
    meta_graph.pages[OTHER_PAGE] = FakePage(OTHER_PAGE)
    monkeypatch.setenv("ACME_FB_TOKEN", VALID_TOKEN)
    monkeypatch.setenv("OTHER_FB_TOKEN", EXPIRED_TOKEN)
    path = tmp_path / "socialkpi.yaml"
    path.write_text(f"""
timezone: "Europe/Berlin"
start_date: "2026-11-01"
brands: [{{id: acme, name: Acme}}]
accounts:
  - {{platform: facebook, account_id: "{PAGE}", brand: acme, token_env: ACME_FB_TOKEN,
      api_base_url: "{meta_graph.url}"}}
  - {{platform: facebook, account_id: "exports-only", brand: acme}}
""", encoding="utf-8")
    return load_config(path)


def run(config, start, end, *, selection=None):
    defs = build_definitions(config)
    assets = list(defs.assets)
    return dg.materialize(
        assets, selection=selection, resources=defs.resources, instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
        tags={"dagster/asset_partition_range_start": start.isoformat(),
              "dagster/asset_partition_range_end": end.isoformat()})


def test_facebook_api_to_kpis(config):
    assert run(config, D(2026, 11, 18), D(2026, 11, 20)).success
    with duckdb.connect(str(config.warehouse_path), read_only=True) as con:
        days = con.execute("SELECT date, impressions, reach, followers, source FROM core.account_daily "
                           "ORDER BY date").fetchall()
        assert days == [(D(2026, 11, 18), 7000, 2100, 12001, "api"), (D(2026, 11, 19), 7300, 2230, 12004, "api"),
                        (D(2026, 11, 20), 6950, 1999, 12010, "api")]
        kpis = dict(con.execute("SELECT kpi, value FROM kpi.daily WHERE date = '2026-11-19' "
                                "AND account_id = ?", [PAGE]).fetchall())
        assert kpis["reach_rate"] == pytest.approx(2230 / 12001 * 100)
        assert kpis["followers_net_change"] == 3  # 12004 - 12001: day-over-day change of the totals
        assert kpis["audience_growth_rate"] == pytest.approx(3 / 12001 * 100)
        pages = con.execute("SELECT count(*), count(DISTINCT endpoint) FROM raw.api_pages").fetchall()[0]
        assert pages[0] > 0
        stored = con.execute("SELECT string_agg(endpoint || params || body, '') FROM raw.api_pages").fetchall()[0][0]
        assert VALID_TOKEN not in stored
    # re-running the same window replaces it: same core rows, no duplicated raw values
    assert run(config, D(2026, 11, 18), D(2026, 11, 20)).success
    with duckdb.connect(str(config.warehouse_path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw.account_daily_values WHERE source = 'api' "
                           "AND metric = 'reach'").fetchall()[0][0] == 3
        assert con.execute("SELECT date, impressions, reach, followers, source FROM core.account_daily "
                           "ORDER BY date").fetchall() == days


def test_replay_renormalises_from_raw_without_the_network(config, meta_graph):
    assert run(config, D(2026, 11, 18), D(2026, 11, 20)).success
    served = len(meta_graph.requests)
    with duckdb.connect(str(config.warehouse_path)) as con:
        con.execute("DELETE FROM raw.account_daily_values WHERE source = 'api'")
        landed = replay(con, load_connectors(), D(2026, 11, 1), D(2026, 11, 21), {}, "Europe/Berlin")
        assert landed[f"facebook/{PAGE}"] > 0
        reach = con.execute("SELECT date, value FROM raw.account_daily_values WHERE metric = 'reach' "
                            "ORDER BY date").fetchall()
    assert reach == [(D(2026, 11, 18), 2100), (D(2026, 11, 19), 2230), (D(2026, 11, 20), 1999)]
    assert len(meta_graph.requests) == served  # no network call


def test_one_failing_account_does_not_stop_the_others(config, meta_graph, tmp_path):
    text = config.source.read_text().replace(
        '  - {platform: facebook, account_id: "exports-only", brand: acme}',
        f'  - {{platform: facebook, account_id: "{OTHER_PAGE}", brand: acme, token_env: OTHER_FB_TOKEN, '
        f'api_base_url: "{meta_graph.url}"}}')
    config.source.write_text(text)
    config = load_config(config.source)
    result = run(config, D(2026, 11, 18), D(2026, 11, 20), selection=[dg.AssetKey("facebook_api")])
    assert not result.success
    [failure] = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    message = failure.event_specific_data.error.message
    assert f"{OTHER_PAGE}: AuthError: re-authorise facebook account {OTHER_PAGE}" in message
    assert EXPIRED_TOKEN not in message
    with duckdb.connect(str(config.warehouse_path), read_only=True) as con:
        accounts = con.execute("SELECT DISTINCT account_id FROM raw.account_daily_values").fetchall()
    assert accounts == [(PAGE,)]


def test_api_account_reads_secrets_from_the_environment_only(tmp_path, monkeypatch):
    from pipelines.api_assets import api_account

    path = tmp_path / "socialkpi.yaml"
    path.write_text("""
start_date: "2026-01-01"
warehouse: "w/warehouse.duckdb"
brands: [{id: acme, name: Acme, mention_keywords: ["acme", "#acme"],
          competitors: [{id: globex, name: Globex, mention_keywords: ["globex"]}]}]
accounts:
  - {platform: x, account_id: "1", brand: acme, token_env: X_TOKEN,
     credentials_env: {refresh_token: X_REFRESH}, api_options: {non_public_metrics: false}}
  - {platform: x, account_id: "2", brand: acme}
""", encoding="utf-8")
    config = load_config(path)
    monkeypatch.setenv("X_TOKEN", "secret-token")
    monkeypatch.delenv("X_REFRESH", raising=False)
    account, why = api_account(config, config.accounts[0], "x")
    assert account is None and why == "environment variable(s) not set: X_REFRESH"
    monkeypatch.setenv("X_REFRESH", "secret-refresh")
    account, why = api_account(config, config.accounts[0], "x")
    assert why is None
    assert account.credentials == {"access_token": "secret-token", "refresh_token": "secret-refresh"}
    assert account.options["token_cache"] == str(tmp_path / "w" / "secrets" / "oauth_tokens.json")
    assert account.options["mention_queries"] == {"acme": ["acme", "#acme"], "globex": ["globex"]}
    assert account.options["non_public_metrics"] is False
    assert "secret-token" not in repr(account) and "secret-refresh" not in repr(account)  # not in the repr
    assert api_account(config, config.accounts[1], "x") == (None, "no token_env in the config (export-only account)")


def test_a_rejected_metric_is_named_in_the_step_metadata_and_remembered_beside_the_token_cache(config, meta_graph):
    meta_graph.retired_metrics.add("page_follows")
    result = run(config, D(2026, 11, 18), D(2026, 11, 20))
    assert result.success
    materialization = result.asset_materializations_for_node("facebook_api")[0]
    named = materialization.metadata["rejected_metrics"].value
    assert list(named) == [PAGE] and len(named[PAGE]) == 1
    assert named[PAGE][0].startswith("facebook: metric page_follows was rejected by the Graph API")
    with duckdb.connect(str(config.warehouse_path), read_only=True) as con:
        assert con.execute("SELECT params FROM raw.api_pages WHERE status = 400").fetchall() == [
            ('{"access_token": "[redacted]", "metric": "page_follows", "period": "day", "since": "2026-11-18", '
             '"until": "2026-11-21"}',)]
        assert con.execute("SELECT sum(impressions), count(followers) FROM core.account_daily").fetchall() == [
            (7000 + 7300 + 6950, 0)]
    memory = config.warehouse_path.parent / "secrets" / "rejected_metrics.json"
    assert "page:page_follows" in json.loads(memory.read_text())["accounts"][f"facebook/{PAGE}"]
