"""The media-partner register: outlets (validated), proofs of publication, the monthly CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from services.notifier.main import create_app
from services.notifier.partner_proofs import proof_link
from shared.kafka import ensure_topics
from shared.settings import Settings
from tests.conftest import running
from tests.integration.notifier.conftest import (
    add_active,
    approved,
    auth,
    new_article_id,
    published,
)
from tests.probes import eventually, publish
from warta_cli.mailpit import Mailpit


def outlet(name: str, journalists: list[str], *, status: str = "faktual",
           start: str = "2026-01-01", end: str = "2026-12-31") -> dict[str, object]:
    return {"name": name, "dewan_pers_status": status, "partnership_start": start,
            "partnership_end": end, "journalist_ids": journalists}


async def test_outlets_proofs_and_the_monthly_report(
    mail_settings: Settings, mailbox: Mailpit,
) -> None:
    settings = mail_settings
    await ensure_topics(settings.kafka_bootstrap)
    fajar_j = await add_active(settings, "Andi", "andi@fajar.example")
    tribun_j = await add_active(settings, "Budi", "budi@tribun.example")
    admin = auth(settings, "admin")
    article = new_article_id()
    async with running(create_app(settings, sweep_seconds=0.3)) as client:
        bad = [
            (outlet("Fajar", [fajar_j], start="2026-12-31", end="2026-01-01"), 422),
            (outlet("Fajar", [fajar_j], status="terverifikasi"), 422),
            (outlet("Fajar", ["nobody"]), 422),
            (outlet("Fajar", [fajar_j, fajar_j]), 422),
        ]
        for body, status in bad:
            response = await client.post("/v1/partners/outlets", json=body, headers=admin)
            assert response.status_code == status, response.text
            assert "error" in response.json()
        unknown = await client.post("/v1/partners/outlets", json=outlet("Fa", ["nobody"]),
                                    headers=admin)
        assert unknown.json()["error"]["details"] == {"journalist_ids": ["nobody"]}
        assert (await client.post("/v1/partners/outlets", json=outlet("X", []))
                ).status_code == 401
        assert (await client.post("/v1/partners/outlets", json=outlet("X", []),
                                  headers=auth(settings, "editor"))).status_code == 403
        made = await client.post("/v1/partners/outlets", json=outlet("Harian Fajar", [fajar_j]),
                                 headers=admin)
        assert made.status_code == 201, made.text
        fajar = made.json()["id"]
        tribun = (await client.post("/v1/partners/outlets", headers=admin, json=outlet(
            "Tribun Timur", [tribun_j], status="administratif"))).json()["id"]
        await client.post("/v1/partners/outlets", headers=admin, json=outlet(
            "Media Lama", [], status="belum", start="2025-01-01", end="2025-12-31"))
        twice = await client.post("/v1/partners/outlets", json=outlet("harian fajar", []),
                                  headers=admin)
        assert twice.status_code == 409
        moved = await client.put(f"/v1/partners/outlets/{tribun}", headers=admin, json=outlet(
            "Tribun Timur", [tribun_j], status="faktual"))
        assert moved.json()["dewan_pers_status"] == "faktual"

        await publish(settings, approved(article), published(article))

        async def both_sent() -> bool:
            return len(await mailbox.summaries("subject:Siaran")) >= 2
        await eventually(both_sent, "the press release to both partners' journalists")

        story = {"outlet_id": fajar, "article_id": article, "journalist_id": fajar_j,
                 "url": "https://fajar.example/berita/vaksinasi"}
        first = await client.post("/v1/partners/proofs", json=story,
                                  headers=auth(settings, "editor"))
        assert first.status_code == 201 and first.json()["created"] is True
        again = await client.post("/v1/partners/proofs", json=story,
                                  headers=auth(settings, "editor"))
        assert again.status_code == 200 and again.json()["created"] is False
        wrong = await client.post("/v1/partners/proofs", json={**story, "journalist_id":
                                  tribun_j}, headers=auth(settings, "editor"))
        assert wrong.status_code == 422

        link = proof_link(settings, tribun_j, article).removeprefix(settings.public_base_url)
        page = await client.get(link)
        assert page.status_code == 200 and "Vaksinasi massal di Makassar" in page.text
        assert "default-src 'none'" in page.headers["content-security-policy"]
        assert "<script" not in page.text and "style" not in page.text
        refused = await client.post(link, content="url=javascript:alert(1)",
                                    headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert refused.status_code == 422 and "https://" in refused.text
        logged = await client.post(link, content="url=https%3A%2F%2Ftribun.example%2Fb%2F1",
                                   headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert logged.status_code == 200 and "https://tribun.example/b/1" in logged.text
        forged = await client.get(link[:-3] + "abc")
        assert forged.status_code == 404

        month = datetime.now(UTC).strftime("%Y-%m")
        report = await client.get(f"/v1/partners/report/{month}.csv",
                                  headers=auth(settings, "editor"))
        assert report.status_code == 200 and report.headers["content-type"].startswith(
            "text/csv")
        rows = list(csv.DictReader(io.StringIO(report.text)))
        assert [(r["outlet"], r["dewan_pers_status"], r["releases_received"],
                 r["stories_published"]) for r in rows] == [
            ("Harian Fajar", "faktual", "1", "1"), ("Tribun Timur", "faktual", "1", "1")]
        for bad in ("2026-13", "0000-01"):  # year 0 has no month bounds: it was a 500 (fuzz)
            assert (await client.get(f"/v1/partners/report/{bad}.csv",
                                     headers=auth(settings, "editor"))).status_code == 422
        assert (await client.get(f"/v1/partners/report/{month}.csv")).status_code == 401
