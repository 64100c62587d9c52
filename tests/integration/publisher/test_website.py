"""The website adapter against a real WordPress 6.1 (Debian's package, its own MariaDB)."""

from __future__ import annotations

import asyncio
import hashlib
import io
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from PIL import Image
from pydantic import BaseModel, SecretStr

from services.publisher.adapters import website
from services.publisher.adapters.port import (
    AdapterContext,
    ChannelAuthFailed,
    ChannelRefused,
    ChannelUnavailable,
    Posted,
)
from services.publisher.adapters.wordpress_api import WordPressApi, wordpress_error
from shared.events.articles import ArticleApprovedV1, ArticleCorrectedV1
from shared.events.common import AttachmentRef, OpdRef
from warta_cli.infra import free_port
from warta_cli.wordpress import WordPress

OPD = OpdRef(id="opd-3", code="DINKES", name="Dinas Kesehatan", region="Kota Makassar",
             timezone="Asia/Makassar")
ACTIVITY_AT = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # 10.00 WITA


def jpeg(width: int, height: int) -> bytes:
    """A real JPEG with texture, so a 12-megapixel one weighs what a camera's does (~7 MB)."""
    size = (width, height)
    gradient = Image.linear_gradient("L").resize(size, Image.Resampling.BILINEAR)
    grain = Image.effect_noise((max(1, width // 4), max(1, height // 4)), 60).resize(size)
    out = io.BytesIO()
    Image.merge("RGB", (gradient, grain, gradient.rotate(180))).save(out, "JPEG", quality=92)
    return out.getvalue()


class Photos:
    """The bytes the publisher's fetch_photo would return, by attachment id."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def add(self, data: bytes, caption: str, alt: str, credit: str = "Humas Dinkes"
            ) -> AttachmentRef:
        ref = AttachmentRef(id=uuid.uuid4().hex, url="https://warta.example/a", size=len(data),
                            content_type="image/jpeg", sha256=hashlib.sha256(data).hexdigest(),
                            caption=caption, credit=credit, alt_text=alt)
        self.files[ref.id] = data
        return ref

    async def fetch(self, ref: AttachmentRef) -> bytes:
        return self.files[ref.id]


def article(photos: list[AttachmentRef], tags: list[str] | None = None) -> ArticleApprovedV1:
    article_id = str(uuid.uuid4())
    return ArticleApprovedV1(
        article_id=article_id, report_id=article_id, opd_id=OPD.id, editor="redaktur1",
        article_version=2, decided_at=datetime.now(UTC), opd=OPD,
        headline="Posyandu keliling di Tamalate", body_html="<p>Petugas memeriksa 120 balita.</p>",
        summary="Posyandu keliling memeriksa 120 balita.", category="kesehatan",
        tags=tags if tags is not None else ["posyandu"], attachments=photos, channels=["website"],
        activity_at=ACTIVITY_AT, location="Puskesmas Tamalate")


def corrected(original: ArticleApprovedV1, note: str, body: str) -> ArticleCorrectedV1:
    return ArticleCorrectedV1(**(original.model_dump() | {
        "article_version": 3, "correction_note": note, "body_html": body}))


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


def channel(site: WordPress, http: httpx.AsyncClient, photos: Photos | None = None,
            password: str | None = None, url: str | None = None) -> website.WebsiteChannel:
    async def save(_: BaseModel) -> None:
        return None

    context = AdapterContext(article_link=lambda article_id: f"https://warta.example/{article_id}",
                             fetch_photo=(photos or Photos()).fetch, save_credentials=save)
    credentials = website.Credentials(url=url or site.url, username=site.username,
                                      app_password=SecretStr(password or site.app_password))
    return website.build(credentials, http, context)


async def rest(site: WordPress, http: httpx.AsyncClient, route: str, **params: Any) -> Any:
    """Read WordPress back as its own admin screens would (context=edit: raw fields)."""
    answer = await http.get(f"{site.url}/wp-json/wp/v2/{route}", params=params,
                            auth=(site.username, site.app_password))
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_publish_uploads_photos_featured_and_gallery_with_dateline(
        wordpress: WordPress, http: httpx.AsyncClient) -> None:
    photos = Photos()
    big = photos.add(jpeg(4000, 3000), "Kader menimbang balita", "Kader menimbang seorang balita")
    small = photos.add(jpeg(1200, 800), "Antrean ibu dan anak", "Ibu menggendong anak di antrean")
    item = article([big, small], tags=["posyandu", "kesehatan ibu"])

    posted = await channel(wordpress, http, photos).publish(item)

    post = await rest(wordpress, http, f"posts/{posted.external_id}", context="edit")
    assert post["slug"] == f"warta-{item.article_id}" and post["status"] == "publish"
    assert posted.url == post["link"]
    featured, gallery = posted.extra["media"].split(",")
    assert post["featured_media"] == int(featured)
    raw = post["content"]["raw"]
    assert "wp:gallery" in raw and f"wp-image-{gallery}" in raw
    assert f"wp-image-{featured}" not in raw  # the featured image is not repeated below
    for media_id, photo in ((featured, big), (gallery, small)):
        media = await rest(wordpress, http, f"media/{media_id}", context="edit")
        assert media["alt_text"] == photo.alt_text
        assert media["caption"]["raw"] == f"{photo.caption} (Foto: {photo.credit})"
    # WordPress keeps the 12-megapixel original and serves a copy scaled to 2560 pixels.
    details = (await rest(wordpress, http, f"media/{featured}"))["media_details"]
    assert details["original_image"] == f"warta-{item.article_id}-1.jpg"
    assert details["width"] == 2560
    # 02:00 UTC is 10.00 in Makassar (WITA), in Indonesian.
    assert ("<strong>Dinas Kesehatan</strong> — Puskesmas Tamalate, "
            "Senin, 30 November 2026 pukul 10.00 WITA") in raw
    page = await http.get(posted.url)  # the public page, as a reader gets it
    assert page.status_code == 200
    assert "Posyandu keliling di Tamalate" in page.text and "Puskesmas Tamalate" in page.text
    tags = await rest(wordpress, http, "tags", include=",".join(map(str, post["tags"])))
    assert sorted(tag["name"] for tag in tags) == ["kesehatan ibu", "posyandu"]
    categories = await rest(wordpress, http, "categories", include=post["categories"][0])
    assert [c["name"] for c in categories] == ["Kesehatan"]


async def test_terms_are_created_once_across_articles(wordpress: WordPress,
                                                      http: httpx.AsyncClient) -> None:
    tags = [f"banjir rob {uuid.uuid4().hex[:6]}", f"tanggul {uuid.uuid4().hex[:6]}"]
    # One tag made by hand with another slug: found by its name (WordPress's term_exists).
    by_hand = await http.post(f"{wordpress.url}/wp-json/wp/v2/tags",
                              json={"name": tags[1], "slug": f"manual-{uuid.uuid4().hex[:6]}"},
                              auth=(wordpress.username, wordpress.app_password))
    assert by_hand.status_code == 201, by_hand.text
    adapter = channel(wordpress, http)
    first, second = article([], tags), article([], tags)
    # Both at once: each misses the lookup and creates; WordPress keeps one term per name.
    posted = await asyncio.gather(adapter.publish(first), adapter.publish(second))

    posts = [await rest(wordpress, http, f"posts/{p.external_id}") for p in posted]
    assert posts[0]["tags"] == posts[1]["tags"] and len(posts[0]["tags"]) == 2
    assert by_hand.json()["id"] in posts[0]["tags"]
    for name in tags:
        found = await rest(wordpress, http, "tags", search=name)
        assert [t["name"] for t in found] == [name]
    assert posts[0]["categories"] == posts[1]["categories"]


async def test_creates_racing_for_one_new_tag_agree_on_one_term(wordpress: WordPress,
                                                              http: httpx.AsyncClient) -> None:
    """WordPress checks for the name, then inserts, so creates at once can all succeed (two
    publisher replicas, two articles with a new tag): a CI run found two posts with two tags of
    one name. Eight at once against its four workers make that race likely, not certain."""
    name = f"abrasi pantai {uuid.uuid4().hex[:6]}"
    api = WordPressApi(http, wordpress.url, wordpress.username, SecretStr(wordpress.app_password))
    chosen = await asyncio.gather(*(api.term_ids("tags", [name]) for _ in range(8)))
    assert len({ids[0] for ids in chosen}) == 1, chosen
    found = await rest(wordpress, http, "tags", search=name)
    assert [t["id"] for t in found] == chosen[0]  # the younger duplicates are gone


async def test_a_create_that_made_a_second_term_of_a_name_keeps_the_oldest(
        wordpress: WordPress, http: httpx.AsyncClient) -> None:
    """What the racing creates leave, made on purpose: WordPress takes a second term of one name
    when it has its own slug. The younger creator takes the older term and deletes its own."""
    name = f"rob pesisir {uuid.uuid4().hex[:6]}"
    auth = (wordpress.username, wordpress.app_password)
    made = [await http.post(f"{wordpress.url}/wp-json/wp/v2/tags", auth=auth,
                            json={"name": name, "slug": f"{slug}-{uuid.uuid4().hex[:6]}"})
            for slug in ("pertama", "kedua")]
    assert [m.status_code for m in made] == [201, 201], [m.text for m in made]
    older, younger = (int(m.json()["id"]) for m in made)
    api = WordPressApi(http, wordpress.url, wordpress.username, SecretStr(wordpress.app_password))
    assert await api._oldest_of_name("tags", name, younger) == older
    assert await api._oldest_of_name("tags", name, older) == older
    found = await rest(wordpress, http, "tags", search=name)
    assert [t["id"] for t in found] == [older]


async def test_correction_puts_the_ralat_note_on_top_and_keeps_the_photos(
        wordpress: WordPress, http: httpx.AsyncClient) -> None:
    photos = Photos()
    refs = [photos.add(jpeg(800, 600), f"Foto {n}", f"Alt {n}") for n in (1, 2)]
    item = article(refs)
    adapter = channel(wordpress, http, photos)
    posted = await adapter.publish(item)

    first = corrected(item, "Jumlah balita 112, bukan 120.", "<p>Petugas memeriksa 112 balita.</p>")
    again = await adapter.correct(first, posted)
    second = corrected(item, "Lokasi di Puskesmas Tamalate.", "<p>Petugas memeriksa 112 anak.</p>")
    await adapter.correct(second, again)

    raw = (await rest(wordpress, http, f"posts/{posted.external_id}", context="edit")
           )["content"]["raw"]
    assert raw.startswith('<!-- wp:paragraph {"className":"warta-ralat"} -->')
    assert raw.index("Lokasi di Puskesmas Tamalate.") < raw.index("Jumlah balita 112")
    assert "<strong>Ralat</strong>" in raw and "112 anak" in raw and "120 balita" not in raw
    assert f"wp-image-{posted.extra['media'].split(',')[1]}" in raw  # the gallery stays
    assert again.external_id == posted.external_id


async def test_take_down_trashes_and_a_second_one_is_fine(wordpress: WordPress,
                                                         http: httpx.AsyncClient) -> None:
    item = article([])
    adapter = channel(wordpress, http)
    posted = await adapter.publish(item)

    await adapter.withdraw(posted)
    await adapter.withdraw(posted)  # WordPress answers 410 rest_already_trashed: done

    post = await rest(wordpress, http, f"posts/{posted.external_id}", context="edit")
    assert post["status"] == "trash"
    assert await adapter.find_existing(item) is None
    assert (await http.get(posted.url)).status_code == 404


async def test_a_crash_after_wordpress_answered_never_makes_a_second_post(
        wordpress: WordPress) -> None:
    item = article([])

    async def crash_after_post(response: httpx.Response) -> None:
        if response.request.method == "POST" and response.request.url.path.endswith("/posts"):
            raise RuntimeError("killed between WordPress's answer and our record")

    async with httpx.AsyncClient(timeout=30, event_hooks={"response": [crash_after_post]}
                                 ) as crashing:
        with pytest.raises(RuntimeError):
            await channel(wordpress, crashing).publish(item)

    async with httpx.AsyncClient(timeout=30) as http:
        retry = channel(wordpress, http)  # the next attempt, as another replica would make it
        found = await retry.find_existing(item)
        assert found is not None
        assert (await retry.publish(item)).external_id == found.external_id
        same = await rest(wordpress, http, "posts", slug=f"warta-{item.article_id}",
                          status="publish,future,draft,pending,private", context="edit")
        assert [p["id"] for p in same] == [int(found.external_id)]


async def test_find_existing_sees_a_draft_left_by_a_crashed_attempt(
        wordpress: WordPress, http: httpx.AsyncClient) -> None:
    item = article([])
    draft = await http.post(f"{wordpress.url}/wp-json/wp/v2/posts", json={
        "title": item.headline, "slug": f"warta-{item.article_id}", "status": "draft"},
        auth=(wordpress.username, wordpress.app_password))
    assert draft.status_code == 201, draft.text

    found = await channel(wordpress, http).find_existing(item)

    assert found is not None and found.external_id == str(draft.json()["id"])


async def test_check_names_the_account_and_a_wrong_password_is_an_auth_failure(
        wordpress: WordPress, http: httpx.AsyncClient) -> None:
    assert await channel(wordpress, http).check() == "Redaksi Warta"
    wrong = channel(wordpress, http, password="abcd efgh ijkl mnop qrst uvwx")
    with pytest.raises(ChannelAuthFailed) as failure:
        await wrong.check()
    assert failure.value.code in {"incorrect_password", "rest_not_logged_in"}
    with pytest.raises(ChannelAuthFailed):
        await wrong.publish(article([]))


async def test_a_refusal_keeps_wordpress_own_message(wordpress: WordPress,
                                                      http: httpx.AsyncClient) -> None:
    missing = Posted(external_id="987654321", url=f"{wordpress.url}/?p=987654321")
    direct = await http.get(f"{wordpress.url}/wp-json/wp/v2/posts/987654321",
                            auth=(wordpress.username, wordpress.app_password))
    assert direct.status_code == 404

    with pytest.raises(ChannelRefused) as refused:
        await channel(wordpress, http).correct(corrected(article([]), "x", "<p>y</p>"), missing)

    assert refused.value.code == "rest_post_invalid_id"
    assert refused.value.message == direct.json()["message"]


async def test_a_file_wordpress_will_not_take_is_refused_not_retried(
        wordpress: WordPress, http: httpx.AsyncClient) -> None:
    photos = Photos()
    broken = photos.add(b"not a picture at all", "Rusak", "Rusak")

    with pytest.raises(ChannelRefused) as refused:  # WordPress says 500, but means "never"
        await channel(wordpress, http, photos).publish(article([broken]))

    assert refused.value.code == "rest_upload_sideload_error" and refused.value.message


async def test_an_unreachable_site_is_unavailable(wordpress: WordPress,
                                                  http: httpx.AsyncClient) -> None:
    with pytest.raises(ChannelUnavailable) as unavailable:
        await channel(wordpress, http, url=f"http://127.0.0.1:{free_port()}").check()
    assert unavailable.value.code == "network"


@pytest.mark.parametrize(("status", "headers", "kind", "retry_after"), [
    (429, {"Retry-After": "7"}, ChannelUnavailable, 7.0),
    (503, {"Retry-After": "Thu, 01 Jan 1970 00:00:00 GMT"}, ChannelUnavailable, 0.0),
    (502, {}, ChannelUnavailable, None),
    (401, {}, ChannelAuthFailed, None),
    (403, {}, ChannelRefused, None),
    (400, {}, ChannelRefused, None),
])
def test_answers_map_to_the_port(status: int, headers: dict[str, str], kind: type[Exception],
                                 retry_after: float | None) -> None:
    error = wordpress_error(status, {"code": "x", "message": "pesan WordPress"},
                            httpx.Headers(headers))
    assert type(error) is kind and error.message == "pesan WordPress"
    assert getattr(error, "retry_after", None) == retry_after
    forbidden = wordpress_error(403, {"code": "rest_cannot_create", "message": "m"},
                                httpx.Headers())
    assert isinstance(forbidden, ChannelAuthFailed)
