"""What the console's browser tests check on every page, and signing in through the UI."""

from __future__ import annotations

import pyotp
from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
from playwright.sync_api import Page

from tests.e2e.console.stack import PASSWORD

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa"]},
           "resultTypes": ["violations"]}


def check_page(page: Page) -> None:
    """No horizontal scroll at the viewport's width, and axe-core finds no WCAG A/AA problem."""
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{page.url} scrolls sideways: {width}"
    results = Axe().run(page, options=WCAG_AA)
    assert results.violations_count == 0, f"{page.url}:\n{results.generate_report()}"


def sign_in(page: Page, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/console/masuk")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()


def second_factor(page: Page) -> str:
    """On the TOTP page: enrol if the key is shown, then enter the current code; the secret."""
    key = page.locator("#totp-key")
    secret = key.inner_text().strip()
    page.get_by_label("Kode enam angka dari aplikasi autentikator").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Verifikasi").click()
    return secret
