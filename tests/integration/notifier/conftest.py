"""Notifier test wiring: Mailpit (real SMTP, read by its API), real events, the real broker."""

from __future__ import annotations

import contextlib
import os
import signal
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest

from shared.auth import Principal, issue_token
from shared.envelope import Envelope, root_event
from shared.events.articles import (
    ARTICLE_APPROVED,
    ARTICLE_TAKEN_DOWN,
    ArticleApprovedV1,
    ArticleTakenDownV1,
)
from shared.events.common import OpdRef, PressInvitation
from shared.events.publications import PUBLICATION_PUBLISHED, PublicationPublishedV1
from shared.settings import Settings
from tests.conftest import Infra
from warta_cli import infra
from warta_cli.infra import free_port
from warta_cli.mailpit import Mailpit

OPD = OpdRef(id="opd-dinkes", code="DINKES", name="Dinas Kesehatan", region="Kota Makassar",
             timezone="Asia/Makassar")


PUBLIC_BASE_URL = "https://warta.example.go.id"


@pytest.fixture
async def mailbox(real_infra: Infra) -> AsyncIterator[Mailpit]:
    """The session's Mailpit, emptied and with its chaos off: this test's mail only."""
    mailpit = Mailpit(real_infra.mailpit_api)
    await mailpit.delete_all()
    await mailpit.chaos()
    yield mailpit
    await mailpit.chaos()


@pytest.fixture
def mail_settings(settings: Settings, mailbox: Mailpit) -> Settings:
    return settings.model_copy(update={"smtp_from": "Warta <warta@kominfo.example>",
                                       "public_base_url": PUBLIC_BASE_URL})


@contextlib.contextmanager
def private_mailpit(directory: Path, *extra: str, smtp_port: int | None = None
                    ) -> Iterator[tuple[Mailpit, int, int]]:
    """A Mailpit of this test's own (e.g. refusing some recipients, or to be paused):
    (client, SMTP port, pid)."""
    smtp_port, http_port = smtp_port or free_port(), free_port()
    process = infra.start_mailpit(infra.install_mailpit(), directory, smtp_port, http_port,
                                  extra)
    try:
        infra.wait_mailpit_ready(smtp_port, http_port, process)
        yield Mailpit(infra.mailpit_api(http_port)), smtp_port, process.popen.pid
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.popen.pid, signal.SIGCONT)
        infra.stop(process)


async def add_active(settings: Settings, name: str, email: str, *,
                     opd_ids: list[str] | None = None, categories: list[str] | None = None,
                     ) -> str:
    """A journalist who has confirmed already (sign-up and consent are tested on their own)."""
    from services.notifier import domain
    from services.notifier.repository import JournalistRepository
    from shared.envelope import new_id, utcnow
    from shared.mongo import MongoHandle

    journalist_id, nonce = new_id(), domain.new_token_nonce()
    token = domain.unsubscribe_token(settings.unsubscribe_secret.get_secret_value(),
                                     journalist_id, nonce)
    mongo = MongoHandle(settings, "notifier")
    try:
        repository = JournalistRepository(mongo.db)
        await repository.ensure_indexes()
        await repository.collection.insert_one({
            "_id": journalist_id, "name": name, "email": email, "whatsapp": None,
            "telegram": None, "opd_ids": opd_ids or [], "categories": categories or [],
            "active": True, "token_nonce": nonce, "unsubscribe_hash": domain.token_hash(token),
            "created_at": utcnow(), "updated_at": utcnow()})
    finally:
        mongo.close()
    return journalist_id


def auth(settings: Settings, role: str) -> dict[str, str]:
    token, _ = issue_token(settings, Principal(subject=f"test-{role}", role=role))
    return {"Authorization": f"Bearer {token}"}


def approved(article_id: str, *, headline: str = "Vaksinasi massal di Makassar",
             category: str = "kesehatan", invitation_in: timedelta | None = None,
             opd: OpdRef = OPD) -> Envelope:
    invitation = None
    if invitation_in is not None:
        invitation = PressInvitation(starts_at=datetime.now(UTC) + invitation_in,
                                     location="Aula Balai Kota", contact="Rina 0812-0000-1111")
    data = ArticleApprovedV1(
        article_id=article_id, report_id=article_id, opd_id=opd.id, editor="redaktur",
        article_version=3, decided_at=datetime.now(UTC), opd=opd, headline=headline,
        body_html="<p>Dinas Kesehatan menggelar <strong>vaksinasi</strong>.</p>",
        summary="Vaksinasi gratis untuk warga", category=category, channels=["website"],
        press_invitation=invitation)
    return root_event(type=ARTICLE_APPROVED, version=1, source="editorial", subject=article_id,
                      data=data, correlation_id=article_id)


def published(article_id: str, *, channel: str = "website",
              headline: str = "Vaksinasi massal di Makassar") -> Envelope:
    data = PublicationPublishedV1(
        publication_id=f"{article_id}:{channel}", article_id=article_id, report_id=article_id,
        channel=channel, external_id="42", url=f"https://kota.example/berita/{article_id}",
        published_at=datetime.now(UTC), opd=OPD, headline=headline, category="kesehatan")
    return root_event(type=PUBLICATION_PUBLISHED, version=1, source="publisher",
                      subject=article_id, data=data, correlation_id=article_id)


def taken_down(article_id: str, reason: str = "Data dalam siaran pers keliru") -> Envelope:
    data = ArticleTakenDownV1(
        article_id=article_id, report_id=article_id, opd_id=OPD.id, editor="redpel",
        article_version=5, decided_at=datetime.now(UTC), reason=reason)
    return root_event(type=ARTICLE_TAKEN_DOWN, version=1, source="editorial", subject=article_id,
                      data=data, correlation_id=article_id)


def new_article_id() -> str:
    return str(uuid.uuid4())


async def add(client: httpx.AsyncClient, settings: Settings, name: str, email: str, *,
              opd_ids: list[str] | None = None, categories: list[str] | None = None) -> str:
    """A confirmed journalist (admin-added ones confirm by email first: see the sign-up
    tests); `client` kept for the callers' symmetry."""
    del client
    return await add_active(settings, name, email, opd_ids=opd_ids, categories=categories)


async def deliveries(client: httpx.AsyncClient, settings: Settings, article_id: str
                     ) -> list[dict[str, object]]:
    response = await client.get("/v1/deliveries", params={"article_id": article_id},
                                headers=auth(settings, "editor"))
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()
    return items


async def mail_about(mailbox: Mailpit, client: httpx.AsyncClient, settings: Settings,
                     *article_ids: str) -> list[EmailMessage]:
    """The mail in the session's Mailpit that this notifier sent for these articles (by the
    X-Warta-Delivery header). Counting the whole mailbox is wrong: the notifier group reads
    what earlier tests left in the shared topics, and this test's journalists get those too."""
    ids = {str(d["id"]) for a in article_ids for d in await deliveries(client, settings, a)}
    return [m for m in await mailbox.messages() if str(m["X-Warta-Delivery"]) in ids]
