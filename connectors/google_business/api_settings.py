"""Google Business Profile reviews API (v4): endpoint and paging (platform-apis.md §8.1 [docs]).

Kept apart from settings.py (the review template, owned by the exports connector); the
starRating words (ONE..FIVE) are read with that module's STAR_RATINGS table.
"""

from __future__ import annotations

BASE_URL = "https://mybusiness.googleapis.com/v4"
HISTORY_DAYS = None  # every review is served [docs]
LOOKBACK_DAYS = 3
PAGE_SIZE = 50  # pageSize max 50 [docs]
# Newest-updated first, so paging can stop at the first review last updated before the window.
ORDER_BY = "updateTime desc"
