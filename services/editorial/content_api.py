"""Editorial HTTP routes for content: edits, photos, versions, diff, restore, preview, comments.

No `from __future__ import annotations` here (see `api`).
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request

from services.editorial import approval
from services.editorial import schemas as s
from services.editorial.api import editable
from services.editorial.content_handlers import Edits
from services.editorial.refusals import refusals
from shared.audit import record_act
from shared.auth import Principal, require_role
from shared.channel_text import LIMITS
from shared.errors import ApiError
from shared.openapi import editor_jwt, route_errors
from shared.settings import Settings
from shared.vocabulary import CHANNELS

SIGNED_IN = [editor_jwt("editor")]
IfMatch = Annotated[str | None, Header(max_length=20, description="the content version")]
Version = Annotated[int, Path(ge=1, le=1_000_000)]
CHANGE_ERRORS = route_errors(404, 409, 428, role="editor", body=True)


def content_router(settings: Settings, edits: Edits) -> APIRouter:
    router = APIRouter(prefix="/v1/articles/{article_id}", tags=["editorial"],
                       dependencies=SIGNED_IN)
    editor = Annotated[Principal, Depends(require_role(settings, "editor"))]

    @router.patch("", response_model=s.ArticleOut, responses=CHANGE_ERRORS)
    async def edit(article_id: str, body: s.EditIn, who: editor, request: Request,
                   if_match: IfMatch = None) -> s.ArticleOut:
        """Needs your claim (renewed by the edit); `If-Match` is the content version."""
        version = parse_if_match(if_match)
        changes = await editable(body)
        async with refusals(article_id):
            doc = await edits.edit(article_id, version, changes, who)
        await _audit(request, who, "article.edit", doc, before=version,
                     details={"fields": ",".join(sorted(body.model_dump(exclude_unset=True)))})
        return s.article_out(doc)

    @router.patch("/photos", response_model=s.ArticleOut, responses=CHANGE_ERRORS)
    async def photos(article_id: str, body: s.PhotosIn, who: editor, request: Request,
                     if_match: IfMatch = None) -> s.ArticleOut:
        """Caption, credit and alt text per photo ("" clears one); a new content version."""
        version = parse_if_match(if_match)
        changes = {p.id: p.model_dump(exclude={"id"}) for p in body.photos}
        async with refusals(article_id):
            doc = await edits.photos(article_id, version, changes, who)
        await _audit(request, who, "article.photos", doc, before=version,
                     details={"photos": ",".join(sorted(changes))})
        return s.article_out(doc)

    @router.get("/versions", response_model=list[s.VersionOut],
                responses=route_errors(404, role="editor"))
    async def versions(article_id: str, _: editor) -> list[s.VersionOut]:
        """Every content version in full, oldest first."""
        async with refusals(article_id):
            return [s.VersionOut.model_validate(v) for v in await edits.versions(article_id)]

    @router.get("/diff", response_model=s.DiffOut, responses=route_errors(404, role="editor"))
    async def diff(article_id: str, _: editor,
                   from_: Annotated[int, Query(alias="from", ge=1, le=1_000_000)],
                   to: Annotated[int, Query(ge=1, le=1_000_000)]) -> s.DiffOut:
        """What changed in the headline, summary and body (as text) between two versions."""
        async with refusals(article_id):
            return s.DiffOut.model_validate(await edits.diff(article_id, from_, to))

    @router.post("/versions/{version}/restore", response_model=s.ArticleOut,
                 responses=route_errors(404, 409, 428, role="editor"))
    async def restore(article_id: str, version: Version, who: editor, request: Request,
                      if_match: IfMatch = None) -> s.ArticleOut:
        """The content of `version` becomes a new version; needs your claim."""
        current = parse_if_match(if_match)
        async with refusals(article_id):
            doc = await edits.restore(article_id, version, current, who)
        await _audit(request, who, "article.restore", doc, before=current,
                     details={"restored": str(version)})
        return s.article_out(doc)

    @router.get("/preview", response_model=s.PreviewOut,
                responses=route_errors(404, role="editor"))
    async def preview(article_id: str, _: editor, channels: Annotated[str | None, Query(
            max_length=100, description="comma-separated, e.g. x,telegram; default: "
                                        "the social channels")] = None) -> s.PreviewOut:
        """Each channel's text as it will go out, its count, its limit and its problems."""
        chosen = parse_channels(channels)
        async with refusals(article_id):
            article = await edits.decisions.load(article_id)
        return s.PreviewOut.model_validate({"channels": [
            approval.preview(article, c, settings.website_base_url) for c in chosen]})

    @router.post("/comments", status_code=201, response_model=s.CommentOut,
                 responses=route_errors(404, 409, role="editor", body=True))
    async def comment(article_id: str, body: s.CommentIn, who: editor, request: Request
                      ) -> s.CommentOut:
        """Anyone may comment, claim or not; the article's versions stay as they are."""
        async with refusals(article_id):
            made = await edits.comment(article_id, body.text, who)
        await record_act(request, who.subject, who.role, "article.comment", target_type="article",
                         target_id=article_id, article_id=article_id)
        return s.comment_out(made)

    @router.get("/comments", response_model=list[s.CommentOut],
                responses=route_errors(404, role="editor"))
    async def comments(article_id: str, _: editor) -> list[s.CommentOut]:
        async with refusals(article_id):
            return [s.comment_out(c) for c in await edits.comments_of(article_id)]

    return router


def parse_channels(raw: str | None) -> list[str]:
    if not raw:
        return list(LIMITS)
    chosen = [c.strip() for c in raw.split(",") if c.strip()]
    unknown = sorted(set(chosen) - set(CHANNELS))
    if unknown or not chosen:
        raise ApiError(422, "validation_error", f"Kanal tidak dikenal {unknown}; pilih dari "
                       f"{list(CHANNELS)}.", [{"field": "query.channels", "problem": "unknown"}])
    return list(dict.fromkeys(chosen))


def parse_if_match(value: str | None) -> int:
    cleaned = (value or "").strip().removeprefix("W/").strip('"')
    if not cleaned.isdigit() or len(cleaned) > 9:
        raise ApiError(428, "precondition_required", "Kirim versi isi yang Anda ubah sebagai "
                       "'If-Match: <content_version>'.")
    return int(cleaned)


async def _audit(request: Request, who: Principal, action: str, doc: dict[str, Any], *,
                 before: int | None, details: dict[str, Any]) -> None:
    """A content change, with the content versions it went from and to."""
    after = doc.get("content_version")
    await record_act(request, who.subject, who.role, action, target_type="article",
                     target_id=str(doc["_id"]), article_id=str(doc["_id"]),
                     before=before if before is not None else (int(after) - 1 if after else None),
                     after=int(after) if after is not None else None, details=details)
