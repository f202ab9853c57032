"""X API v2: endpoints, fields and their canonical columns (sources: platform-apis.md §4).

Kept apart from settings.py (the export mapping, owned by the exports connector). Mapping rules
(DESIGN.md): reposts and quotes are `shares`, bookmarks `saves`, replies `comments`, url clicks
`clicks`; profile clicks and the non-public impression count stay in the lineage only.
"""

from __future__ import annotations

import datetime as dt

BASE_URL = "https://api.x.com/2"
HISTORY_DAYS = None  # the timeline reaches back ~3,200 posts [unverified]; no date limit
LOOKBACK_DAYS = 3
# Non-public (and organic/promoted) metrics are served only for posts created within the last
# 30 days [docs]. Posts closer to that edge than the margin are asked for public metrics only,
# so a post that crosses the edge during the run does not fail the request.
NON_PUBLIC_DAYS = 30
NON_PUBLIC_MARGIN = dt.timedelta(hours=1)
# Posts whose lifetime counters are re-read on every fetch: published in the window or in the
# POST_REFRESH_DAYS days before its end (the same rule as the Meta clients).
POST_REFRESH_DAYS = 28
TIMELINE_PAGE_SIZE = 100  # max_results 5..100 [unverified]
# counts/recent covers the last 7 days [docs]; counts/all the full archive (restricted access [docs]).
RECENT_COUNTS_DAYS = 7
# end_time must lie in the past; keep a margin to the request time [docs: "as recent as 30 seconds ago"].
END_TIME_MARGIN = dt.timedelta(seconds=30)

USER_FIELDS = "public_metrics"
PUBLIC_TWEET_FIELDS = "created_at,text,public_metrics"
NON_PUBLIC_TWEET_FIELDS = "created_at,text,public_metrics,non_public_metrics"

# User lookup `public_metrics` -> account_daily (followers_count is the total at pull time).
USER_METRICS: dict[str, str | None] = {
    "followers_count": "followers",
    "following_count": None,
    "tweet_count": None,
    "listed_count": None,
}

# Post fields -> post snapshot columns. Keys are (group, field) of the tweet object [docs].
POST_METRICS: dict[tuple[str, str], str | None] = {
    ("public_metrics", "impression_count"): "impressions",
    ("public_metrics", "like_count"): "likes",
    ("public_metrics", "reply_count"): "comments",
    ("public_metrics", "bookmark_count"): "saves",
    # retweet_count and quote_count are summed into `shares` (SHARES_FROM); alone they are lineage.
    ("public_metrics", "retweet_count"): None,
    ("public_metrics", "quote_count"): None,
    ("non_public_metrics", "url_link_clicks"): "clicks",
    ("non_public_metrics", "user_profile_clicks"): None,
    # The same figure as public impression_count [docs example]; public is used for every post
    # (old posts have no non-public metrics), so this one is lineage only.
    ("non_public_metrics", "impression_count"): None,
}
SHARES_FROM: tuple[tuple[str, str], ...] = (("public_metrics", "retweet_count"), ("public_metrics", "quote_count"))
SHARES_SOURCE = "public_metrics.retweet_count+quote_count"
