"""What each service's OpenAPI declares: the error body, the callers' credentials, route errors.

The security objects here only describe the credential (`auto_error=False`, they never refuse);
checking it stays with `shared.auth.require_role` and ingest's OPD key dependency.
"""

from __future__ import annotations

from typing import Any

from fastapi.params import Security
from fastapi.security import HTTPBearer, OAuth2PasswordBearer
from pydantic import BaseModel

from shared.errors import ErrorOut

Responses = dict[int | str, dict[str, Any]]

LOGIN_PATH = "/v1/auth/token"  # editorial's login, on the same origin behind the front door


_WHY = {
    200: "The page.",
    400: "The request cannot be used as sent: a body that is not UTF-8 JSON, a stale cursor.",
    401: "No valid credential.",
    403: "The credential is valid but its role is not enough.",
    404: "Nothing with this id (for this caller).",
    409: "The resource's current state does not allow this change.",
    410: "It existed but is gone (taken down).",
    413: "The body is larger than allowed.",
    415: "The body's type is not accepted.",
    422: "Some fields are invalid; `details` names each one.",
    428: "The request must say which version it changes (If-Match).",
    429: "Too many requests; wait for Retry-After seconds.",
    503: "A dependency is not answering; retry after Retry-After seconds.",
}


def error_responses(*codes: int) -> Responses:
    """The shared error body for each status code a route can answer with."""
    return {code: {"model": ErrorOut, "description": _WHY[code]} for code in codes}


def html_responses(*codes: int) -> Responses:
    """Statuses a public HTML page answers with a page of its own. Give the route
    `response_class=Response`: with HTMLResponse, FastAPI would declare its JSON errors as HTML."""
    return {code: {"description": _WHY[code], "content": {"text/html": {"schema": {
        "type": "string"}}}} for code in codes}


def text_responses(*codes: int) -> Responses:
    """Statuses answered with plain text (a webhook handshake's echo)."""
    return {code: {"description": _WHY[code], "content": {"text/plain": {"schema": {
        "type": "string"}}}} for code in codes}


def page_or_json_responses(*codes: int, model: type[BaseModel] = ErrorOut) -> Responses:
    """Statuses a route answers with a page, or with JSON (`model`) when the caller's Accept
    asks for it. Give the route `response_class=Response`."""
    return {code: {"model": model, "description": _WHY[code], "content": {"text/html": {
        "schema": {"type": "string"}}}} for code in codes}


# Any route that reads or writes the database may answer 503; one that reads a body, 400 (it
# cannot be decoded), 413 (too large) and 422 (invalid fields).
SERVICE_ERRORS = error_responses(503)
BODY_ERRORS = error_responses(400, 413, 422)

OPD_KEY = HTTPBearer(
    scheme_name="opdApiKey", bearerFormat="wrt_<key id>_<secret>", auto_error=False,
    description="An OPD's API key, issued by an admin (`warta opd create`); "
                "`Authorization: Bearer wrt_...`.")

OPD_USER_TOKEN = HTTPBearer(
    scheme_name="opdUserToken", bearerFormat="JWT", auto_error=False,
    description="A pranata humas' access token from `POST /v1/opd-auth/token` (an OPD user "
                "account); taken wherever an OPD API key is. Never an editor's JWT.")

ROLES = {
    "editor": "review, edit and decide on articles; see publications and deliveries",
    "chief_editor": "an editor's rights, and more",
    "admin": "a chief editor's rights, and OPDs, journalists and accounts",
}
EDITOR_JWT = OAuth2PasswordBearer(
    tokenUrl=LOGIN_PATH, scheme_name="editorJwt", scopes=ROLES, auto_error=False,
    description="A short-lived JWT from editorial's login; the scope names the minimum role "
                "(each role includes the rights of those before it).")

MFA_TOKEN = HTTPBearer(
    scheme_name="mfaToken", bearerFormat="JWT", auto_error=False,
    description="The 5-minute token a chief editor's or admin's right password buys (the 403 "
                "`second_factor_required` of `POST /v1/auth/token`); opens only the TOTP "
                "enrolment and verification.")


def mfa_token() -> Security:
    """Declares that the route takes the mfa token of a password login."""
    return Security(dependency=MFA_TOKEN)


def opd_key() -> Security:
    """Declares that the route takes an OPD API key."""
    return Security(dependency=OPD_KEY)


def opd_user_token() -> Security:
    """Declares that the route takes an OPD user's access token (beside the OPD API key)."""
    return Security(dependency=OPD_USER_TOKEN)


def editor_jwt(role: str) -> Security:
    """Declares that the route takes an editor JWT of at least `role`."""
    return Security(dependency=EDITOR_JWT, scopes=[role])


def role_errors(role: str) -> Responses:
    """401 without a valid token; 403 when the route needs more than the lowest role."""
    return error_responses(401, 403) if role != "editor" else error_responses(401)


def route_errors(*codes: int, role: str | None = None, body: bool = False) -> Responses:
    """One route's errors: its own `codes`; 401/403 for a `role`; 400/413 for a body; 422 (FastAPI
    documents one for any route with parameters: this is our body for it); 503 (the route
    reads or writes the database)."""
    return {**(role_errors(role) if role else {}), **(BODY_ERRORS if body else {}),
            **error_responses(422, *codes), **SERVICE_ERRORS}
