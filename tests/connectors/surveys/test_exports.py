"""Survey responses template: the sample docs/templates/surveys.csv and a table of bad values.

Expected values read by hand from the sample (9 responses: 4 CSAT on 1-5, 5 NPS).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from connectors.base import ExportContext, ExportFileError, ParsedExport, SurveyResponseRecord
from connectors.surveys import connector
from connectors.surveys.exports import SurveyResponsesTemplate
from connectors.tables import read_sheets

SAMPLE = Path(__file__).resolve().parents[3] / "docs" / "templates" / "surveys.csv"
HEADER = "survey_id,response_id,responded_at,kind,score,scale_max"
UTC = dt.UTC


def parse_file(path: Path, timezone: str = "Europe/Berlin") -> ParsedExport:
    sheets = read_sheets(path)
    fmt = connector.recognise(sheets)
    assert fmt is not None, f"{path.name} not recognised"
    return fmt.parse(sheets, ExportContext(path, "surveys", "support", timezone, dt.date(2026, 3, 6)))


def test_sample_file() -> None:
    parsed = parse_file(SAMPLE)
    responses = {r.response_id: r for r in parsed.survey_responses}
    assert len(responses) == 9
    assert [r.kind for r in parsed.survey_responses].count("csat") == 4
    assert sorted(r.score for r in parsed.survey_responses if r.kind == "nps") == [0, 3, 7, 9, 10]
    assert [r.score for r in parsed.survey_responses if r.kind == "csat"] == [5, 4, 2, None]
    assert {r.scale_max for r in parsed.survey_responses if r.kind == "csat"} == {5}
    assert responses["r-1001"] == SurveyResponseRecord(
        "support-csat-2026q1", "r-1001", dt.datetime(2026, 3, 2, 9, 15, tzinfo=UTC), "csat", 5, 5)
    # No offset: local time in the account's timezone (Europe/Berlin, UTC+1 in early March).
    assert responses["r-1003"].responded_at == dt.datetime(2026, 3, 3, 15, 5, tzinfo=UTC)
    assert responses["r-1004"].responded_at == dt.datetime(2026, 3, 3, 23, 0, tzinfo=UTC)  # a bare date
    assert responses["n-501"].responded_at == dt.datetime(2026, 3, 1, 7, 0, tzinfo=UTC)  # +01:00
    assert "1 responses without a score (kept with score NULL)" in parsed.notes


@pytest.mark.parametrize(("row", "column", "message"), [
    ("s,r2,2026-03-01,ces,4,5", "kind", "kind must be csat or nps, not 'ces'"),
    ("s,r2,2026-03-01,nps,4,5", "scale_max", "scale_max must be 10, not 5"),
    ("s,r2,2026-03-01,csat,6,5", "score", "score 6 is outside 0..5"),
    ("s,r2,2026-03-01,csat,-1,5", "score", "score -1 is outside 0..5"),
    ("s,r2,2026-03-01,nps,8.5,10", "score", "whole number 0-10"),
    ("s,r2,2026-03-01,nps,11,10", "score", "score 11 is outside 0..10"),
    ("s,r2,2026-03-01,csat,4,0", "scale_max", "scale_max must be a positive number"),
    ("s,r2,2026-03-01,csat,4,", "scale_max", "scale_max must be a positive number"),
    ("s,r2,2026-03-01,csat,four,5", "score", "not a number"),
    ("s,r2,03/01/2026,csat,4,5", "responded_at", "not an ISO 8601 date or date-time"),
    ("s,r2,2026-03-01T25:00,csat,4,5", "responded_at", "not an ISO 8601 date or date-time"),
    (",r2,2026-03-01,csat,4,5", "survey_id", "empty"),
    ("s,,2026-03-01,csat,4,5", "response_id", "empty"),
    ("s,r1,2026-03-02,csat,3,5", "response_id", "response r1 of survey s is already on row 2"),
])
def test_bad_values_name_row_and_column(tmp_path: Path, row: str, column: str, message: str) -> None:
    path = tmp_path / "responses.csv"
    path.write_text(f"{HEADER}\ns,r1,2026-03-01,csat,4,5\n{row}\n", encoding="utf-8")
    with pytest.raises(ExportFileError) as caught:
        parse_file(path)
    assert (caught.value.row, caught.value.column) == (3, column)
    assert message in caught.value.reason


@pytest.mark.parametrize(("cells", "score", "responded_at"), [
    ("CSAT,0,5", 0.0, dt.datetime(2026, 3, 1, tzinfo=UTC)),  # 0 is a score, kind is case-insensitive
    ("nps,10,10", 10.0, dt.datetime(2026, 3, 1, tzinfo=UTC)),
    ("csat,-,5", None, dt.datetime(2026, 3, 1, tzinfo=UTC)),  # placeholder: unanswered, not 0
    ("csat,4.5,7", 4.5, dt.datetime(2026, 3, 1, tzinfo=UTC)),
])
def test_edge_values(tmp_path: Path, cells: str, score: float | None, responded_at: dt.datetime) -> None:
    path = tmp_path / "edge.csv"
    path.write_text(f"{HEADER}\ns,r1,2026-03-01T00:00:00Z,{cells}\n", encoding="utf-8")
    (response,) = parse_file(path).survey_responses
    assert (response.score, response.responded_at) == (score, responded_at)


def test_empty_responded_at_is_unknown(tmp_path: Path) -> None:
    path = tmp_path / "no_time.csv"
    path.write_text(f"{HEADER}\ns,r1,,nps,9,10\n", encoding="utf-8")
    assert parse_file(path).survey_responses[0].responded_at is None


@pytest.mark.parametrize("sheets", [
    {}, {"": [[]]}, {"": [["survey_id", "response_id", "kind", "score"]]},
    {"": [["date", "subject_id", "platform", "mentions"]]},
])
def test_recognise_rejects_other_tables(sheets: dict) -> None:
    assert SurveyResponsesTemplate().recognise(sheets) is False
