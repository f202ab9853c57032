"""API pulls landed night after night: restated values replaced, everything else kept, replay
reproduces the landed state without the network."""

from __future__ import annotations

import datetime as dt

import pytest

from connectors.base import AccountDayValue, ApiAccount, Connector, ParsedExport, PostMetricValue, RawPage
from ingest.api import ApiPull, land_api_pull, replay
from tests.helpers import D, warehouse

UTC = dt.UTC


class BodyApi:
    """A client whose normalise reads {"values": [[date, metric, value], ...]} page bodies."""

    platform = "fake"
    history_days = None
    lookback_days = 3

    def __init__(self, account: ApiAccount) -> None:
        self.account = account

    def check(self) -> None:
        return None

    def fetch(self, start: dt.date, end: dt.date) -> list[RawPage]:
        raise AssertionError("replay must not call the network")

    def normalise(self, pages: list[RawPage]) -> ParsedExport:
        return ParsedExport("fake", account_daily=[
            AccountDayValue(dt.date.fromisoformat(day), metric, metric, value)
            for page in pages for day, metric, value in page.body["values"]])


REGISTRY = {"fake": Connector(platform="fake", api=BodyApi)}


def night(con, start, end, fetched, values, post_metrics=()):
    page = RawPage("https://api.example/insights", {"since": str(start)}, 200,
                   {"values": [[str(d), m, v] for d, m, v in values]}, fetched, start, end)
    account = ApiAccount("fake", "a1", "UTC")
    parsed = BodyApi(account).normalise([page])
    parsed.post_metrics.extend(post_metrics)
    land_api_pull(con, ApiPull(account, start, end, [page], parsed))


def values(con):
    return con.execute("SELECT date, metric, value FROM raw.account_daily_values ORDER BY date, metric").fetchall()


def test_restated_values_replace_and_the_rest_is_kept():
    con = warehouse()
    # night of 11-04: window 11-01..11-03, follower total known only for the last day
    night(con, D(2026, 11, 1), D(2026, 11, 3), dt.datetime(2026, 11, 4, 3, tzinfo=UTC),
          [(D(2026, 11, 1), "reach", 10), (D(2026, 11, 2), "reach", 20), (D(2026, 11, 3), "reach", 30),
           (D(2026, 11, 3), "followers", 100)])
    # night of 11-05: window 11-02..11-04; 11-02 restated, a new follower total for 11-04
    night(con, D(2026, 11, 2), D(2026, 11, 4), dt.datetime(2026, 11, 5, 3, tzinfo=UTC),
          [(D(2026, 11, 2), "reach", 25), (D(2026, 11, 3), "reach", 30), (D(2026, 11, 4), "reach", 40),
           (D(2026, 11, 4), "followers", 104)])
    assert values(con) == [
        (D(2026, 11, 1), "reach", 10),  # outside the second window: kept
        (D(2026, 11, 2), "reach", 25),  # restated
        (D(2026, 11, 3), "followers", 100),  # not reported again: kept
        (D(2026, 11, 3), "reach", 30),
        (D(2026, 11, 4), "followers", 104),
        (D(2026, 11, 4), "reach", 40),
    ]
    # the same night re-run: nothing duplicated
    night(con, D(2026, 11, 2), D(2026, 11, 4), dt.datetime(2026, 11, 5, 4, tzinfo=UTC),
          [(D(2026, 11, 2), "reach", 25), (D(2026, 11, 3), "reach", 30), (D(2026, 11, 4), "reach", 40),
           (D(2026, 11, 4), "followers", 104)])
    assert len(values(con)) == 6
    assert con.execute("SELECT count(*) FROM raw.api_pages").fetchall()[0][0] == 2  # one page per window


def test_post_counters_read_on_the_pull_day_keep_the_pull_day():
    con = warehouse()
    night(con, D(2026, 11, 1), D(2026, 11, 3), dt.datetime(2026, 11, 4, 3, tzinfo=UTC), [],
          [PostMetricValue("p1", D(2026, 11, 4), "likes", "like_count", 7)])
    assert con.execute("SELECT snapshot_date, value FROM raw.post_metric_values").fetchall() == [(D(2026, 11, 4), 7)]


def test_replay_reproduces_the_latest_restatement_without_the_network():
    con = warehouse()
    for fetched, value in [(4, 100), (5, 150), (6, 175)]:  # 11-02 restated on three nights
        night(con, D(2026, 11, fetched - 3), D(2026, 11, fetched - 1), dt.datetime(2026, 11, fetched, 3, tzinfo=UTC),
              [(D(2026, 11, 2), "reach", value)] if fetched - 3 <= 2 else [(D(2026, 11, 3), "reach", 1)])
    landed_before = values(con)
    con.execute("DELETE FROM raw.account_daily_values")
    replay(con, REGISTRY, D(2026, 11, 1), D(2026, 11, 30), {}, "UTC")
    assert values(con) == landed_before
    assert (D(2026, 11, 2), "reach", 150) in landed_before  # the night of 11-06 no longer covered 11-02


class FailingApi(BodyApi):
    """Refuses pages whose body says so, as a client refuses a page it cannot read."""

    def normalise(self, pages: list[RawPage]) -> ParsedExport:
        if any(page.body.get("unreadable") for page in pages):
            raise ValueError("fake: unreadable page")
        return super().normalise(pages)


def test_a_replay_that_fails_midway_keeps_what_it_wrote_and_can_be_rerun(monkeypatch):
    import ingest.api as api

    con = warehouse()
    for day in (4, 5, 6):
        night(con, D(2026, 11, day - 3), D(2026, 11, day - 3), dt.datetime(2026, 11, day, 3, tzinfo=UTC),
              [(D(2026, 11, day - 3), "reach", day)])
    landed = values(con)
    con.execute("DELETE FROM raw.account_daily_values")
    con.execute("""UPDATE raw.api_pages SET body = '{"unreadable": true}' WHERE window_start = '2026-11-03'""")
    monkeypatch.setattr(api, "_REPLAY_BATCH_RECORDS", 1)  # one pull per batch
    with pytest.raises(ValueError, match="unreadable page"):
        replay(con, {"fake": Connector(platform="fake", api=FailingApi)}, D(2026, 11, 1), D(2026, 11, 30), {}, "UTC")
    assert values(con) == landed[:2]  # the pulls before the bad one are written, nothing half-written

    def broken_write(*_args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(api, "_replace_batch", broken_write)  # an error on the writer thread
    with pytest.raises(RuntimeError, match="disk full"):
        replay(con, REGISTRY, D(2026, 11, 1), D(2026, 11, 30), {}, "UTC")
    monkeypatch.undo()
    con.execute("""UPDATE raw.api_pages SET body = '{"values": [["2026-11-03", "reach", 6]]}'
                   WHERE window_start = '2026-11-03'""")
    replay(con, REGISTRY, D(2026, 11, 1), D(2026, 11, 30), {}, "UTC")
    replay(con, REGISTRY, D(2026, 11, 1), D(2026, 11, 30), {}, "UTC")
    assert values(con) == landed
