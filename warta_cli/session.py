"""The admin's session: log in at editorial, keep the tokens in .warta/, call the admin APIs.

The command writes no service's database (bootstrap aside, see `warta admin create`): it asks
the owning service over HTTP, as an admin, so the same validation and the same single writer
apply. Credentials: `WARTA_ADMIN_USERNAME`/`WARTA_ADMIN_PASSWORD` (and the TOTP code, asked for or
`WARTA_ADMIN_OTP`), or the tokens `warta login` stored (refreshed on each command, which
re-checks the account).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import stamina

from shared.settings import Settings
from warta_cli import infra
from warta_cli.commands import CommandError
from warta_cli.second_factor import Authenticator, Typed

SESSION_FILE = "session.json"
# A new account reaches the other services through Kafka: moments, not minutes.
PROPAGATION_SECONDS = 30.0


@dataclass(frozen=True)
class Target:
    """One service's base URL, and (in tests) the transport that reaches it in process."""

    base_url: str
    transport: httpx.AsyncBaseTransport | None = None


def home() -> Path:
    """Where the session is kept: WARTA_HOME, else the stack's .warta/ (git-ignored)."""
    return Path(os.environ.get("WARTA_HOME") or infra.HOME)


def service_url(settings: Settings, service: str) -> str:
    return f"http://127.0.0.1:{settings.port_of(service)}"


class Refused(CommandError):
    """The service refused the call; its message is what the operator reads."""

    def __init__(self, status: int, code: str | None, message: str, details: Any = None
                 ) -> None:
        super().__init__(message)
        self.status, self.code, self.details = status, code, details


class NotYetKnown(Exception):
    """The service has not received the admin's account yet (401 account_unknown)."""


async def request(target: Target | str, token: str | None, method: str, path: str,
                  **options: Any) -> Any:
    """One API call; a refusal becomes a CommandError carrying the service's own message."""
    target = Target(target) if isinstance(target, str) else target
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=target.base_url, transport=target.transport,
                                 timeout=30) as client:
        try:
            async for attempt in stamina.retry_context(on=NotYetKnown,
                                                       timeout=PROPAGATION_SECONDS):
                with attempt:
                    response = await client.request(method, path, headers=headers, **options)
                    if response.status_code == 401 and _code(response) == "account_unknown":
                        raise NotYetKnown
        except NotYetKnown as exc:
            raise CommandError(f"{target.base_url} does not know this admin account yet; "
                               "is editorial running?") from exc
        except httpx.TransportError as exc:
            raise CommandError(f"cannot reach {target.base_url} ({type(exc).__name__}); "
                               "is the stack running (`make up`)?") from exc
    if response.status_code >= 400:
        raise Refused(response.status_code, _code(response), _refusal(response),
                      _details(response))
    return response.json() if response.content else None


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str


async def login(editorial: Target | str, username: str, password: str,
                second: Authenticator | None = None) -> Tokens:
    """The password; then, for a chief editor or an admin, editorial's second factor (the
    mfa token it answers with, the enrolment when it says so, a TOTP code from `second`)."""
    try:
        body = await request(editorial, None, "POST", "/v1/auth/token",
                             data={"username": username, "password": password})
    except Refused as refused:
        if refused.code != "second_factor_required" or not isinstance(refused.details, dict):
            raise
        body = await _second_factor(editorial, username, refused.details, second or Typed())
    return Tokens(body["access_token"], body["refresh_token"])


async def _second_factor(editorial: Target | str, username: str, owed: dict[str, Any],
                         second: Authenticator) -> Any:
    mfa = str(owed["mfa_token"])
    if not owed.get("enrolled"):
        shown = await request(editorial, mfa, "POST", "/v1/auth/totp/enrol")
        second.enrolled(username, shown["secret"], shown["otpauth_uri"])
    return await request(editorial, None, "POST", "/v1/auth/totp/verify",
                         json={"mfa_token": mfa, "otp": await second.code(username)})


async def refresh(editorial: Target | str, refresh_token: str) -> Tokens:
    body = await request(editorial, None, "POST", "/v1/auth/refresh",
                         json={"refresh_token": refresh_token})
    return Tokens(body["access_token"], body["refresh_token"])


def save(username: str, tokens: Tokens) -> Path:
    """Only the refresh token is kept (0600): each command trades it for a fresh pair."""
    directory = home()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / SESSION_FILE
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(json.dumps({"username": username, "refresh_token": tokens.refresh_token}))
    return path


async def admin_token(settings: Settings) -> str:
    """A fresh access token for the admin: from the environment's credentials, else by
    refreshing the stored session (and storing the new refresh token)."""
    editorial = service_url(settings, "editorial")
    username, password = os.environ.get("WARTA_ADMIN_USERNAME"), os.environ.get(
        "WARTA_ADMIN_PASSWORD")
    if username and password:
        otp = Typed(os.environ.get("WARTA_ADMIN_OTP"))  # an admin's code: typed, never kept
        return (await login(editorial, username, password, otp)).access_token
    path = home() / SESSION_FILE
    if not path.exists():
        raise CommandError("not logged in: run `warta login --username <admin>` (or set "
                           "WARTA_ADMIN_USERNAME and WARTA_ADMIN_PASSWORD)")
    stored = json.loads(path.read_text())
    tokens = await refresh(editorial, stored["refresh_token"])
    save(stored["username"], tokens)
    return tokens.access_token


def _code(response: httpx.Response) -> str | None:
    try:
        return str(response.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return None


def _details(response: httpx.Response) -> Any:
    try:
        return response.json()["error"].get("details")
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def _refusal(response: httpx.Response) -> str:
    try:
        error = response.json()["error"]
    except (ValueError, KeyError, TypeError):
        return f"HTTP {response.status_code}: {response.text[:200]}"
    details = error.get("details")
    if isinstance(details, list):
        problems = "; ".join(f"{d.get('field')}: {d.get('problem')}" for d in details
                             if isinstance(d, dict))
        return f"{error['message']} ({problems})" if problems else str(error["message"])
    return str(error["message"])
