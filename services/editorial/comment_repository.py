"""Comments on articles (the `article_comments` collection): apart from the article itself,
so commenting never changes its version nor anyone's If-Match."""

from __future__ import annotations

from shared.envelope import new_id, utcnow
from shared.mongo import ASCENDING, Database, Document


class CommentRepository:
    def __init__(self, db: Database) -> None:
        self.collection = db["article_comments"]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("article_id", ASCENDING), ("_id", ASCENDING)])

    async def add(self, article_id: str, by: str, text: str) -> Document:
        comment = {"_id": new_id(), "article_id": article_id, "by": by, "text": text,
                   "at": utcnow()}
        await self.collection.insert_one(comment)
        return comment

    async def of(self, article_id: str, limit: int = 200) -> list[Document]:
        cursor = self.collection.find({"article_id": article_id}).sort("_id", ASCENDING)
        return [doc async for doc in cursor.limit(limit)]
