"""Channel health and the channels' admin surface: start-up check, GET /v1/channels, /readyz,
health events, and the real `warta channel set | list | check` command."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from services.editorial.main import create_app as editorial_app
from services.publisher.credentials_repository import ChannelRepository
from services.publisher.health_handlers import LEASE_NAME
from services.publisher.main import create_app
from shared import topics
from shared.kafka import ensure_topics
from shared.mongo import MongoHandle
from shared.settings import Settings
from tests.accounts import sign_in
from tests.conftest import running, settings_env
from tests.integration.publisher.queue_support import (
    CHANNEL,
    admin_headers,
    board,
    board_call,
    board_is_the_website,
)
from tests.integration.publisher.test_publisher_flow import editor_headers
from tests.probes import envelopes_in, eventually, read_topic
from tests.serving import served
from warta_cli import infra
from warta_cli.admin import create_first_admin
from warta_cli.main import main
from warta_cli.session import Tokens, save

__all__ = ["board", "board_is_the_website"]  # fixtures
PASSWORD = "kata-sandi-rahasia-2026"


async def test_a_channel_failing_its_start_up_check_is_marked_and_the_publisher_serves_on(
    settings: Settings, board: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    await ensure_topics(settings.kafka_bootstrap)
    await board_call(board, "POST", "/_tokens", ["good-token"])
    started = datetime.now(UTC)
    monkeypatch.setenv("WARTA_WEBSITE_TOKEN", "seeded-token")  # not accepted by the board yet
    monkeypatch.setenv("WARTA_WEBSITE_BOARD", "humas")
    monkeypatch.setenv("WARTA_WEBSITE_API_BASE_URL", board)
    async with running(create_app(settings)) as client:
        async def marked() -> str | None:
            ready = await client.get("/readyz")
            assert ready.status_code == 200  # the feed and the other channels still serve
            state = str(ready.json()["details"]["channels"][CHANNEL])
            return state if state.startswith("needs_reconnect") else None

        assert await eventually(marked, "the seeded channel marked") == (
            "needs_reconnect: token revoked")
        listed = (await client.get("/v1/channels", headers=editor_headers(settings))).json()
        [website] = [c for c in listed["items"] if c["name"] == CHANNEL]
        assert website["enabled"] and website["fields"] == ["api_base_url", "board", "token"]
        assert website["checked_at"] is not None and "seeded-token" not in str(listed)

        await board_call(board, "POST", "/_tokens", ["good-token", "seeded-token"])
        forbidden = await client.post("/v1/channels/check", headers=editor_headers(settings))
        assert forbidden.status_code == 403
        checked = await client.post("/v1/channels/check", headers=admin_headers(settings))
        assert checked.status_code == 200, checked.text
        [website] = [c for c in checked.json()["items"] if c["name"] == CHANNEL]
        assert (website["health"], website["account"]) == ("healthy", "Papan Humas")
    records = await read_topic(settings.kafka_bootstrap, topics.PUBLICATIONS, 10_000, 8)
    changes = [(e["data"]["previous"], e["data"]["health"]) for e in envelopes_in(records)
               if e["type"] == "channel.health_changed" and e["subject"] == CHANNEL
               and datetime.fromisoformat(e["occurred_at"]) >= started]
    assert changes == [("unknown", "needs_reconnect"), ("needs_reconnect", "healthy")]


@pytest.fixture
def served_stack(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                 ) -> Iterator[Settings]:
    """Editorial (the admin's login) and the publisher on real ports, as the command sees them."""
    ports = {f"{name}_port": infra.free_port() for name in ("editorial", "publisher")}
    stack = settings.model_copy(update=ports)
    asyncio.run(ensure_topics(settings.kafka_bootstrap))
    for name, value in settings_env(stack).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("WARTA_HOME", str(tmp_path / "home"))
    with served(editorial_app(stack), ports["editorial_port"]), \
            served(create_app(stack), ports["publisher_port"]):
        yield stack


async def signed_in(stack: Settings, username: str) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{stack.editorial_port}") as client:
        pair = await sign_in(client, username, PASSWORD)
    save(username, Tokens(pair["access_token"], pair["refresh_token"]))


def test_warta_channel_sets_lists_and_checks_through_the_admin_api(
    served_stack: Settings, board: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    admin = f"kepala-{uuid.uuid4().hex[:6]}"
    asyncio.run(create_first_admin(served_stack, username=admin, name="Kepala",
                                   email=f"{admin}@diskominfo.example", password=PASSWORD))
    # An admin signs in with its second factor (editorial's, since this stop), as `warta
    # login --otp` would; the commands then refresh that session.
    asyncio.run(signed_in(served_stack, admin))
    asyncio.run(board_call(board, "POST", "/_tokens", ["good-token"]))

    assert main(["channel", "set", CHANNEL, "--field", "token=good-token"]) == 2
    assert "board" in capsys.readouterr().err  # the adapter's model names the missing field
    assert main(["channel", "set", CHANNEL, "--field", "token=good-token", "--field",
                 "board=humas", "--field", f"api_base_url={board}"]) == 0
    assert "healthy" in capsys.readouterr().out
    assert main(["channel", "list"]) == 0
    out = capsys.readouterr().out
    assert "good-token" not in out
    [line] = [row for row in out.splitlines() if row.startswith(CHANNEL)]
    assert "on " in line and "Papan Humas" in line and "healthy" in line

    asyncio.run(board_call(board, "POST", "/_tokens", ["other"]))  # revoked at the network
    assert main(["channel", "check", CHANNEL]) == 1
    assert "needs_reconnect (token revoked)" in capsys.readouterr().out
    assert main(["channel", "check", "myspace"]) == 2
    assert main(["channel", "off", CHANNEL]) == 0
    capsys.readouterr()
    assert main(["channel", "list"]) == 0
    [line] = [row for row in capsys.readouterr().out.splitlines() if row.startswith(CHANNEL)]
    assert "off" in line


async def test_the_periodic_check_runs_on_one_replica_at_a_time(settings: Settings) -> None:
    mongo = MongoHandle(settings, "publisher")
    try:
        repository, now = ChannelRepository(mongo.db), datetime.now(UTC)
        ttl = timedelta(seconds=270)
        assert await repository.take_lease(LEASE_NAME, "replica-a", now, ttl)
        assert not await repository.take_lease(LEASE_NAME, "replica-b", now, ttl)
        assert await repository.take_lease(LEASE_NAME, "replica-a", now, ttl)  # renewed
        later = now + ttl + timedelta(seconds=1)  # replica-a died: its lease runs out
        assert await repository.take_lease(LEASE_NAME, "replica-b", later, ttl)
        assert not await repository.take_lease(LEASE_NAME, "replica-a", later, ttl)
    finally:
        mongo.close()
