"""Instagram metric names: Meta Business Suite export headers -> canonical columns.

Mapping rules (DESIGN.md "Mapping platform metrics to canonical columns"):
- `Views` (which replaced impressions on 2025-04-21; API `views`) -> `impressions`; `Reach` and
  `Viewers` -> `reach`.
- `Instagram profile visits` -> `profile_visits`.
- `Instagram follows` / `Follows` are gross new follows only -> `followers_gained`.
- `Content interactions` (likes+comments+shares+saves, API `total_interactions`) -> `engagements`.
- `Instagram link clicks` / `Link clicks` -> `link_clicks` and also `clicks`: link clicks are the
  only click count Meta's daily files give.
- Post exports: `Views` (pre-2025 `Impressions`) -> impressions, `Likes` -> likes, `Comments`,
  `Shares`, `Saves`; pre-2025 `Plays` (reel plays) -> views. Every other metric column
  (`Follows`, ...) is kept with metric None.
"""

from __future__ import annotations

from connectors.meta.business_suite import MetaPlatformSettings

# Daily file title line (Insights -> Results -> Export) -> account_daily columns.
DAILY_TITLES: dict[str, tuple[str, ...]] = {
    "Views": ("impressions",),
    "Reach": ("reach",),
    "Viewers": ("reach",),
    "Instagram profile visits": ("profile_visits",),
    "Instagram follows": ("followers_gained",),
    "Follows": ("followers_gained",),
    "Content interactions": ("engagements",),
    "Instagram link clicks": ("link_clicks", "clicks"),
    "Link clicks": ("link_clicks", "clicks"),
}

# Per-post "Content" export header -> post_snapshots column (matched case-insensitively).
POST_METRICS: dict[str, str] = {
    "Views": "impressions",
    "Impressions": "impressions",  # pre-2025 exports
    "Plays": "views",  # pre-2025 exports: plays of reels (DESIGN: views = plays)
    "Reach": "reach",
    "Likes": "likes",
    "Comments": "comments",
    "Shares": "shares",
    "Saves": "saves",
}

# Business Suite `Post type` -> canonical post type.
POST_TYPES: dict[str, str] = {
    "IG reel": "reel",
    "IG image": "photo",
    "IG carousel": "carousel",
    "IG story": "story",
}

# `Account ID` is the column that tells this platform's per-post export apart.
SETTINGS = MetaPlatformSettings("instagram", DAILY_TITLES, "Account ID", POST_METRICS, POST_TYPES)
