"""The demo's second half: one approved article followed onto each channel, then each post
fetched back from the URL the channel gave, to show that it answers with the article."""

from __future__ import annotations

import asyncio
import html
import io
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

import httpx
from PIL import Image

from shared.vocabulary import CHANNELS

# What `warta demo` approves after `warta stack up --sandbox`: every channel Warta publishes to.
ALL_CHANNELS = list(CHANNELS)
SETTLED = {"published", "dead", "needs_review", "taken_down"}
_CONFIRM = re.compile(r"/v1/signup/confirm/([A-Za-z0-9._~-]+)")


@dataclass
class ChannelResult:
    channel: str
    state: str = "missing"
    url: str | None = None
    seconds: float | None = None  # approval -> published
    error: str | None = None
    fetched: int | None = None  # the URL's HTTP status when fetched back
    shows_article: bool = False

    @property
    def ok(self) -> bool:
        return self.state == "published" and self.shows_article


def demo_photo() -> bytes:
    """A 1080x1080 JPEG (Instagram takes only JPEG, in an allowed aspect ratio)."""
    image = Image.new("RGB", (1080, 1080), (22, 110, 160))
    for x in range(0, 1080, 60):
        image.paste((240, 200, 40), (x, 500, x + 30, 580))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


async def follow(http: httpx.AsyncClient, publisher: str, auth: dict[str, str],
                 article_id: str, channels: list[str], *, patience: float
                 ) -> list[ChannelResult]:
    """Poll the article's publications until each channel settles (or `patience` runs out:
    a channel still pending then is reported, never waited on forever)."""
    started = time.monotonic()
    results = {c: ChannelResult(c) for c in channels}
    while time.monotonic() - started < patience:
        answer = await http.get(f"{publisher}/v1/publications", headers=auth,
                                params={"article_id": article_id})
        if answer.status_code == 200:
            for item in answer.json()["items"]:
                result = results.get(item["channel"])
                if result is None or result.state in SETTLED:
                    continue
                result.state, result.url = item["state"], item.get("url")
                result.error = item.get("last_error")
                if result.state == "published" and item.get("published_at"):
                    # the publisher's own clock: recorded (at approval) -> published
                    result.seconds = (datetime.fromisoformat(item["published_at"])
                                      - datetime.fromisoformat(item["created_at"])
                                      ).total_seconds()
        if all(r.state in SETTLED for r in results.values()):
            break
        await asyncio.sleep(0.2)
    return list(results.values())


async def fetch_back(http: httpx.AsyncClient, result: ChannelResult, headline: str) -> None:
    """The post as a reader gets it from its URL: it must carry the headline."""
    if result.url is None:
        return
    try:
        answer = await http.get(result.url, follow_redirects=True)
    except httpx.HTTPError as exc:
        result.error = f"fetching {result.url}: {exc!r}"
        return
    result.fetched = answer.status_code
    text = html.unescape(answer.text)
    result.shows_article = answer.status_code == 200 and headline in text


def _text(message: EmailMessage) -> str:
    part = message.get_body(("plain", "html"))
    return part.get_content() if part is not None else ""


async def confirm_journalist(http: httpx.AsyncClient, notifier: str,
                             mailbox: Callable[[], list[EmailMessage]], email: str) -> bool:
    """Press the button behind the confirmation link the journalist was emailed (an address an
    admin adds waits for it, like a sign-up); False when there is none (confirmed already)."""
    for message in reversed(mailbox()):
        found = _CONFIRM.search(_text(message)) if email in str(message["To"]) else None
        if found is not None:
            answer = await http.post(f"{notifier}/v1/signup/confirm/{found.group(1)}",
                                     headers={"Accept": "application/json"})
            return answer.status_code == 200
    return False
