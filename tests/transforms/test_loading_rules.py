"""DESIGN.md "Loading rules": per-value precedence, lifetime snapshot dates, ownership."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest

from connectors.base import ApiAccount, Connector, ParsedExport, PostMetricValue, PostRecord, RawPage, load_connectors
from tests.helpers import D, accounts, land_days, warehouse
from transforms.api import ApiPull, land_api_pull, replay
from transforms.core import build_core
from transforms.exports import ingest_drop_folder


def _followers(con, account_id="t1"):
    return con.execute("SELECT date, followers FROM core.account_daily WHERE account_id = ? ORDER BY date",
                       [account_id]).fetchall()


# Contents chosen so that the placeholder file's hash sorts above the other one in one case and
# below it in the other: the outcome must not depend on it.
@pytest.mark.parametrize("contents", [("a", "b"), ("b", "a"), ("placeholder", "numbers"), ("numbers", "placeholder")])
def test_a_placeholder_never_beats_a_number_exported_the_same_day(tmp_path, contents):
    con = warehouse()
    accounts(con, [("tiktok", "t1", "acme")])
    days = [D(2025, 3, 1), D(2025, 3, 2)]
    # TikTok Business audience export: "Total followers" = "--" on every row
    land_days(con, tmp_path, "tiktok", "t1", {d: {"followers": None, "reach": 40.0} for d in days},
              name="audience_2025-03-05.csv", content=contents[0])
    # TikTok Studio FollowerHistory exported the same day
    land_days(con, tmp_path, "tiktok", "t1", {D(2025, 3, 1): {"followers": 1000.0},
                                               D(2025, 3, 2): {"followers": 1010.0}},
              name="FollowerHistory_2025-03-05.csv", content=contents[1])
    build_core(con, D(2025, 3, 1), D(2025, 3, 2))
    assert _followers(con) == [(D(2025, 3, 1), 1000.0), (D(2025, 3, 2), 1010.0)]


def test_a_placeholder_never_beats_a_number_from_an_older_file(tmp_path):
    con = warehouse()
    accounts(con, [("tiktok", "t1", "acme")])
    land_days(con, tmp_path, "tiktok", "t1", {D(2025, 3, 1): {"followers": 1000.0}}, name="old_2025-03-02.csv")
    land_days(con, tmp_path, "tiktok", "t1", {D(2025, 3, 1): {"followers": None}}, name="new_2025-03-09.csv")
    build_core(con, D(2025, 3, 1), D(2025, 3, 1))
    assert _followers(con) == [(D(2025, 3, 1), 1000.0)]


@pytest.mark.parametrize("contents", [("a", "b"), ("b", "a"), ("x1", "y2"), ("y2", "x1")])
def test_two_numbers_exported_the_same_day_tie_on_the_larger_not_the_hash(tmp_path, contents):
    con = warehouse()
    accounts(con, [("tiktok", "t1", "acme")])
    land_days(con, tmp_path, "tiktok", "t1", {D(2025, 3, 1): {"reach": 40.0, "likes": 7.0}},
              name="one_2025-03-05.csv", content=contents[0])
    land_days(con, tmp_path, "tiktok", "t1", {D(2025, 3, 1): {"reach": 38.0, "likes": 9.0}},
              name="two_2025-03-05.csv", content=contents[1])
    build_core(con, D(2025, 3, 1), D(2025, 3, 1))
    # per value: reach 40 from the first file, likes 9 from the second
    assert con.execute("SELECT reach, likes FROM core.account_daily").fetchall() == [(40.0, 9.0)]


def test_a_later_export_still_wins_between_numbers(tmp_path):
    con = warehouse()
    accounts(con, [("tiktok", "t1", "acme")])
    land_days(con, tmp_path, "tiktok", "t1", {D(2025, 3, 1): {"reach": 40.0}}, name="a_2025-03-05.csv")
    land_days(con, tmp_path, "tiktok", "t1", {D(2025, 3, 1): {"reach": 30.0}}, name="b_2025-03-07.csv")
    build_core(con, D(2025, 3, 1), D(2025, 3, 1))
    assert con.execute("SELECT reach FROM core.account_daily").fetchall() == [(30.0,)]


FIXTURES = Path(__file__).parent / "fixtures"


def _drop(tmp_path: Path, platform: str, account_id: str, *sources: Path, names: Sequence[str] = ()) -> Path:
    exports = tmp_path / "exports"
    folder = exports / platform / account_id
    folder.mkdir(parents=True, exist_ok=True)
    for source, name in zip(sources, list(names) + [None] * len(sources), strict=False):
        shutil.copy(source, folder / (name or source.name))
    return exports


def test_a_tweet_activity_export_named_the_day_after_its_window_is_queryable_after_a_run_over_it(tmp_path):
    # tweet_activity_metrics_<handle>_20161201_20170101_en.csv: posts of December, exported 2017-01-01
    con = warehouse()
    accounts(con, [("x", "acme", "acme")])
    exports = _drop(tmp_path, "x", "acme", FIXTURES / "tweet_activity_metrics_acme_20161201_20170101_en.csv")
    [outcome] = ingest_drop_folder(con, exports, load_connectors(), {}, "UTC")
    assert outcome.status == "loaded"
    build_core(con, D(2016, 12, 1), D(2016, 12, 31))  # a run over exactly the window the file covers
    rows = con.execute("SELECT post_id, snapshot_date, impressions, likes, comments, shares, clicks "
                       "FROM core.post_snapshots ORDER BY post_id").fetchall()
    assert rows == [("800000000000000001", D(2017, 1, 1), 1200.0, 20.0, 2.0, 5.0, 7.0),
                    ("800000000000000002", D(2017, 1, 1), 250.0, 6.0, 1.0, 3.0, 1.0)]
    assert con.execute("SELECT count(*) FROM core.posts").fetchall() == [(2,)]


class PostsApi:
    """An API client whose pages carry lifetime likes per post, read at the page's fetch time."""

    platform = "fakeposts"
    history_days = None
    lookback_days = 1

    def __init__(self, account: ApiAccount) -> None:
        self.account = account

    def check(self) -> None:
        return None

    def fetch(self, start: dt.date, end: dt.date) -> list[RawPage]:
        raise AssertionError("replay must not call the network")

    def normalise(self, pages: list[RawPage]) -> ParsedExport:
        parsed = ParsedExport("fakeposts")
        for page in pages:
            for post_id, likes in page.body["likes"].items():
                published = dt.datetime(2026, 10, 5, 12, tzinfo=dt.UTC)
                parsed.posts.append(PostRecord(post_id, published, "post", "post", None, None))
                parsed.post_metrics.append(PostMetricValue(post_id, page.fetched_at.date(), "likes", "like_count",
                                                           likes))
        return parsed


