"""DESIGN.md "Loading rules": per-value precedence, lifetime snapshot dates, ownership."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest

from connectors.base import ApiAccount, Connector, ParsedExport, PostMetricValue, PostRecord, RawPage, load_connectors
from ingest.api import ApiPull, land_api_pull, replay
from ingest.drop_folder import DropFile, file_hash, ingest_drop_folder, land_parsed_export
from ingest.ownership import conflicts, forget_account, forget_file
from tests.helpers import D, accounts, land_days, warehouse
from transforms.core import build_core


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
STUDIO_OVERVIEW = Path(__file__).parent.parent / "pipelines" / "fixtures" / "Overview_2025-01-12.csv"


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


# ---- ownership: a file belongs to its folder's account; a post to the account that landed it first


def _land_posts(con, tmp_path: Path, account_id: str, name: str, posts: dict[str, float], day: dt.date) -> Path:
    """Land a per-post lifetime file (likes per post) for x/<account_id>, exported on `day`."""
    folder = tmp_path / "exports" / "x" / account_id
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"{account_id} {sorted(posts.items())} {day}", encoding="utf-8")
    parsed = ParsedExport(format="test", posts=[
        PostRecord(pid, dt.datetime(2025, 3, 1, 9, tzinfo=dt.UTC), "post", "Tweet", None, None) for pid in posts],
        post_metrics=[PostMetricValue(pid, day, "likes", "likes", v) for pid, v in posts.items()])
    land_parsed_export(con, DropFile(path, f"x/{account_id}/{name}", "x", account_id), file_hash(path), parsed, "UTC")
    return path


def test_a_post_id_under_a_second_account_stays_with_its_owner_and_is_a_conflict(tmp_path):
    con = warehouse()
    accounts(con, [("x", "good", "acme"), ("x", "other", "acme")])
    _land_posts(con, tmp_path, "good", "good_2025-03-05.csv", {"p1": 10.0, "p2": 20.0}, D(2025, 3, 5))
    # later, a file of the good account's posts is dropped into another account's folder
    _land_posts(con, tmp_path, "other", "wrong_2025-03-09.csv", {"p1": 99.0, "p3": 5.0}, D(2025, 3, 9))
    build_core(con, D(2025, 3, 1), D(2025, 3, 9))
    assert con.execute("SELECT post_id, account_id FROM core.posts ORDER BY 1").fetchall() == [
        ("p1", "good"), ("p2", "good"), ("p3", "other")]
    assert con.execute("SELECT post_id, snapshot_date, account_id, likes FROM core.post_snapshots ORDER BY 1, 2"
                       ).fetchall() == [("p1", D(2025, 3, 5), "good", 10.0), ("p2", D(2025, 3, 5), "good", 20.0),
                                        ("p3", D(2025, 3, 9), "other", 5.0)]
    [conflict] = conflicts(con)
    assert (conflict.kind, conflict.platform, conflict.account_id, conflict.owner_account_id, conflict.count) == (
        "post", "x", "other", "good", 1)
    assert conflict.subject == "x/other/wrong_2025-03-09.csv"
    assert "carries 1 post of x/good (e.g. post p1) under x/other" in conflict.message


def test_the_same_file_in_two_account_folders_is_a_conflict_not_already_loaded(tmp_path):
    con = warehouse()
    exports = tmp_path / "exports"
    source = FIXTURES / "tweet_activity_metrics_acme_20161201_20170101_en.csv"
    _drop(tmp_path, "x", "acme", source)
    first = ingest_drop_folder(con, exports, load_connectors(), {}, "UTC")
    assert [o.status for o in first] == ["loaded"]
    _drop(tmp_path, "x", "globex", source)
    second = {o.relative: o for o in ingest_drop_folder(con, exports, load_connectors(), {}, "UTC")}
    name = source.name
    assert second[f"x/acme/{name}"].status == "already_loaded"
    assert second[f"x/globex/{name}"].status == "conflict"
    assert f"already loaded for x/acme (as x/acme/{name})" in second[f"x/globex/{name}"].reason
    assert con.execute("SELECT count(*) FROM raw.post_records WHERE account_id = 'globex'").fetchall() == [(0,)]
    [conflict] = conflicts(con)
    assert (conflict.kind, conflict.account_id, conflict.owner_account_id, conflict.subject) == (
        "file", "globex", "acme", f"x/globex/{name}")
    # the conflict lasts as long as the copy is there
    (exports / "x" / "globex" / name).unlink()
    ingest_drop_folder(con, exports, load_connectors(), {}, "UTC")
    assert conflicts(con) == []


_TABLES = ("raw.export_files", "raw.post_records", "raw.post_metric_values", "raw.account_daily_values",
           "raw.export_coverage", "core.posts", "core.post_snapshots", "core.post_daily", "core.account_daily")


def _contents(con) -> dict[str, list[tuple]]:
    """Every row of the loading tables, without load times (they differ between two warehouses)."""
    return {table: con.execute(f"SELECT {_columns(con, table)} FROM {table} ORDER BY ALL").fetchall()
            for table in _TABLES}


def _columns(con, table: str) -> str:
    schema, name = table.split(".")
    return ", ".join(r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
        "AND column_name NOT IN ('loaded_at') ORDER BY column_index", [schema, name]).fetchall())


def test_forget_a_file_then_drop_it_again_equals_never_and_always_having_dropped_it(tmp_path):
    good = FIXTURES / "tweet_activity_metrics_acme_20161201_20170101_en.csv"
    stray = STUDIO_OVERVIEW  # a TikTok Studio overview, dropped for the same brand's tiktok account

    def build(folder: Path, *drops: tuple[str, str, Path]):
        con = warehouse()
        accounts(con, [("x", "acme", "acme"), ("tiktok", "acme", "acme")])
        for platform, account_id, source in drops:
            _drop(folder, platform, account_id, source)
        ingest_drop_folder(con, folder / "exports", load_connectors(), {}, "UTC")
        build_core(con, D(2016, 12, 1), D(2025, 1, 31))
        return con

    never = _contents(build(tmp_path / "never", ("x", "acme", good)))
    both = _contents(build(tmp_path / "both", ("x", "acme", good), ("tiktok", "acme", stray)))
    assert never != both

    con = build(tmp_path / "case", ("x", "acme", good))
    _drop(tmp_path / "case", "tiktok", "acme", stray)
    ingest_drop_folder(con, tmp_path / "case" / "exports", load_connectors(), {}, "UTC")
    build_core(con, D(2016, 12, 1), D(2025, 1, 31))
    assert _contents(con) == both
    exports = tmp_path / "case" / "exports"
    forgotten = forget_file(con, exports, f"tiktok/acme/{stray.name}")
    assert forgotten.files == [f"_forgotten/tiktok/acme/{stray.name}"]
    assert (forgotten.first_day, forgotten.last_day) == (D(2025, 1, 8), D(2025, 1, 12))
    build_core(con, forgotten.first_day, forgotten.last_day)
    assert _contents(con) == never
    assert (exports / "_forgotten" / "tiktok" / "acme" / stray.name).read_bytes() == stray.read_bytes()
    # a later run does not bring it back by itself ...
    ingest_drop_folder(con, exports, load_connectors(), {}, "UTC")
    assert _contents(con) == never
    # ... dropping it again does
    shutil.move(exports / "_forgotten" / "tiktok" / "acme" / stray.name, exports / "tiktok" / "acme" / stray.name)
    ingest_drop_folder(con, exports, load_connectors(), {}, "UTC")
    build_core(con, D(2016, 12, 1), D(2025, 1, 31))
    assert _contents(con) == both


def test_forget_an_account_removes_what_it_landed_and_keeps_its_files(tmp_path):
    con = warehouse()
    accounts(con, [("x", "acme", "acme")])
    tweets = FIXTURES / "tweet_activity_metrics_acme_20161201_20170101_en.csv"
    exports = _drop(tmp_path, "x", "acme", tweets)
    # a typo in the folder name (not a configured account): another export of the account, and a copy
    typo = exports / "x" / "acmee"
    typo.mkdir()
    (typo / "later_20170102.csv").write_text(tweets.read_text(encoding="utf-8").replace('"250.0"', '"260.0"'),
                                              encoding="utf-8")
    shutil.copy(tweets, typo / "copy.csv")
    ingest_drop_folder(con, exports, load_connectors(), {}, "UTC")
    accounts(con, [("x", "acme", "acme")])
    assert con.execute("SELECT account_id, in_config FROM core.accounts ORDER BY 1").fetchall() == [
        ("acme", True), ("acmee", False)]
    build_core(con, D(2016, 12, 1), D(2017, 1, 2))
    assert sorted((c.kind, c.account_id, c.owner_account_id, c.count) for c in conflicts(con)) == [
        ("file", "acmee", "acme", 1), ("post", "acmee", "acme", 2)]
    forgotten = forget_account(con, exports, "x", "acmee")
    assert conflicts(con) == []
    assert sorted(forgotten.files) == ["_forgotten/x/acmee/copy.csv", "_forgotten/x/acmee/later_20170102.csv"]
    for table in ("raw.export_files", "raw.account_daily_values", "raw.post_records", "raw.file_conflicts"):
        assert con.execute(f"SELECT count(*) FROM {table} WHERE account_id = 'acmee'").fetchall() == [(0,)], table
    assert con.execute("SELECT count(*) FROM raw.post_records WHERE account_id = 'acme'").fetchall() == [(2,)]
    accounts(con, [("x", "acme", "acme")])
    assert con.execute("SELECT account_id FROM core.accounts").fetchall() == [("acme",)]


def test_a_youtube_content_export_downloaded_the_day_after_its_last_day_is_queryable_after_a_run_over_it(tmp_path):
    # YouTube Studio Content table for October 2025, downloaded on 1 November (no date in its name:
    # the export date is the file's modification date)
    con = warehouse()
    accounts(con, [("youtube", "chan", "acme")])
    exports = _drop(tmp_path, "youtube", "chan", FIXTURES / "youtube_content_table_data.csv",
                    names=["Table data.csv"])
    downloaded = dt.datetime(2025, 11, 1, 9, tzinfo=dt.UTC).timestamp()
    os.utime(exports / "youtube" / "chan" / "Table data.csv", (downloaded, downloaded))
    [outcome] = ingest_drop_folder(con, exports, load_connectors(), {}, "UTC")
    assert (outcome.status, outcome.format) == ("loaded", "youtube_content_table")
    build_core(con, D(2025, 10, 1), D(2025, 10, 31))
    assert con.execute("SELECT post_id, snapshot_date, views, impressions FROM core.post_snapshots ORDER BY 1"
                       ).fetchall() == [("Q1w2E3r4T5y", D(2025, 11, 1), 1200.0, 7000.0),
                                        ("Zx9Cv8Bn7Ma", D(2025, 11, 1), 300.0, 2000.0)]


def test_a_follower_column_of_placeholders_does_not_stop_the_rebuild_from_known_counts(tmp_path):
    con = warehouse()
    accounts(con, [("tiktok", "t1", "acme")], anchors=[("tiktok", "t1", D(2025, 3, 1), 1000)])
    land_days(con, tmp_path, "tiktok", "t1", {D(2025, 3, 2): {"followers": None}, D(2025, 3, 3): {"followers": None}},
              name="audience_2025-03-05.csv")
    land_days(con, tmp_path, "tiktok", "t1", {D(2025, 3, 2): {"followers_net_change": 5.0},
                                               D(2025, 3, 3): {"followers_net_change": -2.0}},
              name="overview_2025-03-05.csv")
    build_core(con, D(2025, 3, 1), D(2025, 3, 3))
    # 1000 known on 1 March, then +5 and -2
    assert _followers(con) == [(D(2025, 3, 1), 1000.0), (D(2025, 3, 2), 1005.0), (D(2025, 3, 3), 1003.0)]


@pytest.mark.parametrize("contents", [("a", "b"), ("b", "a")])
def test_a_post_counter_placeholder_never_beats_a_number_of_the_same_day(tmp_path, contents):
    con = warehouse()
    accounts(con, [("x", "acme", "acme")])
    for name, likes, content in [("one_2025-03-05.csv", None, contents[0]), ("two_2025-03-05.csv", 12.0, contents[1])]:
        path = tmp_path / "exports" / "x" / "acme" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        parsed = ParsedExport(format="test", post_metrics=[PostMetricValue("p1", D(2025, 3, 5), "likes", "Likes",
                                                                           likes)])
        land_parsed_export(con, DropFile(path, f"x/acme/{name}", "x", "acme"), file_hash(path), parsed, "UTC")
    build_core(con, D(2025, 3, 5), D(2025, 3, 5))
    assert con.execute("SELECT likes FROM core.post_snapshots").fetchall() == [(12.0,)]
