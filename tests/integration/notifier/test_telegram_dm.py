"""The journalists' Telegram DM bot against the Bot API contract server: binding by deep link,
one getUpdates poller across two notifier instances (a database lease), deliveries, blocking."""

from __future__ import annotations

import contextlib
import itertools
import re
from datetime import timedelta
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from services.notifier.main import create_app
from shared.kafka import ensure_topics
from shared.mongo import MongoHandle
from shared.settings import Settings
from tests.conftest import running
from tests.integration.notifier.conftest import add_active, approved, auth, new_article_id
from tests.integration.notifier.conftest import published as published_event
from tests.integration.notifier.whatsapp_steps import stored
from tests.probes import eventually, publish

BOT_TOKEN = "7000001:notifier-dm-bot-token-abcdef"


@pytest.fixture
def tg_settings(settings: Settings, sandboxes: dict[str, str]) -> Settings:
    return settings.model_copy(update={
        "notifier_telegram_api_url": sandboxes["telegram"],
        "notifier_telegram_bot_token": SecretStr(BOT_TOKEN),
        "notifier_telegram_bot_username": "WartaUjiBot",
        "notifier_telegram_lease_seconds": 3.0})


async def tg(base: str, path: str, body: dict[str, Any] | None = None) -> Any:
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:
        response = await (http.post(path, json=body) if body is not None else http.get(path))
        response.raise_for_status()
        return response.json()


async def bind(client: httpx.AsyncClient, settings: Settings, base: str, journalist: str,
               user_id: int) -> None:
    answer = await client.post(f"/v1/journalists/{journalist}/telegram-link",
                               headers=auth(settings, "admin"))
    link = answer.json()["link"]
    found = re.fullmatch(r"https://t\.me/WartaUjiBot\?start=([A-Za-z0-9_-]{1,64})", link)
    assert found, link
    await tg(base, "/_sandbox/updates", {"token": BOT_TOKEN, "user_id": user_id,
                                        "text": f"/start {found[1]}"})

    async def bound() -> dict[str, Any] | None:
        person = await stored(settings, "journalists", journalist)
        return person if person and person.get("telegram_chat_id") == user_id else None

    person = await eventually(bound, f"chat {user_id} bound")
    assert person["consents"]["telegram"]["from"]["telegram_user_id"] == user_id

    async def replied() -> bool:
        chats = (await tg(base, "/_sandbox/state"))["chats"]
        messages = chats.get(str(user_id), {}).get("messages", [])
        return any("terhubung" in m.get("text", "") for m in messages)

    await eventually(replied, f"the bot's answer to {user_id}")


async def polls(settings: Settings) -> list[dict[str, Any]]:
    mongo = MongoHandle(settings, "notifier")
    try:
        return [p async for p in mongo.db["telegram_polls"].find().sort("started", 1)]
    finally:
        mongo.close()


async def test_one_poller_across_two_instances_binds_chats_and_takes_over(
    tg_settings: Settings, sandboxes: dict[str, str],
) -> None:
    base = sandboxes["telegram"]
    first = await add_active(tg_settings, "Tari", "tari@media.example")
    second = await add_active(tg_settings, "Uli", "uli@media.example")
    async with contextlib.AsyncExitStack() as holder:
        await holder.enter_async_context(running(create_app(tg_settings)))
        await eventually(lambda: polls(tg_settings), "the first instance polling")
        async with running(create_app(tg_settings)) as two:
            await bind(two, tg_settings, base, first, 5550001)  # polled by the first one
            await holder.aclose()  # the lease holder stops: the second one takes over
            await bind(two, tg_settings, base, second, 5550002)
    seen = await polls(tg_settings)
    assert len({p["owner"] for p in seen}) == 2  # both instances polled, one after the other
    for earlier, later in itertools.pairwise(seen):
        assert earlier["ended"] <= later["started"], (earlier, later)  # never two at once
    calls = (await tg(base, "/_sandbox/state"))["calls"]
    assert not [c for c in calls if c["method"] == "getUpdates" and c.get("status") == 409]


async def test_a_release_reaches_the_bound_chat_and_a_blocked_bot_stops_it(
    tg_settings: Settings, sandboxes: dict[str, str],
) -> None:
    base = sandboxes["telegram"]
    await ensure_topics(tg_settings.kafka_bootstrap)
    journalist = await add_active(tg_settings, "Vina", "vina@media.example")
    async with running(create_app(tg_settings, backoff_base=0.2, sweep_seconds=0.2)) as client:
        await bind(client, tg_settings, base, journalist, 5550003)
        article_id = new_article_id()
        await publish(tg_settings, approved(article_id), published_event(article_id))
        delivery = f"{article_id}:{journalist}:press_release:telegram"

        async def in_state(state: str) -> dict[str, Any] | None:
            found = await stored(tg_settings, "deliveries", delivery)
            return found if found and found["state"] == state else None

        await eventually(lambda: in_state("sent"), "the Telegram message")
        chat = (await tg(base, "/_sandbox/state"))["chats"]["5550003"]["messages"]
        assert any("Vaksinasi massal di Makassar" in m["text"] for m in chat)

        await tg(base, "/_sandbox/users", {"token": BOT_TOKEN, "user_id": 5550003})
        later = new_article_id()
        await publish(tg_settings, approved(later), published_event(later))
        delivery = f"{later}:{journalist}:press_release:telegram"
        record = await eventually(lambda: in_state("dead"), "dead after the block")
        assert "blocked" in str(record["log"])
        person = await stored(tg_settings, "journalists", journalist)
        assert person is not None and person["telegram_suppressed"] is True


async def test_an_invitation_in_the_chat_gives_its_time_place_and_rsvp_page(
    tg_settings: Settings, sandboxes: dict[str, str],
) -> None:
    base = sandboxes["telegram"]
    await ensure_topics(tg_settings.kafka_bootstrap)
    journalist = await add_active(tg_settings, "Wulan", "wulan@media.example")
    async with running(create_app(tg_settings, backoff_base=0.2, sweep_seconds=0.2)) as client:
        await bind(client, tg_settings, base, journalist, 5550031)
        article_id = new_article_id()
        headline = f"Peresmian pasar {article_id[:8]}"  # other tests' invitations reach Wulan too
        await publish(tg_settings, approved(article_id, headline=headline,
                                            invitation_in=timedelta(days=2)))
        delivery = f"{article_id}:{journalist}:invitation:telegram"

        async def sent() -> dict[str, Any] | None:
            found = await stored(tg_settings, "deliveries", delivery)
            return found if found and found["state"] == "sent" else None

        await eventually(sent, "the Telegram invitation")
        chat = (await tg(base, "/_sandbox/state"))["chats"]["5550031"]["messages"]
        [invitation] = [m for m in chat if headline in m["text"]]
        assert "WITA" in invitation["text"] and "Aula Balai Kota" in invitation["text"]
        links = [e["url"] for e in invitation.get("entities", []) if e["type"] == "text_link"]
        [page] = [u for u in links if "/undangan/rsvp/" in u]
        [preferences] = [u for u in links if "/preferensi/" in u]
        assert (await client.get(preferences.removeprefix(
            tg_settings.public_base_url.rstrip("/")))).status_code == 200
        path = page.removeprefix(tg_settings.public_base_url.rstrip("/"))
        shown = await client.get(path)
        assert shown.status_code == 200 and headline in shown.text
