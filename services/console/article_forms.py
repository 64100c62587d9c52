"""An article page's data (article, per-channel preview, comments) and its form actions."""

from __future__ import annotations

from typing import Any

from services.console.desk import Desk
from services.console.domain import ApiRefusal, Session
from shared.channel_text import LIMITS, count
from shared.vocabulary import CHANNELS

TEXT_CHANNELS = tuple(LIMITS)  # the channels with an editor's own text: x, telegram, ...
CHANNEL_NAMES = {"website": "Situs web", "feed": "Umpan RSS", "telegram": "Telegram",
                 "facebook": "Facebook", "instagram": "Instagram", "x": "X"}


async def load(desk: Desk, session: Session, article_id: str) -> dict[str, Any]:
    article = await desk.api(session, "GET", f"/v1/articles/{article_id}")
    preview = await desk.api(session, "GET", f"/v1/articles/{article_id}/preview",
                             params={"channels": ",".join(TEXT_CHANNELS)})
    comments = await desk.api(session, "GET", f"/v1/articles/{article_id}/comments")
    whatsapp = await desk.api(session, "GET", f"/v1/articles/{article_id}/whatsapp-channel")
    images = len([a for a in article.get("attachments", [])
                  if str(a.get("content_type", "")).startswith("image/")])
    return {"article": article, "comments": comments, "images": images, "whatsapp": whatsapp,
            "previews": {p["channel"]: p for p in preview["channels"]},
            "text_channels": TEXT_CHANNELS, "all_channels": CHANNELS, "names": CHANNEL_NAMES}


def image_count(form: dict[str, str]) -> int:
    """The article's photo count the page sent along; anything but a small number is refused
    (a tampered form must get a clear answer, not a stack trace)."""
    raw = form.get("images", "0").strip() or "0"
    if not raw.isdigit() or int(raw) > 100:
        raise ApiRefusal(422, "invalid_images", "Jumlah foto tidak valid.")
    return int(raw)


def live_counter(channel: str, text: str, images: int) -> dict[str, Any]:
    if channel not in LIMITS:
        raise ApiRefusal(404, "not_found", "Kanal tidak dikenal.")
    limit = LIMITS[channel].text_limit(images)
    used = count(channel, text)
    return {"channel": channel, "count": used, "limit": limit, "over": used > limit,
            "default": not text.strip()}


async def perform(desk: Desk, session: Session, article_id: str, action: str,
                  form: dict[str, str]) -> str:
    """Runs one form's action through the API; returns the notice to show after it."""
    path = f"/v1/articles/{article_id}"
    if action == "klaim":
        await desk.api(session, "POST", f"{path}/claim")
        return "diklaim"
    if action == "ubah":
        texts = {c: form.get(f"text_{c}", "") for c in TEXT_CHANNELS}
        body: dict[str, Any] = {"headline": form.get("headline", ""),
                                "summary": form.get("summary", ""),
                                "body_html": form.get("body_html", ""), "channel_texts": texts}
        await desk.api(session, "PATCH", path, json=body,
                       headers={"If-Match": form.get("content_version", "")})
        return "disimpan"
    if action == "komentar":
        await desk.api(session, "POST", f"{path}/comments", json={"text": form.get("text", "")})
        return "komentar"
    if action == "revisi":
        await desk.api(session, "POST", f"{path}/request-revision",
                       json={"reason": form.get("reason", "")})
        return "revisi"
    if action == "siap":
        await desk.api(session, "POST", f"{path}/ready")
        return "siap"
    if action == "setujui":
        chosen = [c for c in CHANNELS if form.get(f"channel_{c}") == "on"]
        if not chosen:
            raise ApiRefusal(422, "validation_error", "Pilih minimal satu kanal.",
                             [{"field": "channels", "message": "Pilih minimal satu kanal."}])
        approval: dict[str, Any] = {"channels": chosen}
        if form.get("override_reason", "").strip():
            approval["override_reason"] = form["override_reason"].strip()
        approved = await desk.api(session, "POST", f"{path}/approve", json=approval)
        warned = isinstance(approved, dict) and approved.get("warnings")
        return "disetujui_kanal" if warned else "disetujui"
    raise ApiRefusal(404, "not_found", "Tindakan tidak dikenal.")
