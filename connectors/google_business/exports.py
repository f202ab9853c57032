"""Google Business Profile reviews template CSV -> core.reviews (see settings.py for the columns)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from connectors.base import ExportContext, ExportFileError, ParsedExport, ReviewRecord
from connectors.google_business import settings
from connectors.tables import Sheets, find_header_row, records
from connectors.values import is_placeholder, parse_number

_ISO_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ].+)?")


class ReviewsTemplate:
    """The documented reviews template, recognised by its header."""

    name = "reviews_template"

    def recognise(self, sheets: Sheets) -> bool:
        return any(find_header_row(rows, set(settings.COLUMNS), search=3) is not None
                   for rows in sheets.values())

    def parse(self, sheets: Sheets, ctx: ExportContext) -> ParsedExport:
        out = ParsedExport(format=self.name)
        for rows in sheets.values():
            header_index = find_header_row(rows, set(settings.COLUMNS), search=3)
            if header_index is None:
                continue
            header, data = records(rows, header_index)
            columns = {name.casefold(): name for name in header}
            seen: dict[str, int] = {}
            for row_number, record in data:
                review = _Row(ctx, row_number, record, columns).review()
                if review.review_id in seen:
                    raise ExportFileError(ctx.path, f"review {review.review_id} is already on row "
                                          f"{seen[review.review_id]}", row=row_number,
                                          column=columns["review_id"])
                seen[review.review_id] = row_number
                out.reviews.append(review)
            extra = [name for name in header if name and name.casefold() not in settings.COLUMNS]
            if extra:
                out.notes.append(f"ignored columns not in the template: {extra}")
            break
        unrated = sum(1 for review in out.reviews if review.rating is None)
        if unrated:
            out.notes.append(f"{unrated} reviews without a rating (kept with rating NULL)")
        return out


@dataclass(frozen=True)
class _Row:
    """One data row, with errors that name the file row and the template column."""

    ctx: ExportContext
    row: int
    record: dict[str, str]
    columns: dict[str, str]  # template column -> header as written

    def cell(self, name: str) -> str:
        return self.record[self.columns[name]].strip()

    def error(self, name: str, reason: str) -> ExportFileError:
        return ExportFileError(self.ctx.path, reason, row=self.row, column=self.columns[name])

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

    def timestamp(self, name: str) -> dt.datetime | None:
        """ISO 8601 date or date-time as UTC; without an offset it is local time in ctx.timezone."""
        text = self.cell(name)
        if is_placeholder(text):
            return None
        try:
            if not _ISO_TIMESTAMP.fullmatch(text):
                raise ValueError(text)
            moment = dt.datetime.fromisoformat(text)
        except ValueError as exc:
            raise self.error(name, f"not an ISO 8601 date or date-time: {text!r}") from exc
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ZoneInfo(self.ctx.timezone))
        return moment.astimezone(dt.UTC)

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
