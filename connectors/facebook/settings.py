"""Facebook Page metric names: Meta Business Suite / legacy Insights headers -> canonical columns.

Mapping rules (DESIGN.md "Mapping platform metrics to canonical columns"):
- `Views` (Meta's 2025 rename of impressions; API `page_media_view`) -> `impressions`.
  `Reach`, `Facebook reach` and `Viewers` (the 2026 name of reach, API
  `page_total_media_view_unique`) -> `reach`.
- `Follows` / `Facebook follows` are gross new follows only -> `followers_gained`; unfollows
  are not in the daily files, so followers_lost and followers_net_change stay NULL.
- `Content interactions` is Meta's reactions+comments+shares(+saves) total -> `engagements`.
- `Link clicks` -> `link_clicks` and also `clicks`: link clicks are the only click count Meta's
  daily files give (DESIGN: "link clicks where that is the only one").
- Post exports: `Views` (pre-2025 `Impressions`) -> impressions, `Reactions` -> likes,
  `Total clicks` -> clicks. Every other metric column (`Reactions, Comments and Shares` in any
  case, `Link Clicks`, `Other Clicks`, `Seconds viewed`, ...) is kept with metric None.
"""

from __future__ import annotations

from connectors.meta.business_suite import MetaPlatformSettings

# Daily file title line (Insights -> Results -> Export) -> account_daily columns.
DAILY_TITLES: dict[str, tuple[str, ...]] = {
    "Views": ("impressions",),
    "Facebook reach": ("reach",),
    "Reach": ("reach",),
    "Viewers": ("reach",),
    "Facebook visits": ("profile_visits",),
    "Follows": ("followers_gained",),
    "Facebook follows": ("followers_gained",),  # title of the 2025 file re-saved with `;`
    "Content interactions": ("engagements",),
    "Link clicks": ("link_clicks", "clicks"),
}

# Per-post "Content" export header -> post_snapshots column (matched case-insensitively).
POST_METRICS: dict[str, str] = {
    "Views": "impressions",
    "Impressions": "impressions",  # pre-2025 exports
    "Reach": "reach",
    "Reactions": "likes",
    "Comments": "comments",
    "Shares": "shares",
    "Total clicks": "clicks",
}

# Business Suite `Post type` -> canonical post type.
POST_TYPES: dict[str, str] = {
    "Photos": "photo",
    "Reels": "reel",
    "Links": "link",
    "Videos": "video",
    "Text": "text",
}

# `Page ID` is the column that tells this platform's per-post export apart.
SETTINGS = MetaPlatformSettings("facebook", DAILY_TITLES, "Page ID", POST_METRICS, POST_TYPES)

# --------------------------------------------------------------------------------------------
# Legacy Facebook Insights "Post data" export (SpreadsheetML .xls, until 2020/2021)
# --------------------------------------------------------------------------------------------

# Sheet "Key Metrics": header -> post_snapshots column. The other Key Metrics columns (organic /
# paid splits, engaged users, negative feedback, video views to 95%...) are kept with metric None.
LEGACY_KEY_METRICS: dict[str, str] = {
    "Lifetime Post Total Impressions": "impressions",
    "Lifetime Post Total Reach": "reach",
    # "The number of clicks anywhere in your post" (Total Count): the legacy name of what
    # Business Suite calls `Total clicks`; equals the sum of the "Consumptions by type" sheet.
    "Lifetime Matched Audience Targeting Consumptions on Post": "clicks",
}

# Breakdown sheets are named after their metric, cut to Excel's 31 characters
# ("Lifetime Post Stories by act..."); matched by this prefix. "Stories by action type" counts
# every like, comment and share (Total Count); "Talking About This" counts unique people, so
# it stays lineage only.
LEGACY_STORIES_SHEET_PREFIX = "Lifetime Post Stories by act"
LEGACY_STORY_ACTIONS: dict[str, str] = {
    "like": "likes",
    "comment": "comments",
    "share": "shares",
}

# Legacy `Type` -> canonical post type ("SharedVideo" is another Page's video shared by this one).
LEGACY_POST_TYPES: dict[str, str] = {
    "Photo": "photo",
    "Link": "link",
    "Video": "video",
    "SharedVideo": "video",
    "Status": "text",
}
