"""benchmarks/ingest_exports.py on a tiny size, and the streamed landing of large files it measures:
a file landed chunk by chunk gives exactly the raw rows of the whole-file path, errors name the
file's own row, and a refused file leaves nothing behind. No timing is asserted."""

from __future__ import annotations

import datetime as dt
import importlib
import random
import re
import shutil

import pytest

import ingest.drop_folder as exports
from connectors.base import load_connectors
from warehouse.connection import connect

bench = importlib.import_module("benchmarks.ingest_exports")
RAW = ("raw.account_daily_values", "raw.post_records", "raw.post_metric_values", "raw.export_coverage")
PAGE = "100000099999999"


def test_the_benchmark_runs_on_a_tiny_drop_folder(tmp_path, capsys):
    figures = bench.main(["--accounts", "2", "--days", "20", "--posts", "30", "--runs", "1",
                          "--memory-mb", "1", "--dir", str(tmp_path)])
    out = capsys.readouterr().out
    # 2 X overviews (20 days) + 2 x 6 Meta daily files (20 days) + 30 posts
    assert figures["files"] == 2 + 12 + 1
    assert figures["file_rows"] == figures["duckdb_rows"] == 2 * 20 + 12 * 20 + 30
    # X: 13 metric columns per day; Meta: one value per day, link clicks twice; posts: 1 + 7 metrics
    assert figures["values"] == 2 * 20 * 13 + 2 * 20 * 7 + 30 * 8
    assert figures["memory"]["statuses"] == ["loaded"] and figures["memory"]["peak_mib"] > 0
    for line in ("(a) drop folder -> core:", "(b) DuckDB read_csv + INSERT", "ratio pipeline / DuckDB =",
                 "(c) one per-post file of"):
        assert line in out


def test_the_large_file_alone_is_landed_and_read_once_per_run(tmp_path, capsys):
    figures = bench.main(["--accounts", "0", "--posts", "0", "--runs", "2", "--memory-mb", "1",
                          "--dir", str(tmp_path)])
    out = capsys.readouterr().out
    memory = figures["memory"]
    assert memory["runs"] == 2 and len(memory["ratios"]) == 2
    assert memory["statuses"] == ["loaded"] and memory["records"] == memory["posts"] * 8
    assert memory["cpu_s"] > 0
    assert "(c) one per-post file of" in out and "median of 2 run(s)" in out and "(a)" not in out


def _drop(tmp_path, posts=57):
    folder = tmp_path / "exports" / "facebook" / PAGE
    folder.mkdir(parents=True)
    days = [dt.date(2025, 1, 1) + dt.timedelta(days=i) for i in range(40)]
    bench.write_meta_posts(folder / "Jan-01-2025_Feb-09-2025_posts.csv", PAGE, posts, days, random.Random(5))
    return tmp_path / "exports", folder / "Jan-01-2025_Feb-09-2025_posts.csv"


def _land(tmp_path, exports_dir, name):
    with connect(tmp_path / f"{name}.duckdb") as con:
        outcomes = exports.ingest_drop_folder(con, exports_dir, load_connectors(), {}, "Europe/Berlin")
        tables = {t: con.execute(f"SELECT * EXCLUDE (source_key) FROM {t} ORDER BY ALL").fetchall() for t in RAW}
        files = con.execute("SELECT format, status, covers_start, covers_end, records, notes "
                            "FROM raw.export_files").fetchall()
    return outcomes, tables, files


def test_a_streamed_file_lands_exactly_like_a_whole_one(tmp_path, monkeypatch):
    exports_dir, _ = _drop(tmp_path)
    whole_outcomes, whole, whole_files = _land(tmp_path, exports_dir, "whole")
    monkeypatch.setattr(exports, "STREAM_MIN_BYTES", 0)
    monkeypatch.setattr(exports, "STREAM_CHUNK_ROWS", 7)  # 57 posts + header: 9 chunks
    streamed_outcomes, streamed, streamed_files = _land(tmp_path, exports_dir, "streamed")
    assert [o.status for o in whole_outcomes] == [o.status for o in streamed_outcomes] == ["loaded"]
    assert whole_outcomes[0].records == streamed_outcomes[0].records == 57 * 8
    assert streamed == whole
    assert len(whole["raw.post_records"]) == 57
    (w_format, w_status, w_start, w_end, w_records, w_notes), = whole_files
    (s_format, s_status, s_start, s_end, s_records, s_notes), = streamed_files
    assert (w_format, w_status, w_start, w_end, w_records) == (s_format, s_status, s_start, s_end, s_records)
    assert "57 posts, lifetime snapshot dated 2025-02-09" in w_notes
    assert "57 posts, lifetime snapshot dated 2025-02-09" in s_notes  # chunk counts add up
    assert "large file read in 9 chunks of up to 7 rows" in s_notes


