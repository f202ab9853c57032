"""Encodings and line endings that real tools produce when re-saving exports are read, not refused;
what truly cannot be read gets a reason a person can act on."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.base import ExportFileError
from connectors.tables import decode_text, read_sheets

FIXTURE = (Path(__file__).parent.parent / "transforms" / "fixtures"
           / "tweet_activity_metrics_acme_20161201_20170101_en.csv")
# The fixture with a non-ASCII caption, so that encodings differ in their bytes.
TEXT = FIXTURE.read_text(encoding="utf-8").replace("Our December sale", "Notre solde de décembre")
# rows written out by hand from the text: every cell is quoted and none holds a comma or newline
EXPECTED = [[cell.strip('"') for cell in line.split('","')] for line in TEXT.strip("\n").split("\n")]


def _variants() -> dict[str, bytes]:
    lf = TEXT
    return {
        "utf-8": lf.encode("utf-8"),
        "utf-8 with BOM": b"\xef\xbb\xbf" + lf.encode("utf-8"),
        "utf-8 with a doubled BOM": b"\xef\xbb\xbf\xef\xbb\xbf" + lf.encode("utf-8"),
        "utf-16-le with BOM": b"\xff\xfe" + lf.encode("utf-16-le"),
        "utf-16-be with BOM": b"\xfe\xff" + lf.encode("utf-16-be"),
        "utf-16-le without BOM": lf.encode("utf-16-le"),
        "utf-16-be without BOM": lf.encode("utf-16-be"),
        "cp1252": lf.encode("cp1252"),
        "CRLF": lf.replace("\n", "\r\n").encode("utf-8"),
        "CR only": lf.replace("\n", "\r").encode("utf-8"),
        "mixed line endings": "".join(line + ("\r\n", "\r", "\n")[i % 3]
                                      for i, line in enumerate(lf.strip("\n").split("\n"))).encode("utf-8"),
        "sep= line, CR only": ("sep=,\r" + lf.replace("\n", "\r")).encode("utf-8"),
        "sep= line, utf-16-le with BOM, CRLF":
            b"\xff\xfe" + ("sep=,\r\n" + lf.replace("\n", "\r\n")).encode("utf-16-le"),
        "BOM inside the first header after a sep= line": ("sep=,\n\ufeff" + lf).encode("utf-8"),
    }


@pytest.mark.parametrize("variant", list(_variants()))
def test_re_saved_variants_read_as_the_original(tmp_path, variant):
    path = tmp_path / "export.csv"
    path.write_bytes(_variants()[variant])
    assert read_sheets(path) == {"": EXPECTED}


def test_the_first_header_carries_no_invisible_character(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(_variants()["BOM inside the first header after a sep= line"])
    assert read_sheets(path)[""][0][0] == "Tweet id"


def test_decode_keeps_accents_of_each_encoding(tmp_path):
    for variant, data in _variants().items():
        assert "décembre" in decode_text(tmp_path / "x.csv", data), variant


@pytest.mark.parametrize(("data", "reason"), [
    (b"\xff\xfe" + "Date,Views\n".encode("utf-16-le") + b"\x31", "the file ends in the middle of a character"),
    (b'"Date","Views"\n"2025-01-01,"' + b"x" * (9 << 20), "a cell is longer than 8 million characters"),
    (b"<?xml version='1.0'?><Workbook xmlns='urn:schemas-microsoft-com:office:spreadsheet'><Worksheet>&xxe;",
     "the Excel 2003 XML workbook is cut off or damaged at line 1"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "the .xls workbook is damaged or incomplete"),
])
def test_unreadable_files_get_a_reason_a_person_can_act_on(tmp_path, data, reason):
    path = tmp_path / "broken.csv"
    path.write_bytes(data)
    with pytest.raises(ExportFileError) as raised:
        read_sheets(path)
    assert reason in raised.value.reason
    assert "download it again" in raised.value.reason or "save it as" in raised.value.reason
