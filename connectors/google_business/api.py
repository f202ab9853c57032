"""Google Business Profile reviews client (v4 `accounts.locations.reviews.list`).

fetch: for each location in `options["location_ids"]`,
`GET /v4/accounts/{account_id}/locations/{location}/reviews?pageSize=50&orderBy=updateTime desc`,
following `nextPageToken` -> `pageToken` until a page reaches reviews last updated before the
window (older reviews did not change, and core.reviews keeps the latest version of each).
normalise: reviews -> ReviewRecord (starRating words -> 1..5, no comment -> NULL).

Credentials: `access_token` (Google, about 1 h), `refresh_token` + `client_id` + `client_secret`
(scope business.manage [docs]). The project's quota is 0 until Google approves "Basic API
Access" [docs]: then every call answers 429, and the fetch ends with RetriesExhaustedError.
"""

from __future__ import annotations

import datetime as dt
import logging

from connectors.base import ParsedExport, RawPage, ReviewRecord
from connectors.google import GoogleApiClient
from connectors.google_business import api_settings
from connectors.google_business.settings import STAR_RATINGS
from connectors.http import ApiError, follow_cursor

logger = logging.getLogger(__name__)


def next_page_token(body: object) -> str | None:
    """Google list paging: `nextPageToken`, absent on the last page [docs]."""
    token = body.get("nextPageToken") if isinstance(body, dict) else None
    return token if isinstance(token, str) and token else None


def parse_google_time(text: str) -> dt.datetime:
    """RFC 3339 timestamps ("2026-07-01T10:00:00Z", "...T10:00:00.123456Z") as aware UTC datetimes."""
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.UTC)


def reviews_of(body: object) -> list[dict]:
    items = body.get("reviews") if isinstance(body, dict) else None
    return [r for r in items if isinstance(r, dict)] if isinstance(items, list) else []


class GoogleBusinessReviewsApi(GoogleApiClient):
    """The reviews of one Business Profile account (account_id = the account number)."""

    platform = "google_business"
    api_settings = api_settings

    def locations(self) -> list[str]:
        """Location ids from options["location_ids"] ("222222222" or "locations/222222222")."""
        raw = self.account.options.get("location_ids") or []
        ids = [str(x).removeprefix("locations/") for x in (raw if isinstance(raw, list | tuple) else [raw])]
        if not ids:
            raise ApiError(self.platform, self.account.account_id,
                           "options location_ids is empty: name the Business Profile locations to read")
        return ids

    def _path(self, location: str) -> str:
        return f"accounts/{self.account.account_id}/locations/{location}/reviews"

    def check(self) -> None:
        """Cheap probe: one review of the first location."""
        today = self.today()
        self.http.get(self._path(self.locations()[0]), {"pageSize": 1}, window=(today, today))

    def fetch(self, start: dt.date, end: dt.date) -> list[RawPage]:
        window = (start, end)

        def before_window(page: RawPage) -> bool:
            stamps = [r["updateTime"] for r in reviews_of(page.body) if isinstance(r.get("updateTime"), str)]
            return bool(stamps) and self.local_date(parse_google_time(min(stamps))) < start

        pages: list[RawPage] = []
        for location in self.locations():
            pages += follow_cursor(self.http, self._path(location), {
                "pageSize": api_settings.PAGE_SIZE, "orderBy": api_settings.ORDER_BY,
            }, window=window, cursor_param="pageToken", next_cursor=next_page_token, stop=before_window)
        return pages

    def normalise(self, pages: list[RawPage]) -> ParsedExport:
        """Canonical records from landed pages; pure (no network, no clock)."""
        result = ParsedExport(format="google_business_api")
        seen: set[str] = set()
        for page in pages:
            if page.status >= 400:
                continue
            for review in reviews_of(page.body):
                review_id = review.get("reviewId") or str(review.get("name", "")).rsplit("/", 1)[-1]
                if not review_id or review_id in seen:
                    # Quirk: a review updated while we page moves to the front and can be listed
                    # twice; the first sighting is the newest version.
                    continue
                seen.add(review_id)
                name = str(review.get("name") or "")
                parts = name.split("/")
                location = f"locations/{parts[3]}" if len(parts) >= 4 and parts[2] == "locations" else None
                word = str(review.get("starRating") or "")
                rating = STAR_RATINGS.get(word.casefold())
                if word and word.casefold() not in STAR_RATINGS:
                    result.notes.append(f"google_business: review {review_id} has an unknown starRating "
                                        f"{word!r}; rating left empty")
                created = review.get("createTime")
                result.reviews.append(ReviewRecord(
                    review_id=str(review_id), location_id=location,
                    created_at=parse_google_time(created) if isinstance(created, str) else None,
                    rating=rating,
                    # rating-only reviews have no `comment` [docs]: NULL, not ""
                    comment=review.get("comment") or None))
        return result
