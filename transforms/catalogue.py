"""The KPI catalogue: one entry per KPI, the single source of kpi.catalogue and kpi.daily's SQL.

Each account-level KPI is a numerator and (for rates) a denominator over one account-day of
core.account_daily (plus `followers_start`, the followers at the end of the previous day), and the
set of inputs the account must report for the KPI to exist at all.
"""

from __future__ import annotations

from dataclasses import dataclass


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
    # Account-level computation (None for KPIs computed from brand-level facts):
    numerator_sql: str | None = None
    denominator_sql: str | None = None
    scale: float = 1.0
    # Inputs the account must be able to produce (core.account_daily columns); any-of groups
    # are written "a|b" (the KPI sums the reported ones).
    requires: tuple[str, ...] = ()

    @property
    def is_rate(self) -> bool:
        return self.denominator is not None


# Sums of components over what the account's inputs report (NULL if a reported one is missing).
LIKES_PLUS_SAVES = "(CASE WHEN can_likes THEN likes ELSE 0 END + CASE WHEN can_saves THEN saves ELSE 0 END)"
LIKES_PLUS_COMMENTS = ("(CASE WHEN can_likes THEN likes ELSE 0 END"
                       " + CASE WHEN can_comments THEN comments ELSE 0 END)")
NET_CHANGE = "coalesce(followers_net_change, followers - followers_start)"

_SUM = "sum over days, accounts and platforms"
_RATIO = "ratio of summed numerators and denominators (never an average of rates)"
_FOLLOWER_RATE = _RATIO + "; followers at the start of the period as denominator"


def _count(name: str, category: str, description: str, *, column: str | None = None,
           indicator: str = "leading", higher: bool = True) -> Kpi:
    column = column or name
    return Kpi(name, category, "count", column.replace("_", " "), column, None, higher, indicator, _SUM,
               description, numerator_sql=column, requires=(column,))


