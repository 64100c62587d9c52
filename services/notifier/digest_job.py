"""The digest job: every journalist's digest due at a moment goes out as one email.

Each digest is claimed by a leased conditional update, sent, then settled; a crash between
the send and the settlement resends it once the lease ends (same Message-ID). Each article a
digest carried gets a `sent` delivery record of its own, so a later correction or take-down
reaches the journalist as it reaches those who got the release at once.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
from email.utils import parseaddr

from services.notifier import domain
from services.notifier.delivery_log import attempt
from services.notifier.digest_mail import digest_email
from services.notifier.digest_repository import SENT, DigestRepository
from services.notifier.dkim_signing import DkimSigner
from services.notifier.domain import CHANNEL_EMAIL, DeliveryState, Kind
from services.notifier.emails import Recipient
from services.notifier.invitation_links import issued_at
from services.notifier.journalists import unsubscribe_link_token
from services.notifier.mailer import Mailer, SendFailed
from services.notifier.preferences_api import preferences_link
from services.notifier.repository import (
    ArticleRepository,
    DeliveryRepository,
    JournalistRepository,
)
from shared.envelope import utcnow
from shared.mongo import Document, update_one
from shared.settings import Settings

log = logging.getLogger("warta.notifier.digest")

LEASE = timedelta(minutes=2)
BATCH = 500


class DigestJob:
    def __init__(self, settings: Settings, digests: DigestRepository, *,
                 journalists: JournalistRepository, articles: ArticleRepository,
                 deliveries: DeliveryRepository, mailer: Mailer) -> None:
        self.settings, self.digests, self.journalists = settings, digests, journalists
        self.articles, self.deliveries, self.mailer = articles, deliveries, mailer
        self.signer = DkimSigner.from_settings(settings)

    async def run(self, at: datetime) -> dict[str, int]:
        """Every digest due at `at`: {"sent": n, "skipped": m} (retried ones count in neither)."""
        counts = {"sent": 0, "skipped": 0}
        while keys := await self.digests.due(at, BATCH):
            progressed = 0
            for key in keys:
                try:
                    outcome = await self.one(key, at)
                except Exception:  # one broken digest never holds up the others due
                    log.exception("digest broke", extra={"digest_id": key})
                    continue
                if outcome in counts:
                    counts[outcome] += 1
                    progressed += 1
            if progressed == 0:
                break  # what is left is leased elsewhere or failed for now
        return counts

    async def one(self, key: str, at: datetime) -> str:
        now, owner = utcnow(), secrets.token_hex(8)
        digest = await self.digests.claim(key, owner, at, now, now + LEASE)
        if digest is None:
            return "busy"
        # Counted as it is claimed, so a crash between claim and settlement counts as well:
        # a digest that keeps breaking ends dead instead of being claimed forever.
        await update_one(self.digests.collection, {"_id": key, "lease_owner": owner},
                         {"$inc": {"attempts": 1}})
        attempts = int(digest.get("attempts", 0)) + 1
        if attempts > domain.MAX_ATTEMPTS:
            await self.digests.settle(key, owner, {"state": DeliveryState.DEAD.value,
                                                   "error": "gave up after repeated attempts"},
                                      attempted=False)
            return "failed"
        try:
            return await self._send(key, digest, owner, at, attempts)
        except Exception as exc:
            state = DeliveryState.DEAD.value if attempts >= domain.MAX_ATTEMPTS else "pending"
            await self.digests.settle(key, owner, {"state": state,
                                                   "error": f"internal error: {exc!r}"[:300]},
                                      attempted=False)
            raise

    async def _send(self, key: str, digest: Document, owner: str, at: datetime,
                    attempts: int) -> str:
        journalist = await self.journalists.get(digest["journalist_id"])
        found = [await self.articles.get(a) for a in digest.get("article_ids", [])]
        articles = [a for a in found if a and a.get("approved") and not a.get("taken_down")
                    and (a.get("published") or {}).get("url")]
        reason = _why_not(journalist, articles)
        if reason is not None:
            await self.digests.settle(key, owner, {"state": DeliveryState.CANCELLED.value,
                                                   "error": reason}, attempted=False)
            return "skipped"
        assert journalist is not None
        token = await unsubscribe_link_token(self.settings, self.journalists, journalist)
        base = self.settings.public_base_url.rstrip("/")
        raw = digest_email(digest, articles, sender=self.settings.smtp_from, now=utcnow(),
                           recipient=Recipient(
                               journalist["name"], journalist["email"],
                               f"{base}/unsubscribe/{token}", preferences_url=preferences_link(
                                   self.settings, journalist, issued_at(digest))))
        raw = self.signer.sign(raw) if self.signer else raw
        try:
            answer = await self.mailer.send_raw(parseaddr(self.settings.smtp_from)[1],
                                                [journalist["email"]], raw)
        except SendFailed as exc:
            state = DeliveryState.DEAD.value if exc.permanent or attempts >= (
                domain.MAX_ATTEMPTS) else "pending"
            await self.digests.settle(key, owner, {"state": state, "error": exc.error},
                                      attempted=False)
            log.warning("digest not sent", extra={"digest_id": key, "error": exc.error})
            return "failed"
        sent_at = utcnow()
        await self.deliveries.create_many([
            _delivered(key, article, journalist, sent_at, answer) for article in articles])
        await self.digests.settle(key, owner, {"state": SENT, "sent_at": sent_at,
                                               "error": None,
                                               "sent_article_ids": [a["_id"] for a in articles]},
                                  attempted=False)
        return "sent"


def _why_not(journalist: Document | None, articles: list[Document]) -> str | None:
    if journalist is None:
        return "journalist no longer known"
    if not journalist.get("active"):
        return "the journalist unsubscribed before it was sent"
    if journalist.get("email_suppressed"):
        return "the address bounced too often"
    if not articles:
        return "every release in it was taken down"
    return None


def _delivered(digest_key: str, article: Document, journalist: Document, at: datetime,
               answer: str) -> Document:
    """The press release's delivery record, sent within the digest (the sender never claims
    a sent record)."""
    return {
        "_id": domain.delivery_id(article["_id"], journalist["_id"], Kind.PRESS_RELEASE),
        "article_id": article["_id"], "journalist_id": journalist["_id"],
        "recipient": journalist["email"], "recipient_name": journalist["name"],
        "channel": CHANNEL_EMAIL, "kind": Kind.PRESS_RELEASE.value, "occasion": "",
        "priority": domain.priority_of(Kind.PRESS_RELEASE), "slot": 0,
        "state": DeliveryState.SENT.value, "attempts": 1, "digest_id": digest_key,
        "log": [attempt(at=at, channel=CHANNEL_EMAIL, answer=answer,
                        state=DeliveryState.SENT.value)],
        "error": None, "sent_at": at, "next_attempt_at": None, "lease_until": None,
        "lease_owner": None, "cause": article["approved"]["event"], "created_at": at,
        "updated_at": at, "outbox": [],
    }
