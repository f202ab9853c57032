"""Google Business Profile reviews template: the sample docs/templates/reviews.csv and bad values.

Expected values read by hand from the sample (4 reviews, ratings FIVE, 4, TWO, 5).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from connectors.base import ExportContext, ExportFileError, ParsedExport, ReviewRecord
from connectors.google_business import connector
from connectors.google_business.exports import ReviewsTemplate
from connectors.tables import read_sheets

SAMPLE = Path(__file__).resolve().parents[3] / "docs" / "templates" / "reviews.csv"
HEADER = "review_id,location_id,created_at,rating,comment"
UTC = dt.UTC


def parse_file(path: Path) -> ParsedExport:
    sheets = read_sheets(path)
    fmt = connector.recognise(sheets)
    assert fmt is not None, f"{path.name} not recognised"
    return fmt.parse(sheets, ExportContext(path, "google_business", "locations/222222222", "America/New_York",
                                           dt.date(2026, 7, 5)))


def test_sample_file() -> None:
    parsed = parse_file(SAMPLE)
    assert [r.rating for r in parsed.reviews] == [5, 4, 2, 5]  # average 4.0
    assert parsed.reviews[0] == ReviewRecord("AbcDef", "locations/222222222",
                                             dt.datetime(2026, 7, 1, 10, 0, tzinfo=UTC), 5, "Great service!")
    assert parsed.reviews[1].comment == "Friendly staff, but a long wait at lunch."
    assert parsed.reviews[2].comment is None  # rating-only review
    assert parsed.reviews[3].comment == "Lovely café.\nWill come back."  # quoted multi-line text kept
    assert parsed.reviews[3].created_at == dt.datetime(2026, 7, 4, 12, 45, tzinfo=UTC)  # +02:00
    assert [r.location_id for r in parsed.reviews].count("locations/333333333") == 2


@pytest.mark.parametrize(("rating", "expected"), [
    ("FIVE", 5), ("one", 1), ("Three", 3), ("4", 4), ("4.0", 4), ("", None), ("-", None),
    ("STAR_RATING_UNSPECIFIED", None),
])
def test_ratings(tmp_path: Path, rating: str, expected: float | None) -> None:
    path = tmp_path / "reviews.csv"
    path.write_text(f"{HEADER}\nr1,,2026-07-01 09:30,{rating},\n", encoding="utf-8")
    (review,) = parse_file(path).reviews
    assert review.rating == expected
    assert review.location_id is None
    # No offset: America/New_York (EDT, UTC-4).
    assert review.created_at == dt.datetime(2026, 7, 1, 13, 30, tzinfo=UTC)


@pytest.mark.parametrize(("row", "column", "message"), [
    ("r2,l,2026-07-01,6,", "rating", "whole number of stars 1-5"),
    ("r2,l,2026-07-01,0,", "rating", "whole number of stars 1-5"),
    ("r2,l,2026-07-01,4.5,", "rating", "whole number of stars 1-5"),
    ("r2,l,2026-07-01,SIX,", "rating", "rating must be 1-5 or ONE..FIVE"),
    ("r2,l,07/01/2026,5,", "created_at", "not an ISO 8601 date or date-time"),
    (",l,2026-07-01,5,", "review_id", "empty"),
    ("r1,l,2026-07-02,5,", "review_id", "review r1 is already on row 2"),
])
def test_bad_values_name_row_and_column(tmp_path: Path, row: str, column: str, message: str) -> None:
    path = tmp_path / "reviews.csv"
    path.write_text(f"{HEADER}\nr1,l,2026-07-01,5,ok\n{row}\n", encoding="utf-8")
    with pytest.raises(ExportFileError) as caught:
        parse_file(path)
    assert (caught.value.row, caught.value.column) == (3, column)
    assert message in caught.value.reason


@pytest.mark.parametrize("sheets", [
    {}, {"": [[]]}, {"": [["review_id", "rating", "comment"]]},
    {"": [["date", "subject_id", "platform", "mentions"]]},
])
def test_recognise_rejects_other_tables(sheets: dict) -> None:
    assert ReviewsTemplate().recognise(sheets) is False
