"""Google Business Profile reviews template (docs/exports/templates.md, sample
docs/templates/reviews.csv).

Business Profile has no review export in its interface; reviews come from the API
(accounts.locations.reviews.list, whose starRating is the enum ONE..FIVE), from Google Takeout
(Business Profile -> reviews JSON) or from a review-management tool's CSV. People copy them into:

    review_id,location_id,created_at,rating,comment

- review_id: Google's reviewId (or the tool's id), unique per file.
- location_id: the Business Profile location ("locations/222222222" or its number); empty = unknown.
- created_at: ISO 8601 ("2026-07-01T10:00:00Z"); a time without offset is in the account's
  timezone; empty = unknown.
- rating: 1-5 stars, as a number or as the API's starRating word ONE..FIVE.
- comment: the review text; empty for rating-only reviews (NULL).
"""

from __future__ import annotations

COLUMNS: tuple[str, ...] = ("review_id", "location_id", "created_at", "rating", "comment")

# The API's starRating enum. STAR_RATING_UNSPECIFIED carries no rating: NULL.
STAR_RATINGS: dict[str, float | None] = {
    "one": 1.0, "two": 2.0, "three": 3.0, "four": 4.0, "five": 5.0,
    "star_rating_unspecified": None,
}
RATING_MIN = 1.0
RATING_MAX = 5.0
