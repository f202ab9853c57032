"""Daily insights pages read by DuckDB in bulk (ingest.api_insights) replay exactly as the client's
own `normalise` does: same rows, same counts, same errors; pages it cannot read go to Python."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import ingest.api as api
from connectors.base import load_connectors
from connectors.facebook.api import FacebookPagesApi
from ingest.api import replay
from tests.helpers import D, warehouse

PAGE = "1001"
GRAPH = "https://graph.facebook.com/v25.0"
REGISTRY = load_connectors()


def point(day: str, value: object = 1, **extra: object) -> dict[str, object]:
    """A value stamped as Meta stamps it: at the END of the day (Pacific midnight, in UTC)."""
    return {"value": value, "end_time": f"{day}T08:00:00+0000", **extra}


def insights(*entries: object, **extra: object) -> dict[str, object]:
    return {"data": list(entries), "paging": {"previous": "https://x", "next": "https://y"}, **extra}


def store(con, body: object = None, *, window: tuple[dt.date, dt.date] = (D(2025, 1, 1), D(2025, 1, 10)),
          page_no: int = 0, endpoint: str = f"{GRAPH}/{PAGE}/insights", status: int = 200,
          fetched: dt.datetime = dt.datetime(2025, 1, 11, 3), text: str | None = None,
          params: str = '{"metric": "page_media_view", "period": "day"}') -> None:
    """One raw.api_pages row as land_api_pull stores it (bodies written by json.dumps)."""
    con.execute("INSERT INTO raw.api_pages VALUES ('facebook', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [PAGE, window[0], window[1], page_no, endpoint, params, status,
                 text if text is not None else json.dumps(body), fetched])


LAYOUT = FacebookPagesApi.daily_insights


def replayed(pages: list[dict[str, object]], monkeypatch, *, bulk: bool) -> tuple[object, list[tuple]]:
    """(records per account or the error raised, the API rows) of a replay of `pages` (keyword
    arguments of `store`) in a new warehouse, with or without the bulk reader."""
    monkeypatch.setattr(FacebookPagesApi, "daily_insights", LAYOUT if bulk else None)
    con = warehouse()
    for page in pages:
        store(con, **page)
    try:
        outcome: object = replay(con, REGISTRY, D(2025, 1, 1), D(2025, 1, 31), {}, "UTC", workers=0)
    except Exception as exc:
        outcome = (type(exc), str(exc))
    return outcome, con.execute("SELECT * FROM raw.account_daily_values ORDER BY ALL").fetchall()


def staged_values(monkeypatch) -> list[dict[int, int]]:
    """Values per pull that the bulk reader staged, replay by replay."""
    seen: list[dict[int, int]] = []
    stage = api.stage_insights

    def spying(*args):
        result = stage(*args)
        seen.append(result.values)
        return result

    monkeypatch.setattr(api, "stage_insights", spying)
    return seen


def test_insights_pages_read_in_bulk_land_the_rows_normalise_lands(monkeypatch):
    pages: list[dict[str, object]] = [dict(body=insights(
        {"name": "page_media_view", "period": "day", "values": [
            point("2025-01-01", 5),  # the day before the window: left out
            point("2025-01-02", 7), point("2025-01-03", None), {"end_time": "2025-01-04T08:00:00+0000"},
            point("2025-01-05", 2.5), point("2025-01-06", 18446744073709551616), point("2025-01-12", 9)]},
        {"name": "page_unknown_metric", "values": [point("2025-01-03", 4)]},  # lineage only
        {"name": "page_follows", "values": None}, {"name": "page_follows", "values": []},
        {"values": [point("2025-01-03", 4)]}))]  # no name: skipped
    # a second page of the pull, another metric; an error page; the Page's posts (left to Python)
    pages += [
        dict(body=insights({"name": "page_follows", "values": [point("2025-01-02", 100), point("2025-01-03", 101)]}),
             page_no=1),
        dict(body={"error": {"message": "(#100) The value must be a valid insights metric", "code": 100}},
             page_no=2, status=400),
        dict(body={"data": [{"id": f"{PAGE}_9", "created_time": "2025-01-02T10:00:00+0000", "shares": {"count": 3}}]},
             page_no=3, endpoint=f"{GRAPH}/{PAGE}/posts"),
        # entries Python skips: no object, a name that is no text
        dict(body=insights("not an entry", {"name": 7, "values": [point("2025-01-03", 4)]}), page_no=4)]
    staged = staged_values(monkeypatch)
    bulk = replayed(pages, monkeypatch, bulk=True)
    reference = replayed(pages, monkeypatch, bulk=False)
    assert bulk == reference
    assert staged[0] == {0: 8}  # both insights pages read in bulk
    values = {(r[5], r[7]): (r[6], r[8]) for r in bulk[1]}
    assert values[(D(2025, 1, 1), "page_media_view")] == ("impressions", 7)  # stamped 01-02: the 1st's
    assert values[(D(2025, 1, 2), "page_media_view")] == ("impressions", None)
    assert values[(D(2025, 1, 3), "page_media_view")] == ("impressions", None)  # no value given
    assert values[(D(2025, 1, 4), "page_media_view")] == ("impressions", 2.5)
    assert values[(D(2025, 1, 5), "page_media_view")] == ("impressions", float(18446744073709551616))
    assert values[(D(2025, 1, 2), "page_unknown_metric")] == (None, 4)
    assert values[(D(2025, 1, 1), "page_follows")] == ("followers", 100)
    assert (D(2024, 12, 31), "page_media_view") not in values and (D(2025, 1, 11), "page_media_view") not in values
    assert len(bulk[1]) == 8
    assert bulk[0] == {f"facebook/{PAGE}": 8 + 4}  # and the post and its three counters, read by Python


@pytest.mark.parametrize("odd", [
    {"value": {"app": 3, "web": 4}, "end_time": "2025-01-03T08:00:00+0000"},  # a breakdown: left out
    {"value": True, "end_time": "2025-01-03T08:00:00+0000"},  # no number: NULL
    {"value": [3], "end_time": "2025-01-03T08:00:00+0000"},
    {"value": " 12 ", "end_time": "2025-01-03T08:00:00+0000"},  # text Python reads as a number
    {"value": float("inf"), "end_time": "2025-01-03T08:00:00+0000"},  # written as Infinity
    {"value": 3, "end_time": "2025-01-03T08:00:00+0000", "note": "Café"},  # a \\u escape in the text
], ids=["breakdown", "true", "list", "text", "infinity", "escape"])
def test_pages_the_sql_cannot_read_as_python_does_go_to_python(monkeypatch, odd):
    pages = [dict(body=insights({"name": "page_media_view", "values": [point("2025-01-02", 1), odd]})),
             dict(body=insights({"name": "page_follows", "values": [point("2025-01-02", 100)]}), page_no=1)]
    staged = staged_values(monkeypatch)
    bulk = replayed(pages, monkeypatch, bulk=True)
    assert bulk == replayed(pages, monkeypatch, bulk=False)
    assert staged[0] == {0: 1}  # only the regular page was read in bulk
    assert len(bulk[1]) == (2 if odd["value"] == {"app": 3, "web": 4} else 3)


@pytest.mark.parametrize("text", [
    json.dumps(insights({"name": "page_media_view", "values": [{"value": 3}]})),  # no end_time
    json.dumps(insights({"name": "page_media_view", "values": [point("2025-01-02", "1,234")]})),
    json.dumps(insights({"name": "page_media_view", "values": {"2025-01-02": 3}})),
    json.dumps(insights({"name": "page_media_view", "values": [3]})),
    json.dumps(insights({"name": "page_media_view", "values": [{"value": 3, "end_time": "2025-1-2T08:00"}]})),
    json.dumps(insights({"name": "page_media_view", "values": [{"value": 3, "end_time": None}]})),
    '{"data": [{"name": "page_media_view", "values": [{"value": 3, "end_time": "2025-01-02T08:00"},]}]}',
    '{"data": [{"name": "page_media_view", "values": [{"value": inf, "end_time": "2025-01-02T08:00"}]}]}',
], ids=["no-end-time", "unreadable-number", "values-object", "point-no-object", "odd-date", "null-date",
        "trailing-comma", "lowercase-inf"])
def test_a_page_python_fails_on_fails_the_bulk_replay_the_same_way(monkeypatch, text):
    pages = [dict(body=insights({"name": "page_follows", "values": [point("2025-01-02", 100)]}), page_no=1),
             dict(text=text)]
    bulk = replayed(pages, monkeypatch, bulk=True)
    assert isinstance(bulk[0], tuple) and issubclass(bulk[0][0], Exception)  # an error, not records
    assert bulk == replayed(pages, monkeypatch, bulk=False)


def test_restatements_win_in_fetch_order_across_bulk_and_python_pulls(monkeypatch):
    nights = [  # (window, fetched, value of 01-03, read in bulk?)
        ((D(2025, 1, 1), D(2025, 1, 3)), dt.datetime(2025, 1, 4, 3), 10, True),
        ((D(2025, 1, 2), D(2025, 1, 4)), dt.datetime(2025, 1, 5, 3), 20, False),  # text value: Python
        ((D(2025, 1, 3), D(2025, 1, 5)), dt.datetime(2025, 1, 6, 3), 30, True),
        ((D(2025, 1, 3), D(2025, 1, 3)), dt.datetime(2025, 1, 5, 9), 25, True),  # fetched before the 3rd
    ]
    pages = [dict(body=insights({"name": "page_media_view", "values": [
        point(str(first + dt.timedelta(days=n + 1)), value if in_bulk else str(value))
        for n in range((last - first).days + 1)]}), window=(first, last), fetched=fetched)
        for (first, last), fetched, value, in_bulk in nights]
    staged = staged_values(monkeypatch)
    bulk = replayed(pages, monkeypatch, bulk=True)
    assert bulk == replayed(pages, monkeypatch, bulk=False)
    assert staged[0] == {0: 3, 2: 1, 3: 3}  # pulls in fetch order; the second left to Python
    assert [(r[5], r[8]) for r in bulk[1]] == [(D(2025, 1, 1), 10), (D(2025, 1, 2), 20), (D(2025, 1, 3), 30),
                                              (D(2025, 1, 4), 30), (D(2025, 1, 5), 30)]
