"""Read any native export file (CSV in any of its encodings, .xls, .xlsx) into rows of strings.

Every parser works on the same shape, `{sheet name: [[cell, ...], ...]}` (a CSV is one sheet
named ""), so format recognition looks at content and never at file names or extensions.
Cells are strings exactly as the file shows them; numbers and dates are read by
connectors.values, which knows the placeholders and locales.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import re
import xml.etree.ElementTree as ET
import zipfile
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from connectors.base import ExportContext, ExportFileError, ParsedExport

Sheets = dict[str, list[list[str]]]

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy BIFF .xls
_SPREADSHEETML_NS = "urn:schemas-microsoft-com:office:spreadsheet"

# Resource limits per file (docs/exports.md "Limits"). A file read whole is held in memory several
# times over (bytes, text, rows of cells), so whole-file reads stop at MAX_WHOLE_FILE_BYTES; larger
# CSV exports are streamed where their format allows it. An .xlsx is a zip archive: its declared
# uncompressed size and compression ratio are checked before any sheet is read, so a small file
# that expands to gigabytes (a zip bomb) is refused up front. zipfile never inflates an entry past
# its declared size, so the declared sizes bound what is read.
MIB = 1 << 20
MAX_WHOLE_FILE_BYTES = 512 * MIB
MAX_XLSX_UNCOMPRESSED_BYTES = 256 * MIB
MAX_XLSX_RATIO = 200  # uncompressed / compressed, per entry over 1 MiB; real sheets stay far below


def _size_text(n: float) -> str:
    if n < 1024:
        return f"{n:,.0f} bytes"
    return f"{n / MIB:,.0f} MiB" if n >= MIB else f"{n / 1024:,.0f} KiB"


def read_sheets(path: Path) -> Sheets:
    """All sheets of an export file as rows of string cells.

    Raises ExportFileError for empty, truncated, undecodable or oversized files.
    """
    size = path.stat().st_size
    if size > MAX_WHOLE_FILE_BYTES:
        raise ExportFileError(path, f"the file is {_size_text(size)}, over the limit of "
                              f"{_size_text(MAX_WHOLE_FILE_BYTES)} for a file of this kind; export a "
                              "shorter date range (or fewer columns) and drop the smaller files instead")
    data = path.read_bytes()
    if not data.strip(b"\x00\r\n\t \xef\xbb\xbf\xff\xfe"):
        raise ExportFileError(path, "the file is empty (the download or copy did not finish); download it again")
    if data.startswith(_OLE2_MAGIC):
        return _read_biff_xls(path, data)
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(path, data)
    text = decode_text(path, data)
    if text.lstrip().startswith("<?xml") and _SPREADSHEETML_NS in text[:2000]:
        return _read_spreadsheetml(path, text)
    return {"": read_csv_text(path, text)}


# Cells longer than this are refused as malformed (Python's csv default is 128 KiB, less than
# the longest real captions); a quote that never closes would otherwise swallow the whole file.
MAX_CELL_CHARS = 8 * MIB
csv.field_size_limit(MAX_CELL_CHARS)

_BOMS = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' for UTF-16 text without a BOM (tools that re-save exports write it
    so): mostly-ASCII text then has a zero byte in every other position."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    zeros_even, zeros_odd = even.count(0) / len(even), odd.count(0) / len(odd)
    if zeros_odd > 0.4 and zeros_even < 0.05:
        return "utf-16-le"
    if zeros_even > 0.4 and zeros_odd < 0.05:
        return "utf-16-be"
    return None


def decode_text(path: Path, data: bytes) -> str:
    """Decode the text of an export as the tools that write and re-save exports do.

    UTF-16 LE/BE with a BOM (Meta daily files) or without one; UTF-8 with or without a BOM (even a
    doubled one); anything else as Windows-1252 (old Excel re-saves). Byte-order marks anywhere in
    the text are dropped (a re-saved file can carry one inside a header name), and CR-only or mixed
    line endings become LF, so `sep=` lines and rows are found whatever the line endings.
    """
    encoding = _BOMS.get(data[:2]) or _utf16_without_bom(data)
    if encoding:
        if data[:2] in _BOMS:
            data = data[2:]
        if len(data) % 2:
            raise ExportFileError(path, "the file ends in the middle of a character, so the download was "
                                  "probably cut off; download it again")
        text = data.decode(encoding, errors="replace")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    return text.replace("\ufeff", "").replace("\r\n", "\n").replace("\r", "\n")


def read_csv_text(path: Path, text: str) -> list[list[str]]:
    """Rows of a CSV text. Honours Excel's `sep=X` first line; else picks `,`, `;` or tab.

    Multi-line quoted cells (captions) stay one cell. Trailing empty rows are dropped.
    """
    delimiter = None
    first_line, _, rest = text.partition("\n")
    sep_hint = re.fullmatch(r'"?sep=(.)"?\r?', first_line.strip("\ufeff"))
    if sep_hint:
        delimiter = sep_hint.group(1)
        text = rest
    if delimiter is None:
        delimiter = _sniff_delimiter(text)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False))
    except csv.Error as exc:
        raise ExportFileError(path, _csv_problem(exc)) from exc
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    return rows


def _csv_problem(exc: csv.Error) -> str:
    """A csv.Error in words a person can act on."""
    if "field larger than field limit" in str(exc):
        return (f"a cell is longer than {MAX_CELL_CHARS // MIB} million characters, which usually means a quote "
                "mark opens a cell and never closes it; download the file again, or open it in a spreadsheet "
                "program and save it as CSV")
    return ("the CSV structure is broken (for example a stray quote mark or a NUL character); download the "
            "file again, or open it in a spreadsheet program and save it as CSV")


def _sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first non-empty lines most consistently (`,` on ties)."""
    lines = [line for line in text.splitlines()[:20] if line.strip()][:10]
    best, best_score = ",", 0.0
    for candidate in (",", ";", "\t"):
        try:
            counts = [len(next(csv.reader([line], delimiter=candidate))) for line in lines]
        except csv.Error:  # a line too long to be a header; the full read reports it
            continue
        if not counts:
            continue
        score = min(counts) if max(counts) > 1 else 0
        if score > best_score:
            best, best_score = candidate, score
    return best


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep="T") if value.time() != dt.time(0) else value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_biff_xls(path: Path, data: bytes) -> Sheets:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data)
    except Exception as exc:  # xlrd raises bare XLRDError / struct / index errors on cut files
        raise ExportFileError(path, "the .xls workbook is damaged or incomplete (the download was probably cut "
                              "off); download it again, or open it in a spreadsheet program and save it as "
                              ".xlsx") from exc
    sheets: Sheets = {}
    for sheet in book.sheets():
        rows = []
        for r in range(sheet.nrows):
            cells = []
            for c in range(sheet.ncols):
                cell = sheet.cell(r, c)
                if cell.ctype == xlrd.XL_CELL_DATE:
                    value: object = xlrd.xldate_as_datetime(cell.value, book.datemode)
                else:
                    value = cell.value
                cells.append(_cell_text(value))
            rows.append(cells)
        sheets[sheet.name] = rows
    return sheets


