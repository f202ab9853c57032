"""Read any native export file (CSV in any of its encodings, .xls, .xlsx) into rows of strings.

Every parser works on the same shape, `{sheet name: [[cell, ...], ...]}` (a CSV is one sheet
named ""), so format recognition looks at content and never at file names or extensions.
Cells are strings exactly as the file shows them; numbers and dates are read by
connectors.values, which knows the placeholders and locales.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from pathlib import Path

from connectors.base import ExportFileError

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
        raise ExportFileError(path, "the file is empty")
    if data.startswith(_OLE2_MAGIC):
        return _read_biff_xls(path, data)
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(path, data)
    text = decode_text(path, data)
    if text.lstrip().startswith("<?xml") and _SPREADSHEETML_NS in text[:2000]:
        return _read_spreadsheetml(path, text)
    return {"": read_csv_text(path, text)}


def decode_text(path: Path, data: bytes) -> str:
    """Decode by BOM: Meta daily files are UTF-16LE with BOM, most others UTF-8 (with or without BOM).

    Files without BOM that are not UTF-8 are read as Windows-1252 (old Excel re-saves).
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:  # odd byte count: the download was cut off
            raise ExportFileError(path, f"truncated UTF-16 file ({exc.reason})") from exc
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


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
        raise ExportFileError(path, f"malformed CSV: {exc}") from exc
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    return rows


def _sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first non-empty lines most consistently (`,` on ties)."""
    lines = [line for line in text.splitlines()[:20] if line.strip()][:10]
    best, best_score = ",", 0.0
    for candidate in (",", ";", "\t"):
        counts = [len(next(csv.reader([line], delimiter=candidate))) for line in lines]
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
    except Exception as exc:  # xlrd raises bare XLRDError / struct errors on cut files
        raise ExportFileError(path, f"unreadable .xls workbook ({exc})") from exc
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
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ExportFileError(path, f"unreadable .xlsx workbook ({exc})") from exc
    sheets: Sheets = {}
    for ws in book.worksheets:
        sheets[ws.title] = [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
    book.close()
    return sheets


def _read_spreadsheetml(path: Path, text: str) -> Sheets:
    """Excel 2003 XML ("SpreadsheetML"), which Facebook's legacy Insights saved as .xls."""
    ns = {"ss": _SPREADSHEETML_NS}
    try:
        root = ET.fromstring(text.encode("utf-8"))
    except ET.ParseError as exc:
        raise ExportFileError(path, f"truncated or malformed SpreadsheetML workbook ({exc})") from exc
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


def find_header_row(rows: list[list[str]], required: set[str], *, search: int = 10) -> int | None:
    """Index of the first row (among the first `search`) containing every `required` header.

    Header cells are compared stripped and case-insensitively (LinkedIn puts a note row first,
    TikTok Business headers carry trailing spaces).
    """
    wanted = {h.casefold() for h in required}
    for i, row in enumerate(rows[:search]):
        cells = {c.strip().casefold() for c in row}
        if wanted <= cells:
            return i
    return None


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
                raise ExportFileError(self.path, f"malformed CSV: {exc}") from exc
            except UnicodeDecodeError as exc:
                raise ExportFileError(self.path, f"not valid {self.encoding} text after the first MiB "
                                      f"({exc.reason}); re-save the file as UTF-8") from exc
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
