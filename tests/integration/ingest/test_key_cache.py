"""The key cache's promise: a revocation takes effect within WARTA_KEY_CACHE_SECONDS of being
made, also when a read that began before it returned after it (the real database, a set clock)."""

from __future__ import annotations

from services.ingest.auth import KeyCache
from services.ingest.opd_repository import KeyRecord, OpdRepository
from shared.auth import split_api_key
from shared.mongo import MongoHandle
from shared.settings import Settings
from tests.integration.ingest.support import make_opd

TTL = 5.0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class SlowReads(OpdRepository):
    """The real repository, on whose reads the clock moves on (a slow database answer)."""

    def __init__(self, handle: MongoHandle, clock: Clock, read_seconds: float) -> None:
        super().__init__(handle.db)
        self.clock, self.read_seconds = clock, read_seconds

    async def find_key(self, key_id: str) -> KeyRecord | None:
        record = await super().find_key(key_id)
        self.clock.now += self.read_seconds
        return record


async def test_a_revocation_made_during_a_slow_read_applies_within_the_ttl(
    settings: Settings,
) -> None:
    opd = await make_opd(settings, "CACHE")
    parts = split_api_key(opd.key)
    assert parts is not None
    key_id = parts[0]
    mongo = MongoHandle(settings, "ingest")
    try:
        clock = Clock()
        repo = SlowReads(mongo, clock, read_seconds=0.9)
        cache = KeyCache(repo, ttl=TTL, clock=clock)
        revoked_at = clock.now  # the read below began at this instant; the revocation too
        first = await cache.get(key_id)
        assert first is not None and first.active  # read before the revocation landed
        assert await repo.revoke_key(opd.id, key_id)

        clock.now = revoked_at + TTL + 0.1
        again = await cache.get(key_id)
        assert again is not None
        assert not again.active, "a revoked key was still trusted after the cache's TTL"
    finally:
        mongo.close()
