"""X (Twitter) metric names: export header -> canonical column (None = kept for lineage only).

Keys are the headers case-folded: X changed the capitalisation of the same column between export
versions ("Url clicks" / "URL Clicks", "Detail expands" / "Detail Expands"), and the legacy exports
write everything in lower case. The header exactly as the file writes it is kept as
`source_metric`.

Rules (DESIGN.md, "Mapping platform metrics to canonical columns"):
- X "Engagements" counts every click on a post (profile, hashtag, link, media, "show more"
  detail expands, permalink) on top of likes, replies, reposts and bookmarks. It therefore does
  not mean likes+comments+shares+saves and is kept as `platform_engagements`; the warehouse sums
  `engagements` from the components.
- Reposts / retweets are `shares`; X Premium's separate "Share(s)" column (sharing a post by
  link or direct message) is `link_shares` (account level) and lineage only per post (post
  snapshots have no link-share column).
- Bookmarks are `saves`; replies are `comments`; url clicks are `clicks` (the only content click
  X reports; profile, hashtag, detail-expand and permalink clicks stay in the lineage).
- No X export carries the follower total, only gains ("New follows") and losses ("Unfollows"),
  so `followers` is never set from an X file.
"""

from __future__ import annotations

# --------------------------------------------------------------------------------------------
# Legacy analytics.twitter.com exports (2014-2023): "Tweet activity" per tweet and "daily tweet
# activity" per day share one column set after their first columns.
# --------------------------------------------------------------------------------------------

# Columns of the legacy exports that are not metrics of a tweet or day.
TWEET_ACTIVITY_ID_COLUMN = "tweet id"
TWEET_ACTIVITY_PERMALINK_COLUMN = "tweet permalink"
TWEET_ACTIVITY_TEXT_COLUMN = "tweet text"
TWEET_ACTIVITY_TIME_COLUMN = "time"
DAILY_TWEET_ACTIVITY_DATE_COLUMN = "date"

# The organic metrics both legacy exports share, with no canonical column: kept for lineage.
_LEGACY_LINEAGE_ONLY = (
    "engagements",  # the per-tweet export has no canonical total (see platform_engagements)
    "engagement rate",  # a ratio (engagements / impressions), recomputed by the KPI layer
    "user profile clicks",
    "hashtag clicks",
    "detail expands",
    "permalink clicks",
    "app opens",
    "app installs",
    "follows",  # follows made directly from a tweet, not all new followers of the day
    "email tweet",
    "dial phone",
    "media engagements",
)

# Paid-promotion counterparts of the organic columns. Organic accounts get "-" in every cell
# (read as NULL, never 0). Paid figures belong to meta_ads-style ads data, not organic KPIs.
_LEGACY_PROMOTED = tuple(
    f"promoted {name}"
    for name in (
        "impressions", "engagements", "engagement rate", "retweets", "replies", "likes",
        "user profile clicks", "url clicks", "hashtag clicks", "detail expands",
        "permalink clicks", "app opens", "app installs", "follows", "email tweet", "dial phone",
        "media views", "media engagements",
    )
)

# Per-tweet "Tweet activity" export -> post snapshot metrics (POST_SNAPSHOT_METRICS).
TWEET_ACTIVITY_POST_METRICS: dict[str, str | None] = {
    "impressions": "impressions",
    "likes": "likes",
    "favorites": "likes",  # exports before Twitter renamed favourites to likes (Nov 2015)
    "replies": "comments",
    "retweets": "shares",
    "url clicks": "clicks",
    # Views of the tweet's photos/videos/GIFs: the only "views" figure the legacy export has.
    "media views": "views",
    **{name: None for name in _LEGACY_LINEAGE_ONLY},
    **{name: None for name in _LEGACY_PROMOTED},
}

# "Daily tweet activity" export (one row per day) -> account_daily (ACCOUNT_DAILY_METRICS).
DAILY_TWEET_ACTIVITY_METRICS: dict[str, str | None] = {
    "tweets published": "posts_published",
    "impressions": "impressions",
    "engagements": "platform_engagements",  # includes clicks and expands: not `engagements`
    "retweets": "shares",
    "replies": "comments",
    "likes": "likes",
    "favorites": "likes",  # pre-Nov-2015 name of likes
    "url clicks": "clicks",
    # Not in any daily file seen (the export only has "follows" made from tweets); mapped in
    # case a variant carries the account's daily gains and losses.
    "new followers": "followers_gained",
    "unfollows": "followers_lost",
    # Media views count views of images as well as plays, so they are not `video_views`.
    "media views": None,
    **{name: None for name in _LEGACY_LINEAGE_ONLY if name != "engagements"},
    **{name: None for name in _LEGACY_PROMOTED},
}

# --------------------------------------------------------------------------------------------
# X Premium analytics (x.com -> Premium -> Analytics -> Export data), 2024+
# --------------------------------------------------------------------------------------------

OVERVIEW_DATE_COLUMN = "date"

# `account_overview_analytics.csv` (one row per day) -> account_daily.
ACCOUNT_OVERVIEW_METRICS: dict[str, str | None] = {
    "impressions": "impressions",
    "likes": "likes",
    "engagements": "platform_engagements",  # counts clicks and expands too: not `engagements`
    "bookmarks": "saves",
    "shares": "link_shares",  # sharing by link or direct message; reposts are `shares`
    "reposts": "shares",
    "replies": "comments",
    "new follows": "followers_gained",
    "unfollows": "followers_lost",
    "profile visits": "profile_visits",
    "create post": "posts_published",
    "video views": "video_views",
    "media views": None,  # views of images and videos together: no canonical column
}

# Columns of `account_analytics_content_*.csv` that describe the post, in both header variants
# (early 2025 "Link"; mid-2025 on "Post Link").
CONTENT_ID_COLUMN = "post id"
CONTENT_DATE_COLUMN = "date"
CONTENT_TEXT_COLUMN = "post text"
CONTENT_LINK_COLUMNS = ("post link", "link")

# `account_analytics_content_*.csv` (one row per post, lifetime counters) -> post snapshots.
CONTENT_POST_METRICS: dict[str, str | None] = {
    "impressions": "impressions",
    "likes": "likes",
    "replies": "comments",
    "reposts": "shares",
    "bookmarks": "saves",
    "url clicks": "clicks",
    "engagements": None,  # X's own total incl. clicks and expands
    "share": None,  # link/DM shares (early-2025 header); post snapshots have no link-share column
    "shares": None,  # the same column, mid-2025 header
    "new follows": None,
    "profile visits": None,
    "detail expands": None,
    "hashtag clicks": None,
    "permalink clicks": None,
}
