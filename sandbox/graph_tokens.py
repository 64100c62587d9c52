"""Graph sandbox, token part: validity and expiry, fb_exchange_token, a Page token from a User
token, Instagram's ig_refresh_token. Rules and vendor pages: docs/channels/sandbox-graph.md."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sandbox.graph_pages import Call, project
from sandbox.graph_state import Account, GraphError, GraphState, invalid_param

LONG_LIVED = 60 * 86_400.0  # "about 60 days" (Facebook), "valid for 60 days" (Instagram)
MIN_REFRESH_AGE = 86_400.0  # Instagram refreshes tokens "at least 24 hours old"
CHALLENGE = {"WWW-Authenticate": 'OAuth "Facebook Platform" "invalid_token" '
             '"Invalid OAuth access token."'}


def invalid_token() -> GraphError:
    return GraphError(400, 190, "Invalid OAuth access token - Cannot parse access token",
                      headers=CHALLENGE)


def check_token(state: GraphState, token: str) -> tuple[str, Account]:
    """The token's kind and account, or Graph's 104 / 190 (subcode 463 when expired)."""
    if not token:
        raise GraphError(400, 104, "An access token is required to request this resource.")
    if token not in state.tokens:
        raise invalid_token()
    if state.token_expired(token):
        now = datetime.fromtimestamp(state.now(), UTC).strftime("%A, %d-%b-%y %H:%M:%S UTC")
        raise GraphError(400, 190, "Error validating access token: Session has expired on "
                         f"{now}. The current time is {now}.", subcode=463, headers=CHALLENGE)
    kind, page_id = state.tokens[token]
    return kind, state.accounts[page_id]


def _answer(token: str, life: float) -> dict[str, Any]:
    return {"access_token": token, "token_type": "bearer", "expires_in": int(life)}


def exchange(state: GraphState, params: dict[str, Any]) -> dict[str, Any]:
    """GET /{v}/oauth/access_token?grant_type=fb_exchange_token: a valid User token of this
    app's user -> a new long-lived User token. The old one stays valid until its own expiry."""
    if params.get("grant_type") != "fb_exchange_token":
        raise invalid_param("Unsupported grant_type; use fb_exchange_token")
    app = next((a for a in state.accounts.values()
                if a.app_id and a.app_id == params.get("client_id")), None)
    if app is None:
        raise GraphError(400, 101, "Error validating application. Invalid application ID.")
    if params.get("client_secret") != app.app_secret:
        raise GraphError(400, 1, "Error validating client secret.")
    kind, account = check_token(state, str(params.get("fb_exchange_token") or ""))
    if kind != "user" or account.page_id != app.page_id:
        raise invalid_token()
    return _answer(state.mint("user", account.page_id, LONG_LIVED), LONG_LIVED)


def refresh_instagram(state: GraphState, params: dict[str, Any]) -> dict[str, Any]:
    """GET /refresh_access_token?grant_type=ig_refresh_token (graph.instagram.com, no version):
    a long-lived IG User token at least 24 h old and unexpired -> a new one for 60 days."""
    if params.get("grant_type") != "ig_refresh_token":
        raise invalid_param("Unsupported grant_type; use ig_refresh_token")
    token = str(params.get("access_token") or "")
    kind, account = check_token(state, token)
    if kind != "ig":
        raise invalid_token()
    lifetime = state.lifetimes.get(token)
    if lifetime is not None and state.now() - lifetime.issued_at < MIN_REFRESH_AGE:
        # Meta's wording and code for this refusal are not in its reference: unverified.
        raise GraphError(400, 100, "(#100) The access token can be refreshed only when it is "
                         "at least 24 hours old.", type_="IGApiException")
    return _answer(state.mint("ig", account.page_id, LONG_LIVED), LONG_LIVED)


def as_user(state: GraphState, account: Account, call: Call) -> dict[str, Any]:
    """What a User token may do here: `GET /{page}?fields=access_token` -> a Page token (no
    expiry from a long-lived User token; from a short-lived one, it ends with it)."""
    if call.method == "GET" and call.edge is None and call.node == account.page_id:
        record = {"id": account.page_id, "name": account.page_name}
        if "access_token" in call.fields:
            user = state.lifetimes.get(call.params.get("_token", ""))
            life = None
            if user is not None and not user.long_lived and user.expires_at is not None:
                life = max(user.expires_at - state.now(), 0.0)
            record["access_token"] = state.mint("page", account.page_id, life)
        return project(record, call, ["name"])
    raise GraphError(403, 200, "(#200) If posting to a page, requires both "
                     "pages_read_engagement and pages_manage_posts as an admin with sufficient "
                     "administrative permission", type_="OAuthException")
