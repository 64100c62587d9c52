"""The press room (/berita) on the real broker and database: lists, search, articles, feeds."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from functools import partial

import feedparser
import httpx

from services.publisher.main import create_app
from shared.envelope import Envelope, root_event
from shared.events.articles import (
    ARTICLE_APPROVED,
    ARTICLE_CORRECTED,
    ARTICLE_TAKEN_DOWN,
    ArticleApprovedV1,
    ArticleCorrectedV1,
    ArticleTakenDownV1,
)
from shared.events.common import AttachmentRef, OpdRef
from shared.kafka import ensure_topics
from shared.settings import Settings
from tests.conftest import running
from tests.integration.publisher.test_publisher_flow import editor_headers
from tests.probes import eventually, publish

SCHEDULER = 0.2
PHOTOS = [
    AttachmentRef(id="f1", url="http://127.0.0.1:8001/v1/attachments/f1/asli.jpg",
                  content_type="image/jpeg", size=4_812_345, sha256="a" * 64,
                  thumbnail_url="http://127.0.0.1:8001/v1/attachments/f1/kecil.jpg",
                  caption="Wali kota memotong pita", credit="Humas Dishub",
                  alt_text="Wali kota memotong pita di Losari"),
    AttachmentRef(id="f2", url="http://127.0.0.1:8001/v1/attachments/f2/asli.png",
                  content_type="image/png", size=912_000, sha256="b" * 64,
                  caption="Pesepeda pertama", credit="Humas Dishub"),
]


def _opd(code: str) -> OpdRef:
    return OpdRef(id=f"opd-{code}", code=code, name=f"Dinas {code.title()}",
                  region="Kota Makassar", timezone="Asia/Makassar")


def _approved(article_id: str, opd: OpdRef, category: str, headline: str,
              body: str) -> Envelope:
    data = ArticleApprovedV1(
        article_id=article_id, report_id=article_id, opd_id=opd.id, editor="redaktur1",
        article_version=3, decided_at=datetime.now(UTC), opd=opd, headline=headline,
        body_html=f"<p>{body}</p>", summary="Ringkasan kegiatan", category=category,
        tags=["sepeda"], channels=["feed"], attachments=PHOTOS,
        activity_at=datetime(2026, 11, 30, 2, 0, tzinfo=UTC), location="Anjungan Losari")
    return root_event(type=ARTICLE_APPROVED, version=1, source="editorial", subject=article_id,
                      data=data, correlation_id=article_id)


async def _visible(client: httpx.AsyncClient, article_id: str) -> httpx.Response | None:
    page = await client.get(f"/berita/{article_id}")
    return page if page.status_code == 200 else None


async def test_the_press_room_lists_searches_and_serves_articles_with_photos_and_feeds(
    settings: Settings,
) -> None:
    await ensure_topics(settings.kafka_bootstrap)
    run = uuid.uuid4().hex[:6]  # the database is shared by the session: codes of our own
    dishub, dinkes = _opd(f"DISHUB{run}"), _opd(f"DINKES{run}")
    word = f"kata{run}"
    ids = [str(uuid.uuid4()) for _ in range(3)]
    events = [
        _approved(ids[0], dishub, f"perhubungan{run}", "Jalur sepeda Losari dibuka",
                  f"Wali kota membuka jalur sepeda {word.upper()}."),
        _approved(ids[1], dishub, f"kesehatan{run}", "Posyandu keliling",
                  "Pemeriksaan balita di kelurahan."),
        _approved(ids[2], dinkes, f"kesehatan{run}", "Vaksinasi lansia",
                  f"Vaksinasi di puskesmas, {word}."),
    ]
    async with running(create_app(settings, scheduler_seconds=SCHEDULER)) as client:
        await publish(settings, *events)
        for article_id in ids:
            await eventually(partial(_visible, client, article_id), "the article page")

        index = await client.get("/berita")
        assert index.status_code == 200
        assert "Ruang Pers" in index.text and "Vaksinasi lansia" in index.text
        csp = index.headers["content-security-policy"]
        assert "unsafe-inline" not in csp and "default-src 'none'" in csp
        assert "<script" not in index.text and "style=" not in index.text

        found = await client.get("/berita", params={"q": word})
        assert "2 berita" in found.text
        assert "Jalur sepeda Losari" in found.text and "Vaksinasi lansia" in found.text
        assert "Posyandu keliling" not in found.text
        both = await client.get("/berita", params={"q": f"{word} puskesmas"})
        assert "1 berita" in both.text and "Vaksinasi lansia" in both.text

        per_opd = await client.get(f"/berita/opd/{dishub.code}")
        assert per_opd.status_code == 200 and dishub.name in per_opd.text
        assert "Posyandu keliling" in per_opd.text and "Vaksinasi lansia" not in per_opd.text
        assert (await client.get("/berita/opd/TIDAKADA")).status_code == 404
        per_category = await client.get(f"/berita/kategori/kesehatan{run}")
        assert "Posyandu keliling" in per_category.text and "Vaksinasi lansia" in per_category.text
        assert "Jalur sepeda" not in per_category.text

        page = (await client.get(f"/berita/{ids[0]}")).text
        assert f'href="{PHOTOS[0].url}"' in page and f'href="{PHOTOS[1].url}"' in page
        assert 'alt="Wali kota memotong pita di Losari"' in page
        assert 'alt="Pesepeda pertama"' in page  # no alt text: the caption stands in
        assert "Wali kota memotong pita" in page and "Foto: Humas Dishub" in page
        assert "Anjungan Losari" in page and dishub.name in page
        assert "Senin, 30 November 2026 pukul 10.00 WITA" in page  # the activity, local time
        assert "4,6 MB" in page

        rss = feedparser.parse((await client.get(f"/berita/opd/{dishub.code}/rss.xml")).text)
        assert rss.feed.title.startswith(dishub.name)
        assert sorted(e.link.rsplit("/", 1)[1] for e in rss.entries) == sorted(ids[:2])
        [enclosure] = rss.entries[0].enclosures
        assert (enclosure.href, enclosure.type, enclosure.length) == (
            PHOTOS[0].url, "image/jpeg", "4812345")
        atom = feedparser.parse(
            (await client.get(f"/berita/kategori/kesehatan{run}/atom.xml")).text)
        assert atom.version == "atom10"
        assert sorted(e.link.rsplit("/", 1)[1] for e in atom.entries) == sorted(ids[1:])
        assert {(e.href, e.type, e.length) for e in atom.entries[0].enclosures} == {
            (PHOTOS[0].url, "image/jpeg", "4812345"), (PHOTOS[1].url, "image/png", "912000")}
        feed_json = await client.get(f"/berita/opd/{dinkes.code}/feed.json")
        assert feed_json.headers["content-type"].startswith("application/feed+json")
        [item] = feed_json.json()["items"]
        assert item["attachments"][0] == {"url": PHOTOS[0].url, "mime_type": "image/jpeg",
                                          "size_in_bytes": 4_812_345,
                                          "title": "Wali kota memotong pita"}
        assert item["url"].endswith(f"/berita/{ids[2]}")
        assert feed_json.json()["feed_url"].endswith(f"/berita/opd/{dinkes.code}/feed.json")


async def test_a_correction_shows_its_note_and_a_take_down_answers_410(
    settings: Settings,
) -> None:
    await ensure_topics(settings.kafka_bootstrap)
    opd = _opd(f"DISPAR{uuid.uuid4().hex[:6]}")
    article_id = str(uuid.uuid4())
    base = _approved(article_id, opd, "pariwisata", "Festival Losari", "Festival dibuka.")
    data = ArticleCorrectedV1.model_validate({
        **base.model_dump(mode="json")["data"], "article_version": 5,
        "headline": "Festival Pantai Losari", "correction_note": "Nama festival diperbaiki"})
    corrected = root_event(type=ARTICLE_CORRECTED, version=1, source="editorial",
                           subject=article_id, data=data, correlation_id=article_id)
    gone = root_event(type=ARTICLE_TAKEN_DOWN, version=1, source="editorial", subject=article_id,
                      data=ArticleTakenDownV1(
                          article_id=article_id, report_id=article_id, opd_id=opd.id,
                          editor="redaktur1", article_version=6,
                          decided_at=datetime.now(UTC) + timedelta(seconds=1),
                          reason="Data keliru"), correlation_id=article_id)
    async with running(create_app(settings, scheduler_seconds=SCHEDULER)) as client:
        assert (await client.get(f"/berita/{article_id}")).status_code == 404
        await publish(settings, base)
        await eventually(lambda: _visible(client, article_id), "the article page")
        await publish(settings, corrected)

        async def corrected_page() -> httpx.Response | None:
            page = await _visible(client, article_id)
            return page if page is not None and "Ralat" in page.text else None

        page = await eventually(corrected_page, "the correction on the page")
        assert "Festival Pantai Losari" in page.text and "Nama festival diperbaiki" in page.text

        await publish(settings, gone)

        async def withdrawn() -> httpx.Response | None:
            answer = await client.get(f"/berita/{article_id}")
            return answer if answer.status_code == 410 else None

        answer = await eventually(withdrawn, "410 for the taken-down article")
        assert "telah ditarik" in answer.text
        listed = await client.get(f"/berita/opd/{opd.code}")
        assert listed.status_code == 404  # nothing of it is listed any more


async def test_a_feed_key_with_control_characters_or_a_body_not_utf8_gets_a_422(
    settings: Settings,
) -> None:
    """Found by the fuzz suite: both answered 500 / an undocumented 400."""
    async with running(create_app(settings, scheduler_seconds=SCHEDULER)) as client:
        for path in ("/berita/kategori/%01/rss.xml", "/berita/opd/a%7F/atom.xml",
                     "/berita/opd/%0E%17/feed.json"):
            answer = await client.get(path)
            assert answer.status_code == 422, (path, answer.text)
            assert answer.json()["error"]["code"] == "validation_error"
        odd = await client.post("/v1/publications/x/cancel", content=b"\x10)\xff\x1e",
                                headers={"Content-Type": "application/json",
                                         **editor_headers(settings)})
        assert odd.status_code == 422, odd.text
        assert odd.json()["error"]["details"][0]["field"] == "body"
