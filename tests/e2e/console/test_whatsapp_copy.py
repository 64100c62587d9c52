"""The "Salin untuk Saluran WhatsApp" block in Debian's chromium: the copy button appears only
with the script (a file of ours, CSP-safe) and puts the readonly text on the clipboard."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.console.browsing import check_page, sign_in
from tests.e2e.console.conftest import PATIENCE_MS, PHONE
from tests.e2e.console.stack import EDITOR, ConsoleStack

pytestmark = pytest.mark.e2e


def test_an_editor_copies_the_whatsapp_channel_text(stack: ConsoleStack, browser: Browser
                                                    ) -> None:
    article_id = stack.submit_report("Senam sehat lansia di Biringkanaya")
    context = browser.new_context(viewport=PHONE, locale="id-ID")
    context.set_default_timeout(PATIENCE_MS)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=stack.base)
    try:
        page = context.new_page()
        sign_in(page, stack.base, EDITOR)
        expect(page).to_have_url(re.compile(r"/console/antrean$"))
        page.goto(f"{stack.base}/console/artikel/{article_id}")
        block = page.locator("#whatsapp")
        expect(block.get_by_role("heading", name="Salin untuk Saluran WhatsApp")).to_be_visible()
        text = page.get_by_label("Teks untuk Saluran WhatsApp")
        expect(text).to_have_attribute("readonly", "")
        expect(text).to_have_value(re.compile(
            rf"^\*Senam sehat lansia di Biringkanaya\*\n\n.+/berita/{article_id}", re.DOTALL))
        check_page(page)
        block.get_by_role("button", name="Salin teks").click()
        expect(page.locator("#whatsapp-copied")).to_have_text(
            "Teks tersalin. Tempel di Saluran WhatsApp.")
        assert page.evaluate("navigator.clipboard.readText()") == text.input_value()
    finally:
        context.close()
