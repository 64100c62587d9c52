"""Graph sandbox memory: accounts, posts, photos, IG containers and media, faults, holds, clock."""

from __future__ import annotations

import asyncio
import fnmatch
import itertools
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi.responses import JSONResponse

GRAPH_DOCS = "https://developers.facebook.com/docs/graph-api"


class GraphError(Exception):
    """An answer in Graph's error shape (Handling Errors guide)."""

    def __init__(self, status: int, code: int, message: str, *, subcode: int | None = None,
                 type_: str = "OAuthException", user_title: str | None = None,
                 user_msg: str | None = None, is_transient: bool | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.subcode = status, code, message, subcode
        self.type, self.user_title, self.user_msg = type_, user_title, user_msg
        self.is_transient, self.headers = is_transient, headers or {}

    def response(self) -> JSONResponse:
        body: dict[str, Any] = {"message": self.message, "type": self.type, "code": self.code}
        if self.subcode is not None:
            body["error_subcode"] = self.subcode
        if self.is_transient is not None:
            body["is_transient"] = self.is_transient
        if self.user_title:
            body["error_user_title"] = self.user_title
        if self.user_msg:
            body["error_user_msg"] = self.user_msg
        body["fbtrace_id"] = secrets.token_urlsafe(16)
        return JSONResponse({"error": body}, status_code=self.status, headers=self.headers)


def missing_node(method: str, node: str) -> GraphError:
    return GraphError(400, 100, f"Unsupported {method.lower()} request. Object with ID '{node}' "
                      "does not exist, cannot be loaded due to missing permissions, or does not "
                      f"support this operation. Please read the Graph API documentation at "
                      f"{GRAPH_DOCS}", subcode=33, type_="GraphMethodException")


def invalid_param(message: str, subcode: int | None = None) -> GraphError:
    return GraphError(400, 100, f"(#100) {message}", subcode=subcode)


@dataclass
class Account:
    """One Facebook Page and the Instagram professional account linked to it."""

    page_id: str
    page_name: str
    page_token: str
    ig_user_id: str
    ig_username: str
    ig_token: str
    processing_polls: int = 1      # status reads answering IN_PROGRESS before FINISHED
    fail_next_containers: int = 0  # next N containers end in ERROR
    quota_total: int = 50          # content_publishing_limit config.quota_total
    app_usage: dict[str, int] = field(default_factory=lambda: {
        "call_count": 0, "total_cputime": 0, "total_time": 0})
    regain_minutes: int = 0        # estimated_time_to_regain_access in the BUC header
    # The Page admin's User token (short-lived) and the app that may exchange it.
    user_id: str = ""
    user_token: str = ""
    app_id: str = ""
    app_secret: str = ""

    def public(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


@dataclass
class Fault:
    method: str
    path: str          # without the version, fnmatch pattern: "/123/feed", "/*/photos"
    count: int
    error: GraphError
    apply: bool        # perform the call, then answer the error (a post that "may exist")


@dataclass
class Hold:
    method: str
    path: str
    held: bool = False
    released: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class Lifetime:
    """When a token was issued and expires (sandbox clock); tokens without one never expire."""

    issued_at: float
    expires_at: float | None
    long_lived: bool = True


@dataclass
class GraphState:
    accounts: dict[str, Account] = field(default_factory=dict)    # by page id
    tokens: dict[str, tuple[str, str]] = field(default_factory=dict)  # token -> (kind, page id)
    expired: set[str] = field(default_factory=set)
    lifetimes: dict[str, Lifetime] = field(default_factory=dict)
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)  # posts, photos, containers..
    publishes: dict[str, list[float]] = field(default_factory=dict)  # ig user -> publish times
    faults: list[Fault] = field(default_factory=list)
    holds: list[Hold] = field(default_factory=list)
    calls: list[dict[str, str]] = field(default_factory=list)
    clock_offset: float = 0.0
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def now(self) -> float:
        return time.time() + self.clock_offset

    def iso(self, at: float) -> str:
        return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")

    def new_id(self, prefix: str = "1789") -> str:
        return f"{prefix}{next(self.ids):011d}"

    def add_account(self, *, page_id: str | None = None, page_token: str | None = None,
                    ig_user_id: str | None = None, ig_token: str | None = None) -> Account:
        n = len(self.accounts) + 1
        account = Account(
            page_id=page_id or self.new_id("1040"), page_name=f"Diskominfo Sandbox {n}",
            page_token=page_token or "EAAG" + secrets.token_urlsafe(24),
            ig_user_id=ig_user_id or self.new_id("1784"), ig_username=f"diskominfo.sandbox{n}",
            ig_token=ig_token or "IGQV" + secrets.token_urlsafe(24),
            user_id=self.new_id("1000"), app_id=self.new_id("8800"),
            app_secret=secrets.token_hex(16))
        self.accounts[account.page_id] = account
        self.tokens[account.page_token] = ("page", account.page_id)
        self.tokens[account.ig_token] = ("ig", account.page_id)
        account.user_token = self.mint("user", account.page_id, 3600.0, long_lived=False)
        return account

    def mint(self, kind: str, page_id: str, life: float | None, *,
             long_lived: bool = True) -> str:
        """A new token of `kind` ("page", "ig", "user") for the account, valid `life` s."""
        token = {"page": "EAAP", "ig": "IGQV", "user": "EAAU"}[kind] + secrets.token_urlsafe(24)
        now = self.now()
        self.tokens[token] = (kind, page_id)
        self.lifetimes[token] = Lifetime(now, None if life is None else now + life, long_lived)
        return token

    def token_expired(self, token: str) -> bool:
        lifetime = self.lifetimes.get(token)
        return token in self.expired or bool(
            lifetime and lifetime.expires_at is not None and self.now() >= lifetime.expires_at)

    def by_ig(self, ig_user_id: str) -> Account | None:
        return next((a for a in self.accounts.values() if a.ig_user_id == ig_user_id), None)

    def take_fault(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.method == method and fnmatch.fnmatchcase(path, fault.path):
                fault.count -= 1
                if fault.count <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    def take_hold(self, method: str, path: str) -> Hold | None:
        for hold in self.holds:
            if not hold.held and hold.method == method and fnmatch.fnmatchcase(path, hold.path):
                hold.held = True
                return hold
        return None
