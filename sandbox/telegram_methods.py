"""The Bot API methods the stand-in answers, with Telegram's limits and error descriptions."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Awaitable, Callable
from typing import Any

from PIL import Image, UnidentifiedImageError

from sandbox.telegram_entities import EntityError, parse_html
from sandbox.telegram_world import DELETE_WINDOW_S, Bot, World, bot_username

TEXT_MAX, CAPTION_MAX, PHOTO_MAX_BYTES = 4096, 1024, 10 * 1024 * 1024


class TelegramError(Exception):
    def __init__(self, status: int, description: str,
                 parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.parameters = status, description, parameters


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def bad(description: str) -> TelegramError:
    return TelegramError(400, f"Bad Request: {description}")


Params = dict[str, Any]  # strings and JSON values; uploads as bytes
Method = Callable[[World, Bot, Params], Awaitable[Any]]


def _formatted(params: Params, field: str, limit: int, *, required: bool) -> dict[str, Any]:
    """Parse `field` in the requested parse mode; the limit counts the visible text only."""
    raw = str(params.get(field) or "")
    mode = str(params.get("parse_mode") or "").lower()
    try:
        text, entities = parse_html(raw) if mode == "html" else (raw, [])
    except EntityError as exc:
        raise bad(f"can't parse entities: {exc}") from None
    if mode not in {"", "html", "markdownv2", "markdown"}:
        raise bad("unsupported parse_mode")
    lead = _units(text) - _units(text.lstrip())
    text = text.strip()  # Telegram trims the text; entities move with it
    entities = [{**e, "offset": e["offset"] - lead} for e in entities if e["offset"] >= lead]
    if required and not text:
        raise bad("message text is empty")
    if len(text) > limit:  # code points: see docs/channels/telegram-bot-api.md
        raise bad("message is too long" if field == "text" else "message caption is too long")
    if not text:
        return {}
    key = "entities" if field == "text" else "caption_entities"
    return {field: text, **({key: entities} if entities else {})}


def _chat(world: World, bot: Bot, params: Params) -> str:
    chat_id = params.get("chat_id")
    if chat_id in (None, ""):
        raise bad("chat_id is empty")
    try:
        key, chat = world.chat(str(chat_id))
    except ValueError:
        raise bad("chat not found") from None
    if chat["type"] == "private":
        if chat["id"] in bot.blocked_users:
            raise TelegramError(403, "Forbidden: bot was blocked by the user")
        if chat["id"] not in bot.started_users:
            raise TelegramError(403, "Forbidden: bot can't initiate conversation with a user")
    return key


def _photo(world: World, value: Any) -> list[dict[str, Any]]:
    if isinstance(value, bytes):
        if not value:
            raise bad("file must be non-empty")
        if len(value) > PHOTO_MAX_BYTES:
            raise bad("file is too big")
        try:
            with Image.open(io.BytesIO(value)) as image:
                width, height = image.size
        except (UnidentifiedImageError, OSError):
            raise bad("IMAGE_PROCESS_FAILED") from None
        if width + height > 10000 or max(width, height) > 20 * min(width, height):
            raise bad("PHOTO_INVALID_DIMENSIONS")
        digest = hashlib.sha256(value).hexdigest()
        file: dict[str, Any] = {"file_id": f"AgAC{digest[:40]}", "file_unique_id": digest[:16],
                               "width": width, "height": height, "file_size": len(value)}
        world.files[file["file_id"]] = file
        return [file]
    text = str(value or "")
    if text in world.files:
        return [world.files[text]]
    if text.startswith(("http://", "https://")):  # Telegram would fetch it; we cannot
        return [{"file_id": f"AgACurl{hashlib.sha256(text.encode()).hexdigest()[:36]}",
                 "file_unique_id": "url", "width": 0, "height": 0, "url": text}]
    raise bad("wrong file identifier/HTTP URL specified")


async def get_me(world: World, bot: Bot, params: Params) -> Any:
    return {"id": bot.id, "is_bot": True, "first_name": "Warta Sandbox",
            "username": bot_username(bot.id), "can_join_groups": True,
            "can_read_all_group_messages": False, "supports_inline_queries": False}


async def send_message(world: World, bot: Bot, params: Params) -> Any:
    key = _chat(world, bot, params)
    content = _formatted(params, "text", TEXT_MAX, required=True)
    return world.add_message(key, content, bot)


async def send_photo(world: World, bot: Bot, params: Params) -> Any:
    key = _chat(world, bot, params)
    content = _formatted(params, "caption", CAPTION_MAX, required=False)
    photo = _photo(world, params.get("photo"))
    return world.add_message(key, {"photo": photo, **content}, bot)


async def send_media_group(world: World, bot: Bot, params: Params) -> Any:
    key = _chat(world, bot, params)
    raw = params.get("media")
    try:
        media = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError:
        raise bad("can't parse media JSON object") from None
    if not isinstance(media, list) or not all(isinstance(m, dict) for m in media):
        raise bad("expected an Array of InputMedia")
    if not 2 <= len(media) <= 10:
        raise bad("media group must include 2-10 items")
    items = []
    for item in media:
        if item.get("type") != "photo":
            raise bad("unsupported media type in the album")  # we only send photos
        ref = str(item.get("media") or "")
        value = params.get(ref[len("attach://"):]) if ref.startswith("attach://") else ref
        if ref.startswith("attach://") and value is None:
            raise bad("can't parse InputMedia: media not found")
        items.append((_photo(world, value), _formatted(item, "caption", CAPTION_MAX,
                                                       required=False)))
    group = str(10**17 + world.now() * 1000 + len(world.calls))
    return [world.add_message(key, {"photo": photo, "media_group_id": group, **caption}, bot)
            for photo, caption in items]


def _message(world: World, bot: Bot, params: Params, verb: str) -> dict[str, Any]:
    key = _chat(world, bot, params)
    try:
        message = world.find(key, int(params.get("message_id") or 0))
    except ValueError:
        message = None
    if message is None:
        raise bad(f"message to {verb} not found")
    return message


_NOT_MODIFIED = ("message is not modified: specified new message content and reply markup are "
                 "exactly the same as a current content and reply markup of the message")


def _edit(message: dict[str, Any], world: World, content: dict[str, Any], field: str) -> Any:
    entities = "entities" if field == "text" else "caption_entities"
    if all(message.get(k) == content.get(k) for k in (field, entities)):
        raise bad(_NOT_MODIFIED)
    for name in (field, entities):
        message.pop(name, None)
    message.update(content)
    message["edit_date"] = world.now()
    return message


async def edit_message_text(world: World, bot: Bot, params: Params) -> Any:
    message = _message(world, bot, params, "edit")
    if "text" not in message:
        raise bad("there is no text in the message to edit")
    return _edit(message, world, _formatted(params, "text", TEXT_MAX, required=True), "text")


async def edit_message_caption(world: World, bot: Bot, params: Params) -> Any:
    message = _message(world, bot, params, "edit")
    if "photo" not in message:
        raise bad("there is no caption in the message to edit")
    content = _formatted(params, "caption", CAPTION_MAX, required=False)
    return _edit(message, world, content, "caption")


async def delete_message(world: World, bot: Bot, params: Params) -> Any:
    message = _message(world, bot, params, "delete")
    if world.now() - int(message["date"]) >= DELETE_WINDOW_S:
        raise bad("message can't be deleted")
    message["_deleted"] = True
    return True
