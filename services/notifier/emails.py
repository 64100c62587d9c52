"""Rendering the emails journalists receive: Jinja2 (autoescaped HTML) + plain text, RFC 8058.

Every link is absolute under the public base URL (WARTA_PUBLIC_BASE_URL), never a service's
own loopback port. Headers are written as they are (never re-folded), so a long
`List-Unsubscribe` stays a plain `<https://...>`: the standard library's folding turned it into
RFC 2047 encoded-words that mail clients cannot read.
"""

from __future__ import annotations

import binascii
import hashlib
import io
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.generator import BytesGenerator
from email.header import Header
from email.message import EmailMessage
from email.utils import formataddr, formatdate, parseaddr
from functools import lru_cache
from html import escape
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from services.notifier.domain import Kind, html_to_text, one_line
from services.notifier.invitation_mime import mixed_boundary, with_calendar
from shared.vocabulary import format_local

TEMPLATES = Path(__file__).parent / "templates"
# Placeholders for the recipient in a prepared message (never in real text: NUL-delimited).
NAME, UNSUBSCRIBE = "\x00recipient-name\x00", "\x00unsubscribe-url\x00"
RSVP_HADIR, RSVP_TIDAK = "\x00rsvp-hadir\x00", "\x00rsvp-tidak\x00"
PROOF, PREFERENCES = "\x00proof-url\x00", "\x00preferences-url\x00"
# Around the proof-of-publication paragraph: kept for a partner's journalist, cut otherwise.
PROOF_START, PROOF_END = "\x00proof-start\x00", "\x00proof-end\x00"
WIRE = policy.SMTP.clone(max_line_length=998)

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
    auto_reload=False,  # templates ship with the code: no stat() per render
)

SUBJECT_PREFIX = {Kind.PRESS_RELEASE: "[Siaran Pers]", Kind.INVITATION: "[Undangan Liputan]",
                  Kind.CORRECTION: "[Ralat]", Kind.WITHDRAWAL: "[Pencabutan Siaran Pers]"}


@dataclass(frozen=True)
class Recipient:
    name: str
    email: str
    unsubscribe_url: str
    # Per-recipient links (invitation_links.py): empty when the message has none.
    rsvp_hadir_url: str = ""
    rsvp_tidak_url: str = ""
    proof_url: str = ""
    calendar: bytes | None = None  # this recipient's .ics (their ATTENDEE line)
    preferences_url: str = ""  # the self-service page (every journalist's message has one)


def render_page(template: str, **context: Any) -> str:
    """An HTML page of the notifier (unsubscribe), autoescaped."""
    return _env.get_template(template).render(**context)


def message_id(delivery_id: str, sender: str) -> str:
    """Deterministic, so a retried send carries the same Message-ID (receivers can dedupe)."""
    digest = hashlib.sha256(delivery_id.encode()).hexdigest()[:32]
    return f"<{digest}.notifier@{sender_domain(sender)}>"


@lru_cache(maxsize=8)  # a pure function of the configured sender
def sender_domain(sender: str) -> str:
    return parseaddr(sender)[1].rpartition("@")[2] or "warta.localhost"


def list_id(sender: str) -> str:
    return f"Siaran Pers Warta <siaran-pers.{sender_domain(sender)}>"


def absolute(url: str, public_base_url: str) -> str:
    return url if url.startswith(("http://", "https://")) else (
        f"{public_base_url.rstrip('/')}/{url.lstrip('/')}")


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def context_of(kind: Kind, recipient: Recipient, article: dict[str, Any], *,
               article_url: str | None, public_base_url: str,
               notice: dict[str, Any] | None = None) -> dict[str, Any]:
    """What every template may use; `article` is the notifier's snapshot (`approved`)."""
    opd = article["opd"]
    invitation = article.get("press_invitation") or {}
    activity_at = _when(article.get("activity_at"))
    starts_at = _when(invitation.get("starts_at"))
    photos = [{"url": absolute(a["url"], public_base_url), "caption": a.get("caption"),
               "credit": a.get("credit")}
              for a in article.get("attachments") or []
              if str(a.get("content_type", "")).startswith("image/")]
    return {
        "recipient_name": recipient.name, "headline": one_line(article["headline"]),
        "summary": article.get("summary"), "opd_name": opd["name"], "opd_region": opd["region"],
        "place": article.get("location") or invitation.get("location"),
        "activity_local": format_local(activity_at, opd["timezone"]) if activity_at else None,
        "contact": invitation.get("contact") or opd.get("contact") or f"Humas {opd['name']}",
        "photos": photos, "unsubscribe_url": recipient.unsubscribe_url,
        "article_url": article_url or "", "body_html": article.get("body_html", ""),
        "body_text": html_to_text(article.get("body_html", "")),
        "starts_at_local": format_local(starts_at, opd["timezone"]) if starts_at else None,
        "location": invitation.get("location"), "notes": invitation.get("notes"),
        "correction_note": (notice or {}).get("correction_note"),
        "reason": (notice or {}).get("reason"),
        "rsvp_hadir_url": recipient.rsvp_hadir_url, "rsvp_tidak_url": recipient.rsvp_tidak_url,
        "proof_url": recipient.proof_url, "preferences_url": recipient.preferences_url,
        "proof_start": PROOF_START, "proof_end": PROOF_END,  # see `_personal`
    }


