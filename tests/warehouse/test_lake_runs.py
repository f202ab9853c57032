"""Reverting one run's commits to a DuckLake (DuckDB-file catalog here; the PostgreSQL catalog end
to end in tests/pipelines/test_ducklake.py): its rows go and come back, other runs' stay."""

import datetime as dt

import duckdb
import pytest

from warehouse.connection import DuckLake, connect
from warehouse.lake_runs import FEED_COLUMNS, REVERTED, begin_run, revert_run, run_commits, unresolved_runs
from warehouse.writes import RUN_VARIABLE, log_event, transaction

D = dt.date
VALUES = "SELECT platform, account_id, date, metric, value FROM raw.account_daily_values ORDER BY ALL"


@pytest.fixture
def lake(tmp_path):
    return DuckLake(str(tmp_path / "catalog.ducklake"), f"{tmp_path / 'files'}/")


def land(con: duckdb.DuckDBPyConnection, platform: str, days: list[int], value: float) -> None:
    con.executemany("INSERT INTO raw.account_daily_values VALUES ('export', 'f', TIMESTAMP '2025-02-01', ?, 'a1', "
                    "?, 'followers', 'followers', ?)", [[platform, D(2025, 1, d), value] for d in days])


def as_run(con: duckdb.DuckDBPyConnection, run_id: str | None) -> None:
    if run_id is None:
        con.execute(f"RESET VARIABLE {RUN_VARIABLE}")
    else:
        begin_run(con, run_id)


def test_a_reverted_run_leaves_its_rows_as_before_and_another_runs_rows_in_place(lake):
    with connect(lake) as con:
        land(con, "facebook", [1, 2, 3], 10)  # before either run
        land(con, "instagram", [1], 20)
        before = con.execute(VALUES).fetchall()

        as_run(con, "run-a")  # the run to revert: rewrites facebook days 2-3, updates a value, logs
        with transaction(con):
            con.execute("DELETE FROM raw.account_daily_values WHERE platform = 'facebook' AND date >= '2025-01-02'")
            land(con, "facebook", [2, 3, 4], 11)
        with transaction(con):
            con.execute("UPDATE raw.account_daily_values SET value = 21 WHERE platform = 'instagram'")
        log_event(con, "export_files", "loaded 3 records", run_id="run-a")

        as_run(con, "run-b")  # a platform run alongside, between run-a's commits
        with transaction(con):
            land(con, "tiktok", [1, 2], 30)
        log_event(con, "tiktok_api", "pulled", run_id="run-b")
        as_run(con, "run-a")
        with transaction(con):
            land(con, "facebook", [5], 12)

        assert unresolved_runs(con) == ["run-a", "run-b"]
        assert len(run_commits(con, "run-a")) == 3
        reverted = revert_run(con, "run-a")
        after = con.execute(VALUES).fetchall()
        tiktok = [("tiktok", "a1", D(2025, 1, d), "followers", 30.0) for d in (1, 2)]
        assert after == sorted(before + tiktok)
        assert reverted.removed == {"raw.account_daily_values": 5, "meta.load_log": 1}  # 4 inserted, 1 updated
        assert reverted.restored == {"raw.account_daily_values": 3}  # 2 deleted, 1 updated
        assert con.execute("SELECT run_id, message FROM meta.load_log").fetchall() == [("run-b", "pulled")]
        assert con.execute("SELECT outcome FROM meta.lake_runs WHERE run_id = 'run-a'").fetchall() == [(REVERTED,)]
        assert unresolved_runs(con) == ["run-b"]
        # the revert is one commit, marked as such; a second revert changes nothing
        last = con.execute("SELECT commit_extra_info FROM ducklake_snapshots('warehouse') "
                           "ORDER BY snapshot_id DESC LIMIT 1").fetchall()
        assert last == [('{"reverts": "run-a"}',)]
        assert revert_run(con, "run-a").already
        assert con.execute(VALUES).fetchall() == after


def test_a_table_a_later_run_rewrote_is_left_as_that_run_left_it(lake):
    with connect(lake) as con:
        land(con, "facebook", [1], 10)
        as_run(con, "run-a")
        with transaction(con):
            land(con, "facebook", [2], 11)
            con.execute("INSERT INTO meta.published_snapshots VALUES (1, TIMESTAMP '2025-01-01 00:00:00')")
        as_run(con, "run-b")  # rewrites the window run-a wrote: run-b's rows are the newer ones
        with transaction(con):
            con.execute("DELETE FROM raw.account_daily_values WHERE date = '2025-01-02'")
            land(con, "facebook", [2], 13)
        rewritten = con.execute(VALUES).fetchall()
        reverted = revert_run(con, "run-a")
        assert reverted.superseded == ["raw.account_daily_values"]
        assert reverted.removed == {"meta.published_snapshots": 1}
        assert con.execute(VALUES).fetchall() == rewritten
        assert con.execute("SELECT count(*) FROM meta.published_snapshots").fetchall() == [(0,)]


def test_commits_outside_a_run_carry_no_run(lake):
    with connect(lake) as con:
        as_run(con, None)
        with transaction(con):
            land(con, "facebook", [1], 10)
        assert con.execute("SELECT commit_extra_info FROM ducklake_snapshots('warehouse') "
                           "ORDER BY snapshot_id DESC LIMIT 1").fetchall() == [(None,)]
        assert unresolved_runs(con) == []


def test_no_table_hides_the_change_feed_columns(lake):
    with connect(lake) as con:
        assert con.execute("SELECT schema_name, table_name, column_name FROM duckdb_columns() "
                           "WHERE database_name = current_database() AND list_contains(?, column_name)",
                           [list(FEED_COLUMNS)]).fetchall() == []
        as_run(con, "run-a")
        with transaction(con):
            con.execute("CREATE TABLE meta.clash (rowid BIGINT)")
            con.execute("INSERT INTO meta.clash VALUES (1)")
        with pytest.raises(ValueError, match=r"meta.clash: column\(s\) rowid hide DuckLake's change feed"):
            revert_run(con, "run-a")
