"""Google Business Profile reviews template CSV -> core.reviews (see settings.py for the columns)."""

from __future__ import annotations

from collections.abc import Hashable

from connectors.base import ParsedExport, ReviewRecord
from connectors.google_business import settings
from connectors.templates import TemplateFormat, TemplateRow, null_note
from connectors.values import parse_number


def _rating(row: TemplateRow) -> float | None:
    """1-5 as a number ("4", "4.0") or the API's starRating word ("FOUR")."""
    text = row.cell("rating")
    if text.casefold() in settings.STAR_RATINGS:
        return settings.STAR_RATINGS[text.casefold()]
    try:
        value = parse_number(text)
    except ValueError as exc:
        raise row.error("rating", f"rating must be 1-5 or ONE..FIVE, not {text!r}") from exc
    in_range = value is not None and settings.RATING_MIN <= value <= settings.RATING_MAX
    if value is not None and (not value.is_integer() or not in_range):
        raise row.error("rating", f"rating must be a whole number of stars 1-5, not {text!r}")
    return value


class ReviewsTemplate(TemplateFormat):
    """Reviews, one per review_id; a rating is 1-5 stars or the API's ONE..FIVE."""

    name = "reviews_template"
    required = frozenset(settings.COLUMNS)

    def add(self, row: TemplateRow, seen: dict[Hashable, int], out: ParsedExport) -> None:
        review_id = row.cell("review_id")
        if not review_id:
            raise row.error("review_id", "empty: every review needs its id")
        review = ReviewRecord(
            review_id=review_id,
            location_id=row.cell("location_id") or None,
            created_at=row.timestamp("created_at"),
            rating=_rating(row),
            # Only surrounding whitespace is trimmed: line breaks inside a review are its text.
            comment=row.record[row.columns["comment"]].strip() or None,
        )
        row.first_of(seen, review_id, "review_id", f"review {review_id}")
        out.reviews.append(review)

    def finish(self, out: ParsedExport) -> None:
        out.notes += null_note(out.reviews, "rating", "reviews")


EXPORT_FORMATS: tuple[ReviewsTemplate, ...] = (ReviewsTemplate(),)
