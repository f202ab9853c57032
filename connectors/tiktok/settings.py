"""TikTok metric names (export headers) -> canonical columns.

Keys are the headers exactly as TikTok writes them (stripped of the trailing spaces TikTok
Business adds); lookups are case-insensitive because TikTok Studio and TikTok Business spell
the same metric with different capitals ("Video Views" / "Video views").
A value of None keeps the platform metric for lineage only: it has no canonical column.

Mapping rules (docs/connectors.md, DESIGN.md "Mapping platform metrics to canonical columns"):
- TikTok reports no impressions: `impressions` stays NULL for TikTok.
- Video views are plays -> `video_views` (account) / `views` (post).
- TikTok "viewers" (Studio "Total Viewers") and "reached audience" (Business) are unique
  accounts reached -> `reach`. New/Returning viewers split that figure and have no column.
- Favourites ("Add to favorites") are saves -> `saves`.
- "Net growth" (Business) and "Difference in followers from previous day" (Studio) are net
  follower changes -> `followers_net_change`.
- Phone-number clicks and lead submissions are not clicks on content: lineage only.
"""

from __future__ import annotations

# TikTok Studio "Overview" tab download (Date, Video Views, Profile Views, Likes, Comments, Shares).
STUDIO_OVERVIEW_METRICS: dict[str, str | None] = {
    "Video Views": "video_views",
    "Profile Views": "profile_visits",
    "Likes": "likes",
    "Comments": "comments",
    "Shares": "shares",
}

# TikTok Studio "Viewers" tab download. TikTok's "viewers" are unique accounts that watched:
# that is reach. New/Returning viewers split the total and have no canonical column.
STUDIO_VIEWERS_METRICS: dict[str, str | None] = {
    "Total Viewers": "reach",
    "New Viewers": None,
    "Returning Viewers": None,
}

# TikTok Studio "Followers" tab, FollowerHistory download.
STUDIO_FOLLOWER_HISTORY_METRICS: dict[str, str | None] = {
    "Followers": "followers",
    "Difference in followers from previous day": "followers_net_change",
}

# TikTok Studio "Content" tab download: lifetime counters per post (older and newer variants).
STUDIO_CONTENT_METRICS: dict[str, str | None] = {
    "Total likes": "likes",
    "Total comments": "comments",
    "Total shares": "shares",
    "Total views": "views",
    "Add to favorites": "saves",
    "Total play time": None,
    "Average watch time": None,
    "Watched full video": None,
}

# TikTok Business daily overview (Date, Video views, Reached audience, ..., Lost followers).
BUSINESS_OVERVIEW_METRICS: dict[str, str | None] = {
    "Video views": "video_views",
    "Reached audience": "reach",
    "Profile views": "profile_visits",
    "Likes": "likes",
    "Shares": "shares",
    "Comments": "comments",
    # Calls and lead forms from the business profile, not clicks on content: lineage only.
    "Phone number clicks": None,
    "Leads submission": None,
    "Net growth": "followers_net_change",
    "New followers": "followers_gained",
    "Lost followers": "followers_lost",
}

# TikTok Business audience file (Date, New followers, Total followers, Reached audience,
# Engaged audience). "Engaged audience" (accounts that interacted) has no canonical column.
BUSINESS_AUDIENCE_METRICS: dict[str, str | None] = {
    "New followers": "followers_gained",
    "Total followers": "followers",
    "Reached audience": "reach",
    "Engaged audience": None,
}

# TikTok Business video file: lifetime counters per post.
BUSINESS_VIDEO_METRICS: dict[str, str | None] = {
    "Video views": "views",
    "Likes": "likes",
    "Comments": "comments",
    "Shares": "shares",
    "Add to Favorites": "saves",
}
