"""GA4 Data API (v1beta runReport): the report asked for and its web_daily columns.

Kept apart from settings.py (the CSV export mapping, owned by the exports connector). Session
sources are mapped to social platforms with that module's `platform_of`, so the API and the
export agree on which sources count as which platform.
"""

from __future__ import annotations

BASE_URL = "https://analyticsdata.googleapis.com/v1beta"
HISTORY_DAYS = None
LOOKBACK_DAYS = 3  # GA4 keeps processing a day for 24-48 h [unverified]
PAGE_LIMIT = 10000  # rows per runReport call; `rowCount` gives the total [docs]
MAX_PAGES = 1000

DIMENSIONS: tuple[str, ...] = ("date", "sessionSource")  # date as YYYYMMDD
SESSIONS = "sessions"
ENGAGED_SESSIONS = "engagedSessions"
# "Conversions" were renamed "Key events" in 2024; options["conversions_metric"] overrides.
DEFAULT_CONVERSIONS_METRIC = "keyEvents"
REVENUE = "totalRevenue"
# GA4 defines a bounce as a session that was not engaged: bounced = sessions - engagedSessions
# (the same rule as the export, exports.py).
BOUNCED_SOURCE = "sessions-engagedSessions"
