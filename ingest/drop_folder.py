"""The export drop folder: `<exports_dir>/<platform>/<account_id>/<any file>`.

Each file is landed once, whole, by content hash into raw; a file that cannot be parsed is
moved to `<exports_dir>/_quarantine/<platform>/<account_id>/` with a `.reason.txt` beside it.
Nothing is ever deleted, and one bad file never stops the others.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import signal
import stat
import threading
import unicodedata
from collections.abc import Iterator, Mapping
from concurrent.futures import BrokenExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from connectors.base import Connector, ExportContext, ExportFileError, ExportFormat, ParsedExport
from connectors.tables import CsvStream, is_text_export, read_sheets
from ingest.bulk_posts import drop_staged, insert_staged, stage_post_table
from ingest.records import RAW_TABLES, Provenance, raw_frames, record_count
from ingest.workers import OrderedPool, auto_workers
from warehouse.writes import insert_frame, log_event, refresh_account_metrics, transaction, utc_now

QUARANTINE = "_quarantine"
FORGOTTEN = "_forgotten"  # files `socialkpi forget` moved out of the drop folder (ingest/ownership.py)
STEP = "export_files"

_MONTH_ABBR = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
# Dates that export file names carry: 2025-03-22, 20211201, Apr-14-2025 (month-name stamps).
_NAME_DATES = re.compile(
    rf"(?<!\d)(\d{{4}})-?(\d{{2}})-?(\d{{2}})(?!\d)|({_MONTH_ABBR})-(\d{{1,2}})-(\d{{4}})", re.IGNORECASE)


@dataclass(frozen=True)
class DropFile:
    path: Path
    relative: str
    platform: str  # canonical platform
    account_id: str


@dataclass(frozen=True)
class FileOutcome:
    relative: str
    platform: str
    account_id: str
    status: str  # loaded | skipped | quarantined | already_loaded | refused | conflict
    format: str | None = None
    records: int = 0
    reason: str | None = None


def dates_in_name(name: str) -> list[dt.date]:
    """Every valid date written in a file name, in order."""
    found = []
    for m in _NAME_DATES.finditer(name):
        try:
            if m.group(1):
                found.append(dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))))
            else:
                month = dt.datetime.strptime(m.group(4).title(), "%b").month
                found.append(dt.date(int(m.group(6)), month, int(m.group(5))))
        except ValueError:
            continue
    return found


def export_date_of(path: Path) -> dt.date:
    """The export date: the last date in the file name, else the file's modification date (UTC)."""
    named = dates_in_name(path.name)
    if named:
        return named[-1]
    return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).date()


@dataclass(frozen=True)
class FolderEntry:
    """Something in the drop folder that is not a folder (a file, a link, a pipe...), never opened."""

    path: Path
    relative: Path  # to the drop folder
    info: os.stat_result  # of the entry itself (lstat: a link is not followed)


def walk_drop_folder(exports_dir: Path) -> list[FolderEntry]:
    """Every entry of the drop folder that ingest and the sensor consider, in path order.

    Leaves out `_quarantine/`, `_forgotten/`, hidden files and folders, and never descends into a
    linked folder (a link could point outside the drop folder).
    """
    entries: list[FolderEntry] = []
    if not exports_dir.is_dir():
        return entries
    for folder, subfolders, names in os.walk(exports_dir, followlinks=False):
        relative_folder = Path(folder).relative_to(exports_dir)
        left_out = (QUARANTINE, FORGOTTEN) if relative_folder == Path(".") else ()
        subfolders[:] = [d for d in subfolders if not d.startswith(".") and d not in left_out]
        for name in names:
            if not name.startswith(".") and name not in left_out:
                path = Path(folder, name)
                entries.append(FolderEntry(path, relative_folder / name, os.lstat(path)))
    return sorted(entries, key=lambda entry: entry.relative.parts)


