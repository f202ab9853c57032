"""What the competitor (public profile) clients of instagram, youtube and x share.

A competitor account is configured under `brands[].competitors[].accounts` and pulled through
public endpoints (Instagram Business Discovery, YouTube Data API, X user lookup) with the
brand's own credentials. Its ApiAccount carries `options["competitor"]` (a dict: for Instagram
`{"via": <the brand's IG user id>}`); the platform's api factory (`CompetitorAwareApi`) hands such
an account to the public-profile client. A private, unknown or deleted handle is not an account
failure: the client lands the error page and names the handle in a note starting with
UNAVAILABLE_PREFIX, so the other accounts of the run load as usual.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from connectors.base import AccountDayValue, ApiAccount, ApiClient

COMPETITOR_OPTION = "competitor"
UNAVAILABLE_PREFIX = "competitor handle unavailable: "


def is_competitor(account: ApiAccount) -> bool:
    return isinstance(account.options.get(COMPETITOR_OPTION), dict)


@dataclass(frozen=True)
class CompetitorAwareApi:
    """The platform's api factory: the public-profile client for competitor accounts, else its own.

    A picklable object, not a closure: connectors travel to the worker processes that parse
    export files (ingest/workers.py).
    """

    own: Callable[[ApiAccount], ApiClient]
    public: Callable[[ApiAccount], ApiClient]

    def __call__(self, account: ApiAccount) -> ApiClient:
        return self.public(account) if is_competitor(account) else self.own(account)


def unavailable_note(platform: str, handle: str, why: str) -> str:
    """The run-summary line for a handle that public endpoints do not serve (private, unknown)."""
    return f"{UNAVAILABLE_PREFIX}{platform} {handle}: {why}"


def unavailable_handles(notes: Iterable[str]) -> list[str]:
    """The unavailable-handle notes of a pull, without the prefix (for the step's metadata)."""
    return [note.removeprefix(UNAVAILABLE_PREFIX) for note in notes if note.startswith(UNAVAILABLE_PREFIX)]


def total_day(window_start: dt.date, window_end: dt.date, pulled: dt.date) -> dt.date | None:
    """The day a current public total (followers now) is dated: the pull day inside the window, or
    the window's last day when pulled the morning after (the nightly run); else None."""
    if window_start <= pulled <= window_end:
        return pulled
    if pulled == window_end + dt.timedelta(days=1):
        return window_end
    return None


def posts_published(published: Iterable[dt.date], covered_from: dt.date, window_start: dt.date,
                    window_end: dt.date, source_metric: str) -> list[AccountDayValue]:
    """posts_published per day of the window that the listing covered completely (a public post
    listing read back to `covered_from`): the count of posts by local publication date, 0 included."""
    counts: dict[dt.date, int] = {}
    for day in published:
        counts[day] = counts.get(day, 0) + 1
    values = []
    day = max(window_start, covered_from)
    while day <= window_end:
        values.append(AccountDayValue(day, "posts_published", source_metric, float(counts.get(day, 0))))
        day += dt.timedelta(days=1)
    return values
