"""Sign-up with consent on the real broker, database and a real SMTP server: double opt-in,
consent records, export and erasure, admin-added journalists, the re-confirmation job."""

from __future__ import annotations

import asyncio
from email.message import EmailMessage

import httpx

from services.notifier.main import create_app
from shared.kafka import ensure_topics
from shared.mongo import MongoHandle
from shared.settings import Settings
from tests.conftest import running
from tests.integration.notifier.conftest import (
    approved,
    auth,
    deliveries,
    new_article_id,
    published,
)
from tests.integration.notifier.signup_steps import confirmation_path, sign_up
from tests.probes import eventually, publish
from warta_cli.mailpit import Mailpit

BROWSER = {"User-Agent": "Mozilla/5.0 (uji)", "X-Forwarded-For": "203.0.113.7"}


async def mails_to(mailbox: Mailpit, address: str) -> list[EmailMessage]:
    return [m for m in await mailbox.messages() if address in str(m["To"])]


async def one_mail(mailbox: Mailpit, address: str) -> EmailMessage:
    async def probe() -> EmailMessage | None:
        found = await mails_to(mailbox, address)
        return found[0] if found else None
    return await eventually(probe, f"a confirmation email to {address}")


async def add(client: httpx.AsyncClient, settings: Settings, name: str, email: str) -> str:
    """An admin adds a journalist: pending until they confirm."""
    response = await client.post("/v1/journalists", headers=auth(settings, "admin"),
                                 json={"name": name, "email": email})
    assert response.status_code == 201, response.text
    journalist_id: str = response.json()["id"]
    return journalist_id


async def test_double_opt_in_records_consent_and_sends_nothing_before_the_link_is_used(
    mail_settings: Settings, mailbox: Mailpit,
) -> None:
    settings = mail_settings
    await ensure_topics(settings.kafka_bootstrap)
    async with running(create_app(settings)) as client:
        answer = await sign_up(client, "rina@harian.example", headers=BROWSER)
        assert answer.status_code == 202, answer.text
        assert answer.json()["status"] == "pending"
        mail = await one_mail(mailbox, "rina@harian.example")
        assert "Konfirmasi" in str(mail["Subject"])

        # Pending: an article approved and published now reaches nobody.
        article_id = new_article_id()
        await publish(settings, approved(article_id), published(article_id))
        await asyncio.sleep(3)
        assert await deliveries(client, settings, article_id) == []

        path = confirmation_path(mail)
        page = await client.get(path)  # a mail scanner's prefetch changes nothing
        assert page.status_code == 200 and "<script" not in page.text
        assert "unsafe-inline" not in page.headers["content-security-policy"]
        done = await client.post(path, headers={**BROWSER, "Accept": "application/json",
                                                "X-Forwarded-For": "198.51.100.9"})
        assert done.status_code == 200, done.text
        again = await client.post(path, headers={"Accept": "application/json"})
        assert again.status_code == 409 and again.json()["error"]["code"] == "link_used"
        assert "sudah dipakai" in again.json()["error"]["message"]

        listed = (await client.get("/v1/journalists", headers=auth(settings, "editor"))).json()
        rina = next(j for j in listed["items"] if j["email"] == "rina@harian.example")
        assert rina["active"] is True
        export = await client.get(f"/v1/journalists/{rina['id']}/export",
                                  headers=auth(settings, "admin"))
        consent = export.json()["journalist"]["consents"]["email"]
        assert consent["text_version"] == "2026-12-01.1" and consent["basis"] == "signup"
        assert consent["from"] == {"ip": "203.0.113.7", "user_agent": "Mozilla/5.0 (uji)"}
        assert consent["confirmed_from"]["ip"] == "198.51.100.9"
        assert "pending_expires_at" not in export.json()["journalist"]

        later = new_article_id()
        await publish(settings, approved(later), published(later))
        sent = await eventually(lambda: _sent(client, settings, later), "the press release")
        assert [d["recipient"] for d in sent] == ["rina@harian.example"]


async def _sent(client: httpx.AsyncClient, settings: Settings, article_id: str
                ) -> list[dict[str, object]]:
    items = await deliveries(client, settings, article_id)
    return items if items and all(d["state"] == "sent" for d in items) else []


