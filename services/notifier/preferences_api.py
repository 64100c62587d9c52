"""Self-service preferences through a signed link, without an account: OPDs, categories,
regions, channels, quiet hours, instant or daily digest. The link's nonce is the journalist's
token nonce, so the link dies with the journalist's unsubscribe link when that is renewed."""

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ConfigDict, Field

from services.notifier import domain
from services.notifier import signup_tokens as tokens
from services.notifier.digest_schemas import DeliveryChoice
from services.notifier.preferences_rules import normalize_regions
from services.notifier.schemas import MAX_REGIONS, Region
from shared.auth import Principal, require_role
from shared.envelope import utcnow
from shared.errors import ApiError
from shared.mongo import (
    Collection,
    Database,
    Document,
    ReturnDocument,
    find_one_and_update,
)
from shared.openapi import editor_jwt, route_errors
from shared.settings import Settings
from shared.vocabulary import DEFAULT_ZONE, ZoneLabel

LINK_TTL = timedelta(days=365)
Clock = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", examples=["21:00"])]
Token = Annotated[str, Path(min_length=1, max_length=600)]


class QuietHours(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: Clock
    end: Clock
    zone: ZoneLabel = DEFAULT_ZONE


class Channels(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: bool = True
    whatsapp: bool = True
    telegram: bool = True
    webhook: bool = True


class PreferencesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    opd_ids: list[Annotated[str, Field(max_length=64)]] = Field(default=[], max_length=200)
    categories: list[Annotated[str, Field(max_length=60)]] = Field(default=[], max_length=50)
    regions: list[Region] = Field(default=[], max_length=MAX_REGIONS)
    channels: Channels = Channels()
    quiet_hours: QuietHours | None = None
    delivery: DeliveryChoice | None = None  # left out: the current choice stays


def preferences_token(settings: Settings, journalist: Document,
                      issued_at: datetime | None = None) -> str:
    return tokens.sign(settings.unsubscribe_keys()[0], tokens.PREFERENCES, journalist["_id"],
                       (issued_at or utcnow()) + LINK_TTL, journalist["token_nonce"])


def preferences_link(settings: Settings, journalist: Document,
                     issued_at: datetime | None = None) -> str:
    """The signed self-service page every message carries (`preferences_page`); the same
    token reads and writes `/v1/preferences/{token}` as JSON. `issued_at` (a delivery's
    creation) makes a re-sent message carry the same link."""
    token = preferences_token(settings, journalist, issued_at)
    return f"{settings.public_base_url.rstrip('/')}/preferensi/{token}"


def preferences_out(doc: Document) -> dict[str, Any]:
    preferences = doc.get("preferences") or {}
    return {"name": doc["name"], "opd_ids": doc.get("opd_ids", []),
            "categories": doc.get("categories", []), "regions": doc.get("regions", []),
            "channels": preferences.get("channels") or Channels().model_dump(),
            "quiet_hours": preferences.get("quiet_hours"),
            "delivery": preferences.get("delivery") or DeliveryChoice().model_dump()}


async def holder_of(journalists: Collection, claims: tokens.Claims) -> Document | None:
    """The journalist a verified link is for, while its nonce is theirs."""
    return await journalists.find_one({"_id": claims.subject, "token_nonce": claims.nonce})


async def save(journalists: Collection, claims: tokens.Claims, body: PreferencesIn
               ) -> Document | None:
    """The journalist's preferences replaced by `body` (the delivery choice kept when left
    out); None when the link's nonce is no longer theirs."""
    return await find_one_and_update(journalists,
        {"_id": claims.subject, "token_nonce": claims.nonce},
        {"$set": {"opd_ids": domain.unique(body.opd_ids),
                  "categories": domain.normalize_categories(body.categories),
                  "regions": normalize_regions(body.regions),
                  "preferences.channels": body.channels.model_dump(),
                  "preferences.quiet_hours": body.quiet_hours.model_dump()
                  if body.quiet_hours else None,
                  **({"preferences.delivery": body.delivery.model_dump()}
                     if body.delivery else {}),
                  "updated_at": utcnow()}}, return_document=ReturnDocument.AFTER)


async def known_opds(db: Database) -> list[tuple[str, str]]:
    """(id, name) of the OPDs known here, by name: what a journalist may follow."""
    found = db["opd_contacts"].find({"name": {"$nin": [None, ""]}}, {"name": 1})
    return sorted([(doc["_id"], doc["name"]) async for doc in found],
                  key=lambda pair: pair[1].casefold())


async def known_regions(db: Database) -> list[str]:
    """The regions of the OPDs known here (from the OPD stream), to choose from."""
    found = db["opd_contacts"].find({"region": {"$nin": [None, ""]}}, {"region": 1})
    return sorted(normalize_regions([doc["region"] async for doc in found]), key=str.casefold)


def build_preferences_router(settings: Settings, db: Database) -> APIRouter:
    router = APIRouter(tags=["preferences"])
    journalists = db["journalists"]
    admin = Annotated[Principal, Depends(require_role(settings, "admin"))]
    keys = settings.unsubscribe_keys()

    async def holder(token: str) -> tokens.Claims:
        try:
            return tokens.verify(keys, tokens.PREFERENCES, token, utcnow())
        except tokens.BadToken as exc:
            raise ApiError(404, "link_invalid", "Tautan pengaturan tidak dikenal atau "
                           "kedaluwarsa. Gunakan tautan dari pesan terbaru.") from exc

    @router.get("/v1/preferences/{token}", responses=route_errors(404))
    async def read(token: Token) -> dict[str, Any]:
        doc = await holder_of(journalists, await holder(token))
        if doc is None:
            raise ApiError(404, "link_invalid", "Tautan pengaturan tidak berlaku lagi.")
        return {**preferences_out(doc), "known_regions": await known_regions(db)}

    @router.put("/v1/preferences/{token}", responses=route_errors(404, body=True))
    async def write(token: Token, body: PreferencesIn) -> dict[str, Any]:
        doc = await save(journalists, await holder(token), body)
        if doc is None:
            raise ApiError(404, "link_invalid", "Tautan pengaturan tidak berlaku lagi.")
        return {**preferences_out(doc), "known_regions": await known_regions(db)}

    @router.post("/v1/journalists/{journalist_id}/preferences-link",
                 dependencies=[editor_jwt("admin")], responses=route_errors(404, role="admin"))
    async def link(journalist_id: Annotated[str, Path(max_length=64)],
                   _: admin) -> dict[str, str]:
        doc = await journalists.find_one({"_id": journalist_id})
        if doc is None:
            raise ApiError(404, "not_found", f"Tidak ada wartawan {journalist_id}.")
        return {"link": preferences_link(settings, doc)}

    return router
