"""The chief editor's and the admin's pages in Debian's chromium at 360 px, on the real stack:
an OPD and its key (shown once, then revoked and refused by ingest) and its pranata humas, an
editor account that can sign in, the audit log of it all, and the month's compliance report as
CSV and PDF."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from services.editorial.compliance_report import HEADINGS
from tests.accounts import create_editor
from tests.e2e.console.browsing import check_page, second_factor, sign_in
from tests.e2e.console.conftest import PHONE
from tests.e2e.console.stack import EDITOR, PASSWORD, ConsoleStack
from tests.e2e.console.test_console_security import signed_in

pytestmark = pytest.mark.e2e

ADMIN, CHIEF = "admin_halaman", "pelaksana_halaman"  # this file's own: TOTP enrols once each
NEW_EDITOR, NEW_PASSWORD = "redaktur_baru", "sandi-redaktur-baru-2026"
HUMAS_PASSWORD = "sandi-humas-dinsos"
PATIENCE_S = 60  # events cross Kafka between services; patience, not a timing check


def eventually(check: Callable[[], bool], what: str, seen: Callable[[], str] = str) -> None:
    deadline = time.monotonic() + PATIENCE_S
    while not check():
        assert time.monotonic() < deadline, f"{what}: {seen()}"
        time.sleep(0.5)


@pytest.fixture(scope="module")
def staff(stack: ConsoleStack) -> ConsoleStack:
    """This file's admin and chief editor, once ingest and the notifier know them too."""
    async def create() -> None:
        for username, role in ((ADMIN, "admin"), (CHIEF, "chief_editor")):
            await create_editor(stack.settings, username=username, name=username.title(),
                                role=role, password=PASSWORD)

    # Its own thread: Playwright's sync API already runs an event loop in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, create()).result()
    admin = {"Authorization": f"Bearer {stack.token(ADMIN, 'admin')}"}

    def known_to_ingest_and_notifier() -> bool:
        return all(httpx.get(f"{stack.base}{path}", headers=admin, timeout=10).status_code == 200
                   for path in ("/v1/admin/opds", "/v1/journalists"))

    eventually(known_to_ingest_and_notifier, "ingest or the notifier never knew the admin")
    return stack


def signed_in_with_totp(page: Page, stack: ConsoleStack, username: str) -> None:
    sign_in(page, stack.base, username)
    expect(page).to_have_url(re.compile(r"/console/verifikasi$"))
    second_factor(page)
    expect(page).to_have_url(re.compile(r"/console/antrean$"))


def opd_reports(stack: ConsoleStack, key: str) -> int:
    return httpx.get(f"{stack.base}/v1/reports", timeout=10,
                     headers={"Authorization": f"Bearer {key}"}).status_code


