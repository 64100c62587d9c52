"""kill -9 of the real publisher process after the network made the post but before the
publisher recorded it: after the restart there is exactly one post on each network.

The contract servers hold the answer to the post (`/_sandbox/hold`): the post exists, the
publisher waits for the answer, and is killed then. Facebook's adapter finds the earlier post
on the Page and the publication is recorded published with its id; Telegram's Bot API cannot
search a channel, so that publication goes to needs_review with a message for an editor.

Not in tests/faults: that package keeps a whole stack running (a package fixture), and its
publisher, in the same consumer group, took half the partitions and with them this approval.
"""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.kafka import ensure_topics
from shared.mongo import Document, MongoHandle
from shared.settings import Settings
from tests.conftest import Infra, settings_env
from tests.faults.harness import fault_settings
from tests.integration.publisher.test_publisher_flow import approved
from tests.probes import eventually, publish
from warta_cli import infra
from warta_cli.instances import Instance, launch_instance, wait_ready

LEASE_SECONDS = "3"  # the restarted process takes the dead one's lease over this soon


class Publisher:
    """The publisher as production runs it (`python -m services.publisher`), killable."""

    def __init__(self, settings: Settings, home: Path, env: dict[str, str]) -> None:
        self.settings, self.home, self.env = settings, home, env
        self.process: infra.Process | None = None

    def start(self) -> None:
        instance = Instance("publisher", 1, self.settings.publisher_port)
        self.process = launch_instance(instance, self.home, self.env)
        wait_ready({"publisher-1": f"http://127.0.0.1:{instance.port}/readyz"},
                   {"publisher-1": self.process}, timeout=120)

    def kill9(self) -> None:
        assert self.process is not None
        os.kill(self.process.popen.pid, signal.SIGKILL)
        self.process.popen.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.alive():
            infra.stop(self.process)


@pytest.fixture
def world(real_infra: Infra, tmp_path: Path, sandboxes: dict[str, str]
          ) -> Iterator[dict[str, Any]]:
    graph, telegram = sandboxes["graph"], sandboxes["telegram"]
    page = httpx.post(f"{graph}/_sandbox/accounts", json={}).json()
    chat = f"@warta_{uuid.uuid4().hex[:8]}"
    settings = fault_settings(real_infra, tmp_path, infra.free_port())
    env = {**os.environ, **settings_env(settings),
           "WARTA_PUBLISHER_LEASE_SECONDS": LEASE_SECONDS,
           "WARTA_FACEBOOK_PAGE_ID": page["page_id"],
           "WARTA_FACEBOOK_PAGE_TOKEN": page["page_token"],
           "WARTA_FACEBOOK_API_BASE_URL": f"{graph}/v24.0",
           "WARTA_TELEGRAM_BOT_TOKEN": f"{uuid.uuid4().int % 10**9}:{uuid.uuid4().hex}",
           "WARTA_TELEGRAM_CHANNEL_ID": chat, "WARTA_TELEGRAM_API_BASE_URL": telegram,
           "WARTA_TELEGRAM_PUBLIC_URL_BASE": telegram}
    publisher = Publisher(settings, tmp_path, env)
    try:
        yield {"settings": settings, "publisher": publisher, "graph": graph,
               "telegram": telegram, "page": page, "chat": chat}
    finally:
        publisher.stop()


async def publication(settings: Settings, pub_id: str) -> Document | None:
    mongo = MongoHandle(settings, "publisher")
    try:
        return await mongo.db["publications"].find_one({"_id": pub_id})
    finally:
        mongo.close()


async def held(graph: str, telegram: str) -> bool:
    async with httpx.AsyncClient() as client:
        facebook = (await client.get(f"{graph}/_sandbox/hold")).json()
        bot = (await client.post(f"{telegram}/_sandbox/hold/wait",
                                 json={"method": "sendmessage", "timeout": 1})).json()
    return bool(facebook and all(h["held"] for h in facebook) and bot["held"])


async def test_kill9_between_the_networks_answer_and_the_record_posts_once(
    world: dict[str, Any],
) -> None:
    settings: Settings = world["settings"]
    graph, telegram, page, chat = world["graph"], world["telegram"], world["page"], world["chat"]
    await ensure_topics(settings.kafka_bootstrap)
    publisher: Publisher = world["publisher"]
    publisher.start()
    async with httpx.AsyncClient() as client:
        (await client.post(f"{graph}/_sandbox/hold",
                           json={"method": "POST", "path": f"/{page['page_id']}/feed"})
         ).raise_for_status()
        (await client.post(f"{telegram}/_sandbox/hold", json={"method": "sendMessage"})
         ).raise_for_status()
    article_id = str(uuid.uuid4())
    await publish(settings, approved(article_id, channels=["facebook", "telegram"]))

    async def both_held() -> bool:
        return await held(graph, telegram)

    await eventually(both_held, "both posts made and their answers held", patience=60)
    for channel in ("facebook", "telegram"):  # attempt recorded, outcome not
        doc = await publication(settings, f"{article_id}:{channel}")
        assert doc is not None and doc["attempt_started_at"] is not None
        assert doc["state"] == "pending" and doc["external_id"] is None
    publisher.kill9()
    async with httpx.AsyncClient() as client:  # the answers go to a dead connection
        await client.post(f"{graph}/_sandbox/hold/release", json={})
        await client.post(f"{telegram}/_sandbox/hold/release", json={})
    publisher.start()

    async def settled() -> tuple[Document, Document] | None:
        facebook = await publication(settings, f"{article_id}:facebook")
        bot = await publication(settings, f"{article_id}:telegram")
        if facebook and bot and facebook["state"] == "published" and (
                bot["state"] == "needs_review"):
            return facebook, bot
        return None

    facebook, bot = await eventually(settled, "facebook recorded, telegram for review",
                                     patience=60)
    async with httpx.AsyncClient() as client:
        graph_state = (await client.get(f"{graph}/_sandbox/state")).json()
        bot_state = (await client.get(f"{telegram}/_sandbox/state")).json()
    page_posts = [p for p in graph_state["posts"]
                  if p["_page"] == page["page_id"] and article_id in str(p.get("message"))]
    assert len(page_posts) == 1, page_posts
    assert facebook["external_id"] == page_posts[0]["id"]
    messages = bot_state["chats"].get(chat.lower(), {}).get("messages", [])
    assert len([m for m in messages if article_id in str(m)]) == 1, messages
    assert "mungkin sudah terbit" in bot["error"]
