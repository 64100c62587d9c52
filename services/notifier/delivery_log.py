"""The delivery log for editors: every attempt per message, and a per-article summary.

Each attempt (when, channel, the provider's answer, the state it led to) is appended to its
delivery record by the same conditional update that settles it, so the log and the state never
disagree. The summary is counted by the database over the (article_id, state) index.
"""

from __future__ import annotations

from typing import Any

from services.notifier.domain import DeliveryState
from shared.mongo import Collection, Document

SUMMARY_STATES = {
    "sent": [DeliveryState.SENT.value],
    "failed": [DeliveryState.DEAD.value],
    "retrying": [DeliveryState.FAILED.value],
    "pending": [DeliveryState.PENDING.value, DeliveryState.SENDING.value],
    "suppressed": [DeliveryState.SUPPRESSED.value],
    "cancelled": [DeliveryState.CANCELLED.value],
}
MAX_LISTED = 500


def attempt(*, at: Any, channel: str, answer: str, state: str) -> Document:
    return {"at": at, "channel": channel, "answer": answer[:500], "state": state}


class DeliveryLog:
    def __init__(self, deliveries: Collection) -> None:
        self.deliveries = deliveries

    async def summary(self, article_id: str) -> dict[str, Any]:
        """Counts per outcome, per kind of message, for one article."""
        pipeline: list[Document] = [
            {"$match": {"article_id": article_id}},
            {"$group": {"_id": {"state": "$state", "kind": "$kind"}, "n": {"$sum": 1}}},
        ]
        counts: dict[str, dict[str, int]] = {}
        async for row in self.deliveries.aggregate(pipeline):
            state, kind = row["_id"]["state"], row["_id"]["kind"]
            outcome = next(name for name, states in SUMMARY_STATES.items() if state in states)
            per_kind = counts.setdefault(kind, dict.fromkeys(SUMMARY_STATES, 0))
            per_kind[outcome] += int(row["n"])
        total = dict.fromkeys(SUMMARY_STATES, 0)
        for per_kind in counts.values():
            for outcome, n in per_kind.items():
                total[outcome] += n
        return {"article_id": article_id, "total": total, "by_kind": counts}

    async def messages(self, article_id: str, limit: int = MAX_LISTED) -> list[Document]:
        """The article's messages with their attempts, oldest first."""
        cursor = self.deliveries.find(
            {"article_id": article_id},
            {"_id": 1, "journalist_id": 1, "recipient": 1, "channel": 1, "kind": 1, "state": 1,
             "attempts": 1, "log": 1, "sent_at": 1}).sort("_id", 1).limit(limit)
        return [doc async for doc in cursor]
