"""The OPD's pages as rendered: nothing inline for the CSP to allow, errors beside their field,
a key for the form posted without JavaScript, the OPD's own nav and sign-out."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from services.console import report_form
from services.console.domain import OPD_ROLE, Session
from services.console.web import templates
from shared.vocabulary import REPORT_CATEGORIES, ZONES

SESSION = Session(id_hash="h", username="humas.satu", role=OPD_ROLE, name="Humas Satu",
                  stage="signed_in", csrf="tok", access_token="a", refresh_token="",
                  access_expires=datetime.now(UTC), expires_at=datetime.now(UTC),
                  opd_code="DISKES", opd_name="Dinas Kesehatan")
REPORT = {"id": "r1", "status": "revision_requested", "status_reason": "Tambahkan jumlah peserta",
          "revision": 1, "title": "Posyandu", "body_html": "<p>Isi</p>", "summary": None,
          "activity_at": "2026-12-01T01:30:00+00:00", "location": "Tamalate",
          "category": "kesehatan", "tags": [], "attachments": [], "photos": [],
          "publications": [{"channel": "website", "url": "https://warta.example/berita/1",
                            "published_at": "2026-12-01T02:00:00+00:00"}],
          "requests": [], "submitted_at": "2026-12-01T01:00:00+00:00",
          "updated_at": "2026-12-01T01:00:00+00:00"}


def render(name: str, **context: object) -> str:
    return templates.env.get_template(name).render(session=SESSION, csrf="tok", **context)


def form_page(**context: object) -> str:
    return render("opd_form.html", **{"form": {}, "report": None, "photos": [], "errors": {},
                                      "error": None, "categories": REPORT_CATEGORIES,
                                      "zones": ZONES, **context})


PAGES = {
    "opd_login.html": {"session": None}, "opd_forgot.html": {"session": None},
    "opd_password.html": {"session": None, "token": "t"},
    "opd_reports.html": {"items": [REPORT], "status": "", "zone": "WITA"},
    "opd_report.html": {"r": REPORT, "zone": "WITA", "open": True},
}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_no_page_has_inline_script_or_style(name: str) -> None:
    html = templates.env.get_template(name).render(csrf="tok", **{"session": SESSION,
                                                                  **PAGES[name]})
    assert not re.search(r"<script(?![^>]*\bsrc=)", html) and "style=" not in html
    assert not re.search(r"\son[a-z]+=", html)  # no inline handlers either


def test_the_form_shows_each_error_beside_its_field_and_carries_a_key() -> None:
    form = {"idempotency_key": report_form.idempotency_key(None), "photos-0-id": "a" * 32}
    html = form_page(form=form, photos=report_form.photos_of(form),
                     errors={"title": "Judul wajib diisi.", "photos.0.credit": "Terlalu panjang."})
    assert 'aria-describedby="title-error"' in html and 'id="title-error"' in html
    assert 'id="photos-0-credit" name="photos-0-credit"' in html
    assert 'aria-describedby="photos-0-credit-error"' in html
    assert f'value="{form["idempotency_key"]}"' in html
    assert 'accept="image/*" multiple' in html and 'enctype="multipart/form-data"' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html) and "style=" not in html


def test_an_opd_session_gets_its_own_nav_and_sign_out_and_the_desks_not() -> None:
    html = render("opd_report.html", r=REPORT, zone="WITA", open=True)
    assert 'action="/console/opd/keluar"' in html and "/console/antrean" not in html
    assert "Permintaan revisi dari redaksi" in html and "Tambahkan jumlah peserta" in html
    assert "Jawab permintaan revisi" in html and "https://warta.example/berita/1" in html
    assert "Perlu revisi" in html  # web.STATUS_LABELS


def test_the_on_device_draft_belongs_to_the_signed_in_officer() -> None:
    """An office PC is shared: the next pranata humas (maybe of another OPD) must not get the
    previous one's text, photos and Idempotency-Key back."""
    draft = re.search(r'data-draft="([^"]+)"', form_page())
    assert draft is not None and draft.group(1) == "humas.satu:laporan-baru"
    amend = re.search(r'data-draft="([^"]+)"', form_page(report=REPORT))
    assert amend is not None and amend.group(1) == "humas.satu:laporan-r1"
