"""GA4 "Traffic acquisition" CSV export -> core.web_daily (sessions from each social platform).

GA4: Reports -> Acquisition -> Traffic acquisition, primary dimension "Session source / medium"
(or "Session source"), secondary dimension "Date", then Share this report -> Download file ->
CSV. The file starts with "#" comment lines (report name, account, property, "# Start date:
20260101", "# End date: 20260131"), then the table. Column names are GA4's English ones.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from connectors.values import add_known

SOURCE_COLUMNS: tuple[str, ...] = ("session source / medium", "session source")
DATE_COLUMN = "date"  # YYYYMMDD
SESSIONS_COLUMN = "sessions"
ENGAGED_SESSIONS_COLUMN = "engaged sessions"
BOUNCE_RATE_COLUMN = "bounce rate"  # a fraction (0.4545) or a percent ("45.45%")
CONVERSIONS_COLUMNS: tuple[str, ...] = ("key events", "conversions")  # renamed "Key events" in 2024
REVENUE_COLUMNS: tuple[str, ...] = ("total revenue",)

# Session source (the part before " / medium") -> social platform. Sources are compared in lower
# case without a leading "www.". Referral hosts (l.facebook.com is Facebook's link shim,
# lm.facebook.com its mobile one, l.instagram.com Instagram's, t.co X's link shortener, lnkd.in
# LinkedIn's) and the utm_source names people tag social links with.
SOURCE_PLATFORMS: dict[str, str] = {
    "facebook.com": "facebook", "m.facebook.com": "facebook", "l.facebook.com": "facebook",
    "lm.facebook.com": "facebook", "facebook": "facebook", "fb": "facebook",
    "instagram.com": "instagram", "l.instagram.com": "instagram", "instagram": "instagram", "ig": "instagram",
    "t.co": "x", "x.com": "x", "twitter.com": "x", "twitter": "x",
    "linkedin.com": "linkedin", "lnkd.in": "linkedin", "linkedin": "linkedin",
    "youtube.com": "youtube", "m.youtube.com": "youtube", "youtu.be": "youtube", "youtube": "youtube",
    "tiktok.com": "tiktok", "tiktok": "tiktok",
}
# Any other subdomain of these domains is the same platform (web.facebook.com, mobile.twitter.com,
# www.linkedin.com, vm.tiktok.com).
PLATFORM_DOMAINS: dict[str, str] = {
    "facebook.com": "facebook", "instagram.com": "instagram", "twitter.com": "x", "x.com": "x",
    "linkedin.com": "linkedin", "youtube.com": "youtube", "tiktok.com": "tiktok",
}


def platform_of(source: str) -> str | None:
    """The social platform a GA4 session source belongs to, or None (google, (direct), ...)."""
    name = source.strip().casefold().removeprefix("www.")
    if name in SOURCE_PLATFORMS:
        return SOURCE_PLATFORMS[name]
    for domain, platform in PLATFORM_DOMAINS.items():
        if name.endswith("." + domain):
            return platform
    return None


@dataclass
class PlatformDay:
    """Sums of one social platform's sources on one day (export and Data API alike); a missing
    part makes the sum unknown."""

    values: dict[str, float | None] = field(default_factory=dict)
    sources: set[str] = field(default_factory=set)

    def add(self, metric: str, value: float | None) -> None:
        add_known(self.values, metric, value)


def source_notes(days: Mapping[object, PlatformDay], ignored: Counter[str], *, prefix: str, sources: str,
                 example: str) -> list[str]:
    """Notes naming the platform-days summed from several sources and the non-social sources left out."""
    notes = []
    merged = sum(1 for day in days.values() if len(day.sources) > 1)
    if merged:
        notes.append(f"{prefix}summed several {sources} into one platform on {merged} platform-days (e.g. {example})")
    if ignored:
        top = ", ".join(f"{source} ({count:g})" for source, count in ignored.most_common(5))
        notes.append(f"{prefix}ignored {sum(ignored.values()):g} sessions from {len(ignored)} sources that are not "
                     f"social platforms: {top}")
    return notes
