"""A mixed load through the front door, as its callers behave: OPDs submit reports (each with its
own Idempotency-Key, retried with the same key until answered), an editor approves what arrives,
readers read feeds and lists. The ledger records what was acknowledged and every answer seen."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.integration.ingest.support import report

RETRYABLE = {429, 502, 503, 504}
DONE = {"approved", "scheduled", "published"}


@dataclass
class Ledger:
    acknowledged: dict[str, str] = field(default_factory=dict)  # title -> report id
    approved: set[str] = field(default_factory=set)
    answers: Counter[str] = field(default_factory=Counter)  # "<what> <status>"
    transport_errors: Counter[str] = field(default_factory=Counter)

    def retryable_answers(self) -> int:
        return sum(n for k, n in self.answers.items() if int(k.rsplit(" ", 1)[1]) in RETRYABLE)


async def _pause(answer: httpx.Response | None) -> None:
    wait = 0.3
    if answer is not None and answer.headers.get("retry-after", "").isdigit():
        wait = min(float(answer.headers["retry-after"]), 2.0)
    await asyncio.sleep(wait)


async def call(http: httpx.AsyncClient, ledger: Ledger, what: str, method: str, url: str,
               **options: Any) -> httpx.Response:
    """One call, repeated while the answer says "retry" (or no answer came)."""
    for _ in range(200):
        try:
            answer = await http.request(method, url, **options)
        except httpx.TransportError as exc:
            ledger.transport_errors[f"{what} {type(exc).__name__}"] += 1
            await _pause(None)
            continue
        ledger.answers[f"{what} {answer.status_code}"] += 1
        if answer.status_code not in RETRYABLE:
            return answer
        await _pause(answer)
    raise AssertionError(f"{what}: still refused after 200 attempts")


@dataclass
class MixedLoad:
    """The callers of one OPD and one editor, all through the front door at `base`."""

    http: httpx.AsyncClient
    base: str
    key: str
    token: str
    opd_code: str
    ledger: Ledger = field(default_factory=Ledger)
    submitted: asyncio.Event = field(default_factory=asyncio.Event)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    # Set once this many reports were acknowledged (the moment to inject a fault).
    milestone: int = 0
    reached: asyncio.Event = field(default_factory=asyncio.Event)

    async def submitter(self, name: str, count: int) -> None:
        auth = {"Authorization": f"Bearer {self.key}"}
        for n in range(count):
            title = f"Laporan beban {name}-{n} {uuid.uuid4().hex[:8]}"
            headers = {**auth, "Idempotency-Key": uuid.uuid4().hex}
            answer = await call(self.http, self.ledger, "submit", "POST",
                                f"{self.base}/v1/reports", json=report(title=title),
                                headers=headers)
            assert answer.status_code in (200, 201), answer.text
            self.ledger.acknowledged[title] = answer.json()["id"]
            if len(self.ledger.acknowledged) >= self.milestone:
                self.reached.set()

    async def editor(self) -> None:
        """Approve every article of this OPD as it arrives, until all acknowledged ones are."""
        auth = {"Authorization": f"Bearer {self.token}"}
        ledger = self.ledger
        while not (self.submitted.is_set()
                   and set(ledger.acknowledged.values()) <= ledger.approved):
            page = await call(self.http, ledger, "queue", "GET", f"{self.base}/v1/articles",
                              params={"status": "submitted", "opd": self.opd_code, "limit": 100},
                              headers=auth)
            assert page.status_code == 200, page.text
            for item in page.json()["items"]:
                await self.approve(auth, item["id"])
            await asyncio.sleep(0.2)

    async def approve(self, auth: dict[str, str], article_id: str) -> None:
        """Claim and approve; after an unclear answer, the article's state says what is left."""
        url = f"{self.base}/v1/articles/{article_id}"
        for _ in range(20):
            state = (await call(self.http, self.ledger, "article", "GET", url,
                                headers=auth)).json()
            if state["status"] in DONE:
                self.ledger.approved.add(article_id)
                return
            action, body = (("claim", None) if state["status"] == "submitted"
                            else ("approve", {"channels": ["feed"]}))
            answer = await call(self.http, self.ledger, action, "POST", f"{url}/{action}",
                                json=body, headers=auth)
            assert answer.status_code in (200, 409), f"{action}: {answer.text}"
        raise AssertionError(f"article {article_id} could not be approved")

    async def reader(self) -> None:
        opd = {"Authorization": f"Bearer {self.key}"}
        staff = {"Authorization": f"Bearer {self.token}"}
        while not self.stop.is_set():
            for what, path, headers in (("feed", "/feeds/feed.json", {}),
                                        ("reports", "/v1/reports?limit=5", opd),
                                        ("publications", "/v1/publications", staff),
                                        ("deliveries", "/v1/deliveries?limit=5", staff)):
                answer = await call(self.http, self.ledger, what, "GET", f"{self.base}{path}",
                                    headers=headers)
                assert answer.status_code == 200, f"{what}: {answer.status_code} {answer.text}"
            await asyncio.sleep(0.1)