def scan_drop_folder(exports_dir: Path, registry: Mapping[str, Connector]) -> tuple[list[DropFile], list[FileOutcome]]:
    """Files to consider, and refusals for what does not fit the layout (left where they are)."""
    files: list[DropFile] = []
    refused: list[FileOutcome] = []
    root = exports_dir.resolve()
    for entry in walk_drop_folder(exports_dir):
        path, parts = entry.path, entry.relative.parts
        rel = entry.relative.as_posix()
        try:
            rel.encode("utf-8")
        except UnicodeEncodeError:  # bytes from another encoding in a name: unusable as text
            shown = rel.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            refused.append(FileOutcome(shown, "", "", "refused", reason="the file or folder name is not valid "
                                       "UTF-8 text; rename it (e.g. without accents) and it will load"))
            continue
        if path.is_symlink() or not path.resolve().is_relative_to(root):
            refused.append(FileOutcome(rel, "", "", "refused", reason="symbolic links are not followed; "
                                       "copy the file into the drop folder"))
            continue
        kind = _special_kind(entry.info.st_mode)
        if kind:  # opening a named pipe blocks until someone writes to it; a device never ends
            refused.append(FileOutcome(rel, "", "", "refused", reason=f"this is {kind}, not a file: it was left "
                                       "alone and not opened; copy the export file itself into the folder"))
            continue
        if len(parts) != 3:
            refused.append(FileOutcome(rel, "", "", "refused", reason="not in <platform>/<account_id>/<file>"))
            continue
        platform_dir, account_id, _ = parts
        connector = registry.get(platform_dir.lower())
        if connector is None:
            refused.append(FileOutcome(rel, platform_dir, account_id, "refused",
                                       reason=f"unknown platform folder {platform_dir!r} "
                                       f"(known: {', '.join(sorted(registry))})"))
            continue
        files.append(DropFile(path, rel, connector.platform, account_id))
    return files, refused


def _special_kind(mode: int) -> str | None:
    """What an entry is if it is not a regular file (never opened: a FIFO would block the run)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


# Wall-clock limit for reading and parsing one file read whole (streamed large files are bounded by
# their chunks instead). A file that takes longer is quarantined and the run goes on.
PARSE_TIME_LIMIT_S = 300.0


class ParseTimeLimit(BaseException):
    """Raised in the middle of parsing a file that exceeded PARSE_TIME_LIMIT_S; a BaseException, so
    no parser's `except Exception` turns it into another reason."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the block after `seconds` with ParseTimeLimit (a SIGALRM timer: main thread only;
    elsewhere the block runs without a limit)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise ParseTimeLimit

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class ParseResult:
    """A file parsed, or why not, as plain values: it crosses from a worker process (an
    ExportFileError cannot be unpickled) and the serial path handles it the same way."""

    parsed: ParsedExport | None
    failure: str | None = None  # 'unreadable' (ExportFileError) | 'time_limit' | 'parser_error'
    message: str = ""  # str(ExportFileError), or "<exception type>: <message>" of a parser bug


def parse_within_limit(drop: DropFile, connector: Connector, timezone: str) -> ParseResult:
    """parse_export_file within PARSE_TIME_LIMIT_S (the serial path, and each worker process)."""
    try:
        with time_limit(PARSE_TIME_LIMIT_S):
            return ParseResult(parse_export_file(drop, connector, timezone))
    except ParseTimeLimit:
        return ParseResult(None, "time_limit")
    except ExportFileError as exc:
        return ParseResult(None, "unreadable", str(exc))
    except Exception as exc:  # a parser bug must not lose the file or stop the others
        return ParseResult(None, "parser_error", f"{type(exc).__name__}: {exc}")


def parse_export_file(drop: DropFile, connector: Connector, timezone: str) -> ParsedExport:
    """Recognise the file's format from its content and parse it (ExportFileError if neither)."""
    sheets = read_sheets(drop.path)
    fmt = connector.recognise(sheets)
    if fmt is None:
        first = next((row for rows in sheets.values() for row in rows if any(c.strip() for c in row)), [])
        preview = ", ".join(c.strip() for c in first[:6] if c.strip())[:120]
        if not preview:
            raise ExportFileError(drop.path, f"not a recognised {connector.platform} export: it holds no "
                                  f"readable rows; download it again from {connector.platform}")
        if not _readable(preview):
            raise ExportFileError(drop.path, f"not a recognised {connector.platform} export: its first row is "
                                  "not readable text (the file is damaged or not a text export); download it "
                                  f"again from {connector.platform}")
        raise ExportFileError(drop.path, f"not a recognised {connector.platform} export (first row: {preview}); "
                              f"check that it is a {connector.platform} analytics export dropped in the "
                              "right platform's folder")
    ctx = ExportContext(path=drop.path, platform=drop.platform, account_id=drop.account_id,
                        timezone=timezone, export_date=export_date_of(drop.path))
    parsed = fmt.parse(sheets, ctx)
    parsed.format = parsed.format or fmt.name
    return parsed


_ESCAPES = re.compile(r"\\x[0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}|\\U[0-9a-fA-F]{8}|[\x00-\x08\x0b-\x1f\x7f]")


