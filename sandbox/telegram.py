"""Telegram Bot API stand-in: `/bot<token>/<method>`, its limits and errors, and test controls.

Follows docs/channels/telegram-bot-api.md (table of rules: docs/channels/sandbox-telegram.md).
State lives in memory: it stands in for the outside world, not for our own database.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.datastructures import UploadFile

from sandbox import telegram_methods as m
from sandbox import telegram_updates as u
from sandbox.faults import Fault, install_routes
from sandbox.telegram_world import World

_TOKEN = re.compile(r"^\d{1,15}:[A-Za-z0-9_-]{10,}$")
METHODS: dict[str, m.Method] = {
    "getme": m.get_me, "sendmessage": m.send_message, "sendphoto": m.send_photo,
    "sendmediagroup": m.send_media_group, "editmessagetext": m.edit_message_text,
    "editmessagecaption": m.edit_message_caption, "deletemessage": m.delete_message,
    "getupdates": u.get_updates, "setwebhook": u.set_webhook,
    "deletewebhook": u.delete_webhook, "getwebhookinfo": u.get_webhook_info,
}


def _error(status: int, description: str, parameters: dict[str, Any] | None = None
           ) -> JSONResponse:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return JSONResponse(body, status_code=status)


def _fault_response(fault: Fault) -> JSONResponse:
    if fault.status == 429:
        wait = fault.retry_after or 5
        return _error(429, fault.description or f"Too Many Requests: retry after {wait}",
                      {"retry_after": wait})
    defaults = {401: "Unauthorized", 403: "Forbidden: bot is not a member of the channel chat",
                400: "Bad Request: chat not found", 500: "Internal Server Error",
                502: "Bad Gateway"}
    return _error(fault.status, fault.description or defaults.get(fault.status, "Error"))


async def _params(request: Request) -> m.Params:
    """Query string, then a JSON, urlencoded or multipart body; uploaded files become bytes."""
    params: m.Params = dict(request.query_params)
    kind = request.headers.get("content-type", "")
    if kind.startswith("application/json"):
        body = await request.body()
        if body:
            try:
                loaded = json.loads(body)
            except json.JSONDecodeError:
                raise m.bad("can't parse JSON object") from None
            params.update(loaded if isinstance(loaded, dict) else {})
    elif kind.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        form = await request.form()
        for key, value in form.multi_items():
            params[key] = await value.read() if isinstance(value, UploadFile) else value
    return params


def create_app() -> FastAPI:
    world = World()
    app = FastAPI(title="Telegram Bot API sandbox")
    app.state.world = world

    @app.api_route("/bot{token}/{method}", methods=["GET", "POST"])
    async def call(token: str, method: str, request: Request) -> JSONResponse:
        name = method.lower()  # "method names are case-insensitive"
        record: dict[str, Any] = {"method": method, "at": world.now()}
        world.calls.append(record)
        if not _TOKEN.match(token) or name not in METHODS:
            record["status"] = 404
            return _error(404, "Not Found")
        fault = world.controls.take_fault(name)
        if fault is not None:
            record["status"] = fault.status
            return _fault_response(fault)
        if token in world.revoked:
            record["status"] = 401
            return _error(401, "Unauthorized")
        bot = world.bot(token)
        try:
            params = await _params(request)
            record["chat_id"] = params.get("chat_id")
            await world.controls.hold_here(name, "before", world.now())
            result = await METHODS[name](world, bot, params)
        except m.TelegramError as exc:
            record["status"] = exc.status
            return _error(exc.status, exc.description, exc.parameters)
        await world.controls.hold_here(name, "after", world.now())
        record["status"] = 200
        return JSONResponse({"ok": True, "result": result})

    _control_routes(app, world)
    install_routes(app, world.controls, world.now)
    _public_pages(app, world)
    return app


def _public_pages(app: FastAPI, world: World) -> None:
    """t.me/<channel>/<id> and t.me/c/<id>/<id>: the post as a reader sees it (for `warta demo`
    to fetch a printed link back)."""

    def page(key: str, message_id: int) -> HTMLResponse:
        message = world.find(key, message_id)
        if message is None:
            return HTMLResponse("<p>Post not found</p>", status_code=404)
        text = str(message.get("text") or message.get("caption") or "")
        photos = len(message.get("photo") or [])
        return HTMLResponse(f"<article><p>{html.escape(text)}</p>"
                            f"<p>photos: {photos}</p></article>")

    @app.get("/c/{chat}/{message_id}", response_class=HTMLResponse)
    async def private_post(chat: str, message_id: int) -> HTMLResponse:
        return page(str(int(f"-100{chat}")), message_id)

    @app.get("/{username}/{message_id}", response_class=HTMLResponse)
    async def public_post(username: str, message_id: int) -> HTMLResponse:
        return page(f"@{username.lower()}", message_id)


def _control_routes(app: FastAPI, world: World) -> None:
    @app.get("/_sandbox/state")
    async def state() -> dict[str, Any]:
        return world.snapshot()

    @app.post("/_sandbox/reset")
    async def reset() -> dict[str, bool]:
        world.controls.release()
        world.reset()
        return {"ok": True}

    @app.post("/_sandbox/tokens")
    async def tokens(body: dict[str, Any]) -> dict[str, Any]:
        """{"token": "...", "revoked": true}: as /revoke in BotFather; false restores it."""
        token = str(body["token"])
        if body.get("revoked", True):
            world.revoked.add(token)
        else:
            world.revoked.discard(token)
        return {"revoked": token in world.revoked}

    @app.post("/_sandbox/clock")
    async def clock(body: dict[str, Any]) -> dict[str, int]:
        """{"advance_seconds": 172800}: move the stand-in's clock (48-hour delete window)."""
        world.clock_offset += float(body.get("advance_seconds", 0))
        return {"now": world.now()}

    @app.post("/_sandbox/updates")
    async def updates(body: dict[str, Any]) -> dict[str, Any]:
        """{"token", "user_id", "text"="/start"} or {"token", "update": {...}}: an incoming
        update for that bot, served by getUpdates or POSTed to its webhook."""
        bot = world.bot(str(body["token"]))
        raw = body.get("update") or u.user_update(world, bot, body)
        update = world.push_update(bot, raw)
        u.wake(bot)
        return update

    @app.post("/_sandbox/users")
    async def users(body: dict[str, Any]) -> dict[str, Any]:
        """{"token", "user_id", "blocked": true}: the user blocked (or unblocked) the bot."""
        bot = world.bot(str(body["token"]))
        user_id = int(body["user_id"])
        if body.get("blocked", True):
            bot.blocked_users.add(user_id)
        else:
            bot.blocked_users.discard(user_id)
        return {"blocked": user_id in bot.blocked_users}
