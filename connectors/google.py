"""What the Google APIs share (YouTube Analytics, Business Profile, GA4 Data API): the OAuth
token endpoint, the error classifier, and `GoogleApiClient`, the base of their three clients."""

from __future__ import annotations

from typing import ClassVar

from connectors.http import HttpResult, Verdict, classify_by_status
from connectors.oauth import OAuthApiClient, TokenEndpoint

TOKEN_ENDPOINT = TokenEndpoint("Google", "https://oauth2.googleapis.com/token")  # [unverified]


# error.errors[].reason values [unverified: standard Google shapes, platform-apis.md §6.3]
GOOGLE_RETRY_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded", "backendError", "internalError"})
GOOGLE_QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})
GOOGLE_PERMISSION_REASONS = frozenset({"insufficientPermissions", "forbidden", "ACCESS_TOKEN_SCOPE_INSUFFICIENT"})


def google_error(body: object) -> tuple[str, str, str]:
    """(status, first reason, message) of a Google error body; empty strings when absent."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return "", "", ""
    reasons = [e.get("reason") for e in error.get("errors") or [] if isinstance(e, dict) and e.get("reason")]
    details = [d.get("reason") for d in error.get("details") or [] if isinstance(d, dict) and d.get("reason")]
    return str(error.get("status") or ""), str((reasons or details or [""])[0]), str(error.get("message") or "")


def classify_google(result: HttpResult) -> Verdict:
    """Google APIs (YouTube Analytics, Business Profile, GA4 Data API).

    401 -> re-authorise (UNAUTHENTICATED); 403 with a missing scope or permission -> re-authorise
    (a person must grant it); 403 `quotaExceeded`/`dailyLimitExceeded` -> fail (the daily quota
    does not come back within a retry); 403 `rateLimitExceeded`, 429 RESOURCE_EXHAUSTED, 5xx ->
    retry; other 4xx (400 "The query is not supported.") -> fail.
    """
    status, reason, message = google_error(result.body)
    label = ", ".join(filter(None, [status, reason]))
    text = f"{message} ({label})" if label else message
    if result.status == 403:
        if reason in GOOGLE_RETRY_REASONS:
            return Verdict.retry(f"HTTP 403 {text}", code=reason)
        if reason in GOOGLE_QUOTA_REASONS:
            return Verdict.fail(f"the daily API quota is used up, run again after it resets: {text}", code=reason)
        if reason in GOOGLE_PERMISSION_REASONS or status == "PERMISSION_DENIED":
            return Verdict.auth(f"missing permission or scope: {text}", code=reason or status)
    if result.status == 401:
        return Verdict.auth(f"HTTP 401 {text}".strip(), code=status or None)
    return classify_by_status(result)


class GoogleApiClient(OAuthApiClient):
    """An OAuth client of a Google API: Google's token endpoint and error classifier."""

    token_endpoint: ClassVar[TokenEndpoint] = TOKEN_ENDPOINT

    def classify(self, result: HttpResult) -> Verdict:
        return classify_google(result)
