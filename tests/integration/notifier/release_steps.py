"""Mail test wiring: a running notifier that has sent one journalist one press release."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx

from services.notifier.main import create_app
from shared.kafka import ensure_topics
from shared.settings import Settings
from tests.conftest import running
from tests.integration.notifier.conftest import add_active, approved, new_article_id, published
from tests.probes import eventually, publish
from warta_cli.mailpit import Mailpit


async def one_mail(mailbox: Mailpit, address: str) -> dict[str, object]:
    async def arrived() -> dict[str, object] | None:
        found = await mailbox.summaries(f"to:{address}")
        return found[0] if found else None

    return await eventually(arrived, f"an email to {address}")


@dataclass(frozen=True)
class Released:
    client: httpx.AsyncClient  # the running notifier's API
    article_id: str
    mail: dict[str, object]  # Mailpit's summary of the release the journalist got


@contextlib.asynccontextmanager
async def one_release(settings: Settings, mailbox: Mailpit, name: str, email: str,
                      **app_options: float) -> AsyncIterator[Released]:
    """One active journalist, the notifier running (`app_options` to create_app), and one
    release published and mailed to them."""
    await ensure_topics(settings.kafka_bootstrap)
    article_id = new_article_id()
    await add_active(settings, name, email)
    async with running(create_app(settings, **app_options)) as client:
        await publish(settings, approved(article_id), published(article_id))
        yield Released(client, article_id, await one_mail(mailbox, email))
