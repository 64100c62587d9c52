"""Search and filters over editorial's articles with opaque cursors, on the real broker and
database: every filter, text in the headline and body, and pages that stay stable (each article
once, in order) across more than two pages while articles change."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from services.editorial.main import create_app
from shared.auth import Principal, issue_token
from shared.envelope import new_id, root_event
from shared.events.common import OpdRef, ReportContent
from shared.events.reports import REPORT_SUBMITTED, ReportSubmittedV1
from shared.kafka import ensure_topics
from shared.settings import Settings
from tests.accounts import create_editor
from tests.conftest import running
from tests.probes import eventually, publish

START = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
OPDS = {"DINKES": ("Kota Makassar", "kesehatan"), "DISDIK": ("Kabupaten Gowa", "pendidikan")}


def submitted(n: int, code: str) -> tuple[str, Any]:
    region, category = OPDS[code]
    report_id = new_id()  # time-ordered, as ingest's are
    opd = OpdRef(id=f"opd-{code}", code=code, name=f"Dinas {code}", region=region,
                 timezone="Asia/Makassar")
    body = "<p>Posyandu balita</p>" if n % 5 == 0 else "<p>Kegiatan rutin</p>"
    content = ReportContent(title=f"Laporan {code} nomor {n}", body_html=body,
                            activity_at=START, location="Makassar", category=category)
    data = ReportSubmittedV1(report_id=report_id, opd=opd, content=content,
                             submitted_at=START + timedelta(days=n))
    return report_id, root_event(type=REPORT_SUBMITTED, version=1, source="ingest",
                                 subject=report_id, data=data)


async def pages(client: httpx.AsyncClient, auth: dict[str, str], **params: Any
                ) -> tuple[list[str], int]:
    """Every id over all pages, and how many pages it took."""
    seen: list[str] = []
    cursor, count = None, 0
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await client.get("/v1/articles", headers=auth, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        seen += [item["id"] for item in body["items"]]
        count += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return seen, count


async def test_filters_text_and_cursors_over_many_pages(settings: Settings) -> None:
    await ensure_topics(settings.kafka_bootstrap)
    await create_editor(settings, username="redaktur1", name="Rina", role="editor",
                        password="rahasia-redaksi-2026")
    token, _ = issue_token(settings, Principal(subject="redaktur1", role="editor"))
    auth = {"Authorization": f"Bearer {token}"}
    made = [submitted(n, "DINKES" if n % 3 else "DISDIK") for n in range(24)]
    ids = [report_id for report_id, _ in made]
    async with running(create_app(settings)) as client:
        await publish(settings, *(event for _, event in made))

        async def all_in() -> bool:
            found, _ = await pages(client, auth, limit=100)
            return set(ids) <= set(found)
        await eventually(all_in, "all 24 reports in the queue")

        newest_first = sorted(ids, reverse=True)
        everything, count = await pages(client, auth, limit=5)
        mine = [i for i in everything if i in set(ids)]
        assert mine == newest_first and count >= 5  # each once, in order, > 2 pages

        # Claims between pages change articles; the pages neither skip nor repeat one.
        first = (await client.get("/v1/articles", headers=auth, params={"limit": 4})).json()
        for article_id in ids[:6]:
            assert (await client.post(f"/v1/articles/{article_id}/claim",
                                      headers=auth)).status_code == 200
        rest, _ = await pages(client, auth, limit=4, cursor=first["next_cursor"])
        assert [i["id"] for i in first["items"]] + rest == everything

        dinkes = [i for n, i in enumerate(ids) if n % 3]
        by_opd, count = await pages(client, auth, opd="DINKES", limit=3)
        assert by_opd == sorted(dinkes, reverse=True) and count > 2
        assert (await pages(client, auth, category="pendidikan"))[0] == sorted(
            set(ids) - set(dinkes), reverse=True)
        assert (await pages(client, auth, region="Kabupaten Gowa"))[0] == sorted(
            set(ids) - set(dinkes), reverse=True)
        assert (await pages(client, auth, assignee="redaktur1", limit=2))[0] == sorted(
            ids[:6], reverse=True)
        assert (await pages(client, auth, status="submitted"))[0] == sorted(
            ids[6:], reverse=True)
        window = {"submitted_after": (START + timedelta(days=10)).isoformat(),
                  "submitted_before": (START + timedelta(days=13)).isoformat()}
        assert (await pages(client, auth, **window))[0] == sorted(ids[10:13], reverse=True)
        in_body = [i for n, i in enumerate(ids) if n % 5 == 0]
        assert (await pages(client, auth, q="POSYANDU", limit=2))[0] == sorted(
            in_body, reverse=True)
        assert (await pages(client, auth, q="nomor 17"))[0] == [ids[17]]
        assert (await pages(client, auth, q="DISDIK posyandu"))[0] == sorted(
            {i for i in in_body if i not in dinkes}, reverse=True)

        other = await client.get("/v1/articles", headers=auth, params={
            "cursor": first["next_cursor"], "opd": "DISDIK"})
        assert other.status_code == 400 and other.json()["error"]["code"] == "bad_cursor"
        forged = await client.get("/v1/articles", headers=auth,
                                  params={"cursor": str(uuid.uuid4())})
        assert forged.status_code == 400
