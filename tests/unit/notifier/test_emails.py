"""Email rendering: subject, RFC 8058 headers, Message-ID, escaping, local time of the OPD."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from services.notifier.domain import Kind
from services.notifier.emails import Recipient, build_email, message_id, render_page

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
SENDER = "Warta Diskominfo <warta@kominfo.example>"
RECIPIENT = Recipient(name="Andi <Wijaya>", email="andi@media.example",
                      unsubscribe_url="https://warta.kota.example/unsubscribe/tok123")


def article(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "headline": "Vaksinasi <b>massal</b> & gratis",
        "summary": "Ringkasan <script>x</script>",
        "body_html": "<p>Isi <strong>berita</strong>.</p>",
        "category": "kesehatan",
        "opd": {"id": "opd-1", "code": "DINKES", "name": "Dinas Kesehatan",
                "region": "Kota Makassar", "timezone": "Asia/Makassar"},
        "press_invitation": {"starts_at": datetime(2026, 11, 30, 2, 0, tzinfo=UTC),
                             "location": "Aula <Balai> Kota", "contact": "Rina 0812",
                             "notes": None},
    }
    return {**base, **changes}


def render(kind: Kind, **changes: Any) -> EmailMessage:
    raw = build_email(kind=kind, delivery_id="a1:j1:" + kind.value, sender=SENDER,
                      recipient=RECIPIENT, article=article(**changes),
                      article_url="https://kota.example/berita/vaksinasi", now=NOW,
                      public_base_url="https://warta.kota.example")
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def test_a_press_release_has_the_subject_and_one_click_unsubscribe_headers() -> None:
    message = render(Kind.PRESS_RELEASE)
    assert message["Subject"] == "[Siaran Pers] Vaksinasi <b>massal</b> & gratis"
    assert message["List-Unsubscribe"] == "<https://warta.kota.example/unsubscribe/tok123>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Message-ID"] == message_id("a1:j1:press_release", SENDER)
    assert message["Message-ID"].endswith("@kominfo.example>")
    assert "andi@media.example" in message["To"]
    assert message.is_multipart()


def test_the_message_id_is_deterministic_per_delivery() -> None:
    assert render(Kind.PRESS_RELEASE)["Message-ID"] == render(Kind.PRESS_RELEASE)["Message-ID"]
    assert message_id("a1:j1:press_release", SENDER) != message_id("a1:j2:press_release", SENDER)


def test_the_html_part_escapes_fields_but_keeps_the_sanitized_body() -> None:
    text, html = parts(render(Kind.PRESS_RELEASE))
    assert "Vaksinasi &lt;b&gt;massal&lt;/b&gt; &amp; gratis" in html
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert "Andi &lt;Wijaya&gt;" in html
    assert "<p>Isi <strong>berita</strong>.</p>" in html
    assert 'href="https://kota.example/berita/vaksinasi"' in html
    assert "Dinas Kesehatan" in html and "Kota Makassar" in html
    assert "Isi berita." in text and "<strong>" not in text
    assert "https://kota.example/berita/vaksinasi" in text
    assert "Berhenti berlangganan: https://warta.kota.example/unsubscribe/tok123" in text


def test_a_headline_cannot_inject_headers() -> None:
    message = render(Kind.PRESS_RELEASE, headline="Judul\r\nBcc: korban@example.com")
    assert message["Bcc"] is None
    assert message["Subject"] == "[Siaran Pers] Judul Bcc: korban@example.com"


def test_an_invitation_shows_time_in_the_opds_zone_location_and_contact() -> None:
    message = render(Kind.INVITATION)
    assert message["Subject"].startswith("[Undangan Liputan] Vaksinasi")
    text, html = parts(message)
    assert "Senin, 30 November 2026 pukul 10.00 WITA" in text
    assert "Aula <Balai> Kota" in text and "Rina 0812" in text
    assert "Aula &lt;Balai&gt; Kota" in html
    assert "pukul 10.00 WITA" in html
    jakarta = render(Kind.INVITATION, opd={**article()["opd"], "timezone": "Asia/Jakarta"})
    assert "pukul 09.00 WIB" in parts(jakarta)[0]


def test_an_invitation_accepts_a_stored_iso_time() -> None:
    invitation = {"starts_at": "2026-11-30T02:00:00+00:00", "location": "Aula",
                  "contact": None, "notes": None}
    text, _ = parts(render(Kind.INVITATION, press_invitation=invitation))
    assert "pukul 10.00 WITA" in text and "Kontak" not in text


def test_the_unsubscribe_page_escapes_what_it_shows() -> None:
    page = render_page("unsubscribe.html", state="confirm", title="Berhenti",
                       email="<x>@example.com", action="/unsubscribe/abc")
    assert "&lt;x&gt;@example.com" in page
    assert 'method="post"' in page and 'action="/unsubscribe/abc"' in page