def test_an_api_backfill_dates_lifetime_counters_by_the_fetch_time_not_the_window_end():
    con = warehouse()
    accounts(con, [("fakeposts", "a1", "acme")])
    account = ApiAccount("fakeposts", "a1", "UTC")
    fetched = dt.datetime(2026, 12, 3, 6, tzinfo=dt.UTC)  # a December backfill of October
    page = RawPage("https://api.example/media", {}, 200, {"likes": {"p1": 310}}, fetched,
                   D(2026, 10, 1), D(2026, 10, 31))
    land_api_pull(con, ApiPull(account, D(2026, 10, 1), D(2026, 10, 31), [page], PostsApi(account).normalise([page])))
    build_core(con, D(2026, 10, 1), D(2026, 10, 31))
    expected = [("p1", D(2026, 12, 3), 310.0)]
    assert con.execute("SELECT post_id, snapshot_date, likes FROM core.post_snapshots").fetchall() == expected
    # replay of the landed pages dates them the same way
    con.execute("DELETE FROM raw.post_metric_values")
    replay(con, {"fakeposts": Connector(platform="fakeposts", api=PostsApi)}, D(2026, 10, 1), D(2026, 10, 31),
           {}, "UTC")
    build_core(con, D(2026, 10, 1), D(2026, 10, 31))
    assert con.execute("SELECT post_id, snapshot_date, likes FROM core.post_snapshots").fetchall() == expected
