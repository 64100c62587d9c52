"""OPD reporting compliance over a month of synthetic reports, on the real broker and database:
OPDs from ingest's events (one never reports), counts by submission in each OPD's own zone,
the dashboard sorted by who is behind, the Kadis's CSV and PDF, and the monthly reminder."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from shared import topics
from shared.envelope import root_event
from shared.events.common import OpdRef, ReportContent
from shared.events.publications import PUBLICATION_PUBLISHED, PublicationPublishedV1
from shared.events.reports import REPORT_SUBMITTED, ReportSubmittedV1
from shared.settings import Settings
from tests.integration.editorial.opd_desk import Desk, desk
from tests.integration.ingest.support import admin_headers
from tests.probes import collect_envelopes, eventually, publish
from warta_cli import compliance as cli
from warta_cli.session import Target

MONTH = "2026-10"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


async def register(d: Desk, code: str, zone: str, **extra: Any) -> OpdRef:
    created = await d.ingest.post("/v1/admin/opds", headers=admin_headers(d.settings), json={
        "code": code, "name": f"Dinas {code.title()}", "region": "Kota Makassar",
        "timezone": zone, "email": f"humas.{code.lower()}@makassarkota.go.id", **extra})
    assert created.status_code == 201, created.text
    opd = created.json()["opd"]
    return OpdRef(id=opd["id"], code=code, name=opd["name"], region=opd["region"],
                  timezone=opd["timezone"])


async def reported(d: Desk, opd: OpdRef, submitted: str) -> str:
    """A report as ingest announces it, submitted at a chosen moment of the month."""
    report_id = str(uuid.uuid4())
    content = ReportContent(title=f"Kegiatan {opd.code} {submitted[:10]}",
                            body_html="<p>Kegiatan.</p>", activity_at=at(submitted),
                            location="Makassar", category="pemerintahan")
    await publish(d.settings, root_event(
        type=REPORT_SUBMITTED, version=1, source="ingest", subject=report_id,
        data=ReportSubmittedV1(report_id=report_id, opd=opd, content=content,
                               submitted_at=at(submitted))))
    await d.article(report_id)
    return report_id


async def decided(d: Desk, article_id: str, action: str, **body: Any) -> None:
    assert (await d.act("redpel", article_id, "claim")).status_code == 200
    response = await d.act("redpel", article_id, action, **body)
    assert response.status_code == 200, response.text


async def published(d: Desk, opd: OpdRef, submitted: str, hours: float) -> None:
    article_id = await reported(d, opd, submitted)
    await decided(d, article_id, "approve", channels=["website"])
    data = PublicationPublishedV1(
        publication_id=f"{article_id}:website", article_id=article_id, report_id=article_id,
        channel="website", external_id=article_id[:8], url=f"https://kota.example/{article_id}",
        published_at=at(submitted) + timedelta(hours=hours), opd=opd, headline="Kegiatan",
        category="pemerintahan")
    await publish(d.settings, root_event(type=PUBLICATION_PUBLISHED, version=1,
                                         source="publisher", subject=article_id, data=data))
    await d.article(article_id, "published")


async def _month(d: Desk, who: str = "redpel") -> httpx.Response:
    return await d.editorial.get("/v1/compliance", params={"month": MONTH},
                                 headers=d.tokens[who])


async def test_a_month_of_reports_counted_per_opd_zone_reported_and_reminded(
    settings: Settings,
) -> None:
    async with desk(settings, "PLACEHOLDER") as d:
        dinkes = await register(d, "DINKES", "WITA", contact_name="Andi Rahman")
        dishub = await register(d, "DISHUB", "WIB")
        dispar = await register(d, "DISPAR", "WIT", monthly_target=4)
        await register(d, "BAPPEDA", "WITA")  # never reports
        lowered = await d.ingest.patch("/v1/admin/opds/DINKES", headers=admin_headers(settings),
                                       json={"monthly_target": 2})
        assert lowered.status_code == 200 and lowered.json()["monthly_target"] == 2

        await published(d, dinkes, "2026-10-03T09:00:00+08:00", hours=6)
        await published(d, dinkes, "2026-10-10T08:00:00+08:00", hours=24)
        sent_back = await reported(d, dinkes, "2026-10-20T10:00:00+08:00")
        await decided(d, sent_back, "request-revision", reason="Lengkapi foto kegiatan.")
        await reported(d, dinkes, "2026-09-15T10:00:00+08:00")  # another month
        # 00:30 on 1 October in WIB (still 30 September in UTC): October's.
        rejected = await reported(d, dishub, "2026-10-01T00:30:00+07:00")
        await decided(d, rejected, "reject", reason="Bukan kegiatan OPD.")
        await published(d, dishub, "2026-10-15T09:00:00+07:00", hours=2)
        # 01:00 on 1 November in WIT (still 31 October in UTC): November's, not October's.
        await reported(d, dispar, "2026-11-01T01:00:00+09:00")

        async def all_known() -> dict[str, Any] | None:
            body: dict[str, Any] = (await _month(d)).json()
            codes = {row["code"] for row in body["items"]}
            wanted = {"DINKES", "DISHUB", "DISPAR", "BAPPEDA", "PLACEHOLDER"}
            return body if wanted <= codes and next(
                r for r in body["items"] if r["code"] == "DINKES")["target"] == 2 else None
        table = await eventually(all_known, "every OPD projected into editorial")
        rows = {row["code"]: row for row in table["items"]}
        expected = {"submitted": 3, "sent_back": 1, "rejected": 0, "published": 2, "target": 2,
                    "shortfall": 0, "behind": False, "median_hours_to_publish": 15.0,
                    "sent_back_share": 0.3333, "timezone": "Asia/Makassar"}
        assert {k: rows["DINKES"][k] for k in expected} == expected
        assert (rows["DISHUB"]["submitted"], rows["DISHUB"]["rejected"],
                rows["DISHUB"]["published"], rows["DISHUB"]["shortfall"]) == (2, 1, 1, 3)
        assert rows["DISPAR"]["submitted"] == 0 and rows["BAPPEDA"]["submitted"] == 0
        order = [row["code"] for row in table["items"] if row["code"] != "PLACEHOLDER"]
        assert order == ["BAPPEDA", "DISPAR", "DISHUB", "DINKES"]  # who is behind first
        assert (await _month(d, "redaktur1")).status_code == 403

        sheet = await d.editorial.get(f"/v1/compliance/{MONTH}.csv", headers=d.tokens["redpel"])
        assert sheet.status_code == 200 and sheet.headers["content-type"].startswith("text/csv")
        lines = list(csv.reader(io.StringIO(sheet.text)))
        assert lines[0] == ["Laporan Kepatuhan Pelaporan OPD Bulan Oktober 2026"]
        assert "WITA" in lines[2][0] and "Laporan masuk" in lines[3]
        assert lines[4][1] == "BAPPEDA" and lines[-1][1] == "DINKES"
        assert lines[-1][-1] == "Memenuhi target" and lines[4][-1] == "Di bawah target"
        paper = await d.editorial.get(f"/v1/compliance/{MONTH}.pdf", headers=d.tokens["redpel"])
        assert paper.status_code == 200 and paper.content.startswith(b"%PDF")
        bad = await d.editorial.get("/v1/compliance", params={"month": "2026-13"},
                                    headers=d.tokens["redpel"])
        assert bad.status_code == 422

        # The reminder: not before the 25th; then once per OPD below target, however often run.
        editorial = Target("http://testserver", httpx.ASGITransport(app=d.editorial_app))
        token = d.tokens["admin1"]["Authorization"].removeprefix("Bearer ")
        early = await cli.remind(editorial, token, datetime.fromisoformat(
            "2026-10-24T20:00:00+08:00"))
        assert early == []
        day = datetime.fromisoformat("2026-10-25T08:00:00+08:00")
        first = await cli.remind(editorial, token, day)
        behind = {"BAPPEDA", "DISPAR", "DISHUB", "PLACEHOLDER"}
        assert {r["code"] for r in first} == behind and all(r["sent_now"] for r in first)
        again = await cli.remind(editorial, token, day + timedelta(hours=3))
        assert {r["code"] for r in again} == behind and not any(r["sent_now"] for r in again)
        assert (await d.editorial.post("/v1/admin/compliance/reminders",
                                       headers=d.tokens["redpel"])).status_code == 403

    ids = {f"{r['reminder_id']}" for r in first}
    events = await collect_envelopes(
        settings.kafka_bootstrap, topics.OPDS,
        lambda e: e["type"] == "opd.behind_target" and e["data"]["reminder_id"] in ids,
        wanted=len(ids), quiet=1.5)
    assert sorted(e["data"]["reminder_id"] for e in events) == sorted(ids)  # each once
    dishub_event = next(e for e in events if e["data"]["code"] == "DISHUB")
    assert dishub_event["data"]["contact_email"] == "humas.dishub@makassarkota.go.id"
    assert "1 dari target 4" in dishub_event["data"]["message"]
    assert "Oktober 2026" in dishub_event["data"]["message"]
