"""Messages to Warta's own users by WhatsApp where a number is set, beside the email: the
approved templates (checked against their parameters), read back from the contract server."""

from __future__ import annotations

from typing import Any

import pytest

from services.editorial.main import create_app as editorial_app
from services.notifier.main import create_app
from services.notifier.own_users_mail import view
from services.notifier.own_users_whatsapp import template_for
from services.notifier.whatsapp_templates import TEMPLATES, check
from shared import topics
from shared.envelope import Envelope, root_event
from shared.events.accounts import ACCOUNT_CREATED, AccountCreatedV1
from shared.events.articles import ARTICLE_REVISION_REQUESTED, ArticleRevisionRequestedV1
from shared.events.opds import (
    OPD_BEHIND_TARGET,
    OPD_REGISTERED,
    OpdBehindTargetV1,
    OpdRegisteredV1,
)
from shared.kafka import ensure_topics
from shared.mongo import MongoHandle
from shared.settings import Settings
from tests.conftest import running
from tests.integration.accounts.test_account_lifecycle import PASSWORD, bearer, login
from tests.integration.notifier.conftest import new_article_id
from tests.integration.notifier.test_own_users import NOW, emit, health, inbox
from tests.integration.notifier.whatsapp_steps import (
    VERIFY_TOKEN,
    messages_to,
    sandbox,
    stored,
    whatsapp_settings,
)
from tests.probes import eventually
from tests.serving import served
from warta_cli.admin import create_first_admin
from warta_cli.infra import free_port
from warta_cli.mailpit import Mailpit

CONTEXTS: dict[str, dict[str, Any]] = {
    "channel_health": {"channel": "x", "health": "unreachable", "previous": "healthy",
                       "reason": None, "account": None, "checked_at": NOW.isoformat()},
    "report_returned": {"report_id": "r1", "reason": "Foto\nbelum ada",
                        "decided_at": NOW.isoformat()},
    "report_rejected": {"report_id": "r1", "reason": "Bukan berita",
                        "decided_at": NOW.isoformat()},
    "report_published": {"article_id": "a1", "headline": "Judul", "links": []},
    "behind_target": {"name": "Dinkes", "month": "2026-11", "published": 0, "submitted": 0,
                      "target": 4, "message": "Belum ada berita.", "timezone": "Asia/Jayapura"},
}


def chief(username: str, email: str, phone: str) -> Envelope:
    data = AccountCreatedV1(username=username, name="Kepala", email=email, phone=phone,
                            role="chief_editor", active=True, account_version=1,
                            changed_at=NOW, changed_by="bootstrap")
    return root_event(type=ACCOUNT_CREATED, version=1, source="editorial", subject=username,
                      data=data)


def opd_registered(opd_id: str, email: str, phone: str) -> Envelope:
    data = OpdRegisteredV1(opd_id=opd_id, code="DINKES", name="Dinas Kesehatan",
                           region="Kota Makassar", timezone="Asia/Makassar", contact_name="Sari",
                           contact_email=email, contact_phone=phone, opd_version=1,
                           changed_at=NOW)
    return root_event(type=OPD_REGISTERED, version=1, source="ingest", subject=opd_id, data=data)


def sent_back(opd_id: str, report_id: str, reason: str) -> Envelope:
    data = ArticleRevisionRequestedV1(article_id=report_id, report_id=report_id, opd_id=opd_id,
                                      editor="redaktur", article_version=2, decided_at=NOW,
                                      reason=reason)
    return root_event(type=ARTICLE_REVISION_REQUESTED, version=1, source="editorial",
                      subject=report_id, data=data)


def test_every_own_user_kind_has_a_template_whose_parameters_fit() -> None:
    for kind, context in CONTEXTS.items():
        shown = view(kind, context, timezone="Asia/Jayapura", console_url="https://w.example/")
        chosen = template_for(kind, shown)
        assert chosen is not None, kind
        check(TEMPLATES[chosen[0]], chosen[1])  # raises TemplateMismatch if they do not fit
        assert TEMPLATES[chosen[0]].category == "utility"
    assert template_for("invitation_reminder", {"console_url": "/"}) is None


def parameters(message: dict[str, Any]) -> list[str]:
    return [p["text"] for p in message["template"]["components"][0]["parameters"]]


