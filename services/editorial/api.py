"""Editorial HTTP routes for decisions: validate at the edge, call a use case, shape the response.

Each route needs the role `domain.ROLE_FOR` names (content routes: `content_api`). No
`from __future__ import annotations` here: FastAPI resolves string annotations against module
globals, and the role dependency aliases are local to `build_router`.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime

from services.editorial import article_query
from services.editorial import schemas as s
from services.editorial.article_query import ArticleFilters, BadCursor
from services.editorial.channel_health_api import ApprovalOut, approval_out
from services.editorial.channel_health_repository import ChannelHealthView
from services.editorial.domain import ROLE_FOR, Action, Editable, Status
from services.editorial.handlers import Decisions
from services.editorial.refusals import refusals
from services.editorial.repository import ArticleRepository
from shared.audit import record_act
from shared.auth import Principal, require_role
from shared.errors import ApiError
from shared.html import sanitize_async
from shared.openapi import editor_jwt, route_errors
from shared.settings import Settings

SIGNED_IN = [editor_jwt("editor")]


def declared(action: Action) -> dict[str, object]:
    """The credential and errors a decision route declares: 404, 409, and its role's 403."""
    role = ROLE_FOR[action]
    return {"dependencies": [editor_jwt(role)],
            "responses": route_errors(404, 409, role=role, body=True)}


