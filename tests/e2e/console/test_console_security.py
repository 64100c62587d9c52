"""The console's protections, over HTTP through the front door: CSP, cookies, CSRF, the login
rate limit, and TOTP before a chief editor reaches any page."""

from __future__ import annotations

import contextlib
import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.console.browsing import check_page, sign_in
from tests.e2e.console.stack import CHIEF2, EDITOR, EDITOR2, LOGIN_LIMIT, PASSWORD, ConsoleStack

pytestmark = pytest.mark.e2e


def form_csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def signed_in(stack: ConsoleStack, username: str) -> httpx.Client:
    client = httpx.Client(base_url=stack.base, timeout=15)
    login = client.get("/console/masuk")
    answer = client.post("/console/masuk", data={
        "csrf": form_csrf(login.text), "username": username, "password": PASSWORD})
    assert answer.status_code == 303, answer.text
    return client


def test_every_page_has_a_csp_without_unsafe_inline_and_a_locked_cookie(
    stack: ConsoleStack,
) -> None:
    with contextlib.closing(signed_in(stack, EDITOR)) as client:
        for path in ("/console/masuk", "/console/antrean", "/console/kanal",
                     "/console/static/console.css"):
            policy = client.get(path).headers["content-security-policy"]
            assert "default-src 'self'" in policy and "unsafe-inline" not in policy, path
        login = httpx.get(f"{stack.base}/console/masuk", timeout=10)
        page = login.text
        assert "<script>" not in page and "style=" not in page  # nothing inline to allow
    with httpx.Client(base_url=stack.base, timeout=15) as fresh:
        form = fresh.get("/console/masuk")
        answer = fresh.post("/console/masuk", data={
            "csrf": form_csrf(form.text), "username": EDITOR, "password": PASSWORD})
        cookie = answer.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "path=/console" in cookie


def test_a_form_post_without_the_csrf_token_is_refused(stack: ConsoleStack) -> None:
    with httpx.Client(base_url=stack.base, timeout=15) as anonymous:
        anonymous.get("/console/masuk")
        refused = anonymous.post("/console/masuk",
                                 data={"username": EDITOR, "password": PASSWORD})
        assert refused.status_code == 403
        assert "warta_sesi" not in refused.headers.get("set-cookie", "")
    article_id = stack.submit_report("Pelatihan kader di Rappocini")
    with contextlib.closing(signed_in(stack, EDITOR)) as client:
        refused = client.post(f"/console/artikel/{article_id}/klaim", data={})
        assert refused.status_code == 403
        forged = client.post(f"/console/artikel/{article_id}/klaim", data={"csrf": "tebakan"})
        assert forged.status_code == 403
        shown = client.get(f"/console/artikel/{article_id}")
        assert "Klaim artikel ini" in shown.text  # nothing was claimed
        accepted = client.post(f"/console/artikel/{article_id}/klaim",
                               data={"csrf": form_csrf(shown.text)})
        assert accepted.status_code == 303


def test_login_is_refused_after_repeated_failures(stack: ConsoleStack, phone: Page) -> None:
    for _ in range(LOGIN_LIMIT):
        sign_in(phone, stack.base, EDITOR2, "salah-sandi")
        expect(phone.get_by_role("alert")).to_have_text("Nama pengguna atau kata sandi salah.")
    check_page(phone)
    sign_in(phone, stack.base, EDITOR2)  # the right password, too late
    expect(phone.get_by_role("alert")).to_contain_text("Terlalu banyak percobaan gagal")
    expect(phone).to_have_url(re.compile(r"/console/masuk$"))


def test_a_chief_editor_reaches_no_page_without_the_totp_code(
    stack: ConsoleStack, phone: Page,
) -> None:
    sign_in(phone, stack.base, CHIEF2)
    expect(phone).to_have_url(re.compile(r"/console/verifikasi$"))
    expect(phone.locator("#totp-uri")).to_contain_text("otpauth://totp/")
    phone.goto(f"{stack.base}/console/antrean")
    expect(phone).to_have_url(re.compile(r"/console/masuk$"))  # the session is not signed in
    phone.goto(f"{stack.base}/console/verifikasi")
    phone.get_by_label("Kode enam angka dari aplikasi autentikator").fill("000000")
    phone.get_by_role("button", name="Verifikasi").click()
    expect(phone.get_by_role("alert")).to_contain_text("Kode tidak cocok")
    check_page(phone)


def test_a_tampered_counter_form_gets_a_clear_refusal_not_a_stack_trace(
    stack: ConsoleStack,
) -> None:
    article_id = stack.submit_report("Posyandu keliling di Tamalate")
    with contextlib.closing(signed_in(stack, EDITOR)) as client:
        csrf = form_csrf(client.get(f"/console/artikel/{article_id}").text)
        counted = client.post("/console/hitung/x", data={
            "csrf": csrf, "text_x": "Posyandu keliling", "images": "1"})
        assert counted.status_code == 200, counted.text
        tampered = client.post("/console/hitung/x", data={
            "csrf": csrf, "text_x": "Posyandu keliling", "images": "satu"})
        assert tampered.status_code == 422, tampered.text
        assert "Jumlah foto tidak valid" in tampered.text
