"""Editorial HTTP route of the WhatsApp Channel text: Channels have no API, so the desk copies
a ready text and the full-size photos and posts them by hand.

No `from __future__ import annotations`: FastAPI resolves the dependency aliases at runtime.
"""

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from services.editorial.handlers import Decisions
from services.editorial.refusals import refusals
from shared.auth import require_role
from shared.openapi import editor_jwt, route_errors
from shared.settings import Settings
from shared.vocabulary import article_url
from shared.whatsapp_channel_text import whatsapp_channel_text


class WhatsAppImageOut(BaseModel):
    url: str = Field(description="the photo at full size")
    caption: str | None = Field(default=None, description="caption and credit, to paste")
    alt_text: str | None = None


class WhatsAppChannelOut(BaseModel):
    text: str = Field(description="WhatsApp markup: *bold* headline, summary, link, hashtags")
    link: str = Field(description="the article on the website")
    images: list[WhatsAppImageOut]


def photo_caption(attachment: dict[str, Any]) -> str | None:
    """"Pesepeda di Losari (Foto: Humas Dishub)": the caption with its credit, as pressrooms
    print it; None when the photo has neither."""
    caption = str(attachment.get("caption") or "").strip()
    credit = str(attachment.get("credit") or "").strip()
    if caption and credit:
        return f"{caption} (Foto: {credit})"
    return caption or (f"Foto: {credit}" if credit else None)


def whatsapp_out(article: dict[str, Any], website_base_url: str) -> WhatsAppChannelOut:
    link = article_url(website_base_url, str(article["_id"]))
    text = whatsapp_channel_text(headline=article["headline"], summary=article.get("summary"),
                                 link=link, tags=article.get("tags") or [],
                                 body_html=article.get("body_html"))
    images = [WhatsAppImageOut(url=str(a["url"]), caption=photo_caption(a),
                               alt_text=a.get("alt_text") or None)
              for a in article.get("attachments") or []
              if str(a.get("content_type", "")).startswith("image/") and a.get("url")]
    return WhatsAppChannelOut(text=text, link=link, images=images)


def whatsapp_router(settings: Settings, decisions: Decisions) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["editorial"])
    desk = [Depends(require_role(settings, "editor")), editor_jwt("editor")]

    @router.get("/articles/{article_id}/whatsapp-channel", response_model=WhatsAppChannelOut,
                dependencies=desk, responses=route_errors(404, role="editor"))
    async def whatsapp_channel(article_id: str) -> WhatsAppChannelOut:
        """The text and photos for the office's WhatsApp Channel, to paste by hand."""
        async with refusals(article_id):
            article = await decisions.load(article_id)
        return whatsapp_out(article, settings.website_base_url)

    return router