KPIS: tuple[Kpi, ...] = (
    # ---- reach --------------------------------------------------------------------------------
    Kpi("followers", "reach", "count", "followers at the end of the day", "followers", None, True, "lagging",
        "end-of-period value; summed across accounts and platforms",
        "Audience size.", numerator_sql="followers", requires=("followers",)),
    Kpi("followers_net_change", "reach", "count", "followers gained - followers lost (or day-over-day change)",
        "net follower change", None, True, "lagging", _SUM, "Net audience growth.",
        numerator_sql=NET_CHANGE, requires=("followers_net_change|followers",)),
    Kpi("audience_growth_rate", "reach", "percent", "net follower change / followers at period start x100",
        "net follower change", "followers at period start", True, "lagging", _FOLLOWER_RATE,
        "How fast the audience grows relative to its size.",
        numerator_sql=NET_CHANGE, denominator_sql="followers_start", scale=100,
        requires=("followers_net_change|followers", "followers")),
    _count("impressions", "reach", "Times content was shown."),
    Kpi("reach", "reach", "count", "unique accounts reached", "reach", None, True, "leading",
        "summed across accounts and platforms (an upper bound: audiences overlap); not summed across "
        "days (weekly/monthly reach only where a platform reports period reach)",
        "Unique accounts reached.", numerator_sql="reach", requires=("reach",)),
    Kpi("reach_rate", "reach", "percent", "reach / followers at period start x100", "reach",
        "followers at period start", True, "leading", _FOLLOWER_RATE,
        "Share of the audience reached.", numerator_sql="reach", denominator_sql="followers_start",
        scale=100, requires=("reach", "followers")),
    Kpi("potential_reach", "reach", "count", "sum of followers across the brand's accounts", "followers", None,
        True, "leading", "summed across accounts and platforms; end-of-period value over days",
        "Audience the brand could reach (per account: its followers).", numerator_sql="followers",
        requires=("followers",)),
    _count("profile_visits", "reach", "Visits to the profile or page."),
    _count("video_views", "reach", "Video plays."),
    Kpi("share_of_voice", "reach", "percent", "brand mentions / (brand + competitor mentions) x100",
        "brand mentions", "brand + competitor mentions", True, "leading", _RATIO,
        "The brand's share of the conversation against its competitors."),
    # ---- engagement ---------------------------------------------------------------------------
    _count("likes", "engagement", "Likes including reactions."),
    _count("comments", "engagement", "Comments including replies."),
    _count("shares", "engagement", "Shares including reposts and quotes."),
    _count("saves", "engagement", "Saves including bookmarks and favourites."),
    _count("clicks", "engagement", "Clicks on content."),
    Kpi("engagements", "engagement", "count", "likes + comments + shares + saves (the components the input "
        "reports)", "engagements", None, True, "leading", _SUM, "Total interactions with content.",
        numerator_sql="engagements", requires=("engagements",)),
    Kpi("engagement_rate", "engagement", "percent", "engagements / followers at period start x100",
        "engagements", "followers at period start", True, "leading", _FOLLOWER_RATE,
        "Interactions relative to audience size.", numerator_sql="engagements",
        denominator_sql="followers_start", scale=100, requires=("engagements", "followers")),
    Kpi("engagement_rate_reach", "engagement", "percent", "engagements / reach x100", "engagements", "reach",
        True, "leading", _RATIO + "; weekly/monthly only where period reach exists",
        "Interactions per person reached.", numerator_sql="engagements", denominator_sql="reach", scale=100,
        requires=("engagements", "reach")),
    Kpi("engagement_rate_impressions", "engagement", "percent", "engagements / impressions x100", "engagements",
        "impressions", True, "leading", _RATIO, "Interactions per impression.", numerator_sql="engagements",
        denominator_sql="impressions", scale=100, requires=("engagements", "impressions")),
    Kpi("applause_rate", "engagement", "percent", "(likes + saves) / followers at period start x100",
        "likes + saves", "followers at period start", True, "leading", _FOLLOWER_RATE,
        "Approvals relative to audience size.", numerator_sql=LIKES_PLUS_SAVES,
        denominator_sql="followers_start", scale=100, requires=("likes|saves", "followers")),
    Kpi("amplification_rate", "engagement", "percent", "shares / followers at period start x100", "shares",
        "followers at period start", True, "leading", _FOLLOWER_RATE,
        "How much the audience passes content on.", numerator_sql="shares", denominator_sql="followers_start",
        scale=100, requires=("shares", "followers")),
    Kpi("virality_rate", "engagement", "percent", "shares / impressions x100", "shares", "impressions", True,
        "leading", _RATIO, "Shares per impression.", numerator_sql="shares", denominator_sql="impressions",
        scale=100, requires=("shares", "impressions")),
    Kpi("post_reaction_rate", "engagement", "percent", "(likes + comments) / reach x100", "likes + comments",
        "reach", True, "leading", _RATIO + "; weekly/monthly only where period reach exists",
        "Reactions per person reached.", numerator_sql=LIKES_PLUS_COMMENTS, denominator_sql="reach", scale=100,
        requires=("likes|comments", "reach")),
    _count("posts_published", "engagement", "Posts published.", indicator="leading"),
    Kpi("engagements_per_post", "engagement", "ratio", "engagements / posts published", "engagements",
        "posts published", True, "leading", _RATIO, "Average interactions a post earns.",
        numerator_sql="engagements", denominator_sql="posts_published",
        requires=("engagements", "posts_published")),
    Kpi("follower_churn_rate", "engagement", "percent", "followers lost / followers at period start x100",
        "followers lost", "followers at period start", False, "lagging", _FOLLOWER_RATE,
        "Share of the audience lost.", numerator_sql="followers_lost", denominator_sql="followers_start",
        scale=100, requires=("followers_lost", "followers")),
    Kpi("follower_retention_rate", "engagement", "percent", "100 - follower churn rate",
        "followers at period start - followers lost", "followers at period start", True, "lagging",
        _FOLLOWER_RATE, "Share of the audience kept.", numerator_sql="followers_start - followers_lost",
        denominator_sql="followers_start", scale=100, requires=("followers_lost", "followers")),
    # ---- conversion ---------------------------------------------------------------------------
    Kpi("ctr", "conversion", "percent", "clicks / impressions x100", "clicks", "impressions", True, "leading",
        _RATIO, "Click-through rate of content.", numerator_sql="clicks", denominator_sql="impressions",
        scale=100, requires=("clicks", "impressions")),
    Kpi("conversions", "conversion", "count", "conversions from social traffic (web key events, ad results)",
        "conversions", None, True, "lagging", _SUM, "Conversions attributed to social."),
    Kpi("conversion_rate", "conversion", "percent", "conversions / clicks x100", "conversions", "clicks", True,
        "lagging", _RATIO, "Share of clicks that convert."),
    Kpi("bounce_rate", "conversion", "percent", "bounced sessions / sessions x100", "bounced sessions",
        "sessions", False, "lagging", _RATIO, "Share of social visits that leave without engaging."),
    Kpi("cpc", "conversion", "currency", "spend / clicks", "spend", "clicks", False, "lagging", _RATIO,
        "Cost per paid click (reporting currency)."),
    Kpi("cpm", "conversion", "currency", "spend / impressions x1000", "spend", "impressions", False, "lagging",
        _RATIO, "Cost per thousand paid impressions (reporting currency)."),
    Kpi("roi", "conversion", "percent", "(revenue - spend) / spend x100", "revenue - spend", "spend", True,
        "lagging", _RATIO, "Return on social ad spend."),
    # ---- customer -----------------------------------------------------------------------------
    Kpi("reviews_count", "customer", "count", "number of reviews", "reviews", None, True, "lagging", _SUM,
        "Reviews received."),
    Kpi("average_rating", "customer", "score", "sum(rating) / number of reviews", "sum of ratings",
        "number of reviews", True, "lagging", _RATIO, "Average star rating (1-5)."),
    Kpi("csat", "customer", "percent", "responses in the top two points of their scale / responses x100",
        "satisfied responses", "responses", True, "lagging", _RATIO, "Customer satisfaction score."),
    Kpi("nps", "customer", "score", "% promoters (9-10) - % detractors (0-6)", "promoters - detractors",
        "responses", True, "lagging", _RATIO + " (x100)", "Net promoter score (-100 to 100)."),
)

KPI_BY_NAME = {k.name: k for k in KPIS}
ACCOUNT_KPIS = tuple(k for k in KPIS if k.numerator_sql is not None)