def check_xlsx_archive(path: Path, data: bytes) -> None:
    """Refuse an .xlsx whose archive would expand beyond the limits, before reading any sheet."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ExportFileError(path, "the .xlsx workbook is damaged or incomplete (the download was probably "
                              "cut off); download it again") from exc
    total = sum(e.file_size for e in entries)
    if total > MAX_XLSX_UNCOMPRESSED_BYTES:
        raise ExportFileError(path, f"the .xlsx workbook would expand to {_size_text(total)}, over the limit of "
                              f"{_size_text(MAX_XLSX_UNCOMPRESSED_BYTES)}; export a shorter date range, or save "
                              "it as CSV, and drop that instead")
    for entry in entries:
        ratio = entry.file_size // max(entry.compress_size, 1)
        if entry.file_size > MIB and ratio > MAX_XLSX_RATIO:
            raise ExportFileError(path, f"the .xlsx workbook is compressed {ratio:,} to 1, which no spreadsheet "
                                  f"program writes (the limit is {MAX_XLSX_RATIO} to 1): it is not a genuine "
                                  "export; download it again from the platform")


def _read_xlsx(path: Path, data: bytes) -> Sheets:
    import openpyxl

    check_xlsx_archive(path, data)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheets: Sheets = {}
        for ws in book.worksheets:
            sheets[ws.title] = [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
        book.close()
    except Exception as exc:  # openpyxl and its XML and zip layers raise many kinds on damaged files
        raise ExportFileError(path, "the .xlsx workbook is damaged or was not written by a spreadsheet program "
                              "(its sheets cannot be read); download it again, or open it in a spreadsheet "
                              "program and save it again") from exc
    return sheets


def _read_spreadsheetml(path: Path, text: str) -> Sheets:
    """Excel 2003 XML ("SpreadsheetML"), which Facebook's legacy Insights saved as .xls."""
    ns = {"ss": _SPREADSHEETML_NS}
    try:
        root = ET.fromstring(text.encode("utf-8"))
    except ET.ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        where = f" at line {line}" if line else ""
        raise ExportFileError(path, f"the Excel 2003 XML workbook is cut off or damaged{where}; download it "
                              "again, or open it in a spreadsheet program and save it as .xlsx") from exc
    index_attr = f"{{{_SPREADSHEETML_NS}}}Index"
    sheets: Sheets = {}
    for ws in root.findall("ss:Worksheet", ns):
        name = ws.get(f"{{{_SPREADSHEETML_NS}}}Name", "")
        rows: list[list[str]] = []
        for row in ws.findall("ss:Table/ss:Row", ns):
            if row.get(index_attr):  # rows may skip ahead (ss:Index is 1-based)
                rows.extend([] for _ in range(int(row.get(index_attr)) - 1 - len(rows)))
            cells: list[str] = []
            for cell in row.findall("ss:Cell", ns):
                if cell.get(index_attr):
                    cells.extend("" for _ in range(int(cell.get(index_attr)) - 1 - len(cells)))
                data_el = cell.find("ss:Data", ns)
                cells.append("".join(data_el.itertext()) if data_el is not None else "")
            rows.append(cells)
        sheets[name] = rows
    return sheets


