"""Coverage invitations: the one-click RSVP (hadir / tidak hadir) and who is coming."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from services.notifier.invitation_reminders import reminder_moments
from services.notifier.main import create_app
from services.notifier.partner_proofs import proof_link
from services.notifier.rsvp_api import rsvp_link
from shared.envelope import root_event
from shared.events.articles import ARTICLE_APPROVED, ArticleApprovedV1
from shared.kafka import ensure_topics
from shared.mongo import MongoHandle
from shared.settings import Settings
from tests.conftest import running
from tests.integration.notifier.conftest import (
    add_active,
    approved,
    auth,
    deliveries,
    new_article_id,
    published,
    taken_down,
)
from tests.probes import eventually, publish
from warta_cli.mailpit import Mailpit

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def test_a_journalist_answers_with_one_click_and_editors_see_who_is_coming(
    mail_settings: Settings, mailbox: Mailpit,
) -> None:
    settings = mail_settings
    await ensure_topics(settings.kafka_bootstrap)
    andi = await add_active(settings, "Andi", "andi@fajar.example")
    budi = await add_active(settings, "Budi", "budi@tribun.example")
    article = new_article_id()
    editor = auth(settings, "editor")
    async with running(create_app(settings, sweep_seconds=0.3)) as client:
        await publish(settings, approved(article, invitation_in=timedelta(days=2)))

        async def invited() -> bool:
            return len(await mailbox.summaries("subject:Undangan")) >= 2
        await eventually(invited, "the invitation to both journalists")
        link = rsvp_link(settings, andi, article, "hadir").removeprefix(settings.public_base_url)
        page = await client.get(link)
        assert page.status_code == 200 and "Vaksinasi massal di Makassar" in page.text
        assert 'value="hadir" autofocus' in page.text
        assert "<script" not in page.text and "style" not in page.text
        assert "default-src 'none'" in page.headers["content-security-policy"]
        nobody = (await client.get(f"/v1/articles/{article}/rsvps", headers=editor)).json()
        assert nobody["answers"] == []  # opening the link (a mail scanner) answers nothing

        action = link.split("?")[0]
        done = await client.post(action, content="jawaban=hadir", headers=FORM)
        assert done.status_code == 200 and "hadir" in done.text
        budi_link = rsvp_link(settings, budi, article).removeprefix(settings.public_base_url)
        assert (await client.post(budi_link, content="jawaban=mungkin", headers=FORM)
                ).status_code == 422
        await client.post(budi_link, content="jawaban=hadir", headers=FORM)
        await client.post(budi_link, content="jawaban=tidak_hadir", headers=FORM)  # changed

        report = await client.get(f"/v1/articles/{article}/rsvps", headers=editor)
        assert report.status_code == 200, report.text
        body = report.json()
        assert (body["hadir"], body["tidak_hadir"]) == (1, 1)
        assert sorted((a["name"], a["answer"]) for a in body["answers"]) == [
            ("Andi", "hadir"), ("Budi", "tidak_hadir")]

        forged = await client.get(action[:-3] + "abc")
        assert forged.status_code == 404
        other = proof_link(settings, andi, article).removeprefix(settings.public_base_url)
        token = other.rsplit("/", 1)[1]
        assert (await client.get(f"/undangan/rsvp/{token}")).status_code == 404
        assert (await client.get(f"/v1/articles/{article}/rsvps")).status_code == 401


def calendar_part(message: EmailMessage) -> tuple[str, str]:
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    return str(part.get_param("method")), str(part.get_content())


async def test_reminders_run_for_a_moment_once_each_and_a_take_down_cancels(
    mail_settings: Settings, mailbox: Mailpit,
) -> None:
    settings = mail_settings
    await ensure_topics(settings.kafka_bootstrap)
    address = f"citra-{new_article_id()[:8]}@media.example"
    await add_active(settings, "Citra", address)
    article = new_article_id()
    admin = auth(settings, "admin")
    async with running(create_app(settings, sweep_seconds=0.3)) as client:
        # Three days ahead: the service's own schedule (run for now) has nothing due yet.
        invitation = approved(article, invitation_in=timedelta(days=3))
        await publish(settings, invitation)

        async def invited() -> bool:
            return len(await mailbox.summaries(f"to:{address}")) >= 1
        await eventually(invited, "the invitation")
        starts = datetime.fromisoformat(invitation.data["press_invitation"]["starts_at"])
        moments = reminder_moments(starts, "Asia/Makassar",
                                   settings.notifier_reminder_day_before_hour,
                                   settings.notifier_reminder_hours_before)

        async def run(at: datetime, headers: dict[str, str] = admin) -> int:
            response = await client.post("/v1/admin/jobs/reminders",
                                         params={"at": at.isoformat()}, headers=headers)
            assert response.status_code == 200, response.text
            return int(response.json()["created"])

        assert await run(moments["day_before"] - timedelta(minutes=1)) == 0
        assert await run(moments["day_before"]) == 1
        assert await run(moments["day_before"] + timedelta(minutes=5)) == 0  # once each
        assert await run(starts - timedelta(hours=1)) == 1  # the hours-before one
        assert (await client.post("/v1/admin/jobs/reminders",
                                  headers=auth(settings, "editor"))).status_code == 403

        async def reminded() -> list[EmailMessage] | None:
            found = [m for m in await mailbox.messages(f"to:{address}")
                     if str(m["Subject"]).startswith("[Pengingat Undangan Liputan]")]
            return found if len(found) >= 2 else None
        reminders = await eventually(reminded, "both reminders")
        method, ics = calendar_part(reminders[0])
        assert method == "REQUEST" and f"UID:undangan-{article}@kominfo.example" in ics
        assert "TZID=Asia/Makassar" in ics
        text = reminders[0].get_body(("plain",))
        assert text is not None and "/undangan/rsvp/" in text.get_content()
        assert "WITA" in text.get_content()

        down = taken_down(article)
        await publish(settings, down, down)

        async def cancelled() -> list[EmailMessage] | None:
            found = [m for m in await mailbox.messages(f"to:{address}")
                     if str(m["Subject"]).startswith("[Undangan Liputan Dibatalkan]")]
            return found or None
        [cancel] = await eventually(cancelled, "the cancellation")
        method, ics = calendar_part(cancel)
        assert method == "CANCEL" and f"UID:undangan-{article}@kominfo.example" in ics
        assert "Data dalam siaran pers keliru" in str(cancel.get_body(("plain",)))
        assert await run(starts - timedelta(minutes=30)) == 0  # nothing for a cancelled one


async def test_an_embargoed_articles_invitation_goes_out_at_publication_never_before(
    mail_settings: Settings, mailbox: Mailpit,
) -> None:
    settings = mail_settings
    await ensure_topics(settings.kafka_bootstrap)
    address = f"dewi-{new_article_id()[:8]}@media.example"
    await add_active(settings, "Dewi", address)
    article = new_article_id()
    plain = approved(article, invitation_in=timedelta(days=2))
    embargo = datetime.now(UTC) + timedelta(hours=5)
    data = ArticleApprovedV1.model_validate({**plain.data, "publish_at": embargo})
    embargoed = root_event(type=ARTICLE_APPROVED, version=1, source="editorial",
                           subject=article, data=data, correlation_id=article)
    mongo = MongoHandle(settings, "notifier")
    async with running(create_app(settings, sweep_seconds=0.3)) as client:
        await publish(settings, embargoed)

        async def recorded() -> bool:
            return await mongo.db["articles"].find_one(
                {"_id": article, "approved": {"$exists": True}}) is not None
        await eventually(recorded, "the approval recorded")
        await asyncio.sleep(1.0)  # the approval's handler has finished its fan-out
        assert await deliveries(client, settings, article) == []
        await publish(settings, published(article))

        async def invited() -> list[str] | None:
            found = [str(s["Subject"]) for s in await mailbox.summaries(f"to:{address}")]
            return found if any(s.startswith("[Undangan Liputan]") for s in found) else None
        assert "[Undangan Liputan] Vaksinasi massal di Makassar" in await eventually(
            invited, "the invitation at publication")
    mongo.close()
