"""Good events for one aggregate id (each stream's own kind), and the two poisons: bytes that
are no envelope, and an envelope whose data does not fit its type's schema."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from shared import topics
from shared.envelope import Envelope, new_id, root_event
from shared.events.accounts import ACCOUNT_UPDATED, AccountUpdatedV1
from shared.events.articles import ARTICLE_APPROVED, ARTICLE_TAKEN_DOWN, ArticleApprovedV1
from shared.events.common import OpdRef, ReportContent
from shared.events.publications import PUBLICATION_PUBLISHED, PublicationPublishedV1
from shared.events.reports import REPORT_SUBMITTED, ReportSubmittedV1

OPD = OpdRef(id="opd-fault", code="FAULT", name="Dinas Uji Gangguan", region="Kota Makassar",
             timezone="Asia/Makassar")
HEADLINE = "Uji pesan beracun"
# The schema-refused poison's type on each stream: one that every consumer group of the stream
# handles (a group skips, rightly, a type it does not handle without decoding its data). On
# the articles stream that is the take-down: the notifier's own-users group has no approval.
TYPE_OF = {topics.REPORTS: REPORT_SUBMITTED, topics.ARTICLES: ARTICLE_TAKEN_DOWN,
           topics.PUBLICATIONS: PUBLICATION_PUBLISHED, topics.ACCOUNTS: ACCOUNT_UPDATED}


def submitted(report_id: str) -> Envelope:
    now = datetime.now(UTC)
    content = ReportContent(title=HEADLINE, body_html="<p>Isi laporan.</p>", location="Aula",
                            activity_at=now - timedelta(hours=1), category="sosial")
    return root_event(type=REPORT_SUBMITTED, version=1, source="ingest", subject=report_id,
                      data=ReportSubmittedV1(report_id=report_id, opd=OPD, content=content,
                                             submitted_at=now))


def an_opd() -> OpdRef:
    """An OPD of its own, so only the journalists a test subscribed to it get its emails."""
    return OPD.model_copy(update={"id": f"opd-{uuid.uuid4().hex[:12]}"})


def approved(article_id: str, opd: OpdRef = OPD) -> Envelope:
    data = ArticleApprovedV1(
        article_id=article_id, report_id=article_id, opd_id=opd.id, editor="fault-redaktur",
        article_version=3, decided_at=datetime.now(UTC), opd=opd, headline=HEADLINE,
        body_html="<p>Isi laporan.</p>", category="sosial", channels=["feed"])
    return root_event(type=ARTICLE_APPROVED, version=1, source="editorial", subject=article_id,
                      data=data, correlation_id=article_id)


def published(article_id: str, opd: OpdRef = OPD) -> Envelope:
    data = PublicationPublishedV1(
        publication_id=f"{article_id}:feed", article_id=article_id, report_id=article_id,
        channel="feed", external_id=article_id, url=f"http://127.0.0.1/berita/{article_id}",
        published_at=datetime.now(UTC), opd=opd, headline=HEADLINE, category="sosial")
    return root_event(type=PUBLICATION_PUBLISHED, version=1, source="publisher",
                      subject=article_id, data=data, correlation_id=article_id)


def account(username: str) -> Envelope:
    data = AccountUpdatedV1(username=username, name="Uji", email=f"{username}@kominfo.example",
                            role="editor", active=True, account_version=7,
                            changed_at=datetime.now(UTC), changed_by="fault-admin")
    return root_event(type=ACCOUNT_UPDATED, version=1, source="editorial", subject=username,
                      data=data)


GOOD: dict[str, Callable[[str], Envelope]] = {
    topics.REPORTS: submitted, topics.ARTICLES: approved, topics.PUBLICATIONS: published,
    topics.ACCOUNTS: account}


def undecodable(marker: str) -> bytes:
    return b"\xff\xfe{not an envelope " + marker.encode()


def schema_invalid(topic: str, subject: str, marker: str) -> bytes:
    """A well-formed envelope of the type the stream carries, with data that type refuses."""
    return json.dumps({
        "id": new_id(), "type": TYPE_OF[topic], "version": 1,
        "occurred_at": datetime.now(UTC).isoformat(), "source": "fault", "subject": subject,
        "correlation_id": subject, "data": {"marker": marker}}).encode()
