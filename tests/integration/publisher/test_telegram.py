"""The Telegram adapter against the Bot API contract server, run as its own process."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from services.publisher.adapters import telegram
from services.publisher.adapters.port import (
    ChannelAmbiguous,
    ChannelAuthFailed,
    ChannelRefused,
    ChannelUnavailable,
)
from tests.integration.publisher.channel_support import context, corrected, jpeg
from tests.integration.publisher.tgx_support import Control, Photos, article


@pytest.fixture
async def control(sandboxes: dict[str, str]) -> Control:
    return await Control.fresh(sandboxes["telegram"])


@pytest.fixture
def credentials(sandboxes: dict[str, str]) -> telegram.Credentials:
    """A bot and a channel of its own per test: the sandbox keeps everything in one memory."""
    return telegram.Credentials(
        bot_token=SecretStr(f"{uuid.uuid4().int % 10**9}:{uuid.uuid4().hex}"),
        channel_id=f"@warta_{uuid.uuid4().hex[:8]}", api_base_url=sandboxes["telegram"],
        public_url_base=sandboxes["telegram"])


@pytest.fixture
def photos() -> Photos:
    return Photos()


@pytest.fixture
def channel(credentials: telegram.Credentials, http: httpx.AsyncClient,
            photos: Photos) -> telegram.TelegramChannel:
    return telegram.build(credentials, http, context(photos))


async def messages(control: Control, chat_id: str) -> list[dict[str, Any]]:
    chats = (await control.get("/state"))["chats"]
    return list(chats.get(chat_id.lower(), {}).get("messages", []))


async def test_check_is_get_me(channel: telegram.TelegramChannel) -> None:
    assert (await channel.check()).startswith("warta_sandbox_")


async def test_publish_without_photo_sends_an_html_message_linking_the_post(
        channel: telegram.TelegramChannel, control: Control, http: httpx.AsyncClient) -> None:
    item = article([], headline="Posyandu <Tamalate> & Mariso")
    posted = await channel.publish(item)
    [message] = await messages(control, channel.chat_id)
    assert posted.external_id == str(message["message_id"]) and posted.extra["kind"] == "text"
    # Escaped for HTML parse mode: Telegram shows the characters, the headline in bold.
    assert message["text"].startswith("Posyandu <Tamalate> & Mariso\n\n")
    assert {"type": "bold", "offset": 0, "length": 28} in message["entities"]
    assert posted.url.endswith(f"/{channel.chat_id[1:]}/{message['message_id']}")
    page = await http.get(posted.url)
    assert page.status_code == 200 and "Posyandu &lt;Tamalate&gt;" in page.text


async def test_publish_one_photo_is_send_photo_with_the_caption(
        channel: telegram.TelegramChannel, control: Control, photos: Photos) -> None:
    item = article([photos.add()])
    posted = await channel.publish(item)
    [message] = await messages(control, channel.chat_id)
    assert posted.extra["kind"] == "photo" and message["photo"][0]["width"] == 800
    assert message["caption"] == telegram.text_for(item, channel.context.article_link(
        item.article_id))


async def test_publish_several_photos_is_one_album_with_the_caption_on_the_first(
        channel: telegram.TelegramChannel, control: Control, photos: Photos) -> None:
    posted = await channel.publish(article([photos.add() for _ in range(3)]))
    album = await messages(control, channel.chat_id)
    assert len(album) == 3 and len({m["media_group_id"] for m in album}) == 1
    assert "caption" in album[0] and all("caption" not in m for m in album[1:])
    assert posted.extra["message_ids"] == ",".join(str(m["message_id"]) for m in album)


async def test_more_than_ten_photos_send_the_first_ten(
        channel: telegram.TelegramChannel, control: Control, photos: Photos) -> None:
    await channel.publish(article([photos.add() for _ in range(12)]))
    assert len(await messages(control, channel.chat_id)) == 10


async def test_correct_edits_text_and_caption_in_place_and_a_repeat_is_done(
        channel: telegram.TelegramChannel, control: Control, photos: Photos) -> None:
    text_item, album_item = article([]), article([photos.add(), photos.add()])
    text_post, album_post = await channel.publish(text_item), await channel.publish(album_item)
    for item, post in ((text_item, text_post), (album_item, album_post)):
        fix = corrected(item, "Jumlah balita 112, bukan 120.")
        assert await channel.correct(fix, post) == post
        await channel.correct(fix, post)  # "message is not modified": already applied
    text_msg, first, _ = await messages(control, channel.chat_id)
    assert text_msg["text"].startswith("Ralat: Jumlah balita 112, bukan 120.\n\n")
    assert "112 balita" in text_msg["text"] and "edit_date" in text_msg
    assert first["caption"].startswith("Ralat: Jumlah balita 112")


async def test_correction_with_a_long_note_still_fits_the_caption(
        channel: telegram.TelegramChannel, control: Control, photos: Photos) -> None:
    item = article([photos.add()], texts={"telegram": "Teks redaktur. " * 60})
    post = await channel.publish(item)
    await channel.correct(corrected(item, "Catatan ralat yang panjang. " * 80), post)
    [message] = await messages(control, channel.chat_id)
    assert len(message["caption"]) <= 1024 and message["caption"].startswith("Ralat: ")


async def test_withdraw_deletes_every_album_message_and_again_is_done(
        channel: telegram.TelegramChannel, control: Control, photos: Photos) -> None:
    post = await channel.publish(article([photos.add() for _ in range(3)]))
    await channel.withdraw(post)
    await channel.withdraw(post)  # already gone: done
    assert all(m["deleted"] for m in await messages(control, channel.chat_id))


async def test_withdraw_after_48_hours_is_refused_with_a_manual_hint(
        channel: telegram.TelegramChannel, control: Control) -> None:
    post = await channel.publish(article([]))
    await control.post("/clock", {"advance_seconds": 48 * 3600 + 60})
    with pytest.raises(ChannelRefused) as refused:
        await channel.withdraw(post)
    assert refused.value.code == "delete_window_passed"
    assert "48 jam" in refused.value.message and post.url in refused.value.message
    assert channel.capabilities.manual_hint and "manual" in channel.capabilities.manual_hint
    assert not (await messages(control, channel.chat_id))[0]["deleted"]


async def test_a_caption_over_the_limit_is_refused_before_any_call(
        channel: telegram.TelegramChannel, control: Control, photos: Photos) -> None:
    item = article([photos.add()], texts={"telegram": "a" * 1025})
    with pytest.raises(ChannelRefused) as refused:
        await channel.publish(item)
    assert refused.value.code == "text_too_long" and "1024" in refused.value.message
    assert await messages(control, channel.chat_id) == []
    # Without a photo the same text fits sendMessage's 4,096.
    await channel.publish(article([], texts={"telegram": "a" * 1025}))


async def test_the_server_enforces_caption_length_and_html_entities(
        channel: telegram.TelegramChannel, credentials: telegram.Credentials) -> None:
    bot = channel.bot
    with pytest.raises(ChannelRefused, match="message caption is too long"):
        await bot.call("sendPhoto", data={"chat_id": credentials.channel_id, "caption": "b" * 1025,
                                          "photo": "https://example.org/a.jpg"})
    with pytest.raises(ChannelRefused, match="can't parse entities: Unsupported start tag"):
        await bot.call("sendMessage", json={"chat_id": credentials.channel_id,
                                            "text": "<p>x</p>", "parse_mode": "HTML"})
    with pytest.raises(ChannelRefused, match="2-10"):
        await bot.call("sendMediaGroup", json={"chat_id": credentials.channel_id, "media": [
            {"type": "photo", "media": "https://example.org/a.jpg"}]})
    # Tags do not count: 4,096 visible characters in bold are accepted.
    await bot.call("sendMessage", json={"chat_id": credentials.channel_id,
                                        "text": f"<b>{'c' * 4096}</b>", "parse_mode": "HTML"})


async def test_429_surfaces_retry_after_and_5xx_is_unavailable(
        channel: telegram.TelegramChannel, control: Control) -> None:
    await control.fault("sendMessage", 429, retry_after=17)
    with pytest.raises(ChannelUnavailable) as limited:
        await channel.publish(article([]))
    assert limited.value.retry_after == 17 and "retry after 17" in limited.value.message
    await control.fault("sendMessage", 502)
    with pytest.raises(ChannelUnavailable) as down:
        await channel.publish(article([]))
    assert down.value.retry_after is None
    await channel.publish(article([]))
    assert len(await messages(control, channel.chat_id)) == 1


async def test_other_4xx_is_refused_with_telegrams_description(
        channel: telegram.TelegramChannel, control: Control) -> None:
    await control.fault("sendMessage", 400, description="Bad Request: TOPIC_CLOSED")
    with pytest.raises(ChannelRefused) as refused:
        await channel.publish(article([]))
    assert refused.value.message == "Bad Request: TOPIC_CLOSED"


async def test_bot_removed_from_channel_needs_reconnecting(
        channel: telegram.TelegramChannel, control: Control) -> None:
    await control.fault("sendMessage", 403)
    with pytest.raises(ChannelAuthFailed, match="not a member"):
        await channel.publish(article([]))


async def test_revoked_token_fails_auth_until_restored(
        channel: telegram.TelegramChannel, control: Control,
        credentials: telegram.Credentials) -> None:
    token = credentials.bot_token.get_secret_value()
    await control.post("/tokens", {"token": token, "revoked": True})
    with pytest.raises(ChannelAuthFailed) as failed:
        await channel.check()
    assert failed.value.message == "Unauthorized" and token not in str(failed.value)
    with pytest.raises(ChannelAuthFailed):
        await channel.publish(article([]))
    await control.post("/tokens", {"token": token, "revoked": False})
    await channel.check()
    await channel.publish(article([]))
    assert len(await messages(control, channel.chat_id)) == 1


async def test_find_existing_cannot_search_a_channel_so_it_asks_an_editor(
        channel: telegram.TelegramChannel) -> None:
    with pytest.raises(ChannelAmbiguous) as ambiguous:
        await channel.find_existing(article([]))
    assert channel.chat_id[1:] in ambiguous.value.message


async def test_hold_answers_only_after_release_with_the_post_already_made(
        channel: telegram.TelegramChannel, control: Control) -> None:
    await control.post("/hold", {"method": "sendMessage"})
    publishing = asyncio.create_task(channel.publish(article([])))
    assert (await control.post("/hold/wait", {"method": "sendMessage"}))["held"]
    assert (await control.get("/hold"))["holds"][0]["held"]
    assert len(await messages(control, channel.chat_id)) == 1  # posted, not yet answered
    assert not publishing.done()
    await control.post("/hold/release", {"method": "sendMessage"})
    assert (await publishing).external_id == "1"


async def test_dm_bot_needs_start_then_reads_updates(
        channel: telegram.TelegramChannel, control: Control,
        credentials: telegram.Credentials) -> None:
    bot, token = channel.bot, credentials.bot_token.get_secret_value()
    with pytest.raises(ChannelAuthFailed, match="can't initiate conversation"):
        await bot.call("sendMessage", json={"chat_id": 4242, "text": "Halo"})
    await control.post("/updates", {"token": token, "user_id": 4242, "text": "/start"})
    [update] = await bot.call("getUpdates", json={"timeout": 1})
    assert update["message"]["text"] == "/start"
    assert await bot.call("getUpdates", json={"offset": update["update_id"] + 1}) == []
    await bot.call("sendMessage", json={"chat_id": 4242, "text": "Halo"})
    await bot.call("setWebhook", json={"url": "http://127.0.0.1:9/hook", "secret_token": "s1"})
    with pytest.raises(ChannelRefused, match="webhook is active"):
        await bot.call("getUpdates", json={})
    await bot.call("deleteWebhook", json={})


async def test_a_panorama_over_telegrams_pixel_sum_is_shrunk_not_refused(
        channel: telegram.TelegramChannel, control: Control, photos: Photos) -> None:
    await channel.publish(article([photos.add(jpeg(9000, 2000))]))
    [message] = await messages(control, channel.chat_id)
    size = message["photo"][0]
    assert size["width"] + size["height"] <= 10000 and size["width"] > 4 * size["height"]
