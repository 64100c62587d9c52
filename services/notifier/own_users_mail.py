"""Rendering the emails to Warta's own users: Jinja2 templates in Bahasa Indonesia."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from typing import Any

from services.notifier.emails import message_id, render_page
from shared.vocabulary import format_local

HEALTH_LABELS = {"healthy": "sehat", "needs_reconnect": "perlu disambungkan ulang",
                 "unreachable": "tidak dapat dihubungi", "unknown": "belum diketahui"}


SUBJECTS = {
    "report_returned": "[Warta] Laporan {report_id} dikembalikan untuk diperbaiki",
    "report_rejected": "[Warta] Laporan {report_id} ditolak",
    "report_published": "[Warta] Terbit: {headline}",
    "behind_target": "[Warta] Pengingat laporan bulanan {month}",
    "invitation_reminder": "[Pengingat Undangan Liputan] {headline}",
    "invitation_cancelled": "[Undangan Liputan Dibatalkan] {headline}",
    "invitation_changed": "[Perubahan Undangan Liputan] {headline}",
    "opd_password_reset": "[Warta] Atur ulang kata sandi akun {username}",
    "opd_welcome": "[Warta] Akun Anda untuk {opd_name}: buat kata sandi",
}


def subject(kind: str, context: dict[str, Any]) -> str:
    if kind == "channel_health":
        label = HEALTH_LABELS.get(context["health"], context["health"])
        return f"[Warta] Kanal {context['channel']}: {label}"
    return SUBJECTS[kind].format(**context)


def view(kind: str, context: dict[str, Any], *, timezone: str, console_url: str
         ) -> dict[str, Any]:
    """What the templates see: times shown in the recipient's zone, health in Indonesian."""
    shown = dict(context)
    for field in ("checked_at", "decided_at"):
        if shown.get(field):
            shown[field] = format_local(datetime.fromisoformat(shown[field]), timezone)
    if kind == "channel_health":
        shown["health_label"] = HEALTH_LABELS.get(context["health"], context["health"])
        shown["previous_label"] = HEALTH_LABELS.get(context["previous"], context["previous"])
    shown.setdefault("links", [])
    shown["console_url"] = console_url
    return shown


def render(kind: str, shown: dict[str, Any], name: str | None) -> tuple[str, str]:
    context = {**shown, "name": name or "Bapak/Ibu"}
    folder = "invitations" if kind.startswith("invitation_") else "own_users"
    return (render_page(f"{folder}/{kind}.txt", **context),
            render_page(f"{folder}/{kind}.html", **context))


def compose(record_id: str, kind: str, shown: dict[str, Any], *, sender: str, to_email: str,
            to_name: str | None, now: datetime, ics: str | None = None) -> EmailMessage:
    text, html = render(kind, shown, to_name)
    message = EmailMessage()
    message["From"] = sender
    message["To"] = formataddr((to_name or "", to_email))
    message["Subject"] = subject(kind, shown)
    message["Date"] = formatdate(now.timestamp(), localtime=False)
    message["Message-ID"] = message_id(f"own:{record_id}", sender)
    message["Auto-Submitted"] = "auto-generated"  # no vacation replies to a notice
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    if ics:  # RFC 6047: the calendar part names its METHOD
        method = "CANCEL" if "METHOD:CANCEL" in ics else "REQUEST"
        message.add_attachment(ics.encode(), maintype="text", subtype="calendar",
                               filename="undangan.ics", params={"method": method})
    return message