@dataclass(frozen=True)
class Prepared:
    """One kind of message about one article, rendered once with placeholders for the
    recipient: a fan-out renders its templates once, not once per journalist."""

    kind: Kind
    subject: str
    text: str
    html: str
    calendar: bytes | None = None  # an invitation's .ics without attendee (compose adds it)


PLACEHOLDERS = Recipient(NAME, "", UNSUBSCRIBE, RSVP_HADIR, RSVP_TIDAK, PROOF,
                         preferences_url=PREFERENCES)


def prepare(kind: Kind, article: dict[str, Any], *, article_url: str | None,
            public_base_url: str, notice: dict[str, Any] | None = None,
            calendar: bytes | None = None) -> Prepared:
    context = context_of(kind, PLACEHOLDERS, article,
                         article_url=article_url, public_base_url=public_base_url,
                         notice=notice)
    return Prepared(kind, _encoded(f"{SUBJECT_PREFIX[kind]} {context['headline']}"),
                    _env.get_template(f"{kind.value}.txt").render(**context),
                    _env.get_template(f"{kind.value}.html").render(**context), calendar)


def compose(prepared: Prepared, *, delivery_id: str, sender: str, recipient: Recipient,
            now: datetime) -> bytes:
    """The message as it goes on the wire: multipart/alternative (text, HTML), both
    quoted-printable UTF-8, CRLF; in multipart/mixed with the recipient's calendar file when
    it has one. Composed directly: the standard library's EmailMessage takes about 25 ms a
    message here (header registry, policy folding), 40 a second at best."""
    name = one_line(recipient.name, 100)
    links = {NAME: name, UNSUBSCRIBE: recipient.unsubscribe_url,
             RSVP_HADIR: recipient.rsvp_hadir_url, RSVP_TIDAK: recipient.rsvp_tidak_url,
             PROOF: recipient.proof_url, PREFERENCES: recipient.preferences_url}
    text, html = _personal(prepared.text, links, False), _personal(prepared.html, links, True)
    boundary = f"=_warta_{hashlib.sha256(delivery_id.encode()).hexdigest()[:24]}"
    headers = [
        ("From", _from(sender)),
        ("To", formataddr((name, recipient.email), charset="utf-8")),
        ("Subject", prepared.subject),
        ("Date", formatdate(now.timestamp(), localtime=False, usegmt=True)),
        ("Message-ID", message_id(delivery_id, sender)),
        ("List-Id", list_id(sender)),
        ("List-Unsubscribe", f"<{recipient.unsubscribe_url}>"),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        ("X-Warta-Delivery", delivery_id),
        ("MIME-Version", "1.0"),
    ]
    body = b"".join([_part(boundary, "plain", text), _part(boundary, "html", html),
                     f"--{boundary}--\r\n".encode()])
    alternative = f'multipart/alternative; boundary="{boundary}"'
    if recipient.calendar is not None:
        body = with_calendar(boundary, alternative, body, recipient.calendar)
        alternative = f'multipart/mixed; boundary="{mixed_boundary(boundary)}"'
    head = "".join(f"{key}: {value}\r\n" for key, value in
                   [*headers, ("Content-Type", alternative)]).encode()
    return b"".join([head, b"\r\n", body])


def _personal(template: str, links: dict[str, str], html: bool) -> str:
    """The prepared text with this recipient's name and links; a paragraph only some
    recipients get (PROOF_START..PROOF_END) is kept when they have the link."""
    if PROOF_START in template:
        head, _, rest = template.partition(PROOF_START)
        middle, _, tail = rest.partition(PROOF_END)
        template = head + (middle if links[PROOF] else "") + tail
    for placeholder, value in links.items():
        template = template.replace(placeholder, escape(value) if html else value)
    return template


def build_email(*, kind: Kind, delivery_id: str, sender: str, recipient: Recipient,
                article: dict[str, Any], article_url: str | None, now: datetime,
                public_base_url: str, notice: dict[str, Any] | None = None) -> bytes:
    """One message, prepared and composed (a batch prepares once and composes many)."""
    prepared = prepare(kind, article, article_url=article_url,
                       public_base_url=public_base_url, notice=notice)
    return compose(prepared, delivery_id=delivery_id, sender=sender, recipient=recipient,
                   now=now)


@lru_cache(maxsize=8)
def _from(sender: str) -> str:
    return formataddr(parseaddr(sender), charset="utf-8")


def _encoded(value: str) -> str:
    """RFC 2047 only when needed (a non-ASCII subject); plain ASCII stays readable."""
    if value.isascii():
        return value
    return Header(value, "utf-8", maxlinelen=76).encode().replace("\n", "\r\n")


def _part(boundary: str, subtype: str, body: str) -> bytes:
    normalized = body.replace("\r\n", "\n").encode()
    encoded = binascii.b2a_qp(normalized, istext=True).replace(b"\n", b"\r\n")
    return (f"--{boundary}\r\nContent-Type: text/{subtype}; charset=\"utf-8\"\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n").encode() + encoded + (
        b"" if encoded.endswith(b"\r\n") else b"\r\n")


def flatten(message: EmailMessage) -> bytes:
    """An EmailMessage built elsewhere (sign-up mail) as wire bytes: CRLF, headers unfolded up
    to 998 octets."""
    buffer = io.BytesIO()
    BytesGenerator(buffer, policy=WIRE).flatten(message)
    return buffer.getvalue()
