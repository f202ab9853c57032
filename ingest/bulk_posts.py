"""Large per-post exports read by DuckDB itself, the platform's quirks applied in SQL.

Python's csv module and the format's parser cost about 3 µs per cell: a 256 MiB per-post export
took up to 58 times as long as DuckDB's own `read_csv` of it (docs/benchmarks.md). A format that
declares its table as plain data (`post_table_layout`, connectors.base.PostTableLayout) is read
here with `read_csv`, every cell as text, and turned into the same raw records by
warehouse/sql/landing/*.sql. The
format's own `parse` stays the reference, and is used for:

- the rows the SQL cannot read exactly as it would (unusual whitespace, numbers other than the
  plain form, a day with a DST change...): parsed in Python, landed beside the others;
- the whole file, when DuckDB cannot read it as Python's csv module does (ragged rows, quoting
  Python reads leniently, carriage returns, an encoding other than UTF-8), or when any row is
  wrong (the Python path then reports the error with its file row, and quarantines as before).

`stage_post_table` returns None in those cases; the caller (ingest.drop_folder) then reads the
file in Python.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb
import numpy as np

from connectors.base import ExportContext, ExportFormat, ParsedExport, PostTableLayout
from connectors.tables import CsvStream
from connectors.values import PLACEHOLDERS
from ingest.records import Provenance, provenance_columns, raw_frames, record_count
from warehouse.writes import SQL_DIR, insert_frame, used_parameters

LANDING_SQL = SQL_DIR / "landing"
# DuckDB reads these encodings as CsvStream decodes them (a UTF-8 BOM is dropped by both).
_DUCKDB_ENCODINGS = {"utf-8": "utf-8", "utf-8-sig": "utf-8"}
# What DuckDB's reader treats differently from Python's lenient csv module: blanks between a
# delimiter and an opening quote, and after a closing quote (DuckDB drops them; Python keeps them,
# and the quotes as text). A closing quote is the last of an odd run of quotes inside a cell, or of
# an even run at its start (""). Searched in the raw bytes; a match sends the whole file to Python.
_LENIENT_QUOTING = (r'[{d}\n][ \t]+"(?:[^"]|"[{d}\r\n]|"")'
                    r'|(?<![{d}\n"])"(?:"")*[ \t]+[{d}\r\n]'
                    r'|(?<=[{d}\n])(?:"")+[ \t]+[{d}\r\n]')


def _statements(name: str, replacements: dict[str, str]) -> list[str]:
    sql = (LANDING_SQL / name).read_text(encoding="utf-8")
    for token, text in replacements.items():
        sql = sql.replace("{" + token + "}", text)
    return [statement for statement in sql.split(";\n") if statement.strip()]


def _column(position: int) -> str:
    return f"c{position}"


def _cells(layout: PostTableLayout) -> str:
    """The select list naming the cells the stage statement reads, from the declared positions."""
    titles = ", ".join(_column(p) for p in layout.title_columns)
    metrics = ", ".join(_column(p) for p, _, _ in layout.metrics)
    return (f"{_column(layout.post_id)} AS post_id_text, {_column(layout.published_local)} AS published_text, "
            f"{_column(layout.permalink)} AS permalink_text, {_column(layout.post_type)} AS type_text, "
            f"{_column(layout.period)} AS period_text, [{titles}]::VARCHAR[] AS title_texts, "
            f"[{metrics}]::VARCHAR[] AS metric_texts")


# Bytes that start a character Python's strip() or splitlines() treat as blank or as a line break
# and SQL's trim() does not (control characters; in UTF-8, U+0085, U+00A0, U+1680, U+2000-U+3000,
# U+FEFF start with C2, E1, E2, E3, EF): a file without any needs no per-cell check for them.
_SUSPECT_BYTES = bytes([0x00, 0x09, 0x0B, 0x0C, 0x1C, 0x1D, 0x1E, 0x1F, 0xC2, 0xE1, 0xE2, 0xE3, 0xEF])
_ORDINARY_BYTES = bytes(b for b in range(256) if b not in _SUSPECT_BYTES)


def _quote_beside_blank(window: bytes) -> bool:
    """Whether a quote has a space or tab on either side: four substring searches cost ~1 s over a
    256 MiB export full of quoted captions, this vectorised test about a third of that."""
    data = np.frombuffer(window, dtype=np.uint8)
    quote = data == ord('"')
    blank = (data == ord(" ")) | (data == ord("\t"))
    return bool((quote[1:] & blank[:-1]).any() or (quote[:-1] & blank[1:]).any())


@dataclass(frozen=True)
class FileTraits:
    """What one pass over the raw bytes tells before DuckDB reads the file."""

    lenient_quoting: bool  # quoting DuckDB and Python's csv module read differently
    suspect_whitespace: bool  # bytes of characters that only Python's strip() counts as blank
    carriage_return: bool


def scan_bytes(path: Path, delimiter: str) -> FileTraits:
    """One pass over the file in blocks: fast byte searches first, the quoting pattern only where a
    quote touches a blank."""
    pattern = re.compile(_LENIENT_QUOTING.format(d=re.escape(delimiter)).encode())
    lenient = suspect = carriage = False
    tail = b""
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(4 << 20), b""):
            window = tail + block
            if not lenient and _quote_beside_blank(window):
                lenient = pattern.search(window) is not None
            suspect = suspect or bool(block.translate(None, _ORDINARY_BYTES))
            carriage = carriage or b"\r" in block
            if lenient:
                break
            tail = block[-4096:]
    return FileTraits(lenient, suspect, carriage)


def day_offsets(days: list[dt.date], timezone: str) -> list[tuple[dt.date, int | None]]:
    """UTC offset in minutes of each local day; None for a day whose offset changes within it (DST):
    its rows are converted by the parser itself, which resolves gaps and overlaps as zoneinfo does."""
    zone = ZoneInfo(timezone)
    offsets: list[tuple[dt.date, int | None]] = []
    for day in days:
        start = dt.datetime.combine(day, dt.time(0, 0), zone)
        end = dt.datetime.combine(day, dt.time(23, 59), zone)
        seen = {moment.replace(fold=fold).utcoffset() for moment in (start, end) for fold in (0, 1)}
        offsets.append((day, int(seen.pop().total_seconds() // 60) if len(seen) == 1 else None))
    return offsets


def _python_rows(con: duckdb.DuckDBPyConnection, file_rows: str, post_id: str, params: dict[str, object],
                 ordinals: list[int]) -> list[list[str]] | None:
    """The cells of the rows the SQL left to the parser, as csv.reader gives them ("" for empty);
    None if the file read again does not number its rows as the staging did."""
    (statement,) = _statements("post_table_python_rows.sql", {"file_rows": file_rows, "post_id": post_id})
    rows = con.execute(statement, {**params, "ordinals": ordinals}).fetchall()
    if len(rows) != len(ordinals) or not all(row[-1] for row in rows):
        return None
    return [["" if cell is None else cell for cell in row[:-1]] for row in rows]


@dataclass
class StagedPosts:
    """A per-post export read into the temporary table post_table_rows, ready to insert."""

    layout: PostTableLayout
    python_part: ParsedExport  # the rows the SQL left to the format's parser, parsed by it
    python_rows: int
    sql_posts: int
    unknown_types: set[str]  # raw post types without a canonical type, in the whole file
    local_days: tuple[dt.date, dt.date] | None  # first and last local publish day of the whole file


def stage_post_table(con: duckdb.DuckDBPyConnection, fmt: ExportFormat, stream: CsvStream,
                     ctx: ExportContext) -> StagedPosts | None:
    """Read a large per-post export into post_table_rows with DuckDB; None (and nothing staged) when
    the file must be read by the Python parser instead (see the module doc). Call `drop_staged` after."""
    declare = getattr(fmt, "post_table_layout", None)
    layout: PostTableLayout | None = declare(stream.head) if declare else None
    encoding = _DUCKDB_ENCODINGS.get(stream.encoding)
    if layout is None or encoding is None:
        return None
    head = stream.head[:layout.header_index + 1]
    if any("\n" in cell or "\r" in cell for row in head for cell in row):  # read_csv skips lines, not rows
        return None
    try:
        ZoneInfo(ctx.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return None  # the parser reports the unknown timezone on the first post with a time
    traits = scan_bytes(ctx.path, stream.delimiter)
    if traits.lenient_quoting:
        return None
    whole_row = ", ".join(_column(i) for i in range(layout.width))
    columns = "{" + ", ".join(f"'{_column(i)}': 'VARCHAR'" for i in range(layout.width)) + "}"
    read_params = {"path": str(ctx.path), "skip": layout.header_index + 1 + stream.sep_line,
                   "delimiter": stream.delimiter, "encoding": encoding}
    (file_rows,) = _statements("post_table_cells.sql", {"columns": columns, "whole_row": whole_row,
                                                        "post_id": _column(layout.post_id)})
    stage = _statements("post_table_stage.sql", {"file_rows": file_rows, "cells": _cells(layout),
                                                 "whole_row": whole_row})
    params = {**read_params, "period_value": layout.period_value, "check_whitespace": traits.suspect_whitespace,
              "check_carriage_return": traits.carriage_return, "placeholders": sorted(PLACEHOLDERS),
              "type_names": [name for name, _ in layout.post_types],
              "type_values": [kind for _, kind in layout.post_types]}
    try:
        for statement in stage:
            con.execute(statement, used_parameters(params, statement)).fetchall()
    except (duckdb.InvalidInputException, duckdb.ConversionException):
        return None  # a file DuckDB cannot read as Python's csv module does (ragged rows, encoding...)
    (has_cr,) = con.execute("SELECT coalesce(bool_or(has_cr), false) FROM post_table_rows").fetchone()
    if has_cr:
        return None
    days = [day for (day,) in con.execute("SELECT DISTINCT CAST(published_local AS DATE) FROM post_table_rows "
                                          "WHERE published_local IS NOT NULL ORDER BY 1").fetchall()]
    con.execute("CREATE OR REPLACE TEMP TABLE post_table_offsets (day DATE, offset_minutes INTEGER)")
    if days:
        offsets = day_offsets(days, ctx.timezone)
        con.execute("INSERT INTO post_table_offsets SELECT unnest($days), unnest($minutes)",
                    {"days": [day for day, _ in offsets], "minutes": [minutes for _, minutes in offsets]})
        con.execute("UPDATE post_table_rows SET python_row = true FROM post_table_offsets AS o "
                    "WHERE o.day = CAST(published_local AS DATE) AND o.offset_minutes IS NULL")
    ordinals = [o for (o,) in con.execute("SELECT rowid FROM post_table_rows WHERE python_row "
                                          "ORDER BY rowid").fetchall()]
    python_part = ParsedExport(format=fmt.name)
    if ordinals:
        python_rows = _python_rows(con, file_rows, _column(layout.post_id), read_params, ordinals)
        if python_rows is None:
            return None
        try:
            python_part = fmt.parse({"": head + python_rows}, ctx)
        except Exception:  # the Python path reads the whole file and reports what is wrong
            return None
    python_ids = [post.post_id for post in python_part.posts]
    if con.execute("SELECT post_id FROM (SELECT post_id FROM post_table_rows WHERE NOT python_row "
                   "UNION ALL SELECT unnest(CAST($ids AS VARCHAR[]))) GROUP BY post_id HAVING count(*) > 1 LIMIT 1",
                   {"ids": python_ids}).fetchall():
        return None  # a post listed twice: the parser refuses the file naming both rows
    sql_posts, first, last = con.execute(
        "SELECT count(*), min(CAST(published_local AS DATE)), max(CAST(published_local AS DATE)) "
        "FROM post_table_rows WHERE NOT python_row").fetchone()
    unknown = {raw for (raw,) in con.execute("SELECT DISTINCT post_type_raw FROM post_table_rows "
                                             "WHERE NOT python_row AND post_type IS NULL AND post_type_raw IS NOT NULL"
                                             ).fetchall()}
    zone = ZoneInfo(ctx.timezone)
    local = [p.published_at.astimezone(zone).date() for p in python_part.posts if p.published_at]
    local += [day for day in (first, last) if day is not None]
    unknown |= {p.post_type_raw for p in python_part.posts if p.post_type is None and p.post_type_raw}
    return StagedPosts(layout, python_part, len(ordinals), sql_posts, unknown,
                       (min(local), max(local)) if local else None)


def insert_staged(con: duckdb.DuckDBPyConnection, staged: StagedPosts, origin: Provenance,
                  snapshot_date: dt.date) -> int:
    """Insert the staged rows (and the parser's) into raw; returns the records written."""
    metrics = staged.layout.metrics
    params = {**provenance_columns(origin), "snapshot_date": snapshot_date,
              "metrics": [metric for _, _, metric in metrics], "source_metrics": [name for _, name, _ in metrics]}
    for statement in _statements("post_table_insert.sql", {}):
        con.execute(statement, used_parameters(params, statement)).fetchall()
    for table, frame in raw_frames(staged.python_part, origin).items():
        insert_frame(con, table, frame)
    return staged.sql_posts * (1 + len(metrics)) + record_count(staged.python_part)


def drop_staged(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DROP TABLE IF EXISTS post_table_rows").fetchall()
    con.execute("DROP TABLE IF EXISTS post_table_offsets").fetchall()
