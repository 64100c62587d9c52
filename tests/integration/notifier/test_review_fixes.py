"""The review's notifier defects, each on the real broker, database and SMTP server: a poison
delivery in an email batch, racing and repeated sign-ups, the export's secrets, digest retries."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.notifier import domain
from services.notifier.delivery_repository import DeliveryRepository
from services.notifier.digest_job import DigestJob
from services.notifier.digest_repository import DigestRepository
from services.notifier.mailer import Mailer
from services.notifier.main import create_app
from services.notifier.repository import ArticleRepository, JournalistRepository
from shared.envelope import utcnow
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
)
from tests.integration.notifier.signup_steps import confirmation_path, sign_up
from tests.probes import eventually, publish
from warta_cli.mailpit import Mailpit

LEASE = timedelta(seconds=3)


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}@media.example"


async def test_a_poison_delivery_neither_resends_its_batch_nor_retries_forever(
    mail_settings: Settings, mailbox: Mailpit, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(domain, "SENDING_LEASE", LEASE)  # a swallowed batch re-sends soon
    settings = mail_settings
    await ensure_topics(settings.kafka_bootstrap)
    healthy = [unique("andi"), unique("budi"), unique("citra")]
    poisoned = unique("eko")
    for address in healthy:
        await add_active(settings, address.split("-")[0].title(), address)
    broken = await add_active(settings, "Eko", poisoned)
    # A record imported without its token nonce: rendering its unsubscribe link raises.
    mongo = MongoHandle(settings, "notifier")
    try:
        await mongo.db["journalists"].update_one(
            {"_id": broken}, {"$unset": {"token_nonce": "", "unsubscribe_hash": ""}})
    finally:
        mongo.close()
    article_id = new_article_id()
    async with running(create_app(settings, backoff_base=0.05, sweep_seconds=0.3)) as client:
        # Its own headline: other tests' articles of this session reach these journalists too.
        headline = f"Rilis uji {article_id}"
        await publish(settings, approved(article_id, headline=headline), published(article_id))
        mine = {*healthy, poisoned}

        async def settled() -> list[dict[str, object]] | None:
            items = [d for d in await deliveries(client, settings, article_id)
                     if d["recipient"] in mine]
            done = [d for d in items if d["state"] in ("sent", "dead")]
            return items if len(items) == len(mine) == len(done) else None

        items = await eventually(settled, "every delivery sent or dead", patience=90.0)
        # Room for a lease to lapse: a batch that lost track of its sends would repeat them.
        await asyncio.sleep(LEASE.total_seconds() + 1)
        states = {d["recipient"]: d["state"] for d in await deliveries(client, settings,
                                                                      article_id)}
    assert {a: states[a] for a in healthy} == dict.fromkeys(healthy, "sent")
    assert states[poisoned] == "dead"
    dead = next(d for d in items if d["recipient"] == poisoned)
    assert dead["attempts"] == domain.MAX_ATTEMPTS
    async def of_this_article(address: str) -> list[object]:
        return [m for m in await mailbox.messages(f"to:{address}")
                if headline in str(m["Subject"])]

    for address in healthy:
        assert len(await of_this_article(address)) == 1, address
    assert await of_this_article(poisoned) == []


def browser(ip: str) -> dict[str, str]:
    return {"User-Agent": "Mozilla/5.0 (uji)", "X-Forwarded-For": ip}


async def stored(settings: Settings, email: str) -> dict[str, object]:
    mongo = MongoHandle(settings, "notifier")
    try:
        found = await mongo.db["journalists"].find_one({"email": email})
    finally:
        mongo.close()
    assert found is not None
    return dict(found)


async def test_two_concurrent_sign_ups_of_one_new_address_both_answer_202(
    mail_settings: Settings, mailbox: Mailpit,
) -> None:
    await ensure_topics(mail_settings.kafka_bootstrap)
    address = unique("kembar")
    async with running(create_app(mail_settings)) as client:
        answers = await asyncio.gather(
            sign_up(client, address, headers=browser("203.0.113.21")),
            sign_up(client, address, headers=browser("203.0.113.22")))
        assert [a.status_code for a in answers] == [202, 202], [a.text for a in answers]
        await eventually(lambda: mailbox.messages(f"to:{address}"), "a confirmation email")


async def test_a_second_sign_up_of_a_pending_address_changes_nothing_of_the_first(
    mail_settings: Settings, mailbox: Mailpit,
) -> None:
    await ensure_topics(mail_settings.kafka_bootstrap)
    address = unique("rina")
    async with running(create_app(mail_settings)) as client:
        first = await sign_up(client, address, whatsapp="0812-3456-7890",
                              headers=browser("203.0.113.31"))
        assert first.status_code == 202, first.text
        [mail] = await eventually(lambda: mailbox.messages(f"to:{address}"), "the first email")
        link = confirmation_path(mail)
        before = await stored(mail_settings, address)
        second = await sign_up(client, address, whatsapp="0813-9999-0000",
                               headers=browser("198.51.100.32"), name="Penyusup")
        assert second.status_code == 202, second.text
        after = await stored(mail_settings, address)
        assert (after["name"], after["whatsapp"]) == ("Rina Lestari", "+6281234567890")
        assert after["confirm_nonce"] == before["confirm_nonce"]
        assert after["signup_consents"] == before["signup_consents"]
        done = await client.post(link, headers={"Accept": "application/json"})
        assert done.status_code == 200, done.text


async def test_the_data_export_carries_no_secret(
    mail_settings: Settings, mailbox: Mailpit,
) -> None:
    await ensure_topics(mail_settings.kafka_bootstrap)
    address = unique("sari")
    journalist_id = await add_active(mail_settings, "Sari", address)
    mongo = MongoHandle(mail_settings, "notifier")
    try:  # as a webhook registration and a Telegram binding in progress leave them
        await mongo.db["journalists"].update_one({"_id": journalist_id}, {"$set": {
            "webhook": {"url": "https://hook.example/in", "secret": "whsec_rahasia",
                        "active": True, "failures": 0},
            "telegram_bind": {"nonce": "ikatan-rahasia", "expires_at": utcnow()}}})
    finally:
        mongo.close()
    async with running(create_app(mail_settings)) as client:
        export = await client.get(f"/v1/journalists/{journalist_id}/export",
                                  headers=auth(mail_settings, "admin"))
    assert export.status_code == 200, export.text
    person = export.json()["journalist"]
    assert person["webhook"]["url"] == "https://hook.example/in"
    for secret in ("whsec_rahasia", "ikatan-rahasia", "token_nonce", "unsubscribe_hash",
                   "telegram_bind", "confirm_nonce"):
        assert secret not in export.text, secret


async def test_a_broken_digest_holds_up_no_other_and_ends_dead_after_bounded_attempts(
    mail_settings: Settings, mailbox: Mailpit,
) -> None:
    settings = mail_settings
    poison = await add_active(settings, "Eko", unique("eko"))
    gone = await add_active(settings, "Fajar", unique("fajar"))
    due_at = datetime(2020, 1, 1, 1, tzinfo=UTC)  # before any other test's digest
    article_id = new_article_id()
    mongo = MongoHandle(settings, "notifier")
    try:
        db = mongo.db
        await db["journalists"].update_one({"_id": poison}, {"$unset": {"token_nonce": ""}})
        await db["journalists"].update_one({"_id": gone}, {"$set": {"active": False}})
        await db["articles"].insert_one({
            "_id": article_id, "approved": {"headline": "Vaksinasi massal"},
            "published": {"url": f"https://kota.example/berita/{article_id}"}})
        keys = []
        for offset, journalist_id in enumerate((poison, gone)):
            key = f"{journalist_id}:review"
            keys.append(key)
            await db["digests"].insert_one({
                "_id": key, "journalist_id": journalist_id, "state": "pending",
                "due_at": due_at + timedelta(minutes=offset), "zone": "WITA",
                "article_ids": [article_id], "attempts": 0, "error": None,
                "lease_owner": None, "lease_until": None, "created_at": due_at})
        job = DigestJob(settings, DigestRepository(db), journalists=JournalistRepository(db),
                        articles=ArticleRepository(db), deliveries=DeliveryRepository(db),
                        mailer=Mailer(settings))
        first = await job.run(due_at + timedelta(hours=1))
        assert first == {"sent": 0, "skipped": 1}
        for _ in range(domain.MAX_ATTEMPTS):
            await job.run(due_at + timedelta(hours=1))
        broken = await db["digests"].find_one({"_id": keys[0]})
        skipped = await db["digests"].find_one({"_id": keys[1]})
    finally:
        mongo.close()
    assert broken is not None and skipped is not None
    assert (broken["state"], broken["attempts"]) == ("dead", domain.MAX_ATTEMPTS)
    assert skipped["state"] == "cancelled"
    assert await mailbox.messages() == []
