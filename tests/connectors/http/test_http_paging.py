"""Paging helpers: next-URL links (Meta), cursor/has_more (TikTok), tokens (X), loop guards."""

from __future__ import annotations

import datetime as dt

import pytest

from connectors.http import ApiError, HttpClient, RetryPolicy, follow_cursor, follow_next_urls
from tests.fakes import FakeApiServer, FakeClock, Reply, SeenRequest

TOKEN = "EAApagingT0ken0123456789"
WINDOW = (dt.date(2026, 11, 1), dt.date(2026, 11, 7))
ITEMS = ["a", "b", "c", "d", "e"]


def client_for(server: FakeApiServer) -> HttpClient:
    clock = FakeClock(dt.datetime(2026, 11, 22, tzinfo=dt.UTC))
    return HttpClient(platform="facebook", account_id="1", base_url=server.url + "/v25.0",
                      auth_params={"access_token": TOKEN}, secrets=[TOKEN],
                      retry=RetryPolicy(max_attempts=2, jitter=0.0), sleep=clock.sleep, now=clock.now)


def graph_list(request: SeenRequest, server_url: str, *, size: int = 2, empty_middle: bool = False) -> Reply:
    """Graph-style list: `after` cursor = offset; next link repeats the token, like Meta's."""
    offset = int(request.query.get("after", "0"))
    chunk = [] if empty_middle and offset == 2 else ITEMS[offset:offset + size]
    body: dict = {"data": [{"id": item} for item in chunk]}
    if offset + size < len(ITEMS):
        body["paging"] = {"cursors": {"after": str(offset + size)},
                          "next": f"{server_url}{request.path}?access_token={request.query['access_token']}"
                                  f"&limit={size}&after={offset + size}"}
    return Reply(200, body)


def ids(pages) -> list[str]:
    return [item["id"] for page in pages for item in page.body["data"]]


def test_follow_next_urls_reads_every_page():
    server = FakeApiServer(lambda r: graph_list(r, server.url))
    with server:
        pages = list(follow_next_urls(client_for(server), "1/posts", {"limit": 2}, window=WINDOW))

    assert ids(pages) == ITEMS
    assert len(server.requests) == 3
    assert [r.query.get("after") for r in server.requests] == [None, "2", "4"]
    # the link's (echoed) token is replaced by the client's own, exactly once per request
    assert all(r.query["access_token"] == TOKEN for r in server.requests)
    assert TOKEN not in str([p.body for p in pages])


def test_an_empty_page_with_a_next_link_is_followed():
    server = FakeApiServer(lambda r: graph_list(r, server.url, empty_middle=True))
    with server:
        pages = list(follow_next_urls(client_for(server), "1/posts", window=WINDOW))

    assert [len(p.body["data"]) for p in pages] == [2, 0, 1]
    assert ids(pages) == ["a", "b", "e"]


def test_stop_ends_paging_early():
    server = FakeApiServer(lambda r: graph_list(r, server.url))
    with server:
        pages = list(follow_next_urls(client_for(server), "1/media", window=WINDOW,
                                      stop=lambda page: "b" in ids([page])))

    assert ids(pages) == ["a", "b"]
    assert len(server.requests) == 1


def test_a_repeated_next_link_raises_instead_of_looping():
    server = FakeApiServer(lambda r: Reply(200, {"data": [], "paging": {"next": f"{server.url}/v25.0/1/x?after=same"}}))
    with server, pytest.raises(ApiError, match="paging loop"):
        list(follow_next_urls(client_for(server), "1/x", window=WINDOW))
    assert len(server.requests) == 2


def test_more_than_max_pages_raises():
    server = FakeApiServer(lambda r: Reply(200, {"data": [], "paging": {
        "next": f"{server.url}/v25.0/1/x?after={int(r.query.get('after', '0')) + 1}"}}))
    with server, pytest.raises(ApiError, match="more than 3 pages"):
        list(follow_next_urls(client_for(server), "1/x", window=WINDOW, max_pages=3))
    assert len(server.requests) == 3


def tiktok_videos(request: SeenRequest) -> Reply:
    """TikTok Business video list: `cursor` (ms epoch) + `has_more`, fewer items than max_count."""
    cursor = request.query.get("cursor")
    if cursor is None:
        data = {"videos": [{"item_id": "v1"}, {"item_id": "v2"}], "cursor": 1700000000000, "has_more": True}
    elif cursor == "1700000000000":
        data = {"videos": [{"item_id": "v3"}], "cursor": 1690000000000, "has_more": True}
    else:
        data = {"videos": [], "cursor": 1680000000000, "has_more": False}
    return Reply(200, {"code": 0, "message": "OK", "data": data})


def test_follow_cursor_with_has_more():
    server = FakeApiServer(tiktok_videos)
    with server:
        pages = list(follow_cursor(
            client_for(server), "business/video/list/", {"max_count": 20}, window=WINDOW, cursor_param="cursor",
            next_cursor=lambda b: b["data"]["cursor"] if b["data"]["has_more"] else None))

    assert [v["item_id"] for p in pages for v in p.body["data"]["videos"]] == ["v1", "v2", "v3"]
    assert [r.query.get("cursor") for r in server.requests] == [None, "1700000000000", "1690000000000"]
    assert all(r.query["max_count"] == "20" for r in server.requests)


def test_follow_cursor_with_a_next_token():
    def x_timeline(request: SeenRequest) -> Reply:
        if request.query.get("pagination_token") is None:
            return Reply(200, {"data": [{"id": "1"}], "meta": {"result_count": 1, "next_token": "7140dib"}})
        return Reply(200, {"data": [{"id": "2"}], "meta": {"result_count": 1}})

    server = FakeApiServer(x_timeline)
    with server:
        pages = list(follow_cursor(client_for(server), "users/9/tweets", window=WINDOW,
                                   cursor_param="pagination_token",
                                   next_cursor=lambda b: b.get("meta", {}).get("next_token")))

    assert ids(pages) == ["1", "2"]
    assert server.requests[1].query["pagination_token"] == "7140dib"


def test_a_repeated_cursor_raises():
    server = FakeApiServer(lambda r: Reply(200, {"data": [], "next": "same"}))
    with server, pytest.raises(ApiError, match="pageToken=same repeated"):
        list(follow_cursor(client_for(server), "x", window=WINDOW, cursor_param="pageToken",
                           next_cursor=lambda b: b.get("next")))
    assert len(server.requests) == 2
