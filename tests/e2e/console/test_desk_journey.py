"""The editor and chief-editor journey through the console in Debian's chromium at 360 px:
an editor claims a submitted report, edits it and sets the X text; the chief editor signs in
with TOTP and approves it per channel (a channel that cannot take it is refused beside it)."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.console.browsing import check_page, second_factor, sign_in
from tests.e2e.console.conftest import PHONE
from tests.e2e.console.stack import CHIEF, EDITOR, ConsoleStack

pytestmark = pytest.mark.e2e

X_TEXT = "Posyandu keliling hadir di Tamalate pekan ini. #Makassar"


def article(stack: ConsoleStack, article_id: str) -> dict[str, object]:
    answer = httpx.get(f"{stack.base}/v1/articles/{article_id}", timeout=10, headers={
        "Authorization": f"Bearer {stack.token(EDITOR, 'editor')}"})
    result: dict[str, object] = answer.json()
    return result


def editor_edits(page: Page, stack: ConsoleStack, article_id: str) -> None:
    sign_in(page, stack.base, EDITOR)
    expect(page).to_have_url(re.compile(r"/console/antrean$"))
    expect(page.get_by_role("heading", name="Antrean naskah")).to_be_visible()
    check_page(page)
    page.get_by_label("Status").select_option("submitted")
    page.get_by_role("button", name="Saring").click()
    # This article's own link: other tests of the package share the stack and its queue.
    page.get_by_role("link", name="Posyandu keliling di Tamalate").and_(
        page.locator(f'a[href="/console/artikel/{article_id}"]')).click()
    expect(page).to_have_url(re.compile(f"/console/artikel/{article_id}$"))
    check_page(page)
    page.get_by_role("button", name="Klaim artikel ini").click()
    expect(page.get_by_role("status")).to_have_text("Artikel Anda klaim.")
    page.get_by_label("Judul").fill("Posyandu keliling melayani 300 balita di Tamalate")
    page.get_by_label("Teks X").fill(X_TEXT)
    # the counter follows the typing (htmx), with X's own weighting
    expect(page.locator("#counter-x")).to_contain_text(f"{len(X_TEXT)} / 280 karakter")
    page.get_by_role("button", name="Simpan perubahan").click()
    expect(page.get_by_role("status")).to_have_text("Perubahan tersimpan.")
    check_page(page)
    page.get_by_role("button", name="Tandai siap disetujui").click()
    expect(page.get_by_role("status")).to_have_text("Ditandai siap disetujui.")


def chief_approves(page: Page, stack: ConsoleStack, article_id: str) -> None:
    sign_in(page, stack.base, CHIEF)
    expect(page).to_have_url(re.compile(r"/console/verifikasi$"))  # TOTP before anything else
    check_page(page)
    second_factor(page)
    expect(page).to_have_url(re.compile(r"/console/antrean$"))
    page.get_by_label("Siap disetujui").select_option("true")
    page.get_by_role("button", name="Saring").click()
    check_page(page)
    page.get_by_role("link", name="Posyandu keliling melayani 300 balita di Tamalate").and_(
        page.locator(f'a[href="/console/artikel/{article_id}"]')).click()
    # Instagram needs a photo, this report has none: refused, and said beside Instagram
    for name in ("Umpan RSS", "X", "Instagram"):
        page.get_by_label(name, exact=True).check()
    page.get_by_role("button", name="Setujui", exact=True).click()
    expect(page.locator("#channel-instagram-error")).to_be_visible()
    check_page(page)
    page.get_by_label("Instagram", exact=True).uncheck()
    page.get_by_role("button", name="Setujui", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Artikel disetujui.")


def test_an_editor_edits_and_a_chief_editor_approves_on_a_phone(
    stack: ConsoleStack, browser: Browser,
) -> None:
    article_id = stack.submit_report("Posyandu keliling di Tamalate")
    for actor in (editor_edits, chief_approves):
        context = browser.new_context(viewport=PHONE, locale="id-ID")
        try:
            actor(context.new_page(), stack, article_id)
        finally:
            context.close()
    done = article(stack, article_id)
    assert done["status"] in ("approved", "published"), done["status"]
    assert done["channels"] == ["feed", "x"]
    assert done["channel_texts"] == {"x": X_TEXT}
    assert done["headline"] == "Posyandu keliling melayani 300 balita di Tamalate"


def test_channel_health_page(stack: ConsoleStack, phone: Page) -> None:
    sign_in(phone, stack.base, EDITOR)
    phone.get_by_role("link", name="Kanal", exact=True).click()  # not a headline with "kanal"
    expect(phone.get_by_role("heading", name="Kesehatan kanal")).to_be_visible()
    expect(phone.get_by_role("heading", name="feed")).to_be_visible()
    check_page(phone)
