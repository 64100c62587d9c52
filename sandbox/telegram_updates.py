"""Incoming updates for a bot (a user's /start to the notifier's DM bot): getUpdates or webhook."""

from __future__ import annotations

import asyncio
import contextlib
import re
from typing import Any
from urllib.parse import urlsplit

import httpx

from sandbox.telegram_methods import Params, TelegramError, bad
from sandbox.telegram_world import Bot, World

_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_delivery: dict[int, asyncio.Task[None]] = {}


async def get_updates(world: World, bot: Bot, params: Params) -> Any:
    if bot.webhook is not None:
        raise TelegramError(409, "Conflict: can't use getUpdates method while webhook is "
                                 "active; use deleteWebhook to delete the webhook first")
    offset = int(params.get("offset") or 0)
    limit = max(1, min(int(params.get("limit") or 100), 100))
    timeout = max(0, min(int(params.get("timeout") or 0), 50))
    if offset:  # "an update is considered confirmed as soon as getUpdates is called with an
        bot.updates = [u for u in bot.updates if u["update_id"] >= offset]  # offset higher"
    if not bot.updates and timeout:
        bot.arrived.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(bot.arrived.wait(), timeout)
    return bot.updates[:limit]


async def set_webhook(world: World, bot: Bot, params: Params) -> Any:
    url = str(params.get("url") or "")
    if not url:
        return await delete_webhook(world, bot, params)
    parts = urlsplit(url)
    # Telegram requires HTTPS; loopback http is allowed here because tests have no TLS.
    if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in _LOOPBACK):
        raise bad("bad webhook: HTTPS url must be provided for webhook")
    secret = params.get("secret_token")
    if secret is not None and not _SECRET.match(str(secret)):
        raise bad("bad webhook: secret token contains unallowed characters")
    if str(params.get("drop_pending_updates", "")).lower() == "true":
        bot.updates.clear()
    bot.webhook = {"url": url, "secret_token": secret}
    bot.webhook_error = None
    wake(bot)
    return True


async def delete_webhook(world: World, bot: Bot, params: Params) -> Any:
    bot.webhook = None
    if str(params.get("drop_pending_updates", "")).lower() == "true":
        bot.updates.clear()
    return True


async def get_webhook_info(world: World, bot: Bot, params: Params) -> Any:
    info: dict[str, Any] = {"url": (bot.webhook or {}).get("url", ""),
                            "has_custom_certificate": False,
                            "pending_update_count": len(bot.updates)}
    if bot.webhook_error:
        info["last_error_message"] = bot.webhook_error
    return info


def wake(bot: Bot) -> None:
    """Deliver pending updates to the bot's webhook, in order, retrying until it answers 2xx."""
    if bot.webhook is None:
        return
    task = _delivery.get(bot.id)
    if task is None or task.done():
        _delivery[bot.id] = asyncio.get_running_loop().create_task(_deliver(bot))


async def _deliver(bot: Bot) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        while bot.webhook is not None and bot.updates:
            update, hook = bot.updates[0], bot.webhook
            headers = ({"X-Telegram-Bot-Api-Secret-Token": hook["secret_token"]}
                       if hook.get("secret_token") else {})
            try:
                response = await client.post(hook["url"], json=update, headers=headers)
                ok = response.is_success
                bot.webhook_error = None if ok else f"Wrong response from the webhook: " \
                    f"{response.status_code} {response.reason_phrase}"
            except httpx.HTTPError as exc:
                ok, bot.webhook_error = False, f"Connection failed: {type(exc).__name__}"
            if ok:
                if bot.updates and bot.updates[0] is update:
                    bot.updates.pop(0)
            else:
                await asyncio.sleep(1.0)


def user_update(world: World, bot: Bot, body: dict[str, Any]) -> dict[str, Any]:
    """A private message from a user (default "/start"), as Telegram would deliver it."""
    user = {"id": int(body["user_id"]), "is_bot": False,
            "first_name": str(body.get("first_name", "Jurnalis")),
            **({"username": body["username"]} if body.get("username") else {})}
    text = str(body.get("text", "/start"))
    message = {"message_id": world.next_update_id, "date": world.now(), "from": user,
               "chat": {"id": user["id"], "type": "private", "first_name": user["first_name"]},
               "text": text}
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0,
                                "length": len(text.split(" ", 1)[0])}]
    return {"message": message}
