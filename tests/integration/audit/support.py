"""Reading editorial's unified audit view while the records travel through the real broker."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.integration.editorial.desk_support import Desk

CHIEF = "test-chief_editor"


def records(office: Desk, **query: str) -> list[dict[str, Any]]:
    """Every page of /v1/audit for this query, following the cursor."""
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params = {**query, "limit": "2", **({"cursor": cursor} if cursor else {})}
        page = httpx.get(office.url + "/v1/audit", params=params, headers=office.headers(CHIEF),
                         timeout=15)
        assert page.status_code == 200, page.text
        found += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return found


def awaited(office: Desk, action: str, patience: float = 60.0, **query: str
            ) -> dict[str, Any]:
    """The record of `action` once the consumer has it (a deadline for the broker, not a
    timing assertion: the test only checks what arrives)."""
    deadline = time.monotonic() + patience
    while True:
        hits = [r for r in records(office, **query) if r["action"] == action]
        if hits:
            return hits[-1]
        assert time.monotonic() < deadline, f"no {action} record for {query}"
        time.sleep(0.3)
