"""LinkedIn Pages (Community Management API): endpoints, windows and canonical columns.

Kept apart from settings.py (the export mapping, owned by the exports connector). Sources:
platform-apis.md §5 ([docs] unless marked). The API fields map to the same columns as the
export's (settings.py): impressions, unique impressions (reach), clicks, reactions (likes),
comments, shares; new followers are `followers_gained`; unique page visitors `profile_visits`.
"""

from __future__ import annotations

BASE_URL = "https://api.linkedin.com/rest"
# Versions are sunset about a year after release [docs]; override with options["api_version"].
DEFAULT_API_VERSION = "202606"
RESTLI_PROTOCOL_VERSION = "2.0.0"

# Share statistics cover a rolling 12 months [docs]; follower gains about today-365..today-2
# [code]. Older starts are clamped, and no request spans more than 12 months.
HISTORY_DAYS = 365
MAX_DAYS_PER_CALL = 365
FOLLOWER_STATS_LAG_DAYS = 2  # [code]: time-bound follower gains end two days before today
LOOKBACK_DAYS = 3
PAGE_SIZE = 100  # `count` of start/count paging

# organizationalEntityShareStatistics: totalShareStatistics.<field> -> canonical column.
SHARE_METRICS: dict[str, str | None] = {
    "impressionCount": "impressions",
    # Members who saw the posts: LinkedIn's unique impressions are reach (DESIGN). Daily buckets
    # usually omit it [code]; then reach stays NULL.
    "uniqueImpressionsCount": "reach",
    "clickCount": "clicks",
    "likeCount": "likes",  # reactions of every kind
    "commentCount": "comments",
    "shareCount": "shares",
    # (clicks + likes + comments + shares) / impressions [code]: a ratio, recomputed by the KPIs.
    "engagement": None,
}

# organizationalEntityFollowerStatistics (time-bound): followerGains.<field>. Both are summed
# into followers_gained (FOLLOWER_GAIN_SOURCE); alone they are kept for lineage.
FOLLOWER_GAIN_FIELDS: tuple[str, ...] = ("organicFollowerGain", "paidFollowerGain")
FOLLOWER_GAIN_SOURCE = "followerGains.organicFollowerGain+paidFollowerGain"

# organizationPageStatistics (time-bound): totalPageStatistics.views.<view>.<field> -> column.
# Unique visitors, not page views, are profile visits (the same rule as the export, settings.py).
PAGE_VIEW_METRICS: dict[tuple[str, str], str | None] = {
    ("allPageViews", "uniquePageViews"): "profile_visits",
    ("allPageViews", "pageViews"): None,
}

# A statistics finder answering one of these is dropped (and remembered), the others still load:
# 400 (a finder or parameter the version does not serve) and 403 ACCESS_DENIED (a permission
# the app lacks, e.g. page statistics without rw_organization_admin). 401 stays re-authorise.
REFUSED_REPORT_STATUSES = frozenset({400, 403})
STATISTICS_RESOURCES = frozenset({"organizationalEntityShareStatistics", "organizationPageStatistics",
                                  "organizationalEntityFollowerStatistics"})

# networkSizes: the follower total [docs/code].
NETWORK_EDGE_TYPE = "COMPANY_FOLLOWED_BY_MEMBER"

# 401 serviceErrorCode values [code]
AUTH_SERVICE_ERRORS = {65600: "invalid or expired access token", 65601: "the access token was revoked"}
