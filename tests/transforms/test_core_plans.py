"""Every join build_core and the ownership report plan is a hash join, never a nested loop.

Raw rows find their file in raw.export_files by (hash, platform, account); written with a
left-only condition in the ON clause (`v.source = 'export' AND f.file_hash = v.source_key`)
DuckDB plans a BLOCKWISE_NL_JOIN that compares every raw row with every landed file (seconds at a
few hundred files: docs/benchmarks.md). Plans, not timings.
"""

from __future__ import annotations

import datetime as dt
import json

import duckdb

from connectors.base import ParsedExport, PostMetricValue, PostRecord
from ingest.drop_folder import DropFile, file_hash, land_parsed_export
from ingest.ownership import conflicts
from tests.helpers import D, accounts, land_days, warehouse
from tests.transforms.test_nightly_scans import RecordingConnection
from transforms.core import build_core

LOOPED = {"NESTED_LOOP_JOIN", "BLOCKWISE_NL_JOIN", "PIECEWISE_MERGE_JOIN", "CROSS_PRODUCT"}


def operators(con: duckdb.DuckDBPyConnection, statement: str, parameters: object = None) -> list[str]:
    """The operator names of the statement's physical plan."""
    plan = con.execute(f"EXPLAIN (FORMAT JSON) {statement}", parameters).fetchall()[0][1]
    found, nodes = [], json.loads(plan)
    while nodes:
        node = nodes.pop()
        found.append(node["name"])
        nodes.extend(node.get("children", []))
    return found


def land_posts(con: duckdb.DuckDBPyConnection, tmp_path, account_id: str, name: str) -> None:
    folder = tmp_path / "exports" / "facebook" / account_id
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(name, encoding="utf-8")
    published = dt.datetime(2025, 1, 5, 12, tzinfo=dt.UTC)
    parsed = ParsedExport(format="test",
                          posts=[PostRecord("p1", published, "photo", "Photos", None, "t")],
                          post_metrics=[PostMetricValue("p1", D(2025, 1, 10), "views", "Views", 10.0)])
    land_parsed_export(con, DropFile(path, f"facebook/{account_id}/{name}", "facebook", account_id),
                       file_hash(path), parsed, "UTC")


def test_build_core_and_the_ownership_report_plan_no_nested_loop_join(tmp_path):
    con = warehouse()
    land_days(con, tmp_path, "facebook", "fb1", {D(2025, 1, 5): {"likes": 3.0, "impressions": 40.0}})
    land_posts(con, tmp_path, "fb1", "posts_2025-01-10.csv")
    land_posts(con, tmp_path, "fb2", "other_2025-01-10.csv")  # the same post id under another page
    con.execute("INSERT INTO raw.account_daily_values VALUES ('api', 'pull-1', TIMESTAMP '2025-01-06', 'facebook', "
                "'fb1', DATE '2025-01-05', 'likes', 'post_reactions', 4.0)")
    accounts(con, [("facebook", "fb1", "acme"), ("facebook", "fb2", "acme")])
    recording = RecordingConnection(con)
    build_core(recording, D(2025, 1, 1), D(2025, 1, 31))
    found = conflicts(recording)
    statements = [(s, p) for s, p in recording.statements if s.split()[0].upper() not in ("BEGIN", "COMMIT")]
    assert any("core.post_snapshots" in s for s, _ in statements)
    assert any("raw.post_conflicts" in s for s, _ in statements)
    for statement, parameters in statements:
        looped = LOOPED.intersection(operators(con, statement, parameters))
        assert not looped, (looped, " ".join(statement.split())[:120])
    for view in ("raw.post_owners", "raw.post_snapshots_picked", "raw.post_conflicts"):
        assert not LOOPED.intersection(operators(con, f"SELECT * FROM {view}")), view
    # what the plans serve: the API value wins, the post stays with fb1, fb2's copy is a conflict
    assert con.execute("SELECT account_id, likes, impressions, posts_published FROM core.account_daily "
                       "ORDER BY account_id").fetchall() == [("fb1", 4.0, 40.0, 1), ("fb2", None, None, 0)]
    assert con.execute("SELECT account_id, views FROM core.post_snapshots").fetchall() == [("fb1", 10.0)]
    assert [(c.kind, c.account_id, c.owner_account_id, c.count) for c in found] == [("post", "fb2", "fb1", 1)]


def test_the_left_only_join_condition_would_have_been_caught():
    """The check itself: the lookup as written before (migration 015) is planned as a nested loop."""
    con = warehouse()
    old = ("SELECT f.loaded_at FROM raw.post_metric_values AS m LEFT JOIN raw.export_files AS f "
           "ON m.source = 'export' AND f.file_hash = m.source_key AND f.platform = m.platform "
           "AND f.account_id = m.account_id")
    assert LOOPED.intersection(operators(con, old))
    new = old.replace("m.source = 'export' AND f.file_hash = m.source_key",
                      "f.file_hash = CASE WHEN m.source = 'export' THEN m.source_key END")
    assert not LOOPED.intersection(operators(con, new))
