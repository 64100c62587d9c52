"""Graph sandbox control routes for tests: state, accounts, faults, tokens, holds, clock."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel

from sandbox.graph_state import Fault, GraphError, GraphState, Hold, Lifetime


class FaultIn(BaseModel):
    method: str = "POST"
    path: str                     # without the version: "/1040.../feed", "/*/media_publish"
    count: int = 1
    status: int = 400
    code: int
    error_subcode: int | None = None
    message: str = "An unexpected error has occurred. Please retry your request later."
    type: str = "OAuthException"
    is_transient: bool | None = None
    headers: dict[str, str] = {}
    apply: bool = False           # perform the call, then answer the error


class AccountIn(BaseModel):
    page_id: str | None = None
    page_token: str | None = None
    ig_user_id: str | None = None
    ig_token: str | None = None


class AccountConfig(BaseModel):
    processing_polls: int | None = None
    fail_next_containers: int | None = None
    quota_total: int | None = None
    app_usage: dict[str, int] | None = None
    regain_minutes: int | None = None


class TokenIn(BaseModel):
    token: str
    action: str  # "expire" | "restore" | "set" (its lifetime, by the sandbox clock)
    expires_in: float | None = None  # "set": seconds from now; None = never expires
    age_seconds: float = 0.0         # "set": issued that long ago
    long_lived: bool = True


class HoldIn(BaseModel):
    method: str = "POST"
    path: str


class ClockIn(BaseModel):
    advance_seconds: float


def _public(node: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in node.items() if k not in ("_bytes", "_images")}


def control_router(state: GraphState) -> APIRouter:
    router = APIRouter(prefix="/_sandbox")

    @router.get("/state")
    async def read_state() -> dict[str, Any]:
        by_kind: dict[str, list[dict[str, Any]]] = {
            "post": [], "photo": [], "container": [], "media": []}
        for node in state.nodes.values():
            by_kind[node["_kind"]].append(_public(node))
        return {"accounts": [a.public() for a in state.accounts.values()],
                "posts": by_kind["post"], "photos": by_kind["photo"],
                "containers": by_kind["container"], "media": by_kind["media"],
                "publishes": state.publishes, "calls": state.calls[-500:],
                "tokens": [{"token": token, "kind": kind, "page_id": page,
                            "expired": state.token_expired(token),
                            **(state.lifetimes[token].__dict__
                               if token in state.lifetimes else {})}
                           for token, (kind, page) in state.tokens.items()],
                "faults": len(state.faults), "clock_offset": state.clock_offset,
                "holds": [{"method": h.method, "path": h.path, "held": h.held}
                          for h in state.holds]}

    @router.post("/accounts")
    async def add_account(body: AccountIn) -> dict[str, Any]:
        return state.add_account(**body.model_dump()).public()

    @router.post("/accounts/{page_id}")
    async def configure(page_id: str, body: AccountConfig) -> dict[str, Any]:
        account = state.accounts.get(page_id)
        if account is None:
            raise HTTPException(404, "no such account")
        for key, value in body.model_dump(exclude_none=True).items():
            setattr(account, key, value)
        return account.public()

    @router.post("/faults")
    async def add_fault(body: FaultIn) -> dict[str, int]:
        error = GraphError(body.status, body.code, body.message, subcode=body.error_subcode,
                           type_=body.type, is_transient=body.is_transient, headers=body.headers)
        state.faults.append(Fault(body.method.upper(), body.path, body.count, error, body.apply))
        return {"pending": len(state.faults)}

    @router.post("/tokens")
    async def tokens(body: TokenIn) -> dict[str, bool]:
        if body.token not in state.tokens:
            raise HTTPException(404, "no such token")
        if body.action == "expire":
            state.expired.add(body.token)
        elif body.action == "restore":
            state.expired.discard(body.token)
        elif body.action == "set":
            now = state.now()
            state.lifetimes[body.token] = Lifetime(
                now - body.age_seconds,
                None if body.expires_in is None else now + body.expires_in, body.long_lived)
        else:
            raise HTTPException(422, "action is expire, restore or set")
        return {"expired": state.token_expired(body.token)}

    @router.post("/hold")
    async def hold(body: HoldIn) -> dict[str, int]:
        state.holds.append(Hold(body.method.upper(), body.path))
        return {"holds": len(state.holds)}

    @router.get("/hold")
    async def holds() -> list[dict[str, Any]]:
        return [{"method": h.method, "path": h.path, "held": h.held} for h in state.holds]

    @router.post("/hold/release")
    async def release() -> dict[str, int]:
        released = [h for h in state.holds if h.held]
        for h in released:
            h.released.set()
        state.holds = [h for h in state.holds if not h.held]
        return {"released": len(released)}

    @router.post("/clock")
    async def clock(body: ClockIn) -> dict[str, float]:
        state.clock_offset += body.advance_seconds
        return {"clock_offset": state.clock_offset, "now": state.now()}

    return router
