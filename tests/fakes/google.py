"""Emulators of Google's OAuth token endpoint, Business Profile reviews (v4) and the GA4 Data API.

- `GoogleOAuth`: `POST /token` (grant_type=refresh_token, client_id, client_secret) -> a new
  1-hour access token (Google does not rotate the refresh token); shared with tests/fakes/youtube.py.
- Business Profile `GET /v4/accounts/{a}/locations/{l}/reviews?pageSize&pageToken&orderBy`
  (platform-apis.md §8.1 [docs]): reviews newest-updated first, `pageSize` capped at 50,
  `nextPageToken` absent on the last page, `starRating` as the enum word, `comment` absent on
  rating-only reviews.
- GA4 `POST /v1beta/properties/{id}:runReport` ([docs] RunReportResponse): `dimensionHeaders`,
  `metricHeaders`, `rows` of `dimensionValues`/`metricValues` (values as strings), `rowCount`
  (all rows, whatever `limit`/`offset`).
Errors use Google's JSON error shape (`error.code/message/status/errors[].reason`), which
platform-apis.md marks [unverified]: tests that use them check our handling, not Google's.
Tokens: VALID_TOKEN and tokens issued by `/token` work; any other gets 401 UNAUTHENTICATED.

Use the `google_api` fixture: `pytest_plugins = ["tests.fakes.google"]`.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote

import pytest

from connectors.base import ApiAccount
from tests.fakes import FakeApiServer, Matcher, Reply, SeenRequest

VALID_TOKEN = "ya29.a0ValidGoogleAccessT0ken0001"
EXPIRED_TOKEN = "ya29.a0ExpiredGoogleAccessT0ken02"
REFRESH_TOKEN = "1//0gGoogleRefreshT0ken000003"
CLIENT_ID = "1234567890-abc.apps.googleusercontent.com"
CLIENT_SECRET = "GOCSPX-googleClientSecret04"


def google_error(code: int, status: str, message: str, reason: str | None = None) -> Reply:
    error: dict[str, object] = {"code": code, "message": message}
    if status:
        error["status"] = status
    if reason:
        error["errors"] = [{"message": message, "domain": "global", "reason": reason}]
    return Reply(code, {"error": error})


UNAUTHENTICATED_MESSAGE = ("Request had invalid authentication credentials. Expected OAuth 2 access token, login "
                           "cookie or other valid authentication credential.")


class GoogleOAuth:
    """Google's token endpoint and the access tokens it has issued."""

    def __init__(self) -> None:
        self.valid_tokens = {VALID_TOKEN}
        self.token_requests: list[dict[str, str]] = []
        self._issued = itertools.count(1)

    def refused(self, request: SeenRequest) -> Reply | None:
        if request.headers.get("Authorization", "").removeprefix("Bearer ") in self.valid_tokens:
            return None
        return google_error(401, "UNAUTHENTICATED", UNAUTHENTICATED_MESSAGE, "authError")

    def token(self, request: SeenRequest) -> Reply:
        form = dict(parse_qsl(request.body.decode()))
        self.token_requests.append(form)
        if (form.get("client_id"), form.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
            return Reply(401, {"error": "invalid_client", "error_description": "The OAuth client was not found."})
        if form.get("grant_type") != "refresh_token" or form.get("refresh_token") != REFRESH_TOKEN:
            return Reply(400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."})
        access = f"ya29.a0RefreshedGoogleT0ken{next(self._issued):04d}"
        self.valid_tokens.add(access)
        return Reply(200, {"access_token": access, "expires_in": 3599, "token_type": "Bearer",
                           "scope": "https://www.googleapis.com/auth/business.manage"})


@dataclass
class FakeReview:
    review_id: str
    star_rating: str  # ONE..FIVE or STAR_RATING_UNSPECIFIED
    create_time: str
    update_time: str
    comment: str | None = None
    reviewer: str = "Jane Doe"


class GoogleEmulator:
    """Business Profile reviews and the GA4 Data API on 127.0.0.1 (plus the token endpoint).

    Seed `reviews[(account_id, location_id)]` with FakeReview lists and `ga4_rows[property_id]`
    with {(YYYYMMDD, sessionSource): {metric: value}}.
    """

    def __init__(self) -> None:
        self.server = FakeApiServer(self.handle)
        self.oauth = GoogleOAuth()
        self.reviews: dict[tuple[str, str], list[FakeReview]] = {}
        self.ga4_rows: dict[str, dict[tuple[str, str], dict[str, float]]] = {}
        self.review_page_size = 50
        self.run_report_bodies: list[dict] = []
        # GA4 metrics refused although known: named ("Please remove x to make the request
        # compatible" [issue googleanalytics/ga-dev-tools#2187]) or not ("incompatible").
        self.ga4_refused: set[str] = set()
        self.ga4_name_refused = True

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def requests(self) -> list[SeenRequest]:
        return self.server.requests

    def account(self, platform: str, account_id: str, *, token: str | None = VALID_TOKEN,
                credentials: dict[str, str] | None = None, options: dict[str, object] | None = None) -> ApiAccount:
        creds = {"access_token": token} if token else {}
        return ApiAccount(platform=platform, account_id=account_id, timezone="Europe/Berlin",
                          credentials={**creds, **(credentials or {})}, base_url=self.url,
                          options={"token_url": f"{self.url}/token", **(options or {})})

    def resource_exhausted(self, message: str, *, times: int = 1, when: Matcher | str | None = None) -> None:
        self.server.script(*[google_error(429, "RESOURCE_EXHAUSTED", message, "rateLimitExceeded")] * times,
                           when=when)

    # -- routing --------------------------------------------------------------------------------

    def handle(self, request: SeenRequest) -> Reply:
        if request.method == "POST" and request.path == "/token":
            return self.oauth.token(request)
        refused = self.oauth.refused(request)
        if refused is not None:
            return refused
        parts = [unquote(p) for p in request.path.split("/") if p]
        if len(parts) == 6 and parts[0] == "v4" and parts[1] == "accounts" and parts[3] == "locations" \
                and parts[5] == "reviews":
            return self._reviews(request, parts[2], parts[4])
        if len(parts) == 3 and parts[:2] == ["v1beta", "properties"] and parts[2].endswith(":runReport"):
            return self._run_report(request, parts[2].removesuffix(":runReport"))
        return google_error(404, "NOT_FOUND", f"Requested entity was not found: {request.path}")

    def _reviews(self, request: SeenRequest, account: str, location: str) -> Reply:
        if (account, location) not in self.reviews:
            return google_error(404, "NOT_FOUND", "Requested entity was not found.")
        if request.param("orderBy") not in (None, "rating", "rating desc", "updateTime desc"):
            return google_error(400, "INVALID_ARGUMENT", "Request contains an invalid argument.", "badRequest")
        ordered = sorted(self.reviews[(account, location)], key=lambda r: r.update_time, reverse=True)
        size = min(int(request.param("pageSize") or 50), self.review_page_size)
        offset = int(request.param("pageToken") or 0)
        chunk = ordered[offset:offset + size]
        body: dict[str, object] = {}
        if ordered:
            stars = {"ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5}
            rated = [stars[r.star_rating] for r in ordered if r.star_rating in stars]
            body["averageRating"] = round(sum(rated) / len(rated), 1) if rated else 0
            body["totalReviewCount"] = len(ordered)
        if chunk:
            body["reviews"] = [self._review_json(account, location, r) for r in chunk]
        if offset + size < len(ordered):
            body["nextPageToken"] = str(offset + size)
        return Reply(200, body)

    @staticmethod
    def _review_json(account: str, location: str, review: FakeReview) -> dict[str, object]:
        item: dict[str, object] = {
            "name": f"accounts/{account}/locations/{location}/reviews/{review.review_id}",
            "reviewId": review.review_id,
            "reviewer": {"profilePhotoUrl": "https://lh3.googleusercontent.com/a/x", "displayName": review.reviewer,
                         "isAnonymous": False},
            "starRating": review.star_rating,
            "createTime": review.create_time,
            "updateTime": review.update_time,
        }
        if review.comment is not None:
            item["comment"] = review.comment
        return item

    def _run_report(self, request: SeenRequest, property_id: str) -> Reply:
        if property_id not in self.ga4_rows:
            return google_error(403, "PERMISSION_DENIED",
                                "User does not have sufficient permissions for this property.")
        body = json.loads(request.body or b"{}")
        self.run_report_bodies.append(body)
        dimensions = [d["name"] for d in body.get("dimensions", [])]
        metrics = [m["name"] for m in body.get("metrics", [])]
        known = {"sessions": "TYPE_INTEGER", "engagedSessions": "TYPE_INTEGER", "keyEvents": "TYPE_FLOAT",
                 "totalRevenue": "TYPE_CURRENCY"}
        unknown = [m for m in metrics if m not in known]
        if unknown:
            return google_error(400, "INVALID_ARGUMENT", f"Field {unknown[0]} is not a valid metric.")
        refused = [m for m in metrics if m in self.ga4_refused]
        if refused:
            return google_error(400, "INVALID_ARGUMENT", (
                f"Please remove {refused[0]} to make the request compatible. " if self.ga4_name_refused else ""
            ) + "The request's dimensions & metrics are incompatible.")
        if dimensions != ["date", "sessionSource"]:
            return google_error(400, "INVALID_ARGUMENT", "this emulator serves dimensions date, sessionSource")
        (date_range,) = body["dateRanges"]
        first = date_range["startDate"].replace("-", "")
        last = date_range["endDate"].replace("-", "")
        rows = [(key, values) for key, values in sorted(self.ga4_rows[property_id].items())
                if first <= key[0] <= last]
        offset, limit = int(body.get("offset", 0)), int(body.get("limit", 10000))
        response: dict[str, object] = {
            "dimensionHeaders": [{"name": d} for d in dimensions],
            "metricHeaders": [{"name": m, "type": known[m]} for m in metrics],
            "rowCount": len(rows),
            "metadata": {"currencyCode": "EUR", "timeZone": "Europe/Berlin"},
            "kind": "analyticsData#runReport",
        }
        page = rows[offset:offset + limit]
        if page:
            response["rows"] = [{"dimensionValues": [{"value": day}, {"value": source}],
                                 "metricValues": [{"value": _text(values.get(m, 0))} for m in metrics]}
                                for (day, source), values in page]
        return Reply(200, response)


def _text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


@pytest.fixture
def google_api() -> Iterator[GoogleEmulator]:
    """A running Business Profile + GA4 emulator; point clients at `google_api.account(...)`."""
    emulator = GoogleEmulator()
    with emulator.server:
        yield emulator
