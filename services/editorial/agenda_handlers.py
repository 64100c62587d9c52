"""Use cases of the agenda: read it by day; reschedule or cancel an embargo (chief editor).

A change of schedule is one conditional update of the article carrying `article.rescheduled`
in its outbox; the publisher learns it from the stream (it never reads editorial's data)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from services.editorial import agenda_rules as rules
from services.editorial.handlers import ArticleNotFound, VersionConflict
from services.editorial.repository import ArticleRepository
from shared.auth import Principal
from shared.envelope import root_event, utcnow
from shared.events.schedules import ARTICLE_RESCHEDULED, ArticleRescheduledV1
from shared.mongo import ASCENDING, Document

_FIELDS = {"headline": 1, "status": 1, "opd": 1, "publish_at": 1, "invitation_at": 1,
           "press_invitation": 1, "channels": 1, "report_id": 1}


@dataclass
class Agenda:
    articles: ArticleRepository
    relay: Callable[[str], Awaitable[int]]
    timezone: str
    clock: Callable[[], datetime] = field(default=utcnow)

    async def ensure_indexes(self) -> None:
        await self.articles.collection.create_index([("publish_at", ASCENDING)])
        await self.articles.collection.create_index([("invitation_at", ASCENDING)])

    async def days(self, start: date, end: date) -> list[dict[str, Any]]:
        first, last = rules.window(start, end, self.timezone)
        span = {"$gte": first, "$lt": last}
        found = self.articles.collection.find(
            {"$or": [{"status": "scheduled", "publish_at": span}, {"invitation_at": span}]},
            _FIELDS)
        items: list[dict[str, Any]] = []
        async for article in found:
            items.extend(_entries(article, first, last))
        return rules.by_day(items, self.timezone)

    async def reschedule(self, article_id: str, publish_at: datetime, who: Principal
                         ) -> Document:
        article = await self._load(article_id)
        rules.check_new_embargo(article["status"], publish_at, self.clock())
        return await self._change(article, who, {"publish_at": publish_at},
                                  publish_at=publish_at, cancelled=False, reason=None)

    async def cancel(self, article_id: str, reason: str, who: Principal) -> Document:
        article = await self._load(article_id)
        rules.check_cancellable(article["status"])
        return await self._change(article, who, {"publish_at": None, "status": "in_review",
                                                 "claim": None, "ready": None},
                                  publish_at=None, cancelled=True, reason=reason)

    async def _load(self, article_id: str) -> Document:
        article = await self.articles.get(article_id)
        if article is None:
            raise ArticleNotFound(article_id)
        return article

    async def _change(self, article: Document, who: Principal, fields: dict[str, Any], *,
                      publish_at: datetime | None, cancelled: bool, reason: str | None
                      ) -> Document:
        data = ArticleRescheduledV1(
            article_id=article["_id"], report_id=article["report_id"],
            opd_id=article["opd"]["id"], editor=who.subject,
            article_version=article["version"] + 1, decided_at=self.clock(),
            publish_at=publish_at, cancelled=cancelled, reason=reason)
        event = root_event(type=ARTICLE_RESCHEDULED, version=1, source="editorial",
                           subject=article["_id"], data=data, correlation_id=article["report_id"])
        action = "cancel_schedule" if cancelled else "reschedule"
        history = {"action": action, "by": who.subject, "note": reason,
                   "from": article.get("publish_at"), "to": publish_at}
        if not await self.articles.change(article["_id"], article["version"], fields=fields,
                                          history=history, events=[event]):
            raise VersionConflict(article["version"])
        await self.relay(article["_id"])
        return await self._load(article["_id"])


def _entries(article: Document, first: datetime, last: datetime) -> list[dict[str, Any]]:
    base = {"article_id": article["_id"], "headline": article["headline"],
            "status": article["status"], "opd_code": article["opd"]["code"],
            "opd_name": article["opd"]["name"]}
    found = []
    publish_at = article.get("publish_at")
    if article["status"] == "scheduled" and publish_at and first <= publish_at < last:
        found.append({**base, "kind": "embargo", "at": publish_at,
                      "channels": article.get("channels", []), "location": None})
    invited = article.get("invitation_at")
    if invited and first <= invited < last and article["status"] not in rules.CLOSED:
        found.append({**base, "kind": "press_invitation", "at": invited, "channels": [],
                      "location": (article.get("press_invitation") or {}).get("location")})
    return found
