"""Shared by the publish-queue tests: the board network on a real port, registered as the
`website` channel, and the admin calls that set its credentials."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from services.publisher import channels
from shared.auth import Principal, issue_token
from shared.settings import Settings
from tests.integration.publisher.board import board_app
from tests.serving import served
from warta_cli import infra

CHANNEL = "website"
BOARD_MODULE = "tests.integration.publisher.board"


@pytest.fixture(scope="module")
def board() -> Iterator[str]:
    with served(board_app(), infra.free_port()) as url:  # type: ignore[arg-type]
        yield url


@pytest.fixture(autouse=True)
def board_is_the_website(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(channels.MODULES, CHANNEL, BOARD_MODULE)


def admin_headers(settings: Settings) -> dict[str, str]:
    token, _ = issue_token(settings, Principal(subject="test-admin", role="admin"))
    return {"Authorization": f"Bearer {token}"}


async def board_call(board: str, method: str, path: str, body: Any = None) -> Any:
    async with httpx.AsyncClient(base_url=board) as client:
        response = await client.request(method, path, json=body)
        response.raise_for_status()
        return response.json()


async def posts_of(board: str, article_id: str) -> list[dict[str, Any]]:
    posts: list[dict[str, Any]] = (await board_call(board, "GET", "/_state"))["posts"]
    return [p for p in posts if p["article_id"] == article_id]


async def connect(client: httpx.AsyncClient, settings: Settings, board: str,
                  token: str = "good-token") -> dict[str, Any]:
    response = await client.put(f"/v1/channels/{CHANNEL}/credentials",
                                headers=admin_headers(settings),
                                json={"fields": {"token": token, "board": "humas",
                                                 "api_base_url": board}})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