def fold(name: str) -> str:
    """A header name as formats compare it: stripped and case-insensitive (TikTok Business pads
    headers with trailing spaces; exporters change capitals between versions)."""
    return name.strip().casefold()


def header_names(*names: str) -> frozenset[str]:
    """Declared header names, folded."""
    return frozenset(fold(name) for name in names)


@functools.cache
def _prefixes(names: frozenset[str]) -> tuple[str, ...]:
    return tuple(name[:-1] for name in names if name.endswith("*"))


def _is_one_of(name: str, names: frozenset[str]) -> bool:
    """A folded name is one of `names`; a name ending in `*` is a prefix (Ads Manager's
    "Amount spent (EUR)" carries the currency in the name)."""
    return name in names or name.startswith(_prefixes(names))


def _holds_one_of(cells: set[str], names: frozenset[str]) -> bool:
    if not names.isdisjoint(cells):
        return True
    prefixes = _prefixes(names)
    return bool(prefixes) and any(cell.startswith(prefixes) for cell in cells)


@dataclass(frozen=True)
class Header:
    """The header row a table is known by, declared as names (compared with `fold`).

    `required`: every one of these names. `any_of`: at least one name of each group (exporters
    rename columns between versions and languages). `leading`: the first named cells, in order,
    each one of its group (YouTube Studio names its dimension in the first columns). `excluded`:
    none of these (they tell apart formats that share names). `only`: no names but the declared
    ones. The row is within a sheet's first `search` rows. With `comment`, the table follows a
    preamble of rows starting with it (GA4's "#" lines): the header is the first other non-empty row.
    """

    required: frozenset[str] = frozenset()
    any_of: tuple[frozenset[str], ...] = ()
    leading: tuple[frozenset[str], ...] = ()
    excluded: frozenset[str] = frozenset()
    only: bool = False
    search: int = 10
    comment: str | None = None

    def __post_init__(self) -> None:
        if not (self.required or self.any_of or self.leading):
            raise ValueError("a header format declares the header names it needs")

    @classmethod
    def of(cls, required: Iterable[str] = (), *, any_of: Iterable[Iterable[str]] = (),
           leading: Iterable[Iterable[str]] = (), excluded: Iterable[str] = (), only: bool = False,
           search: int = 10, comment: str | None = None) -> Header:
        """A header from names as written (they are folded here)."""
        return cls(header_names(*required), tuple(header_names(*group) for group in any_of),
                   tuple(header_names(*group) for group in leading), header_names(*excluded), only,
                   search, comment)

    def matches(self, row: list[str]) -> bool:
        """True if this row is the header (its names compared folded; empty cells are no names)."""
        named = [name for name in map(fold, row) if name]
        cells = set(named)
        if not cells or not self.required <= cells or not self.excluded.isdisjoint(cells):
            return False
        if not all(_holds_one_of(cells, group) for group in self.any_of):
            return False
        if len(named) < len(self.leading) or not all(
                _is_one_of(name, group) for name, group in zip(named, self.leading, strict=False)):
            return False
        if self.only:
            groups = (self.required, *self.any_of, *self.leading)
            return all(any(_is_one_of(cell, group) for group in groups) for cell in cells)
        return True

    def find(self, rows: list[list[str]]) -> int | None:
        """Index of the header row among the first `search` rows, or None."""
        for index, row in enumerate(rows[:self.search]):
            if self.comment is not None and (not any(cell.strip() for cell in row)
                                             or row[0].lstrip().startswith(self.comment)):
                continue  # the preamble
            if self.matches(row):
                return index
            if self.comment is not None:
                return None  # the first row after the preamble is the header, or there is none
        return None

    def locate(self, sheets: Sheets) -> list[tuple[str, int]]:
        """(sheet, header row index) of every sheet, in order, that carries this header."""
        return [(sheet, index) for sheet, rows in sheets.items() if (index := self.find(rows)) is not None]

    def describe(self) -> str:
        """The declared names in words, for "not a ... export" errors."""
        parts = [", ".join(sorted(self.required))] if self.required else []
        parts += [f"one of {' / '.join(sorted(group))}" for group in (*self.leading, *self.any_of)]
        return "; ".join(parts)


