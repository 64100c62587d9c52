"""Editorial on the real broker and database: intake from Kafka, decisions, events out."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx

from services.editorial.main import create_app
from shared import topics
from shared.envelope import Envelope, root_event
from shared.events.common import OpdRef, ReportContent
from shared.events.reports import REPORT_SUBMITTED, ReportSubmittedV1
from shared.kafka import ensure_topics
from shared.settings import Settings
from tests.accounts import create_editor, sign_in
from tests.conftest import running
from tests.probes import envelopes_in, publish, read_topic

PASSWORD = "rahasia-redaksi-2026"


def submitted(report_id: str) -> Envelope:
    opd = OpdRef(id="opd-1", code="DISHUB", name="Dinas Perhubungan", region="Kota Makassar",
                 timezone="Asia/Makassar")
    content = ReportContent(
        title="Uji coba jalur sepeda di Pantai Losari", body_html="<p>Kegiatan uji coba.</p>",
        summary="Uji coba jalur sepeda", activity_at=datetime.now(UTC) - timedelta(hours=2),
        location="Pantai Losari", category="perhubungan", tags=["sepeda"])
    data = ReportSubmittedV1(report_id=report_id, opd=opd, content=content,
                             submitted_at=datetime.now(UTC))
    return root_event(type=REPORT_SUBMITTED, version=1, source="ingest", subject=report_id,
                      data=data)


async def login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post("/v1/auth/token", data={"username": username, "password": password})


async def wait_for_article(client: httpx.AsyncClient, headers: dict[str, str], article_id: str
                           ) -> dict[str, object]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        response = await client.get(f"/v1/articles/{article_id}", headers=headers)
        if response.status_code == 200:
            body: dict[str, object] = response.json()
            return body
        await asyncio.sleep(0.2)
    raise AssertionError(f"article {article_id} never reached the queue")


async def test_a_submitted_report_is_queued_once_reviewed_and_approved(settings: Settings
                                                                       ) -> None:
    await ensure_topics(settings.kafka_bootstrap)
    await create_editor(settings, username="redaktur1", name="Rina", role="editor",
                        password=PASSWORD)
    await create_editor(settings, username="test-chief_editor", name="Andi",
                        role="chief_editor", password=PASSWORD)
    report_id = str(uuid.uuid4())
    event = submitted(report_id)
    async with running(create_app(settings)) as client:
        await publish(settings, event, event)  # a redelivery must not create a second article
        token = (await login(client, "redaktur1", PASSWORD)).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        chief_token = (await sign_in(client, "test-chief_editor", PASSWORD))["access_token"]
        chief = {"Authorization": f"Bearer {chief_token}"}
        article = await wait_for_article(client, auth, report_id)
        assert article["status"] == "submitted"

        claimed = await client.post(f"/v1/articles/{report_id}/claim", headers=auth)
        assert claimed.status_code == 200, claimed.text
        version = claimed.json()["content_version"]
        stale = await client.patch(f"/v1/articles/{report_id}", headers={
            **auth, "If-Match": str(version - 1)}, json={"headline": "Judul yang lebih baik"})
        assert stale.status_code == 409
        edited = await client.patch(f"/v1/articles/{report_id}", headers={
            **auth, "If-Match": str(version)},
            json={"headline": "Jalur sepeda Losari diuji coba",
                  "body_html": "<p onclick='x()'>Isi</p><script>alert(1)</script>"})
        assert edited.status_code == 200, edited.text
        assert edited.json()["body_html"] == "<p>Isi</p>"
        ready = await client.post(f"/v1/articles/{report_id}/ready", headers=auth)
        assert ready.status_code == 200, ready.text

        approved = await client.post(f"/v1/articles/{report_id}/approve", headers=chief,
                                     json={"channels": ["feed"]})
        assert approved.status_code == 200, approved.text
        assert approved.json()["status"] == "approved"
        again = await client.post(f"/v1/articles/{report_id}/approve", headers=chief,
                                  json={"channels": ["feed"]})
        assert again.status_code == 409
        assert "approved" in again.json()["error"]["message"]

        listing = await client.get("/v1/articles", headers=auth, params={"status": "approved"})
        assert [a["id"] for a in listing.json()["items"]] == [report_id]
        versions = await client.get(f"/v1/articles/{report_id}/versions", headers=auth)
        assert [v["headline"] for v in versions.json()] == [
            "Uji coba jalur sepeda di Pantai Losari", "Jalur sepeda Losari diuji coba"]

    records = await read_topic(settings.kafka_bootstrap, topics.ARTICLES, 100, 10)
    mine = [e for e in envelopes_in(records) if e["subject"] == report_id]
    assert [e["type"] for e in mine] == ["article.claimed", "article.approved"]
    approved_event = mine[-1]
    assert approved_event["correlation_id"] == report_id
    assert approved_event["data"]["headline"] == "Jalur sepeda Losari diuji coba"
    assert approved_event["data"]["channels"] == ["feed"]


async def test_editor_routes_refuse_missing_forged_and_wrong_credentials(settings: Settings
                                                                         ) -> None:
    await create_editor(settings, username="redaktur2", name="Budi", role="editor",
                        password=PASSWORD)
    async with running(create_app(settings)) as client:
        assert (await client.get("/v1/articles")).status_code == 401
        forged = {"Authorization": "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."}
        assert (await client.get("/v1/articles", headers=forged)).status_code == 401
        wrong = await login(client, "redaktur2", "salah-sandi-123456")
        assert wrong.status_code == 401
        assert wrong.json()["error"]["code"] == "invalid_credentials"
        for _ in range(5):
            await login(client, "redaktur2", "salah-sandi-123456")
        limited = await login(client, "redaktur2", PASSWORD)
        assert limited.status_code == 429
        assert int(limited.headers["Retry-After"]) > 0
        missing = await client.get(f"/v1/articles/{uuid.uuid4()}", headers={
            "Authorization": "Bearer " + "x" * 20})
        assert missing.status_code == 401
