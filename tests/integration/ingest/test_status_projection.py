"""The OPD's view follows editorial and publisher events from the real broker, in any order."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from shared.envelope import EventData, root_event
from shared.events.articles import (
    ARTICLE_APPROVED,
    ARTICLE_CLAIMED,
    ARTICLE_REVISION_REQUESTED,
    ARTICLE_TAKEN_DOWN,
    ArticleApprovedV1,
    ArticleClaimedV1,
    ArticleRevisionRequestedV1,
    ArticleTakenDownV1,
)
from shared.events.common import OpdRef
from shared.events.opd_requests import (
    ARTICLE_REQUEST_DECIDED,
    ArticleRequestDecidedV1,
    RequestOutcome,
)
from shared.events.publications import PUBLICATION_PUBLISHED, PublicationPublishedV1
from shared.settings import Settings
from shared.vocabulary import ArticleStatus as Status
from tests.integration.ingest.support import Opd, ingest, make_opd, report
from tests.probes import publish


async def emit(settings: Settings, type_: str, subject: str, data: EventData) -> None:
    await publish(settings, root_event(type=type_, version=1, source="test", subject=subject,
                                       data=data))


async def status_becomes(client: httpx.AsyncClient, opd: Opd, report_id: str, status: str
                         ) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        body = (await client.get(f"/v1/reports/{report_id}", headers=opd.auth)).json()
        if body["status"] == status:
            return body
        await asyncio.sleep(0.2)
    raise AssertionError(f"status stayed {body.get('status')!r}, wanted {status!r}")


def decision(report_id: str, opd: Opd, version: int) -> dict[str, Any]:
    return {"article_id": report_id, "report_id": report_id, "opd_id": opd.id,
            "editor": "budi", "article_version": version, "decided_at": datetime.now(UTC)}


def answer(report_id: str, opd: Opd, version: int) -> dict[str, Any]:
    return {"article_id": report_id, "report_id": report_id, "opd_id": opd.id,
            "article_version": version, "decided_by": "editorial",
            "decided_at": datetime.now(UTC)}


def opd_ref(opd: Opd) -> OpdRef:
    return OpdRef(id=opd.id, code=opd.code, name="Dinas", region="Kota Makassar",
                  timezone="Asia/Makassar")


async def test_the_report_shows_review_revision_reason_publication_urls_and_take_down(
    settings: Settings,
) -> None:
    opd = await make_opd(settings, "DISLHK")
    async with ingest(settings) as client:
        report_id = (await client.post("/v1/reports", json=report(),
                                       headers=opd.auth)).json()["id"]
        await emit(settings, ARTICLE_CLAIMED, report_id,
                   ArticleClaimedV1(**decision(report_id, opd, 2)))
        await status_becomes(client, opd, report_id, "in_review")

        await emit(settings, ARTICLE_REVISION_REQUESTED, report_id,
                   ArticleRevisionRequestedV1(**decision(report_id, opd, 3),
                                              reason="Tambahkan jumlah peserta."))
        revision = await status_becomes(client, opd, report_id, "revision_requested")
        assert revision["status_reason"] == "Tambahkan jumlah peserta."
        # The OPD may amend now: a request (202 while editorial has not answered), which
        # editorial's answer applies: back in the queue, with the new revision.
        amended = await client.put(f"/v1/reports/{report_id}", headers=opd.auth,
                                   json=report(body="<p>Dihadiri 500 peserta.</p>"))
        assert amended.status_code == 202 and amended.json()["status"] == "revision_requested"
        [request] = amended.json()["requests"]
        assert request["state"] == "sent" and request["revision"] == 2
        await emit(settings, ARTICLE_REQUEST_DECIDED, report_id, ArticleRequestDecidedV1(
            **answer(report_id, opd, 4), request_id=request["id"], kind="amend",
            outcome=RequestOutcome.APPLIED, status=Status.SUBMITTED))
        applied = await status_becomes(client, opd, report_id, "submitted")
        assert applied["revision"] == 2 and applied["requests"][0]["state"] == "applied"
        assert "500 peserta" in applied["body_html"]

        # Publication first, approval second: the projection never moves backwards.
        url = f"https://makassarkota.go.id/berita/{report_id}"
        await emit(settings, PUBLICATION_PUBLISHED, report_id,
                   PublicationPublishedV1(
                       publication_id=f"{report_id}:website", article_id=report_id,
                       report_id=report_id, channel="website", external_id="77", url=url,
                       published_at=datetime.now(UTC), opd=opd_ref(opd), headline="Judul",
                       category="kesehatan"))
        published = await status_becomes(client, opd, report_id, "published")
        assert published["publications"][0]["url"] == url
        await emit(settings, ARTICLE_APPROVED, report_id, ArticleApprovedV1(
            **decision(report_id, opd, 5), opd=opd_ref(opd), headline="Judul",
            body_html="<p>x</p>", category="kesehatan", channels=["website"]))
        assert (await status_becomes(client, opd, report_id, "published"))["publications"]

        # After approval an amendment can never apply; a withdrawal is a take-down request.
        refused = await client.put(f"/v1/reports/{report_id}", headers=opd.auth, json=report())
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "invalid_state"
        asked = await client.delete(f"/v1/reports/{report_id}", headers=opd.auth)
        assert asked.status_code == 202 and asked.json()["requests"][-1]["state"] == "sent"

        await emit(settings, ARTICLE_TAKEN_DOWN, report_id,
                   ArticleTakenDownV1(**decision(report_id, opd, 6), reason="Data keliru."))
        taken = await status_becomes(client, opd, report_id, "taken_down")
        assert taken["status_reason"] == "Data keliru."


async def test_an_embargoed_approval_shows_scheduled(settings: Settings) -> None:
    opd = await make_opd(settings, "DISBUN")
    async with ingest(settings) as client:
        report_id = (await client.post("/v1/reports", json=report(),
                                       headers=opd.auth)).json()["id"]
        await emit(settings, ARTICLE_APPROVED, report_id, ArticleApprovedV1(
            **decision(report_id, opd, 2), opd=opd_ref(opd), headline="Judul",
            body_html="<p>x</p>", category="kesehatan", channels=["feed"],
            publish_at=datetime.now(UTC) + timedelta(hours=5)))
        await status_becomes(client, opd, report_id, "scheduled")
