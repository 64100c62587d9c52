"""Messages to Warta's own users: chief editors on channel health, OPD contacts on decisions."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from services.notifier.domain import URGENT
from services.notifier.main import create_app
from services.notifier.own_users_mail import compose, view
from shared import topics
from shared.envelope import Envelope, root_event
from shared.events.accounts import ACCOUNT_CREATED, AccountCreatedV1
from shared.events.articles import (
    ARTICLE_REJECTED,
    ARTICLE_REVISION_REQUESTED,
    ArticleRejectedV1,
    ArticleRevisionRequestedV1,
)
from shared.events.channels import CHANNEL_HEALTH_CHANGED, ChannelHealthChangedV1
from shared.events.opds import (
    OPD_BEHIND_TARGET,
    OPD_REGISTERED,
    OpdBehindTargetV1,
    OpdRegisteredV1,
)
from shared.kafka import EventBus, ensure_topics, make_broker
from shared.mongo import MongoHandle
from shared.settings import Settings
from tests.conftest import running
from tests.integration.notifier.conftest import OPD, new_article_id, published
from tests.probes import caught_up, eventually
from warta_cli.mailpit import Mailpit

OWN_USERS_GROUP = "warta-notifier-own-users"  # own_users_wiring.GROUP, as Kafka names it
NOW = datetime(2026, 12, 1, 5, 0, tzinfo=UTC)


async def emit(settings: Settings, *items: tuple[str, Envelope]) -> None:
    broker = make_broker(settings, "test-own-users")
    await broker.start()
    try:
        bus = EventBus(broker)
        for topic, envelope in items:
            await bus.publish_event(topic, envelope)
    finally:
        await broker.stop()


def account(username: str, role: str, email: str) -> Envelope:
    data = AccountCreatedV1(username=username, name=username.title(), email=email,
                            role=role, active=True, account_version=1,  # type: ignore[arg-type]
                            changed_at=NOW, changed_by="bootstrap")
    return root_event(type=ACCOUNT_CREATED, version=1, source="editorial", subject=username,
                      data=data)


def health(channel: str, state: str, previous: str) -> Envelope:
    data = ChannelHealthChangedV1(channel=channel, health=state, previous=previous,
                                  reason="Error validating access token", account="@kominfo",
                                  checked_at=NOW)
    return root_event(type=CHANNEL_HEALTH_CHANGED, version=1, source="publisher",
                      subject=channel, data=data)


def opd_registered(email: str) -> Envelope:
    data = OpdRegisteredV1(opd_id=OPD.id, code=OPD.code, name=OPD.name, region=OPD.region,
                           timezone="Asia/Makassar", contact_name="Sari", contact_email=email,
                           contact_phone="+6281200001111", opd_version=1, changed_at=NOW)
    return root_event(type=OPD_REGISTERED, version=1, source="ingest", subject=OPD.id, data=data)


def decision(kind: str, report_id: str, reason: str) -> Envelope:
    fields = {"article_id": report_id, "report_id": report_id, "opd_id": OPD.id,
              "editor": "redaktur", "article_version": 2, "decided_at": NOW, "reason": reason}
    data = (ArticleRevisionRequestedV1(**fields) if kind == ARTICLE_REVISION_REQUESTED
            else ArticleRejectedV1(**fields))
    return root_event(type=kind, version=1, source="editorial", subject=report_id, data=data)


def behind(email: str) -> Envelope:
    data = OpdBehindTargetV1(
        reminder_id=f"{OPD.id}:2026-11", opd_id=OPD.id, code=OPD.code, name=OPD.name,
        month="2026-11", published=1, submitted=2, target=4, contact_name="Sari",
        contact_email=email, timezone="Asia/Makassar", sent_at=NOW,
        message="Dinas Kesehatan baru menerbitkan 1 dari 4 berita bulan ini.")
    return root_event(type=OPD_BEHIND_TARGET, version=1, source="editorial", subject=OPD.id,
                      data=data)


async def inbox(mailbox: Mailpit, address: str, count: int) -> list[str]:
    async def arrived() -> list[str] | None:
        found = [str(s["Subject"]) for s in await mailbox.summaries(f"to:{address}")]
        return found if len(found) >= count else None
    return await eventually(arrived, f"{count} emails to {address}")


async def text_of(mailbox: Mailpit, address: str, subject_start: str) -> str:
    [message] = [m for m in await mailbox.messages(f"to:{address}")
                 if str(m["Subject"]).startswith(subject_start)]
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


async def test_chief_editors_hear_once_when_a_channel_needs_reconnecting(
    mail_settings: Settings, mailbox: Mailpit,
) -> None:
    settings = mail_settings
    await ensure_topics(settings.kafka_bootstrap)
    chief, editor = "kepala@kominfo.example", "redaktur@kominfo.example"
    mongo = MongoHandle(settings, "notifier")
    async with running(create_app(settings, sweep_seconds=0.3)):
        # Other tests' health events (editorial's, the publisher's) are in the shared topic:
        # handled before this test's chief editor exists, they cannot reach them.
        await caught_up(settings.kafka_bootstrap, OWN_USERS_GROUP, topics.PUBLICATIONS)
        await caught_up(settings.kafka_bootstrap, "warta-notifier", topics.ACCOUNTS)  # all known
        await emit(settings, (topics.ACCOUNTS, account("kepala", "chief_editor", chief)),
                   (topics.ACCOUNTS, account("redaktur", "editor", editor)))

        async def projected() -> int | None:
            return await mongo.db["accounts"].count_documents(
                {"_id": {"$in": ["kepala", "redaktur"]}}) == 2 or None
        await eventually(projected, "both accounts in the notifier's projection")
        change = health("facebook", "needs_reconnect", "healthy")
        await emit(settings, (topics.PUBLICATIONS, change), (topics.PUBLICATIONS, change))
        assert await inbox(mailbox, chief, 1) == [
            "[Warta] Kanal facebook: perlu disambungkan ulang"]
        text = await text_of(mailbox, chief, "[Warta] Kanal")
        assert "Error validating access token" in text and "WITA" in text
        [record] = await mongo.db["own_messages"].find({"to_email": chief}).to_list(None)
        assert record["priority"] == URGENT and record["state"] == "sent"
        await asyncio.sleep(1.0)  # the redelivered event had its chance to send twice
        assert len(await mailbox.summaries(f"to:{chief}")) == 1
        # Every active chief editor and admin the notifier knows (other tests' accounts too:
        # the accounts topic is the session's), once each, never an editor.
        told = await mongo.db["own_messages"].find(
            {"_id": {"$regex": f"^{change.id}:"}}).to_list(None)
        heads = await mongo.db["accounts"].find(
            {"role": {"$in": ["chief_editor", "admin"]}, "active": True,
             "email": {"$nin": [None, ""]}}).to_list(None)
        assert sorted(m["to_email"] for m in told) == sorted(a["email"] for a in heads)
        assert chief in {m["to_email"] for m in told} and editor not in str(told)
    mongo.close()
    assert await mailbox.summaries(f"to:{editor}") == []


async def test_the_opd_contact_hears_of_returned_rejected_published_and_behind_target(
    mail_settings: Settings, mailbox: Mailpit,
) -> None:
    settings = mail_settings.model_copy(update={"notifier_own_published_gather_seconds": 1.5})
    await ensure_topics(settings.kafka_bootstrap)
    contact = f"humas-{new_article_id()[:8]}@dinkes.example"
    returned, rejected, article = new_article_id(), new_article_id(), new_article_id()
    async with running(create_app(settings, sweep_seconds=0.3, backoff_base=0.2)):
        # The decision comes before the OPD's contact is known: it waits for it.
        back = decision(ARTICLE_REVISION_REQUESTED, returned, "Foto kegiatan belum dilampirkan")
        await emit(settings, (topics.ARTICLES, back), (topics.ARTICLES, back))
        await emit(settings, (topics.OPDS, opd_registered(contact)))
        no = decision(ARTICLE_REJECTED, rejected, "Bukan kegiatan OPD")
        await emit(settings, (topics.ARTICLES, no), (topics.ARTICLES, no),
                   (topics.PUBLICATIONS, published(article)),
                   (topics.PUBLICATIONS, published(article, channel="telegram")),
                   (topics.OPDS, behind(contact)), (topics.OPDS, behind(contact)))
        got = await inbox(mailbox, contact, 4)
        assert sorted(got) == sorted([
            f"[Warta] Laporan {returned} dikembalikan untuk diperbaiki",
            f"[Warta] Laporan {rejected} ditolak",
            "[Warta] Terbit: Vaksinasi massal di Makassar",
            "[Warta] Pengingat laporan bulanan 2026-11"])
        assert "Foto kegiatan belum dilampirkan" in await text_of(mailbox, contact,
                                                                  f"[Warta] Laporan {returned}")
        links = await text_of(mailbox, contact, "[Warta] Terbit")
        assert f"website: https://kota.example/berita/{article}" in links
        assert f"telegram: https://kota.example/berita/{article}" in links
        assert "1 berita terbit" in await text_of(mailbox, contact, "[Warta] Pengingat")
        await asyncio.sleep(1.0)
        assert len(await mailbox.summaries(f"to:{contact}")) == 4


def test_every_own_user_template_renders_in_text_and_html() -> None:
    contexts = {
        "channel_health": {"channel": "x", "health": "unreachable", "previous": "healthy",
                           "reason": None, "account": None, "checked_at": NOW.isoformat()},
        "report_returned": {"report_id": "r1", "reason": "<b>Kurang</b>",
                            "decided_at": NOW.isoformat()},
        "report_rejected": {"report_id": "r1", "reason": "Bukan berita",
                            "decided_at": NOW.isoformat()},
        "report_published": {"article_id": "a1", "headline": "Judul",
                             "links": [{"channel": "website", "url": "https://k.example/a1"}]},
        "behind_target": {"name": "Dinkes", "month": "2026-11", "published": 0, "submitted": 0,
                          "target": 4, "message": "Belum ada berita.",
                          "timezone": "Asia/Jayapura"},
    }
    for kind, context in contexts.items():
        shown = view(kind, context, timezone="Asia/Jayapura", console_url="https://w.example/")
        message = compose("id-1", kind, shown, sender="Warta <w@k.example>",
                          to_email="a@b.example", to_name="Sari", now=NOW)
        html = message.get_body(("html",))
        text = message.get_body(("plain",))
        assert html is not None and text is not None
        assert "Yth. Sari" in text.get_content() and "https://w.example/" in html.get_content()
    escaped = compose("id-2", "report_returned", view("report_returned",
                      contexts["report_returned"], timezone="Asia/Jayapura", console_url="/"),
                      sender="w@k.example", to_email="a@b.example", to_name=None, now=NOW)
    body = escaped.get_body(("html",))
    assert body is not None and "&lt;b&gt;Kurang&lt;/b&gt;" in body.get_content()
