"""TikTok API knowledge the shared HTTP/OAuth layer takes as hooks: error codes inside HTTP 200
and the token endpoint."""

from __future__ import annotations

from connectors.http import HttpResult, Verdict, classify_by_status
from connectors.oauth import TokenEndpoint

# POST /open_api/v1.3/tt_user/oauth2/refresh_token/ [code]: a JSON body, answered in the
# `{code, message, data}` envelope (HTTP 200 even on errors).
TOKEN_ENDPOINT = TokenEndpoint(
    "TikTok", "https://business-api.tiktok.com/open_api/v1.3/tt_user/oauth2/refresh_token/", json_body=True)

TIKTOK_AUTH_CODES = frozenset({40105})  # "Access token is incorrect or has been revoked."
TIKTOK_THROTTLE_CODES = frozenset({40100})  # "App reaches the QPS limit."


def classify_tiktok(result: HttpResult) -> Verdict:
    """TikTok: errors arrive inside HTTP 200.

    Business API envelope: `{"code": 0, "message": "OK", ...}`, any other code is an error
    (40105 expired/revoked token, 40100 QPS limit). Display API: `{"error": {"code": "ok"}}`
    with string codes (`access_token_invalid`, `rate_limit_exceeded`).
    """
    body = result.body
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        code = body["error"].get("code")
        message = str(body["error"].get("message") or code)
        if code in ("access_token_invalid", "scope_not_authorized"):
            return Verdict.auth(f"{message} ({code})", code=code)
        if code == "rate_limit_exceeded":
            return Verdict.retry(f"{message} ({code})", code=code)
        if code not in (None, "ok"):
            return classify_by_status(result) if result.status >= 500 else Verdict.fail(
                f"{message} ({code})", code=code)
    if isinstance(body, dict) and isinstance(body.get("code"), int):
        code = body["code"]
        message = str(body.get("message") or "")
        if code in TIKTOK_AUTH_CODES:
            return Verdict.auth(f"{message} (code {code})", code=code)
        if code in TIKTOK_THROTTLE_CODES:
            return Verdict.retry(f"{message} (code {code})", code=code)
        if code != 0:
            return Verdict.fail(f"{message} (code {code})", code=code)
    return classify_by_status(result)