def find_header_row(rows: list[list[str]], required: Iterable[str], *, search: int = 10,
                    excluded: Iterable[str] = ()) -> int | None:
    """Index of the first row (among the first `search`) holding every `required` header name and
    none of the `excluded` ones: `Header.find` for a header declared by plain names."""
    return Header.of(required, excluded=excluded, search=search).find(rows)


def locate(sheets: Sheets, required: Iterable[str], excluded: Iterable[str] = (), *,
           search: int = 10) -> list[tuple[str, int]]:
    """(sheet, header row index) of every sheet with a header row as `find_header_row` finds it:
    `Header.locate` for a header declared by plain names."""
    return Header.of(required, excluded=excluded, search=search).locate(sheets)


K = TypeVar("K")


def classify(rows: list[list[str]], kinds: Mapping[K, Header]) -> tuple[K, int] | None:
    """(kind, header row index) of a sheet holding one of several declared headers (without a
    comment preamble): rows are read top down, and a row matching two kinds is the first declared
    (LinkedIn's sheets)."""
    for index, row in enumerate(rows[:max(header.search for header in kinds.values())]):
        for kind, header in kinds.items():
            if index < header.search and header.matches(row):
                return kind, index
    return None


class HeaderFormat(ABC):
    """An export format known by its header row: `recognise` comes from the declared names (see
    `Header`: `required`, `any_of`, `leading`, `excluded`, `only`, `search_rows`,
    `comment_prefix`), so a format writes only its `parse` step."""

    name: str
    required: frozenset[str] = frozenset()
    any_of: tuple[frozenset[str], ...] = ()
    leading: tuple[frozenset[str], ...] = ()
    excluded: frozenset[str] = frozenset()
    only: bool = False
    search_rows: int = 10  # how far down a sheet the header row may be
    comment_prefix: str | None = None

    def __init__(self, name: str | None = None, required: Iterable[str] | None = None,
                 excluded: Iterable[str] | None = None) -> None:
        """Names given here, or declared on the class."""
        self.name = self.name if name is None else name
        try:
            self.header = Header.of(self.required if required is None else required, any_of=self.any_of,
                                    leading=self.leading,
                                    excluded=self.excluded if excluded is None else excluded,
                                    only=self.only, search=self.search_rows, comment=self.comment_prefix)
        except ValueError as exc:
            raise ValueError(f"{type(self).__name__}: {exc}") from None
        self.required, self.excluded = self.header.required, self.header.excluded

    def tables(self, sheets: Sheets) -> list[tuple[str, int]]:
        """(sheet, header row index) of every sheet carrying this format's header."""
        return self.header.locate(sheets)

    def recognise(self, sheets: Sheets) -> bool:
        return bool(self.tables(sheets))

    def first_table(self, sheets: Sheets, ctx: ExportContext) -> tuple[str, int]:
        """The first sheet carrying the header (ExportFileError if parse is given another file)."""
        found = self.tables(sheets)
        if not found:
            raise ExportFileError(ctx.path, f"not a {self.name} export: no header row with "
                                  f"{self.header.describe()}")
        return found[0]

    @abstractmethod
    def parse(self, sheets: Sheets, ctx: ExportContext) -> ParsedExport:
        """The format's own step: the located table's rows as canonical records."""


