"""The walking skeleton as a script: one report from an OPD to the feed and a journalist's inbox.

Shared by `warta demo` (against the running local stack) and the end-to-end test (against the
real service processes it starts), so both prove the same journey.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import httpx

from warta_cli.channel_journey import (
    ChannelResult,
    confirm_journalist,
    demo_photo,
    fetch_back,
    follow,
)
from warta_cli.commands import CommandError
from warta_cli.second_factor import Authenticator
from warta_cli.session import login


@dataclass(frozen=True)
class Endpoints:
    ingest: str
    editorial: str
    publisher: str
    notifier: str


@dataclass
class Hop:
    name: str
    seconds: float
    detail: str = ""


@dataclass
class Journey:
    report_id: str = ""
    headline: str = ""
    hops: list[Hop] = field(default_factory=list)
    channels: list[ChannelResult] = field(default_factory=list)


class JourneyFailed(Exception):
    pass


Mailbox = Callable[[], list[EmailMessage]]


async def _until(what: str, probe: Callable[[], Awaitable[Any]], patience: float) -> Any:
    """Poll `probe` until it returns something truthy; fail with `what` after `patience` s."""
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        result = await probe()
        if result:
            return result
        await asyncio.sleep(0.1)
    raise JourneyFailed(f"timed out after {patience:.0f}s waiting for: {what}")


async def run_journey(endpoints: Endpoints, *, api_key: str, editor: tuple[str, str],
                      mailbox: Mailbox, journalist_email: str, patience: float = 60.0,
                      channels: list[str] | None = None,
                      second_factor: Authenticator | None = None) -> Journey:
    """With `channels`, the report carries a photo, is approved for them, and each channel's
    post is followed and fetched back (Journey.channels); otherwise for the feed only."""
    journey = Journey(headline=f"Demo Warta {datetime.now(UTC):%H:%M:%S}: gotong royong")
    async with httpx.AsyncClient(timeout=10) as http:
        started = time.monotonic()

        def hop(name: str, detail: str = "") -> None:
            journey.hops.append(Hop(name, time.monotonic() - started, detail))

        report = {
            "title": journey.headline,
            "body": "<p>Warga dan OPD bergotong royong membersihkan saluran air.</p>",
            "summary": "Kerja bakti membersihkan saluran air.",
            "activity_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
            "location": "Kelurahan Demo", "category": "pemerintahan", "tags": ["demo"],
        }
        if channels is not None:  # Instagram takes nothing without a photo
            photo = await http.post(f"{endpoints.ingest}/v1/attachments",
                                    files={"file": ("kerja-bakti.jpg", demo_photo(),
                                                    "image/jpeg")},
                                    headers={"Authorization": f"Bearer {api_key}"})
            if photo.status_code not in (200, 201):  # 200: the same photo sent before
                raise JourneyFailed(f"ingest refused the photo: {photo.status_code} {photo.text}")
            report["attachment_ids"] = [photo.json()["id"]]
        if await confirm_journalist(http, endpoints.notifier, mailbox, journalist_email):
            hop("the journalist confirmed the address (the emailed link)")
        response = await http.post(f"{endpoints.ingest}/v1/reports", json=report,
                                   headers={"Authorization": f"Bearer {api_key}"})
        if response.status_code != 201:
            raise JourneyFailed(
                f"ingest refused the report: {response.status_code} {response.text}")
        journey.report_id = response.json()["id"]
        hop("ingest accepted the report", journey.report_id)

        try:  # the approving chief editor: editorial's second factor too
            tokens = await login(endpoints.editorial, editor[0], editor[1], second_factor)
        except CommandError as exc:
            raise JourneyFailed(f"editor login failed: {exc}") from exc
        auth = {"Authorization": f"Bearer {tokens.access_token}"}
        article_url = f"{endpoints.editorial}/v1/articles/{journey.report_id}"

        async def queued() -> bool:
            return (await http.get(article_url, headers=auth)).status_code == 200

        await _until("the article in editorial's queue", queued, patience)
        hop("editorial queued it (via Kafka)")

        approval = {"channels": channels or ["feed"]}
        for action, body in (("claim", None), ("approve", approval)):
            result = await http.post(f"{article_url}/{action}", json=body, headers=auth)
            if result.status_code != 200:
                raise JourneyFailed(f"{action} failed: {result.status_code} {result.text}")
        hop("an editor claimed and approved it")

        async def in_feed() -> bool:
            feed = await http.get(f"{endpoints.publisher}/feeds/rss.xml")
            return feed.status_code == 200 and journey.headline in feed.text

        await _until("the item in the public RSS feed", in_feed, patience)
        hop("the publisher put it in the RSS feed")

        def emailed() -> EmailMessage | None:
            for message in mailbox():
                if journalist_email in str(message["To"]) and journey.headline in str(
                        message["Subject"]):
                    return message
            return None

        async def probe_mail() -> EmailMessage | None:
            return emailed()

        message = await _until("the press release in the journalist's inbox", probe_mail,
                               patience)
        hop("the notifier emailed the journalist", str(message["Subject"]))

        async def status_published() -> bool:
            mine = await http.get(f"{endpoints.ingest}/v1/reports/{journey.report_id}",
                                  headers={"Authorization": f"Bearer {api_key}"})
            return mine.status_code == 200 and mine.json().get("status") == "published"

        await _until("the OPD seeing its report as published", status_published, patience)
        hop("the OPD sees its report as published")
        if channels is not None:
            journey.channels = await follow(http, endpoints.publisher, auth, journey.report_id,
                                            channels, patience=patience)
            for outcome in journey.channels:
                await fetch_back(http, outcome, journey.headline)
            hop("each channel's post fetched back from its URL")
    return journey
