"""core tables from raw: source precedence, post counting, follower rebuild, idempotency."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from connectors.base import ParsedExport, PostMetricValue, PostRecord
from ingest.drop_folder import DropFile, file_hash, land_parsed_export
from tests.helpers import D, accounts, land_days, warehouse
from transforms.core import build_core


def account_day(con, platform, account, day, column):
    row = con.execute(f"SELECT {column} FROM core.account_daily WHERE platform = ? AND account_id = ? AND date = ?",
                      [platform, account, day]).fetchone()
    return None if row is None else row[0]


def test_the_file_exported_later_wins_per_metric(tmp_path):
    con = warehouse()
    land_days(con, tmp_path, "facebook", "p1", {D(2025, 3, 1): {"reach": 100, "impressions": 300}},
              name="Reach_2025-03-05.csv")
    land_days(con, tmp_path, "facebook", "p1", {D(2025, 3, 1): {"reach": 120}}, name="Reach_2025-03-20.csv")
    land_days(con, tmp_path, "facebook", "p1", {D(2025, 3, 1): {"reach": 90}}, name="Reach_2025-03-10.csv")
    accounts(con, [("facebook", "p1", "acme")])
    build_core(con, D(2025, 3, 1), D(2025, 3, 1))
    assert account_day(con, "facebook", "p1", D(2025, 3, 1), "reach") == 120  # exported 03-20
    assert account_day(con, "facebook", "p1", D(2025, 3, 1), "impressions") == 300  # only in the first file
    assert account_day(con, "facebook", "p1", D(2025, 3, 1), "source") == "export"


def test_platform_engagement_total_is_used_as_is_and_missing_metrics_stay_null(tmp_path):
    con = warehouse()
    land_days(con, tmp_path, "instagram", "i1", {D(2025, 3, 1): {"engagements": 42, "likes": 10},
                                                  D(2025, 3, 2): {"engagements": None}})
    accounts(con, [("instagram", "i1", "acme")])
    build_core(con, D(2025, 3, 1), D(2025, 3, 2))
    assert account_day(con, "instagram", "i1", D(2025, 3, 1), "engagements") == 42
    assert account_day(con, "instagram", "i1", D(2025, 3, 2), "engagements") is None
    assert account_day(con, "instagram", "i1", D(2025, 3, 2), "likes") is None  # never 0


def test_posts_are_counted_by_local_publish_date_on_covered_days(tmp_path):
    con = warehouse()
    path = tmp_path / "Mar-01-2025_Mar-03-2025_1.csv"
    path.write_text("posts")
    utc = dt.UTC
    posts = [
        # 2025-03-01 23:30 UTC is 2025-03-02 00:30 in Berlin
        PostRecord("p1", dt.datetime(2025, 3, 1, 23, 30, tzinfo=utc), "photo", "Photos", None, None),
        PostRecord("p2", dt.datetime(2025, 3, 1, 10, 0, tzinfo=utc), "reel", "Reels", None, None),
        PostRecord("p3", dt.datetime(2025, 3, 2, 9, 0, tzinfo=utc), "link", "Links", None, None),
    ]
    metrics = [PostMetricValue("p1", D(2025, 3, 3), "likes", "Reactions", 7)]
    parsed = ParsedExport("meta_posts", posts=posts, post_metrics=metrics)
    land_parsed_export(con, DropFile(path, "facebook/pg/" + path.name, "facebook", "pg"), file_hash(path), parsed,
                       "Europe/Berlin")
    from transforms.core import AccountRow, sync_accounts
    sync_accounts(con, [AccountRow("facebook", "pg", None, "acme", False, "Europe/Berlin")], [], "acme", "UTC")
    build_core(con, D(2025, 2, 28), D(2025, 3, 4))
    counts = dict(con.execute("SELECT date, posts_published FROM core.account_daily ORDER BY date").fetchall())
    # covered days 03-01..03-03 (from the file name); outside them no rows
    assert counts == {D(2025, 3, 1): 1, D(2025, 3, 2): 2, D(2025, 3, 3): 0}
    assert con.execute("SELECT published_date FROM core.posts WHERE post_id = 'p1'").fetchall()[0][0] == D(2025, 3, 2)
    assert con.execute("SELECT likes, impressions FROM core.post_snapshots").fetchall() == [(7.0, None)]


def test_post_daily_is_the_change_between_snapshots(tmp_path):
    con = warehouse()
    for day, likes, name in [(D(2025, 3, 1), 10, "a_2025-03-01.csv"), (D(2025, 3, 4), 25, "b_2025-03-04.csv")]:
        path = tmp_path / name
        path.write_text(name)
        parsed = ParsedExport("t", post_metrics=[PostMetricValue("p1", day, "likes", "Likes", likes),
                                                 PostMetricValue("p1", day, "saves", "Saves", None)])
        land_parsed_export(con, DropFile(path, "x/a/" + name, "x", "a"), file_hash(path), parsed, "UTC")
    accounts(con, [("x", "a", "acme")])
    build_core(con, D(2025, 3, 4), D(2025, 3, 4))  # the earlier snapshot lies before the window
    build_core(con, D(2025, 3, 1), D(2025, 3, 1))
    assert con.execute("SELECT date, likes, saves FROM core.post_daily").fetchall() == [(D(2025, 3, 4), 15.0, None)]


def test_followers_rebuild_backwards_from_a_later_known_count(tmp_path):
    con = warehouse()
    land_days(con, tmp_path, "youtube", "c1", {D(2025, 3, 1): {"followers_net_change": 5},
                                               D(2025, 3, 2): {"followers_net_change": -2},
                                               D(2025, 3, 3): {"followers_net_change": 4}})
    accounts(con, [("youtube", "c1", "acme")], anchors=[("youtube", "c1", D(2025, 3, 3), 100)])
    build_core(con, D(2025, 2, 28), D(2025, 3, 3))
    got = dict(con.execute("SELECT date, followers FROM core.account_daily ORDER BY date").fetchall())
    # end of 03-03 = 100; 03-02 = 100 - 4; 03-01 = 96 + 2; 02-28 = 98 - 5
    assert got == {D(2025, 2, 28): 93, D(2025, 3, 1): 98, D(2025, 3, 2): 96, D(2025, 3, 3): 100}


def test_rebuilding_a_window_twice_and_overlapping_is_identical(tmp_path):
    con = warehouse()
    land_days(con, tmp_path, "x", "a", {D(2025, 3, d): {"likes": d, "impressions": 10 * d} for d in range(1, 10)})
    accounts(con, [("x", "a", "acme")])
    build_core(con, D(2025, 3, 1), D(2025, 3, 9))
    first = con.execute("SELECT * FROM core.account_daily ORDER BY date").fetchall()
    build_core(con, D(2025, 3, 3), D(2025, 3, 6))
    build_core(con, D(2025, 3, 5), D(2025, 3, 9))
    assert con.execute("SELECT * FROM core.account_daily ORDER BY date").fetchall() == first


def _youtube_views(con, source, tmp_path, names: dict[str, str]) -> dict:
    """Land YouTube Studio files of `source` (as `names`: file -> drop-folder name) into one account."""
    import os
    import shutil

    from connectors.base import load_connectors
    from ingest.drop_folder import ingest_drop_folder

    folder = tmp_path / "exports" / "youtube" / "UCrehan"
    folder.mkdir(parents=True)
    for real, name in names.items():
        shutil.copyfile(source / real, folder / name)
        os.utime(folder / name, (1_740_000_000, 1_740_000_000))  # same modification day for all
    outcomes = ingest_drop_folder(con, tmp_path / "exports", load_connectors(), {}, "UTC")
    assert {o.status for o in outcomes} == {"loaded"}
    build_core(con, D(2025, 2, 1), D(2025, 3, 31))
    return dict(con.execute("SELECT date, video_views FROM core.account_daily WHERE account_id = 'UCrehan'").fetchall())


def test_youtube_totals_beat_chart_data_sums_exported_the_same_day(real_exports, tmp_path):
    import csv

    with (real_exports / "youtube" / "rehantharusha_traffic_source" / "Totals.csv").open(encoding="utf-8") as f:
        totals = {dt.date.fromisoformat(r["Date"]): float(r["Views"]) for r in csv.DictReader(f)}
    with (real_exports / "youtube" / "rehantharusha_traffic_source" / "Chart data.csv").open(encoding="utf-8") as f:
        sums: dict[dt.date, float] = {}
        for r in csv.DictReader(f):
            day = dt.date.fromisoformat(r["Date"])
            sums[day] = sums.get(day, 0.0) + float(r["Views"])
    assert totals[D(2025, 2, 27)] == 16481.0 and len(totals) == 28
    assert totals.keys() == sums.keys() and all(sums[d] <= totals[d] for d in totals)  # sums fall short...
    assert sum(sums[d] < totals[d] for d in totals) > 0  # ...on some days, so the two picks differ
    both = {"Totals.csv": "Totals.csv", "Chart data.csv": "Chart data.csv"}
    source = real_exports / "youtube" / "rehantharusha_traffic_source"
    assert _youtube_views(warehouse(), source, tmp_path / "same_day", both) == totals
    # exported later, the Chart data file wins, as any later file does (DESIGN: later export wins)
    later = {"Totals.csv": "Totals_2025-03-27.csv", "Chart data.csv": "Chart data_2025-03-28.csv"}
    assert _youtube_views(warehouse(), source, tmp_path / "later", later) == sums


def test_youtube_totals_beat_chart_data_sums_on_our_own_files(tmp_path):
    """The same quirk on tests/transforms/fixtures/youtube_same_day (sums 950/1200/900 vs totals 1000/1200/900)."""
    source = Path(__file__).parent / "fixtures" / "youtube_same_day"
    both = {"Totals.csv": "Totals.csv", "Chart data.csv": "Chart data.csv"}
    totals = {D(2025, 3, 1): 1000.0, D(2025, 3, 2): 1200.0, D(2025, 3, 3): 900.0}
    assert _youtube_views(warehouse(), source, tmp_path / "same_day", both) == totals
    later = {"Totals.csv": "Totals_2025-03-27.csv", "Chart data.csv": "Chart data_2025-03-28.csv"}
    assert _youtube_views(warehouse(), source, tmp_path / "later", later) == {
        D(2025, 3, 1): 950.0, D(2025, 3, 2): 1200.0, D(2025, 3, 3): 900.0}
