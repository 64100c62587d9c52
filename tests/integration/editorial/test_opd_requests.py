"""One owner for the article's state: the OPD's amend and withdraw are requests editorial decides,
across the race windows (before claim, after claim, after approval, during publication), on the
real broker and database with both services' apps."""

from __future__ import annotations

from shared.mongo import MongoHandle
from shared.settings import Settings
from tests.integration.editorial.opd_desk import desk
from tests.integration.ingest.support import report

NEW_TITLE = "Vaksinasi massal: 650 warga divaksin"


async def _rewind_ingest_to(settings: Settings, report_id: str, status: str) -> None:
    """Ingest's projection lagging editorial, as it does between an editorial decision and its
    event's arrival: the OPD's view still shows the older status."""
    mongo = MongoHandle(settings, "ingest")
    try:
        await mongo.db["reports"].update_one({"_id": report_id}, {"$set": {"status": status}})
    finally:
        mongo.close()


async def test_amend_before_claim_after_claim_after_approval_and_during_publication(
    settings: Settings,
) -> None:
    async with desk(settings, "DINKES") as d:
        # Before a claim: applied at once, 200, the article has the new content.
        first = await d.submit()
        amended = await d.ingest.put(f"/v1/reports/{first}", headers=d.opd.auth,
                                     json=report(title=NEW_TITLE))
        assert amended.status_code == 200, amended.text
        assert amended.json()["revision"] == 2 and amended.json()["title"] == NEW_TITLE
        assert amended.json()["requests"][-1]["state"] == "applied"
        assert (await d.article(first))["headline"] == NEW_TITLE

        # After a claim: 202, pending for the editor with the diff; declined with a reason.
        second = await d.submit()
        await d.claimed(second)
        pending = await d.ingest.put(f"/v1/reports/{second}", headers=d.opd.auth,
                                     json=report(title=NEW_TITLE))
        assert pending.status_code == 202, pending.text
        assert pending.json()["requests"][-1]["state"] in ("sent", "pending")
        assert pending.json()["title"] != NEW_TITLE  # nothing changes before the decision
        await d.report(second, state="pending", awaiting_role="editor")
        shown = await d.editorial.get(f"/v1/articles/{second}/opd-request",
                                      headers=d.tokens["redaktur1"])
        assert shown.status_code == 200 and shown.json()["state"] == "pending"
        [headline] = [c for c in shown.json()["changes"] if c["field"] == "headline"]
        assert headline["after"] == NEW_TITLE and f"+{NEW_TITLE}" in headline["diff"]
        again = await d.ingest.put(f"/v1/reports/{second}", headers=d.opd.auth, json=report())
        assert again.status_code == 409 and again.json()["error"]["code"] == "request_pending"
        other = await d.act("redaktur2", second, "opd-request/accept")
        assert other.status_code == 403  # the article is held by redaktur1
        declined = await d.act("redaktur1", second, "opd-request/decline",
                               reason="Jumlah peserta belum terverifikasi.")
        assert declined.status_code == 200, declined.text
        seen = await d.report(second, state="declined")
        assert seen["requests"][-1]["reason"] == "Jumlah peserta belum terverifikasi."
        assert seen["title"] != NEW_TITLE and seen["revision"] == 1
        # A second amendment, taken by the editor: the content and revision change.
        assert (await d.ingest.put(f"/v1/reports/{second}", headers=d.opd.auth,
                                   json=report(title=NEW_TITLE))).status_code == 202
        await d.report(second, state="pending")
        accepted = await d.act("redaktur1", second, "opd-request/accept")
        assert accepted.status_code == 200, accepted.text
        await d.report(second, state="accepted", title=NEW_TITLE, revision=2,
                       status="in_review")
        assert (await d.article(second))["headline"] == NEW_TITLE

        # After approval: refused by ingest when it knows; by editorial when ingest lags.
        third = await d.submit()
        await d.approved(third)
        known = await d.ingest.put(f"/v1/reports/{third}", headers=d.opd.auth, json=report())
        assert known.status_code == 409 and known.json()["error"]["code"] == "invalid_state"
        await _rewind_ingest_to(settings, third, "in_review")
        refused = await d.ingest.put(f"/v1/reports/{third}", headers=d.opd.auth,
                                     json=report(title=NEW_TITLE))
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"]["code"] == "request_refused"
        view = await d.report(third, state="refused", status="approved")
        assert "koreksi" in view["requests"][-1]["reason"] and view["title"] != NEW_TITLE

        # During publication: the same, once the publisher has posted.
        fourth = await d.submit()
        await d.approved(fourth)
        await d.published(fourth)
        await _rewind_ingest_to(settings, fourth, "in_review")
        late = await d.ingest.put(f"/v1/reports/{fourth}", headers=d.opd.auth, json=report())
        assert late.status_code == 409 and late.json()["error"]["code"] == "request_refused"
        await d.report(fourth, state="refused", status="published")


