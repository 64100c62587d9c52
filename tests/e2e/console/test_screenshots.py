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
from tests.e2e.console.test_opd_reports import fill_report, opd_sign_in, photo

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


OPD_PAGES = ("opd-masuk", "opd-laporan-baru", "opd-laporan-satu", "opd-laporan")


def test_screenshots_of_the_pranata_humas_pages(stack: ConsoleStack, phone: Page,
                                                tmp_path: Path) -> None:
    out = Path(os.environ.get("CONSOLE_SCREENSHOTS_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)

    def shot(name: str) -> None:
        phone.screenshot(path=str(out / f"{name}.png"), full_page=True)

    stack.opd_user("humas.foto")
    phone.goto(f"{stack.base}/console/opd/masuk")
    shot("opd-masuk")
    opd_sign_in(phone, stack, "humas.foto")
    phone.get_by_role("link", name="Laporan baru", exact=True).click()
    fill_report(phone, "Senam sehat lansia di Lapangan Karebosi")
    phone.get_by_label("Tambah foto dari kamera atau galeri").set_input_files(
        [photo(tmp_path / "senam.jpg", (30, 120, 200))])
    expect(phone.get_by_text("Terunggah.")).to_have_count(1)
    phone.get_by_label("Keterangan foto 1").fill("Lansia senam bersama")
    phone.get_by_label("Kredit foto 1").fill("Humas Diskes")
    shot("opd-laporan-baru")
    phone.get_by_role("button", name="Kirim laporan").click()
    expect(phone.locator("#report-status")).to_have_text("Masuk")
    shot("opd-laporan-satu")
    phone.get_by_role("link", name="Semua laporan").click()
    shot("opd-laporan")
    for name in OPD_PAGES:
        with Image.open(out / f"{name}.png") as image:
            assert image.width == 360, name
