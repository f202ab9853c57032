"""Secrets never reach RawPages, exception messages or log records (urllib3's included)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import socket

import pytest

from connectors.base import AuthError, ConnectorError
from connectors.http import REDACTED, HttpClient, Redactor, RetryPolicy, follow_next_urls
from connectors.meta.graph import classify_graph
from tests.fakes import FakeApiServer, FakeClock, Reply, SeenRequest

TOKEN = "EAAredactMe+/T0ken=0123456789abcdef"  # '+', '/', '=' change under URL encoding
CLIENT_SECRET = "cs-9f8e7d6c5b4a39281706"
START = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.UTC)
WINDOW = (dt.date(2026, 11, 1), dt.date(2026, 11, 1))


@pytest.mark.parametrize(("text", "expected"), [
    ("https://graph.facebook.com/v25.0/1/insights?access_token=abc123&after=QVFI",
     "https://graph.facebook.com/v25.0/1/insights?access_token=[redacted]&after=QVFI"),
    ("GET /2/users?token=abcdef&next_token=7140dibdnow9", "GET /2/users?token=[redacted]&next_token=7140dibdnow9"),
    ("refresh?client_secret=zzz999&grant_type=refresh_token",
     "refresh?client_secret=[redacted]&grant_type=refresh_token"),
    ('{"access_token": "abc", "expires_in": 86400}', '{"access_token": "[redacted]", "expires_in": 86400}'),
    ("Malformed access token " + TOKEN, "Malformed access token [redacted]"),
    ("/x?q=" + "EAAredactMe%2B%2FT0ken%3D0123456789abcdef", "/x?q=[redacted]"),  # URL-encoded value
    ("/x?q=" + "EAAredactMe%2B/T0ken%3D0123456789abcdef", "/x?q=[redacted]"),
    ("nothing secret here: pageToken=keep&cursor=1", "nothing secret here: pageToken=keep&cursor=1"),
])
def test_redactor_text(text, expected):
    assert Redactor([TOKEN, "short"]).text(text) == expected


def test_redactor_params_and_json():
    redactor = Redactor([TOKEN])

    assert redactor.params({"access_token": "anything", "q": f"a {TOKEN} b", "limit": 5}) == {
        "access_token": REDACTED, "q": f"a {REDACTED} b", "limit": "5"}
    assert redactor.json({"paging": {"next": f"https://h/x?access_token={TOKEN}&after=A"},
                          "data": [{"refresh_token": "r-123456789", "n": 3}]}) == {
        "paging": {"next": f"https://h/x?access_token={REDACTED}&after=A"},
        "data": [{"refresh_token": REDACTED, "n": 3}]}


def _echo_handler(request: SeenRequest) -> Reply:
    """A server that echoes secrets back in every way a platform might."""
    token = request.query.get("access_token", "")
    if "auth" in request.path:
        return Reply(400, {"error": {"message": f"Malformed access token {token}", "code": 190}})
    if "bad" in request.path:
        return Reply(400, {"error": {"message": f"(#100) bad request for token {token}", "code": 100}})
    if "busy" in request.path:
        return Reply(503, {"error": {"message": f"busy, token {token}", "code": 2}})
    if "slow" in request.path:
        return Reply(200, {}, delay=0.3)
    if "page2" in request.path:
        return Reply(200, {"data": [2]})
    return Reply(200, {
        "data": [1],
        "echo": {"authorization": request.headers.get("Authorization"), "token": token},
        "paging": {"next": f"http://{request.headers['Host']}/v25.0/page2"
                           f"?access_token={token}&client_secret={CLIENT_SECRET}&after=QQ"},
    })


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_no_secret_in_pages_exceptions_or_logs(caplog):
    clock = FakeClock(START)
    retry = RetryPolicy(max_attempts=2, backoff_initial=0.5, jitter=0.0)
    server = FakeApiServer(_echo_handler)
    texts: list[str] = []
    errors: list[ConnectorError] = []

    def client(base_url: str) -> HttpClient:
        return HttpClient(platform="facebook", account_id="1234", base_url=base_url + "/v25.0",
                          auth_params={"access_token": TOKEN},
                          auth_headers={"Authorization": f"Bearer {TOKEN}"},
                          secrets=[TOKEN, CLIENT_SECRET], classify=classify_graph, retry=retry,
                          timeout=(1.0, 0.1), sleep=clock.sleep, now=clock.now)

    caplog.set_level(logging.DEBUG)
    with server:
        http = client(server.url)
        pages = list(follow_next_urls(http, "start", window=WINDOW))
        for path in ("auth", "bad", "busy", "slow"):
            with pytest.raises(ConnectorError) as caught:
                http.get(path, {"q": "x"}, window=WINDOW)
            errors.append(caught.value)
            if getattr(caught.value, "page", None) is not None:
                pages.append(caught.value.page)
    with pytest.raises(ConnectorError) as refused:
        client(f"http://127.0.0.1:{_closed_port()}").get(f"x?access_token={TOKEN}", window=WINDOW)
    errors.append(refused.value)

    # the secrets did travel where they should: the test is not vacuous
    assert server.requests[0].query["access_token"] == TOKEN
    assert server.requests[0].headers["Authorization"] == f"Bearer {TOKEN}"
    assert len(pages) == 4  # two list pages + the failing responses of "bad" and "busy"
    assert isinstance(errors[0], AuthError)
    assert any(r.name.startswith("urllib3") and "/v25.0/" in r.getMessage() for r in caplog.records)

    texts += [json.dumps(dataclasses.asdict(p), default=str) for p in pages]
    texts += [str(e) for e in errors] + [repr(e) for e in errors]
    texts += [record.getMessage() for record in caplog.records]
    texts += [caplog.text]
    for text in texts:
        for secret in (TOKEN, CLIENT_SECRET, "EAAredactMe%2B%2FT0ken%3D0123456789abcdef"):
            assert secret not in text, text
    assert pages[0].body["echo"] == {"authorization": f"Bearer {REDACTED}", "token": REDACTED}
    assert REDACTED in pages[0].body["paging"]["next"]
