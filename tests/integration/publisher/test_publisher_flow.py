"""Publisher on the real broker and database: article events in, feeds and events out."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import feedparser
import httpx

from services.publisher.main import create_app
from shared import topics
from shared.auth import Principal, issue_token
from shared.envelope import Envelope, root_event
from shared.events.articles import (
    ARTICLE_APPROVED,
    ARTICLE_CORRECTED,
    ARTICLE_TAKEN_DOWN,
    ArticleApprovedV1,
    ArticleCorrectedV1,
    ArticleTakenDownV1,
)
from shared.events.common import OpdRef
from shared.kafka import ensure_topics
from shared.settings import Settings
from tests.conftest import running
from tests.probes import envelopes_in, eventually, publish, read_topic

SCHEDULER = 0.2
OPD = OpdRef(id="opd-7", code="DISHUB", name="Dinas Perhubungan", region="Kota Makassar",
             timezone="Asia/Makassar")


def approved(article_id: str, *, channels: list[str], publish_at: datetime | None = None,
             headline: str = "Jalur sepeda Losari resmi dibuka") -> Envelope:
    data = ArticleApprovedV1(
        article_id=article_id, report_id=article_id, opd_id=OPD.id, editor="redaktur1",
        article_version=3, decided_at=datetime.now(UTC), opd=OPD, headline=headline,
        body_html="<p>Wali kota membuka jalur sepeda.</p>", summary="Jalur sepeda dibuka",
        category="perhubungan", tags=["sepeda"], channels=channels, publish_at=publish_at)
    return root_event(type=ARTICLE_APPROVED, version=1, source="editorial", subject=article_id,
                      data=data, correlation_id=article_id)


def corrected(article_id: str, headline: str, note: str) -> Envelope:
    data = ArticleCorrectedV1(
        article_id=article_id, report_id=article_id, opd_id=OPD.id, editor="redaktur1",
        article_version=5, decided_at=datetime.now(UTC), opd=OPD, headline=headline,
        body_html="<p>Isi yang sudah diralat.</p>", summary="Ralat", category="perhubungan",
        channels=["feed"], correction_note=note)
    return root_event(type=ARTICLE_CORRECTED, version=1, source="editorial",
                      subject=article_id, data=data, correlation_id=article_id)


def taken_down(article_id: str) -> Envelope:
    data = ArticleTakenDownV1(
        article_id=article_id, report_id=article_id, opd_id=OPD.id, editor="redaktur1",
        article_version=6, decided_at=datetime.now(UTC), reason="Data keliru")
    return root_event(type=ARTICLE_TAKEN_DOWN, version=1, source="editorial",
                      subject=article_id, data=data, correlation_id=article_id)


def editor_headers(settings: Settings) -> dict[str, str]:
    token, _ = issue_token(settings, Principal(subject="redaktur1", role="editor"))
    return {"Authorization": f"Bearer {token}"}


def chief_headers(settings: Settings) -> dict[str, str]:
    """Retry and cancel are a chief editor's (redaktur pelaksana)."""
    token, _ = issue_token(settings, Principal(subject="test-chief_editor", role="chief_editor"))
    return {"Authorization": f"Bearer {token}"}


async def publications(client: httpx.AsyncClient, settings: Settings, article_id: str
                       ) -> list[dict[str, Any]]:
    response = await client.get("/v1/publications", params={"article_id": article_id},
                                headers=editor_headers(settings))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def events_for(settings: Settings, article_id: str, wanted: int, patience: float = 10
                     ) -> list[dict[str, Any]]:
    """Every publication event of this article on the topic (reads until `patience`)."""
    records = await read_topic(settings.kafka_bootstrap, topics.PUBLICATIONS, 10_000, patience)
    mine = [e for e in envelopes_in(records) if e["subject"] == article_id]
    assert len(mine) >= wanted, mine
    return mine


