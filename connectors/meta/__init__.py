"""Meta code shared by the Facebook and Instagram connectors.

`business_suite`: the Meta Business Suite export formats (re-exported below). Facebook Pages and
Instagram accounts are exported from the same screens, so the file layouts are the same; only
the metric titles, the account column and the post types differ, and each platform passes its
own `MetaPlatformSettings` (from its settings.py). Graph API mechanics live in `graph` and are
imported from there, not re-exported here.
"""

from connectors.meta.business_suite import (
    AUDIENCE_SKIPPED_REASON,
    COLLAPSED_RESAVE_REASON,
    MetaAudienceFormat,
    MetaCollapsedResaveFormat,
    MetaDailyMetricFormat,
    MetaPlatformSettings,
    MetaPostExportFormat,
    local_to_utc,
    post_title,
)

__all__ = [
    "AUDIENCE_SKIPPED_REASON",
    "COLLAPSED_RESAVE_REASON",
    "MetaAudienceFormat",
    "MetaCollapsedResaveFormat",
    "MetaDailyMetricFormat",
    "MetaPlatformSettings",
    "MetaPostExportFormat",
    "local_to_utc",
    "post_title",
]
