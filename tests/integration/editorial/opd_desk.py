"""Ingest and editorial running together on the real broker and database, for the OPD's requests
and the desk's answers: an OPD with a key, editorial accounts with tokens, and waits."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI

from services.editorial.main import create_app as editorial_app
from services.ingest.config import IngestConfig
from services.ingest.main import create_app as ingest_app
from shared import topics
from shared.auth import Principal, issue_token
from shared.envelope import root_event
from shared.events.common import OpdRef
from shared.events.publications import PUBLICATION_PUBLISHED, PublicationPublishedV1
from shared.kafka import ensure_topics
from shared.settings import Settings
from tests.accounts import create_editor
from tests.conftest import running
from tests.integration.ingest.support import Opd, make_opd, report
from tests.probes import caught_up, eventually, publish

# Long enough that an answer on a healthy stack comes within it; a pending one ends it early.
WAIT = IngestConfig(ingest_request_wait_seconds=8)
PEOPLE = {"redaktur1": "editor", "redaktur2": "editor", "redpel": "chief_editor",
          "admin1": "admin"}


@dataclass
class Desk:
    settings: Settings
    ingest: httpx.AsyncClient
    editorial: httpx.AsyncClient
    opd: Opd
    tokens: dict[str, dict[str, str]]
    editorial_app: FastAPI

    async def submit(self, **overrides: Any) -> str:
        created = await self.ingest.post("/v1/reports", json=report(**overrides),
                                         headers=self.opd.auth)
        assert created.status_code == 201, created.text
        report_id: str = created.json()["id"]
        await self.article(report_id)
        return report_id

    async def article(self, article_id: str, status: str | None = None) -> dict[str, Any]:
        async def probe() -> dict[str, Any] | None:
            found = await self.editorial.get(f"/v1/articles/{article_id}",
                                             headers=self.tokens["redpel"])
            body: dict[str, Any] = found.json()
            return body if found.status_code == 200 and status in (None, body["status"]) \
                else None
        return await eventually(probe, f"article {article_id} {status or 'received'}")

    async def report(self, report_id: str, **wanted: Any) -> dict[str, Any]:
        """The OPD's view, once its status and latest request's state are as `wanted`."""
        async def probe() -> dict[str, Any] | None:
            body: dict[str, Any] = (await self.ingest.get(f"/v1/reports/{report_id}",
                                                          headers=self.opd.auth)).json()
            last = body["requests"][-1] if body["requests"] else {}
            ok = all((body.get(k) if k in ("status", "revision", "title") else last.get(k)) == v
                     for k, v in wanted.items())
            return body if ok else None
        return await eventually(probe, f"report {report_id} shows {wanted}")

    async def act(self, who: str, article_id: str, action: str, **body: Any) -> httpx.Response:
        return await self.editorial.post(f"/v1/articles/{article_id}/{action}",
                                         headers=self.tokens[who], json=body or None)

    async def claimed(self, article_id: str, who: str = "redaktur1") -> None:
        claimed = await self.act(who, article_id, "claim")
        assert claimed.status_code == 200, claimed.text
        await self.report(article_id, status="in_review")

    async def approved(self, article_id: str) -> None:
        await self.claimed(article_id, "redpel")
        approved = await self.act("redpel", article_id, "approve", channels=["website"])
        assert approved.status_code == 200, approved.text
        await self.report(article_id, status="approved")

    async def published(self, article_id: str) -> None:
        """The publisher's word that the website post went out (a publication in flight)."""
        opd = OpdRef(id=self.opd.id, code=self.opd.code, name="Dinas", region="Kota Makassar",
                     timezone="Asia/Makassar")
        data = PublicationPublishedV1(
            publication_id=f"{article_id}:website", article_id=article_id,
            report_id=article_id, channel="website", external_id="77",
            url=f"https://kota.example/berita/{article_id}", published_at=datetime.now(UTC),
            opd=opd, headline="Judul", category="kesehatan")
        await publish(self.settings, root_event(type=PUBLICATION_PUBLISHED, version=1,
                                                source="publisher", subject=article_id,
                                                data=data, correlation_id=article_id))
        await self.article(article_id, "published")
        await self.report(article_id, status="published")


@contextlib.asynccontextmanager
async def desk(settings: Settings, code: str) -> AsyncIterator[Desk]:
    await ensure_topics(settings.kafka_bootstrap)
    tokens = {}
    for username, role in PEOPLE.items():
        await create_editor(settings, username=username, name=username.title(), role=role,
                            password="rahasia-redaksi-2026")
        token, _ = issue_token(settings, Principal(subject=username, role=role))
        tokens[username] = {"Authorization": f"Bearer {token}"}
    opd = await make_opd(settings, code)
    app = editorial_app(settings)
    async with running(app) as editorial, running(ingest_app(settings, WAIT)) as ingest:
        # The topics are the session's: what other tests left there (their OPDs, reports) is
        # handled before this test starts, not into the middle of its counts.
        for topic in (topics.OPDS, topics.REPORTS):
            await caught_up(settings.kafka_bootstrap, "warta-editorial", topic, patience=120)
        yield Desk(settings, ingest, editorial, opd, tokens, app)
