"""The OPD's reports on the real broker and database: submit, read, list, amend, withdraw."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from services.ingest.config import IngestConfig
from shared.envelope import root_event
from shared.events.opd_requests import (
    ARTICLE_REQUEST_DECIDED,
    ArticleRequestDecidedV1,
    RequestOutcome,
)
from shared.mongo import MongoHandle
from shared.settings import Settings
from shared.vocabulary import ArticleStatus
from tests.integration.ingest.support import Opd, events_for, ingest, make_opd, report
from tests.probes import eventually, publish


async def test_a_submitted_report_is_sanitized_stored_and_its_event_carries_the_content(
    settings: Settings,
) -> None:
    opd = await make_opd(settings, "DINKES")
    raw = '<p onclick="steal()">Halo <script>alert(1)</script><a href="javascript:x">tautan</a></p>'
    async with ingest(settings) as client:
        created = await client.post("/v1/reports", json=report(body=raw), headers=opd.auth)
        assert created.status_code == 201, created.text
        body = created.json()
        assert body["status"] == "submitted" and body["revision"] == 1
        assert "script" not in body["body_html"] and "onclick" not in body["body_html"]
        assert "javascript:" not in body["body_html"] and "Halo" in body["body_html"]

        fetched = await client.get(f"/v1/reports/{body['id']}", headers=opd.auth)
        assert fetched.json() == body

    mongo = MongoHandle(settings, "ingest")
    try:
        stored = await mongo.db["reports"].find_one({"_id": body["id"]})
    finally:
        mongo.close()
    assert stored is not None and stored["body_raw"] == raw  # the original kept for audit

    [event] = await events_for(settings, body["id"], wanted=1)
    assert event["type"] == "report.submitted" and event["source"] == "ingest"
    assert event["data"]["opd"]["code"] == "DINKES"
    assert event["data"]["opd"]["timezone"] == "Asia/Makassar"
    assert event["data"]["content"]["body_html"] == body["body_html"]
    assert event["data"]["content"]["category"] == "kesehatan"


async def test_validation_errors_name_each_field_and_say_what_to_fix(settings: Settings) -> None:
    opd = await make_opd(settings, "DISDIK")
    naive = datetime.now().replace(tzinfo=None).isoformat()
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    async with ingest(settings) as client:
        cases = {
            "title": report(title="abc"),
            "activity_at": report(activity_at=naive),
            "category": report(category="gosip"),
            "status": report(status="published"),
            "opd_id": report(opd_id="someone-else"),
            "press_invitation": report(press_invitation={"starts_at": past,
                                                         "location": "Balai Kota"}),
            "tags": report(tags=["x"] * 21),
        }
        for field, payload in cases.items():
            response = await client.post("/v1/reports", json=payload, headers=opd.auth)
            assert response.status_code == 422, (field, response.text)
            error = response.json()["error"]
            assert error["code"] == "validation_error"
            assert any(field in d["field"] for d in error["details"]), (field, error)
            assert all(d["problem"] for d in error["details"])
        unknown = (await client.post("/v1/reports", json=report(category="gosip"),
                                     headers=opd.auth)).json()["error"]
        assert "kesehatan" in unknown["details"][0]["problem"]  # it lists the valid choices

        listed = await client.get("/v1/reports", headers=opd.auth)
        assert listed.json()["items"] == []  # nothing half-written by any refusal


async def test_a_press_invitation_for_an_upcoming_activity_is_accepted(settings: Settings
                                                                       ) -> None:
    opd = await make_opd(settings, "DISPAR")
    soon = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    async with ingest(settings) as client:
        response = await client.post("/v1/reports", headers=opd.auth, json=report(
            activity_at=soon, press_invitation={"starts_at": soon, "location": "Pantai Losari",
                                                "contact": "0411-123456"}))
        assert response.status_code == 201, response.text
        assert response.json()["press_invitation"]["location"] == "Pantai Losari"


async def test_the_list_pages_with_a_cursor_and_filters_by_status_and_date(settings: Settings
                                                                           ) -> None:
    opd, other = await make_opd(settings, "DISHUB"), await make_opd(settings, "DISPORA")
    async with ingest(settings) as client:
        ids = []
        for n in range(5):
            created = await client.post("/v1/reports", headers=opd.auth,
                                        json=report(title=f"Kegiatan nomor {n}"))
            ids.append(created.json()["id"])
        await client.post("/v1/reports", json=report(), headers=other.auth)
        asked = await client.delete(f"/v1/reports/{ids[0]}", headers=opd.auth)
        await answered(settings, opd, ids[0], asked.json()["requests"][-1]["id"],
                       kind="withdraw", status="withdrawn", version=2)
        await until(client, opd, ids[0], lambda r: r["status"] == "withdrawn")

        seen: list[str] = []
        cursor = None
        while True:
            params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
            page = (await client.get("/v1/reports", params=params, headers=opd.auth)).json()
            seen += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == list(reversed(ids))  # newest first, each once, only this OPD's

        withdrawn = await client.get("/v1/reports", params={"status": "withdrawn"},
                                     headers=opd.auth)
        assert [i["id"] for i in withdrawn.json()["items"]] == [ids[0]]
        future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
        later = await client.get("/v1/reports", params={"submitted_after": future},
                                 headers=opd.auth)
        assert later.json()["items"] == []
        bad = await client.get("/v1/reports", params={"cursor": "!!!"}, headers=opd.auth)
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_cursor"


async def test_amend_and_withdraw_are_requests_applied_by_editorials_answer(settings: Settings
                                                                          ) -> None:
    """Without editorial's answer nothing changes but the request (202, then pending); the
    answer applies it; a second request waits for the first; a closed report refuses both."""
    opd = await make_opd(settings, "DISKOP")
    async with ingest(settings, IngestConfig(ingest_request_wait_seconds=0)) as client:
        report_id = (await client.post("/v1/reports", json=report(),
                                       headers=opd.auth)).json()["id"]
        title = "Vaksinasi massal (revisi jumlah warga)"
        amended = await client.put(f"/v1/reports/{report_id}", headers=opd.auth,
                                   json=report(title=title))
        assert amended.status_code == 202, amended.text
        assert amended.json()["revision"] == 1 and amended.json()["title"] != title
        [request] = amended.json()["requests"]
        busy = await client.delete(f"/v1/reports/{report_id}", headers=opd.auth)
        assert busy.status_code == 409 and busy.json()["error"]["code"] == "request_pending"

        await answered(settings, opd, report_id, request["id"], kind="amend", status="submitted",
                       version=2)
        applied = await until(client, opd, report_id, lambda r: r["revision"] == 2)
        assert applied["title"] == title and applied["requests"][0]["state"] == "applied"

        withdrawn = await client.delete(f"/v1/reports/{report_id}", headers=opd.auth)
        assert withdrawn.status_code == 202
        await answered(settings, opd, report_id, withdrawn.json()["requests"][-1]["id"],
                       kind="withdraw", status="withdrawn", version=3)
        await until(client, opd, report_id, lambda r: r["status"] == "withdrawn")

        again = await client.put(f"/v1/reports/{report_id}", json=report(), headers=opd.auth)
        assert again.status_code == 409
        assert "withdrawn" in again.json()["error"]["message"]
        twice = await client.delete(f"/v1/reports/{report_id}", headers=opd.auth)
        assert twice.status_code == 409

    events = await events_for(settings, report_id, wanted=3, settle=1.0)
    assert [e["type"] for e in events] == ["report.submitted", "report.amend_requested",
                                           "report.withdraw_requested"]
    assert events[1]["data"]["revision"] == 2
    assert events[1]["data"]["request_id"] == request["id"]


async def answered(settings: Settings, opd: Opd, report_id: str, request_id: str, *,
                   kind: str, status: str, version: int) -> None:
    """Editorial's answer, as editorial writes it: applied at once."""
    await publish(settings, root_event(
        type=ARTICLE_REQUEST_DECIDED, version=1, source="test", subject=report_id,
        data=ArticleRequestDecidedV1(
            article_id=report_id, report_id=report_id, opd_id=opd.id, request_id=request_id,
            kind=kind, outcome=RequestOutcome.APPLIED,
            status=ArticleStatus(status), article_version=version, decided_by="editorial",
            decided_at=datetime.now(UTC))))


