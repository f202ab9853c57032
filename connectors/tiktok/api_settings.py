"""TikTok Accounts API (TikTok API for Business) fields and their canonical columns.

Kept apart from settings.py (the export mapping, owned by the exports connector); the columns
follow the same rules: TikTok reports no impressions (NULL), video views are plays, unique
viewers are reach, favourites are saves, phone-number clicks and lead submissions are not
content clicks (lineage only). Source: platform-apis.md §7.1 [code] (research notes quoting
business-api.tiktok.com).
"""

from __future__ import annotations

BASE_URL = "https://business-api.tiktok.com/open_api/v1.3"
# "Max look-back 60 days" [code]: starts older than 60 days are clamped, and one request covers
# at most 60 days (start_date..end_date).
HISTORY_DAYS = 60
MAX_DAYS_PER_CALL = 60
LOOKBACK_DAYS = 3  # 24-48 h latency [code]
POST_REFRESH_DAYS = 28  # videos whose lifetime counters are re-read: published in the last 28 days
VIDEO_PAGE_SIZE = 20  # max_count <= 20 [code]

# /business/get/ `metrics[]` (one entry per `date`) -> canonical column.
DAY_METRICS: dict[str, str | None] = {
    "video_views": "video_views",
    "unique_video_views": "reach",  # unique viewers = reach (DESIGN, as the exports' "viewers")
    "profile_views": "profile_visits",
    "likes": "likes",
    "comments": "comments",
    "shares": "shares",
    "daily_new_followers": "followers_gained",
    "daily_lost_followers": "followers_lost",
    "bio_link_clicks": None,  # profile link, not content (like Instagram's profile link taps)
    "phone_number_clicks": None,
    "lead_submissions": None,
    "engaged_audience": None,
}
# The follower total of each date: daily_total_followers, else the per-date followers_count
# (the [code] sample carries only the latter). One is loaded as `followers`, the other is lineage.
FOLLOWER_TOTAL_FIELDS: tuple[str, ...] = ("daily_total_followers", "followers_count")
DAY_FIELDS: tuple[str, ...] = (*DAY_METRICS, *FOLLOWER_TOTAL_FIELDS)

# /business/video/list/ lifetime counters per video -> post snapshot column.
VIDEO_METRICS: dict[str, str | None] = {
    "video_views": "views",
    "reach": "reach",  # null for videos inactive more than 7 days [code]: stays NULL
    "likes": "likes",
    "comments": "comments",
    "shares": "shares",
    "favorites": "saves",
    "total_time_watched": None,
    "average_time_watched": None,
    "full_video_watched_rate": None,
    "new_followers": None,
    "profile_views": None,
}
VIDEO_FIELDS: tuple[str, ...] = ("item_id", "create_time", "caption", "share_url", *VIDEO_METRICS)
