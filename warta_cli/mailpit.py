"""Reading the local Mailpit through its REST API (/api/v1): messages, raw sources, chaos."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from typing import Any

import httpx

PAGE = 500


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


class Mailpit:
    """An async client of one Mailpit's API (`base` like http://127.0.0.1:8026)."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=f"{self.base}/api/v1", timeout=30.0)

    async def summaries(self, query: str | None = None) -> list[dict[str, Any]]:
        """Every stored message's summary (ID, To, Subject ...), oldest first; `query` uses
        Mailpit's search syntax (e.g. `to:andi@media.example`)."""
        found: list[dict[str, Any]] = []
        async with self._client() as client:
            while True:
                params: dict[str, Any] = {"start": len(found), "limit": PAGE}
                if query:
                    params["query"] = query
                response = await client.get("/search" if query else "/messages", params=params)
                response.raise_for_status()
                page = response.json()["messages"]
                found += page
                if len(page) < PAGE:
                    return list(reversed(found))

    async def raw(self, message_id: str) -> bytes:
        async with self._client() as client:
            response = await client.get(f"/message/{message_id}/raw")
            response.raise_for_status()
            return response.content

    async def headers(self, message_id: str) -> dict[str, list[str]]:
        """The headers as Mailpit parsed them from what it received."""
        async with self._client() as client:
            response = await client.get(f"/message/{message_id}/headers")
            response.raise_for_status()
            headers: dict[str, list[str]] = response.json()
            return headers

    async def messages(self, query: str | None = None) -> list[EmailMessage]:
        return [parse(await self.raw(s["ID"])) for s in await self.summaries(query)]

    async def count(self) -> int:
        async with self._client() as client:
            response = await client.get("/messages", params={"limit": 1})
            response.raise_for_status()
            return int(response.json()["total"])

    async def delete_all(self) -> None:
        async with self._client() as client:
            (await client.delete("/messages")).raise_for_status()

    async def chaos(self, *, recipient: int | None = None, sender: int | None = None,
                    probability: int = 100) -> None:
        """Make the SMTP server answer `recipient` (RCPT TO) or `sender` (MAIL FROM) with
        this code; no arguments: back to normal."""
        triggers: dict[str, Any] = {}
        if recipient is not None:
            triggers["Recipient"] = {"ErrorCode": recipient, "Probability": probability}
        if sender is not None:
            triggers["Sender"] = {"ErrorCode": sender, "Probability": probability}
        async with self._client() as client:
            (await client.put("/chaos", json=triggers)).raise_for_status()


def read_mailbox(base: str) -> list[EmailMessage]:
    """Every message in a Mailpit, synchronously (`warta demo`'s mailbox)."""
    with httpx.Client(base_url=f"{base.rstrip('/')}/api/v1", timeout=30.0) as client:
        listing = client.get("/messages", params={"limit": PAGE})
        listing.raise_for_status()
        return [parse(client.get(f"/message/{m['ID']}/raw").content)
                for m in reversed(listing.json()["messages"])]
