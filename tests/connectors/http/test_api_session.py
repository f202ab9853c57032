"""connectors.http.ApiSession: the environment read once per host and environment, with requests'
own meaning."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import requests
import requests.utils

from connectors.http import ApiSession, HttpClient
from tests.fakes import FakeApiServer, Reply

PROXY = "http://proxy.internal:3128"


@pytest.fixture
def proxy_environment(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy",
                 "all_proxy", "no_proxy", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", PROXY)
    monkeypatch.setenv("NO_PROXY", "localhost,.example.org")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/corporate.pem")
    # the settings are remembered per environment: a value of its own for each test
    monkeypatch.setenv("FTP_PROXY", f"http://ftp-proxy.internal:{uuid.uuid4().int % 60000}")


@pytest.fixture
def environment_reads(monkeypatch):
    """How often requests derives proxies from the environment."""
    calls: list[str] = []
    real = requests.utils.get_environ_proxies

    def counting(url, no_proxy=None):
        calls.append(url)
        return real(url, no_proxy=no_proxy)

    monkeypatch.setattr(requests.utils, "get_environ_proxies", counting)
    return calls


URLS = ("https://graph.facebook.com/v23.0/me?fields=id", "https://graph.facebook.com/v23.0/1/insights",
        "https://api.example.org/x", "http://localhost:8080/y")


@pytest.mark.usefixtures("proxy_environment")
def test_the_settings_are_the_ones_requests_derives(environment_reads):
    plain, cached = requests.Session(), ApiSession()
    for url in URLS:
        assert cached.merge_environment_settings(url, {}, None, None, None) == \
            plain.merge_environment_settings(url, {}, None, None, None)
    graph = cached.merge_environment_settings(URLS[0], {}, None, None, None)
    assert graph["proxies"]["https"] == PROXY
    assert graph["verify"] == "/etc/ssl/corporate.pem"
    assert cached.merge_environment_settings(URLS[2], {}, None, None, None)["proxies"] == {}  # NO_PROXY domain


@pytest.mark.usefixtures("proxy_environment")
def test_the_environment_is_read_once_per_host_for_every_session(environment_reads, monkeypatch):
    first, second = ApiSession(), ApiSession()
    for url in (*URLS, *URLS):
        first.merge_environment_settings(url, {}, None, None, None)
        second.merge_environment_settings(url, {}, None, None, None)
    # graph.facebook.com is in URLS twice: one read for each of the three hosts
    assert [url.split("/")[2] for url in environment_reads] == ["graph.facebook.com", "api.example.org",
                                                                 "localhost:8080"]
    monkeypatch.setenv("NO_PROXY", "localhost")  # a changed environment is read again by a new session
    assert ApiSession().merge_environment_settings(URLS[2], {}, None, None, None)["proxies"]["https"] == PROXY
    assert len(environment_reads) == 4


@pytest.mark.usefixtures("proxy_environment")
def test_a_request_with_settings_of_its_own_is_merged_as_usual():
    session = ApiSession()
    session.merge_environment_settings(URLS[0], {}, None, None, None)
    settings = session.merge_environment_settings(URLS[0], {"https": "http://other:1"}, None, False, None)
    assert settings["proxies"]["https"] == "http://other:1"
    assert settings["verify"] is False


@pytest.mark.usefixtures("proxy_environment")
def test_a_caller_changing_the_returned_proxies_does_not_change_the_next_request():
    session = ApiSession()
    session.merge_environment_settings(URLS[0], {}, None, None, None)["proxies"]["https"] = "http://evil:1"
    assert session.merge_environment_settings(URLS[0], {}, None, None, None)["proxies"]["https"] == PROXY


def test_the_http_client_sends_through_it():
    with FakeApiServer(lambda request: Reply(200, {"ok": True})) as server:
        client = HttpClient(platform="x", account_id="1", base_url=server.url)
        assert isinstance(client.session, ApiSession)
        page = client.get("2/users/1", window=(dt.date(2026, 11, 1), dt.date(2026, 11, 1)))
    assert page.body == {"ok": True}


def test_a_netrc_entry_never_replaces_the_clients_bearer_token(tmp_path, monkeypatch):
    seen: list[str] = []

    def handler(request):
        seen.append(request.headers.get("Authorization", ""))
        return Reply(200, {"ok": True})

    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password secret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    with FakeApiServer(handler) as server:
        requests.Session().get(f"{server.url}/a", headers={"Authorization": "Bearer t0ken"}, timeout=5)
        ApiSession().get(f"{server.url}/a", headers={"Authorization": "Bearer t0ken"}, timeout=5)
        ApiSession().get(f"{server.url}/a", auth=("user", "pw"), timeout=5)  # auth of its own still applies
    assert seen[0].startswith("Basic ")  # what requests alone does
    assert seen[1:] == ["Bearer t0ken", requests.auth._basic_auth_str("user", "pw")]