def test_an_admin_onboards_an_opd_and_an_editor_and_the_audit_log_shows_it(
    staff: ConsoleStack, phone: Page, browser: Browser,
) -> None:
    stack = staff
    signed_in_with_totp(phone, stack, ADMIN)
    phone.get_by_role("link", name="OPD", exact=True).click()
    expect(phone.get_by_role("heading", name="OPD dan kunci API")).to_be_visible()
    check_page(phone)
    phone.get_by_label("Kode OPD").fill("DISKES")  # the stack's own: taken
    phone.get_by_label("Nama OPD").fill("Dinas Sosial Kota Makassar")
    phone.get_by_label("Wilayah").fill("Kota Makassar")
    phone.get_by_role("button", name="Daftarkan OPD").click()
    expect(phone.locator("#code-error")).to_have_text("Kode OPD ini sudah terdaftar.")
    check_page(phone)
    phone.get_by_label("Kode OPD").fill("DINSOS-MKS")
    with phone.expect_response(re.compile(r"/kunci-baru/")) as shown:
        phone.get_by_role("button", name="Daftarkan OPD").click()
    assert shown.value.headers["cache-control"] == "no-store"
    key = phone.locator("#api-key").inner_text().strip()
    assert key.startswith("wrt_"), key
    check_page(phone)
    assert opd_reports(stack, key) == 200  # the key works
    again = phone.reload()
    assert again is not None and again.status == 410
    expect(phone.get_by_role("alert")).to_contain_text("sudah ditampilkan")
    assert key not in phone.content()
    phone.get_by_role("link", name="Ke halaman OPD DINSOS-MKS").click()
    phone.get_by_label("Nama pengguna humas").fill("humas.dinsos")
    phone.get_by_label("Nama lengkap humas").fill("Humas Dinsos")
    phone.get_by_label("Email humas").fill("humas@dinsos.makassarkota.go.id")
    phone.get_by_label("Kata sandi awal humas").fill(HUMAS_PASSWORD)
    phone.get_by_role("button", name="Tambah akun humas").click()
    expect(phone.get_by_role("status")).to_have_text("Akun pranata humas dibuat.")
    check_page(phone)
    login = httpx.post(f"{stack.base}/v1/opd-auth/token", timeout=10,
                       json={"username": "humas.dinsos", "password": HUMAS_PASSWORD})
    assert login.status_code == 200 and login.json()["opd_code"] == "DINSOS-MKS", login.text
    phone.get_by_role("button", name=re.compile(r"^Cabut kunci ")).click()
    expect(phone.get_by_role("status")).to_have_text("Kunci dicabut; API kini menolaknya.")
    assert opd_reports(stack, key) == 401  # revoked: ingest refuses it

    phone.get_by_role("link", name="Akun", exact=True).click()
    phone.get_by_label("Nama pengguna").fill(NEW_EDITOR)
    phone.get_by_label("Nama lengkap").fill("Redaktur Baru")
    phone.get_by_label("Email").fill("redaktur.baru@makassarkota.go.id")
    phone.locator("#password").fill("pendek")
    phone.get_by_role("button", name="Buat akun").click()
    expect(phone.locator("#password-error")).to_contain_text("Terlalu pendek")
    check_page(phone)
    phone.locator("#password").fill(NEW_PASSWORD)
    phone.get_by_role("button", name="Buat akun").click()
    expect(phone.get_by_role("status")).to_have_text("Akun dibuat.")
    expect(phone.get_by_role("heading", name=f"Redaktur Baru ({NEW_EDITOR})")).to_be_visible()

    phone.get_by_role("link", name="Mitra", exact=True).click()
    expect(phone.get_by_role("heading", name="Wartawan dan media mitra")).to_be_visible()
    check_page(phone)

    context = browser.new_context(viewport=PHONE, locale="id-ID")
    try:
        editor = context.new_page()
        sign_in(editor, stack.base, NEW_EDITOR, NEW_PASSWORD)
        expect(editor).to_have_url(re.compile(r"/console/antrean$"))  # no TOTP for editors
        expect(editor.get_by_role("link", name="Audit")).to_have_count(0)
    finally:
        context.close()

    phone.get_by_role("link", name="Akun", exact=True).click()
    card = phone.locator("li.card").filter(
        has=phone.get_by_role("heading", name=f"Redaktur Baru ({NEW_EDITOR})"))
    card.get_by_label("Peran").select_option("chief_editor")
    card.get_by_role("button", name="Ubah peran").click()
    expect(phone.get_by_role("status")).to_have_text("Peran diubah.")
    expect(card).to_contain_text("Redaktur Pelaksana")
    card.get_by_role("button", name="Nonaktifkan").click()  # without the reason it asks for
    expect(card.locator("[id^=reason-][id$=-error]")).to_contain_text("Terlalu pendek")
    check_page(phone)
    card.get_by_label("Alasan menonaktifkan").fill("Pindah tugas")
    card.get_by_role("button", name="Nonaktifkan").click()
    expect(phone.get_by_role("status")).to_have_text("Akun dinonaktifkan.")
    context = browser.new_context(viewport=PHONE, locale="id-ID")
    try:
        refused = context.new_page()
        sign_in(refused, stack.base, NEW_EDITOR, NEW_PASSWORD)
        expect(refused.get_by_role("alert")).to_be_visible()
        expect(refused).to_have_url(re.compile(r"/console/masuk$"))
    finally:
        context.close()

    def audit_lists_it() -> bool:
        phone.goto(f"{stack.base}/console/audit?actor={ADMIN}")
        text = phone.locator("main").inner_text()
        return all(a in text for a in ("opd.create", "key.revoke", "opd_user.create",
                                        "account.create", "account.disable"))

    eventually(audit_lists_it, "the audit log never listed the admin's actions",
               lambda: phone.locator("main").inner_text())
    check_page(phone)


def test_the_chief_editor_downloads_the_months_compliance_report(
    staff: ConsoleStack, phone: Page,
) -> None:
    stack = staff
    with contextlib.closing(signed_in(stack, EDITOR)) as editor:  # not an editor's page
        refused = editor.get("/console/kepatuhan")
        assert refused.status_code == 403 and "Halaman ini hanya untuk" in refused.text
    signed_in_with_totp(phone, stack, CHIEF)
    month = datetime.now(ZoneInfo(stack.settings.editorial_timezone)).strftime("%Y-%m")

    def lists_the_seeded_opd() -> bool:
        phone.goto(f"{stack.base}/console/kepatuhan")
        return phone.locator("tbody th", has_text="DISKES").count() == 1

    eventually(lists_the_seeded_opd, "the compliance page never listed the stack's OPD")
    expect(phone.get_by_role("heading", name=f"Bulan {month}")).to_be_visible()
    check_page(phone)
    with phone.expect_download() as download:
        phone.get_by_role("link", name="Unduh laporan CSV").click()
    assert download.value.suggested_filename == f"kepatuhan-opd-{month}.csv"
    answer = phone.request.get(f"{stack.base}/console/kepatuhan/{month}.csv")
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"] == \
        f'attachment; filename="kepatuhan-opd-{month}.csv"'
    rows = list(csv.reader(io.StringIO(answer.text())))
    assert tuple(rows[3]) == HEADINGS
    assert any(r[1] == "DISKES" and r[2] == "Dinas Diskes" for r in rows[4:]), rows
    pdf = phone.request.get(f"{stack.base}/console/kepatuhan/{month}.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    phone.get_by_role("link", name="Audit", exact=True).click()
    expect(phone.get_by_role("heading", name="Log audit")).to_be_visible()
    check_page(phone)
