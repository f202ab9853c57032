"""Mentions template: the sample docs/templates/mentions.csv and edge cases.

Expected values counted by hand from the sample (12 rows, 2026-03-01..03).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from connectors.base import ExportContext, ExportFileError, MentionsDayValue, ParsedExport
from connectors.mentions import connector
from connectors.mentions.exports import MentionsTemplate
from connectors.tables import read_sheets

SAMPLE = Path(__file__).resolve().parents[3] / "docs" / "templates" / "mentions.csv"
HEADER = "date,subject_id,platform,mentions"


def parse_file(path: Path) -> ParsedExport:
    sheets = read_sheets(path)
    fmt = connector.recognise(sheets)
    assert fmt is not None, f"{path.name} not recognised"
    return fmt.parse(sheets, ExportContext(path, "mentions", "listening", "Europe/London", dt.date(2026, 3, 4)))


def write(tmp_path: Path, *lines: str, name: str = "mentions.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_sample_file() -> None:
    parsed = parse_file(SAMPLE)
    assert len(parsed.mentions_daily) == 12
    assert parsed.covers == (dt.date(2026, 3, 1), dt.date(2026, 3, 3))

    def mentions(subject: str, platform: str) -> list[float | None]:
        return [v.mentions for v in parsed.mentions_daily if (v.subject_id, v.platform) == (subject, platform)]

    assert mentions("acme", "x") == [42, 38, 55]  # 135
    assert mentions("acme", "instagram") == [17, 21, 19]  # 57
    assert mentions("globex", "x") == [65, 71, 60]  # 196
    assert mentions("globex", "instagram") == [9, None, 12]  # 2026-03-02 left empty: unknown, not 0
    assert parsed.mentions_daily[7] == MentionsDayValue(dt.date(2026, 3, 2), "globex", "instagram", None)


def test_header_is_matched_case_insensitively_with_bom_and_aliases(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("Date,Subject_ID,Platform,Mentions,Sentiment\n2026-03-01,acme,Twitter,1.2K,0.4\n"
                    "2026-03-01,acme, IG ,\"1,204\",0.1\n", encoding="utf-8-sig")
    parsed = parse_file(path)
    assert parsed.mentions_daily == [
        MentionsDayValue(dt.date(2026, 3, 1), "acme", "x", 1200),  # "twitter" -> x, compact "1.2K"
        MentionsDayValue(dt.date(2026, 3, 1), "acme", "instagram", 1204),
    ]
    assert "ignored columns not in the template: ['Sentiment']" in parsed.notes


def test_xlsx_with_date_and_number_cells(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["copied from the listening tool on 2026-03-04"])
    sheet = book.create_sheet("Mentions")
    sheet.append(["date", "subject_id", "platform", "mentions"])
    sheet.append([dt.datetime(2026, 3, 1), "acme", "tiktok", 7])
    sheet.append([dt.datetime(2026, 3, 2), "acme", "tiktok", 0])  # a real zero stays 0
    path = tmp_path / "mentions.xlsx"
    book.save(path)
    assert parse_file(path).mentions_daily == [
        MentionsDayValue(dt.date(2026, 3, 1), "acme", "tiktok", 7),
        MentionsDayValue(dt.date(2026, 3, 2), "acme", "tiktok", 0),
    ]


@pytest.mark.parametrize(("row", "column", "message"), [
    ("03/01/2026,acme,x,4", "date", "not a YYYY-MM-DD date"),
    ("2026-02-30,acme,x,4", "date", "not a YYYY-MM-DD date"),
    ("2026-03-01,,x,4", "subject_id", "empty"),
    ("2026-03-01,acme,,4", "platform", "empty"),
    ("2026-03-01,acme,x,-4", "mentions", "cannot be negative"),
    ("2026-03-01,acme,x,four", "mentions", "not a number"),
])
def test_bad_values_name_row_and_column(tmp_path: Path, row: str, column: str, message: str) -> None:
    path = write(tmp_path, HEADER, "2026-03-01,acme,instagram,3", row)
    with pytest.raises(ExportFileError) as caught:
        parse_file(path)
    assert (caught.value.row, caught.value.column) == (3, column)
    assert message in caught.value.reason


def test_duplicate_day_subject_platform_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER, "2026-03-01,acme,x,3", "2026-03-02,acme,x,5", "2026-03-01,acme,Twitter,4")
    with pytest.raises(ExportFileError, match="already on row 2") as caught:
        parse_file(path)
    assert caught.value.row == 4


@pytest.mark.parametrize("sheets", [
    {}, {"": [[]]}, {"": [["date", "subject_id", "mentions"]]},
    {"": [["survey_id", "response_id", "responded_at", "kind", "score", "scale_max"]]},
])
def test_recognise_rejects_other_tables(sheets: dict) -> None:
    assert MentionsTemplate().recognise(sheets) is False
