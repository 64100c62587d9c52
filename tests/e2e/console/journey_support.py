"""The full journey's outside world: the console stack's website, X and Telegram channels set
through the publisher's admin API (a real WordPress, the X and Telegram contract servers), and
reading back what each of them received."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx

from tests.e2e.console.stack import ADMIN, EDITOR, ConsoleStack
from warta_cli.wordpress import WordPress

T = TypeVar("T")
PATIENCE = 120.0  # generous: four services, Kafka and a PHP WordPress on two loaded cores
CHANNELS = ("website", "x", "telegram")


def until(probe: Callable[[], T | None], what: str, patience: float = PATIENCE) -> T:
    deadline = time.monotonic() + patience
    while not (found := probe()):
        assert time.monotonic() < deadline, f"{what}: not within {patience} s"
        time.sleep(0.5)
    return found


@dataclass(frozen=True)
class Outside:
    """Where this test's article goes: its own X account and Telegram channel."""

    site: WordPress
    x_base: str
    x_user_id: str
    telegram_base: str
    telegram_chat: str


def _admin(stack: ConsoleStack) -> httpx.Client:
    return httpx.Client(base_url=stack.base, timeout=30, headers={
        "Authorization": f"Bearer {stack.token(ADMIN, 'admin')}"})


def _set(client: httpx.Client, channel: str, fields: dict[str, Any]) -> None:
    def accepted() -> bool:  # 401 until the publisher hears of the admin's account (Kafka)
        answer = client.put(f"/v1/channels/{channel}/credentials", json={"fields": fields})
        assert answer.status_code in (200, 401), answer.text
        return answer.status_code == 200
    until(accepted, f"the {channel} credentials accepted")


@contextmanager
def channels_set(stack: ConsoleStack, site: WordPress, sandboxes: dict[str, str]
                 ) -> Iterator[Outside]:
    """Website, X and Telegram configured for the test, and turned off again afterwards: the
    package's other tests expect a stack where only the feed posts (e.g. X failing)."""
    x_base, telegram_base = sandboxes["x"], sandboxes["telegram"]
    account = httpx.post(f"{x_base}/_sandbox/accounts", json={}, timeout=15).json()
    outside = Outside(site, x_base, str(account["user_id"]), telegram_base,
                      f"@warta_{uuid.uuid4().hex[:8]}")
    with _admin(stack) as client:
        try:
            _set(client, "website", {"url": site.url, "username": site.username,
                                     "app_password": site.app_password})
            _set(client, "x", {
                "client_id": account["client_id"], "client_secret": account["client_secret"],
                "access_token": account["access_token"],
                "refresh_token": account["refresh_token"],
                "expires_at": (datetime.now(UTC) + timedelta(
                    seconds=int(account["expires_in"]))).isoformat(),
                "api_base_url": x_base, "public_url_base": x_base})
            _set(client, "telegram", {
                "bot_token": f"{uuid.uuid4().int % 10**9}:{uuid.uuid4().hex}",
                "channel_id": outside.telegram_chat, "api_base_url": telegram_base,
                "public_url_base": telegram_base})
            yield outside
        finally:
            turned_off = [client.delete(f"/v1/channels/{c}/credentials").status_code
                          for c in CHANNELS]
            assert turned_off == [200] * len(CHANNELS), turned_off


def article_of_report(stack: ConsoleStack, report_id: str, title: str) -> str:
    """The article editorial made of the OPD's report (it crosses Kafka)."""
    auth = {"Authorization": f"Bearer {stack.token(EDITOR, 'editor')}"}

    def found() -> str | None:
        answer = httpx.get(f"{stack.base}/v1/articles", params={"q": title}, headers=auth,
                           timeout=15)
        items = [a for a in answer.json().get("items", []) if a["report_id"] == report_id]
        return str(items[0]["id"]) if items else None
    return until(found, f"report {report_id} in editorial")


def publications(stack: ConsoleStack, article_id: str) -> dict[str, dict[str, Any]]:
    answer = httpx.get(f"{stack.base}/v1/publications", params={"article_id": article_id},
                       timeout=15, headers={
                           "Authorization": f"Bearer {stack.token(EDITOR, 'editor')}"})
    assert answer.status_code in (200, 401), answer.text
    items = answer.json().get("items", []) if answer.status_code == 200 else []
    return {str(p["channel"]): p for p in items}


def wordpress_post(site: WordPress, article_id: str) -> dict[str, Any] | None:
    """The article's post, read as WordPress's own admin screens would (context=edit)."""
    answer = httpx.get(f"{site.url}/wp-json/wp/v2/posts", timeout=30,
                       auth=(site.username, site.app_password),
                       params={"slug": f"warta-{article_id}", "context": "edit",
                               "status": "publish"})
    assert answer.status_code == 200, answer.text
    posts: list[dict[str, Any]] = answer.json()
    return posts[0] if posts else None


def wordpress_photos(site: WordPress, post: dict[str, Any]) -> list[dict[str, Any]]:
    """The post's photos: its featured image, then the gallery below the text."""
    ids = dict.fromkeys([int(post["featured_media"]), *(int(n) for n in re.findall(
        r"wp-image-(\d+)", str(post["content"]["raw"])))])
    found = []
    for media_id in ids:
        answer = httpx.get(f"{site.url}/wp-json/wp/v2/media/{media_id}", timeout=30,
                           auth=(site.username, site.app_password), params={"context": "edit"})
        assert answer.status_code == 200, answer.text
        found.append(answer.json())
    return found


def tweets(outside: Outside) -> list[dict[str, Any]]:
    state = httpx.get(f"{outside.x_base}/_sandbox/state", timeout=15).json()
    return [t for t in state["tweets"] if str(t["author_id"]) == outside.x_user_id]


def telegram_messages(outside: Outside) -> list[dict[str, Any]]:
    chats = httpx.get(f"{outside.telegram_base}/_sandbox/state", timeout=15).json()["chats"]
    return list(chats.get(outside.telegram_chat.lower(), {}).get("messages", []))
