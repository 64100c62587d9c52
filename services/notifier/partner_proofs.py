"""Proof of publication by a signed link in the message: a small public form (no script)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import HTMLResponse

from services.notifier import signup_tokens as tokens
from services.notifier.emails import render_page
from services.notifier.partner_repository import PartnerRepository
from shared.envelope import utcnow
from shared.openapi import html_responses, route_errors
from shared.settings import Settings

PROOF = "partner-proof"  # a purpose of its own: no other link's token is accepted here
LINK_TTL = timedelta(days=90)
PAGE_RESPONSES = {**html_responses(200, 404), **route_errors()}
TITLE = "Bukti tayang media mitra"
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
           "X-Robots-Tag": "noindex", "Content-Security-Policy":
           "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"}
Token = Annotated[str, Path(min_length=1, max_length=600)]


def proof_link(settings: Settings, journalist_id: str, article_id: str, *,
               issued_at: datetime | None = None) -> str:
    """The link a press release to a partner's journalist carries. The token itself is the
    form's CSRF secret: only the message's recipient knows it. `issued_at` (the delivery's
    creation) makes a re-sent delivery carry the same link."""
    token = tokens.sign(settings.unsubscribe_keys()[0], PROOF, journalist_id,
                        (issued_at or utcnow()) + LINK_TTL, article_id)
    return f"{settings.public_base_url.rstrip('/')}/mitra/bukti/{token}"


def valid_story_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and len(value) <= 2000


def build_proof_router(settings: Settings, partners: PartnerRepository) -> APIRouter:
    router = APIRouter(tags=["partners"])

    async def claims(token: str) -> tuple[str, str, str, str] | None:
        """(journalist, article, outlet id, outlet name), or None for a bad link."""
        try:
            claim = tokens.verify(settings.unsubscribe_keys(), PROOF, token, utcnow())
        except tokens.BadToken:
            return None
        outlet = await partners.outlet_of(claim.subject)
        if outlet is None:
            return None
        return claim.subject, claim.nonce, outlet["_id"], outlet["name"]

    @router.get("/mitra/bukti/{token}", response_class=Response, responses=PAGE_RESPONSES)
    async def form(token: Token) -> HTMLResponse:
        found = await claims(token)
        if found is None:
            return _page("unknown", 404)
        return _page("form", 200, headline=await partners.headline(found[1]), outlet=found[3],
                     action=f"/mitra/bukti/{token}", url="", error="")

    @router.post("/mitra/bukti/{token}", response_class=Response, responses=PAGE_RESPONSES)
    async def log(token: Token, request: Request) -> HTMLResponse:
        found = await claims(token)
        if found is None:
            return _page("unknown", 404)
        journalist_id, article_id, outlet_id, outlet = found
        raw = parse_qs((await request.body()).decode("utf-8", "replace"), max_num_fields=5)
        url = (raw.get("url") or [""])[0].strip()
        title = await partners.headline(article_id)
        if not valid_story_url(url):
            return _page("form", 422, headline=title, outlet=outlet, url=url,
                         action=f"/mitra/bukti/{token}",
                         error="Tautan harus berupa alamat http:// atau https:// yang lengkap.")
        await partners.log_proof(outlet_id, article_id, url, journalist_id, via="link")
        return _page("done", 200, headline=title, url=url)

    return router


def _page(state: str, status: int, **context: str) -> HTMLResponse:
    html = render_page("partners/proof.html", state=state, title=TITLE, **context)
    return HTMLResponse(html, status_code=status, headers=HEADERS)