async def test_a_chief_editor_and_an_opd_contact_with_numbers_get_whatsapp_and_email(
    mail_settings: Settings, mailbox: Mailpit, sandboxes: dict[str, str],
) -> None:
    base = sandboxes["whatsapp"]
    await sandbox(base, "/_sandbox/config", {"pair_interval_seconds": 0})
    settings = whatsapp_settings(mail_settings, base)
    await ensure_topics(settings.kafka_bootstrap)
    tag = new_article_id()[:8]
    opd_id = f"opd-{tag}"
    head, contact = f"kepala-{tag}@kominfo.example", f"humas-{tag}@dinkes.example"
    mongo = MongoHandle(settings, "notifier")
    async with running(create_app(settings, sweep_seconds=0.3, backoff_base=0.2)):
        await emit(settings, (topics.ACCOUNTS, chief(f"kepala-{tag}", head, "+6281270000555")),
                   (topics.OPDS, opd_registered(opd_id, contact, "0812-7000-0666")))

        async def projected() -> bool | None:
            return (await mongo.db["accounts"].count_documents({"_id": f"kepala-{tag}"}) == 1
                    and await stored(settings, "opd_contacts", opd_id) is not None
                    ) or None
        await eventually(projected, "the chief editor and the OPD known to the notifier")
        returned = new_article_id()
        await emit(settings, (topics.PUBLICATIONS, health("x", "unreachable", "healthy")),
                   (topics.ARTICLES, sent_back(opd_id, returned,
                                               "Foto kegiatan belum dilampirkan")))
        # Other tests' health events may still be in the topic's backlog and reach this chief
        # editor too: look for this one, not for an inbox of one.
        async def alerted() -> bool | None:
            subjects = [str(m["Subject"]) for m in await mailbox.summaries(f"to:{head}")]
            return "[Warta] Kanal x: tidak dapat dihubungi" in subjects or None
        await eventually(alerted, "the chief editor's email alert about x")
        assert await inbox(mailbox, contact, 1) == [
            f"[Warta] Laporan {returned} dikembalikan untuk diperbaiki"]

        async def on_whatsapp(number: str, name: str, first: str | None = None
                              ) -> dict[str, Any] | None:
            found = [m for m in await messages_to(base, number)
                     if m["template"]["name"] == name
                     and (first is None or parameters(m)[0] == first)]
            return found[-1] if found else None
        alert = await eventually(lambda: on_whatsapp("+6281270000555", "kesehatan_kanal", "x"),
                                 "the chief editor's WhatsApp alert")
        assert alert["template"]["language"]["code"] == "id"
        assert parameters(alert)[:4] == ["x", "tidak dapat dihubungi", "sehat",
                                         "Error validating access token"]
        back = await eventually(lambda: on_whatsapp("+6281270000666", "laporan_dikembalikan"),
                                "the OPD contact's WhatsApp notice")
        assert parameters(back)[:2] == [returned, "Foto kegiatan belum dilampirkan"]

        async def settled() -> dict[str, Any] | None:
            return await mongo.db["own_messages"].find_one(
                {"to_phone": "+6281270000555", "channel": "whatsapp", "state": "sent",
                 "answer": f"accepted {alert['id']}"})
        copy = await eventually(settled, "the WhatsApp copy recorded as sent")
        assert copy["answer"] == f"accepted {alert['id']}" and copy["sent_to"] == "+6281270000555"
    mongo.close()


async def test_an_editor_accounts_phone_is_kept_as_e164_and_reaches_the_notifier(
    settings: Settings,
) -> None:
    head = f"kepala-{new_article_id()[:6]}"
    await ensure_topics(settings.kafka_bootstrap)
    await create_first_admin(settings, username=head, name="Kepala Bidang",
                             email=f"{head}@diskominfo.example", password=PASSWORD)
    mongo = MongoHandle(settings, "notifier")
    async with running(editorial_app(settings)) as editorial, running(create_app(settings)):
        admin = bearer((await login(editorial, head))["access_token"])
        account = {"username": f"{head}-2", "name": "Redpel", "role": "chief_editor",
                   "email": f"{head}-2@diskominfo.example", "password": PASSWORD}
        bad = await editorial.post("/v1/admin/accounts", headers=admin,
                                   json={**account, "phone": "12"})
        assert bad.status_code == 422 and "nomor telepon" in bad.text
        created = await editorial.post("/v1/admin/accounts", headers=admin,
                                       json={**account, "phone": "0812-7000-0777"})
        assert created.status_code == 201, created.text
        assert created.json()["phone"] == "+6281270000777"

        async def projected() -> dict[str, Any] | None:
            found: dict[str, Any] | None = await mongo.db["accounts"].find_one(
                {"_id": f"{head}-2", "phone": {"$ne": None}})
            return found
        assert (await eventually(projected, "the phone in the notifier"))["phone"] == (
            "+6281270000777")
        cleared = await editorial.patch(f"/v1/admin/accounts/{head}-2", headers=admin,
                                        json={"phone": ""})
        assert cleared.status_code == 200, cleared.text
        assert await eventually(lambda: mongo.db["accounts"].find_one(
            {"_id": f"{head}-2", "account_version": 2, "phone": None}), "the phone removed")
    mongo.close()