async def test_an_approved_article_reaches_every_feed_once_even_when_redelivered(
    settings: Settings,
) -> None:
    await ensure_topics(settings.kafka_bootstrap)
    article_id = str(uuid.uuid4())
    event = approved(article_id, channels=["feed"])
    async with running(create_app(settings, scheduler_seconds=SCHEDULER)) as client:
        await publish(settings, event, event)  # a redelivery must not post or announce twice

        async def in_rss() -> httpx.Response | None:
            # The topic is shared by the whole session: look for this article's own link.
            response = await client.get("/feeds/rss.xml")
            return response if f"/berita/{article_id}" in response.text else None

        rss = await eventually(in_rss, "the item in the RSS feed")
        assert rss.headers["content-type"].startswith("application/rss+xml")
        parsed = feedparser.parse(rss.text)
        assert parsed.feed.title.startswith("Berita Pemerintah")
        url = f"{settings.website_base_url}/berita/{article_id}"
        [entry] = [e for e in parsed.entries if e.link == url]
        assert entry.id == url and entry.title == "Jalur sepeda Losari resmi dibuka"
        assert entry.published.endswith(("+0000", "GMT", "-0000"))  # RFC 822
        assert entry.published_parsed is not None

        atom = await client.get("/feeds/atom.xml")
        assert atom.headers["content-type"].startswith("application/atom+xml")
        # Only this article's entries: other tests' approvals share the topic.
        assert [e.link for e in feedparser.parse(atom.text).entries if article_id in e.link
                ] == [url]

        feed_json = await client.get("/feeds/feed.json")
        assert feed_json.headers["content-type"].startswith("application/feed+json")
        body = feed_json.json()
        assert body["version"] == "https://jsonfeed.org/version/1.1"
        assert [(i["id"], i["url"], i["title"]) for i in body["items"] if article_id in i["id"]
                ] == [(url, url, "Jalur sepeda Losari resmi dibuka")]

        page = await client.get(f"/berita/{article_id}")
        assert page.status_code == 200 and "Jalur sepeda Losari" in page.text

        [publication] = await publications(client, settings, article_id)
        assert publication["state"] == "published" and publication["url"] == url
        assert publication["attempts"] == 0

        retried = await client.post(f"/v1/publications/{article_id}:feed/retry",
                                    headers=chief_headers(settings))
        assert retried.status_code == 409
        assert "published" in retried.json()["error"]["message"]
        unknown = await client.post("/v1/publications/nope:feed/retry",
                                    headers=chief_headers(settings))
        assert unknown.status_code == 404

    mine = await events_for(settings, article_id, 1)
    assert [e["type"] for e in mine] == ["publication.published"]
    assert mine[0]["correlation_id"] == article_id and mine[0]["causation_id"] == event.id
    assert mine[0]["data"]["url"] == url and mine[0]["data"]["channel"] == "feed"


async def test_an_embargoed_article_appears_only_after_publish_at(settings: Settings) -> None:
    await ensure_topics(settings.kafka_bootstrap)
    article_id = str(uuid.uuid4())
    publish_at = datetime.now(UTC) + timedelta(seconds=4)
    async with running(create_app(settings, scheduler_seconds=SCHEDULER)) as client:
        await publish(settings, approved(article_id, channels=["feed"], publish_at=publish_at,
                                         headline="Pengumuman embargo pelabuhan"))

        async def scheduled() -> list[dict[str, Any]]:
            return [p for p in await publications(client, settings, article_id)
                    if p["state"] == "scheduled"]

        [publication] = await eventually(scheduled, "a scheduled publication")
        assert publication["next_attempt_at"] is not None
        while datetime.now(UTC) < publish_at - timedelta(milliseconds=500):
            assert article_id not in (await client.get("/feeds/rss.xml")).text
            assert (await client.get(f"/berita/{article_id}")).status_code == 404
            await asyncio.sleep(0.3)

        async def in_feed() -> bool:
            return article_id in (await client.get("/feeds/feed.json")).text

        await eventually(in_feed, "the embargoed item after publish_at", patience=15)
        assert datetime.now(UTC) >= publish_at
        [publication] = await publications(client, settings, article_id)
        assert publication["state"] == "published"


