"""Unsubscribe links survive a rotation of the JWT secret and of their own secret."""

from __future__ import annotations

from services.notifier.journalists import Journalists, unsubscribe_link_token
from services.notifier.repository import JournalistRepository
from services.notifier.schemas import JournalistIn
from shared.mongo import MongoHandle
from shared.settings import Settings

OLD_KEY, NEW_KEY = "old-unsubscribe-" + "o" * 32, "new-unsubscribe-" + "n" * 32


async def test_an_unsubscribe_link_survives_a_jwt_secret_rotation(settings: Settings) -> None:
    mongo = MongoHandle(settings, "notifier")
    try:
        repository = JournalistRepository(mongo.db)
        added = await Journalists(settings, repository).add(
            JournalistIn(name="Andi", email="andi@media.example"))
        rotated = settings.model_copy(update={"jwt_secret": settings.jwt_secret.__class__(
            "rotated-jwt-secret-" + "r" * 32)})
        journalist = await repository.get(added["_id"])
        assert journalist is not None

        token = await unsubscribe_link_token(rotated, repository, journalist)

        found = await Journalists(rotated, repository).by_token(token)
        assert found is not None and found["_id"] == added["_id"]
    finally:
        mongo.close()


async def test_links_mailed_before_an_unsubscribe_key_rotation_keep_working(
    settings: Settings,
) -> None:
    before = settings.model_copy(update={"unsubscribe_secret": _secret(OLD_KEY)})
    after = settings.model_copy(update={"unsubscribe_secret": _secret(NEW_KEY),
                                        "unsubscribe_previous_secrets": _secret(OLD_KEY)})
    retired = settings.model_copy(update={"unsubscribe_secret": _secret(NEW_KEY)})
    mongo = MongoHandle(settings, "notifier")
    try:
        repository = JournalistRepository(mongo.db)
        added = await Journalists(before, repository).add(
            JournalistIn(name="Budi", email="budi@media.example"))
        mailed = await unsubscribe_link_token(before, repository, added)

        assert await unsubscribe_link_token(after, repository, added) == mailed
        assert await Journalists(after, repository).by_token(mailed) is not None

        # Once the old key is retired, the journalist gets a link under the current key.
        fresh = await unsubscribe_link_token(retired, repository, added)
        assert fresh != mailed
        found = await Journalists(retired, repository).by_token(fresh)
        assert found is not None and found["_id"] == added["_id"]
    finally:
        mongo.close()


def _secret(value: str) -> object:
    from pydantic import SecretStr

    return SecretStr(value)