async def until(client: httpx.AsyncClient, opd: Opd, report_id: str,
                done: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        body: dict[str, Any] = (await client.get(f"/v1/reports/{report_id}",
                                                 headers=opd.auth)).json()
        return body if done(body) else None
    return await eventually(probe, f"report {report_id} as wanted")


async def test_an_idempotency_key_replays_the_first_response_and_refuses_another_body(
    settings: Settings,
) -> None:
    opd = await make_opd(settings, "BAPPEDA")
    headers = {**opd.auth, "Idempotency-Key": "laporan-2026-11-23-001"}
    body = report()
    async with ingest(settings) as client:
        first = await client.post("/v1/reports", json=body, headers=headers)
        second = await client.post("/v1/reports", json=body, headers=headers)
        assert first.status_code == second.status_code == 201
        assert first.json() == second.json()

        changed = await client.post("/v1/reports", json=report(title="Judul yang lain sama sekali"),
                                    headers=headers)
        assert changed.status_code == 409
        assert changed.json()["error"]["code"] == "idempotency_key_reused"

        listed = await client.get("/v1/reports", headers=opd.auth)
        assert [i["id"] for i in listed.json()["items"]] == [first.json()["id"]]
    assert len(await events_for(settings, first.json()["id"], wanted=1, settle=1.0)) == 1


async def test_concurrent_duplicates_with_one_key_create_one_report_and_one_event(
    settings: Settings,
) -> None:
    opd = await make_opd(settings, "INSPEKTORAT")
    headers = {**opd.auth, "Idempotency-Key": "serentak-0001"}
    body = report()
    async with ingest(settings) as client:
        responses = await asyncio.gather(*(
            client.post("/v1/reports", json=body, headers=headers) for _ in range(8)))
        assert {r.status_code for r in responses} == {201}
        assert len({r.json()["id"] for r in responses}) == 1
        listed = await client.get("/v1/reports", headers=opd.auth)
        assert len(listed.json()["items"]) == 1
    report_id = responses[0].json()["id"]
    assert len(await events_for(settings, report_id, wanted=1, settle=1.5)) == 1
