"""Partner journalists: registration, subscriptions, unsubscribing by token."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from services.notifier import domain
from services.notifier.preferences_rules import normalize_regions
from services.notifier.repository import JournalistRepository
from services.notifier.schemas import JournalistIn, SubscriptionsIn
from services.notifier.signup_handlers import pending_fields
from shared.envelope import new_id, utcnow
from shared.mongo import Document
from shared.settings import Settings

Added = Callable[[str], Awaitable[None]]
Suppressed = Callable[[str], Awaitable[bool]]


class AddressSuppressed(Exception):
    """The address was erased on request: only the person may sign up again."""


async def _never(_: str) -> bool:
    return False


async def _nothing(_: str) -> None:
    return None


class Journalists:
    def __init__(self, settings: Settings, repository: JournalistRepository, *,
                 added: Added = _nothing, suppressed: Suppressed = _never) -> None:
        self._secret = settings.unsubscribe_secret.get_secret_value()
        self._settings = settings
        self.repository = repository
        self._added, self._suppressed = added, suppressed

    async def add(self, data: JournalistIn) -> Document:
        """Pending until the journalist confirms by the emailed link, like a sign-up.
        Raises repository.DuplicateEmail when the address is registered already, AddressSuppressed
        when it was erased on request."""
        if await self._suppressed(str(data.email)):
            raise AddressSuppressed(str(data.email))
        journalist_id = new_id()
        nonce = domain.new_token_nonce()
        token = domain.unsubscribe_token(self._secret, journalist_id, nonce)
        now = utcnow()
        document: Document = {
            "_id": journalist_id, "name": data.name, "email": str(data.email),
            "whatsapp": data.whatsapp, "telegram": data.telegram,
            "opd_ids": domain.unique(data.opd_ids),
            "categories": domain.normalize_categories(data.categories),
            "regions": normalize_regions(data.regions or []),
            "token_nonce": nonce, "unsubscribe_hash": domain.token_hash(token),
            "created_at": now, "updated_at": now, "source": "admin", "confirm": {},
        }
        for key, value in pending_fields(self._settings, now).items():
            if key.startswith("confirm."):
                document["confirm"][key.split(".", 1)[1]] = value
            else:
                document[key] = value
        await self.repository.add(document)
        await self._added(journalist_id)
        return document

    async def set_subscriptions(self, journalist_id: str, data: SubscriptionsIn
                                ) -> Document | None:
        return await self.repository.set_subscriptions(
            journalist_id, domain.unique(data.opd_ids),
            domain.normalize_categories(data.categories),
            None if data.regions is None else normalize_regions(data.regions))

    async def by_token(self, token: str) -> Document | None:
        if not token or len(token) > 200:
            return None
        return await self.repository.by_token_hash(domain.token_hash(token))

    async def unsubscribe(self, token: str) -> Document | None:
        journalist = await self.by_token(token)
        if journalist is not None:
            await self.repository.deactivate(journalist["_id"])
        return journalist


async def unsubscribe_link_token(settings: Settings, repository: JournalistRepository,
                                 journalist: Document) -> str:
    """The token of the journalist's unsubscribe link, as an email renders it.

    The same link as in earlier mails while the key that made it is current or listed as
    previous; once that key is retired, a link under the current key replaces it."""
    stored = journalist.get("unsubscribe_hash")
    keys = settings.unsubscribe_keys()
    for key in keys:
        token = domain.unsubscribe_token(key, journalist["_id"], journalist["token_nonce"])
        if domain.token_hash(token) == stored:
            return token
    token = domain.unsubscribe_token(keys[0], journalist["_id"], journalist["token_nonce"])
    await repository.set_unsubscribe_hash(journalist["_id"], domain.token_hash(token))
    return token
