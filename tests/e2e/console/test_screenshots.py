"""Screenshots of each main page at 360 px: into docs/screenshots with `make screenshots`
(CONSOLE_SCREENSHOTS_DIR), else into the test's own directory; either way they are checked."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.e2e.console.browsing import second_factor, sign_in
from tests.e2e.console.stack import ADMIN, EDITOR, ConsoleStack

pytestmark = pytest.mark.e2e

PAGES = ("masuk", "verifikasi", "antrean", "artikel", "kanal")


def test_screenshots_of_each_main_page(stack: ConsoleStack, phone: Page, tmp_path: Path
                                       ) -> None:
    out = Path(os.environ.get("CONSOLE_SCREENSHOTS_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    article_id = stack.submit_report("Festival kuliner UMKM di Losari")

    def shot(name: str) -> None:
        phone.screenshot(path=str(out / f"{name}.png"), full_page=True)

    phone.goto(f"{stack.base}/console/masuk")
    shot("masuk")
    sign_in(phone, stack.base, ADMIN)
    expect(phone).to_have_url(re.compile(r"/console/verifikasi$"))
    shot("verifikasi")
    second_factor(phone)
    phone.get_by_role("button", name="Keluar").click()
    sign_in(phone, stack.base, EDITOR)
    expect(phone.get_by_role("link", name="Festival kuliner UMKM di Losari")).to_be_visible()
    shot("antrean")
    phone.goto(f"{stack.base}/console/artikel/{article_id}")
    x_text = "Festival kuliner UMKM digelar di Losari. #Makassar"
    phone.get_by_label("Teks X").fill(x_text)
    expect(phone.locator("#counter-x")).to_contain_text(f"{len(x_text)} / 280 karakter")
    shot("artikel")
    phone.goto(f"{stack.base}/console/kanal")
    shot("kanal")
    for name in PAGES:
        with Image.open(out / f"{name}.png") as image:
            assert image.width == 360, name  # the phone's width: nothing wider was drawn
