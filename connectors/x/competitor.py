"""A competitor's X account through public endpoints (app-only bearer token is enough).

fetch: `GET /2/users/by?usernames={handle}&user.fields=public_metrics,protected` [docs:
docs.x.com/x-api/users/lookup/quickstart/user-lookup], then the user's recent posts
`GET /2/users/{id}/tweets?tweet.fields=created_at,text,public_metrics` back to POST_REFRESH_DAYS
before the window's end, paged with `meta.next_token` -> `pagination_token`.
normalise: public_metrics.followers_count -> followers, posts and their public metrics as for
the brand's own account (likes, replies, reposts + quotes, bookmarks, impressions), and
posts_published per covered day.

An unknown or suspended handle comes back as HTTP 200 with `errors` and no `data` [docs: X API
errors, resource-not-found]; a protected account's posts are not public. Both are named in a
note; the rest of the run loads.
"""

from __future__ import annotations

import datetime as dt

from connectors.base import AccountDayValue, ParsedExport, RawPage
from connectors.competitors import posts_published, total_day, unavailable_note
from connectors.http import ApiError, follow_cursor
from connectors.values import number
from connectors.x import api_settings as settings
from connectors.x.api import XApi, next_token, x_time

LOOKUP_FIELDS = "public_metrics,protected"


def looked_up_user(page: RawPage) -> dict | None:
    data = page.body.get("data") if isinstance(page.body, dict) else None
    users = [u for u in data if isinstance(u, dict)] if isinstance(data, list) else []
    return users[0] if users else None


def lookup_error(page: RawPage) -> str:
    errors = page.body.get("errors") if isinstance(page.body, dict) else None
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    return str(first.get("detail") or first.get("title") or "the user lookup returned no user")


class XCompetitorApi(XApi):
    """One competitor's X account (account_id = its handle, without '@')."""

    @property
    def handle(self) -> str:
        return self.account.account_id

    def check(self) -> None:
        today = self.today()
        self.http.get("users/by", {"usernames": self.handle}, window=(today, today))

    def posts_from(self, end: dt.date) -> dt.date:
        return end - dt.timedelta(days=settings.POST_REFRESH_DAYS - 1)

    def fetch(self, start: dt.date, end: dt.date) -> list[RawPage]:
        window = (start, end)
        try:
            lookup = self.http.get("users/by", {"usernames": self.handle, "user.fields": LOOKUP_FIELDS}, window=window)
        except ApiError as exc:
            # 200 with `errors` only: no user by that handle (unknown, suspended); named in normalise
            if exc.page is None or exc.status != 200:
                raise
            return [exc.page]
        user = looked_up_user(lookup)
        if user is None or user.get("protected") is True or not user.get("id"):
            return [lookup]  # named in normalise
        begin = self.local_midnight(min(start, self.posts_from(end)))
        finish = min(self.local_midnight(end + dt.timedelta(days=1)), self._now() - settings.END_TIME_MARGIN)
        if begin >= finish:
            return [lookup]
        return [lookup, *follow_cursor(self.http, f"users/{user['id']}/tweets", {
            "max_results": settings.TIMELINE_PAGE_SIZE, "start_time": x_time(begin), "end_time": x_time(finish),
            "tweet.fields": settings.PUBLIC_TWEET_FIELDS,
        }, window=window, cursor_param="pagination_token", next_cursor=next_token)]

    def normalise(self, pages: list[RawPage]) -> ParsedExport:
        """Canonical records from landed pages; pure (no network, no clock)."""
        result = ParsedExport(format="x_public")
        timeline = False
        for page in pages:
            if page.status >= 400:
                continue
            if page.endpoint.rstrip("/").endswith("/users/by"):
                user = looked_up_user(page)
                if user is None:
                    result.notes.append(unavailable_note("x", self.handle, lookup_error(page)))
                    continue
                if user.get("protected") is True:
                    result.notes.append(unavailable_note("x", self.handle, "protected account: its posts are "
                                                         "not public (followers loaded)"))
                metrics = user.get("public_metrics")
                day = total_day(page.window_start, page.window_end, self.local_date(page.fetched_at))
                if isinstance(metrics, dict) and "followers_count" in metrics and day is not None:
                    result.account_daily.append(AccountDayValue(
                        day, "followers", "public_metrics.followers_count", number(metrics["followers_count"])))
            elif page.endpoint.rstrip("/").endswith("/tweets"):
                timeline = True
                self._timeline(page, result)
        if timeline:
            first = pages[0]
            published = [self.local_date(p.published_at) for p in result.posts if p.published_at is not None]
            result.account_daily += posts_published(published, self.posts_from(first.window_end), first.window_start,
                                                    first.window_end, "users/tweets (counted)")
        return result
