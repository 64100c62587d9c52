"""The desk's further article pages: reject, schedule, versions and diffs, publications with
retry, correct, and take down (after a confirmation page)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.console import article_actions as acts
from services.console import article_forms, diff_view
from services.console.desk import Desk
from services.console.domain import ApiRefusal, Session, at_least
from services.console.web import PREFIX, checked_form, page, templates
from shared.vocabulary import zone_of

SHOWN = (403, 404, 409, 422, 428)
RETRY_NOTICE = "Publikasi dikirim ulang; statusnya diperbarui di bawah."
templates.env.filters["zona"] = lambda timezone: zone_of(timezone or "")[1]
templates.env.globals.update(ACTS=acts, PUBLICATION_STATES=acts.PUBLICATION_STATES)


def shown_status(refusal: ApiRefusal) -> int:
    return refusal.status if refusal.status in SHOWN else 503


def base(session: Session) -> dict[str, Any]:
    return {"session": session, "csrf": session.csrf,
            "chief": at_least(session.role, "chief_editor")}


def missing(request: Request, session: Session, refusal: ApiRefusal) -> Response:
    return page(request, "missing.html", {**base(session), "message": refusal.message},
                shown_status(refusal))


async def article_of(desk: Desk, session: Session, article_id: str) -> dict[str, Any]:
    found: dict[str, Any] = await desk.api(session, "GET", f"/v1/articles/{article_id}")
    return found


def build_router(desk: Desk) -> APIRouter:
    router = APIRouter(prefix=PREFIX, include_in_schema=False)
    _reading(router, desk)
    _deciding(router, desk)
    return router


def _reading(router: APIRouter, desk: Desk) -> None:
    """Versions, diffs and publications (any editor), and a publication's retry."""

    @router.get("/artikel/{article_id}/versi", response_class=HTMLResponse)
    async def versions(request: Request, article_id: str) -> Response:
        session = await desk.session(request)
        try:
            article = await article_of(desk, session, article_id)
            found = await desk.api(session, "GET", f"/v1/articles/{article_id}/versions")
        except ApiRefusal as refusal:
            return missing(request, session, refusal)
        return page(request, "versions.html", {**base(session), "a": article,
                                               "versions": list(reversed(found))})

    @router.get("/artikel/{article_id}/beda", response_class=HTMLResponse)
    async def diff(request: Request, article_id: str, dari: str = "", ke: str = "") -> Response:
        session = await desk.session(request)
        if not (dari.isdigit() and ke.isdigit() and 0 < len(dari) < 8 and 0 < len(ke) < 8):
            return missing(request, session, ApiRefusal(
                422, "validation_error", "Pilih dua nomor versi untuk dibandingkan."))
        try:
            article = await article_of(desk, session, article_id)
            found = await desk.api(session, "GET", f"/v1/articles/{article_id}/diff",
                                   params={"from": dari, "to": ke})
        except ApiRefusal as refusal:
            return missing(request, session, refusal)
        return page(request, "diff.html", {**base(session), "a": article, "from_": int(dari),
                                           "to": int(ke), **diff_view.view(found)})

    async def publications_page(request: Request, session: Session, article_id: str, *,
                                notice: str | None = None, refused_id: str | None = None,
                                refusal: ApiRefusal | None = None) -> Response:
        try:
            article = await article_of(desk, session, article_id)
            items = await acts.publications(desk, session, article_id)
        except ApiRefusal as failure:
            return missing(request, session, failure)
        return page(request, "publications.html", {
            **base(session), "a": article, "items": items, "names": article_forms.CHANNEL_NAMES,
            "notice": notice, "refused_id": refused_id, "refusal": refusal},
            shown_status(refusal) if refusal else 200)

    @router.get("/artikel/{article_id}/publikasi", response_class=HTMLResponse)
    async def publications(request: Request, article_id: str, ok: str = "") -> Response:
        session = await desk.session(request)
        return await publications_page(request, session, article_id,
                                       notice=RETRY_NOTICE if ok == "diulang" else None)

    @router.post("/artikel/{article_id}/publikasi/{publication_id}/ulang")
    async def retry(request: Request, article_id: str, publication_id: str) -> Response:
        session = await desk.session(request)
        await checked_form(request, session)
        try:
            await acts.retry(desk, session, quote(publication_id, safe=""))
        except ApiRefusal as refusal:
            return await publications_page(request, session, article_id,
                                           refused_id=publication_id, refusal=refusal)
        return RedirectResponse(f"{PREFIX}/artikel/{article_id}/publikasi?ok=diulang",
                                status_code=303)


