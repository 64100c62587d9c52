"""The links and calendar each recipient's own message carries, read back from Mailpit: the
first invitation's .ics and RSVP links, a partner's proof-of-publication link, and the
notices of a changed or cancelled activity (same UID, SEQUENCE bumped, reminders moved)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from icalendar import Calendar

from services.notifier.invitation_calendar import Activity, calendar
from services.notifier.invitation_reminders import (
    CANCELLED,
    CHANGED,
    REMINDER,
    reminder_moments,
)
from services.notifier.main import create_app
from services.notifier.own_users_mail import compose, view
from shared.envelope import Envelope, root_event
from shared.events.articles import ARTICLE_CORRECTED, ArticleCorrectedV1
from shared.kafka import ensure_topics
from shared.mongo import MongoHandle
from shared.settings import Settings
from shared.vocabulary import format_local
from tests.conftest import running
from tests.integration.notifier.conftest import (
    add_active,
    approved,
    auth,
    new_article_id,
    published,
    taken_down,
)
from tests.probes import eventually, publish
from warta_cli.mailpit import Mailpit

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def event_of(message: EmailMessage) -> tuple[str, dict[str, object]]:
    """(METHOD, the VEVENT's properties) of the message's text/calendar part, parsed."""
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    calendar = Calendar.from_ical(part.get_payload(decode=True))
    [event] = calendar.walk("VEVENT")
    assert part.get_param("method") == str(calendar["method"])
    return str(calendar["method"]), dict(event)


def plain(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def link(text: str, pattern: str, base: str) -> str:
    found = re.search(pattern, text)
    assert found, f"no {pattern} in {text}"
    return found.group(0).removeprefix(base)


async def mails(mailbox: Mailpit, address: str, prefix: str, count: int = 1
                ) -> list[EmailMessage]:
    async def arrived() -> list[EmailMessage] | None:
        found = [m for m in await mailbox.messages(f"to:{address}")
                 if str(m["Subject"]).startswith(prefix)]
        return found if len(found) >= count else None
    return await eventually(arrived, f"{prefix} to {address}")


async def test_the_first_invitation_carries_its_calendar_and_working_rsvp_links(
    mail_settings: Settings, mailbox: Mailpit,
) -> None:
    settings, base = mail_settings, mail_settings.public_base_url
    await ensure_topics(settings.kafka_bootstrap)
    address = f"eka-{new_article_id()[:8]}@media.example"
    await add_active(settings, "Eka", address)
    article = new_article_id()
    async with running(create_app(settings, sweep_seconds=0.3)) as client:
        invitation = approved(article, invitation_in=timedelta(days=2))
        await publish(settings, invitation)
        [mail] = await mails(mailbox, address, "[Undangan Liputan]")
        method, event = event_of(mail)
        assert method == "REQUEST" and str(event["UID"]) == f"undangan-{article}@kominfo.example"
        assert int(str(event["SEQUENCE"])) == 0
        starts = datetime.fromisoformat(invitation.data["press_invitation"]["starts_at"])
        assert event["DTSTART"].dt == starts.replace(microsecond=0)  # type: ignore[attr-defined]
        assert str(event["ATTENDEE"]) == f"mailto:{address}"
        text = plain(mail)
        yes = link(text, rf"{re.escape(base)}/undangan/rsvp/\S+jawaban=hadir", base)
        no = link(text, rf"{re.escape(base)}/undangan/rsvp/\S+jawaban=tidak_hadir", base)
        assert "/mitra/bukti/" not in text  # an invitation asks for no proof

        async def answers() -> list[tuple[str, str]]:
            report = await client.get(f"/v1/articles/{article}/rsvps",
                                      headers=auth(settings, "editor"))
            assert report.status_code == 200, report.text
            return [(a["email"], a["answer"]) for a in report.json()["answers"]]

        page = await client.get(no)  # opening it (a mail scanner) only asks
        assert page.status_code == 200 and 'value="tidak_hadir" autofocus' in page.text
        assert await answers() == []
        clicked = await client.post(yes)  # the one click: the link's own answer
        assert clicked.status_code == 200, clicked.text
        assert await answers() == [(address, "hadir")]
        action = re.search(r'action="([^"]+)"', page.text)
        assert action is not None
        await client.post(action.group(1), content="jawaban=tidak_hadir", headers=FORM)
        assert await answers() == [(address, "tidak_hadir")]

        # The sender crashed after sending, before recording it: once its lease expired the
        # delivery goes out again, and it is the same message (links, calendar, Message-ID).
        mongo = MongoHandle(settings, "notifier")
        crashed = await mongo.db["deliveries"].update_one(
            {"article_id": article, "kind": "invitation"}, {"$set": {
                "state": "sending", "lease_owner": "crashed",
                "lease_until": datetime.now(UTC) - timedelta(seconds=1)}})
        mongo.close()
        assert crashed.modified_count == 1
        first, again = await mails(mailbox, address, "[Undangan Liputan]", count=2)
        assert plain(again) == plain(first) and event_of(again) == event_of(first)
        assert again["Message-ID"] == first["Message-ID"]


async def test_a_partners_press_release_carries_a_working_proof_link(
    mail_settings: Settings, mailbox: Mailpit,
) -> None:
    settings, base = mail_settings, mail_settings.public_base_url
    await ensure_topics(settings.kafka_bootstrap)
    tag = new_article_id()[:8]
    partner, other = f"fajar-{tag}@fajar.example", f"lain-{tag}@lain.example"
    partner_id = await add_active(settings, "Fajar", partner)
    await add_active(settings, "Lain", other)
    article = new_article_id()
    mongo = MongoHandle(settings, "notifier")
    async with running(create_app(settings, sweep_seconds=0.3)) as client:
        made = await client.post("/v1/partners/outlets", headers=auth(settings, "admin"), json={
            "name": f"Harian Fajar {tag}", "dewan_pers_status": "faktual",
            "partnership_start": "2026-01-01", "partnership_end": "2026-12-31",
            "journalist_ids": [partner_id]})
        assert made.status_code == 201, made.text
        await publish(settings, approved(article), published(article))
        [mail] = await mails(mailbox, partner, "[Siaran Pers]")
        [others] = await mails(mailbox, other, "[Siaran Pers]")
        assert "/mitra/bukti/" not in plain(others)  # not a partner: no proof asked
        proof = link(plain(mail), rf"{re.escape(base)}/mitra/bukti/\S+", base)
        assert (await client.get(proof)).status_code == 200
        logged = await client.post(proof, content="url=https%3A%2F%2Ffajar.example%2Fb%2F7",
                                   headers=FORM)
        assert logged.status_code == 200, logged.text
        stored = await mongo.db["partner_proofs"].find_one({"article_id": article})
        assert stored is not None and stored["url"] == "https://fajar.example/b/7"
        assert (stored["journalist_id"], stored["via"]) == (partner_id, "link")
    mongo.close()


def corrected(invitation: dict[str, object], article: str, *, moved: timedelta,
              location: str) -> Envelope:
    data = ArticleCorrectedV1.model_validate({
        **invitation, "article_version": 4, "correction_note": "Jadwal kegiatan diundur",
        "press_invitation": {**invitation["press_invitation"],  # type: ignore[dict-item]
                             "starts_at": datetime.fromisoformat(str(
                                 invitation["press_invitation"]["starts_at"])  # type: ignore[index]
                             ) + moved, "location": location}})
    return root_event(type=ARTICLE_CORRECTED, version=1, source="editorial", subject=article,
                      data=data, correlation_id=article)


async def test_a_change_reaches_the_invited_and_moves_the_reminders_a_take_down_cancels(
    mail_settings: Settings, mailbox: Mailpit,
) -> None:
    settings = mail_settings
    await ensure_topics(settings.kafka_bootstrap)
    address = f"fitri-{new_article_id()[:8]}@media.example"
    await add_active(settings, "Fitri", address)
    article = new_article_id()
    admin = auth(settings, "admin")
    async with running(create_app(settings, sweep_seconds=0.3)) as client:
        invitation = approved(article, invitation_in=timedelta(days=3))
        await publish(settings, invitation)
        await mails(mailbox, address, "[Undangan Liputan]")
        starts = datetime.fromisoformat(invitation.data["press_invitation"]["starts_at"])
        change = corrected(invitation.data, article, moved=timedelta(days=1),
                           location="Gedung Juang 45")
        await publish(settings, change, change)  # redelivered: one notice
        [notice] = await mails(mailbox, address, "[Perubahan Undangan Liputan]")
        method, event = event_of(notice)
        assert method == "REQUEST" and str(event["UID"]) == f"undangan-{article}@kominfo.example"
        assert int(str(event["SEQUENCE"])) == 1
        moved = starts + timedelta(days=1)
        assert event["DTSTART"].dt == moved.replace(microsecond=0)  # type: ignore[attr-defined]
        assert str(event["LOCATION"]) == "Gedung Juang 45"
        text = plain(notice)
        assert "Gedung Juang 45" in text and "Aula Balai Kota" in text  # new and before
        assert "/undangan/rsvp/" in text

        async def run(at: datetime) -> int:
            response = await client.post("/v1/admin/jobs/reminders",
                                         params={"at": at.isoformat()}, headers=admin)
            assert response.status_code == 200, response.text
            return int(response.json()["created"])

        def day_before(start: datetime) -> datetime:
            return reminder_moments(start, "Asia/Makassar",
                                    settings.notifier_reminder_day_before_hour,
                                    settings.notifier_reminder_hours_before)["day_before"]

        async def recorded() -> bool:  # the main consumer has the corrected snapshot too
            mongo = MongoHandle(settings, "notifier")
            try:
                doc = await mongo.db["articles"].find_one({"_id": article})
            finally:
                mongo.close()
            return bool(doc) and doc["approved"]["article_version"] == 4
        await eventually(recorded, "the correction recorded")
        assert await run(day_before(starts)) == 0  # the old time: no reminder
        assert await run(day_before(moved)) == 1
        [reminder] = await mails(mailbox, address, "[Pengingat Undangan Liputan]")
        _, event = event_of(reminder)
        assert int(str(event["SEQUENCE"])) == 1
        assert event["DTSTART"].dt == moved.replace(microsecond=0)  # type: ignore[attr-defined]

        down = taken_down(article)
        await publish(settings, down)
        [cancel] = await mails(mailbox, address, "[Undangan Liputan Dibatalkan]")
        method, event = event_of(cancel)
        assert method == "CANCEL" and int(str(event["SEQUENCE"])) == 2
        assert str(event["STATUS"]) == "CANCELLED"
        assert await run(moved - timedelta(hours=1)) == 0  # no reminder follows



async def test_a_correction_that_drops_the_activity_cancels_it_for_those_invited(
    mail_settings: Settings, mailbox: Mailpit,
) -> None:
    settings = mail_settings
    await ensure_topics(settings.kafka_bootstrap)
    address = f"gita-{new_article_id()[:8]}@media.example"
    await add_active(settings, "Gita", address)
    article = new_article_id()
    async with running(create_app(settings, sweep_seconds=0.3)) as client:
        invitation = approved(article, invitation_in=timedelta(days=3))
        await publish(settings, invitation)
        await mails(mailbox, address, "[Undangan Liputan]")
        dropped = ArticleCorrectedV1.model_validate({
            **invitation.data, "article_version": 4, "press_invitation": None,
            "correction_note": "Kegiatan ditiadakan"})
        await publish(settings, root_event(type=ARTICLE_CORRECTED, version=1,
                                           source="editorial", subject=article, data=dropped,
                                           correlation_id=article))
        [cancel] = await mails(mailbox, address, "[Undangan Liputan Dibatalkan]")
        method, event = event_of(cancel)
        assert method == "CANCEL" and int(str(event["SEQUENCE"])) == 1
        assert "Kegiatan ditiadakan" in plain(cancel)
        down = taken_down(article)  # later taken down too: cancelled once, not twice
        await publish(settings, down)
        starts = datetime.fromisoformat(invitation.data["press_invitation"]["starts_at"])
        response = await client.post("/v1/admin/jobs/reminders", headers=auth(settings, "admin"),
                                     params={"at": (starts - timedelta(hours=1)).isoformat()})
        assert response.status_code == 200 and response.json()["created"] == 0
        await mails(mailbox, address, "[Pencabutan Siaran Pers]")  # the take-down arrived
        # (its invitation follow-up reads the same topic in another group, in order)
        assert len(await mails(mailbox, address, "[Undangan Liputan Dibatalkan]")) == 1


def test_every_invitation_notice_renders_in_indonesian_with_its_calendar() -> None:
    starts = datetime(2026, 12, 5, 1, 30, tzinfo=UTC)
    context = {"headline": "Vaksinasi <massal>", "opd_name": "Dinas Kesehatan",
               "location": "Gedung Juang 45", "contact": "Rina 0812-0000-1111",
               "starts_local": format_local(starts, "Asia/Makassar"), "reason": "Ditunda",
               "rsvp_url": "https://w.example/undangan/rsvp/t", "correction_note": "Diundur",
               "previous_local": format_local(starts - timedelta(days=1), "Asia/Makassar"),
               "previous_location": "Aula Balai Kota"}
    activity = Activity("a1", "Vaksinasi", starts, "Gedung Juang 45", "Asia/Makassar",
                        "w@k.example", "Warta")
    expected = {REMINDER: "Pengingat undangan liputan", CHANGED: "Perubahan undangan liputan",
                CANCELLED: "DIBATALKAN"}
    for kind, words in expected.items():
        method = "CANCEL" if kind == CANCELLED else "REQUEST"
        ics = calendar(activity, method=method, sequence=1, domain="k.example",
                       attendee="a@b.example", now=starts).decode()
        shown = view(kind, context, timezone="Asia/Makassar", console_url="https://w.example/")
        message = compose("id-1", kind, shown, sender="Warta <w@k.example>",
                          to_email="a@b.example", to_name="Sari", now=starts, ics=ics)
        text, html = plain(message), message.get_body(("html",))
        assert html is not None and "Vaksinasi &lt;massal&gt;" in html.get_content()
        assert words in text and "Yth. Sari" in text and "WITA" in text
        assert event_of(message)[0] == method
    changed = plain(compose("id-2", CHANGED, view(CHANGED, context, timezone="Asia/Makassar",
                                                  console_url="/"), sender="w@k.example",
                            to_email="a@b.example", to_name=None, now=starts))
    assert "Sebelumnya : Jumat, 4 Desember 2026" in changed and "Aula Balai Kota" in changed