def unique_headers(header: list[str]) -> list[str]:
    """Header names stripped, with duplicates kept apart: `Views`, `Views (2)`, ...

    Meta post exports can carry two `Views` columns; both are kept, the first keeps its name.
    """
    seen: dict[str, int] = {}
    out = []
    for name in header:
        name = name.strip()
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def records(rows: list[list[str]], header_index: int = 0) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and data rows as dicts keyed by (de-duplicated) header, with 1-based file row numbers.

    Ragged rows (trailing empty cells dropped by the exporter) are padded with "".
    Fully empty rows are skipped.
    """
    header = unique_headers(rows[header_index])
    out = []
    for i, row in enumerate(rows[header_index + 1:], start=header_index + 2):
        if not any(c.strip() for c in row):
            continue
        padded = list(row) + [""] * (len(header) - len(row))
        out.append((i, dict(zip(header, padded, strict=False))))
    return header, out


# --------------------------------------------------------------------------------------------
# Streaming a large CSV (the pipeline lands big per-post files chunk by chunk)
# --------------------------------------------------------------------------------------------


class CsvStream:
    """The rows of a large CSV export read incrementally, as `read_sheets` would give them.

    `head` holds the first rows (enough to recognise the format and find its header); `chunks()`
    then yields every row from the start in lists of at most `chunk_rows`, with the 0-based index
    of the first row of each list (so a chunk's rows keep their file row numbers). Encoding,
    `sep=` hint and delimiter are decided as read_csv_text does, from the head. A file without a
    BOM whose head is UTF-8 but which later holds invalid UTF-8 raises ExportFileError (the
    whole-file reader would have read all of it as Windows-1252).
    """

    def __init__(self, path: Path, *, head_rows: int = 50, chunk_rows: int = 20_000) -> None:
        self.path = path
        self.chunk_rows = chunk_rows
        self.delimiter, self.sep_line = ",", False  # read from the head below
        with path.open("rb") as handle:
            start = handle.read(1 << 20)
        if start.startswith((b"\xff\xfe", b"\xfe\xff")):
            self.encoding = "utf-16"
        elif start.startswith(b"\xef\xbb\xbf"):
            self.encoding = "utf-8-sig"
        else:
            try:
                start.decode("utf-8")
                self.encoding = "utf-8"
            except UnicodeDecodeError as exc:  # a multi-byte character cut by the 1 MiB read is fine
                self.encoding = "utf-8" if exc.start >= len(start) - 3 else "cp1252"
        self.head: list[list[str]] = []
        for _, rows in self._chunks(head_rows):
            self.head = rows
            break

    def _reader(self, handle: io.TextIOBase) -> csv.Reader:
        first = handle.readline()
        sep_hint = re.fullmatch(r'"?sep=(.)"?\r?\n?', first.strip("\ufeff").rstrip("\n"))
        if sep_hint:
            delimiter = sep_hint.group(1)
            lines = handle
        else:
            sample = first + "".join(handle.readline() for _ in range(19))
            delimiter = _sniff_delimiter(sample)
            lines = _chain_lines(sample, handle)
        self.delimiter, self.sep_line = delimiter, bool(sep_hint)  # as decided, for other readers of the file
        return csv.reader(lines, delimiter=delimiter, strict=False)

    def _chunks(self, size: int) -> Iterator[tuple[int, list[list[str]]]]:
        with self.path.open("r", encoding=self.encoding, newline="") as handle:
            try:
                reader = self._reader(handle)
                index, rows = 0, []
                for row in reader:
                    rows.append(row)
                    if len(rows) >= size:
                        yield index, rows
                        index, rows = index + len(rows), []
            except csv.Error as exc:
                raise ExportFileError(self.path, _csv_problem(exc)) from exc
            except UnicodeDecodeError as exc:
                raise ExportFileError(self.path, f"the text changes encoding after the first MiB (it starts as "
                                      f"{self.encoding} but byte {exc.start:,} of a later block is not); open the "
                                      "file in a spreadsheet program and save it as CSV UTF-8") from exc
            while rows and not any(cell.strip() for cell in rows[-1]):  # trailing empty rows
                rows.pop()
            if rows:
                yield index, rows

    def chunks(self) -> Iterator[tuple[int, list[list[str]]]]:
        return self._chunks(self.chunk_rows)


def _chain_lines(sample: str, handle: io.TextIOBase) -> Iterator[str]:
    yield from io.StringIO(sample, newline="")
    yield from handle


def is_text_export(path: Path) -> bool:
    """True for a CSV/text export (not a workbook), judged from its first bytes."""
    with path.open("rb") as handle:
        start = handle.read(4096)
    if start.startswith((_OLE2_MAGIC, b"PK\x03\x04")):
        return False
    text = start.decode("utf-16", "ignore") if start.startswith((b"\xff\xfe", b"\xfe\xff")) else start.decode(
        "utf-8", "ignore")
    return not (text.lstrip("\ufeff \r\n\t").startswith("<?xml") and _SPREADSHEETML_NS in text)
