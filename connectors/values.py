"""Read numbers and dates the way platforms (and spreadsheets) write them.

Placeholders become None, never 0: a missing metric must stay missing in the KPIs.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

# Cells that mean "no data" in real exports: TikTok Studio `undefined`, TikTok Business `NAN`
# and `--`, X promoted columns `-`, Meta `N/A`, empty cells everywhere.
PLACEHOLDERS = frozenset({"", "undefined", "nan", "--", "-", "—", "n/a", "na", "null", "none"})

_DIGITS = str.maketrans(
    "۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩"  # Persian and Arabic-Indic digits
    "٬٫",  # Arabic thousands and decimal separators
    "01234567890123456789" ",.",
)
_COMPACT = {"k": 1e3, "m": 1e6, "b": 1e9, "mil": 1e3, "mio": 1e6, "mln": 1e6, "mrd": 1e9}
# The clean form most cells take ("1234", "-2", "1777.0"): read by float() directly, the same value
# the full path below gives it. Anything else (separators, suffixes, placeholders) takes that path.
_PLAIN = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_NUMBER = re.compile(r"^([+-]?)([0-9.,]*[0-9][0-9.,]*)\s*([a-z]*)\s*(%?)$")


def is_placeholder(text: str | None) -> bool:
    return text is None or text.strip().casefold() in PLACEHOLDERS


def parse_number(text: str | None, *, decimal: str | None = None) -> float | None:
    """A number as exported: "1777.0", "1,234", "1.2K", "3,4 M", "-2", "۱۲۳", "12%".

    `decimal` forces the decimal mark ("." or ",") when the file's locale is known; otherwise
    a lone comma followed by exactly three digits is a thousands separator ("1,234") and any
    other lone comma is a decimal mark ("1,5", "3,4 M"). Percent signs are dropped (the value
    stays in percent). Raises ValueError for text that is not a number.
    """
    if text is not None and _PLAIN.fullmatch(text) and (decimal != "," or "." not in text):
        return float(text)
    if is_placeholder(text):
        return None
    s = unicodedata.normalize("NFKC", text).translate(_DIGITS).strip().casefold()
    s = re.sub(r"[\s\u00a0\u202f'’]", "", s) if not re.search(r"[a-z]", s) else re.sub(
        r"(?<=\d)[\u00a0\u202f' ](?=\d)", "", s)
    m = _NUMBER.match(s)
    if not m:
        raise ValueError(f"not a number: {text!r}")
    sign, digits, suffix, _percent = m.groups()
    if suffix and suffix not in _COMPACT:
        raise ValueError(f"not a number: {text!r}")
    value = float(_normalise_separators(digits, decimal, compact=bool(suffix), original=text))
    if suffix:
        value = round(value * _COMPACT[suffix], 6)
    return -value if sign == "-" else value


def _normalise_separators(digits: str, decimal: str | None, *, compact: bool, original: str) -> str:
    if decimal == ",":
        return digits.replace(".", "").replace(",", ".")
    if decimal == ".":
        return digits.replace(",", "")
    has_comma, has_dot = "," in digits, "." in digits
    if has_comma and has_dot:  # the last one is the decimal mark: 1,234.5 or 1.234,5
        if digits.rfind(",") > digits.rfind("."):
            return digits.replace(".", "").replace(",", ".")
        return digits.replace(",", "")
    if has_comma:
        if not compact and re.fullmatch(r"\d{1,3}(,\d{3})+", digits):
            return digits.replace(",", "")
        if digits.count(",") > 1:
            raise ValueError(f"not a number: {original!r}")
        return digits.replace(",", ".")
    if digits.count(".") > 1:
        if re.fullmatch(r"\d{1,3}(\.\d{3})+", digits):  # 1.234.567 (German thousands)
            return digits.replace(".", "")
        raise ValueError(f"not a number: {original!r}")
    return digits


# --------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------

# Month names (full and abbreviated, lower case, accents kept and stripped) in the languages
# platforms localise exports into.
_MONTH_NAMES: dict[int, tuple[str, ...]] = {
    1: ("january", "jan", "enero", "ene", "janeiro", "janvier", "janv", "januar", "jän", "jänner",
        "gennaio", "gen", "января", "январь", "янв"),
    2: ("february", "feb", "febrero", "fevereiro", "fev", "février", "févr", "fevrier", "fevr", "februar",
        "febbraio", "febr", "февраля", "февраль", "фев"),
    3: ("march", "mar", "marzo", "março", "marco", "mars", "märz", "marz", "мар", "марта", "март"),
    4: ("april", "apr", "abril", "abr", "avril", "avr", "aprile", "апреля", "апрель", "апр"),
    5: ("may", "mayo", "maio", "mai", "maggio", "mag", "мая", "май"),
    6: ("june", "jun", "junio", "junho", "juin", "juni", "giugno", "giu", "июня", "июнь", "июн"),
    7: ("july", "jul", "julio", "julho", "juillet", "juil", "juli", "luglio", "lug", "июля", "июль", "июл"),
    8: ("august", "aug", "agosto", "ago", "août", "aout", "agosto", "августа", "август", "авг"),
    9: ("september", "sep", "sept", "septiembre", "setiembre", "set", "setembro", "septembre", "settembre",
        "сентября", "сентябрь", "сен"),
    10: ("october", "oct", "octubre", "outubro", "out", "octobre", "oktober", "okt", "ottobre", "ott",
         "октября", "октябрь", "окт"),
    11: ("november", "nov", "noviembre", "novembro", "novembre", "ноября", "ноябрь", "ноя"),
    12: ("december", "dec", "diciembre", "dic", "dezembro", "dez", "décembre", "decembre", "déc",
         "dezember", "dicembre", "декабря", "декабрь", "дек"),
}
MONTHS: dict[str, int] = {name: month for month, names in _MONTH_NAMES.items() for name in names}

_WEEKDAY = re.compile(
    r"^(mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+", re.IGNORECASE)


def month_number(name: str) -> int:
    key = name.strip().strip(".").casefold()
    if key not in MONTHS:
        raise ValueError(f"unknown month name: {name!r}")
    return MONTHS[key]


def parse_month_day(text: str) -> tuple[int, int]:
    """(month, day) of a year-less date: "April 12", "12 April", "8 de marzo", "12. März"."""
    s = text.strip().casefold()
    m = re.fullmatch(r"(\d{1,2})\.?\s+(?:de\s+)?([^\d\s.]+)\.?", s)
    if m:
        return month_number(m.group(2)), int(m.group(1))
    m = re.fullmatch(r"([^\d\s.]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?", s)
    if m:
        return month_number(m.group(1)), int(m.group(2))
    raise ValueError(f"not a day and month: {text!r}")


def infer_years(month_days: list[tuple[int, int]], export_date: dt.date) -> list[dt.date]:
    """Dates for year-less (month, day) pairs listed in increasing order in a file.

    The last one is the most recent such day not after the export date; each earlier one is the
    most recent such day not after its successor, so a 365-day range rolls back across New Year.
    """
    out: list[dt.date] = []
    bound = export_date
    for month, day in reversed(month_days):
        candidate = _on_or_before(month, day, bound)
        out.append(candidate)
        bound = candidate
    out.reverse()
    return out


def _on_or_before(month: int, day: int, bound: dt.date) -> dt.date:
    for year in range(bound.year, bound.year - 9, -1):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:  # Feb 29 in a non-leap year
            continue
        if candidate <= bound:
            return candidate
    raise ValueError(f"no valid date for month {month} day {day} before {bound}")


def parse_named_date(text: str) -> dt.date:
    """A date with a month name and a year: "Fri, Mar 21, 2025", "Thu Mar 20 2025", "Aug 28, 2025",
    "8 de marzo de 2025", "21. März 2025"."""
    s = _WEEKDAY.sub("", text.strip()).replace(",", " ").casefold()
    s = re.sub(r"\s+", " ", s).strip()
    m = re.fullmatch(r"([^\d\s.]+)\.? (\d{1,2}) (\d{4})", s)
    if m:
        return dt.date(int(m.group(3)), month_number(m.group(1)), int(m.group(2)))
    m = re.fullmatch(r"(\d{1,2})\.? (?:de )?([^\d\s.]+)\.? (?:de )?(\d{4})", s)
    if m:
        return dt.date(int(m.group(3)), month_number(m.group(2)), int(m.group(1)))
    raise ValueError(f"not a date: {text!r}")


def excel_serial_to_date(serial: float) -> dt.date:
    """Excel's 1900 date system (with its phantom 1900-02-29): 44008 -> 2020-06-26."""
    return dt.date(1899, 12, 30) + dt.timedelta(days=int(serial))