def behind(opd_id: str, email: str, phone: str) -> Envelope:
    data = OpdBehindTargetV1(
        reminder_id=f"{opd_id}:2026-11", opd_id=opd_id, code="DINKES", name="Dinas Kesehatan",
        month="2026-11", published=1, submitted=2, target=4, contact_name="Sari",
        contact_email=email, contact_phone=phone, timezone="Asia/Makassar", sent_at=NOW,
        message="Dinas Kesehatan baru menerbitkan 1 dari 4 berita bulan ini.")
    return root_event(type=OPD_BEHIND_TARGET, version=1, source="editorial", subject=opd_id,
                      data=data)


@pytest.mark.parametrize(("code", "state"), [(131026, "dead"), (130429, "sent")])
async def test_whatsapp_errors_on_a_staff_message_are_mapped_as_for_journalists(
    mail_settings: Settings, mailbox: Mailpit, sandboxes: dict[str, str], code: int, state: str,
) -> None:
    base = sandboxes["whatsapp"]
    await sandbox(base, "/_sandbox/config", {"pair_interval_seconds": 0})
    settings = whatsapp_settings(mail_settings, base)
    await ensure_topics(settings.kafka_bootstrap)
    opd_id, number = f"opd-{new_article_id()[:8]}", f"+628127200{code % 10000:04d}"
    contact = f"humas@{opd_id}.example"
    await sandbox(base, "/_sandbox/faults", {"code": code, "to": number.lstrip("+")})
    async with running(create_app(settings, sweep_seconds=0.3, backoff_base=0.2)):
        await emit(settings, (topics.OPDS, behind(opd_id, contact, number)))
        assert await inbox(mailbox, contact, 1) == ["[Warta] Pengingat laporan bulanan 2026-11"]

        async def settled() -> dict[str, Any] | None:
            found = await stored(settings, "own_messages", f"behind:{opd_id}:2026-11:whatsapp")
            return found if found and found["state"] in ("sent", "dead") else None
        record = await eventually(settled, "the WhatsApp copy settled")
        assert record["state"] == state
        sent = await messages_to(base, number)
        assert [m["template"]["name"] for m in sent] == (
            ["kepatuhan_tertinggal"] if state == "sent" else [])
        if state == "dead":
            assert f"code {code}" in record["error"] and record["attempts"] == 1


async def test_a_staff_whatsapp_copys_statuses_come_back_by_the_signed_webhook(
    mail_settings: Settings, mailbox: Mailpit, sandboxes: dict[str, str],
) -> None:
    """They were dropped: the webhook looked for journalists' deliveries only."""
    base = sandboxes["whatsapp"]
    await sandbox(base, "/_sandbox/config", {"pair_interval_seconds": 0, "undeliverable": []})
    settings = whatsapp_settings(mail_settings, base)
    await ensure_topics(settings.kafka_bootstrap)
    opd_id, number = f"opd-{new_article_id()[:8]}", "+6281272003333"
    contact = f"humas@{opd_id}.example"
    with served(create_app(settings, sweep_seconds=0.3, backoff_base=0.2),
                free_port()) as notifier:
        hook = await sandbox(base, "/_sandbox/webhook", {
            "url": f"{notifier}/v1/whatsapp/webhook", "verify_token": VERIFY_TOKEN})
        assert hook["verified"] is True
        await emit(settings, (topics.OPDS, behind(opd_id, contact, number)))

        async def delivered() -> dict[str, Any] | None:
            found = await stored(settings, "own_messages", f"behind:{opd_id}:2026-11:whatsapp")
            # The statuses may come before the sender records its own outcome: wait for both.
            return found if found and found.get("provider_status") == "delivered" and found[
                "state"] == "sent" and found.get("provider_id") else None
        record = await eventually(delivered, "the staff copy sent and its delivered status")
    [message] = [m for m in await messages_to(base, number)
                 if m["template"]["name"] == "kepatuhan_tertinggal"]
    assert record["provider_id"] == message["id"] and record["state"] == "sent"
    assert [step["status"] for step in record["provider_log"]] == ["sent", "delivered"]
