"""The X adapter against the X API v2 contract server, run as its own process."""

from __future__ import annotations

import io
import os
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from PIL import Image
from pydantic import SecretStr

from services.publisher.adapters import x
from services.publisher.adapters.port import (
    ChannelAmbiguous,
    ChannelAuthFailed,
    ChannelRefused,
    ChannelUnavailable,
)
from tests.integration.publisher.channel_support import Saved, context, corrected
from tests.integration.publisher.tgx_support import Control, Photos, article


@pytest.fixture
async def control(sandboxes: dict[str, str]) -> Control:
    return await Control.fresh(sandboxes["x"])


@pytest.fixture
async def account(control: Control) -> dict[str, Any]:
    """An X account after the OAuth 2.0 consent flow (its own per test)."""
    made: dict[str, Any] = await control.post("/accounts", {})
    return made


def credentials_of(account: dict[str, Any], base: str, **more: Any) -> x.Credentials:
    fields: dict[str, Any] = {
        "client_id": account["client_id"], "client_secret": SecretStr(account["client_secret"]),
        "access_token": SecretStr(account["access_token"]),
        "refresh_token": SecretStr(account["refresh_token"]),
        "expires_at": datetime.now(UTC) + timedelta(seconds=account["expires_in"]),
        "api_base_url": base, "public_url_base": base} | more
    return x.Credentials(**fields)


@pytest.fixture
def photos() -> Photos:
    return Photos()


@pytest.fixture
def saved() -> Saved:
    return Saved()


@pytest.fixture
def channel(account: dict[str, Any], sandboxes: dict[str, str], http: httpx.AsyncClient,
            photos: Photos, saved: Saved) -> x.XChannel:
    return x.build(credentials_of(account, sandboxes["x"]), http, context(photos, saved))


async def posts_of(control: Control, account: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for t in (await control.get("/state"))["tweets"]
            if t["author_id"] == account["user_id"]]


async def test_check_is_users_me(channel: x.XChannel, account: dict[str, Any]) -> None:
    assert await channel.check() == f"@{account['username']}"


async def test_publish_text_only_links_the_article_and_the_post(
        channel: x.XChannel, control: Control, account: dict[str, Any],
        http: httpx.AsyncClient) -> None:
    item = article([])
    posted = await channel.publish(item)
    [post] = await posts_of(control, account)
    link = channel.context.article_link(item.article_id)
    assert post["id"] == posted.external_id and post["original_text"].startswith(
        "Posyandu keliling di Tamalate\n\n")
    assert [u["expanded_url"] for u in post["urls"]] == [link]  # shown as t.co
    assert posted.url.endswith(f"/{account['username']}/status/{posted.external_id}")
    page = await http.get(posted.url)
    assert page.status_code == 200 and "Posyandu keliling" in page.text


async def test_publish_with_photos_attaches_at_most_four_with_alt_text(
        channel: x.XChannel, control: Control, account: dict[str, Any],
        photos: Photos) -> None:
    one = await channel.publish(article([photos.add()]))
    six = await channel.publish(article([photos.add() for _ in range(6)],
                                        headline="Enam foto kegiatan"))
    state = await control.get("/state")
    by_id = {t["id"]: t for t in state["tweets"]}
    assert len(by_id[one.external_id]["media_ids"]) == 1
    assert len(by_id[six.external_id]["media_ids"]) == 4
    media = state["media"][by_id[six.external_id]["media_ids"][0]]
    assert media["alt_text"] == "Warga antre di posyandu" and media["image_type"] == "image/jpeg"


async def test_correction_is_a_ralat_reply_and_take_down_removes_both(
        channel: x.XChannel, control: Control, account: dict[str, Any]) -> None:
    item = article([])
    posted = await channel.publish(item)
    assert not channel.capabilities.can_edit and "manual" in str(
        channel.capabilities.manual_hint)
    fixed = await channel.correct(corrected(item, "Jumlah balita 112. " * 30), posted)
    again = await channel.correct(corrected(item, "Jumlah balita 112. " * 30), fixed)
    assert again == fixed  # X refuses the duplicate: the correction is already out
    _post, reply = await posts_of(control, account)
    assert reply["in_reply_to_tweet_id"] == posted.external_id
    assert reply["original_text"].startswith("Ralat: Jumlah balita 112.")
    assert fixed.extra["reply_ids"] == reply["id"]
    await channel.withdraw(fixed)
    await channel.withdraw(fixed)  # already gone: done
    assert all(t["deleted"] for t in await posts_of(control, account))


async def test_a_url_counts_23_so_a_long_link_fits_and_one_char_more_does_not(
        channel: x.XChannel, control: Control, account: dict[str, Any]) -> None:
    url = "https://warta.example.go.id/berita/" + "panjang-" * 10
    fits = "a" * 256 + " " + url  # 256 + 1 + 23 = 280 weighted, far more characters
    await channel.publish(article([], texts={"x": fits}))
    with pytest.raises(ChannelRefused) as refused:
        await channel.publish(article([], texts={"x": "b" + fits}))
    assert refused.value.code == "text_too_long" and "280" in refused.value.message
    assert len(await posts_of(control, account)) == 1


async def test_the_server_refuses_text_over_280_weighted(channel: x.XChannel) -> None:
    with pytest.raises(ChannelRefused, match="Your Tweet text is too long"):
        await channel.client.call("POST", "/2/tweets", json={"text": "日本" * 71})
    with pytest.raises(ChannelRefused, match="between 1 and 4"):
        await channel.client.call("POST", "/2/tweets", json={
            "text": "lima foto", "media": {"media_ids": ["1", "2", "3", "4", "5"]}})