@pytest.mark.parametrize("streamed", [False, True])
def test_a_bad_cell_names_the_same_file_row_streamed_or_not(tmp_path, monkeypatch, streamed):
    exports_dir, path = _drop(tmp_path, posts=30)
    text = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    # Each post is two physical lines (a two-line caption); post 25 is file row 26 (the header is row 1).
    line = 1 + 24 * 2 + 1
    assert ",Lifetime," in text[line]
    text[line] = re.sub(r",Lifetime,\d+,", ",Lifetime,12x4,", text[line], count=1)  # the Views cell
    path.write_text("".join(text), encoding="utf-8-sig")
    if streamed:
        monkeypatch.setattr(exports, "STREAM_MIN_BYTES", 0)
        monkeypatch.setattr(exports, "STREAM_CHUNK_ROWS", 4)
    outcomes, tables, _ = _land(tmp_path, exports_dir, "bad")
    assert outcomes[0].status == "quarantined"
    assert "row 26, column 'Views': not a number: '12x4'" in outcomes[0].reason
    assert all(not rows for rows in tables.values())  # nothing of the refused file stays in raw


def test_a_post_repeated_in_a_later_chunk_is_refused_and_leaves_nothing(tmp_path, monkeypatch):
    exports_dir, path = _drop(tmp_path, posts=20)
    text = path.read_text(encoding="utf-8-sig")
    rows = text.splitlines(keepends=True)
    path.write_text(text + "".join(rows[1:3]), encoding="utf-8-sig")  # post 1 again at the end
    monkeypatch.setattr(exports, "STREAM_MIN_BYTES", 0)
    monkeypatch.setattr(exports, "STREAM_CHUNK_ROWS", 5)
    outcomes, tables, files = _land(tmp_path, exports_dir, "twice")
    assert outcomes[0].status == "quarantined"
    assert "appears twice" in outcomes[0].reason
    assert all(not rows for rows in tables.values())
    assert [f[1] for f in files] == ["quarantined"]


def test_a_utf16_daily_file_streams_through_the_reader(tmp_path):
    """CsvStream reads Meta's UTF-16 `sep=,` daily files as read_sheets does (the head and chunks)."""
    from connectors.tables import CsvStream, read_sheets

    folder = tmp_path / "d"
    folder.mkdir()
    bench.write_meta_daily(folder, [dt.date(2025, 1, 1) + dt.timedelta(days=i) for i in range(30)],
                           random.Random(1))
    for path in folder.iterdir():
        stream = CsvStream(path, head_rows=5, chunk_rows=8)
        rows = [row for _, chunk in stream.chunks() for row in chunk]
        assert rows == read_sheets(path)[""]
        assert stream.head == rows[:5]
    shutil.rmtree(folder)


@pytest.mark.parametrize("repeat_a_post", [False, True])
def test_duckdb_memory_is_capped_while_a_file_streams_and_restored_after(tmp_path, monkeypatch, repeat_a_post):
    exports_dir, path = _drop(tmp_path, posts=20)
    if repeat_a_post:  # a refused file restores the setting too
        text = path.read_text(encoding="utf-8-sig")
        path.write_text(text + "".join(text.splitlines(keepends=True)[1:3]), encoding="utf-8-sig")
    monkeypatch.setattr(exports, "STREAM_MIN_BYTES", 0)
    monkeypatch.setattr(exports, "STREAM_CHUNK_ROWS", 5)
    during = []
    insert_frames = exports._insert_frames  # each chunk's records, written in their transaction

    def recording(con, frames):
        during.append(con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])
        insert_frames(con, frames)

    monkeypatch.setattr(exports, "_insert_frames", recording)
    with connect(tmp_path / "w.duckdb") as con:
        before = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
        outcomes = exports.ingest_drop_folder(con, exports_dir, load_connectors(), {}, "UTC")
        after = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    assert outcomes[0].status == ("quarantined" if repeat_a_post else "loaded")
    assert set(during) == {"244.1 MiB"}  # 256 MB, as DuckDB prints it
    assert after == before != "244.1 MiB"  # DuckDB's default again