async def test_unconfirmed_entries_expire_by_a_ttl_index_and_admins_add_pending_journalists(
    mail_settings: Settings, mailbox: Mailpit,
) -> None:
    settings = mail_settings.model_copy(update={"notifier_signup_ttl_hours": 2.0})
    async with running(create_app(settings)) as client:
        journalist_id = await add(client, settings, "Budi", "budi@media.example")
        mail = await one_mail(mailbox, "budi@media.example")
        listed = (await client.get("/v1/journalists", headers=auth(settings, "editor"))).json()
        assert [j["active"] for j in listed["items"] if j["id"] == journalist_id] == [False]
        mongo = MongoHandle(settings, "notifier")
        try:
            indexes = await mongo.db["journalists"].index_information()
            ttl = [i for i in indexes.values() if i["key"] == [("pending_expires_at", 1)]]
            assert ttl and ttl[0]["expireAfterSeconds"] == 0
            stored = await mongo.db["journalists"].find_one({"_id": journalist_id})
            assert stored is not None
            hours = (stored["pending_expires_at"] - stored["created_at"]).total_seconds() / 3600
            assert round(hours, 3) == 2.0
        finally:
            mongo.close()
        done = await client.post(confirmation_path(mail), headers={"Accept": "application/json"})
        assert done.status_code == 200
        export = (await client.get(f"/v1/journalists/{journalist_id}/export",
                                   headers=auth(settings, "admin"))).json()
        assert export["journalist"]["consents"]["email"]["basis"] == "confirmation"


async def test_erasure_leaves_only_the_suppression_and_an_admin_cannot_re_add_the_address(
    mail_settings: Settings, mailbox: Mailpit,
) -> None:
    settings = mail_settings
    async with running(create_app(settings)) as client:
        journalist_id = await add(client, settings, "Citra", "citra@media.example")
        admin = auth(settings, "admin")
        assert (await client.delete(f"/v1/journalists/{journalist_id}",
                                    headers=admin)).status_code == 204
        gone = await client.get(f"/v1/journalists/{journalist_id}/export", headers=admin)
        assert gone.status_code == 404
        again = await client.post("/v1/journalists", headers=admin,
                                  json={"name": "Citra", "email": "citra@media.example"})
        assert again.status_code == 409 and again.json()["error"]["code"] == "suppressed"
        mongo = MongoHandle(settings, "notifier")
        try:
            suppressions = [doc async for doc in mongo.db["suppressions"].find()]
            assert len(suppressions) == 1 and "citra" not in str(suppressions)
            assert await mongo.db["journalists"].count_documents({}) == 0
        finally:
            mongo.close()
        # The person may sign up again themselves; their confirmation lifts the suppression.
        assert (await sign_up(client, "citra@media.example")).status_code == 202
        mails = await eventually(lambda: _mails(mailbox, "citra@media.example", 2), "2 mails")
        ok = await client.post(confirmation_path(mails[-1]),
                               headers={"Accept": "application/json"})
        assert ok.status_code == 200


async def _mails(mailbox: Mailpit, address: str, count: int) -> list[EmailMessage] | None:
    found = await mails_to(mailbox, address)
    return found if len(found) >= count else None


async def test_journalists_from_before_consent_records_are_asked_once(
    mail_settings: Settings, mailbox: Mailpit,
) -> None:
    settings = mail_settings
    async with running(create_app(settings)) as client:
        mongo = MongoHandle(settings, "notifier")
        try:
            await mongo.db["journalists"].insert_one({
                "_id": "old-1", "name": "Dewi", "email": "dewi@media.example", "active": True,
                "opd_ids": [], "categories": [], "token_nonce": "n" * 16})
        finally:
            mongo.close()
        admin = auth(settings, "admin")
        first = await client.post("/v1/journalists/reconfirm", headers=admin)
        assert first.json() == {"asked": 1}
        assert (await client.post("/v1/journalists/reconfirm", headers=admin)).json() == {
            "asked": 0}
        mail = await one_mail(mailbox, "dewi@media.example")
        assert "tetap menerima" in confirmation_text(mail)


def confirmation_text(message: EmailMessage) -> str:
    from tests.integration.notifier.signup_steps import text_of
    return text_of(message)
