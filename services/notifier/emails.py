"""Rendering the emails journalists receive: Jinja2 (autoescaped HTML) + plain text, RFC 8058."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr, formatdate, parseaddr
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from services.notifier.domain import Kind, html_to_text, one_line
from shared.vocabulary import format_local

TEMPLATES = Path(__file__).parent / "templates"

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)

SUBJECT_PREFIX = {Kind.PRESS_RELEASE: "[Siaran Pers]", Kind.INVITATION: "[Undangan Liputan]"}


@dataclass(frozen=True)
class Recipient:
    name: str
    email: str
    unsubscribe_url: str


def render_page(template: str, **context: Any) -> str:
    """An HTML page of the notifier (unsubscribe), autoescaped."""
    return _env.get_template(template).render(**context)


def message_id(delivery_id: str, sender: str) -> str:
    """Deterministic, so a retried send carries the same Message-ID (receivers can dedupe)."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "warta.localhost"
    digest = hashlib.sha256(delivery_id.encode()).hexdigest()[:32]
    return f"<{digest}.notifier@{domain}>"


def build_email(*, kind: Kind, delivery_id: str, sender: str, recipient: Recipient,
                article: dict[str, Any], article_url: str | None, now: datetime
                ) -> EmailMessage:
    """`article` is the notifier's snapshot of the approved article (`approved` part)."""
    opd = article["opd"]
    headline = one_line(article["headline"])
    context: dict[str, Any] = {
        "recipient_name": recipient.name, "headline": headline,
        "summary": article.get("summary"), "opd_name": opd["name"], "opd_region": opd["region"],
        "unsubscribe_url": recipient.unsubscribe_url, "article_url": article_url or "",
        "body_html": article.get("body_html", ""),
        "body_text": html_to_text(article.get("body_html", "")),
    }
    if kind is Kind.INVITATION:
        invitation = article["press_invitation"]
        starts_at = invitation["starts_at"]
        if isinstance(starts_at, str):
            starts_at = datetime.fromisoformat(starts_at)
        context.update(starts_at_local=format_local(starts_at, opd["timezone"]),
                       location=invitation["location"], contact=invitation.get("contact"),
                       notes=invitation.get("notes"))
    message = EmailMessage()
    message["Subject"] = f"{SUBJECT_PREFIX[kind]} {headline}"
    message["From"] = sender
    message["To"] = formataddr((one_line(recipient.name, 100), recipient.email))
    message["Date"] = formatdate(now.timestamp(), localtime=False, usegmt=True)
    message["Message-ID"] = message_id(delivery_id, sender)
    message["List-Unsubscribe"] = f"<{recipient.unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["X-Warta-Delivery"] = delivery_id
    message.set_content(_env.get_template(f"{kind.value}.txt").render(**context))
    message.add_alternative(_env.get_template(f"{kind.value}.html").render(**context),
                            subtype="html")
    return message
