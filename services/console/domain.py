"""The console's rules: sessions' stages, signed session ids, errors per field."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

OPD_ROLE = "opd"  # a pranata humas: signed in with an ingest OPD account, not an editor
RANKS = {"editor": 1, "chief_editor": 2, "admin": 3}


class Stage:
    """Where a session is: signed in, or past the password and owing its TOTP code."""

    TOTP = "totp"  # an enrolled account: the code is asked for
    ENROL = "enrol"  # no secret confirmed yet: the key is shown, then a code asked for
    SIGNED_IN = "signed_in"


def at_least(role: str, wanted: str) -> bool:
    return RANKS.get(role, 0) >= RANKS[wanted]


@dataclass
class Session:
    id_hash: str
    username: str
    role: str
    name: str
    stage: str
    csrf: str
    access_token: str
    refresh_token: str
    access_expires: datetime
    expires_at: datetime
    opd_code: str = ""  # an OPD session's office; empty for editors
    opd_name: str = ""
    timezone: str = ""

    @property
    def signed_in(self) -> bool:
        return self.stage == Stage.SIGNED_IN


def new_token() -> str:
    return secrets.token_urlsafe(32)


def id_hash(session_id: str) -> str:
    """The database keeps only this, so a copy of it opens no session."""
    return hashlib.sha256(session_id.encode()).hexdigest()


def sign(session_id: str, secret: str) -> str:
    mac = hmac.new(secret.encode(), session_id.encode(), hashlib.sha256).hexdigest()
    return f"{session_id}.{mac}"


def unsign(cookie: str, secret: str) -> str | None:
    session_id, _, mac = cookie.rpartition(".")
    if not session_id:
        return None
    expected = hmac.new(secret.encode(), session_id.encode(), hashlib.sha256).hexdigest()
    return session_id if hmac.compare_digest(mac, expected) else None


def same_token(given: str | None, expected: str | None) -> bool:
    return bool(given and expected) and hmac.compare_digest(str(given), str(expected))


@dataclass
class ApiRefusal(Exception):
    """An API's JSON error, kept whole so the page can show it beside its field."""

    status: int
    code: str
    message: str
    details: Any = None
    fields: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.fields = field_messages(self.code, self.message, self.details)


def field_messages(code: str, message: str, details: Any) -> dict[str, str]:
    """`body.headline` -> "headline"; a channel problem -> its channel's name."""
    found: dict[str, str] = {}
    if not isinstance(details, list):
        return found
    for item in details:
        if not isinstance(item, dict):
            continue
        if code == "channel_limits" and "channel" in item:
            found[f"channel.{item['channel']}"] = str(item.get("message", message))
        elif "field" in item:
            name = str(item["field"]).removeprefix("body.")
            found[name] = str(item.get("message") or
                              _problem_in_indonesian(str(item.get("problem", ""))))
    return found


def _problem_in_indonesian(problem: str) -> str:
    lowered = problem.lower()
    if "at least" in lowered:
        return f"Terlalu pendek ({problem})."
    if "at most" in lowered:
        return f"Terlalu panjang ({problem})."
    return f"Isian tidak valid ({problem})."
