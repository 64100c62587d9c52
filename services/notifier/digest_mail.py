"""The daily digest email: the day's press releases in one message, composed like the others
(emails.compose: same headers, List-Unsubscribe, List-Id, deterministic Message-ID)."""

from __future__ import annotations

from datetime import datetime
from email.header import Header
from typing import Any

from services.notifier.domain import Kind, html_to_text, one_line
from services.notifier.emails import (
    NAME,
    PREFERENCES,
    UNSUBSCRIBE,
    Prepared,
    Recipient,
    compose,
    render_page,
)
from shared.mongo import Document
from shared.vocabulary import DEFAULT_ZONE, format_local

SUBJECT = "[Ringkasan Harian] {count} siaran pers, {day}"
SUMMARY_CHARS = 300


def item_of(article: Document) -> dict[str, Any]:
    approved, published = article["approved"], article.get("published") or {}
    summary = approved.get("summary") or html_to_text(approved.get("body_html", ""))
    return {"headline": one_line(approved["headline"]), "opd_name": approved["opd"]["name"],
            "opd_region": approved["opd"]["region"], "summary": one_line(summary, SUMMARY_CHARS),
            "url": published.get("url") or ""}


def _subject(value: str) -> str:
    if value.isascii():
        return value
    return Header(value, "utf-8", maxlinelen=76).encode().replace("\n", "\r\n")


def digest_email(digest: Document, articles: list[Document], *, sender: str,
                 recipient: Recipient, now: datetime) -> bytes:
    day = format_local(digest["due_at"], digest.get("zone", DEFAULT_ZONE), "EEEE, d MMMM y")
    context = {"recipient_name": NAME, "unsubscribe_url": UNSUBSCRIBE,
               "preferences_url": PREFERENCES, "day": day,
               "items": [item_of(a) for a in articles], "count": len(articles)}
    prepared = Prepared(Kind.PRESS_RELEASE,
                        _subject(SUBJECT.format(count=len(articles), day=day)),
                        render_page("digest/digest.txt", **context),
                        render_page("digest/digest.html", **context))
    return compose(prepared, delivery_id=f"digest:{digest['_id']}", sender=sender,
                   recipient=recipient, now=now)
