"""Test controls the Telegram and X stand-ins share: injected faults and held responses."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI


@dataclass
class Fault:
    method: str  # the stand-in's name for an endpoint (lower case), or "*"
    status: int
    remaining: int
    retry_after: int | None = None
    description: str | None = None


@dataclass
class Hold:
    """The next call of `method` waits (after doing its work, or before) until released."""

    method: str
    when: str = "after"
    released: asyncio.Event = field(default_factory=asyncio.Event)
    held: asyncio.Event = field(default_factory=asyncio.Event)
    held_since: float | None = None
    claimed: bool = False


class Controls:
    def __init__(self) -> None:
        self.faults: list[Fault] = []
        self.holds: list[Hold] = []

    def take_fault(self, method: str) -> Fault | None:
        for fault in self.faults:
            if fault.remaining > 0 and fault.method in {method, "*"}:
                fault.remaining -= 1
                return fault
        return None

    def add_fault(self, body: dict[str, Any]) -> Fault:
        fault = Fault(method=str(body.get("method", "*")).lower(), status=int(body["status"]),
                      remaining=int(body.get("count", 1)), retry_after=body.get("retry_after"),
                      description=body.get("description"))
        self.faults.append(fault)
        return fault

    async def hold_here(self, method: str, when: str, now: float) -> None:
        for hold in self.holds:
            if not hold.claimed and hold.method == method and hold.when == when:
                hold.claimed, hold.held_since = True, now
                hold.held.set()
                await hold.released.wait()
                return

    def release(self, method: str = "") -> int:
        chosen = [h for h in self.holds if not method or h.method == method]
        for hold in chosen:
            hold.released.set()
        self.holds = [h for h in self.holds if h not in chosen]
        return len(chosen)


def install_routes(app: FastAPI, controls: Controls, now: Callable[[], float]) -> None:
    """/_sandbox/faults and /_sandbox/hold[/wait|/release] on a stand-in's app."""

    @app.post("/_sandbox/faults")
    async def add_fault(body: dict[str, Any]) -> dict[str, Any]:
        """{"method": "sendPhoto" | "post /2/tweets" | "*", "status": 429, "count": 1,
        "retry_after"?, "description"?}: the next `count` such calls answer that error."""
        return vars(controls.add_fault(body))

    @app.delete("/_sandbox/faults")
    async def clear_faults() -> dict[str, bool]:
        controls.faults.clear()
        return {"ok": True}

    @app.post("/_sandbox/hold")
    async def hold(body: dict[str, Any]) -> dict[str, Any]:
        """{"method", "when"="after"}: the next such call does its work (the post exists), then
        waits for /_sandbox/hold/release before answering: a crash between post and record."""
        entry = Hold(method=str(body["method"]).lower(), when=str(body.get("when", "after")))
        controls.holds.append(entry)
        return {"method": entry.method, "when": entry.when}

    @app.get("/_sandbox/hold")
    async def holds() -> dict[str, Any]:
        return {"holds": [{"method": h.method, "when": h.when, "held": h.held.is_set(),
                           "held_since": h.held_since} for h in controls.holds]}

    @app.post("/_sandbox/hold/wait")
    async def wait_held(body: dict[str, Any]) -> dict[str, bool]:
        """{"method", "timeout"=10}: answers once a call of `method` is being held (or not)."""
        method = str(body["method"]).lower()
        waiting = [h for h in controls.holds if h.method == method]
        if not waiting:
            return {"held": False}
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(waiting[0].held.wait(), float(body.get("timeout", 10)))
        return {"held": waiting[0].held.is_set()}

    @app.post("/_sandbox/hold/release")
    async def release(body: dict[str, Any]) -> dict[str, int]:
        released = controls.release(str(body.get("method", "")).lower())
        await asyncio.sleep(0)
        return {"released": released}