async def test_429_gives_the_reset_time_and_503_is_unavailable(
        channel: x.XChannel, control: Control, account: dict[str, Any]) -> None:
    await control.fault("post /2/tweets", 429, retry_after=900)
    with pytest.raises(ChannelUnavailable) as limited:
        await channel.publish(article([]))
    assert limited.value.retry_after is not None and 800 < limited.value.retry_after <= 900
    await control.fault("post /2/tweets", 503)
    with pytest.raises(ChannelUnavailable):
        await channel.publish(article([]))
    await channel.publish(article([]))
    assert len(await posts_of(control, account)) == 1


async def test_other_4xx_is_refused_with_xs_detail(channel: x.XChannel,
                                                   control: Control) -> None:
    await control.fault("post /2/tweets", 400, description="Your media IDs are invalid.")
    with pytest.raises(ChannelRefused) as refused:
        await channel.publish(article([]))
    assert refused.value.message == "Your media IDs are invalid."


async def test_an_app_only_bearer_token_cannot_post(
        control: Control, account: dict[str, Any], sandboxes: dict[str, str],
        http: httpx.AsyncClient, photos: Photos) -> None:
    app_token = (await control.post("/app_token", {}))["access_token"]
    creds = credentials_of(account, sandboxes["x"], access_token=SecretStr(app_token),
                           user_id=account["user_id"], username=account["username"])
    channel = x.build(creds, http, context(photos))
    with pytest.raises(ChannelAuthFailed, match="Application-Only is forbidden"):
        await channel.publish(article([]))


async def test_revoked_tokens_fail_auth_until_restored(
        channel: x.XChannel, control: Control, account: dict[str, Any]) -> None:
    for token in (account["access_token"], account["refresh_token"]):
        await control.post("/tokens", {"token": token, "revoked": True})
    with pytest.raises(ChannelAuthFailed, match="hubungkan ulang"):
        await channel.publish(article([]))
    for token in (account["access_token"], account["refresh_token"]):
        await control.post("/tokens", {"token": token, "revoked": False})
    await channel.publish(article([]))
    assert len(await posts_of(control, account)) == 1


async def test_expired_token_is_refreshed_once_and_the_rotated_pair_saved(
        *, channel: x.XChannel, control: Control, account: dict[str, Any], saved: Saved,
        sandboxes: dict[str, str], http: httpx.AsyncClient, photos: Photos) -> None:
    await control.post("/clock", {"advance_seconds": 2 * 3600 + 60})  # X's 2-hour expiry
    await channel.publish(article([]))  # 401, refresh, repeat
    [new] = saved.items
    assert isinstance(new, x.Credentials)
    assert new.refresh_token.get_secret_value() != account["refresh_token"]
    # The old refresh token is spent; only the saved pair works from now on.
    stale = x.build(credentials_of(account, sandboxes["x"], expires_at=None), http,
                    context(photos))
    with pytest.raises(ChannelAuthFailed):
        await stale.check()
    assert await x.build(new, http, context(photos)).check() == f"@{account['username']}"


async def test_a_token_about_to_expire_is_refreshed_before_the_call(
        *, account: dict[str, Any], sandboxes: dict[str, str], http: httpx.AsyncClient,
        photos: Photos, saved: Saved, control: Control) -> None:
    creds = credentials_of(account, sandboxes["x"],
                           expires_at=datetime.now(UTC) + timedelta(minutes=1))
    await x.build(creds, http, context(photos, saved)).check()
    assert len(saved.items) == 1
    calls = (await control.get("/state"))["calls"]
    assert [c["route"] for c in calls[-2:]] == ["post /2/oauth2/token", "get /2/users/me"]
    assert calls[-1].get("status") == 200


async def test_find_existing_matches_the_article_link_in_recent_posts(
        channel: x.XChannel, control: Control) -> None:
    item = article([])
    posted = await channel.publish(item)
    found = await channel.find_existing(item)
    assert found is not None and found.external_id == posted.external_id
    assert await channel.find_existing(article([])) is None
    await control.fault("get /2/users/tweets", 403, description="Not enough credits")
    with pytest.raises(ChannelAmbiguous, match="Not enough credits"):
        await channel.find_existing(item)


async def test_a_retried_publish_finds_the_earlier_post_instead_of_a_second(
        channel: x.XChannel, control: Control, account: dict[str, Any]) -> None:
    item = article([])
    first = await channel.publish(item)
    again = await channel.publish(item)  # X: "duplicate content"; we look it up
    assert again.external_id == first.external_id
    assert len(await posts_of(control, account)) == 1


async def test_a_photo_over_5_mb_is_re_encoded_to_fit(
        channel: x.XChannel, control: Control, photos: Photos) -> None:
    out = io.BytesIO()  # noise does not compress: a PNG of ~5.8 MB
    Image.frombytes("RGB", (1600, 1200), os.urandom(1600 * 1200 * 3)).save(out, "PNG")
    assert out.tell() > 5 * 1024 * 1024
    ref = photos.add(out.getvalue())
    posted = await channel.publish(article([ref]))
    state = await control.get("/state")
    [media_id] = next(t for t in state["tweets"] if t["id"] == posted.external_id)["media_ids"]
    media = state["media"][media_id]
    assert media["image_type"] == "image/jpeg" and media["size"] <= 5 * 1024 * 1024
    assert (media["w"], media["h"]) == (1600, 1200)
