"""Contract server for the WhatsApp Cloud API: template messages, Graph errors, signed webhooks.

`POST /{vN.N}/{phone-number-id}/messages` with a Bearer token; templates checked against the
registered ones (name, language, body parameter count and type); the documented error codes;
status webhooks signed `X-Hub-Signature-256: sha256=<HMAC of the raw body, key = app secret>`
after the `hub.*` verification handshake. Rules and vendor pages: docs/channels/sandbox-whatsapp.md.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

VERSION = re.compile(r"^v\d+\.\d+$")
PHONE_NUMBER_ID, TOKEN = "109000000000001", "sandbox-whatsapp-token"
APP_SECRET, ACCOUNT_ID = "sandbox-whatsapp-app-secret", "102000000000001"
THROUGHPUT_PER_SECOND = 80
TEMPLATES = {"kode_konfirmasi": 1, "siaran_pers": 3, "undangan_liputan_rsvp": 5, "ralat": 3,
             "penarikan_berita": 2, "kesehatan_kanal": 5, "laporan_dikembalikan": 3,
             "laporan_ditolak": 3, "laporan_terbit": 2, "kepatuhan_tertinggal": 4}
TITLES = {130429: "Rate limit hit", 131056: "(Business Account, Consumer Account) pair rate "
          "limit hit", 131047: "Re-engagement message", 131026: "Message Undeliverable",
          132000: "Number of parameters does not match the expected number of params",
          132001: "Template name does not exist in the translation",
          190: "Error validating access token: Session has expired", 100: "Invalid parameter"}
STATUS_OF = {130429: 429, 131056: 429, 190: 401, 132001: 404}


@dataclass
class State:
    token: str = TOKEN
    app_secret: str = APP_SECRET
    templates: dict[str, int] = field(default_factory=lambda: dict(TEMPLATES))
    messages: list[dict[str, Any]] = field(default_factory=list)
    faults: list[dict[str, Any]] = field(default_factory=list)
    undeliverable: set[str] = field(default_factory=set)
    open_windows: set[str] = field(default_factory=set)
    pair_interval: float = 6.0
    last_to: dict[str, float] = field(default_factory=dict)
    second: tuple[int, int] = (0, 0)
    webhook: dict[str, Any] = field(default_factory=dict)
    webhooks_sent: list[dict[str, Any]] = field(default_factory=list)


class Failure(Exception):
    def __init__(self, code: int, details: str) -> None:
        super().__init__(details)
        self.code, self.details = code, details


def graph_error(code: int, details: str) -> JSONResponse:
    return JSONResponse({"error": {
        "message": f"({'#' + str(code)}) {TITLES.get(code, 'Error')}", "type": "OAuthException",
        "code": code, "error_data": {"messaging_product": "whatsapp", "details": details},
        "fbtrace_id": secrets.token_urlsafe(9)}}, status_code=STATUS_OF.get(code, 400))


def check_template(state: State, template: Any) -> None:
    if not isinstance(template, dict) or not isinstance(template.get("name"), str):
        raise Failure(100, "template.name is required")
    expected = state.templates.get(template["name"])
    if expected is None or (template.get("language") or {}).get("code") != "id":
        raise Failure(132001, f"template name ({template['name']}) does not exist in id")
    bodies = [c for c in template.get("components") or [] if c.get("type") == "body"]
    params = bodies[0].get("parameters", []) if bodies else []
    if len(params) != expected:
        raise Failure(132000, f"body: number of localizable_params ({len(params)}) does not "
                      f"match the expected number of params ({expected})")
    for param in params:
        if param.get("type") != "text" or not str(param.get("text", "")).strip():
            raise Failure(132000, "body parameters must be non-empty text")


def accept(state: State, number_id: str, request_token: str, body: dict[str, Any]) -> str:
    if number_id != PHONE_NUMBER_ID or not hmac.compare_digest(request_token, state.token):
        raise Failure(190, "Invalid OAuth access token")
    to = str(body.get("to", "")).lstrip("+")
    if body.get("messaging_product") != "whatsapp" or not to.isdigit():
        raise Failure(100, "messaging_product must be whatsapp and to a phone number")
    for fault in state.faults:
        if fault["count"] > 0 and fault.get("to") in (None, to):
            fault["count"] -= 1
            raise Failure(int(fault["code"]), fault.get("details", "injected"))
    now = time.time()
    second, count = state.second
    state.second = (int(now), count + 1 if int(now) == second else 1)
    if state.second[1] > THROUGHPUT_PER_SECOND:
        raise Failure(130429, "Message failed to send because there were too many messages "
                      "sent from this phone number in a short period of time")
    if now - state.last_to.get(to, 0.0) < state.pair_interval:
        raise Failure(131056, "Message failed to send because there were too many messages "
                      "sent from this phone number to the same phone number")
    if body.get("type") == "template":
        check_template(state, body.get("template"))
    elif to not in state.open_windows:
        raise Failure(131047, "Message failed to send because more than 24 hours have passed "
                      "since the customer last replied to this number")
    state.last_to[to] = now
    wamid = f"wamid.{secrets.token_hex(12)}"
    state.messages.append({"id": wamid, "to": to, "type": body.get("type"),
                           "template": body.get("template"), "text": body.get("text"),
                           "biz_opaque_callback_data": body.get("biz_opaque_callback_data")})
    return wamid


def status_payload(message: dict[str, Any], status: str, error: int | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": message["id"], "status": status,
                             "timestamp": str(int(time.time())), "recipient_id": message["to"]}
    if message.get("biz_opaque_callback_data"):
        entry["biz_opaque_callback_data"] = message["biz_opaque_callback_data"]
    if error:
        entry["errors"] = [{"code": error, "title": TITLES[error], "message": TITLES[error],
                            "error_data": {"details": TITLES[error]}}]
    return {"object": "whatsapp_business_account", "entry": [{"id": ACCOUNT_ID, "changes": [{
        "field": "messages", "value": {"messaging_product": "whatsapp", "metadata": {
            "display_phone_number": "6281100000000", "phone_number_id": PHONE_NUMBER_ID},
            "statuses": [entry]}}]}]}


async def post_signed(state: State, payload: dict[str, Any]) -> int:
    raw = json.dumps(payload, ensure_ascii=True).encode()  # Meta signs the escaped bytes
    digest = hmac.new(state.app_secret.encode(), raw, hashlib.sha256).hexdigest()
    async with httpx.AsyncClient(timeout=5) as http:
        response = await http.post(state.webhook["url"], content=raw, headers={
            "Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={digest}"})
    state.webhooks_sent.append({"status": response.status_code, "payload": payload})
    return response.status_code


async def report_statuses(state: State, message: dict[str, Any]) -> None:
    if not state.webhook.get("verified"):
        return
    steps = ([("failed", 131026)] if message["to"] in state.undeliverable
             else [("sent", None), ("delivered", None)])
    for status, error in steps:
        for _ in range(3):  # Meta retries a failed webhook delivery with backoff
            try:
                if await post_signed(state, status_payload(message, status, error)) == 200:
                    break
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)


class WebhookIn(BaseModel):
    url: str
    verify_token: str


class FaultIn(BaseModel):
    code: int
    count: int = 1
    to: str | None = None
    details: str = "injected by the test"


class ConfigIn(BaseModel):
    pair_interval_seconds: float | None = None
    undeliverable: list[str] | None = None
    open_windows: list[str] | None = None
    token: str | None = None
    templates: dict[str, int] | None = None


def control(state: State) -> APIRouter:
    router = APIRouter(prefix="/_sandbox")

    @router.get("/state")
    async def read() -> dict[str, Any]:
        return {"messages": state.messages, "faults": state.faults,
                "webhook": state.webhook, "webhooks_sent": state.webhooks_sent[-200:],
                "templates": state.templates, "phone_number_id": PHONE_NUMBER_ID}

    @router.post("/faults")
    async def add_fault(body: FaultIn) -> dict[str, Any]:
        state.faults.append(body.model_dump())
        return {"faults": len(state.faults)}

    @router.post("/config")
    async def configure(body: ConfigIn) -> dict[str, Any]:
        if body.pair_interval_seconds is not None:
            state.pair_interval = body.pair_interval_seconds
        for name in ("undeliverable", "open_windows"):
            if (values := getattr(body, name)) is not None:
                setattr(state, name, {v.lstrip("+") for v in values})
        if body.token is not None:
            state.token = body.token
        if body.templates is not None:
            state.templates = body.templates
        return {"ok": True}

    @router.post("/webhook")
    async def subscribe(body: WebhookIn) -> dict[str, Any]:
        """Meta's verification request: subscribed only if the bare challenge comes back."""
        challenge = str(secrets.randbelow(10 ** 10))
        async with httpx.AsyncClient(timeout=5) as http:
            answer = await http.get(body.url, params={
                "hub.mode": "subscribe", "hub.verify_token": body.verify_token,
                "hub.challenge": challenge})
        verified = answer.status_code == 200 and answer.text == challenge
        state.webhook = {"url": body.url, "verified": verified, "answer": answer.status_code}
        return state.webhook

    return router


def create_app() -> FastAPI:
    state = State()
    app = FastAPI(title="WhatsApp Cloud API sandbox")
    app.include_router(control(state))
    tasks: set[asyncio.Task[None]] = set()

    @app.post("/{version}/{number_id}/messages")
    async def send(version: str, number_id: str, request: Request) -> JSONResponse:
        bearer = request.headers.get("authorization", "")
        if not VERSION.match(version) or not bearer.startswith("Bearer "):
            return graph_error(190, "An access token is required to request this resource")
        try:
            body = json.loads(await request.body())
            if not isinstance(body, dict):
                raise Failure(100, "the body must be a JSON object")
            wamid = accept(state, number_id, bearer.removeprefix("Bearer "), body)
        except ValueError:
            return graph_error(100, "the body is not JSON")
        except Failure as failure:
            return graph_error(failure.code, failure.details)
        task = asyncio.create_task(report_statuses(state, state.messages[-1]))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        return JSONResponse({"messaging_product": "whatsapp", "contacts": [
            {"input": body["to"], "wa_id": str(body["to"]).lstrip("+")}],
            "messages": [{"id": wamid, "message_status": "accepted"}]})

    return app
