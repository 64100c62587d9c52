"""Notifier HTTP routes: journalists (admin), deliveries (editors), unsubscribe pages (public).

No `from __future__ import annotations` here: FastAPI resolves string annotations against module
globals, and the dependency aliases are local to `build_router`.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import HTMLResponse

from services.notifier import schemas as s
from services.notifier.delivery_log import DeliveryLog
from services.notifier.emails import render_page
from services.notifier.journalists import AddressSuppressed, Journalists
from services.notifier.repository import DeliveryRepository, DuplicateEmail
from shared.audit import record_act
from shared.auth import Principal, require_role
from shared.errors import ApiError
from shared.openapi import editor_jwt, html_responses, route_errors
from shared.settings import Settings

Token = Annotated[str, Path(min_length=1, max_length=200)]
# An unsubscribe link answers with a page, also when it is unknown (404).
PAGE_RESPONSES = {**html_responses(200, 404), **route_errors()}


def build_router(settings: Settings, journalists: Journalists,
                 deliveries: DeliveryRepository) -> APIRouter:
    delivery_log = DeliveryLog(deliveries.collection)
    router = APIRouter(prefix="/v1", tags=["notifier"])
    admin = Annotated[Principal, Depends(require_role(settings, "admin"))]
    editor = Annotated[Principal, Depends(require_role(settings, "editor"))]

    @router.post("/journalists", status_code=201, response_model=s.JournalistOut,
                 dependencies=[editor_jwt("admin")],
                 responses=route_errors(409, role="admin", body=True))
    async def add_journalist(body: s.JournalistIn, who: admin, request: Request
                             ) -> s.JournalistOut:
        try:
            document = await journalists.add(body)
        except DuplicateEmail as exc:
            raise ApiError(409, "conflict", f"A journalist with email {body.email} is "
                           "already registered; update their subscriptions instead.") from exc
        except AddressSuppressed as exc:
            raise ApiError(409, "suppressed", f"{body.email} was erased on request; only "
                           "its owner can sign up again (at /v1/signup).") from exc
        await record_act(request, who.subject, who.role, "journalist.create",
                         target_type="journalist", target_id=str(document["_id"]),
                         after=document.get("version"))
        return s.journalist_out(document)

    @router.put("/journalists/{journalist_id}/subscriptions", response_model=s.JournalistOut,
                dependencies=[editor_jwt("admin")],
                responses=route_errors(404, role="admin", body=True))
    async def set_subscriptions(journalist_id: Annotated[str, Path(max_length=64)],
                                body: s.SubscriptionsIn, who: admin, request: Request
                                ) -> s.JournalistOut:
        document = await journalists.set_subscriptions(journalist_id, body)
        if document is None:
            raise ApiError(404, "not_found", f"No journalist {journalist_id}.")
        await record_act(request, who.subject, who.role, "journalist.update",
                         target_type="journalist", target_id=journalist_id,
                         after=document.get("version"))
        return s.journalist_out(document)

    @router.get("/journalists", response_model=s.JournalistListOut,
                dependencies=[editor_jwt("editor")], responses=route_errors(role="editor"))
    async def list_journalists(
        _: editor, limit: Annotated[int, Query(ge=1, le=100)] = 50,
        cursor: Annotated[str | None, Query(max_length=64)] = None,
    ) -> s.JournalistListOut:
        docs = await journalists.repository.page(limit=limit + 1, after=cursor)
        page = docs[:limit]
        more = len(docs) > limit
        return s.JournalistListOut(items=[s.journalist_out(d) for d in page],
                                   next_cursor=page[-1]["_id"] if more and page else None)

    @router.get("/deliveries", response_model=list[s.DeliveryOut],
                dependencies=[editor_jwt("editor")], responses=route_errors(role="editor"))
    async def list_deliveries(
        _: editor, article_id: Annotated[str | None, Query(max_length=64)] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 200,
    ) -> list[s.DeliveryOut]:
        return [s.delivery_out(d) for d in await deliveries.for_article(article_id, limit)]

    @router.get("/articles/{article_id}/deliveries", response_model=s.DeliveryReportOut,
                dependencies=[editor_jwt("editor")], responses=route_errors(role="editor"))
    async def article_deliveries(
        _: editor, article_id: Annotated[str, Path(min_length=1, max_length=64)],
        limit: Annotated[int, Query(ge=0, le=500)] = 100,
    ) -> s.DeliveryReportOut:
        """The delivery log of one article: counts per outcome, and each message's attempts
        (when, channel, the provider's answer, the state it led to)."""
        summary = await delivery_log.summary(article_id)
        messages = await delivery_log.messages(article_id, limit) if limit else []
        return s.delivery_report_out(summary, messages)

    return router


def build_public_router(journalists: Journalists) -> APIRouter:
    """RFC 8058: GET shows a confirmation (mail scanners prefetch links); POST unsubscribes."""
    router = APIRouter(tags=["unsubscribe"])

    @router.get("/unsubscribe/{token}", response_class=Response, responses=PAGE_RESPONSES)
    async def confirm(token: Token) -> HTMLResponse:
        journalist = await journalists.by_token(token)
        if journalist is None:
            return _page("unknown", 404)
        return _page("confirm", 200, email=journalist["email"], action=f"/unsubscribe/{token}")

    @router.post("/unsubscribe/{token}", response_class=Response, responses=PAGE_RESPONSES)
    async def unsubscribe(token: Token, request: Request) -> HTMLResponse:
        journalist = await journalists.unsubscribe(token)
        if journalist is None:
            return _page("unknown", 404)
        await record_act(request, f"journalist:{journalist['_id']}", None, "journalist.unsubscribe",
                         target_type="journalist", target_id=str(journalist["_id"]))
        return _page("done", 200, email=journalist["email"])

    return router


TITLES = {"confirm": "Berhenti berlangganan Warta", "done": "Anda telah berhenti berlangganan",
          "unknown": "Tautan tidak dikenal"}


def _page(state: str, status: int, **context: str) -> HTMLResponse:
    html = render_page("unsubscribe.html", state=state, title=TITLES[state], **context)
    return HTMLResponse(html, status_code=status, headers={
        "Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
        "X-Robots-Tag": "noindex"})