def plain_text(reason: str) -> str:
    """A reason as a person reads it: a damaged character quoted from the file (Python writes
    it as an escape such as \\x0c) is shown as the replacement mark, never as code."""
    return _ESCAPES.sub("\ufffd", reason)


def _readable(text: str) -> bool:
    """False for text that is mostly control characters, replacement marks or unassigned code points
    (binary or mis-decoded bytes): showing it would only confuse."""
    odd = sum(1 for ch in text if ch == "\ufffd" or (unicodedata.category(ch) in ("Cc", "Cn", "Co", "Cs")))
    return odd <= len(text) * 0.1


def quarantine(exports_dir: Path, drop: DropFile, reason: str) -> Path:
    """Move a file to the quarantine folder with a reason file; never overwrite, never delete."""
    target_dir = exports_dir / QUARANTINE / drop.platform / drop.account_id
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / drop.path.name
    n = 1
    while target.exists():
        target = target_dir / f"{drop.path.stem} ({n}){drop.path.suffix}"
        n += 1
    shutil.move(str(drop.path), target)
    target.with_name(target.name + ".reason.txt").write_text(
        f"{drop.relative}\n{reason}\nFix or re-download the file and drop it in "
        f"{drop.platform}/{drop.account_id}/ again.\n", encoding="utf-8")
    return target


def _posts_coverage(parsed: ParsedExport, drop: DropFile, timezone: str) -> tuple[dt.date, dt.date] | None:
    """Dates a per-post file covers: the parser's range, else a date range in the file name,
    else first..last publish date (local)."""
    if not parsed.posts:
        return None
    if parsed.covers:
        return parsed.covers
    named = _named_span(drop)
    if named:
        return named
    from zoneinfo import ZoneInfo

    local = [p.published_at.astimezone(ZoneInfo(timezone)).date() for p in parsed.posts if p.published_at]
    return (min(local), max(local)) if local else None


def _named_span(drop: DropFile) -> tuple[dt.date, dt.date] | None:
    """A date range written in the file name (at least two dates), else None."""
    named = dates_in_name(drop.path.name)
    return (min(named), max(named)) if len(named) >= 2 else None


def record_export_file(con: duckdb.DuckDBPyConnection, drop: DropFile, digest: str, *, status: str,
                       size_bytes: int, export_format: str | None = None, reason: str | None = None,
                       export_date: dt.date | None = None, covers: tuple[dt.date, dt.date] | None = None,
                       records: int = 0, notes: str | None = None) -> None:
    """The file's raw.export_files row, replacing the one an earlier attempt at the same file and
    account left (a quarantined file dropped again, an interrupted streamed load)."""
    con.execute("DELETE FROM raw.export_files WHERE file_hash = ? AND platform = ? AND account_id = ?",
                [digest, drop.platform, drop.account_id]).fetchall()
    con.execute(
        "INSERT INTO raw.export_files (file_hash, path, platform, account_id, format, status, reason, export_date, "
        "size_bytes, covers_start, covers_end, records, notes, loaded_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [digest, drop.relative, drop.platform, drop.account_id, export_format, status, reason, export_date,
         size_bytes, covers[0] if covers else None, covers[1] if covers else None, records, notes,
         utc_now()]).fetchall()


def _record_landed(con: duckdb.DuckDBPyConnection, drop: DropFile, digest: str, parsed: ParsedExport,
                   export_date: dt.date, coverage: tuple[dt.date, dt.date] | None, records: int) -> None:
    """What a loaded or skipped file adds besides its records: its posts' coverage and its file row."""
    if coverage:
        insert_frame(con, "raw.export_coverage", pd.DataFrame([{
            "source_key": digest, "platform": drop.platform, "account_id": drop.account_id,
            "kind": "posts", "covers_start": coverage[0], "covers_end": coverage[1]}]))
    record_export_file(con, drop, digest, status="skipped" if parsed.skipped_reason else "loaded",
                       size_bytes=drop.path.stat().st_size, export_format=parsed.format,
                       reason=parsed.skipped_reason, export_date=export_date, covers=parsed.covers or coverage,
                       records=records, notes="; ".join(parsed.notes) or None)


def _insert_frames(con: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame]) -> None:
    for table, frame in frames.items():
        insert_frame(con, table, frame)


def _origin(drop: DropFile, digest: str, export_date: dt.date) -> Provenance:
    return Provenance("export", digest, dt.datetime.combine(export_date, dt.time()), drop.platform,
                      drop.account_id)


