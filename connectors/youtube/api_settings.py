"""YouTube Analytics API (v2) metrics and their canonical columns (platform-apis.md §6).

Kept apart from settings.py (the Studio export mapping, owned by the exports connector); the
columns are the same: views are plays (`video_views` per day, `views` per video), subscribers
gained/lost are follower gains/losses. The net change is left to the warehouse (gained - lost).

`engagedViews` is kept for lineage only (metric None): it is the watch-time-gated view count
that YouTube kept when it redefined `views` (Shorts 2025-03-31, every format 2026-08-24 [docs]).
Loading both lets an analyst bridge the methodology break; `video_views` stays YouTube's
current `views`, as in the Studio exports.
"""

from __future__ import annotations

BASE_URL = "https://youtubeanalytics.googleapis.com/v2"
HISTORY_DAYS = None  # reports reach back to the channel's creation [docs]
# Reports lag 48-72 h and are truncated to the last fully processed day [docs]; re-pull 5 days
# so a day is read again after its data has landed.
LOOKBACK_DAYS = 5

# dimensions=day: metric -> canonical column (None: lineage only).
DAY_METRICS: dict[str, str | None] = {
    "views": "video_views",
    "engagedViews": None,
    "estimatedMinutesWatched": None,
    "likes": "likes",
    "comments": "comments",
    "shares": "shares",
    "subscribersGained": "followers_gained",
    "subscribersLost": "followers_lost",
}

# dimensions=video (lifetime counters of each video, a snapshot dated the pull day).
VIDEO_METRICS: dict[str, str | None] = {
    "views": "views",
    "engagedViews": None,
    "likes": "likes",
    "comments": "comments",
    "shares": "shares",
}
# The lifetime query starts here (before YouTube's first video); endDate is the pull day.
LIFETIME_START = "2005-04-01"
# Top videos by views per request; `startIndex` pages on [unverified]. options["max_videos"]
# raises the total read per fetch.
VIDEO_PAGE_SIZE = 200
DEFAULT_MAX_VIDEOS = 200
