"""Meta Ads insights (Marketing API): requested fields and their core.ads_daily columns.

Sources: platform-apis.md §8.2 and §1 ([docs] unless marked).
"""

from __future__ import annotations

# Insights are kept 37 months [code]; 37 * 30 days, rounded down so we never ask past the edge.
HISTORY_DAYS = 1110
# Conversions are attributed back to the click/view day for days after it (attribution
# windows), so recent days restate; 7 days covers the default 7-day click window [unverified].
LOOKBACK_DAYS = 7
# Days per time_range request: large ranges time out with 100/1504018 "Request Timed Out"
# [docs]; a month of daily campaign rows is one or two pages.
MAX_DAYS_PER_CALL = 31
PAGE_SIZE = 500

# /act_{id}/insights?level=campaign&time_increment=1
INSIGHT_FIELDS = "campaign_id,campaign_name,spend,impressions,reach,clicks,actions"
KEY_FIELDS = frozenset({"campaign_id", "campaign_name"})  # never dropped when Meta refuses a field

# Insights field -> core.ads_daily metric. Values arrive as strings ("5339.5") [docs].
FIELD_METRICS: dict[str, str] = {
    "spend": "spend",  # in the ad account's currency
    "impressions": "impressions",
    "reach": "reach",  # unique people per day (time_increment=1)
    "clicks": "clicks",  # all clicks, as the Ads Manager "Clicks (all)" column
}

# conversions = sum of `actions[].value` whose action_type is listed here. The account option
# `conversion_action_types` overrides it (one business counts leads, another purchases).
# `actions` list shape [unverified]: [{"action_type": "link_click", "value": "12"}].
DEFAULT_CONVERSION_ACTION_TYPES: tuple[str, ...] = ("purchase", "lead")

# /act_{id} fields read once per fetch: the currency every spend figure is in.
ACCOUNT_FIELDS = "id,name,currency"