def land_parsed_export(con: duckdb.DuckDBPyConnection, drop: DropFile, digest: str, parsed: ParsedExport,
                       timezone: str) -> int:
    """Write one parsed file into raw (records + raw.export_files row) in one transaction."""
    _write_parsed(con, [ParsedFile(drop, digest, parsed, timezone)], run_id=None, log=False)
    return record_count(parsed)


@dataclass(frozen=True)
class ParsedFile:
    """A file read whole and parsed, waiting to be written."""

    drop: DropFile
    digest: str
    parsed: ParsedExport
    timezone: str


def _write_parsed(con: duckdb.DuckDBPyConnection, files: list[ParsedFile], run_id: str | None,
                  *, log: bool) -> list[FileOutcome]:
    """Write parsed files into raw in one transaction: their records (one INSERT per raw table for
    files whose frames have the same columns), then each file's raw.export_files row and, with
    `log`, its load-log line. Each file stays all or nothing: its rows commit with its file row."""
    export_dates = [export_date_of(item.drop.path) for item in files]
    parts: dict[str, list[pd.DataFrame]] = {}
    for item, export_date in zip(files, export_dates, strict=True):
        for table, frame in raw_frames(item.parsed, _origin(item.drop, item.digest, export_date)).items():
            parts.setdefault(table, []).append(frame)
    outcomes = []
    with transaction(con):
        for table, frames in parts.items():
            for frame in _concat_alike(frames):
                insert_frame(con, table, frame)
        for item, export_date in zip(files, export_dates, strict=True):
            drop, parsed, records = item.drop, item.parsed, record_count(item.parsed)
            _record_landed(con, drop, item.digest, parsed, export_date,
                           _posts_coverage(parsed, drop, item.timezone), records)
            if log:
                _log_landed(con, drop, parsed, records, run_id)
            outcomes.append(_landed_outcome(drop, parsed, records))
    return outcomes


def _concat_alike(frames: list[pd.DataFrame]) -> list[pd.DataFrame]:
    """The frames in order, consecutive ones with the same columns and dtypes concatenated (a
    column of another dtype, e.g. dates with a gap read as objects, is inserted on its own)."""
    runs: list[list[pd.DataFrame]] = []
    for frame in frames:
        first = runs[-1][0] if runs else None
        if first is not None and list(first.columns) == list(frame.columns) and first.dtypes.equals(frame.dtypes):
            runs[-1].append(frame)
        else:
            runs.append([frame])
    return [run[0] if len(run) == 1 else pd.concat(run, ignore_index=True) for run in runs]


def _log_landed(con: duckdb.DuckDBPyConnection, drop: DropFile, parsed: ParsedExport, records: int,
                run_id: str | None) -> None:
    message = (f"skipped ({parsed.format}): {parsed.skipped_reason}" if parsed.skipped_reason
               else f"loaded {records} records ({parsed.format})")
    if parsed.notes:
        message += "; " + "; ".join(parsed.notes)
    log_event(con, STEP, message, platform=drop.platform, account_id=drop.account_id,
              subject=drop.relative, run_id=run_id)


def _landed_outcome(drop: DropFile, parsed: ParsedExport, records: int) -> FileOutcome:
    return FileOutcome(drop.relative, drop.platform, drop.account_id,
                       "skipped" if parsed.skipped_reason else "loaded", parsed.format, records, parsed.skipped_reason)


# Files read whole land in batches of up to LANDING_BATCH_ROWS records, one transaction per batch.
# Each commit syncs the WAL to disk and each statement has a fixed cost, both about what inserting
# a whole daily file costs: a transaction and an INSERT per file were most of landing a folder of
# daily files (docs/benchmarks.md). A failure rolls back the batch; its files then count as not
# loaded and land at the next run, as an interrupted file always did.
LANDING_BATCH_ROWS = 100_000