# --------------------------------------------------------------------------------------------
# Helpers for API bodies and sums, shared by every platform
# --------------------------------------------------------------------------------------------


def number(value: object) -> float | None:
    """A number of a JSON body: ints, floats, and numeric strings (Meta's Marketing API and others
    send strings)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and value.strip():
        return float(value)  # ValueError for non-numbers: callers turn it into a note
    return None


def first_line(text: object) -> str | None:
    """A post's title: the first non-empty line of its message/caption."""
    if not isinstance(text, str) or not text.strip():
        return None
    return text.strip().splitlines()[0].strip()


def date_chunks(start: dt.date, end: dt.date, days: int) -> list[tuple[dt.date, dt.date]]:
    """Inclusive windows of at most `days` days covering start..end."""
    chunks = []
    cursor = start
    while cursor <= end:
        last = min(end, cursor + dt.timedelta(days=days - 1))
        chunks.append((cursor, last))
        cursor = last + dt.timedelta(days=1)
    return chunks


def add_known(sums: dict[str, float | None], metric: str, value: float | None) -> None:
    """Add `value` to `sums[metric]`: a missing part (None) leaves the sum unknown, never a
    partial total."""
    if metric not in sums:
        sums[metric] = value
    else:
        previous = sums[metric]
        sums[metric] = None if previous is None or value is None else previous + value