async def test_an_unconfigured_channel_is_dead_and_announced_not_pretended(
    settings: Settings,
) -> None:
    await ensure_topics(settings.kafka_bootstrap)
    article_id = str(uuid.uuid4())
    async with running(create_app(settings, scheduler_seconds=SCHEDULER)) as client:
        ready = (await client.get("/readyz")).json()["details"]
        assert ready["channels"]["feed"] == "on" and ready["channels"]["telegram"] == "off"

        await publish(settings, approved(article_id, channels=["telegram", "feed"]))

        async def both_settled() -> list[dict[str, Any]]:
            items = await publications(client, settings, article_id)
            states = {p["channel"]: p["state"] for p in items}
            return items if states == {"telegram": "dead", "feed": "published"} else []

        items = await eventually(both_settled, "telegram dead and feed published")
        [telegram] = [p for p in items if p["channel"] == "telegram"]
        assert telegram["last_error"] == "channel not configured" and telegram["url"] is None

        no_token = await client.post(f"/v1/publications/{article_id}:telegram/retry")
        assert no_token.status_code == 401
        retried = await client.post(f"/v1/publications/{article_id}:telegram/retry",
                                    headers=chief_headers(settings))
        assert retried.status_code == 200, retried.text
        assert retried.json()["state"] == "dead"  # still not configured: not pretended

    mine = await events_for(settings, article_id, 3)
    failed = [e for e in mine if e["type"] == "publication.failed"]
    assert len(failed) == 2 and all(e["data"]["dead"] for e in failed)
    assert {e["data"]["channel"] for e in failed} == {"telegram"}
    assert [e["data"]["channel"] for e in mine if e["type"] == "publication.published"] == [
        "feed"]


async def test_a_correction_updates_the_item_and_a_take_down_removes_it(
    settings: Settings,
) -> None:
    await ensure_topics(settings.kafka_bootstrap)
    article_id = str(uuid.uuid4())
    async with running(create_app(settings, scheduler_seconds=SCHEDULER)) as client:
        await publish(settings, approved(article_id, channels=["feed"]))

        async def page_has(text: str) -> bool:
            page = await client.get(f"/berita/{article_id}")
            return page.status_code == 200 and text in page.text

        await eventually(lambda: page_has("Jalur sepeda Losari"), "the article page")

        fix = corrected(article_id, "Jalur sepeda Losari dibuka (diralat)", "Tanggal diperbaiki")
        await publish(settings, fix, fix)  # redelivered: one correction note
        await eventually(lambda: page_has("diralat"), "the corrected page")
        page = (await client.get(f"/berita/{article_id}")).text
        assert page.count("Tanggal diperbaiki") == 1
        [item] = [i for i in (await client.get("/feeds/feed.json")).json()["items"]
                  if article_id in i["id"]]
        assert item["title"] == "Jalur sepeda Losari dibuka (diralat)"
        assert "Tanggal diperbaiki" in item["content_html"]
        [publication] = await publications(client, settings, article_id)
        assert publication["state"] == "published"

        down = taken_down(article_id)
        await publish(settings, down, down)

        async def gone() -> bool:  # 410 Gone: the press room says it was taken down
            return (await client.get(f"/berita/{article_id}")).status_code == 410

        await eventually(gone, "the page gone after the take-down")
        assert "diralat" not in (await client.get("/feeds/rss.xml")).text
        assert [i for i in (await client.get("/feeds/feed.json")).json()["items"]
                if article_id in i["id"]] == []

        async def marked() -> bool:
            items = await publications(client, settings, article_id)
            return [p["state"] for p in items] == ["taken_down"]

        await eventually(marked, "the publication marked taken_down")
        again = await client.post(f"/v1/publications/{article_id}:feed/retry",
                                  headers=chief_headers(settings))
        assert again.status_code == 409