def _deciding(router: APIRouter, desk: Desk) -> None:
    """Reject, schedule, correct and take down: the article page's further forms."""

    async def article_again(request: Request, session: Session, article_id: str, act: str, *,
                            refusal: ApiRefusal, form: dict[str, str]) -> Response:
        """The article page with this form's refusal beside it (the page's own forms keep
        their fields and show nothing)."""
        context = await article_forms.load(desk, session, article_id)
        return page(request, "article.html", {
            **context, **base(session), "notice": None, "refusal": None, "errors": {},
            "submitted": {}, "channel_alerts": await desk.channel_alerts(session),
            "act": act, "act_refusal": refusal, "act_errors": refusal.fields,
            "act_submitted": form}, shown_status(refusal))

    async def correct_page(request: Request, session: Session, article_id: str, *,
                           refusal: ApiRefusal | None = None,
                           form: dict[str, str] | None = None) -> Response:
        try:
            article = await article_of(desk, session, article_id)
        except ApiRefusal as failure:
            return missing(request, session, failure)
        return page(request, "correct.html", {
            **base(session), "a": article, "refusal": refusal,
            "errors": refusal.fields if refusal else {}, "submitted": form or {}},
            shown_status(refusal) if refusal else 200)

    @router.get("/artikel/{article_id}/koreksi", response_class=HTMLResponse)
    async def correct_form(request: Request, article_id: str) -> Response:
        return await correct_page(request, await desk.session(request), article_id)

    @router.post("/artikel/{article_id}/aksi/koreksi")
    async def correct(request: Request, article_id: str) -> Response:
        session = await desk.session(request)
        form = await checked_form(request, session)
        try:
            done = await acts.perform(desk, session, article_id, "koreksi", form)
        except ApiRefusal as refusal:
            return await correct_page(request, session, article_id, refusal=refusal, form=form)
        return RedirectResponse(f"{PREFIX}/artikel/{article_id}?ok={done}", status_code=303)

    async def confirm_page(request: Request, session: Session, article_id: str, reason: str,
                           refusal: ApiRefusal | None = None) -> Response:
        article = await article_of(desk, session, article_id)
        return page(request, "takedown.html", {
            **base(session), "a": article, "reason": reason, "refusal": refusal,
            "names": article_forms.CHANNEL_NAMES}, shown_status(refusal) if refusal else 200)

    @router.post("/artikel/{article_id}/aksi/turunkan-periksa")
    async def take_down_check(request: Request, article_id: str) -> Response:
        """Step one of a take-down: nothing is sent yet; the page asks to confirm."""
        session = await desk.session(request)
        form = await checked_form(request, session)
        reason = form.get("takedown_reason", "").strip()
        if not reason:
            return await article_again(request, session, article_id, "turunkan", refusal=(
                acts.refused("takedown_reason", "Tulis alasan penurunan.")), form=form)
        return await confirm_page(request, session, article_id, reason)

    @router.post("/artikel/{article_id}/aksi/{action}")
    async def act(request: Request, article_id: str, action: str) -> Response:
        session = await desk.session(request)
        form = await checked_form(request, session)
        try:
            done = await acts.perform(desk, session, article_id, action, form)
        except ApiRefusal as refusal:
            if action == "turunkan":
                return await confirm_page(request, session, article_id,
                                          form.get("takedown_reason", ""), refusal)
            return await article_again(request, session, article_id, action,
                                       refusal=refusal, form=form)
        return RedirectResponse(f"{PREFIX}/artikel/{article_id}?ok={done}", status_code=303)

