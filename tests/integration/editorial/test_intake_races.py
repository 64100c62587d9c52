"""Editorial's intake racing an editor's decision on the real database, at a chosen interleaving."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from services.editorial.handlers import Decisions
from services.editorial.intake import Intake
from services.editorial.repository import ArticleRepository
from shared.auth import Principal
from shared.envelope import root_event
from shared.events.common import OpdRef
from shared.events.publications import PUBLICATION_PUBLISHED, PublicationPublishedV1
from shared.failures import PermanentError
from shared.mongo import Database, Document, MongoHandle
from shared.settings import Settings
from tests.integration.editorial.test_editorial_flow import submitted

CHIEF = Principal(subject="redpel", role="chief_editor", name="Redaktur Pelaksana")
EDITOR = Principal(subject="redaktur1", role="editor", name="Rina")


async def _no_relay(_: str) -> int:
    return 0


class TakenDownAfterRead(ArticleRepository):
    """Lets the chief editor's take-down commit right after the intake's first read of the
    article: the intake then holds an `approved` copy of an article that is taken down."""

    def __init__(self, db: Database, decisions: Decisions) -> None:
        super().__init__(db)
        self.decisions, self.raced = decisions, False

    async def get(self, article_id: str) -> Document | None:
        article = await super().get(article_id)
        if not self.raced:
            self.raced = True
            await self.decisions.take_down(article_id, "Data keliru", CHIEF)
        return article


def _published(article_id: str) -> PublicationPublishedV1:
    opd = OpdRef(id="opd-1", code="DISHUB", name="Dinas Perhubungan", region="Kota Makassar",
                 timezone="Asia/Makassar")
    return PublicationPublishedV1(
        publication_id=f"{article_id}:website", article_id=article_id, report_id=article_id,
        channel="website", external_id="77", url=f"https://kota.example/berita/{article_id}",
        published_at=datetime.now(UTC), opd=opd, headline="Jalur sepeda", category="perhubungan")


async def test_a_publication_racing_a_take_down_never_marks_the_article_published(
    settings: Settings,
) -> None:
    mongo = MongoHandle(settings, "editorial")
    try:
        articles = ArticleRepository(mongo.db)
        decisions = Decisions(articles, _no_relay)
        article_id = str(uuid.uuid4())
        await Intake(articles).report_submitted(submitted(article_id))
        await decisions.claim(article_id, EDITOR)
        await decisions.mark_ready(article_id, EDITOR)
        await decisions.approve(article_id, ["website"], None, CHIEF)

        event = root_event(type=PUBLICATION_PUBLISHED, version=1, source="publisher",
                           subject=article_id, data=_published(article_id),
                           correlation_id=article_id)
        racing = TakenDownAfterRead(mongo.db, decisions)
        await Intake(racing).publication_published(event)

        article = await articles.get(article_id)
        assert article is not None and racing.raced
        assert article["status"] == "taken_down"
        # The event is still applied once: the link is recorded, the status left alone.
        assert article["publications"]["website"]["external_id"] == "77"
        assert article["applied_events"].count(event.id) == 1
        await Intake(articles).publication_published(event)  # a redelivery changes nothing
        again = await articles.get(article_id)
        assert again is not None and again["version"] == article["version"]
    finally:
        mongo.close()


async def test_a_publication_of_an_article_editorial_never_had_is_dead_lettered(
    settings: Settings,
) -> None:
    """Found when another test's publication reached a running stack: taken as "not received
    yet", it was given back for ever and held every publication behind it on its partition."""
    mongo = MongoHandle(settings, "editorial")
    try:
        stranger = str(uuid.uuid4())
        event = root_event(type=PUBLICATION_PUBLISHED, version=1, source="publisher",
                           subject=stranger, data=_published(stranger), correlation_id=stranger)
        with pytest.raises(PermanentError, match="not editorial's"):
            await Intake(ArticleRepository(mongo.db)).publication_published(event)
    finally:
        mongo.close()
