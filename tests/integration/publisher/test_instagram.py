"""The Instagram adapter against the Graph contract server, fetching the fitted photos from the
publisher's media route on a real loopback port."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from services.publisher.adapters import instagram
from services.publisher.adapters.port import (
    ChannelAuthFailed,
    ChannelRefused,
    ChannelUnavailable,
    Posted,
)
from services.publisher.fitted_images import FittedImages
from tests.integration.publisher.channel_support import SITE, context, corrected
from tests.integration.publisher.graph_support import Photos, Sandbox, article, image_host, jpeg


@pytest.fixture
async def account(sandbox: Sandbox) -> dict[str, Any]:
    return await sandbox.account(processing_polls=1)


@pytest.fixture
async def host(tmp_path: Path) -> AsyncIterator[FittedImages]:
    async with image_host(tmp_path / "fitted") as hosted:
        yield hosted


class Setup:
    def __init__(self, sandbox: Sandbox, account: dict[str, Any], http: httpx.AsyncClient,
                 host: FittedImages) -> None:
        self.sandbox, self.account, self.photos = sandbox, account, Photos()
        self.ig = account["ig_user_id"]
        self.adapter = instagram.build(instagram.Credentials(
            user_id=self.ig, token=account["ig_token"], api_base_url=sandbox.api),
            http, context(self.photos, host=host))

    async def media(self) -> list[dict[str, Any]]:
        return [m for m in (await self.sandbox.state())["media"] if m["_ig"] == self.ig]

    async def containers(self) -> list[dict[str, Any]]:
        return [c for c in (await self.sandbox.state())["containers"] if c["_ig"] == self.ig]


@pytest.fixture
def ig(sandbox: Sandbox, account: dict[str, Any], http: httpx.AsyncClient,
       host: FittedImages) -> Setup:
    return Setup(sandbox, account, http, host)


async def test_single_awkward_png_is_fitted_and_published(ig: Setup, http: httpx.AsyncClient
                                                         ) -> None:
    panorama = ig.photos.add(jpeg(1800, 600, "PNG"), "image/png", alt="Petugas menimbang balita")
    item = article([panorama])
    posted = await ig.adapter.publish(item)

    [media] = await ig.media()
    assert media["id"] == posted.external_id and media["media_type"] == "IMAGE"
    assert f"{SITE}/berita/{item.article_id}" in media["caption"]
    assert media["_alt"] == ["Petugas menimbang balita"]
    [container] = await ig.containers()
    assert container["status_code"] == "PUBLISHED"
    assert posted.extra["container_id"] == container["id"]
    shown = await http.get(posted.url)  # the permalink answers with the post
    assert shown.status_code == 200 and "Petugas menimbang balita" in shown.text
    image = Image.open(io.BytesIO((await http.get(posted.url.split("/_web")[0]
                                                  + f"/_web/image/{media['id']}/0")).content))
    assert image.format == "JPEG" and 0.8 <= image.width / image.height <= 1.91


async def test_several_photos_make_a_carousel(ig: Setup) -> None:
    item = article([ig.photos.add(jpeg(600, 1800)), ig.photos.add(jpeg()),
                    ig.photos.add(jpeg(1080, 1350), alt="Antrean ibu")])
    await ig.adapter.publish(item)
    [media] = await ig.media()
    assert media["media_type"] == "CAROUSEL_ALBUM" and media["_alt"] == ["", "", "Antrean ibu"]


async def test_more_than_ten_photos_send_the_first_ten(ig: Setup) -> None:
    await ig.adapter.publish(article([ig.photos.add(jpeg()) for _ in range(12)]))
    [media] = await ig.media()
    assert len(media["_alt"]) == 10


async def test_sandbox_refuses_a_carousel_of_eleven_and_a_long_caption(
        sandbox: Sandbox, account: dict[str, Any], http: httpx.AsyncClient) -> None:
    auth = {"Authorization": f"Bearer {account['ig_token']}"}
    url = f"{sandbox.api}/{account['ig_user_id']}/media"
    answer = await http.post(url, headers=auth, data={
        "media_type": "CAROUSEL", "children": ",".join(str(i) for i in range(11))})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == 100
    answer = await http.post(url, headers=auth, data={"image_url": "http://x",
                                                      "caption": "x" * 2201})
    assert "2200" in answer.json()["error"]["message"]


async def test_correct_and_take_down_are_manual_with_the_permalink(ig: Setup) -> None:
    item = article([ig.photos.add(jpeg())])
    posted = await ig.adapter.publish(item)
    assert not ig.adapter.capabilities.can_edit and not ig.adapter.capabilities.can_delete
    assert ig.adapter.capabilities.manual_hint
    with pytest.raises(ChannelRefused) as refused:
        await ig.adapter.correct(corrected(item, "Jumlah balita 112."), posted)
    assert refused.value.code == "manual" and posted.url in refused.value.message
    with pytest.raises(ChannelRefused) as refused:
        await ig.adapter.withdraw(posted)
    assert "secara manual" in refused.value.message and posted.url in refused.value.message


@pytest.mark.parametrize(("texts", "photos", "code"), [
    ({"instagram": "x" * 2201}, 1, "text_too_long"),
    ({}, 0, "too_few_images"),
])
async def test_limits_are_refused_before_any_container(ig: Setup, texts: dict[str, str],
                                                       photos: int, code: str) -> None:
    item = article([ig.photos.add(jpeg()) for _ in range(photos)], texts=texts)
    with pytest.raises(ChannelRefused) as refused:
        await ig.adapter.publish(item)
    assert refused.value.code == code
    assert await ig.containers() == []


@pytest.mark.parametrize("data", [jpeg(200, 200), b"garbage, not a photo"])
async def test_an_unusable_photo_is_refused_with_the_reason(ig: Setup, data: bytes) -> None:
    with pytest.raises(ChannelRefused) as refused:
        await ig.adapter.publish(article([ig.photos.add(data)]))
    assert refused.value.code == "unusable_image" and "gambar" in refused.value.message.lower()
    assert await ig.containers() == []


@pytest.mark.parametrize(("code", "status", "kind"), [
    (4, 400, ChannelUnavailable), (17, 400, ChannelUnavailable), (32, 400, ChannelUnavailable),
    (613, 400, ChannelUnavailable), (2, 500, ChannelUnavailable), (-1, 400, ChannelUnavailable),
    (36003, 400, ChannelRefused),
])
async def test_graph_errors_map_to_the_port(ig: Setup, code: int, status: int,
                                            kind: type[Exception]) -> None:
    await ig.sandbox.fault(f"/{ig.ig}/media_publish", code, status=status,
                           message=f"(#{code}) from the sandbox")
    with pytest.raises(kind) as raised:
        await ig.adapter.publish(article([ig.photos.add(jpeg())]))
    assert raised.value.message == f"(#{code}) from the sandbox"  # type: ignore[attr-defined]
    assert await ig.media() == []


@pytest.mark.parametrize(("code", "subcode", "kind"), [
    (9, 2207042, ChannelUnavailable),  # the limit reached by another replica meanwhile
    (4, 2207051, ChannelRefused),      # "we restrict certain activity": never retry
])
async def test_instagram_subcodes_decide_over_the_code(ig: Setup, code: int, subcode: int,
                                                        kind: type[Exception]) -> None:
    await ig.sandbox.fault(f"/{ig.ig}/media_publish", code, error_subcode=subcode)
    with pytest.raises(kind):
        await ig.adapter.publish(article([ig.photos.add(jpeg())]))


async def test_expired_token_fails_auth_then_works_after_restore(ig: Setup) -> None:
    await ig.sandbox.token(ig.account["ig_token"], "expire")
    with pytest.raises(ChannelAuthFailed):
        await ig.adapter.check()
    with pytest.raises(ChannelAuthFailed):
        await ig.adapter.publish(article([ig.photos.add(jpeg())]))
    await ig.sandbox.token(ig.account["ig_token"], "restore")
    assert await ig.adapter.check() == ig.account["ig_username"]
    await ig.adapter.publish(article([ig.photos.add(jpeg())]))
    assert len(await ig.media()) == 1


async def test_find_existing_finds_media_a_failed_answer_hid(ig: Setup) -> None:
    item = article([ig.photos.add(jpeg())])
    await ig.sandbox.fault(f"/{ig.ig}/media_publish", 2, status=500, apply=True)
    with pytest.raises(ChannelUnavailable):
        await ig.adapter.publish(item)
    [media] = await ig.media()
    found = await ig.adapter.find_existing(item)
    assert found == Posted(external_id=media["id"], url=media["permalink"])
    assert await ig.adapter.find_existing(article([ig.photos.add(jpeg())])) is None


async def test_daily_publishing_limit_is_respected(ig: Setup) -> None:
    await ig.sandbox.configure(ig.account["page_id"], quota_total=2)
    for _ in range(2):
        await ig.adapter.publish(article([ig.photos.add(jpeg())]))
    with pytest.raises(ChannelUnavailable) as unavailable:
        await ig.adapter.publish(article([ig.photos.add(jpeg())]))
    assert unavailable.value.code == "9/2207042"
    assert unavailable.value.retry_after and unavailable.value.retry_after > 86_400 - 600
    assert await ig.sandbox.calls(f"/{ig.ig}/media_publish") == 2  # never tried the third
    await ig.sandbox.advance(86_401)  # the window moves on
    await ig.adapter.publish(article([ig.photos.add(jpeg())]))
    assert len(await ig.media()) == 3


async def test_sandbox_enforces_the_limit_on_media_publish(ig: Setup, http: httpx.AsyncClient
                                                          ) -> None:
    await ig.sandbox.configure(ig.account["page_id"], quota_total=0, processing_polls=0)
    auth = {"Authorization": f"Bearer {ig.account['ig_token']}"}
    url = await ig.adapter.context.host_image(jpeg())  # type: ignore[misc]
    made = await http.post(f"{ig.sandbox.api}/{ig.ig}/media", headers=auth,
                           data={"image_url": url})
    answer = await http.post(f"{ig.sandbox.api}/{ig.ig}/media_publish", headers=auth,
                             data={"creation_id": made.json()["id"]})
    error = answer.json()["error"]
    assert (answer.status_code, error["code"], error["error_subcode"]) == (400, 9, 2207042)


async def test_polls_in_progress_until_finished(ig: Setup) -> None:
    await ig.sandbox.configure(ig.account["page_id"], processing_polls=3)
    posted = await ig.adapter.publish(article([ig.photos.add(jpeg())]))
    reads = await ig.sandbox.calls(f"/{posted.extra['container_id']}", method="GET")
    assert reads == 4  # three IN_PROGRESS answers, then FINISHED


@pytest.mark.parametrize("count", [1, 3])
async def test_a_container_in_error_is_refused_and_never_published(ig: Setup, count: int
                                                                  ) -> None:
    await ig.sandbox.configure(ig.account["page_id"], fail_next_containers=1)
    with pytest.raises(ChannelRefused) as refused:
        await ig.adapter.publish(article([ig.photos.add(jpeg()) for _ in range(count)]))
    assert refused.value.code == "container_ERROR" and "2207001" in refused.value.message
    assert await ig.sandbox.calls(f"/{ig.ig}/media_publish") == 0


async def test_media_route_serves_fitted_jpegs_immutably(host: FittedImages,
                                                         http: httpx.AsyncClient) -> None:
    url = await host.host(jpeg())
    answer = await http.get(url)
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/jpeg"
    assert "immutable" in answer.headers["cache-control"]
    missing = await http.get(url.replace(url.rsplit("/", 1)[1], "0" * 64 + ".jpg"))
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert (await http.get(url.rsplit("/", 1)[0] + "/..%2Fsecret")).status_code == 404
