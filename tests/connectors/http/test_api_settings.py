"""A client declares its platform's api_settings module once: history, lookback and base URL."""

from __future__ import annotations

import types

from connectors.base import ApiAccount
from connectors.oauth import OAuthApiClient, TokenEndpoint

SETTINGS = types.SimpleNamespace(HISTORY_DAYS=90, LOOKBACK_DAYS=4, BASE_URL="https://api.example.test/v9/rest/")


class _Client(OAuthApiClient):
    platform = "example"
    api_settings = SETTINGS
    token_endpoint = TokenEndpoint("example", "https://api.example.test/token")


class _Subclass(_Client):
    """Inherits the settings it does not declare again."""


def test_history_lookback_and_base_url_come_from_the_declared_settings() -> None:
    client = _Client(ApiAccount("example", "a1", "UTC"))
    assert (client.history_days, client.lookback_days) == (90, 4)
    assert client.base_url() == "https://api.example.test/v9/rest"
    assert (_Subclass.history_days, _Subclass.lookback_days, _Subclass.default_base_url) == (
        90, 4, "https://api.example.test/v9/rest/")


def test_an_emulator_host_keeps_the_apis_path() -> None:
    client = _Client(ApiAccount("example", "a1", "UTC", base_url="http://127.0.0.1:8123/"))
    assert client.base_url() == "http://127.0.0.1:8123/v9/rest"


def test_a_client_without_settings_keeps_the_defaults() -> None:
    class Bare(OAuthApiClient):
        platform = "bare"

    assert (Bare.history_days, Bare.lookback_days, Bare.default_base_url) == (None, 3, "")
