"""Google Business Profile reviews template CSV -> core.reviews (see settings.py for the columns)."""

from __future__ import annotations

from collections.abc import Hashable

from connectors.base import ExportContext, ParsedExport, ReviewRecord
from connectors.google_business import settings
from connectors.tables import Sheets
from connectors.templates import TemplateFormat, TemplateRow, template_rows
from connectors.values import parse_number


class ReviewsTemplate(TemplateFormat):
    """The documented reviews template, recognised by its header."""

    name = "reviews_template"
    required = frozenset(settings.COLUMNS)

    def parse(self, sheets: Sheets, ctx: ExportContext) -> ParsedExport:
        out = ParsedExport(format=self.name)
        seen: dict[Hashable, int] = {}
        for row in template_rows(sheets, settings.COLUMNS, ctx, out):
            review = _ReviewRow(row.ctx, row.row, row.record, row.columns).review()
            row.first_of(seen, review.review_id, "review_id", f"review {review.review_id}")
            out.reviews.append(review)
        unrated = sum(1 for review in out.reviews if review.rating is None)
        if unrated:
            out.notes.append(f"{unrated} reviews without a rating (kept with rating NULL)")
        return out


class _ReviewRow(TemplateRow):
    def rating(self) -> float | None:
        """1-5 as a number ("4", "4.0") or the API's starRating word ("FOUR")."""
        text = self.cell("rating")
        if text.casefold() in settings.STAR_RATINGS:
            return settings.STAR_RATINGS[text.casefold()]
        try:
            value = parse_number(text)
        except ValueError as exc:
            raise self.error("rating", f"rating must be 1-5 or ONE..FIVE, not {text!r}") from exc
        in_range = value is not None and settings.RATING_MIN <= value <= settings.RATING_MAX
        if value is not None and (not value.is_integer() or not in_range):
            raise self.error("rating", f"rating must be a whole number of stars 1-5, not {text!r}")
        return value


    def review(self) -> ReviewRecord:
        review_id = self.cell("review_id")
        if not review_id:
            raise self.error("review_id", "empty: every review needs its id")
        return ReviewRecord(
            review_id=review_id,
            location_id=self.cell("location_id") or None,
            created_at=self.timestamp("created_at"),
            rating=self.rating(),
            # Only surrounding whitespace is trimmed: line breaks inside a review are its text.
            comment=self.record[self.columns["comment"]].strip() or None,
        )


EXPORT_FORMATS: tuple[ReviewsTemplate, ...] = (ReviewsTemplate(),)
