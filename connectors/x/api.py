"""X (Twitter) API v2 client: follower total, post metrics, mention counts for share of voice.

fetch: `GET /2/users/{id}?user.fields=public_metrics`; the user's timeline
`GET /2/users/{id}/tweets` (paged with `meta.next_token` -> `pagination_token`) for the posts
published in the window or in the 28 days before its end; and, per subject in
`options["mention_queries"]`, `GET /2/tweets/counts/recent?granularity=day`.
normalise: followers_count -> AccountDayValue, posts -> PostRecord + PostMetricValue dated the
pull day, day buckets -> MentionsDayValue. Field mapping: api_settings.py.

Options: `non_public_metrics` (default true: the token is a user-context OAuth 2.0 token that
may read them), `mention_queries` ({subject_id: query or [keywords]}), `mention_counts`
("recent", default, or "all" for the full-archive endpoint), plus the OAuthApiClient options.
Credentials: `access_token` (user context), optional `bearer_token` (app-only, used for the
counts endpoint, which documents app-only auth [docs]), `refresh_token` + `client_id`
(+ `client_secret` for confidential clients) to refresh the 2-hour user token.
"""

from __future__ import annotations

import datetime as dt
import logging
import re

from connectors.base import AccountDayValue, MentionsDayValue, ParsedExport, PostMetricValue, PostRecord, RawPage
from connectors.http import HttpClient, HttpResult, Verdict, follow_cursor
from connectors.oauth import OAuthApiClient
from connectors.rejected_metrics import RejectedMetrics, rejection_note
from connectors.values import first_line, number
from connectors.x import api_settings as settings
from connectors.x.http_hooks import RATE_LIMITS, TOKEN_ENDPOINT, classify_x, envelope_warnings

logger = logging.getLogger(__name__)


def next_token(body: object) -> str | None:
    """X paging: `meta.next_token`, absent on the last page."""
    meta = body.get("meta") if isinstance(body, dict) else None
    token = meta.get("next_token") if isinstance(meta, dict) else None
    return token if isinstance(token, str) and token else None


