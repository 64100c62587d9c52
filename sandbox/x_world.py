"""The X stand-in's memory: accounts, OAuth 2.0 tokens, posts, media, rate-limit windows."""

from __future__ import annotations

import hashlib
import itertools
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from sandbox.faults import Controls

ACCESS_TTL_S = 7200  # "the access token is valid for 2 hours" unless refreshed
WINDOW_S = 900       # X's rate limits are per 15-minute window
# Per user and 15 minutes (docs.x.com rate limits; users/me from the same table).
RATE_LIMITS = {"post /2/tweets": 100, "delete /2/tweets": 50, "get /2/users/tweets": 900,
               "get /2/users/me": 75}
SCOPES = "tweet.read tweet.write users.read media.write offline.access"


class XError(Exception):
    def __init__(self, status: int, body: dict[str, Any],
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(body.get("detail"))
        self.status, self.body, self.headers = status, body, headers or {}


def problem(status: int, title: str, detail: str, kind: str = "about:blank") -> XError:
    return XError(status, {"title": title, "detail": detail, "type": kind, "status": status})


def invalid(message: str, parameters: dict[str, Any] | None = None) -> XError:
    return XError(400, {"errors": [{"parameters": parameters or {}, "message": message}],
                        "title": "Invalid Request",
                        "detail": "One or more parameters to your request was invalid.",
                        "type": "https://api.twitter.com/2/problems/invalid-request"})


UNAUTHORIZED = ("Unauthorized", "Unauthorized")


@dataclass
class Window:
    started: float
    used: int = 0


@dataclass
class World:
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    clients: dict[str, dict[str, Any]] = field(default_factory=dict)
    access: dict[str, dict[str, Any]] = field(default_factory=dict)
    refresh: dict[str, dict[str, Any]] = field(default_factory=dict)
    tweets: dict[str, dict[str, Any]] = field(default_factory=dict)
    media: dict[str, dict[str, Any]] = field(default_factory=dict)
    windows: dict[tuple[str, str], Window] = field(default_factory=dict)
    limits: dict[str, int] = field(default_factory=lambda: dict(RATE_LIMITS))
    calls: list[dict[str, Any]] = field(default_factory=list)
    controls: Controls = field(default_factory=Controls)
    clock_offset: float = 0.0
    ids: itertools.count[int] = field(
        default_factory=lambda: itertools.count(1_865_000_000_000_000_000))

    def now(self) -> float:
        """Token expiry follows this clock (tests move it); rate windows follow real time."""
        return time.time() + self.clock_offset

    def next_id(self) -> str:
        return str(next(self.ids))

    def account(self, given: dict[str, Any]) -> dict[str, Any]:
        """A consented account; `given` may fix username, client and tokens (a local stack
        seeds the publisher with known values)."""
        user_id = self.next_id()
        username = str(given.get("username") or f"warta_{user_id[-6:]}")
        self.users[user_id] = {"id": user_id, "username": username, "name": f"Warta {username}"}
        client_id = str(given.get("client_id") or secrets.token_urlsafe(16))
        client_secret = str(given.get("client_secret") or secrets.token_urlsafe(32))
        self.clients[client_id] = {"secret": client_secret, "user_id": user_id}
        tokens = self.issue(user_id, client_id, given.get("access_token"),
                            given.get("refresh_token"))
        return {"user_id": user_id, "username": username, "client_id": client_id,
                "client_secret": client_secret, **tokens}

    def issue(self, user_id: str, client_id: str, access: str | None = None,
              refresh: str | None = None) -> dict[str, Any]:
        access = access or secrets.token_urlsafe(32)
        refresh = refresh or secrets.token_urlsafe(32)
        self.access[access] = {"user_id": user_id, "expires_at": self.now() + ACCESS_TTL_S,
                               "revoked": False}
        self.refresh[refresh] = {"user_id": user_id, "client_id": client_id, "used": False,
                                 "revoked": False}
        return {"token_type": "bearer", "expires_in": ACCESS_TTL_S, "access_token": access,
                "scope": SCOPES, "refresh_token": refresh}

    def app_token(self) -> str:
        token = "AAAA" + secrets.token_urlsafe(40)
        self.access[token] = {"user_id": None, "expires_at": float("inf"), "revoked": False}
        return token

    def caller(self, authorization: str | None, *, user_required: bool) -> str | None:
        """The user a Bearer token acts for; None for an app-only token where that's allowed."""
        scheme, _, token = (authorization or "").partition(" ")
        entry = self.access.get(token) if scheme.lower() == "bearer" else None
        if entry is None or entry["revoked"] or entry["expires_at"] <= self.now():
            raise problem(401, *UNAUTHORIZED)
        if entry["user_id"] is None and user_required:
            raise problem(403, "Unsupported Authentication",
                          "Authenticating with OAuth 2.0 Application-Only is forbidden for this "
                          "endpoint.  Supported authentication types are [OAuth 1.0a User "
                          "Context, OAuth 2.0 User Context].",
                          "https://api.twitter.com/2/problems/unsupported-authentication")
        return entry["user_id"]  # type: ignore[no-any-return]

    def count_call(self, key: str, who: str) -> dict[str, str]:
        """Rate-limit headers for this call; raises the 429 X sends once the window is spent."""
        limit = self.limits.get(key)
        if limit is None:
            return {}
        now = time.time()
        window = self.windows.get((key, who))
        if window is None or now >= window.started + WINDOW_S:
            window = self.windows[(key, who)] = Window(now)
        reset = str(int(window.started + WINDOW_S))
        if window.used >= limit:
            raise XError(429, {"title": "Too Many Requests", "detail": "Too Many Requests",
                               "type": "about:blank", "status": 429},
                         {"x-rate-limit-limit": str(limit), "x-rate-limit-remaining": "0",
                          "x-rate-limit-reset": reset})
        window.used += 1
        return {"x-rate-limit-limit": str(limit),
                "x-rate-limit-remaining": str(limit - window.used), "x-rate-limit-reset": reset}

    def snapshot(self) -> dict[str, Any]:
        return {"now": self.now(), "users": self.users,
                "tweets": list(self.tweets.values()),
                "media": {k: {f: v for f, v in m.items() if f != "bytes"}
                          for k, m in self.media.items()},
                "refresh_tokens": {"used": sum(r["used"] for r in self.refresh.values()),
                                   "total": len(self.refresh)},
                "calls": self.calls[-500:], "limits": self.limits}


def tco(url: str) -> str:
    return "https://t.co/" + hashlib.sha256(url.encode()).hexdigest()[:10]
