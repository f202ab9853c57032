"""Large per-post exports read by DuckDB (ingest.bulk_posts) land exactly what the format's own
Python parser lands: the same raw rows, outcome, error, quarantine and file notes, on the project's
fixtures (quirks included), on files DuckDB must leave to Python, and on the real-export corpus.

Each file is landed twice into fresh warehouses: with the DuckDB path on (BULK_MIN_BYTES = 0) and
off (the files are small, so the parser reads them whole, as every small file is read)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from pathlib import Path

import pytest

import ingest.drop_folder as drop_folder
from connectors.base import load_connectors
from ingest.bulk_posts import day_offsets, scan_bytes
from warehouse.connection import connect

FIXTURES = Path(__file__).resolve().parent.parent / "transforms" / "fixtures" / "posts"
RAW = ("raw.post_records", "raw.post_metric_values", "raw.export_coverage", "raw.account_daily_values")
PAGE = "100000000000009"
HEADER = ["Post ID", "Page ID", "Page name", "Title", "Description", "Duration (sec)", "Publish time",
          "Caption type", "Permalink", "Is crosspost", "Is share", "Post type", "Languages", "Custom labels",
          "Funded content status", "Data comment", "Date", "Views", "Reach", "Reactions, Comments and Shares",
          "Reactions", "Comments", "Shares", "Total clicks"]
BULK_NOTE = "large file read by DuckDB"


def _post(n: int, *, title: str = "", description: str = "", published: str = "03/03/2025 10:00",
          post_type: str = "Photos", period: str = "Lifetime", views: str = "900", reach: str = "700",
          clicks: str = "25", post_id: str | None = None) -> list[str]:
    return [post_id if post_id is not None else f"5550000{n:02d}", PAGE, "Acme", title, description, "0", published,
            "N/A", f"https://www.facebook.com/5550000{n:02d}", "0", "0", post_type, "", "", "", "", period, views,
            reach, "60", "50", "6", "4", clicks]


def _csv_text(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


# The quirks of real per-post exports. Rows 3, 4, 10, 12 and 13 (post numbers) hold what the SQL
# leaves to the parser: a thousands separator, a percent string, a time in Berlin's DST gap, a tab
# and a no-break space (Python's strip() knows more whitespace than SQL's trim()).
QUIRKY_POSTS = [
    _post(1, title="Spring menu", description="Spring menu\nMore at acme.example"),
    _post(2, views="1777.0", reach="N/A", clicks="-1"),
    _post(3, title="Thousands", views="1,234"),
    _post(4, title="Percent", clicks="12%"),
    _post(5, title="Placeholders", views="--", reach="", clicks="-"),
    _post(6, title="\n\n   Second line comes first  \nthird line", description="ignored"),
    _post(7, title="🎉 Émile's " + "long caption " * 25),
    _post(8, title="", description="   \nOnly the description"),
    _post(9, post_type="REELS"),
    _post(10, title="Summer time starts", published="03/30/2025 02:30"),
    _post(11, post_type="Carousel album", published=""),
    _post(12, title="tab\there"),
    _post(13, title="no-break\u00a0space "),
    _post(14, title="single digits", published="3/4/2025 9:05", period="LIFETIME"),
    _post(15, post_id="  555000015 ", title="  padded id  "),
    _post(16, title='quote "inside" a caption, "and after a comma"'),
]
PYTHON_ROWS_OF_QUIRKY = 5


def _quirky_text(*, preamble: bool = False) -> str:
    """The posts with a row of empty cells and a blank line among them, optionally a title line first."""
    return (("Posts, Mar 1 - Mar 31\n" if preamble else "") + _csv_text([HEADER, *QUIRKY_POSTS[:8]])
            + "," * (len(HEADER) - 1) + "\n\n" + _csv_text(QUIRKY_POSTS[8:]))


def _land(tmp_path: Path, name: str, source: Path, *, bulk: bool, monkeypatch: pytest.MonkeyPatch,
          platform: str = "facebook", account: str = PAGE, timezone: str = "Europe/Berlin") -> dict[str, object]:
    """Land one file in a fresh drop folder and warehouse: what the warehouse and folder hold after."""
    exports = tmp_path / name / "exports"
    folder = exports / platform / account
    folder.mkdir(parents=True)
    shutil.copy(source, folder / source.name)
    monkeypatch.setattr(drop_folder, "BULK_MIN_BYTES", 0 if bulk else 1 << 40)
    with connect(tmp_path / name / "w.duckdb") as con:
        outcomes = drop_folder.ingest_drop_folder(con, exports, load_connectors(), {}, timezone, workers=0)
        tables = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in RAW}
        files = con.execute("SELECT format, status, reason, covers_start, covers_end, records, notes "
                            "FROM raw.export_files").fetchall()
    quarantined = sorted((p.relative_to(exports).as_posix(), p.read_text(encoding="utf-8") if p.suffix == ".txt"
                          else p.read_bytes()) for p in (exports / "_quarantine").rglob("*") if p.is_file())
    notes = [f[-1] or "" for f in files]
    return {"outcomes": [(o.status, o.format, o.records, o.reason) for o in outcomes], "tables": tables,
            "files": [(*f[:-1], "; ".join(n for n in (f[-1] or "").split("; ") if not n.startswith(BULK_NOTE)))
                      for f in files],
            "quarantined": quarantined, "read_by_duckdb": [n.split(BULK_NOTE)[1][:40] for n in notes if BULK_NOTE in n]}


def _both(tmp_path: Path, source: Path, monkeypatch: pytest.MonkeyPatch, **where: str) -> tuple[dict, dict]:
    python = _land(tmp_path, "python", source, bulk=False, monkeypatch=monkeypatch, **where)
    duckdb = _land(tmp_path, "duckdb", source, bulk=True, monkeypatch=monkeypatch, **where)
    assert python["read_by_duckdb"] == []
    return python, duckdb


def _same(python: dict, duckdb: dict) -> None:
    for key in ("outcomes", "tables", "files", "quarantined"):
        assert duckdb[key] == python[key], key


@pytest.mark.parametrize("preamble", [False, True])
def test_quirky_posts_land_the_same_rows_read_by_duckdb(tmp_path, monkeypatch, preamble):
    source = tmp_path / "Mar-01-2025_Mar-31-2025_posts.csv"
    source.write_text(_quirky_text(preamble=preamble), encoding="utf-8-sig")  # Meta writes a BOM
    python, duckdb = _both(tmp_path, source, monkeypatch)
    _same(python, duckdb)
    assert duckdb["read_by_duckdb"] == [f" ({PYTHON_ROWS_OF_QUIRKY} rows by the Python parser)"]
    posts = {row[5]: row for row in duckdb["tables"]["raw.post_records"]}
    assert len(posts) == len(QUIRKY_POSTS)
    # Values worked out by hand (Berlin is UTC+1 in winter; 02:30 on 30 March does not exist and
    # zoneinfo reads it with the winter offset).
    assert posts["555000001"][6:] == (dt.datetime(2025, 3, 3, 9, 0), "photo", "Photos",
                                      "https://www.facebook.com/555000001", "Spring menu")
    assert posts["555000006"][10] == "Second line comes first"
    assert posts["555000007"][10] == ("🎉 Émile's " + "long caption " * 25)[:200].rstrip()
    assert posts["555000008"][10] == "Only the description"
    assert posts["555000009"][7:9] == ("reel", "REELS")
    assert posts["555000010"][6] == dt.datetime(2025, 3, 30, 1, 30)
    assert posts["555000011"][6:9] == (None, None, "Carousel album")
    assert posts["555000014"][6] == dt.datetime(2025, 3, 4, 8, 5)
    assert posts["555000015"][10] == "padded id"
    values = {(row[5], row[8]): row[9] for row in duckdb["tables"]["raw.post_metric_values"]}
    assert values[("555000002", "Views")] == 1777.0 and values[("555000002", "Reach")] is None
    assert values[("555000003", "Views")] == 1234.0 and values[("555000004", "Total clicks")] == 12.0
    assert [values[("555000005", m)] for m in ("Views", "Reach", "Total clicks")] == [None, None, None]
    assert len(values) == len(QUIRKY_POSTS) * 7
    (file,) = duckdb["files"]
    assert file[:6] == ("meta_post_export", "loaded", None, dt.date(2025, 3, 1), dt.date(2025, 3, 31),
                        len(QUIRKY_POSTS) * 8)
    assert "post types without a canonical type (kept raw): ['Carousel album']" in file[6]


def test_the_project_fixture_lands_the_same_rows_read_by_duckdb(tmp_path, monkeypatch):
    python, duckdb = _both(tmp_path, FIXTURES / "Mar-01-2025_Mar-05-2025_100000000000009.csv", monkeypatch)
    _same(python, duckdb)
    assert duckdb["read_by_duckdb"] == [" (0 rows by the Python parser)"]
    assert duckdb["tables"]["raw.post_records"]


def _edited(n: int, **changes: str) -> list[list[str]]:
    rows = [HEADER, *(_post(i) for i in range(1, 7))]
    rows[n] = _post(n, **changes)
    return rows


# Files with a wrong row: the parser reports it (with its file row), the file is quarantined.
BAD_FILES = {
    "a cell that is not a number": (_edited(4, views="12x4"), "row 5, column 'Views': not a number: '12x4'"),
    "a post listed twice": ([HEADER, *(_post(i) for i in range(1, 5)), _post(2)], "post 555000002 appears twice"),
    "a period other than Lifetime": (_edited(3, period="Daily"), "row 4, column 'Date': period 'Daily'"),
    "a post id a spreadsheet rounded": (_edited(2, post_id="5.55E+08"), "row 3, column 'Post ID'"),
    "a post without an id": (_edited(6, post_id=""), "row 7, column 'Post ID': post without a Post ID"),
    "a publish time in another order": (_edited(5, published="2025-03-03 10:00"), "row 6, column 'Publish time'"),
    "an impossible date": (_edited(1, published="02/30/2025 10:00"), "row 2, column 'Publish time'"),
    "a row longer than the header": ([HEADER, _post(1), [*_post(2), "surplus"]], "row 3: row has 25 cells"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_file_is_refused_and_quarantined_the_same_way(tmp_path, monkeypatch, case):
    rows, reason = BAD_FILES[case]
    source = tmp_path / "posts.csv"
    source.write_text(_csv_text(rows), encoding="utf-8-sig")
    python, duckdb = _both(tmp_path, source, monkeypatch)
    _same(python, duckdb)
    (outcome,) = duckdb["outcomes"]
    assert outcome[0] == "quarantined" and reason in outcome[3]
    assert all(not rows for rows in duckdb["tables"].values())  # nothing of the refused file stays in raw
    assert [name for name, _ in duckdb["quarantined"]] == [f"_quarantine/facebook/{PAGE}/posts.csv",
                                                         f"_quarantine/facebook/{PAGE}/posts.csv.reason.txt"]


def _with(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


BASE = _csv_text([HEADER, *(_post(i) for i in range(1, 6))])
# Files DuckDB does not read as Python's csv module does: the parser reads them whole instead
# (the last one DuckDB reads alike: a trailing delimiter after the last cell).
ODD_FILES = {
    "ragged rows (Meta drops trailing empty cells)": (BASE.replace(",60,50,6,4,25\n", ",60,50,6\n"), "utf-8-sig",
                                                      False),
    "spaces before a quoted cell": (_with(BASE, ",Acme,", ', "Acme",'), "utf-8-sig", False),
    "spaces after a quoted cell": (_with(BASE, ",Acme,", ',"Acme" ,'), "utf-8-sig", False),
    "a carriage return inside a cell": (_with(BASE, ",Acme,", ',"Ac\rme",'), "utf-8-sig", False),
    "Windows-1252 text": (_with(BASE, ",Acme,", ",Café,"), "cp1252", False),
    "an empty cell past the header on every row": (BASE.replace(",25\n", ",25,\n"), "utf-8", True),
}


@pytest.mark.parametrize("case", sorted(ODD_FILES))
def test_a_file_duckdb_cannot_read_alike_is_read_by_the_parser(tmp_path, monkeypatch, case):
    text, encoding, read_by_duckdb = ODD_FILES[case]
    source = tmp_path / "posts.csv"
    source.write_bytes(text.encode(encoding))
    python, duckdb = _both(tmp_path, source, monkeypatch)
    _same(python, duckdb)
    assert bool(duckdb["read_by_duckdb"]) is read_by_duckdb
    assert [o[0] for o in duckdb["outcomes"]] == ["loaded"]
    assert len(duckdb["tables"]["raw.post_records"]) == 5


@pytest.mark.parametrize(("cells", "lenient"), [
    ('a, "b",c', True), ('a,\t"b",c', True), ('a,"b" ,c', True), ('a,"b"\t,c', True), ('a,"" ,c', True),
    ('a,"b c",d', False), ('a,"b "" c",d', False), ('a b,"c",d', False), ('a,"b",c d', False),
])
def test_the_byte_scan_finds_quotes_read_leniently_even_across_blocks(tmp_path, cells, lenient):
    # the row sits at the start, across the first 4 MiB block boundary, and at the very end
    filler = "x,y,z\n" * ((4 << 20) // 6)
    for at in ("start", "boundary", "end"):
        path = tmp_path / f"{at}.csv"
        before = {"start": "", "boundary": filler[:(4 << 20) - 3], "end": filler}[at]
        path.write_bytes((before + ("\n" if before and not before.endswith("\n") else "") + cells + "\n").encode())
        assert scan_bytes(path, ",").lenient_quoting is lenient, at


def test_days_with_a_dst_change_are_left_to_the_parser():
    days = [dt.date(2025, 3, 29), dt.date(2025, 3, 30), dt.date(2025, 3, 31), dt.date(2025, 10, 26)]
    assert day_offsets(days, "Europe/Berlin") == [(days[0], 60), (days[1], None), (days[2], 120), (days[3], None)]
    assert day_offsets(days[:1], "America/Sao_Paulo") == [(days[0], -180)]


REAL_POST_FILES = [
    ("facebook", "oigetit_mbs_2025", "Jan-14-2025_Apr-14-2025_1396269028466733.csv", "Africa/Johannesburg"),
    ("instagram", "elitravelguy_mbs_2026", "May-25-2026_Jun-21-2026_1493633672508178.csv", "Europe/London"),
]


@pytest.mark.parametrize(("platform", "folder", "name", "timezone"), REAL_POST_FILES)
def test_real_per_post_exports_land_the_same_rows_read_by_duckdb(tmp_path, monkeypatch, real_exports, platform,
                                                                 folder, name, timezone):
    python, duckdb = _both(tmp_path, real_exports / platform / folder / name, monkeypatch, platform=platform,
                           account="1", timezone=timezone)
    _same(python, duckdb)
    assert [o[0] for o in duckdb["outcomes"]] == ["loaded"]
    assert duckdb["tables"]["raw.post_records"]