class _LandingBatch:
    """Parsed files waiting to be written together (in drop-folder order)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, run_id: str | None) -> None:
        self._con, self._run_id = con, run_id
        self._files: list[ParsedFile] = []
        self._rows = 0

    def add(self, item: ParsedFile) -> list[FileOutcome]:
        """Queue a file; the outcomes of the batch if this filled it (it is then written)."""
        self._files.append(item)
        self._rows += record_count(item.parsed)
        return self.flush() if self._rows >= LANDING_BATCH_ROWS else []

    def flush(self) -> list[FileOutcome]:
        """Write the queued files, if any: their outcomes, in order."""
        files, self._files, self._rows = self._files, [], 0
        return _write_parsed(self._con, files, self._run_id, log=True) if files else []


# Text exports at least this big are read and landed chunk by chunk when their format can be parsed
# that way (it has `stream_prefix_rows`, as per-post exports do): memory stays bounded by the chunk
# size instead of growing with the file. Smaller files (all daily files) are read whole.
STREAM_MIN_BYTES = 32 << 20
STREAM_CHUNK_ROWS = 20_000
# Text exports at least this big whose format declares its table (`post_table_layout`) are read by
# DuckDB (ingest.bulk_posts), falling back to the chunked or whole-file Python reading above.
BULK_MIN_BYTES = 4 << 20
_COUNTED_NOTE = re.compile(r"(\d+) (.+)", re.DOTALL)


@dataclass(frozen=True)
class LargeTextFile:
    """A text export landed by the main process without being read whole: by DuckDB (`bulk`), else
    chunk by chunk (`streamed`), else (bulk only, under STREAM_MIN_BYTES) read whole after all."""

    fmt: ExportFormat
    stream: CsvStream
    prefix: int  # title and header rows repeated before each chunk
    bulk: bool
    streamed: bool


def large_text_format(drop: DropFile, connector: Connector) -> LargeTextFile | None:
    """How a large text export is landed, if it is large enough and its format allows it."""
    size = drop.path.stat().st_size
    if not _may_be_large(size) or not is_text_export(drop.path):
        return None
    stream = CsvStream(drop.path, chunk_rows=STREAM_CHUNK_ROWS)
    fmt = connector.recognise({"": stream.head})
    prefix_rows = getattr(fmt, "stream_prefix_rows", None)
    prefix = prefix_rows(stream.head) if prefix_rows else None
    if fmt is None or not prefix:
        return None
    bulk = size >= BULK_MIN_BYTES and hasattr(fmt, "post_table_layout")
    streamed = size >= STREAM_MIN_BYTES
    return LargeTextFile(fmt, stream, prefix, bulk, streamed) if bulk or streamed else None


def _may_be_large(size: int) -> bool:
    return size >= min(BULK_MIN_BYTES, STREAM_MIN_BYTES)


def land_large_file(con: duckdb.DuckDBPyConnection, drop: DropFile, digest: str, large: LargeTextFile,
                    timezone: str) -> tuple[ParsedExport, int] | None:
    """Land a large file by DuckDB, else chunk by chunk; None if it is to be read whole after all."""
    landed = land_post_table(con, drop, digest, large.fmt, large.stream, timezone) if large.bulk else None
    if landed is None and large.streamed:
        landed = land_streamed_export(con, drop, digest, large.fmt, large.stream, large.prefix, timezone)
    return landed


def land_post_table(con: duckdb.DuckDBPyConnection, drop: DropFile, digest: str, fmt: ExportFormat,
                    stream: CsvStream, timezone: str) -> tuple[ParsedExport, int] | None:
    """Land a large per-post export read by DuckDB (ingest.bulk_posts) in one transaction: (summary,
    records), or None, with nothing landed, when the Python parser must read it (it then reports any
    error with the file's row, and quarantines as before)."""
    export_date = export_date_of(drop.path)
    ctx = ExportContext(path=drop.path, platform=drop.platform, account_id=drop.account_id,
                        timezone=timezone, export_date=export_date)
    # A cap as for a streamed load (see land_streamed_export); DuckDB spills what it stages beyond it.
    con.execute("SET memory_limit = ?", [BULK_LOAD_MEMORY_LIMIT]).fetchall()
    try:
        staged = stage_post_table(con, fmt, stream, ctx)
        if staged is None:
            return None
        posts = staged.sql_posts + len(staged.python_part.posts)
        summary = ParsedExport(format=fmt.name, notes=[
            *staged.layout.notes, *fmt.table_notes(staged.unknown_types, posts, export_date),
            f"large file read by DuckDB ({staged.python_rows} rows by the Python parser)"])
        coverage = (_named_span(drop) or staged.local_days) if posts else None
        with transaction(con):
            _delete_source(con, digest)  # what an interrupted chunked load of the same file left
            records = insert_staged(con, staged, _origin(drop, digest, export_date), export_date)
            _record_landed(con, drop, digest, summary, export_date, coverage, records)
        return summary, records
    finally:
        drop_staged(con)
        con.execute("RESET memory_limit").fetchall()


def _shifted(exc: ExportFileError, prefix: int, first_body_index: int) -> ExportFileError:
    """The error of a chunk parsed as `prefix rows + chunk rows`, with the row number of the file."""
    if exc.row is None or exc.row <= prefix:
        return exc
    return ExportFileError(exc.path, exc.reason, row=exc.row - prefix + first_body_index, column=exc.column)


def _merge_notes(merged: dict[str, int | None], notes: list[str]) -> None:
    """Notes of the chunks, once each; notes that start with a count ("12 posts, ...") add up."""
    for note in notes:
        counted = _COUNTED_NOTE.fullmatch(note)
        if counted:
            merged[counted.group(2)] = (merged.get(counted.group(2)) or 0) + int(counted.group(1))
        else:
            merged.setdefault(note, None)


def _span(a: tuple[dt.date, dt.date] | None, b: tuple[dt.date, dt.date] | None) -> tuple[dt.date, dt.date] | None:
    if a is None or b is None:
        return a or b
    return min(a[0], b[0]), max(a[1], b[1])


def _delete_source(con: duckdb.DuckDBPyConnection, digest: str) -> None:
    """Remove every raw record of one file (what an interrupted or refused streamed load left)."""
    accounts = con.execute("SELECT DISTINCT platform, account_id FROM raw.account_daily_values WHERE source_key = ?",
                           [digest]).fetchall()
    for table in RAW_TABLES.values():
        con.execute(f"DELETE FROM {table} WHERE source_key = ?", [digest]).fetchall()
    refresh_account_metrics(con, accounts)


# DuckDB's memory_limit while a large file streams in (see land_streamed_export), and while one is
# read by DuckDB (land_post_table: staging and inserting spill to disk beyond it).
STREAMED_LOAD_MEMORY_LIMIT = "256MB"
BULK_LOAD_MEMORY_LIMIT = "512MB"


def land_streamed_export(con: duckdb.DuckDBPyConnection, drop: DropFile, digest: str, fmt: ExportFormat,
                         stream: CsvStream, prefix: int, timezone: str) -> tuple[ParsedExport, int]:
    """Parse and land a large file chunk by chunk, one transaction per chunk.

    Each chunk is parsed as the file's title/header rows followed by the chunk's rows, so the parser
    and its quirks are those of a small file; errors name the file's own row. A post listed in two
    chunks is refused as the whole-file parser refuses it. The file's raw.export_files row is written
    last: until then the file counts as not loaded, and a failed or interrupted load (its records
    are deleted by source_key on failure and again before the next attempt) never leaves duplicates.
    One transaction for the whole file would make DuckDB hold every uncommitted row in memory.
    Runs only on a connection with no transaction open (it commits and checkpoints per chunk).
    Returns a ParsedExport holding the format, notes and covered dates (no records), and the number
    of records landed.
    """
    export_date = export_date_of(drop.path)
    ctx = ExportContext(path=drop.path, platform=drop.platform, account_id=drop.account_id,
                        timezone=timezone, export_date=export_date)
    origin = _origin(drop, digest, export_date)
    header_rows = stream.head[:prefix]
    summary = ParsedExport(format=fmt.name)
    notes: dict[str, int | None] = {}
    records = chunks = 0
    coverage = None
    _delete_source(con, digest)
    # DuckDB keeps the blocks it wrote in its buffer cache up to `memory_limit` (80% of RAM by
    # default): without a cap a 1 GiB file would leave ~0.4 GiB cached by the end. Capped for the
    # load, the process stays flat at a few hundred MiB whatever the file size. The warehouse runs
    # with DuckDB's default limit, which RESET restores (reading the setting back is rounded).
    con.execute("SET memory_limit = ?", [STREAMED_LOAD_MEMORY_LIMIT]).fetchall()
    try:
        for first_index, rows in stream.chunks():
            first_body_index = max(first_index, prefix)
            body = rows[first_body_index - first_index:]
            if not body:
                continue
            try:
                parsed = fmt.parse({"": header_rows + body}, ctx)
            except ExportFileError as exc:
                raise _shifted(exc, prefix, first_body_index) from exc
            chunks += 1
            with transaction(con):
                _insert_frames(con, raw_frames(parsed, origin))
            # Committed rows stay in memory until a checkpoint writes them to the file (DuckDB does
            # one on its own only every 16 MiB of WAL): checkpoint per chunk keeps memory flat.
            con.execute("CHECKPOINT").fetchall()
            records += record_count(parsed)
            _merge_notes(notes, parsed.notes)
            summary.format = parsed.format or fmt.name
            summary.skipped_reason = summary.skipped_reason or parsed.skipped_reason
            summary.covers = _span(summary.covers, parsed.covers)
            coverage = _span(coverage, _posts_coverage(parsed, drop, timezone))
        twice = con.execute("SELECT post_id FROM raw.post_records WHERE source_key = ? GROUP BY post_id "
                            "HAVING count(*) > 1 LIMIT 1", [digest]).fetchall()
        if twice:
            raise ExportFileError(drop.path, f"post {twice[0][0]} appears twice", column="Post ID")
        summary.notes = [note if count is None else f"{count} {note}" for note, count in notes.items()]
        summary.notes.append(f"large file read in {chunks} chunks of up to {stream.chunk_rows:,} rows")
        with transaction(con):
            _record_landed(con, drop, digest, summary, export_date, coverage, records)
    except Exception:
        _delete_source(con, digest)
        raise
    finally:
        con.execute("RESET memory_limit").fetchall()
    return summary, records


def ingest_drop_folder(con: duckdb.DuckDBPyConnection, exports_dir: Path, registry: Mapping[str, Connector],
                       timezones: Mapping[tuple[str, str], str], default_timezone: str,
                       run_id: str | None = None, workers: int | None = None) -> list[FileOutcome]:
    """Land every new file of the drop folder; quarantine the ones that cannot be parsed.

    Files read whole are parsed by `workers` processes (None: one per core when there is enough
    to parse; 0: in this process) while this process writes; files land in the same order, with
    the same rows, errors and quarantine either way.
    """
    files, outcomes = scan_drop_folder(exports_dir, registry)
    for refusal in outcomes:
        log_event(con, STEP, f"left in place: {refusal.reason}", level="warning", subject=refusal.relative,
                  platform=refusal.platform or None, account_id=refusal.account_id or None, run_id=run_id)
    # Which accounts each landed content hash belongs to: the same bytes under another account's
    # folder are a conflict (raw.file_conflicts, rebuilt from what the folder holds now).
    done: dict[str, list[tuple[str, str, str]]] = {}
    for digest, platform, account_id, path in con.execute(
            "SELECT file_hash, platform, account_id, path FROM raw.export_files "
            "WHERE status IN ('loaded', 'skipped') ORDER BY loaded_at, path").fetchall():
        done.setdefault(digest, []).append((platform, account_id, path))
    con.execute("DELETE FROM raw.file_conflicts")
    digests = {drop.relative: file_hash(drop.path) for drop in files}
    # Parsed ahead: files no account has landed yet that are read whole. (A copy of a file landed
    # earlier in this run turns out to be a conflict below: its parse is simply not used.)
    jobs = [(drop.relative, (drop, registry[drop.platform],
                             timezones.get((drop.platform, drop.account_id), default_timezone)))
            for drop in files if digests[drop.relative] not in done and large_text_format(drop, registry[drop.platform])
            is None]
    if workers is None:
        workers = auto_workers(len(jobs), sum(job[1][0].path.stat().st_size for job in jobs))
    with OrderedPool(parse_within_limit, jobs, workers) if workers > 0 and jobs else nullcontext() as ahead:
        outcomes += _land_files(con, exports_dir, files, digests, done, registry, timezones, default_timezone,
                                run_id, ahead)
    return outcomes


def _land_files(con: duckdb.DuckDBPyConnection, exports_dir: Path, files: list[DropFile], digests: dict[str, str],
                done: dict[str, list[tuple[str, str, str]]], registry: Mapping[str, Connector],
                timezones: Mapping[tuple[str, str], str], default_timezone: str, run_id: str | None,
                ahead: OrderedPool[ParseResult] | None) -> list[FileOutcome]:
    """Land the files in order: parsed by `ahead`'s workers where it has them, else here. Files read
    whole are written in batches (_LandingBatch); every other outcome first writes the batch, so
    files land, log and report in drop-folder order."""
    outcomes: list[FileOutcome] = []
    batch = _LandingBatch(con, run_id)
    for drop in files:
        digest = digests[drop.relative]
        owners = done.get(digest, [])
        if any(owner[:2] == (drop.platform, drop.account_id) for owner in owners):
            outcomes += batch.flush()
            outcomes.append(FileOutcome(drop.relative, drop.platform, drop.account_id, "already_loaded"))
            continue
        if owners:
            outcomes += batch.flush()
            outcomes.append(_file_conflict(con, drop, digest, owners[0], run_id))
            continue
        timezone = timezones.get((drop.platform, drop.account_id), default_timezone)
        if _may_be_large(drop.path.stat().st_size):  # written first, outside the try: a failed write
            outcomes += batch.flush()  # is the warehouse's, never this file's
        landed = None
        try:
            large = large_text_format(drop, registry[drop.platform])
            landed = land_large_file(con, drop, digest, large, timezone) if large else None
            if landed is not None:
                result = ParseResult(landed[0])
            elif ahead is not None and drop.relative in ahead:
                result = ahead.take(drop.relative)
            else:
                result = parse_within_limit(drop, registry[drop.platform], timezone)
        except (duckdb.Error, BrokenExecutor):  # the warehouse or a worker process failed, not the file
            raise
        except ExportFileError as exc:
            result = ParseResult(None, "unreadable", str(exc))
        except Exception as exc:  # a parser bug must not lose the file or stop the others
            result = ParseResult(None, "parser_error", f"{type(exc).__name__}: {exc}")
        if result.failure is not None:
            outcomes += batch.flush()
            outcomes.append(_parse_failed(con, exports_dir, drop, digest, result, run_id))
            continue
        done.setdefault(digest, []).append((drop.platform, drop.account_id, drop.relative))
        if landed is None:
            outcomes += batch.add(ParsedFile(drop, digest, result.parsed, timezone))
            continue
        parsed, records = landed
        _log_landed(con, drop, parsed, records, run_id)
        outcomes.append(_landed_outcome(drop, parsed, records))
    return outcomes + batch.flush()


def _parse_failed(con: duckdb.DuckDBPyConnection, exports_dir: Path, drop: DropFile, digest: str,
                  result: ParseResult, run_id: str | None) -> FileOutcome:
    """Quarantine a file that could not be parsed, with a reason a person can act on."""
    if result.failure == "time_limit":
        reason = (f"{drop.path.name}: reading the file took longer than the limit of {PARSE_TIME_LIMIT_S:.0f} "
                  "seconds; export a shorter date range and drop the smaller files instead")
    elif result.failure == "unreadable":
        reason = plain_text(result.message)
    else:
        # The person gets a sentence; the exception itself goes to the load log for a developer.
        log_event(con, STEP, f"parser error: {result.message}", level="error",
                  platform=drop.platform, account_id=drop.account_id, subject=drop.relative, run_id=run_id)
        reason = (f"{drop.path.name}: the file looks like a {drop.platform} export but its content does not "
                  "have the layout the reader expects (an unexpected value or a damaged file); download it "
                  "again, and if that fails report it with the file attached")
    return _quarantined(con, exports_dir, drop, digest, reason, run_id)


def _file_conflict(con: duckdb.DuckDBPyConnection, drop: DropFile, digest: str, owner: tuple[str, str, str],
                   run_id: str | None) -> FileOutcome:
    """The same bytes are landed for another account: record and report it, land nothing."""
    owner_platform, owner_account, owner_path = owner
    con.execute("INSERT INTO raw.file_conflicts VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [drop.relative, digest, drop.platform, drop.account_id, owner_platform, owner_account,
                 owner_path, utc_now()])
    reason = (f"not loaded: the same file is already loaded for {owner_platform}/{owner_account} "
              f"(as {owner_path}); a file belongs to the account of its folder, so one of the two copies "
              f"is in the wrong folder")
    log_event(con, STEP, f"conflict: {reason}", level="warning", platform=drop.platform,
              account_id=drop.account_id, subject=drop.relative, run_id=run_id)
    return FileOutcome(drop.relative, drop.platform, drop.account_id, "conflict", reason=reason)


def _quarantined(con: duckdb.DuckDBPyConnection, exports_dir: Path, drop: DropFile, digest: str,
                 reason: str, run_id: str | None) -> FileOutcome:
    size = drop.path.stat().st_size
    moved = quarantine(exports_dir, drop, reason)
    with transaction(con):
        record_export_file(con, drop, digest, status="quarantined", size_bytes=size, reason=reason,
                           notes=f"moved to {moved.relative_to(exports_dir).as_posix()}")
    log_event(con, STEP, f"quarantined: {reason}", level="error", platform=drop.platform,
              account_id=drop.account_id, subject=drop.relative, run_id=run_id)
    return FileOutcome(drop.relative, drop.platform, drop.account_id, "quarantined", reason=reason)
