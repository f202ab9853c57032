"""Meta code shared by the Facebook and Instagram connectors (and the Meta Ads client).

`business_suite`: the Meta Business Suite export formats. Facebook Pages and Instagram accounts
are exported from the same screens, so the file layouts are the same; only the metric titles,
the account column and the post types differ, and each platform passes its own
`MetaPlatformSettings` (from its settings.py) to `business_suite_formats`. `graph`: the Graph
API mechanics of the three Meta clients.
"""