def x_time(moment: dt.datetime) -> str:
    """X's timestamp parameter format: YYYY-MM-DDTHH:mm:ssZ (UTC)."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_x_time(text: str) -> dt.datetime:
    """X timestamps ("2021-11-30T16:00:00.000Z") as aware UTC datetimes."""
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.UTC)


def mention_query(value: object) -> str:
    """A counts query: the configured query verbatim, or keywords OR-ed as exact phrases."""
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple) and value:
        return "(" + " OR ".join(f'"{keyword}"' for keyword in value) + ")"
    raise ValueError(f"a mention query must be a query string or a list of keywords, not {value!r}")


NON_PUBLIC = "non_public_metrics"
# X's per-item error for a field the token may not read [docs: api.x.com problem types].
FIELD_REFUSED = "https://api.twitter.com/2/problems/not-authorized-for-field"


def _items(body: object) -> list[dict]:
    data = body.get("data") if isinstance(body, dict) else None
    return [d for d in data if isinstance(d, dict)] if isinstance(data, list) else []


def non_public_refused(page: RawPage) -> str | None:
    """The refusal when a timeline page asked for non_public_metrics and got them for no post.

    Every error must be X's not-authorized-for-field on non_public_metrics; a page where some
    posts carry them (or other errors) is a partial answer, not a refused metric.
    """
    if NON_PUBLIC not in str(page.params.get("tweet.fields", "")) or not isinstance(page.body, dict):
        return None
    errors = page.body.get("errors")
    items = _items(page.body)
    if not isinstance(errors, list) or not errors or not items or any(NON_PUBLIC in item for item in items):
        return None
    if not all(isinstance(e, dict) and e.get("type") == FIELD_REFUSED and NON_PUBLIC in str(e.get("field"))
               for e in errors):
        return None
    first = errors[0]
    return str(first.get("detail") or first.get("title") or FIELD_REFUSED)


class XApi(OAuthApiClient):
    """One X account (account_id = the numeric user id)."""

    platform = "x"
    api_settings = settings
    token_endpoint = TOKEN_ENDPOINT
    rate_limits = (RATE_LIMITS,)
    _counts_client: HttpClient | None = None

    def classify(self, result: HttpResult) -> Verdict:
        return classify_x(result)

    @property
    def counts_http(self) -> HttpClient:
        """The client for the counts endpoint: the app-only bearer token when one is configured."""
        bearer = self.account.credentials.get("bearer_token")
        if not bearer:
            return self.http
        if self._counts_client is None:
            self._counts_client = HttpClient(
                platform=self.platform, account_id=self.account.account_id, base_url=self.base_url(),
                auth_headers={"Authorization": f"Bearer {bearer}"},
                secrets=[v for v in self.account.credentials.values() if v], classify=classify_x,
                rate_limits=self.rate_limits, retry=self.retry, timeout=self.timeout, sleep=self._sleep,
                now=self._now, rand=self._rand, session=self._session)
        return self._counts_client

    def subjects(self) -> dict[str, str]:
        """{subject_id: counts query} from options["mention_queries"]."""
        raw = self.account.options.get("mention_queries") or {}
        if not isinstance(raw, dict):
            raise ValueError("options mention_queries must map subject ids to a query or a list of keywords")
        return {str(subject): mention_query(value) for subject, value in raw.items()}

    def check(self) -> None:
        """Cheap probe: read the user (fails with AuthError on a bad token)."""
        today = self.today()
        self.http.get(f"users/{self.account.account_id}", {"user.fields": "id"}, window=(today, today))

    def fetch(self, start: dt.date, end: dt.date) -> list[RawPage]:
        window = (start, end)
        user = self.account.account_id
        now = self._now()
        latest = now - settings.END_TIME_MARGIN
        pages = [self.http.get(f"users/{user}", {"user.fields": settings.USER_FIELDS}, window=window)]

        posts_from = min(start, end - dt.timedelta(days=settings.POST_REFRESH_DAYS - 1))
        begin = self.local_midnight(posts_from)
        finish = min(self.local_midnight(end + dt.timedelta(days=1)), latest)
        # Quirk: non-public metrics exist only for posts of the last 30 days [docs]; asking for
        # them on older posts fails. The timeline is read in two time segments.
        cutoff = now - dt.timedelta(days=settings.NON_PUBLIC_DAYS) + settings.NON_PUBLIC_MARGIN
        rejected = RejectedMetrics.for_account(self.account, self.today).scope("timeline")
        if self.account.options.get("non_public_metrics", True) is False or NON_PUBLIC in rejected:
            cutoff = finish
        segments = [(begin, min(finish, cutoff), settings.PUBLIC_TWEET_FIELDS),
                    (max(begin, cutoff), finish, settings.NON_PUBLIC_TWEET_FIELDS)]
        for seg_start, seg_end, fields in segments:
            if seg_start >= seg_end:
                continue
            got = list(follow_cursor(self.http, f"users/{user}/tweets", {
                "max_results": settings.TIMELINE_PAGE_SIZE, "start_time": x_time(seg_start),
                "end_time": x_time(seg_end), "tweet.fields": fields,
            }, window=window, cursor_param="pagination_token", next_cursor=next_token))
            pages += got
            refusals = [r for r in map(non_public_refused, got) if r]
            if refusals and len(refusals) == sum(1 for p in got if _items(p.body)):
                # Every post of the segment was refused its non-public metrics (a token without
                # the owner's user context): remember, so later pulls ask for public ones only.
                logger.warning("x account %s: non_public_metrics refused, public metrics loaded: %s",
                               user, refusals[0])
                rejected.add(NON_PUBLIC, refusals[0])

        pages += self._fetch_counts(start, end, latest, window)
        return pages

    def _fetch_counts(self, start: dt.date, end: dt.date, latest: dt.datetime,
                      window: tuple[dt.date, dt.date]) -> list[RawPage]:
        subjects = self.subjects()
        if not subjects:
            return []
        full_archive = self.account.options.get("mention_counts") == "all"
        endpoint = "tweets/counts/all" if full_archive else "tweets/counts/recent"
        # Quirk: count buckets are UTC days, whatever the account's timezone.
        begin = dt.datetime.combine(start, dt.time(0), dt.UTC)
        if endpoint.endswith("recent"):
            # counts/recent serves the last 7 days [docs]; start at the first whole UTC day in it.
            earliest = latest - dt.timedelta(days=settings.RECENT_COUNTS_DAYS)
            first_whole = dt.datetime.combine(earliest.date() + dt.timedelta(days=1), dt.time(0), dt.UTC)
            if begin < first_whole:
                logger.warning("x account %s: counts/recent keeps 7 days; mentions of %s..%s start at %s",
                               self.account.account_id, start, end, first_whole.date())
                begin = first_whole
        finish = min(dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), dt.UTC), latest)
        if begin >= finish:
            return []
        pages: list[RawPage] = []
        for query in subjects.values():
            pages += follow_cursor(self.counts_http, endpoint, {
                "query": query, "granularity": "day", "start_time": x_time(begin), "end_time": x_time(finish),
            }, window=window, cursor_param="pagination_token", next_cursor=next_token)
        return pages

    # -- normalise ------------------------------------------------------------------------------

    def normalise(self, pages: list[RawPage]) -> ParsedExport:
        """Canonical records from landed pages; pure (no network, no clock)."""
        result = ParsedExport(format="x_api")
        user = self.account.account_id
        by_query = {query: subject for subject, query in self.subjects().items()}
        for page in pages:
            if page.status >= 400:
                continue
            refused = non_public_refused(page)
            if refused:
                result.notes.append(rejection_note("x", NON_PUBLIC, refused))
            for warning in [] if refused else envelope_warnings(page.body):
                # Quirk: X reports per-item failures inside HTTP 200, next to the data.
                result.notes.append(f"x: partial error in {_path(page)}: {warning}")
            path = _path(page)
            if path.endswith(f"/users/{user}"):
                self._user(page, result)
            elif path.endswith(f"/users/{user}/tweets"):
                self._timeline(page, result)
            elif re.search(r"/tweets/counts/(recent|all)$", path):
                self._counts(page, by_query, result)
        return result

    def _user(self, page: RawPage, result: ParsedExport) -> None:
        data = page.body.get("data") if isinstance(page.body, dict) else None
        metrics = data.get("public_metrics") if isinstance(data, dict) else None
        if not isinstance(metrics, dict) or "followers_count" not in metrics:
            return
        day = self.total_day(page, "followers_count", result.notes)
        if day is None:
            return
        result.account_daily.append(AccountDayValue(day, "followers", "public_metrics.followers_count",
                                                    number(metrics["followers_count"])))

    def _timeline(self, page: RawPage, result: ParsedExport) -> None:
        snapshot = self.local_date(page.fetched_at)
        items = page.body.get("data") if isinstance(page.body, dict) else None
        for post in items if isinstance(items, list) else []:
            if not isinstance(post, dict) or not post.get("id"):
                continue
            post_id = str(post["id"])
            result.posts.append(PostRecord(
                post_id=post_id,
                published_at=parse_x_time(post["created_at"]) if post.get("created_at") else None,
                post_type=None,  # the timeline fields carry no post format
                post_type_raw=None,
                permalink=f"https://x.com/i/web/status/{post_id}",
                title=first_line(post.get("text")),
            ))
            values: dict[tuple[str, str], float | None] = {}
            for (group, name), canonical in settings.POST_METRICS.items():
                metrics = post.get(group)
                if not isinstance(metrics, dict) or name not in metrics:
                    continue  # not served (non-public metrics of old posts): no value, never 0
                values[(group, name)] = number(metrics[name])
                result.post_metrics.append(PostMetricValue(post_id, snapshot, canonical, f"{group}.{name}",
                                                           values[(group, name)]))
            parts = [values.get(key) for key in settings.SHARES_FROM]
            if all(key in values for key in settings.SHARES_FROM):
                # DESIGN: shares include reposts and quotes. A missing part leaves the sum unknown.
                total = None if any(p is None for p in parts) else sum(p for p in parts if p is not None)
                result.post_metrics.append(PostMetricValue(post_id, snapshot, "shares", settings.SHARES_SOURCE, total))

    def _counts(self, page: RawPage, by_query: dict[str, str], result: ParsedExport) -> None:
        query = page.params.get("query", "")
        subject = by_query.get(query)
        if subject is None:
            result.notes.append(f"x: mention counts for query {query!r} belong to no configured subject; not loaded")
            return
        buckets = page.body.get("data") if isinstance(page.body, dict) else None
        for bucket in buckets if isinstance(buckets, list) else []:
            if not isinstance(bucket, dict) or not bucket.get("start"):
                continue
            day = parse_x_time(bucket["start"]).date()  # UTC day buckets
            if page.window_start <= day <= page.window_end:
                result.mentions_daily.append(MentionsDayValue(day, subject, "x", number(bucket.get("tweet_count"))))


def _path(page: RawPage) -> str:
    return page.endpoint.rstrip("/")
