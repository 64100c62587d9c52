"""The self-service preferences page every message links to (`preferences_link`): the same
choices as `PUT /v1/preferences/{token}`, as an HTML form without script or inline style.

The signed token in the path is the page's proof (as for the RSVP page): a forged cross-site
post cannot know it. The form offers the OPDs and regions known here as check boxes."""

from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from services.notifier import signup_tokens as tokens
from services.notifier.emails import render_page
from services.notifier.preferences_api import (
    PreferencesIn,
    holder_of,
    known_opds,
    known_regions,
    preferences_out,
    save,
)
from services.notifier.preferences_rules import region_key
from shared.envelope import utcnow
from shared.mongo import Database, Document
from shared.openapi import html_responses, route_errors
from shared.settings import Settings
from shared.vocabulary import DEFAULT_ZONE, ZONES

HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
           "X-Robots-Tag": "noindex", "X-Content-Type-Options": "nosniff",
           "Content-Security-Policy":
           "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"}
PAGE_RESPONSES = {**html_responses(200, 404, 422), **route_errors()}
# No length limit here: a mangled link of any length gets the page saying it is unknown
# (the token check refuses long ones), not the JSON API's 422.
Token = Annotated[str, Path(min_length=1)]
MAX_FIELDS = 400  # 200 OPDs, 50 regions and the form's own fields
CHANNELS = (("email", "Email"), ("whatsapp", "WhatsApp"), ("telegram", "Telegram"),
            ("webhook", "Webhook redaksi"))
FIELD_NAMES = {"opd_ids": "OPD", "categories": "Kategori", "regions": "Wilayah",
               "quiet_hours": "Jam tenang", "delivery": "Pengiriman"}


def form_to_preferences(raw: dict[str, list[str]]) -> dict[str, Any]:
    """The posted form as `PreferencesIn`'s input (validated by it)."""
    def one(name: str) -> str:
        return (raw.get(name) or [""])[0].strip()

    body: dict[str, Any] = {
        "opd_ids": raw.get("opd_ids", []), "regions": raw.get("regions", []),
        "categories": [c for c in (p.strip() for p in one("categories").split(",")) if c],
        "channels": {name: name in raw.get("channels", []) for name, _ in CHANNELS},
        "delivery": {"mode": one("delivery_mode") or "instant",
                     "hour": int(one("delivery_hour")) if one("delivery_hour").isdigit() else -1,
                     "zone": one("delivery_zone") or DEFAULT_ZONE.value},
    }
    if one("quiet_start") or one("quiet_end"):
        body["quiet_hours"] = {"start": one("quiet_start"), "end": one("quiet_end"),
                               "zone": one("quiet_zone") or DEFAULT_ZONE.value}
    return body


def offered_opds(known: list[tuple[str, str]], followed: list[str]
                 ) -> list[tuple[str, str, bool]]:
    """(id, label, ticked): every known OPD, and those followed that are not known (yet):
    a box left out would be dropped by the next save, and none ticked means every OPD."""
    names = dict(known)
    unknown = [(opd_id, opd_id) for opd_id in followed if opd_id not in names]
    return [(opd_id, label, opd_id in followed) for opd_id, label in [*known, *unknown]]


def offered_regions(known: list[str], followed: list[str]) -> list[tuple[str, bool]]:
    """(region, ticked): the known regions as the OPD register spells them, and the followed
    ones it does not know; one box per region key."""
    wanted = {region_key(r) for r in followed}
    boxes: dict[str, str] = {}
    for region in [*known, *followed]:
        boxes.setdefault(region_key(region), region)
    shown = sorted(boxes.items(), key=lambda item: item[1].casefold())
    return [(region, key in wanted) for key, region in shown]


def _problems(exc: ValidationError) -> str:
    """Which part of the form to fix, in Indonesian."""
    parts = sorted({FIELD_NAMES.get(str(e["loc"][0]), str(e["loc"][0])) for e in exc.errors()})
    return "Periksa isian: " + ", ".join(parts) + "."


def build_preferences_page(settings: Settings, db: Database) -> APIRouter:
    router = APIRouter(tags=["preferences"])
    journalists = db["journalists"]
    keys = settings.unsubscribe_keys()

    async def journalist(token: str) -> tuple[tokens.Claims, Document] | None:
        try:
            claims = tokens.verify(keys, tokens.PREFERENCES, token, utcnow())
        except tokens.BadToken:
            return None
        doc = await holder_of(journalists, claims)
        return (claims, doc) if doc is not None else None

    async def page(token: str, doc: Document, status: int = 200, *, saved: bool = False,
                   error: str | None = None) -> HTMLResponse:
        shown = preferences_out(doc)
        html = render_page(
            "preferences/page.html", found=True, action=f"/preferensi/{token}",
            saved=saved, error=error, prefs=shown,
            opds=offered_opds(await known_opds(db), shown["opd_ids"]),
            regions=offered_regions(await known_regions(db), shown["regions"]),
            channels=CHANNELS, zones=[z.label.value for z in ZONES], hours=range(24))
        return HTMLResponse(html, status_code=status, headers=HEADERS)

    def unknown() -> HTMLResponse:
        return HTMLResponse(render_page("preferences/page.html", found=False), status_code=404,
                            headers=HEADERS)

    @router.get("/preferensi/{token}", response_class=Response, responses=PAGE_RESPONSES)
    async def show(token: Token) -> HTMLResponse:
        found = await journalist(token)
        return unknown() if found is None else await page(token, found[1])

    @router.post("/preferensi/{token}", response_class=Response, responses=PAGE_RESPONSES)
    async def submit(token: Token, request: Request) -> HTMLResponse:
        found = await journalist(token)
        if found is None:
            return unknown()
        claims, doc = found
        try:
            raw = parse_qs((await request.body()).decode("utf-8", "replace"),
                           max_num_fields=MAX_FIELDS)
            body = PreferencesIn.model_validate(form_to_preferences(raw))
        except ValueError as exc:  # ValidationError, or more fields than the form has
            message = (_problems(exc) if isinstance(exc, ValidationError)
                       else "Formulir tidak dikenali; muat ulang halaman ini.")
            return await page(token, doc, 422, error=message)
        updated = await save(journalists, claims, body)
        if updated is None:
            return unknown()
        return await page(token, updated, saved=True)

    return router
