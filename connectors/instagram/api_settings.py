"""Instagram Graph API: metric names per API version/date and their canonical columns.

Kept apart from settings.py (the export mapping, owned by the exports connector). Sources:
platform-apis.md §3 ([docs] unless marked).
"""

from __future__ import annotations

import datetime as dt

from connectors.meta.graph import ApiMetric

HISTORY_DAYS = 730  # media metrics are stored 2 years [docs]
LOOKBACK_DAYS = 3  # media metrics arrive with up to 48 h delay [docs]
POST_REFRESH_DAYS = 28  # re-read lifetime counters of media published in the last 28 days
MEDIA_PAGE_SIZE = 50

_IMPRESSIONS_GONE = dt.date(2025, 4, 21)  # removed in v22, then in all versions on 2025-04-21 [docs]

# /{ig-user-id}/insights?period=day&metric_type=total_value&since=D&until=D+1: one request per
# day, because total_value sums the whole since..until range into one number.
ACCOUNT_METRICS: tuple[ApiMetric, ...] = (
    ApiMetric("impressions", "impressions", retired_on=_IMPRESSIONS_GONE, retired_from_version=22,
              replaced_by="views"),
    ApiMetric("views", "impressions"),  # Meta Views = times content was shown (DESIGN)
    ApiMetric("reach", "reach"),
    ApiMetric("likes", "likes"),
    ApiMetric("comments", "comments"),
    ApiMetric("shares", "shares"),
    ApiMetric("saves", "saves"),
    # Meta "Content interactions": likes + comments + shares + saves (+ replies) -> engagements
    ApiMetric("total_interactions", "engagements"),
    ApiMetric("accounts_engaged", None),  # unique accounts that interacted: lineage only
    ApiMetric("profile_links_taps", None),  # taps on profile contact links: not content clicks
)

# /{ig-media-id}/insights (lifetime counters)
MEDIA_METRICS: tuple[ApiMetric, ...] = (
    ApiMetric("impressions", "impressions", retired_on=_IMPRESSIONS_GONE, retired_from_version=22,
              replaced_by="views"),
    ApiMetric("views", "impressions"),  # Meta post "Views" -> impressions; `views` stays NULL (DESIGN)
    ApiMetric("reach", "reach"),
    ApiMetric("likes", "likes"),
    ApiMetric("comments", "comments"),
    ApiMetric("shares", "shares"),
    ApiMetric("saved", "saves"),
    ApiMetric("total_interactions", None),  # no post-level engagements column: lineage only
)

# /{ig-user-id}/media fields [code]
MEDIA_FIELDS = "id,caption,media_type,media_product_type,permalink,timestamp"
# /{ig-user-id} profile counters [code]
PROFILE_FIELDS = "id,username,followers_count,follows_count,media_count"

# (media_product_type, media_type) -> POST_TYPES
MEDIA_TYPES = {
    ("REELS", None): "reel",
    ("STORY", None): "story",
    ("FEED", "IMAGE"): "photo",
    ("FEED", "VIDEO"): "video",
    ("FEED", "CAROUSEL_ALBUM"): "carousel",
}
