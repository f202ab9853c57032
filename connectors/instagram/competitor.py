"""A competitor's Instagram professional account through Business Discovery (public data only).

fetch: `GET /{via}?fields=business_discovery.username({handle}){followers_count,media_count,
media.limit(n){...}}` on the brand's own IG user (`options["competitor"]["via"]`) with its token
[docs: developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/
business_discovery]; the media edge is paged with `media.after(cursor)` back to the oldest media
still refreshed (POST_REFRESH_DAYS before the window's end).
normalise: followers_count -> followers (dated like the own client's total), media -> PostRecord,
like_count / comments_count -> PostMetricValue dated the pull day, posts_published per covered day.
Business Discovery serves no insights (no reach, impressions, saves or shares of others' media).

A handle that is private, personal or unknown answers Graph error 110 (subcode 2207013, "Cannot
find User"): its page is landed and the handle named in a note; nothing else fails.
"""

from __future__ import annotations

import datetime as dt

from connectors.base import AccountDayValue, ParsedExport, PostMetricValue, PostRecord, RawPage
from connectors.competitors import COMPETITOR_OPTION, posts_published, total_day, unavailable_note
from connectors.http import ApiError
from connectors.instagram import api_settings as settings
from connectors.meta.graph import GraphApiClient, data_items, graph_error, parse_graph_time
from connectors.values import first_line, number

# Graph "Invalid user id" / "Cannot find User": the username is not a Business or Creator account
# the caller may see (private, personal, deleted, misspelled) [unverified: error_subcode 2207013].
UNKNOWN_USER_CODE = 110
MEDIA_FIELDS = "id,timestamp,like_count,comments_count,media_type,media_product_type,permalink,caption"
PROFILE_FIELDS = "id,username,followers_count,media_count"
# media_count is the number of published media: lineage only (posts are counted per day).
MEDIA_METRICS = {"like_count": "likes", "comments_count": "comments"}


def discovery_fields(handle: str, after: str | None = None) -> str:
    """The `fields` value of one Business Discovery request (field expansion, cursor paging)."""
    media = f"media.limit({settings.MEDIA_PAGE_SIZE})" + (f".after({after})" if after else "")
    return f"business_discovery.username({handle}){{{PROFILE_FIELDS},{media}{{{MEDIA_FIELDS}}}}}"


def discovered(body: object) -> dict:
    node = body.get("business_discovery") if isinstance(body, dict) else None
    return node if isinstance(node, dict) else {}


def _after(node: dict) -> str | None:
    media = node.get("media")
    paging = media.get("paging") if isinstance(media, dict) else None
    cursors = paging.get("cursors") if isinstance(paging, dict) else None
    after = cursors.get("after") if isinstance(cursors, dict) else None
    return after if isinstance(after, str) and after else None


class InstagramCompetitorApi(GraphApiClient):
    """One competitor's Instagram account (account_id = its username), asked through `via`."""

    platform = "instagram"
    history_days = None  # public counters are current values; no history is asked for
    lookback_days = settings.LOOKBACK_DAYS

    @property
    def via(self) -> str:
        via = (self.account.options.get(COMPETITOR_OPTION) or {}).get("via")  # type: ignore[union-attr]
        if not via:
            raise ValueError(f"instagram competitor {self.account.account_id}: options competitor.via "
                             "(the brand's own IG user id that asks Business Discovery) is missing")
        return str(via)

    @property
    def handle(self) -> str:
        return self.account.account_id

    def check(self) -> None:
        today = self.today()
        self.http.get(self.via, {"fields": f"business_discovery.username({self.handle}){{id}}"},
                      window=(today, today))

    def posts_from(self, end: dt.date) -> dt.date:
        return end - dt.timedelta(days=settings.POST_REFRESH_DAYS - 1)

    def fetch(self, start: dt.date, end: dt.date) -> list[RawPage]:
        window = (start, end)
        posts_from = min(start, self.posts_from(end))
        pages: list[RawPage] = []
        after: str | None = None
        while True:
            try:
                page = self.http.get(self.via, {"fields": discovery_fields(self.handle, after)}, window=window)
            except ApiError as exc:
                if exc.code != UNKNOWN_USER_CODE or exc.page is None:
                    raise
                return [*pages, exc.page]  # private or unknown handle: named by normalise
            pages.append(page)
            node = discovered(page.body)
            media = data_items(node.get("media"))
            stamps = [parse_graph_time(m["timestamp"]) for m in media if m.get("timestamp")]
            after = _after(node)
            # media lists newest first: stop at the end or once older than the refresh window
            if not media or after is None or (stamps and self.local_date(min(stamps)) < posts_from):
                return pages

    def normalise(self, pages: list[RawPage]) -> ParsedExport:
        """Canonical records from landed pages; pure (no network, no clock)."""
        result = ParsedExport(format="instagram_business_discovery")
        published: dict[str, dt.date] = {}
        for page in pages:
            error = graph_error(page.body)
            if error is not None or page.status >= 400:
                why = error.message if error else f"HTTP {page.status}"
                if error is not None and error.code == UNKNOWN_USER_CODE:
                    why = ("not found as an Instagram Business or Creator account (private, personal, "
                           f"renamed or misspelled): {why}")
                result.notes.append(unavailable_note("instagram", self.handle, why))
                continue
            node = discovered(page.body)
            snapshot = self.local_date(page.fetched_at)
            if "followers_count" in node:
                day = total_day(page.window_start, page.window_end, snapshot)
                if day is not None:
                    result.account_daily += [
                        AccountDayValue(day, "followers", "business_discovery.followers_count",
                                        number(node["followers_count"])),
                        AccountDayValue(day, None, "business_discovery.media_count", number(node.get("media_count")))]
            for item in data_items(node.get("media")):
                if not item.get("id"):
                    continue
                media_id = str(item["id"])
                stamp = parse_graph_time(item["timestamp"]) if item.get("timestamp") else None
                product, kind = item.get("media_product_type"), item.get("media_type")
                result.posts.append(PostRecord(
                    post_id=media_id, published_at=stamp,
                    post_type=settings.MEDIA_TYPES.get((product, None)) or settings.MEDIA_TYPES.get((product, kind))
                    or settings.MEDIA_TYPES.get(("FEED", kind)),
                    post_type_raw="/".join(filter(None, [product, kind])) or None,
                    permalink=item.get("permalink"), title=first_line(item.get("caption"))))
                if stamp is not None:
                    published[media_id] = self.local_date(stamp)
                for name, canonical in MEDIA_METRICS.items():
                    if name in item:  # like_count is left out when the owner hides likes
                        result.post_metrics.append(PostMetricValue(media_id, snapshot, canonical, name,
                                                                   number(item[name])))
        ok = [p for p in pages if p.status < 400 and graph_error(p.body) is None]
        if ok:
            first = ok[0]
            result.account_daily += posts_published(published.values(), self.posts_from(first.window_end),
                                                    first.window_start, first.window_end,
                                                    "business_discovery.media (counted)")
        return result