def build_router(settings: Settings, decisions: Decisions, articles: ArticleRepository,
                 channel_health: ChannelHealthView | None = None) -> APIRouter:
    """The article routes; login and accounts are in `account_api`."""
    router = APIRouter(prefix="/v1", tags=["editorial"])
    editor = Annotated[Principal, Depends(require_role(settings, "editor"))]
    chief = Annotated[Principal, Depends(require_role(settings, "chief_editor"))]

    @router.get("/articles", response_model=s.ArticleListOut, dependencies=SIGNED_IN,
                responses=route_errors(400, 422, role="editor"))
    async def list_articles(
        _: editor, *, status: Status | None = None,
        opd: Annotated[str | None, Query(max_length=40, description="OPD code")] = None,
        category: Annotated[str | None, Query(max_length=64)] = None,
        region: Annotated[str | None, Query(max_length=120)] = None,
        assignee: Annotated[str | None, Query(max_length=64)] = None,
        submitted_after: AwareDatetime | None = None,
        submitted_before: AwareDatetime | None = None,
        q: Annotated[str | None, Query(max_length=100,
                                       description="words in the headline or body")] = None,
        ready: Annotated[bool | None, Query(
            description="true: marked ready for approval (the chief editors' queue)")] = None,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        cursor: Annotated[str | None, Query(max_length=200)] = None,
    ) -> s.ArticleListOut:
        """Newest submission first; pass `next_cursor` back with the same filters."""
        filters = ArticleFilters(
            status=status.value if status else None, opd=opd, category=category, region=region,
            assignee=assignee, submitted_after=submitted_after,
            submitted_before=submitted_before, q=q, ready=ready)
        try:
            docs, after = await article_query.page(articles.collection, filters, cursor, limit)
        except BadCursor as exc:
            raise ApiError(400, "bad_cursor", "Kursor tidak berlaku untuk pencarian ini; mulai "
                           "lagi tanpa kursor.") from exc
        return s.ArticleListOut(items=[s.summary_out(d) for d in docs], next_cursor=after)

    @router.get("/articles/{article_id}", response_model=s.ArticleOut, dependencies=SIGNED_IN,
                responses=route_errors(404, role="editor"))
    async def get_article(article_id: str, _: editor) -> s.ArticleOut:
        async with refusals(article_id):
            return s.article_out(await decisions.load(article_id))

    def act(use_case: Callable[..., Awaitable[dict[str, object]]], request: Request
            ) -> Callable[..., Awaitable[s.ArticleOut]]:
        async def run(article_id: str, *args: object) -> s.ArticleOut:
            async with refusals(article_id):
                before = (await decisions.load(article_id)).get("version")
                doc = await use_case(article_id, *args)
            who = next(a for a in args if isinstance(a, Principal))
            reason = next((a for a in args if isinstance(a, str) and a), None)  # the first text
            await record_act(request, who.subject, who.role, f"article.{use_case.__name__}",
                             target_type="article", target_id=article_id, article_id=article_id,
                             before=before, after=doc.get("version"),  # type: ignore[arg-type]
                             details={"reason": reason} if reason else None)
            return s.article_out(doc)
        return run

    @router.post("/articles/{article_id}/claim", response_model=s.ArticleOut,
                 **declared(Action.CLAIM))  # type: ignore[arg-type]
    async def claim(article_id: str, who: editor,
                      request: Request) -> s.ArticleOut:
        """Hold the article for yourself; it lapses after WARTA_EDITORIAL_CLAIM_MINUTES."""
        return await act(decisions.claim, request)(article_id, who)

    @router.post("/articles/{article_id}/claim/take-over", response_model=s.ArticleOut,
                 **declared(Action.TAKE_OVER))  # type: ignore[arg-type]
    async def take_over(article_id: str, body: s.ReasonIn, who: chief,
                      request: Request) -> s.ArticleOut:
        """A chief editor takes the claim from its holder (recorded, with the reason)."""
        return await act(decisions.take_over, request)(article_id, body.reason, who)

    @router.post("/articles/{article_id}/ready", response_model=s.ArticleOut,
                 **declared(Action.MARK_READY))  # type: ignore[arg-type]
    async def mark_ready(article_id: str, who: editor,
                      request: Request) -> s.ArticleOut:
        """Ready for approval (a flag, not a state); releases your claim."""
        return await act(decisions.mark_ready, request)(article_id, who)

    @router.post("/articles/{article_id}/request-revision", response_model=s.ArticleOut,
                 **declared(Action.REQUEST_REVISION))  # type: ignore[arg-type]
    async def request_revision(article_id: str, body: s.ReasonIn, who: editor,
                      request: Request) -> s.ArticleOut:
        return await act(decisions.request_revision, request)(article_id, body.reason, who)

    @router.post("/articles/{article_id}/reject", response_model=s.ArticleOut,
                 **declared(Action.REJECT))  # type: ignore[arg-type]
    async def reject(article_id: str, body: s.ReasonIn, who: chief,
                      request: Request) -> s.ArticleOut:
        return await act(decisions.reject, request)(article_id, body.reason, who)

    @router.post("/articles/{article_id}/approve", response_model=ApprovalOut,
                 **declared(Action.APPROVE))  # type: ignore[arg-type]
    async def approve(article_id: str, body: s.ApproveIn, who: chief,
                      request: Request) -> ApprovalOut:
        """422 `channel_limits` when a chosen channel cannot take the article (nothing is
        approved); 409 `second_eyes_required` when you last changed its content. `warnings`:
        chosen channels the publisher reports unhealthy (approved all the same)."""
        approved = await act(decisions.approve, request)(
            article_id, body.channels, body.publish_at, who, body.override_reason)
        return await approval_out(channel_health, approved)

    @router.post("/articles/{article_id}/correct", response_model=s.ArticleOut,
                 **declared(Action.CORRECT))  # type: ignore[arg-type]
    async def correct(article_id: str, body: s.CorrectIn, who: chief,
                      request: Request) -> s.ArticleOut:
        changes = await editable(body)
        return await act(decisions.correct, request)(
            article_id, changes, body.correction_note, who)

    @router.post("/articles/{article_id}/take-down", response_model=s.ArticleOut,
                 **declared(Action.TAKE_DOWN))  # type: ignore[arg-type]
    async def take_down(article_id: str, body: s.ReasonIn, who: chief,
                      request: Request) -> s.ArticleOut:
        return await act(decisions.take_down, request)(article_id, body.reason, who)

    return router


async def editable(body: s.EditIn) -> Editable:
    html = await sanitize_async(body.body_html) if body.body_html is not None else None
    texts = body.channel_texts.given() if body.channel_texts is not None else None
    return Editable(headline=body.headline, body_html=html, summary=body.summary,
                    category=body.category, tags=body.tags, channel_texts=texts)
