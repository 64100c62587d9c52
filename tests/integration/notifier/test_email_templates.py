"""Every email template renders, in Indonesian, with the OPD, place, local date, narahubung,
full-size photo links under the public base URL, and a plain one-click unsubscribe header."""

from __future__ import annotations

from services.notifier.domain import Kind
from services.notifier.emails import TEMPLATES, Recipient, build_email
from shared.envelope import utcnow
from tests.integration.notifier.conftest import OPD
from warta_cli.mailpit import parse

BASE = "https://warta.example.go.id"
ARTICLE = {
    "headline": "Vaksinasi massal di Makassar", "summary": "Vaksinasi gratis untuk warga",
    "body_html": "<p>Dinas Kesehatan menggelar <strong>vaksinasi</strong>.</p>",
    "category": "kesehatan", "opd": OPD.model_dump(mode="json"),
    "location": "Lapangan Karebosi", "activity_at": "2026-12-05T01:30:00+00:00",
    "attachments": [{"id": "f1", "url": "/v1/attachments/f1", "content_type": "image/jpeg",
                     "size": 1, "caption": "Antrean warga", "credit": "Humas Dinkes"},
                    {"id": "d1", "url": "/v1/attachments/d1", "content_type": "application/pdf",
                     "size": 1}],
    "press_invitation": {"starts_at": "2026-12-05T01:30:00+00:00",
                         "location": "Aula Balai Kota", "contact": "Rina 0812-0000-1111",
                         "notes": "Membawa kartu pers"},
}
NOTICE = {"correction_note": "Tanggal kegiatan diralat", "reason": "Data dalam siaran pers keliru"}
EXPECTED = {Kind.PRESS_RELEASE: "Berikut siaran pers", Kind.INVITATION: "mengundang Anda",
            Kind.CORRECTION: "Yang diralat: Tanggal kegiatan diralat",
            Kind.WITHDRAWAL: "Alasan pencabutan: Data dalam siaran pers keliru"}


def test_every_email_template_renders_with_the_details_a_journalist_needs() -> None:
    unsubscribe = f"{BASE}/unsubscribe/{'ab' * 32}"
    rendered = set()
    for kind in Kind:
        raw = build_email(kind=kind, delivery_id=f"a:j:{kind.value}",
                          sender="Warta <warta@kominfo.example>",
                          recipient=Recipient("Andi & <Wijaya>", "andi@media.example",
                                              unsubscribe),
                          article=ARTICLE, article_url="https://kota.example/berita/1",
                          now=utcnow(), public_base_url=BASE, notice=NOTICE)
        assert f"List-Unsubscribe: <{unsubscribe}>\r\n".encode() in raw
        message = parse(raw)
        text, html = message.get_body(("plain",)), message.get_body(("html",))
        assert text is not None and html is not None
        plain, markup = text.get_content(), html.get_content()
        assert EXPECTED[kind] in plain
        assert "Dinas Kesehatan" in plain and unsubscribe in plain and unsubscribe in markup
        assert "Andi &amp; &lt;Wijaya&gt;" in markup and "<Wijaya>" not in markup
        assert "Rina 0812-0000-1111" in plain  # narahubung: the invitation's contact
        if kind is Kind.INVITATION:
            assert "Sabtu, 5 Desember 2026 pukul 09.30 WITA" in plain
            assert "Aula Balai Kota" in plain
        else:
            assert "Lapangan Karebosi" in plain and "Sabtu, 5 Desember 2026" in plain
        if kind in (Kind.PRESS_RELEASE, Kind.CORRECTION):
            assert f"{BASE}/v1/attachments/f1" in plain and "Antrean warga" in markup
            assert "/v1/attachments/d1" not in plain  # not a photo
        rendered |= {f"{kind.value}.txt", f"{kind.value}.html"}
    partials = {p.name for p in TEMPLATES.glob("_*")}
    emails = {p.name for p in TEMPLATES.glob("*.*")} - partials - {"unsubscribe.html"}
    assert emails == rendered


def test_a_release_without_an_invitation_names_the_opd_as_narahubung() -> None:
    article = {k: v for k, v in ARTICLE.items() if k != "press_invitation"}
    raw = build_email(kind=Kind.PRESS_RELEASE, delivery_id="a:j:p", sender="w@k.example",
                      recipient=Recipient("Andi", "andi@media.example", f"{BASE}/u/x"),
                      article=article, article_url=None, now=utcnow(), public_base_url=BASE)
    text = parse(raw).get_body(("plain",))
    assert text is not None and "Narahubung      : Humas Dinas Kesehatan" in text.get_content()
