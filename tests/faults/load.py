"""A mixed load with a ledger: OPD clients submit reports, editors claim and approve them.

Clients behave as the ones we expect: each report has its own Idempotency-Key, and a request
that got no answer (connection reset, 503) is retried with the same key, after Retry-After.
Editors check the article's state before repeating an unanswered decision, as the honest 503
asks ("check the current state before retrying"), so a second state change is a defect.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.faults.ledger import Answer, Ledger

RETRY_PAUSE_MAX = 1.0
LIVE = ("approved", "scheduled", "published")


def report_body(key: str) -> dict[str, Any]:
    return {
        "title": f"Laporan uji gangguan {key}",
        "body": "<p>Petugas membagikan <b>200 paket</b> sembako kepada warga.</p>",
        "summary": "Pembagian sembako", "location": "Kelurahan Maccini",
        "activity_at": (datetime.now(UTC) - timedelta(hours=2)).isoformat(),
        "category": "sosial", "tags": ["sembako"],
    }


async def call(client: httpx.AsyncClient, ledger: Ledger, service: str, method: str, path: str,
               *, ref: str, **options: Any) -> httpx.Response | None:
    """One request; every answer goes into the ledger; None when none came (process down)."""
    sent = time.time()
    try:
        response = await client.request(method, path, **options)
    except httpx.TransportError:
        ledger.unanswered += 1
        return None
    ledger.answers.append(Answer.of(service, method, path, response, sent=sent,
                                  received=time.time(), ref=ref))
    return response


def pause_for(response: httpx.Response | None) -> float:
    if response is None:
        return 0.3
    try:
        return min(float(response.headers.get("Retry-After", "1")), RETRY_PAUSE_MAX)
    except ValueError:
        return RETRY_PAUSE_MAX


@dataclass
class Load:
    ingest: str
    editorial: str
    opd_key: str
    editor_token: str
    ledger: Ledger
    tag: str
    clients: int = 3
    interval: float = 0.5  # seconds between one client's reports
    editors: int = 2
    _queue: asyncio.Queue[str] = field(default_factory=asyncio.Queue)

    async def run(self, seconds: float, patience: float = 120.0) -> None:
        """Submit for `seconds`; editors decide everything acknowledged, within `patience`."""
        deadline = time.monotonic() + patience
        async with httpx.AsyncClient(base_url=self.ingest, timeout=15) as opd, \
                httpx.AsyncClient(base_url=self.editorial, timeout=15) as desk:
            stop = time.monotonic() + seconds
            submitters = [asyncio.create_task(self._submitter(opd, n, stop, deadline))
                          for n in range(self.clients)]
            editors = [asyncio.create_task(self._editor(desk, deadline))
                       for _ in range(self.editors)]
            try:
                await asyncio.gather(*submitters)
                await asyncio.wait_for(self._queue.join(), max(1.0, deadline - time.monotonic()))
            finally:
                for task in (*submitters, *editors):
                    task.cancel()
                await asyncio.gather(*submitters, *editors, return_exceptions=True)

    async def _submitter(self, client: httpx.AsyncClient, n: int, stop: float,
                         deadline: float) -> None:
        auth = {"Authorization": f"Bearer {self.opd_key}"}
        i = 0
        while time.monotonic() < stop:
            key = f"{self.tag}-{n}-{i:04d}"
            i += 1
            self.ledger.keys.append(key)
            body = report_body(key)  # a retry sends the very same request
            while time.monotonic() < deadline:
                response = await call(client, self.ledger, "ingest", "POST", "/v1/reports",
                                      ref=key, json=body,
                                      headers={**auth, "Idempotency-Key": key})
                if response is None or response.status_code == 503:
                    await asyncio.sleep(pause_for(response))
                    continue
                if response.status_code == 201:
                    report_id = response.json()["id"]
                    self.ledger.reports[key] = report_id
                    self._queue.put_nowait(report_id)
                break
            await asyncio.sleep(self.interval)

    async def _editor(self, client: httpx.AsyncClient, deadline: float) -> None:
        while True:
            article_id = await self._queue.get()
            try:
                await self._decide(client, article_id, deadline)
            finally:
                self._queue.task_done()

    async def _decide(self, client: httpx.AsyncClient, article_id: str, deadline: float) -> None:
        if await self._article(client, article_id, deadline) is None:
            return  # never queued: the reconciliation reports it as lost
        base = f"/v1/articles/{article_id}"
        if not await self._act(client, article_id, f"{base}/claim", body=None, action="claim",
                               done=lambda a: a["status"] == "in_review", deadline=deadline):
            return
        await self._act(client, article_id, f"{base}/approve", body={"channels": ["feed"]},
                        action="approve", done=lambda a: a["status"] in LIVE,
                        deadline=deadline)

    async def _article(self, client: httpx.AsyncClient, article_id: str, deadline: float
                       ) -> dict[str, Any] | None:
        while time.monotonic() < deadline:
            response = await call(client, self.ledger, "editorial", "GET",
                                  f"/v1/articles/{article_id}", ref=article_id,
                                  headers=self._auth)
            if response is not None and response.status_code == 200:
                found: dict[str, Any] = response.json()
                return found
            await asyncio.sleep(pause_for(response) if response is None
                                or response.status_code == 503 else 0.3)
        return None

    async def _act(self, client: httpx.AsyncClient, article_id: str, path: str, *,
                   body: dict[str, Any] | None, action: str, done: Any, deadline: float
                   ) -> bool:
        """Decide once: after an unanswered attempt, look before trying again."""
        while time.monotonic() < deadline:
            response = await call(client, self.ledger, "editorial", "POST", path, ref=article_id,
                                  json=body, headers=self._auth)
            if response is not None and response.status_code == 200:
                self.ledger.decided(action, article_id, answered=True)
                return True
            if response is not None and response.status_code not in (409, 503):
                return False  # recorded in the ledger's answers; the test reports it
            await asyncio.sleep(pause_for(response))
            article = await self._article(client, article_id, deadline)
            if article is not None and done(article):
                self.ledger.decided(action, article_id, answered=False)
                return True
        return False

    @property
    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.editor_token}"}
