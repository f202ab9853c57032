"""YouTube Studio metric names (export headers) -> canonical columns, and the dimensions.

Keys are the English column headers of YouTube Studio's advanced-mode download (its language
follows the Studio UI; other languages are not recognised). A value of None keeps the metric
for lineage only: it has no canonical column.

Mapping rules (docs/connectors.md, DESIGN.md "Mapping platform metrics to canonical columns"):
- Views are plays -> `video_views` (channel, daily) / `views` (per video).
- Impressions (renamed "Thumbnail impressions" in 2026) are times a thumbnail was shown ->
  `impressions`.
- "Subscribers" is a net change (gained - lost, can be negative) -> `followers_net_change`
  per day. Per video it is the net subscribers the video brought, which has no post column.
- Watch time, averages, rates and "Engaged views" (the pre-2025 view definition, see
  platform-apis.md §6.2) have no canonical column.
"""

from __future__ import annotations

# Channel-level daily metrics (Totals.csv, Chart data.csv).
ACCOUNT_METRICS: dict[str, str | None] = {
    "Views": "video_views",
    "Subscribers": "followers_net_change",
    "Subscribers gained": "followers_gained",
    "Subscribers lost": "followers_lost",
    "Impressions": "impressions",
    "Thumbnail impressions": "impressions",  # 2026 name of Impressions
    "Likes": "likes",
    "Comments added": "comments",
    "Shares": "shares",
    "Watch time (hours)": None,
    "Engaged views": None,
    "Unique viewers": None,
    "Average view duration": None,
    "Average percentage viewed (%)": None,
    "Impressions click-through rate (%)": None,
    "Thumbnail click-through rate (%)": None,
    "Dislikes": None,
    "Estimated revenue (USD)": None,
}

# Per-video counters (Table data.csv by Content).
POST_METRICS: dict[str, str | None] = {
    "Views": "views",
    "Impressions": "impressions",
    "Thumbnail impressions": "impressions",
    "Likes": "likes",
    "Comments added": "comments",
    "Shares": "shares",
    # Net subscribers gained through the video: no post_snapshots column, kept for lineage.
    "Subscribers": None,
    "Subscribers gained": None,
    "Subscribers lost": None,
    "Watch time (hours)": None,
    "Engaged views": None,
    "Unique viewers": None,
    "Average view duration": None,
    "Average percentage viewed (%)": None,
    "Stayed to watch (%)": None,
    "Impressions click-through rate (%)": None,
    "Thumbnail click-through rate (%)": None,
    "Dislikes": None,
    "Likes (vs. dislikes) (%)": None,
    "Estimated revenue (USD)": None,
    "New viewers": None,
    "Returning viewers": None,
    "Regular viewers": None,
    "Casual viewers": None,
}

# Metrics that are not counts: summing them across a dimension is meaningless.
NON_ADDITIVE_METRICS: frozenset[str] = frozenset({
    "Unique viewers",  # the same viewer can come through several traffic sources
    "Average view duration",
    "Average percentage viewed (%)",
    "Stayed to watch (%)",
    "Impressions click-through rate (%)",
    "Thumbnail click-through rate (%)",
    "Likes (vs. dislikes) (%)",
})

# Metadata columns of the Content dimension (not metrics).
CONTENT_COLUMNS: tuple[str, ...] = ("Content", "Video title", "Video publish time", "Duration")

# The first column of a Studio table / the second of Chart data names the dimension.
DIMENSIONS: frozenset[str] = frozenset({
    "Content",
    "Traffic source",
    "Subscription status",
    "Geography",
    "City",
    "Viewer age",
    "Viewer gender",
    "Age",
    "Gender",
    "Device type",
    "Operating system",
    "Playback location",
    "Sharing service",
    "Subtitles and CC",
    "Video info language",
    "Content type",
    "YouTube product",
    "New and returning viewers",
    "Playlist",
    "External source",
    "End screen element",
    "Card",
})

# Dimensions that split every view of a day into exactly one item, so the per-item daily series
# of Chart data add up to the channel's day. Geography and cities list only countries above
# YouTube's privacy threshold; Content lists only the videos plotted in the chart.
EXHAUSTIVE_DIMENSIONS: frozenset[str] = frozenset({"Traffic source", "Subscription status"})
