"""The Facebook Page adapter against the Graph contract server (sandbox/graph.py, own process)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from services.publisher.adapters import facebook
from services.publisher.adapters.port import (
    ChannelAmbiguous,
    ChannelAuthFailed,
    ChannelRefused,
    ChannelUnavailable,
    Posted,
)
from tests.integration.publisher.channel_support import SITE, context, corrected
from tests.integration.publisher.graph_support import Photos, Sandbox, article, jpeg
from tests.probes import eventually


@pytest.fixture
async def account(sandbox: Sandbox) -> dict[str, Any]:
    return await sandbox.account()


def page(sandbox: Sandbox, account: dict[str, Any], http: httpx.AsyncClient,
         photos: Photos, token: str | None = None) -> facebook.FacebookPage:
    credentials = facebook.Credentials(page_id=account["page_id"],
                                       page_token=token or account["page_token"],
                                       api_base_url=sandbox.api)
    return facebook.build(credentials, http, context(photos))


async def posts_of(sandbox: Sandbox, account: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in (await sandbox.state())["posts"]
            if p["_page"] == account["page_id"] and not p["_deleted"]]


@pytest.mark.parametrize("count", [1, 3])
async def test_publish_uploads_unpublished_photos_then_one_feed_post(
        sandbox: Sandbox, account: dict[str, Any], http: httpx.AsyncClient, count: int) -> None:
    photos = Photos()
    item = article([photos.add(jpeg()) for _ in range(count)])
    posted = await page(sandbox, account, http, photos).publish(item)

    [post] = await posts_of(sandbox, account)
    assert post["id"] == posted.external_id
    assert f"{SITE}/berita/{item.article_id}" in post["message"]
    assert "#KesehatanIbu" in post["message"] and "<b>" not in post["message"]
    attached = [m["media_fbid"] for m in post["attachments"]["data"]]
    assert attached == posted.extra["photo_ids"].split(",") and len(attached) == count
    photo_nodes = {p["id"]: p for p in (await sandbox.state())["photos"]}
    assert all(photo_nodes[pid]["_published"] is False for pid in attached)
    shown = await http.get(posted.url)  # the URL we record answers with the post
    assert shown.status_code == 200 and item.headline in shown.text


async def test_text_only_post_carries_the_link(
        sandbox: Sandbox, account: dict[str, Any], http: httpx.AsyncClient) -> None:
    item = article([])
    await page(sandbox, account, http, Photos()).publish(item)
    [post] = await posts_of(sandbox, account)
    assert post["link"] == f"{SITE}/berita/{item.article_id}"


async def test_correct_edits_the_message_and_withdraw_deletes_once(
        sandbox: Sandbox, account: dict[str, Any], http: httpx.AsyncClient) -> None:
    photos = Photos()
    item = article([photos.add(jpeg())])
    adapter = page(sandbox, account, http, photos)
    posted = await adapter.publish(item)

    again = await adapter.correct(corrected(item, "Jumlah balita 112, bukan 120."), posted)
    [post] = await posts_of(sandbox, account)
    assert again.external_id == posted.external_id
    assert post["message"].startswith("Ralat: Jumlah balita 112, bukan 120.")
    assert "112 balita" in post["message"]

    await adapter.withdraw(posted)
    assert await posts_of(sandbox, account) == []
    await adapter.withdraw(posted)  # already gone counts as done


async def test_text_over_the_limit_is_refused_before_anything_is_uploaded(
        sandbox: Sandbox, account: dict[str, Any], http: httpx.AsyncClient) -> None:
    photos = Photos()
    item = article([photos.add(jpeg())], texts={"facebook": "x" * 63_207})
    with pytest.raises(ChannelRefused) as refused:
        await page(sandbox, account, http, photos).publish(item)
    assert refused.value.code == "text_too_long" and "63206" in refused.value.message
    assert await sandbox.calls(f"/{account['page_id']}/photos") == 0


@pytest.mark.parametrize("code", [4, 17, 32, 613])
async def test_rate_limit_codes_are_unavailable_with_a_back_off(
        sandbox: Sandbox, account: dict[str, Any], http: httpx.AsyncClient, code: int) -> None:
    await sandbox.fault(f"/{account['page_id']}/feed", code,
                        message=f"(#{code}) Application request limit reached")
    with pytest.raises(ChannelUnavailable) as unavailable:
        await page(sandbox, account, http, Photos()).publish(article([]))
    assert unavailable.value.code == str(code)
    assert unavailable.value.retry_after and unavailable.value.retry_after >= 60
    assert await posts_of(sandbox, account) == []


async def test_usage_above_90_percent_backs_off_before_posting(
        sandbox: Sandbox, account: dict[str, Any], http: httpx.AsyncClient) -> None:
    await sandbox.configure(account["page_id"], app_usage={
        "call_count": 95, "total_cputime": 10, "total_time": 10}, regain_minutes=7)
    photos = Photos()
    with pytest.raises(ChannelUnavailable) as unavailable:
        await page(sandbox, account, http, photos).publish(
            article([photos.add(jpeg()), photos.add(jpeg())]))
    assert unavailable.value.code == "usage" and unavailable.value.retry_after
    assert unavailable.value.retry_after > 6 * 60  # the header's 7 minutes, not a guess
    assert await sandbox.calls(f"/{account['page_id']}/photos") == 1  # stopped after the first
    assert await sandbox.calls(f"/{account['page_id']}/feed") == 0


async def test_server_errors_are_unavailable(
        sandbox: Sandbox, account: dict[str, Any], http: httpx.AsyncClient) -> None:
    await sandbox.fault(f"/{account['page_id']}/feed", 2, status=500,
                        message="An unexpected error has occurred. Please retry your request "
                        "later.", is_transient=True)
    with pytest.raises(ChannelUnavailable) as unavailable:
        await page(sandbox, account, http, Photos()).publish(article([]))
    assert unavailable.value.code == "2"


async def test_other_client_errors_are_refused_with_graphs_message(
        sandbox: Sandbox, account: dict[str, Any], http: httpx.AsyncClient) -> None:
    await sandbox.fault(f"/{account['page_id']}/feed", 506,
                        message="(#506) Duplicate status message")
    with pytest.raises(ChannelRefused) as refused:
        await page(sandbox, account, http, Photos()).publish(article([]))
    assert refused.value.message == "(#506) Duplicate status message"
    assert refused.value.code == "506"


async def test_expired_token_fails_auth_then_works_after_restore(
        sandbox: Sandbox, account: dict[str, Any], http: httpx.AsyncClient) -> None:
    adapter = page(sandbox, account, http, Photos())
    await sandbox.token(account["page_token"], "expire")
    with pytest.raises(ChannelAuthFailed) as failed:
        await adapter.publish(article([]))
    assert failed.value.code == "190/463"
    with pytest.raises(ChannelAuthFailed):
        await adapter.check()
    await sandbox.token(account["page_token"], "restore")
    assert await adapter.check() == account["page_name"]
    await adapter.publish(article([]))
    assert len(await posts_of(sandbox, account)) == 1


async def test_check_refuses_a_token_that_is_not_the_pages(
        sandbox: Sandbox, account: dict[str, Any], http: httpx.AsyncClient) -> None:
    other = await sandbox.account()
    with pytest.raises(ChannelAuthFailed) as failed:
        await page(sandbox, account, http, Photos(), token=other["page_token"]).check()
    assert failed.value.code == "not_page_token"


async def test_find_existing_finds_the_post_a_failed_answer_hid(
        sandbox: Sandbox, account: dict[str, Any], http: httpx.AsyncClient) -> None:
    """Graph code 2 / HTTP 500 whose post went live anyway (koala#699): the retry must find it."""
    photos = Photos()
    item = article([photos.add(jpeg())])
    adapter = page(sandbox, account, http, photos)
    await sandbox.fault(f"/{account['page_id']}/feed", 2, status=500, apply=True)
    with pytest.raises(ChannelUnavailable):
        await adapter.publish(item)
    [post] = await posts_of(sandbox, account)

    found = await adapter.find_existing(item)
    assert found == Posted(external_id=post["id"], url=post["permalink_url"])
    assert await adapter.find_existing(article([])) is None  # another article: not posted


async def test_a_held_answer_leaves_the_post_made_and_reports_held(
        sandbox: Sandbox, account: dict[str, Any], http: httpx.AsyncClient) -> None:
    """The hook the kill -9 test uses: the post exists while its answer is still held."""
    path = f"/{account['page_id']}/feed"
    await http.post(f"{sandbox.base}/_sandbox/hold", json={"method": "POST", "path": path})
    item = article([])
    publishing = asyncio.create_task(page(sandbox, account, http, Photos()).publish(item))

    async def held() -> bool:
        return any(h["held"] for h in (await http.get(f"{sandbox.base}/_sandbox/hold")).json())

    await eventually(held, "the sandbox holds the /feed answer")
    assert len(await posts_of(sandbox, account)) == 1 and not publishing.done()
    await http.post(f"{sandbox.base}/_sandbox/hold/release")
    posted = await publishing
    assert posted.external_id == (await posts_of(sandbox, account))[0]["id"]


async def test_the_configured_graph_version_is_used(
        sandbox: Sandbox, account: dict[str, Any], http: httpx.AsyncClient) -> None:
    credentials = facebook.Credentials(page_id=account["page_id"],
                                       page_token=account["page_token"],
                                       api_base_url=f"{sandbox.base}/v25.0")
    assert await facebook.build(credentials, http, context(Photos())).check()
    calls = (await sandbox.state())["calls"]
    assert calls[-1] == {"method": "GET", "path": "/me"}
    unversioned = await http.get(f"{sandbox.base}/me/feed",
                                 headers={"Authorization": f"Bearer {account['page_token']}"})
    assert unversioned.status_code == 400 and unversioned.json()["error"]["code"] == 100


async def test_find_existing_asks_an_editor_when_the_page_is_too_busy_to_search(
        sandbox: Sandbox, account: dict[str, Any], http: httpx.AsyncClient,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(facebook, "LOOKUP_PAGES", 1)
    auth = {"Authorization": f"Bearer {account['page_token']}"}
    for n in range(101):
        made = await http.post(f"{sandbox.api}/{account['page_id']}/feed", headers=auth,
                               data={"message": f"Kiriman lain {n}"})
        assert made.status_code == 200
    with pytest.raises(ChannelAmbiguous):
        await page(sandbox, account, http, Photos()).find_existing(article([]))
