"""Config: brands[].competitors[].accounts become competitor accounts pulled through public endpoints."""

from __future__ import annotations

import pytest

from connectors.base import load_connectors
from pipelines.config import ConfigError, load_config
from pipelines.resources import account_rows

HEAD = """
start_date: "2026-01-01"
accounts:
  - {platform: instagram, account_id: "1784", brand: acme, token_env: ACME_IG, api_base_url: "http://127.0.0.1:1"}
brands:
  - id: acme
    name: Acme
    competitors:
      - id: globex
        name: Globex
        accounts:
"""


def load(tmp_path, accounts: str, head: str = HEAD):
    path = tmp_path / "socialkpi.yaml"
    path.write_text(head + accounts, encoding="utf-8")
    return load_config(path)


def test_competitor_accounts_join_the_accounts_under_the_competitor(tmp_path):
    config = load(tmp_path, """
          - {platform: instagram, handle: "@globex"}
          - {platform: youtube, id: UCglobex01, token_env: YT_KEY}
          - {platform: twitter, handle: globex_x, token_env: X_BEARER}
""")
    competitors = {a.account_id: a for a in config.accounts if a.brand == "globex"}
    assert set(competitors) == {"globex", "UCglobex01", "globex_x"}
    instagram = competitors["globex"]
    # asked through the brand's own IG account: its id, token and host
    assert instagram.api_options == {"competitor": {"lookup": "handle", "via": "1784"}}
    assert (instagram.token_env, instagram.api_base_url) == ("ACME_IG", "http://127.0.0.1:1")
    assert competitors["UCglobex01"].api_options == {"competitor": {"lookup": "id"}}
    assert competitors["globex_x"].token_env == "X_BEARER" and competitors["globex_x"].platform == "x"  # alias resolved
    rows = {(r.platform, r.account_id): r for r in account_rows(config, load_connectors())}
    assert rows[("x", "globex_x")].is_competitor and rows[("x", "globex_x")].brand_id == "globex"
    assert not rows[("instagram", "1784")].is_competitor
    assert rows[("instagram", "globex")].name == "Globex (@globex)"


@pytest.mark.parametrize(("accounts", "message"), [
    ("          - {platform: linkedin, handle: globex}\n",
     "brands[0].competitors[0].accounts[0].platform: 'linkedin' has no public endpoints here"),
    ("          - {platform: instagram, handle: globex, id: '17'}\n", "give exactly one of handle or id"),
    ("          - {platform: x, id: '123'}\n", "x: public endpoints look accounts up by handle"),
    ("          - {platform: instagram, handle: globex, via: '999'}\n",
     "brands[0].competitors[0].accounts[0].via: Business Discovery asks through the brand's own Instagram account; "
     "need instagram account '999' of brand 'acme'"),
    ("          - {platform: x, handle: 'a/b'}\n", "must not contain '/'"),
    ("          - {platform: x, handle: globex, tokenenv: X}\n", "unknown key"),
])
def test_competitor_account_errors_name_the_key(tmp_path, accounts, message):
    with pytest.raises(ConfigError) as error:
        load(tmp_path, accounts)
    assert message in str(error.value)
    assert "socialkpi.yaml" in str(error.value)


def test_instagram_competitors_need_one_own_instagram_account_to_ask_through(tmp_path):
    head = HEAD.replace('  - {platform: instagram, account_id: "1784", brand: acme, token_env: ACME_IG, '
                        'api_base_url: "http://127.0.0.1:1"}\n', "  []\n").replace("accounts:\n  []", "accounts: []")
    with pytest.raises(ConfigError, match=r"one instagram account of brand 'acme' with a token_env \(0 found\)"):
        load(tmp_path, "          - {platform: instagram, handle: globex}\n", head)
