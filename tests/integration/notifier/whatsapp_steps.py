"""WhatsApp test wiring: the contract server's settings, a confirmed journalist, its state."""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import SecretStr

from services.notifier import domain
from shared.envelope import new_id, utcnow
from shared.mongo import Document, MongoHandle
from shared.settings import Settings

PHONE_NUMBER_ID, TOKEN = "109000000000001", "sandbox-whatsapp-token"
APP_SECRET, VERIFY_TOKEN = "sandbox-whatsapp-app-secret", "verify-me-please"


def whatsapp_settings(settings: Settings, base: str) -> Settings:
    return settings.model_copy(update={
        "notifier_whatsapp_api_url": f"{base}/v24.0",
        "notifier_whatsapp_token": SecretStr(TOKEN),
        "notifier_whatsapp_phone_number_id": PHONE_NUMBER_ID,
        "notifier_whatsapp_app_secret": SecretStr(APP_SECRET),
        "notifier_whatsapp_verify_token": SecretStr(VERIFY_TOKEN),
        "notifier_whatsapp_account_id": "102000000000001"})


async def sandbox(base: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:
        response = await http.post(path, json=body)
        response.raise_for_status()
        answer: dict[str, Any] = response.json()
        return answer


async def messages_to(base: str, number: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:
        state = (await http.get("/_sandbox/state")).json()
    return [m for m in state["messages"] if m["to"] == number.lstrip("+")]


async def add_whatsapp_journalist(settings: Settings, number: str) -> str:
    """A journalist who confirmed email and WhatsApp already (sign-up is tested apart)."""
    journalist_id = new_id()
    mongo = MongoHandle(settings, "notifier")
    try:
        await mongo.db["journalists"].insert_one({
            "_id": journalist_id, "name": "Wawan", "email": f"{journalist_id}@media.example",
            "whatsapp": number, "telegram": None, "opd_ids": [], "categories": [],
            "active": True, "status": "active", "token_nonce": domain.new_token_nonce(),
            "email_confirmed_at": utcnow(), "whatsapp_confirmed_at": utcnow(),
            "created_at": utcnow(), "updated_at": utcnow()})
    finally:
        mongo.close()
    return journalist_id


async def stored(settings: Settings, collection: str, key: str) -> Document | None:
    mongo = MongoHandle(settings, "notifier")
    try:
        found: Document | None = await mongo.db[collection].find_one({"_id": key})
        return found
    finally:
        mongo.close()
