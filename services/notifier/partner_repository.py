"""The media-partner register: outlets, proofs of publication, and the monthly figures."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from typing import Any

from services.notifier.domain import DeliveryState, Kind
from shared.envelope import new_id, utcnow
from shared.mongo import (
    ASCENDING,
    Database,
    Document,
    DuplicateKeyError,
    IndexModel,
    ReturnDocument,
    find_one_and_update,
    insert_new,
)


class DuplicateOutlet(Exception):
    pass


class UnknownJournalists(Exception):
    def __init__(self, missing: list[str]) -> None:
        super().__init__(", ".join(missing))
        self.missing = missing


def proof_id(outlet_id: str, article_id: str, url: str) -> str:
    """The same story logged twice (link clicked again, API retried) is one proof."""
    return hashlib.sha256(f"{outlet_id}\n{article_id}\n{url}".encode()).hexdigest()[:32]


def month_bounds(month: str) -> tuple[datetime, datetime]:
    year, number = (int(part) for part in month.split("-"))
    start = datetime(year, number, 1, tzinfo=UTC)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=UTC)
    return start, end


class PartnerRepository:
    def __init__(self, db: Database) -> None:
        self.outlets, self.proofs = db["partner_outlets"], db["partner_proofs"]
        self.journalists, self.deliveries = db["journalists"], db["deliveries"]
        self.articles = db["articles"]

    async def ensure_indexes(self) -> None:
        await self.outlets.create_indexes([IndexModel([("name_key", ASCENDING)], unique=True),
                                           IndexModel([("journalist_ids", ASCENDING)])])
        await self.proofs.create_indexes([IndexModel([("outlet_id", ASCENDING),
                                                      ("logged_at", ASCENDING)])])

    async def _check_journalists(self, ids: list[str]) -> None:
        found = {d["_id"] async for d in self.journalists.find({"_id": {"$in": ids}}, {"_id": 1})}
        missing = [i for i in ids if i not in found]
        if missing:
            raise UnknownJournalists(missing)

    async def add(self, fields: Document) -> Document:
        await self._check_journalists(fields["journalist_ids"])
        now = utcnow()
        document = {"_id": new_id(), **fields, "name_key": fields["name"].casefold(),
                    "created_at": now, "updated_at": now}
        try:
            await self.outlets.insert_one(document)
        except DuplicateKeyError as exc:
            raise DuplicateOutlet(fields["name"]) from exc
        return document

    async def replace(self, outlet_id: str, fields: Document) -> Document | None:
        await self._check_journalists(fields["journalist_ids"])
        try:
            return await find_one_and_update(
                self.outlets, {"_id": outlet_id},
                {"$set": {**fields, "name_key": fields["name"].casefold(),
                          "updated_at": utcnow()}}, return_document=ReturnDocument.AFTER)
        except DuplicateKeyError as exc:
            raise DuplicateOutlet(fields["name"]) from exc

    async def get(self, outlet_id: str) -> Document | None:
        return await self.outlets.find_one({"_id": outlet_id})

    async def all(self) -> list[Document]:
        return [d async for d in self.outlets.find({}).sort("name_key", ASCENDING)]

    async def headline(self, article_id: str) -> str:
        article = await self.articles.find_one({"_id": article_id}, {"approved.headline": 1})
        return str(((article or {}).get("approved") or {}).get("headline") or article_id)

    async def outlet_of(self, journalist_id: str) -> Document | None:
        return await self.outlets.find_one({"journalist_ids": journalist_id})

    async def log_proof(self, outlet_id: str, article_id: str, url: str,
                        journalist_id: str | None, via: str) -> tuple[Document, bool]:
        document = {"_id": proof_id(outlet_id, article_id, url), "outlet_id": outlet_id,
                    "article_id": article_id, "url": url, "journalist_id": journalist_id,
                    "via": via, "logged_at": utcnow()}
        created = await insert_new(self.proofs, [document]) == 1
        stored = await self.proofs.find_one({"_id": document["_id"]})
        return stored or document, created

    async def monthly(self, month: str) -> list[dict[str, Any]]:
        """Per outlet whose partnership covers part of the month: distinct press releases
        its journalists were sent, and distinct stories it published (proofs logged)."""
        start, end = month_bounds(month)
        first, last = start.date().isoformat(), date.fromordinal(end.date().toordinal() - 1)
        rows = []
        async for outlet in self.outlets.find(
                {"partnership_start": {"$lte": last.isoformat()},
                 "partnership_end": {"$gte": first}}).sort("name_key", ASCENDING):
            releases = await self.deliveries.distinct("article_id", {
                "journalist_id": {"$in": outlet.get("journalist_ids", [])},
                "kind": Kind.PRESS_RELEASE.value, "state": DeliveryState.SENT.value,
                "sent_at": {"$gte": start, "$lt": end}})
            stories = await self.proofs.count_documents(
                {"outlet_id": outlet["_id"], "logged_at": {"$gte": start, "$lt": end}})
            rows.append({"outlet": outlet, "releases": len(releases), "stories": stories})
        return rows
