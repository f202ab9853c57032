"""The KPI catalogue: one entry per KPI, the single source of kpi.catalogue and kpi.daily's SQL.

Every KPI is a numerator and (for rates) a denominator, computed at one of four levels:

- `account`: over one account-day of core.account_daily (plus `followers_start`, the followers at
  the end of the previous day); rolled up per platform and across platforms in the same statement.
- `brand_platform`: over one brand, platform and day of the business facts (web analytics, paid
  media, mentions, reviews: the `brand_facts` relation of kpi_daily.sql.j2), written with
  account_id = 'all'; the platform = 'all' row sums the platforms' numerators and denominators.
- `brand`: over one brand and day (`brand_totals`), only meaningful across platforms (roi pairs
  web revenue with ad spend; survey responses carry no platform): written with platform = 'all'.
- `post`: over the posts an account published that day (kpi.posts, `posts` relation of
  kpi_posts_daily.sql.j2), dated by publication date; rolled up like account KPIs.

`requires` names the `can_<x>` flags the inputs must set for the KPI to get a row at all; any-of
groups are written "a|b". `period` says how kpi.weekly and kpi.monthly re-aggregate the daily
numerators and denominators (see PERIOD_RULES).
"""

from __future__ import annotations

from dataclasses import dataclass, field

LEVELS = ("account", "brand_platform", "brand", "post")

# How a period (ISO week, calendar month) is re-aggregated from the daily rows; written to
# kpi.catalogue.period_rule, which the kpi.weekly / kpi.monthly views read.
PERIOD_RULES = {
    "sum": "sum of the daily values over the days that have one",
    "end": "the value of the last day of the period that has a row (end of period)",
    "ratio": "sum of the daily numerators / sum of the daily denominators over the rows (days x accounts) "
             "that have both: follower-based rates stay on the daily scale (follower-weighted mean of the "
             "daily rates)",
    "start_ratio": "cumulative: sum of the daily numerators / the followers at the period start (the "
                   "denominator of the period's first day), per account, summed over the accounts that "
                   "have both",
    "retention": "cumulative: (followers at period start - followers lost in the period) / followers at "
                 "period start, per account, summed over the accounts that have both",
    "none": "NULL: unique reach over a period cannot be summed from days",
}


@dataclass(frozen=True)
class Kpi:
    name: str
    category: str  # reach | engagement | conversion | customer
    unit: str  # count | percent | ratio | currency | score
    formula: str
    numerator: str  # what the numerator holds, in words
    denominator: str | None
    higher_is_better: bool
    indicator: str  # leading | lagging
    aggregation: str  # how it rolls up over days, accounts and platforms
    description: str
    numerator_sql: str
    denominator_sql: str | None = None
    scale: float = 1.0
    requires: tuple[str, ...] = ()
    level: str = "account"
    period: str = field(kw_only=True)
    # (low, high) of a plausible kpi.daily value, None = open; the kpis_within_bounds check reads it.
    # Shares of a whole are 0-100 (share_of_voice, bounce_rate, csat, ctr); rates whose numerator can
    # exceed the denominator are only >= 0 (reach_rate, conversion_rate, churn, cpc, cpm);
    # audience_growth_rate and roi are >= -100; retention <= 100; nps -100..100; average_rating 1-5;
    # counts >= 0 except followers_net_change and the interactions platforms report net of deletions
    # (likes, comments, shares, saves, engagements: TikTok Studio daily comments) and the rates built
    # on those interactions, which are open both ways (NET_OF_DELETIONS).
    bounds: tuple[float | None, float | None] = field(default=(0, None), kw_only=True)

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"{self.name}: unknown level {self.level!r}")
        if self.period not in PERIOD_RULES:
            raise ValueError(f"{self.name}: unknown period rule {self.period!r}")
        if (self.denominator is None) != (self.denominator_sql is None):
            raise ValueError(f"{self.name}: a rate needs both a denominator and its SQL, a count neither")

    @property
    def is_rate(self) -> bool:
        return self.denominator is not None


# Sums of components over what the account's inputs report (NULL if a reported one is missing).
LIKES_PLUS_SAVES = "(CASE WHEN can_likes THEN likes ELSE 0 END + CASE WHEN can_saves THEN saves ELSE 0 END)"
LIKES_PLUS_COMMENTS = ("(CASE WHEN can_likes THEN likes ELSE 0 END"
                       " + CASE WHEN can_comments THEN comments ELSE 0 END)")
NET_CHANGE = "coalesce(followers_net_change, followers - followers_start)"
# Web key events plus ad conversions, over the sources that report a value that day.
CONVERSIONS = ("CASE WHEN web_conversions IS NOT NULL OR ad_conversions IS NOT NULL "
               "THEN coalesce(web_conversions, 0) + coalesce(ad_conversions, 0) END")

