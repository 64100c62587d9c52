"""Editorial HTTP routes: validate at the edge, call a use case, shape the response.

No `from __future__ import annotations` here: FastAPI resolves string annotations against module
globals, and the `editor` dependency alias is local to `build_router`.
"""

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query

from services.editorial import schemas as s
from services.editorial.domain import DecisionRefused, Editable, Status
from services.editorial.handlers import ArticleNotFound, Decisions, VersionConflict
from services.editorial.repository import ArticleRepository
from shared.auth import Principal, require_role
from shared.errors import ApiError
from shared.html import sanitize_async
from shared.logging import correlation_id
from shared.openapi import editor_jwt, route_errors
from shared.settings import Settings

SIGNED_IN = [editor_jwt("editor")]
# A decision on an article: it may be missing (404) or in the wrong state (409).
DECISION_ERRORS = route_errors(404, 409, role="editor", body=True)


@asynccontextmanager
async def refusals(article_id: str) -> AsyncIterator[None]:
    """Domain refusals become clear HTTP errors; the correlation id is the report id."""
    token = correlation_id.set(article_id)
    try:
        yield
    except ArticleNotFound as exc:
        raise ApiError(404, "not_found", f"No article {article_id}.") from exc
    except VersionConflict as exc:
        raise ApiError(409, "version_conflict", "The article changed since you loaded it; "
                       "reload and apply your change again.", {"current_version": exc.args[0]}
                       ) from exc
    except DecisionRefused as exc:
        raise ApiError(409, "invalid_state", str(exc)) from exc
    finally:
        correlation_id.reset(token)


def build_router(settings: Settings, decisions: Decisions, articles: ArticleRepository
                 ) -> APIRouter:
    """The article routes; login and accounts are in `account_api`."""
    router = APIRouter(prefix="/v1", tags=["editorial"])
    editor = Annotated[Principal, Depends(require_role(settings, "editor"))]

    @router.get("/articles", response_model=s.ArticleListOut, dependencies=SIGNED_IN,
                responses=route_errors(422, role="editor"))
    async def list_articles(
        _: editor, status: Status | None = None,
        opd: Annotated[str | None, Query(max_length=40)] = None,
        q: Annotated[str | None, Query(max_length=100)] = None,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        cursor: Annotated[str | None, Query(max_length=64)] = None,
    ) -> s.ArticleListOut:
        docs = await articles.search(status=status.value if status else None, opd=opd, q=q,
                                     limit=limit + 1, before=cursor)
        page = docs[:limit]
        more = len(docs) > limit
        return s.ArticleListOut(items=[s.summary_out(d) for d in page],
                                next_cursor=page[-1]["_id"] if more and page else None)

    @router.get("/articles/{article_id}", response_model=s.ArticleOut, dependencies=SIGNED_IN,
                responses=route_errors(404, role="editor"))
    async def get_article(article_id: str, _: editor) -> s.ArticleOut:
        async with refusals(article_id):
            return s.article_out(await decisions.load(article_id))

    @router.get("/articles/{article_id}/versions", response_model=list[s.VersionOut],
                dependencies=SIGNED_IN, responses=route_errors(404, role="editor"))
    async def versions(article_id: str, _: editor) -> list[s.VersionOut]:
        async with refusals(article_id):
            doc = await decisions.load(article_id)
        return [s.VersionOut.model_validate(v) for v in doc.get("versions", [])]

    def act(use_case: Callable[..., Awaitable[dict[str, object]]]
            ) -> Callable[..., Awaitable[s.ArticleOut]]:
        async def run(article_id: str, *args: object) -> s.ArticleOut:
            async with refusals(article_id):
                return s.article_out(await use_case(article_id, *args))
        return run

    @router.post("/articles/{article_id}/claim", response_model=s.ArticleOut,
                 dependencies=SIGNED_IN, responses=route_errors(404, 409, role="editor"))
    async def claim(article_id: str, who: editor) -> s.ArticleOut:
        return await act(decisions.claim)(article_id, who)

    @router.patch("/articles/{article_id}", response_model=s.ArticleOut, dependencies=SIGNED_IN,
                  responses=route_errors(404, 409, 428, role="editor", body=True))
    async def edit(article_id: str, body: s.EditIn, who: editor,
                   if_match: Annotated[str | None, Header(max_length=20)] = None
                   ) -> s.ArticleOut:
        version = _parse_if_match(if_match)
        return await act(decisions.edit)(article_id, version, await _editable(body), who)

    @router.post("/articles/{article_id}/comments", response_model=s.ArticleOut,
                 dependencies=SIGNED_IN, responses=DECISION_ERRORS)
    async def comment(article_id: str, body: s.CommentIn, who: editor) -> s.ArticleOut:
        return await act(decisions.comment)(article_id, body.text, who)

    @router.post("/articles/{article_id}/request-revision", response_model=s.ArticleOut,
                 dependencies=SIGNED_IN, responses=DECISION_ERRORS)
    async def request_revision(article_id: str, body: s.ReasonIn, who: editor) -> s.ArticleOut:
        return await act(decisions.request_revision)(article_id, body.reason, who)

    @router.post("/articles/{article_id}/reject", response_model=s.ArticleOut,
                 dependencies=SIGNED_IN, responses=DECISION_ERRORS)
    async def reject(article_id: str, body: s.ReasonIn, who: editor) -> s.ArticleOut:
        return await act(decisions.reject)(article_id, body.reason, who)

    @router.post("/articles/{article_id}/approve", response_model=s.ArticleOut,
                 dependencies=SIGNED_IN, responses=DECISION_ERRORS)
    async def approve(article_id: str, body: s.ApproveIn, who: editor) -> s.ArticleOut:
        return await act(decisions.approve)(article_id, body.channels, body.publish_at, who)

    @router.post("/articles/{article_id}/correct", response_model=s.ArticleOut,
                 dependencies=SIGNED_IN, responses=DECISION_ERRORS)
    async def correct(article_id: str, body: s.CorrectIn, who: editor) -> s.ArticleOut:
        changes = await _editable(body)
        return await act(decisions.correct)(article_id, changes, body.correction_note, who)

    @router.post("/articles/{article_id}/take-down", response_model=s.ArticleOut,
                 dependencies=SIGNED_IN, responses=DECISION_ERRORS)
    async def take_down(article_id: str, body: s.ReasonIn, who: editor) -> s.ArticleOut:
        return await act(decisions.take_down)(article_id, body.reason, who)

    return router


def _parse_if_match(value: str | None) -> int:
    cleaned = (value or "").strip().removeprefix("W/").strip('"')
    if not cleaned.isdigit():
        raise ApiError(428, "precondition_required",
                       "Send the article version you edited as 'If-Match: <version>'.")
    return int(cleaned)


async def _editable(body: s.EditIn) -> Editable:
    html = await sanitize_async(body.body_html) if body.body_html is not None else None
    return Editable(headline=body.headline, body_html=html, summary=body.summary,
                    category=body.category, tags=body.tags)
