"""Admin route registering a partner newsroom's webhook on its journalist record."""

import base64
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ConfigDict, Field

from services.notifier.webhook_targets import UnsafeTarget, resolve
from shared.auth import Principal, require_role
from shared.envelope import utcnow
from shared.errors import ApiError
from shared.mongo import Database, update_one
from shared.openapi import editor_jwt, route_errors
from shared.settings import Settings


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(min_length=8, max_length=500, examples=["https://redaksi.example/warta"])


class WebhookOut(BaseModel):
    url: str
    secret: str = Field(description="shown once: verify our signatures with it")
    active: bool


def build_webhook_router(settings: Settings, db: Database) -> APIRouter:
    router = APIRouter(prefix="/v1/journalists", tags=["notifier"])
    admin = Annotated[Principal, Depends(require_role(settings, "admin"))]
    journalists = db["journalists"]

    @router.put("/{journalist_id}/webhook", response_model=WebhookOut,
                dependencies=[editor_jwt("admin")],
                responses=route_errors(404, role="admin", body=True))
    async def register(journalist_id: Annotated[str, Path(max_length=64)], body: WebhookIn,
                       _: admin) -> WebhookOut:
        try:
            await resolve(body.url, allow_loopback=settings.notifier_webhook_allow_loopback)
        except UnsafeTarget as exc:
            raise ApiError(422, "unsafe_webhook_url", str(exc), {"url": body.url}) from exc
        secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
        result = await update_one(journalists, {"_id": journalist_id}, {"$set": {"webhook": {
            "url": body.url, "secret": secret, "active": True, "failures": 0,
            "registered_at": utcnow()}}})
        if result.matched_count == 0:
            raise ApiError(404, "not_found", f"Tidak ada wartawan {journalist_id}.")
        return WebhookOut(url=body.url, secret=secret, active=True)

    return router
