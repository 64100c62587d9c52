"""Correctness rests on the database, not on process-local locks: two processes (two clients)
racing conditional single-document updates lose nothing, and outbox clean-up racing new events
removes exactly what was published."""

from __future__ import annotations

import asyncio
import uuid

from shared.mongo import Collection, MongoHandle, update_one
from shared.settings import Settings

ROUNDS = 150


async def optimistic_appends(collection: Collection, doc_id: str, writer: str) -> int:
    """Read the version, then append conditionally on it; a conflict re-reads. Successes."""
    successes = 0
    for n in range(ROUNDS):
        while True:
            doc = await collection.find_one({"_id": doc_id}, {"version": 1})
            assert doc is not None
            result = await update_one(
                collection, {"_id": doc_id, "version": doc["version"]},
                {"$inc": {"version": 1}, "$push": {"log": f"{writer}-{n}"}})
            if result.matched_count == 1:
                successes += 1
                break
    return successes


async def test_two_processes_racing_versioned_updates_lose_nothing(settings: Settings) -> None:
    first, second = MongoHandle(settings, "races"), MongoHandle(settings, "races")
    try:
        doc_id = f"d-{uuid.uuid4().hex}"
        await first.db["things"].insert_one({"_id": doc_id, "version": 0, "log": []})
        counts = await asyncio.gather(
            optimistic_appends(first.db["things"], doc_id, "a"),
            optimistic_appends(second.db["things"], doc_id, "b"))
        doc = await first.db["things"].find_one({"_id": doc_id})
        assert doc is not None
        assert sum(counts) == doc["version"] == len(doc["log"]) == 2 * ROUNDS
        assert len(set(doc["log"])) == 2 * ROUNDS
    finally:
        first.close()
        second.close()


async def test_outbox_clean_up_racing_new_events_removes_exactly_the_published(
    settings: Settings,
) -> None:
    writer, relay = MongoHandle(settings, "races"), MongoHandle(settings, "races")
    try:
        doc_id = f"d-{uuid.uuid4().hex}"
        await writer.db["things"].insert_one({"_id": doc_id, "outbox": []})
        pushed = [f"e-{n}" for n in range(ROUNDS)]
        pulled: list[str] = []

        async def push_all() -> None:
            for event_id in pushed:
                await update_one(writer.db["things"], {"_id": doc_id},
                                 {"$push": {"outbox": {"id": event_id}}})

        async def pull_some() -> None:
            for _ in range(ROUNDS * 2):
                doc = await relay.db["things"].find_one({"_id": doc_id})
                assert doc is not None
                for event in doc["outbox"][:3]:
                    await update_one(relay.db["things"], {"_id": doc_id},
                                     {"$pull": {"outbox": {"id": event["id"]}}})
                    pulled.append(event["id"])

        await asyncio.gather(push_all(), pull_some())
        doc = await writer.db["things"].find_one({"_id": doc_id})
        assert doc is not None
        remaining = [e["id"] for e in doc["outbox"]]
        assert sorted(set(pulled) | set(remaining)) == sorted(pushed)
        assert not set(pulled) & set(remaining)
    finally:
        writer.close()
        relay.close()
