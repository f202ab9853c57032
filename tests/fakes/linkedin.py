"""Emulator of the LinkedIn Community Management endpoints the socialkpi LinkedIn client calls.

Response shapes from platform-apis.md §5 ([docs]/[code]):
- `/rest/organizationalEntityShareStatistics`, `/rest/organizationalEntityFollowerStatistics`,
  `/rest/organizationPageStatistics` with `timeIntervals=(timeRange:(start:ms,end:ms),
  timeGranularityType:DAY)` (end exclusive): one element per seeded UTC day, start/count paging
  (`paging: {start, count, links}`, capped at `page_size`); a malformed `timeIntervals` gets
  the 400 LinkedIn sends ("Parameter 'timeIntervals' is invalid" [issues]);
- `/rest/networkSizes/{urn}?edgeType=COMPANY_FOLLOWED_BY_MEMBER` -> `{"firstDegreeSize": n}`;
- `POST /oauth/v2/accessToken` (grant_type=refresh_token) -> a new 60-day access token; the
  refresh token stays the same (LinkedIn keeps its 365-day lifetime [docs]).
Requests must carry `LinkedIn-Version` and `X-Restli-Protocol-Version: 2.0.0`; a version in
`sunset_versions` gets 426 [code]. Tokens: VALID_TOKEN works; EXPIRED_TOKEN -> 401 65600
EXPIRED_ACCESS_TOKEN, REVOKED_TOKEN -> 401 65601, anything else -> 401 65600 INVALID [code].
`throttle()` queues 429s without any rate-limit header (LinkedIn sends none [docs]).

Use the `linkedin_api` fixture: `pytest_plugins = ["tests.fakes.linkedin"]`.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote

import pytest

from connectors.base import ApiAccount
from tests.fakes import FakeApiServer, Matcher, Reply, SeenRequest

VALID_TOKEN = "AQVliValidT0kenForPagesAnalytics01"
EXPIRED_TOKEN = "AQVliExpiredT0kenForPages000002"
REVOKED_TOKEN = "AQVliRevokedT0kenForPages000003"
REFRESH_TOKEN = "AQXliRefreshT0kenProgrammatic04"
CLIENT_ID = "86abcdlinkedinclient"
CLIENT_SECRET = "liClientSecretValue0005"

_INTERVALS = re.compile(r"\(timeRange:\(start:(\d+),end:(\d+)\),timeGranularityType:DAY\)")


def ms(day: dt.date) -> int:
    return int(dt.datetime.combine(day, dt.time(0), dt.UTC).timestamp() * 1000)


def _day(millis: int) -> dt.date:
    return dt.datetime.fromtimestamp(millis / 1000, dt.UTC).date()


@dataclass
class FakeOrganization:
    org_id: str
    followers: int = 0
    shares: dict[dt.date, dict[str, float]] = field(default_factory=dict)  # totalShareStatistics
    follower_gains: dict[dt.date, tuple[int, int]] = field(default_factory=dict)  # (organic, paid)
    page_views: dict[dt.date, dict[str, dict[str, int]]] = field(default_factory=dict)  # views.<view>.{...}


class LinkedInEmulator:
    """LinkedIn's /rest API on 127.0.0.1. Seed `organizations`; see the module docstring."""

    def __init__(self) -> None:
        self.server = FakeApiServer(self.handle)
        self.organizations: dict[str, FakeOrganization] = {}
        self.page_size = 100
        self.sunset_versions: set[str] = set()
        # statistics finders refused with 403 ACCESS_DENIED (an app without the permission);
        # the body follows LinkedIn's documented error shape (status, serviceErrorCode, code, message).
        self.denied_resources: set[str] = set()
        self.valid_tokens = {VALID_TOKEN}
        self.token_requests: list[dict[str, str]] = []
        self._issued = itertools.count(1)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def requests(self) -> list[SeenRequest]:
        return self.server.requests

    def account(self, org_id: str, *, token: str | None = VALID_TOKEN, credentials: dict[str, str] | None = None,
                options: dict[str, object] | None = None) -> ApiAccount:
        creds = {"access_token": token} if token else {}
        return ApiAccount(platform="linkedin", account_id=org_id, timezone="Europe/Berlin",
                          credentials={**creds, **(credentials or {})}, base_url=self.url,
                          options={"token_url": f"{self.url}/oauth/v2/accessToken", **(options or {})})

    def throttle(self, *, times: int = 1, when: Matcher | str | None = None) -> None:
        body = {"message": "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.",
                "status": 429}
        self.server.script(*[Reply(429, body)] * times, when=when)

    # -- routing --------------------------------------------------------------------------------

    def handle(self, request: SeenRequest) -> Reply:
        if request.method == "POST" and request.path == "/oauth/v2/accessToken":
            return self._token(request)
        denied = self._check_token(request.headers.get("Authorization", "").removeprefix("Bearer "))
        if denied is not None:
            return denied
        version = request.headers.get("LinkedIn-Version")
        if not version or request.headers.get("X-Restli-Protocol-Version") != "2.0.0":
            return Reply(400, {"message": "A version header and Rest.li protocol 2.0.0 are required", "status": 400})
        if version in self.sunset_versions:
            return Reply(426, {"message": "API version is sunset", "serviceErrorCode": 100, "status": 426})
        parts = [unquote(p) for p in request.path.split("/") if p]
        if parts[:2] == ["rest", "networkSizes"] and len(parts) == 3:
            org = self._org(parts[2])
            if org is None or request.param("edgeType") != "COMPANY_FOLLOWED_BY_MEMBER":
                return Reply(400, {"message": "Invalid query parameters passed to request", "status": 400})
            return Reply(200, {"firstDegreeSize": org.followers})
        if len(parts) == 2 and parts[0] == "rest":
            if parts[1] in self.denied_resources:
                finder = request.param("q")
                return Reply(403, {"status": 403, "serviceErrorCode": 100, "code": "ACCESS_DENIED",
                                   "message": f"Not enough permissions to access: {parts[1]}.FINDER-{finder}.20260601"})
            return self._statistics(request, parts[1])
        return Reply(404, {"message": f"No resource {request.path}", "status": 404})

    def _check_token(self, token: str) -> Reply | None:
        if token in self.valid_tokens:
            return None
        if token == EXPIRED_TOKEN:
            return Reply(401, {"status": 401, "serviceErrorCode": 65600, "code": "EXPIRED_ACCESS_TOKEN",
                               "message": "The token used in the request has expired"})
        if token == REVOKED_TOKEN:
            return Reply(401, {"status": 401, "serviceErrorCode": 65601, "code": "REVOKED_ACCESS_TOKEN",
                               "message": "The token used in the request has been revoked by the user"})
        return Reply(401, {"status": 401, "serviceErrorCode": 65600, "code": "INVALID_ACCESS_TOKEN",
                           "message": "Invalid access token"})

    def _org(self, urn: str | None) -> FakeOrganization | None:
        match = re.fullmatch(r"urn:li:organization:(\d+)", urn or "")
        return self.organizations.get(match.group(1)) if match else None

    def _statistics(self, request: SeenRequest, resource: str) -> Reply:
        finders = {"organizationalEntityShareStatistics": "organizationalEntity",
                   "organizationalEntityFollowerStatistics": "organizationalEntity",
                   "organizationPageStatistics": "organization"}
        finder = finders.get(resource)
        if finder is None or request.param("q") != finder:
            return Reply(400, {"message": "Invalid query parameters passed to request", "status": 400})
        org = self._org(request.param(finder))
        if org is None:
            return Reply(403, {"message": "Not enough permissions to access: organization", "status": 403,
                               "serviceErrorCode": 100})
        match = _INTERVALS.fullmatch(request.param("timeIntervals") or "")
        if match is None:
            return Reply(400, {"message": "Parameter 'timeIntervals' is invalid", "status": 400})
        first, last = _day(int(match.group(1))), _day(int(match.group(2)))  # end exclusive
        urn = f"urn:li:organization:{org.org_id}"
        series: dict[dt.date, dict[str, object]]
        if resource == "organizationalEntityShareStatistics":
            series = {d: {"totalShareStatistics": s, "organizationalEntity": urn} for d, s in org.shares.items()}
        elif resource == "organizationalEntityFollowerStatistics":
            series = {d: {"followerGains": {"organicFollowerGain": o, "paidFollowerGain": p},
                          "organizationalEntity": urn} for d, (o, p) in org.follower_gains.items()}
        else:
            series = {d: {"totalPageStatistics": {"views": v}, "organization": urn} for d, v in org.page_views.items()}
        elements = [{"timeRange": {"start": ms(d), "end": ms(d + dt.timedelta(days=1))}, **series[d]}
                    for d in sorted(series) if first <= d < last]
        start = int(request.param("start") or 0)
        count = min(int(request.param("count") or 10), self.page_size)
        return Reply(200, {"paging": {"count": count, "start": start, "links": []},
                           "elements": elements[start:start + count]})

    def _token(self, request: SeenRequest) -> Reply:
        form = dict(parse_qsl(request.body.decode()))
        self.token_requests.append(form)
        if (form.get("grant_type"), form.get("refresh_token"), form.get("client_id"), form.get("client_secret")) \
                != ("refresh_token", REFRESH_TOKEN, CLIENT_ID, CLIENT_SECRET):
            return Reply(400, {"error": "invalid_request",
                               "error_description": "The provided authorization grant or refresh token is invalid, "
                                                    "expired or revoked."})
        access = f"AQVliRefreshedT0ken{next(self._issued):04d}"
        self.valid_tokens.add(access)
        return Reply(200, {"access_token": access, "expires_in": 5184000, "refresh_token": REFRESH_TOKEN,
                           "refresh_token_expires_in": 31103999})


@pytest.fixture
def linkedin_api() -> Iterator[LinkedInEmulator]:
    """A running LinkedIn API emulator; seed it, then point clients at `linkedin_api.account(...)`."""
    emulator = LinkedInEmulator()
    with emulator.server:
        yield emulator
