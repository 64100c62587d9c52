"""Notifier test wiring: a real SMTP server on loopback, real events onto the real broker."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

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
from warta_cli.infra import free_port
from warta_cli.mailsink import MailSink, read_mailbox

OPD = OpdRef(id="opd-dinkes", code="DINKES", name="Dinas Kesehatan", region="Kota Makassar",
             timezone="Asia/Makassar")


@pytest.fixture
def mail_sink(tmp_path: Path) -> Iterator[MailSink]:
    sink = MailSink(tmp_path / "mail", free_port())
    sink.start()
    try:
        yield sink
    finally:
        sink.stop()


@pytest.fixture
def mail_settings(settings: Settings, mail_sink: MailSink) -> Settings:
    return settings.model_copy(update={"smtp_port": mail_sink.port,
                                       "smtp_from": "Warta <warta@kominfo.example>"})


class _Refusing:
    """Refuses recipients containing `refuse` with 550, like a server without that mailbox."""

    def __init__(self, directory: Path, refuse: str) -> None:
        self.directory, self.refuse = directory, refuse

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,  # noqa: N802
                          rcpt_options: list[str]) -> str:
        if self.refuse in address:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        (self.directory / f"{uuid.uuid4().hex}.eml").write_bytes(envelope.original_content)
        return "250 Message accepted for delivery"


class _Deferring(_Refusing):
    """Answers every recipient 451 (try again later) until `accepting` is set, like a server
    that is busy; then takes mail."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory, refuse="@")
        self.accepting = False
        self.deferred = 0

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,  # noqa: N802
                          rcpt_options: list[str]) -> str:
        if not self.accepting:
            self.deferred += 1
            return "451 4.3.0 mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"


class _Slow(_Refusing):
    """Takes every message, but only after `delay` seconds of DATA, like a congested server."""

    def __init__(self, directory: Path, delay: float) -> None:
        super().__init__(directory, refuse="\0")  # refuses nobody
        self.delay = delay

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)


class RefusingSink:
    def __init__(self, directory: Path, port: int, refuse: str) -> None:
        self._start(directory, port, _Refusing(directory, refuse))

    def _start(self, directory: Path, port: int, handler: _Refusing) -> None:
        from aiosmtpd.controller import Controller

        directory.mkdir(parents=True, exist_ok=True)
        self.directory, self.port = directory, port
        self._controller = Controller(handler, hostname="127.0.0.1", port=port)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def messages(self) -> list[Any]:
        return read_mailbox(self.directory)


class SlowSink(RefusingSink):
    """A real SMTP server on loopback that answers DATA only after `delay` seconds."""

    def __init__(self, directory: Path, port: int, delay: float) -> None:
        self._start(directory, port, _Slow(directory, delay))


class DeferringSink(RefusingSink):
    """A real SMTP server on loopback that fails (4xx) every attempt until `accept()`."""

    def __init__(self, directory: Path, port: int) -> None:
        self._handler = _Deferring(directory)
        self._start(directory, port, self._handler)

    @property
    def deferred(self) -> int:
        return self._handler.deferred

    def accept(self) -> None:
        self._handler.accepting = True


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
    response = await client.post("/v1/journalists", headers=auth(settings, "admin"), json={
        "name": name, "email": email, "opd_ids": opd_ids or [], "categories": categories or []})
    assert response.status_code == 201, response.text
    journalist_id: str = response.json()["id"]
    return journalist_id


async def deliveries(client: httpx.AsyncClient, settings: Settings, article_id: str
                     ) -> list[dict[str, object]]:
    response = await client.get("/v1/deliveries", params={"article_id": article_id},
                                headers=auth(settings, "editor"))
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()
    return items
