"""The agenda on the real broker and database: press invitations and embargoes by day for the
desk (editorial) and for the OPD (ingest, projected from events); rescheduling and cancelling an
embargo by the chief editor, announced to the publisher as `article.rescheduled`."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from shared import topics
from shared.settings import Settings
from tests.integration.editorial.opd_desk import Desk, desk
from tests.probes import collect_envelopes, eventually

WITA = ZoneInfo("Asia/Makassar")


def local(day: int, hour: int) -> datetime:
    """`hour`:00 WITA, `day` days from today (in Makassar)."""
    today = datetime.now(WITA).date()
    return datetime.combine(today + timedelta(days=day), time(hour), WITA)


async def scheduled(d: Desk, publish_at: datetime) -> str:
    article_id = await d.submit()
    assert (await d.act("redpel", article_id, "claim")).status_code == 200
    approved = await d.act("redpel", article_id, "approve", channels=["website"],
                           publish_at=publish_at.isoformat())
    assert approved.status_code == 200 and approved.json()["status"] == "scheduled"
    return article_id


def kinds(days: list[dict[str, Any]]) -> dict[str, list[tuple[str, str]]]:
    """Each day's (kind, id) entries."""
    return {day["date"]: [(i["kind"], i.get("article_id") or i["report_id"])
                          for i in day["items"]] for day in days}


async def test_the_agenda_by_day_with_embargoes_rescheduled_and_cancelled(settings: Settings
                                                                          ) -> None:
    async with desk(settings, "DISPAR") as d:
        invited = await d.submit(activity_at=local(3, 10).isoformat(), press_invitation={
            "starts_at": local(3, 10).isoformat(), "location": "Anjungan Pantai Losari"})
        moved = await scheduled(d, local(4, 9))
        called_off = await scheduled(d, local(4, 14))
        day3, day4, day5 = (local(n, 0).date().isoformat() for n in (3, 4, 5))

        agenda = await d.editorial.get("/v1/agenda", headers=d.tokens["redaktur1"],
                                       params={"from": day3, "to": day5})
        assert agenda.status_code == 200, agenda.text
        assert kinds(agenda.json()) == {day3: [("press_invitation", invited)],
                                        day4: [("embargo", moved), ("embargo", called_off)]}
        first = agenda.json()[0]
        assert first["items"][0]["local_time"] == "10.00 WITA"
        assert first["items"][0]["location"] == "Anjungan Pantai Losari"
        assert first["label"].split(",")[0] in {"Senin", "Selasa", "Rabu", "Kamis", "Jumat",
                                                "Sabtu", "Minggu"}

        body = {"publish_at": local(5, 8).isoformat()}
        by_editor = await d.editorial.put(f"/v1/articles/{moved}/embargo", json=body,
                                          headers=d.tokens["redaktur1"])
        assert by_editor.status_code == 403
        past = await d.editorial.put(f"/v1/articles/{moved}/embargo",
                                     json={"publish_at": local(-1, 8).isoformat()},
                                     headers=d.tokens["redpel"])
        assert past.status_code == 409 and "masa depan" in past.json()["error"]["message"]
        rescheduled = await d.editorial.put(f"/v1/articles/{moved}/embargo", json=body,
                                            headers=d.tokens["redpel"])
        assert rescheduled.status_code == 200, rescheduled.text
        cancelled = await d.editorial.post(f"/v1/articles/{called_off}/embargo/cancel",
                                           json={"reason": "Menunggu konfirmasi Kadis."},
                                           headers=d.tokens["redpel"])
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "in_review"
        again = await d.editorial.post(f"/v1/articles/{called_off}/embargo/cancel",
                                       json={"reason": "Dua kali."}, headers=d.tokens["redpel"])
        assert again.status_code == 409
        assert (await d.editorial.put(f"/v1/articles/{invited}/embargo", json=body,
                                      headers=d.tokens["redpel"])).status_code == 409

        after = await d.editorial.get("/v1/agenda", headers=d.tokens["redaktur1"],
                                      params={"from": day3, "to": day5})
        assert kinds(after.json()) == {day3: [("press_invitation", invited)],
                                       day5: [("embargo", moved)]}
        too_long = await d.editorial.get("/v1/agenda", headers=d.tokens["redaktur1"],
                                         params={"from": day3, "to": "2099-01-01"})
        assert too_long.status_code == 422

        # The OPD's own agenda, projected from the same events.
        async def opd_agenda() -> list[dict[str, Any]] | None:
            found = await d.ingest.get("/v1/agenda", headers=d.opd.auth,
                                       params={"from": day3, "to": day5})
            days: list[dict[str, Any]] = found.json()
            return days if kinds(days) == {day3: [("press_invitation", invited)],
                                           day5: [("embargo", moved)]} else None
        await eventually(opd_agenda, "the OPD's agenda follows the reschedule and the cancel")
        off = await d.report(called_off, status="in_review")
        assert off["status_reason"] == "Jadwal tayang dibatalkan: Menunggu konfirmasi Kadis."
        assert off["publish_at"] is None

    events = await collect_envelopes(
        settings.kafka_bootstrap, topics.ARTICLES,
        lambda e: e["type"] == "article.rescheduled" and e["subject"] in {moved, called_off},
        wanted=2, quiet=1.0)
    by_article = {e["subject"]: e["data"] for e in events}
    assert by_article[called_off]["cancelled"] and by_article[called_off]["publish_at"] is None
    assert datetime.fromisoformat(by_article[moved]["publish_at"]) == local(5, 8)
