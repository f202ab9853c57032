"""Facebook Page Insights API: metric names per API version/date and their canonical columns.

Kept apart from settings.py (the export mapping, owned by the exports connector). Sources:
platform-apis.md §2 ([docs] unless marked). Retirements apply to every API version on the
date given; `retired_from_version` is the first version that no longer knows the metric.
"""

from __future__ import annotations

import datetime as dt

from connectors.meta.graph import ApiMetric

HISTORY_DAYS = 730  # "only the last 2 years" of Page Insights [docs]
MAX_DAYS_PER_CALL = 90  # "max 90 days per since/until window" [docs]
LOOKBACK_DAYS = 3  # most Page metrics update once per 24 h [docs]; re-pull 3 days nightly
# Posts whose lifetime counters are re-read on every fetch: those published in the window or
# in the last POST_REFRESH_DAYS days before its end, so the nightly run keeps fresh snapshots.
POST_REFRESH_DAYS = 28

# /{page-id}/insights?period=day
PAGE_METRICS: tuple[ApiMetric, ...] = (
    # "impressions -> views" wave, 2025-11-15, all versions [docs]
    ApiMetric("page_impressions", "impressions", retired_on=dt.date(2025, 11, 15),
              replaced_by="page_media_view"),
    ApiMetric("page_media_view", "impressions"),
    ApiMetric("page_fans", "followers", retired_on=dt.date(2025, 11, 15), replaced_by="page_follows"),
    ApiMetric("page_follows", "followers"),  # total followers of the Page
    # reach = "viewers": 2026-06-15 / when v26.0 is released [docs]
    ApiMetric("page_impressions_unique", "reach", retired_on=dt.date(2026, 6, 15),
              retired_from_version=26, replaced_by="page_total_media_view_unique"),
    ApiMetric("page_total_media_view_unique", "reach"),
)

# /{post-id}/insights?period=lifetime
POST_METRICS: tuple[ApiMetric, ...] = (
    ApiMetric("post_impressions", "impressions", retired_on=dt.date(2025, 11, 15),
              replaced_by="post_media_view"),
    ApiMetric("post_media_view", "impressions"),  # Meta post "Views" -> impressions; views stays NULL
    ApiMetric("post_impressions_unique", "reach", retired_on=dt.date(2026, 6, 15),
              retired_from_version=26, replaced_by="post_total_media_view_unique"),
    ApiMetric("post_total_media_view_unique", "reach"),
    ApiMetric("post_clicks", "clicks"),  # [unverified] name; a #100 on it is reported and skipped
)

# /{page-id}/posts fields. Likes include every reaction (DESIGN "likes includes reactions").
# [unverified] field syntax, widely used: summary counts without fetching the items (limit(0)).
POST_FIELDS = (
    "id,created_time,message,permalink_url,status_type,shares,"
    "reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0)"
)
POSTS_PAGE_SIZE = 100

# Post counters read from the post object: (path in the object, canonical column, lineage name).
POST_FIELD_METRICS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("reactions", "summary", "total_count"), "likes", "reactions.summary.total_count"),
    (("comments", "summary", "total_count"), "comments", "comments.summary.total_count"),
    (("shares", "count"), "shares", "shares.count"),
)

# `status_type` -> POST_TYPES ([unverified] value list; anything else is a plain "post").
STATUS_TYPES = {
    "added_photos": "photo",
    "added_video": "video",
    "shared_story": "link",
    "mobile_status_update": "text",
    "created_note": "text",
}
