"""The WhatsApp status webhook: Meta's `hub.*` handshake and signed status notifications.

The signature (`X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body, key = app secret>`)
is checked on the bytes as received, before parsing; a bad one is 403 and changes nothing.
Statuses may repeat and arrive out of order: a message's provider status only moves forward.
They are for journalists' deliveries and for the WhatsApp copies of messages to Warta's own
users (`own_messages`); only a journalist's undeliverable number is suppressed.
"""

import hashlib
import hmac
import json
from typing import Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import PlainTextResponse

from services.notifier.whatsapp_sender import WhatsAppSender
from shared.envelope import utcnow
from shared.errors import ApiError
from shared.mongo import Database, update_one
from shared.openapi import route_errors, text_responses
from shared.settings import Settings

# Later steps win; `failed` is final whenever it comes.
RANK = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}
UNDELIVERABLE = 131026


def signature_ok(secret: str, raw: bytes, header: str | None) -> bool:
    if not secret or not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256="))


def build_whatsapp_router(settings: Settings, db: Database, sender: WhatsAppSender) -> APIRouter:
    router = APIRouter(prefix="/v1/whatsapp", tags=["whatsapp"])
    secret = settings.notifier_whatsapp_app_secret
    verify = settings.notifier_whatsapp_verify_token
    deliveries, own_messages = db["deliveries"], db["own_messages"]

    @router.get("/webhook", response_class=Response,
                responses={**text_responses(200), **route_errors(403)})
    async def handshake(
        mode: str = Query("", alias="hub.mode", max_length=20),
        token: str = Query("", alias="hub.verify_token", max_length=200),
        challenge: str = Query("", alias="hub.challenge", max_length=100),
    ) -> PlainTextResponse:
        expected = verify.get_secret_value() if verify else ""
        if mode != "subscribe" or not expected or not hmac.compare_digest(token, expected):
            raise ApiError(403, "forbidden", "Verify token does not match.")
        return PlainTextResponse(challenge)

    @router.post("/webhook", status_code=200, response_class=Response,
                 responses=route_errors(400, 403))
    async def notify(request: Request) -> Response:
        raw = await request.body()
        if not signature_ok(secret.get_secret_value() if secret else "", raw,
                            request.headers.get("x-hub-signature-256")):
            raise ApiError(403, "forbidden", "X-Hub-Signature-256 does not match the body.")
        try:
            payload = json.loads(raw)
        except ValueError as exc:
            raise ApiError(400, "bad_request", "The body is not JSON.") from exc
        for status in _statuses(payload):
            for collection in (deliveries, own_messages):
                if await _apply(collection, status) and collection is deliveries:
                    await _suppress_if_undeliverable(deliveries, sender, status)
        return Response(status_code=200)

    return router


def _statuses(payload: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for entry in (payload.get("entry") or []) if isinstance(payload, dict) else []:
        for change in entry.get("changes") or []:
            value = change.get("value") or {}
            found += [s for s in value.get("statuses") or [] if isinstance(s, dict)]
    return found


def _match(status: dict[str, Any]) -> dict[str, Any]:
    """Found by the message id we stored, or by our record's id that Meta echoes back."""
    return {"$or": [{"provider_id": str(status.get("id", ""))},
                    {"_id": str(status.get("biz_opaque_callback_data", ""))}],
            "channel": "whatsapp"}


def _errors(status: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in status.get("errors") or [] if isinstance(e, dict)]


async def _apply(collection: Any, status: dict[str, Any]) -> bool:
    """The status onto the message it is about, in `collection`; False when not there."""
    name, wamid = str(status.get("status", "")), str(status.get("id", ""))
    rank = RANK.get(name)
    if rank is None or not wamid:
        return False
    errors = _errors(status)
    step = {"status": name, "at": utcnow(), "codes": [e.get("code") for e in errors]}
    match = _match(status)
    await update_one(collection, {**match, "provider_rank": {"$not": {"$gte": rank}}},
                     {"$set": {"provider_status": name, "provider_rank": rank,
                               **({"provider_error": errors[0]} if errors else {})}})
    logged = await update_one(collection, match, {"$push": {"provider_log": step}})
    return logged.matched_count > 0


async def _suppress_if_undeliverable(deliveries: Any, sender: WhatsAppSender,
                                     status: dict[str, Any]) -> None:
    if UNDELIVERABLE not in [e.get("code") for e in _errors(status)]:
        return
    delivery = await deliveries.find_one(_match(status), {"journalist_id": 1, "recipient": 1})
    if delivery:
        await sender.suppress_number(delivery["journalist_id"], delivery["recipient"])