_SUM = "sum over days, accounts and platforms"
_RATIO = "ratio of summed numerators and denominators (never an average of rates)"
_FOLLOWER_RATE = _RATIO + "; followers at the start of the day as denominator, so a period's value is the " \
    "follower-weighted mean of its daily values (denominator: follower-days)"
_CUMULATIVE = _RATIO + "; over a period: the period's summed numerators / followers at the period's start " \
    "(cumulative, grows with the period's length)"
_PERIOD_REACH = "; over a period: summed numerators / summed daily reach"


# Bounds of counts that platforms report net of deletions, and of the rates built on them.
NET_OF_DELETIONS: tuple[float | None, float | None] = (None, None)


def _count(name: str, category: str, description: str, *, column: str | None = None,
           indicator: str = "leading", higher: bool = True,
           bounds: tuple[float | None, float | None] = (0, None)) -> Kpi:
    column = column or name
    return Kpi(name, category, "count", column.replace("_", " "), column, None, higher, indicator, _SUM,
               description, numerator_sql=column, requires=(column,), period="sum", bounds=bounds)


KPIS: tuple[Kpi, ...] = (
    # ---- reach --------------------------------------------------------------------------------
    Kpi("followers", "reach", "count", "followers at the end of the day", "followers", None, True, "lagging",
        "end-of-period value; summed across accounts and platforms",
        "Audience size.", numerator_sql="followers", requires=("followers",), period="end"),
    Kpi("followers_net_change", "reach", "count", "followers gained - followers lost (or day-over-day change)",
        "net follower change", None, True, "lagging", _SUM, "Net audience growth.",
        numerator_sql=NET_CHANGE, requires=("followers_net_change|followers",), period="sum", bounds=(None, None)),
    Kpi("audience_growth_rate", "reach", "percent", "net follower change / followers at period start x100",
        "net follower change", "followers at period start", True, "lagging", _CUMULATIVE,
        "How fast the audience grows relative to its size.",
        numerator_sql=NET_CHANGE, denominator_sql="followers_start", scale=100,
        requires=("followers_net_change|followers", "followers"), period="start_ratio", bounds=(-100, None)),
    _count("impressions", "reach", "Times content was shown."),
    Kpi("reach", "reach", "count", "unique accounts reached", "reach", None, True, "leading",
        "summed across accounts and platforms (an upper bound: audiences overlap); NULL for periods "
        "(unique reach cannot be summed from days)",
        "Unique accounts reached.", numerator_sql="reach", requires=("reach",), period="none"),
    Kpi("reach_rate", "reach", "percent", "reach / followers at period start x100", "reach",
        "followers at period start", True, "leading", _FOLLOWER_RATE,
        "Share of the audience reached in a day.", numerator_sql="reach", denominator_sql="followers_start",
        scale=100, requires=("reach", "followers"), period="ratio"),
    Kpi("potential_reach", "reach", "count", "sum of followers across the brand's accounts", "followers", None,
        True, "leading", "summed across accounts and platforms; end-of-period value over days",
        "Audience the brand could reach (per account: its followers).", numerator_sql="followers",
        requires=("followers",), period="end"),
    _count("profile_visits", "reach", "Visits to the profile or page."),
    _count("video_views", "reach", "Video plays."),
    Kpi("share_of_voice", "reach", "percent",
        "brand mentions / (brand + competitor mentions) x100, per platform the mentions were counted on",
        "brand mentions", "brand + competitor mentions (NULL unless every subject counted on that platform "
        "has a count that day)", True, "leading", _RATIO,
        "The brand's share of the conversation against its competitors.",
        numerator_sql="brand_mentions", denominator_sql="all_mentions", scale=100,
        requires=("mentions_vs_competitors",), level="brand_platform", period="ratio",
        bounds=(0, 100)),
    # ---- engagement ---------------------------------------------------------------------------
    _count("likes", "engagement", "Likes including reactions.", bounds=NET_OF_DELETIONS),
    _count("comments", "engagement", "Comments including replies.", bounds=NET_OF_DELETIONS),
    _count("shares", "engagement", "Shares including reposts and quotes.", bounds=NET_OF_DELETIONS),
    _count("saves", "engagement", "Saves including bookmarks and favourites.", bounds=NET_OF_DELETIONS),
    _count("clicks", "engagement", "Clicks on content."),
    Kpi("engagements", "engagement", "count", "likes + comments + shares + saves (the components the input "
        "reports)", "engagements", None, True, "leading", _SUM, "Total interactions with content.",
        numerator_sql="engagements", requires=("engagements",), period="sum", bounds=NET_OF_DELETIONS),
    Kpi("engagement_rate", "engagement", "percent", "engagements / followers at period start x100",
        "engagements", "followers at period start", True, "leading", _FOLLOWER_RATE,
        "Interactions relative to audience size.", numerator_sql="engagements",
        denominator_sql="followers_start", scale=100, requires=("engagements", "followers"),
        period="ratio", bounds=NET_OF_DELETIONS),
    Kpi("engagement_rate_reach", "engagement", "percent", "engagements / reach x100", "engagements", "reach",
        True, "leading", _RATIO + _PERIOD_REACH,
        "Interactions per person reached.", numerator_sql="engagements", denominator_sql="reach", scale=100,
        requires=("engagements", "reach"), period="ratio", bounds=NET_OF_DELETIONS),
    Kpi("engagement_rate_impressions", "engagement", "percent", "engagements / impressions x100", "engagements",
        "impressions", True, "leading", _RATIO, "Interactions per impression.", numerator_sql="engagements",
        denominator_sql="impressions", scale=100, requires=("engagements", "impressions"), period="ratio",
        bounds=NET_OF_DELETIONS),
    Kpi("applause_rate", "engagement", "percent", "(likes + saves) / followers at period start x100",
        "likes + saves", "followers at period start", True, "leading", _FOLLOWER_RATE,
        "Approvals relative to audience size.", numerator_sql=LIKES_PLUS_SAVES,
        denominator_sql="followers_start", scale=100, requires=("likes|saves", "followers"),
        period="ratio", bounds=NET_OF_DELETIONS),
    Kpi("amplification_rate", "engagement", "percent", "shares / followers at period start x100", "shares",
        "followers at period start", True, "leading", _FOLLOWER_RATE,
        "How much the audience passes content on.", numerator_sql="shares", denominator_sql="followers_start",
        scale=100, requires=("shares", "followers"), period="ratio", bounds=NET_OF_DELETIONS),
    Kpi("virality_rate", "engagement", "percent", "shares / impressions x100", "shares", "impressions", True,
        "leading", _RATIO, "Shares per impression.", numerator_sql="shares", denominator_sql="impressions",
        scale=100, requires=("shares", "impressions"), period="ratio", bounds=NET_OF_DELETIONS),
    Kpi("post_reaction_rate", "engagement", "percent", "(likes + comments) / reach x100", "likes + comments",
        "reach", True, "leading", _RATIO + _PERIOD_REACH,
        "Reactions per person reached.", numerator_sql=LIKES_PLUS_COMMENTS, denominator_sql="reach", scale=100,
        requires=("likes|comments", "reach"), period="ratio", bounds=NET_OF_DELETIONS),
    _count("posts_published", "engagement", "Posts published.", indicator="leading"),
    Kpi("engagements_per_post", "engagement", "ratio", "engagements / posts published", "engagements",
        "posts published", True, "leading", _RATIO, "Average interactions a post earns.",
        numerator_sql="engagements", denominator_sql="posts_published",
        requires=("engagements", "posts_published"), period="ratio",
        bounds=NET_OF_DELETIONS),
    Kpi("engagement_rate_per_post", "engagement", "percent",
        "mean over the posts published that day of their kpi.posts engagement_rate (engagements of the post's "
        "latest snapshot / followers at the end of the day before publication x100)",
        "sum of the per-post engagement rates", "number of those posts", True, "leading",
        _RATIO + "; over a period or accounts: the mean over all their posts",
        "The average engagement rate of a post (the seeds' \"average engagement rate\"); dated by publication "
        "date and updated when a newer snapshot of the posts lands.",
        numerator_sql="sum(engagement_rate)", denominator_sql="count(engagement_rate)", level="post",
        requires=("followers",), period="ratio"),
    Kpi("follower_churn_rate", "engagement", "percent", "followers lost / followers at period start x100",
        "followers lost", "followers at period start", False, "lagging", _CUMULATIVE,
        "Share of the audience lost.", numerator_sql="followers_lost", denominator_sql="followers_start",
        scale=100, requires=("followers_lost", "followers"), period="start_ratio"),
    Kpi("follower_retention_rate", "engagement", "percent", "100 - follower churn rate",
        "followers at period start - followers lost", "followers at period start", True, "lagging",
        _CUMULATIVE + "; the period's numerator is followers at its start - followers lost in it",
        "Share of the audience kept.", numerator_sql="followers_start - followers_lost",
        denominator_sql="followers_start", scale=100, requires=("followers_lost", "followers"),
        period="retention", bounds=(None, 100)),
    # ---- conversion ---------------------------------------------------------------------------
    Kpi("ctr", "conversion", "percent", "clicks / impressions x100", "clicks", "impressions", True, "leading",
        _RATIO, "Click-through rate of content.", numerator_sql="clicks", denominator_sql="impressions",
        scale=100, requires=("clicks", "impressions"), period="ratio", bounds=(0, 100)),
    Kpi("conversions", "conversion", "count",
        "web key events of sessions from the platform (GA4) + conversions of paid campaigns (ads platform rows)",
        "conversions", None, True, "lagging", _SUM + " (web and ad conversions can count the same purchase "
        "when both track it)", "Conversions attributed to social.", numerator_sql=CONVERSIONS,
        requires=("web|ad_conversions",), level="brand_platform", period="sum"),
    Kpi("conversion_rate", "conversion", "percent",
        "(web key events + ad conversions) / (content clicks + ad clicks) x100: on a social platform, the key "
        "events of its web sessions over the clicks on the brand's content there; on an ads platform, the "
        "conversions of campaigns that report them over those campaigns' clicks",
        "web key events and/or ad conversions", "content clicks and/or ad clicks of the same sources",
        True, "lagging", _RATIO + "; a source counts only when it has both its conversions and its clicks",
        "Share of clicks that convert.", numerator_sql="rate_conversions", denominator_sql="rate_clicks",
        scale=100, requires=("web_clicks|ad_conversions",), level="brand_platform", period="ratio"),
    Kpi("bounce_rate", "conversion", "percent", "bounced sessions / sessions x100 (web sessions from the platform)",
        "bounced sessions", "sessions", False, "lagging", _RATIO,
        "Share of social visits that leave without engaging.", numerator_sql="web_bounced_sessions",
        denominator_sql="web_sessions", scale=100, requires=("web",), level="brand_platform", period="ratio",
        bounds=(0, 100)),
    Kpi("cpc", "conversion", "currency", "ad spend / ad clicks (reporting currency)", "spend", "clicks", False,
        "lagging", _RATIO, "Cost per paid click (reporting currency).", numerator_sql="ad_spend_with_clicks",
        denominator_sql="ad_clicks_with_spend", requires=("ads",), level="brand_platform", period="ratio"),
    Kpi("cpm", "conversion", "currency", "ad spend / ad impressions x1000 (reporting currency)", "spend",
        "impressions", False, "lagging", _RATIO, "Cost per thousand paid impressions (reporting currency).",
        numerator_sql="ad_spend_with_impressions", denominator_sql="ad_impressions_with_spend", scale=1000,
        requires=("ads",), level="brand_platform", period="ratio"),
    Kpi("roi", "conversion", "percent",
        "(web revenue from social sessions - ad spend) / ad spend x100, both in the reporting currency, per brand",
        "revenue - spend", "spend", True, "lagging", _RATIO + "; brand level only (platform = 'all'): revenue "
        "is attributed to social platforms, spend to ads platforms", "Return on social ad spend.",
        numerator_sql="revenue - spend", denominator_sql="spend", scale=100, requires=("roi",), level="brand",
        period="ratio", bounds=(-100, None)),
    # ---- customer -----------------------------------------------------------------------------
    Kpi("reviews_count", "customer", "count", "number of reviews written that day", "reviews", None, True,
        "lagging", _SUM, "Reviews received.", numerator_sql="reviews", requires=("reviews",),
        level="brand_platform", period="sum"),
    Kpi("average_rating", "customer", "score", "sum(rating) / number of rated reviews", "sum of ratings",
        "number of rated reviews", True, "lagging", _RATIO, "Average star rating (1-5).",
        numerator_sql="rating_sum", denominator_sql="rated_reviews", requires=("reviews",),
        level="brand_platform", period="ratio", bounds=(1, 5)),
    Kpi("csat", "customer", "percent",
        "CSAT responses scoring in the top two points of their scale (4-5 of 5) / answered CSAT responses x100",
        "satisfied responses", "answered responses", True, "lagging", _RATIO + "; brand level only (surveys "
        "have no platform)", "Customer satisfaction score.", numerator_sql="csat_satisfied",
        denominator_sql="csat_responses", scale=100, requires=("csat",), level="brand", period="ratio",
        bounds=(0, 100)),
    Kpi("nps", "customer", "score", "% promoters (9-10) - % detractors (0-6) of answered NPS responses",
        "promoters - detractors", "answered responses", True, "lagging",
        _RATIO + " (x100); brand level only (surveys have no platform)", "Net promoter score (-100 to 100).",
        numerator_sql="nps_promoters - nps_detractors", denominator_sql="nps_responses", scale=100,
        requires=("nps",), level="brand", period="ratio", bounds=(-100, 100)),
)

KPI_BY_NAME = {k.name: k for k in KPIS}
ACCOUNT_KPIS = tuple(k for k in KPIS if k.level == "account")
BRAND_PLATFORM_KPIS = tuple(k for k in KPIS if k.level == "brand_platform")
BRAND_KPIS = tuple(k for k in KPIS if k.level == "brand")
POST_KPIS = tuple(k for k in KPIS if k.level == "post")