async def test_withdraw_before_claim_after_claim_after_approval_and_during_publication(
    settings: Settings,
) -> None:
    async with desk(settings, "DISHUB") as d:
        # Before a claim: withdrawn at once.
        first = await d.submit()
        withdrawn = await d.ingest.delete(f"/v1/reports/{first}", headers=d.opd.auth)
        assert withdrawn.status_code == 200, withdrawn.text
        assert withdrawn.json()["status"] == "withdrawn"
        assert (await d.article(first))["status"] == "withdrawn"
        closed = await d.ingest.delete(f"/v1/reports/{first}", headers=d.opd.auth)
        assert closed.status_code == 409 and closed.json()["error"]["code"] == "invalid_state"

        # After a claim: pending for the editor, who accepts it.
        second = await d.submit()
        await d.claimed(second)
        asked = await d.ingest.delete(f"/v1/reports/{second}", headers=d.opd.auth,
                                      params={"reason": "Kegiatan dibatalkan"})
        assert asked.status_code == 202 and asked.json()["status"] == "in_review"
        await d.report(second, state="pending", awaiting_role="editor")
        assert (await d.act("redaktur1", second, "opd-request/accept")).status_code == 200
        await d.report(second, state="accepted", status="withdrawn")

        # After approval: a take-down request that only the chief editor decides.
        third = await d.submit()
        await d.approved(third)
        asked = await d.ingest.delete(f"/v1/reports/{third}", headers=d.opd.auth)
        assert asked.status_code == 202, asked.text
        await d.report(third, state="pending", awaiting_role="chief_editor", status="approved")
        queue = await d.editorial.get("/v1/opd-requests", headers=d.tokens["redpel"],
                                      params={"awaiting_role": "chief_editor"})
        assert [r["article_id"] for r in queue.json()] == [third]
        editor = await d.act("redaktur1", third, "opd-request/accept")
        assert editor.status_code == 403 and "chief_editor" in editor.json()["error"]["message"]
        assert (await d.act("redpel", third, "opd-request/accept")).status_code == 200
        down = await d.report(third, state="accepted", status="taken_down")
        assert "permintaan OPD" in down["status_reason"]
        assert (await d.article(third))["status"] == "taken_down"

        # During publication: the take-down request waits while the post goes out; declined.
        fourth = await d.submit()
        await d.approved(fourth)
        assert (await d.ingest.delete(f"/v1/reports/{fourth}",
                                      headers=d.opd.auth)).status_code == 202
        await d.published(fourth)  # the publisher finishes meanwhile: the request still waits
        await d.report(fourth, state="pending", status="published")
        declined = await d.act("redpel", fourth, "opd-request/decline",
                               reason="Berita sudah tayang dan akurat.")
        assert declined.status_code == 200, declined.text
        await d.report(fourth, state="declined", status="published")


async def test_an_undecided_amendment_blocks_approval_until_it_is_decided(
    settings: Settings,
) -> None:
    async with desk(settings, "DISPAR") as d:
        article = await d.submit()
        await d.claimed(article, "redpel")
        pending = await d.ingest.put(f"/v1/reports/{article}", headers=d.opd.auth,
                                     json=report(title=NEW_TITLE))
        assert pending.status_code == 202, pending.text
        await d.report(article, state="pending", awaiting_role="editor")
        blocked = await d.act("redpel", article, "approve", channels=["feed"])
        assert blocked.status_code == 409, blocked.text
        assert blocked.json()["error"]["code"] == "opd_request_pending"
        assert (await d.article(article))["status"] == "in_review"  # nothing approved
        assert (await d.act("redpel", article, "opd-request/accept")).status_code == 200
        approved = await d.act("redpel", article, "approve", channels=["feed"],
                               override_reason="Perubahan dari OPD sendiri, sudah diperiksa.")
        assert approved.status_code == 200, approved.text
        assert (await d.article(article))["headline"] == NEW_TITLE
