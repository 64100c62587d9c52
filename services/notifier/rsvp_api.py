"""One-click RSVP to a coverage invitation (hadir / tidak hadir) by a signed link, and who is
coming (editors). GET only shows the question (mail scanners prefetch links); POST answers.

No `from __future__ import annotations` here: FastAPI resolves the dependency aliases."""

from datetime import datetime, timedelta
from typing import Annotated, Literal
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from services.notifier import signup_tokens as tokens
from services.notifier.emails import render_page
from shared.auth import Principal, require_role
from shared.envelope import utcnow
from shared.mongo import (
    ASCENDING,
    Database,
    Document,
    DuplicateKeyError,
    IndexModel,
    update_one,
)
from shared.openapi import editor_jwt, html_responses, route_errors
from shared.settings import Settings

RSVP = "invitation-rsvp"  # a purpose of its own
LINK_TTL = timedelta(days=60)
ANSWERS = ("hadir", "tidak_hadir")
TITLE = "Konfirmasi kehadiran liputan"
PAGE_RESPONSES = {**html_responses(200, 404), **route_errors()}
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
           "X-Robots-Tag": "noindex", "Content-Security-Policy":
           "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"}
Token = Annotated[str, Path(min_length=1, max_length=600)]


class RsvpOut(BaseModel):
    journalist_id: str
    name: str
    email: str
    answer: Literal["hadir", "tidak_hadir"]
    answered_at: str


class RsvpReportOut(BaseModel):
    article_id: str
    hadir: int
    tidak_hadir: int
    answers: list[RsvpOut]


def rsvp_link(settings: Settings, journalist_id: str, article_id: str,
              answer: str | None = None, *, issued_at: datetime | None = None) -> str:
    """The invitation's link; `answer` preselects a button when opened (GET), and is the
    answer when the link itself is POSTed (one click). `issued_at` (a delivery's creation)
    makes the link the same each time that delivery is rendered (a retry after a crash)."""
    token = tokens.sign(settings.unsubscribe_keys()[0], RSVP, journalist_id,
                        (issued_at or utcnow()) + LINK_TTL, article_id)
    suffix = f"?jawaban={answer}" if answer else ""
    return f"{settings.public_base_url.rstrip('/')}/undangan/rsvp/{token}{suffix}"


async def ensure_rsvp_indexes(db: Database) -> None:
    await db["rsvps"].create_indexes([IndexModel([("article_id", ASCENDING),
                                                  ("answered_at", ASCENDING)])])


def build_rsvp_router(settings: Settings, db: Database) -> APIRouter:
    router = APIRouter(tags=["invitations"])
    rsvps, journalists, articles = db["rsvps"], db["journalists"], db["articles"]
    editor = Annotated[Principal, Depends(require_role(settings, "editor"))]

    async def context(token: str) -> dict[str, str] | None:
        try:
            claim = tokens.verify(settings.unsubscribe_keys(), RSVP, token, utcnow())
        except tokens.BadToken:
            return None
        journalist = await journalists.find_one({"_id": claim.subject}, {"name": 1})
        article = await articles.find_one({"_id": claim.nonce}, {"approved.headline": 1})
        if journalist is None or article is None:
            return None
        stored = await rsvps.find_one({"_id": f"{claim.nonce}:{claim.subject}"}) or {}
        return {"journalist_id": claim.subject, "article_id": claim.nonce,
                "name": journalist["name"], "answer": stored.get("answer", ""),
                "headline": (article.get("approved") or {}).get("headline", claim.nonce),
                "action": f"/undangan/rsvp/{token}"}

    @router.get("/undangan/rsvp/{token}", response_class=Response, responses=PAGE_RESPONSES)
    async def ask(token: Token, jawaban: Annotated[str | None, Query(max_length=20)] = None
                  ) -> HTMLResponse:
        found = await context(token)
        if found is None:
            return _page("unknown", 404)
        return _page("ask", 200, wanted=jawaban if jawaban in ANSWERS else "", **found)

    @router.post("/undangan/rsvp/{token}", response_class=Response, responses=PAGE_RESPONSES)
    async def answer(token: Token, request: Request,
                     jawaban: Annotated[str | None, Query(max_length=20)] = None
                     ) -> HTMLResponse:
        found = await context(token)
        if found is None:
            return _page("unknown", 404)
        raw = parse_qs((await request.body()).decode("utf-8", "replace"), max_num_fields=5)
        # The form's button wins; else the link's own answer (a one-click POST of the link).
        choice = (raw.get("jawaban") or [jawaban or ""])[0]
        if choice not in ANSWERS:
            return _page("ask", 422, wanted="", **found)
        # One document per (article, journalist): the newest answer counts.
        key = {"_id": f"{found['article_id']}:{found['journalist_id']}"}
        fields = {"$set": {"article_id": found["article_id"], "answer": choice,
                           "journalist_id": found["journalist_id"], "answered_at": utcnow()}}
        try:
            await update_one(rsvps, key, fields, upsert=True)
        except DuplicateKeyError:  # a concurrent first answer was inserted: update it
            await update_one(rsvps, key, fields)
        return _page("done", 200, **{**found, "answer": choice})

    @router.get("/v1/articles/{article_id}/rsvps", response_model=RsvpReportOut,
                dependencies=[editor_jwt("editor")], responses=route_errors(role="editor"))
    async def who_is_coming(_: editor, article_id: Annotated[str, Path(max_length=64)]
                            ) -> RsvpReportOut:
        found: list[Document] = [d async for d in rsvps.find({"article_id": article_id})
                                 .sort("answered_at", ASCENDING)]
        people = {d["_id"]: d async for d in journalists.find(
            {"_id": {"$in": [d["journalist_id"] for d in found]}}, {"name": 1, "email": 1})}
        answers = [RsvpOut(journalist_id=d["journalist_id"], answer=d["answer"],
                           name=people.get(d["journalist_id"], {}).get("name", ""),
                           email=people.get(d["journalist_id"], {}).get("email", ""),
                           answered_at=d["answered_at"].isoformat()) for d in found]
        return RsvpReportOut(article_id=article_id, answers=answers,
                             hadir=sum(a.answer == "hadir" for a in answers),
                             tidak_hadir=sum(a.answer == "tidak_hadir" for a in answers))

    return router


def _page(state: str, status: int, **context: str) -> HTMLResponse:
    html = render_page("invitations/rsvp.html", state=state, title=TITLE, **context)
    return HTMLResponse(html, status_code=status, headers=HEADERS)
