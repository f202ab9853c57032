"""LinkedIn Page admin export columns -> canonical metrics.

Page admin view -> Analytics -> Content / Followers / Visitors -> Export gives one workbook per
tab (legacy BIFF .xls, .xlsx since 2023); people also paste the native sheets into one workbook.
Sheets are told apart by their header row (see exports.py), so the tables below are keyed by the
header text, compared case-insensitively.

Every column of a daily sheet is kept: the ones listed here get a canonical metric, all others
(the organic/sponsored splits, engagement rates, desktop/mobile and per-tab page views) are kept
with metric None for lineage.
"""

from __future__ import annotations

# --------------------------------------------------------------------------------------------
# Content workbook, sheet "Metrics" (2020: "Update metrics (aggregated)"): one row per day.
# --------------------------------------------------------------------------------------------
CONTENT_DAILY_METRICS: dict[str, str] = {
    "impressions (total)": "impressions",
    # LinkedIn's only unique count: members who saw organic updates that day. There is no
    # sponsored or total unique figure, so reach is organic reach (DESIGN: "LinkedIn unique
    # impressions").
    "unique impressions (organic)": "reach",
    "clicks (total)": "clicks",
    # "Reactions" covers like, celebrate, support, love, insightful, funny: likes include reactions.
    "reactions (total)": "likes",
    "comments (total)": "comments",
    "shares (total)": "shares",
    "reposts (total)": "shares",  # 2023+ exports renamed "Shares (...)" to "Reposts (...)"
}

# --------------------------------------------------------------------------------------------
# Followers workbook, sheet "New followers": Date, Sponsored followers, Organic followers,
# Auto-invited followers, Total followers.
# "Total followers" there is NOT the page's follower count: it is the day's total of new
# followers (the sum of the three source columns; exports.py checks that on every row), so it
# is followers_gained. LinkedIn exports give no unfollows and no running total.
# --------------------------------------------------------------------------------------------
FOLLOWER_DAILY_METRICS: dict[str, str] = {
    "total followers": "followers_gained",
}
NEW_FOLLOWER_SOURCE_COLUMNS: tuple[str, ...] = (
    "sponsored followers", "organic followers", "auto-invited followers",
)

# --------------------------------------------------------------------------------------------
# Visitors workbook, sheet "Visitor metrics": page views and unique visitors per page tab
# (Overview, Life, Jobs) and device (desktop, mobile, total).
# Unique visitors, not page views, are the profile visits: one visit to the page opens several
# tabs (each a page view), while a unique visitor is one member on that day, which is what
# Meta "Visits" and Instagram "Profile visits" count for the other platforms.
# --------------------------------------------------------------------------------------------
VISITOR_DAILY_METRICS: dict[str, str] = {
    "total unique visitors (total)": "profile_visits",
}

# --------------------------------------------------------------------------------------------
# Content workbook, sheet "All posts" (2020: "Update Engagement"): one row per post with its
# lifetime counters, a snapshot as of the export date.
# --------------------------------------------------------------------------------------------
POST_TITLE_COLUMNS: tuple[str, ...] = ("post title", "update title")
POST_LINK_COLUMNS: tuple[str, ...] = ("post link", "update link")
# "Update type"/"Post type" holds the distribution (Organic / Sponsored), not the format; the
# format is in "Content Type" (2024+ exports only).
POST_DISTRIBUTION_COLUMNS: tuple[str, ...] = ("post type", "update type")
POST_CONTENT_TYPE_COLUMNS: tuple[str, ...] = ("content type",)
POST_CREATED_COLUMNS: tuple[str, ...] = ("created date",)
# Campaign and targeting details of sponsored posts: descriptive, not counters.
POST_DESCRIPTIVE_COLUMNS: frozenset[str] = frozenset({
    "campaign name", "posted by", "campaign start date", "campaign end date", "audience",
})

POST_METRICS: dict[str, str] = {
    "impressions": "impressions",
    "video views": "views",  # plays of video posts; empty for other posts
    "views": "views",  # 2024+ name of the video plays column
    "views (excluding off-site video views)": "views",
    "clicks": "clicks",
    "likes": "likes",  # LinkedIn's per-post "Likes" counts all reactions
    "reactions": "likes",
    "comments": "comments",
    "shares": "shares",
    "reposts": "shares",  # 2023+ rename
    # Kept for lineage only: "Follows" (follows from sponsored posts), "Click through rate
    # (CTR)", "Engagement rate" (fractions, 0.0306), "Offsite views".
}

# "Content Type" values -> POST_TYPES. Unknown values give post_type None (raw string kept).
CONTENT_TYPES: dict[str, str] = {
    "image": "photo",
    "images": "carousel",
    "multi-image": "carousel",
    "multi image": "carousel",
    "document": "carousel",  # PDF "document" posts are swiped page by page like a carousel
    "carousel": "carousel",
    "video": "video",
    "live": "live",
    "live video": "live",
    "text": "text",
    "article": "link",
    "link": "link",
    "poll": "post",
    "event": "post",
    "celebration": "post",
    "repost": "post",
}

# --------------------------------------------------------------------------------------------
# Demographic sheets (Location, Job function, Seniority, Industry, Company size, Country/Region):
# "<facet>, Total followers" (followers workbook) or "<facet>, Total views" (visitors workbook).
# They hold no daily facts and are skipped.
# --------------------------------------------------------------------------------------------
DEMOGRAPHIC_FACETS: frozenset[str] = frozenset({
    "location", "country/region", "country", "job function", "seniority", "industry", "company size",
})
DEMOGRAPHIC_VALUE_COLUMNS: frozenset[str] = frozenset({"total followers", "total views"})
