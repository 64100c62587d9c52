"""The pranata humas's side of the console in Debian's chromium at 360 px, through the front
door: signing in, a report with two captioned photos (its draft surviving a reload), a submit
whose connection drops after the server got it (still exactly one report), withdrawing, and a
password reset read from Mailpit."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, Route, expect

from tests.conftest import Infra
from tests.e2e.console.browsing import check_page
from tests.e2e.console.conftest import PHONE
from tests.e2e.console.stack import OPD_PASSWORD, ConsoleStack
from warta_cli.mailpit import parse

pytestmark = pytest.mark.e2e


def photo(path: Path, color: tuple[int, int, int]) -> Path:
    out = io.BytesIO()
    Image.effect_noise((320, 240), 40).convert("RGB").resize((640, 480)).save(out, "JPEG")
    tinted = Image.blend(Image.open(out).convert("RGB"), Image.new("RGB", (640, 480), color), 0.5)
    tinted.save(path, "JPEG", quality=90)
    return path


def reports_titled(stack: ConsoleStack, title: str) -> list[dict[str, Any]]:
    """The OPD's reports with this title, counted through ingest's API with the OPD's key."""
    answer = httpx.get(f"{stack.base}/v1/reports", params={"limit": "100"}, timeout=15,
                       headers={"Authorization": f"Bearer {stack.opd_key}"})
    assert answer.status_code == 200, answer.text
    return [r for r in answer.json()["items"] if r["title"] == title]


def opd_sign_in(page: Page, stack: ConsoleStack, username: str,
                password: str = OPD_PASSWORD) -> None:
    page.goto(f"{stack.base}/console/masuk")
    page.get_by_role("link", name="Masuk sebagai pranata humas OPD").click()
    expect(page).to_have_url(re.compile(r"/console/opd/masuk$"))
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()


def fill_report(page: Page, title: str) -> None:
    page.get_by_label("Judul").fill(title)
    page.get_by_label("Isi laporan").fill("Kader posyandu menimbang 300 balita.\n\nGratis.")
    page.get_by_label("Tanggal dan jam kegiatan").fill("2026-11-30T09:30")
    page.get_by_label("Zona waktu").select_option("WITA")
    page.get_by_label("Lokasi").fill("Puskesmas Tamalate")
    page.get_by_label("Kategori").select_option("kesehatan")
    page.get_by_label("Tag (pisahkan dengan koma)").fill("posyandu, balita")


def test_a_pranata_humas_submits_a_report_with_two_captioned_photos(
    stack: ConsoleStack, phone: Page, tmp_path: Path,
) -> None:
    stack.opd_user("humas.satu")
    opd_sign_in(phone, stack, "humas.satu", "salah-sekali-sandinya")
    expect(phone.locator("#username-error")).to_have_text("Nama pengguna atau kata sandi salah.")
    check_page(phone)
    phone.get_by_label("Kata sandi").fill(OPD_PASSWORD)
    phone.get_by_role("button", name="Masuk").click()
    expect(phone).to_have_url(re.compile(r"/console/opd/laporan$"))
    check_page(phone)
    phone.get_by_role("link", name="Tulis laporan baru").click()
    title = "Posyandu keliling di Tamalate melayani balita"
    fill_report(phone, title)
    phone.get_by_label("Tambah foto dari kamera atau galeri").set_input_files(
        [photo(tmp_path / "a.jpg", (200, 40, 40)), photo(tmp_path / "b.jpg", (40, 40, 200))])
    expect(phone.get_by_text("Terunggah.")).to_have_count(2)
    phone.get_by_label("Keterangan foto 1").fill("Kader menimbang balita")
    phone.get_by_label("Kredit foto 1").fill("Humas Diskes")
    phone.get_by_label("Keterangan foto 2").fill("Antrean ibu dan anak")
    phone.get_by_label("Kredit foto 2").fill("Andi, Diskes")
    key = phone.locator("#idempotency_key").input_value()
    check_page(phone)

    phone.reload()  # the draft lives on the device: nothing typed or uploaded is lost
    expect(phone.get_by_role("status")).to_have_text(
        "Draf yang tersimpan di perangkat ini dipulihkan.")
    expect(phone.get_by_label("Judul")).to_have_value(title)
    expect(phone.get_by_label("Kategori")).to_have_value("kesehatan")
    expect(phone.get_by_label("Kredit foto 2")).to_have_value("Andi, Diskes")
    assert phone.locator("#idempotency_key").input_value() == key

    phone.get_by_role("button", name="Kirim laporan").click()
    expect(phone).to_have_url(re.compile(r"/console/opd/laporan/[^/?]+\?ok=terkirim$"))
    expect(phone.locator("#report-status")).to_have_text("Masuk")
    check_page(phone)
    [stored] = reports_titled(stack, title)
    assert stored["status"] == "submitted" and len(stored["attachments"]) == 2
    assert [(p["caption"], p["credit"]) for p in stored["photos"]] == [
        ("Kader menimbang balita", "Humas Diskes"), ("Antrean ibu dan anak", "Andi, Diskes")]
    for attachment in stored["attachments"]:  # the photos themselves reached ingest
        served = httpx.get(f"{stack.base}/files/{attachment['id']}", timeout=15)
        assert served.status_code == 200 and served.content[:2] == b"\xff\xd8"

    phone.get_by_role("link", name="Semua laporan").click()
    expect(phone.get_by_role("link", name=title)).to_have_count(1)
    phone.get_by_role("link", name="Laporan baru", exact=True).click()
    expect(phone.get_by_label("Judul")).to_have_value("")  # the draft went with the report
    assert phone.locator("#idempotency_key").input_value() != key


def test_a_submit_dropped_after_the_server_got_it_is_retried_into_exactly_one_report(
    stack: ConsoleStack, phone: Page, tmp_path: Path,
) -> None:
    stack.opd_user("humas.dua")
    opd_sign_in(phone, stack, "humas.dua")
    expect(phone).to_have_url(re.compile(r"/console/opd/laporan$"))
    phone.goto(f"{stack.base}/console/opd/laporan/baru")
    cdp = phone.context.new_cdp_session(phone)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {  # a weak 3G uplink in the field
        "offline": False, "latency": 400, "downloadThroughput": 50_000,
        "uploadThroughput": 25_000})
    title = "Pelatihan kader di Rappocini lewat sinyal lemah"
    fill_report(phone, title)
    phone.get_by_label("Tambah foto dari kamera atau galeri").set_input_files(
        [photo(tmp_path / "c.jpg", (40, 160, 40))])
    expect(phone.get_by_text("Terunggah.")).to_have_count(1)
    phone.get_by_label("Keterangan foto 1").fill("Kader berlatih")
    sent: list[int] = []

    def drop_the_first_answer(route: Route) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        if sent:  # the retry, with the same Idempotency-Key
            answer = route.fetch()
            sent.append(answer.status)
            route.fulfill(response=answer)
            return
        sent.append(route.fetch().status)  # the server received it and made the report...
        route.abort("connectionreset")  # ...and the phone never heard back

    phone.route("**/console/opd/laporan/baru", drop_the_first_answer)
    phone.get_by_role("button", name="Kirim laporan").click()
    expect(phone).to_have_url(re.compile(r"/console/opd/laporan/[^/?]+\?ok=terkirim$"))
    assert sent[0] == 201 and len(sent) >= 2  # it was dropped once, then retried
    found = reports_titled(stack, title)
    assert len(found) == 1, found  # the same Idempotency-Key: the retry made no second report
    assert phone.url.split("/laporan/")[1].startswith(found[0]["id"])


def test_a_report_is_amended_then_withdrawn_with_a_reason(stack: ConsoleStack, phone: Page) -> None:
    stack.opd_user("humas.tiga")
    opd_sign_in(phone, stack, "humas.tiga")
    phone.goto(f"{stack.base}/console/opd/laporan/baru")
    title = "Laporan yang salah kirim dari Mariso"
    fill_report(phone, title)
    phone.get_by_role("button", name="Kirim laporan").click()
    expect(phone.locator("#report-status")).to_have_text("Masuk")
    phone.get_by_role("link", name="Ubah laporan").click()  # amend: nobody claimed it yet
    expect(phone.get_by_label("Lokasi")).to_have_value("Puskesmas Tamalate")
    check_page(phone)
    phone.get_by_label("Lokasi").fill("Kantor Lurah Mariso")
    phone.get_by_role("button", name="Kirim perubahan").click()
    expect(phone.get_by_role("status")).to_contain_text("Perubahan")
    deadline = time.monotonic() + 60
    while reports_titled(stack, title)[0]["location"] != "Kantor Lurah Mariso":
        assert time.monotonic() < deadline, reports_titled(stack, title)
        time.sleep(0.5)
    phone.get_by_label("Alasan penarikan").fill("Salah kirim, kegiatan ditunda.")
    phone.get_by_role("button", name="Tarik laporan ini").click()
    expect(phone.get_by_role("status")).to_contain_text(re.compile("ditarik|penarikan"))
    deadline = time.monotonic() + 60  # the desk answers through Kafka: a reload shows it
    while reports_titled(stack, title)[0]["status"] != "withdrawn":
        assert time.monotonic() < deadline, reports_titled(stack, title)
        time.sleep(0.5)
    phone.reload()
    expect(phone.locator("#report-status")).to_have_text("Ditarik")
    check_page(phone)
    phone.goto(f"{stack.base}/console/antrean")  # an OPD session opens none of the desk's pages
    expect(phone).to_have_url(re.compile(r"/console/masuk$"))


def test_the_opd_forms_refuse_a_post_without_the_csrf_token(stack: ConsoleStack) -> None:
    stack.opd_user("humas.lima")
    with httpx.Client(base_url=stack.base, timeout=15) as client:
        login = client.get("/console/opd/masuk")
        csrf = re.search(r'name="csrf" value="([^"]+)"', login.text)
        assert csrf, login.text
        signed = client.post("/console/opd/masuk", data={
            "csrf": csrf.group(1), "username": "humas.lima", "password": OPD_PASSWORD})
        assert signed.status_code == 303, signed.text
        title = "Laporan palsu dari situs lain"
        report = {"title": title, "body": "Isi", "activity_at": "2026-11-30T09:30",
                  "zone": "WITA", "location": "Mariso", "category": "kesehatan"}
        for forged in ({}, {"csrf": "tebakan"}):
            refused = client.post("/console/opd/laporan/baru", data={**report, **forged})
            assert refused.status_code == 403
        upload = client.post("/console/opd/lampiran", files={"file": ("a.jpg", b"x")})
        assert upload.status_code == 403
        assert reports_titled(stack, title) == []


def test_a_forgotten_password_is_reset_through_the_emailed_link(
    stack: ConsoleStack, phone: Page, real_infra: Infra,
) -> None:
    email = stack.opd_user("humas.empat")
    phone.goto(f"{stack.base}/console/opd/masuk")
    phone.get_by_role("link", name="Lupa kata sandi?").click()
    check_page(phone)
    phone.get_by_label("Alamat surel akun Anda").fill(email)
    phone.get_by_role("button", name="Kirim tautan").click()
    expect(phone.get_by_role("status")).to_contain_text("Periksa kotak masuk")
    link = reset_link(real_infra.mailpit_api, email)
    assert link.startswith(f"{stack.base}/console/opd/sandi/")
    phone.goto(link)
    check_page(phone)
    phone.get_by_label("Kata sandi baru", exact=True).fill("sandi-baru-humas-4")
    phone.get_by_label("Ulangi kata sandi baru").fill("sandi-lain-humas-4")
    phone.get_by_role("button", name="Simpan kata sandi").click()
    expect(phone.locator("#again-error")).to_have_text("Kedua kata sandi tidak sama.")
    check_page(phone)
    phone.get_by_label("Kata sandi baru", exact=True).fill("sandi-baru-humas-4")
    phone.get_by_label("Ulangi kata sandi baru").fill("sandi-baru-humas-4")
    phone.get_by_role("button", name="Simpan kata sandi").click()
    expect(phone.get_by_role("status")).to_contain_text("Kata sandi baru tersimpan")
    opd_sign_in(phone, stack, "humas.empat", OPD_PASSWORD)  # the old one no longer opens
    expect(phone.locator("#username-error")).to_be_visible()
    opd_sign_in(phone, stack, "humas.empat", "sandi-baru-humas-4")
    expect(phone).to_have_url(re.compile(r"/console/opd/laporan$"))
    phone.goto(link)  # the link was for one use
    phone.get_by_label("Kata sandi baru", exact=True).fill("sandi-ketiga-humas")
    phone.get_by_label("Ulangi kata sandi baru").fill("sandi-ketiga-humas")
    phone.get_by_role("button", name="Simpan kata sandi").click()
    expect(phone.get_by_role("alert")).to_contain_text("tidak berlaku lagi")


def reset_link(mailpit_api: str, email: str) -> str:
    """The password link mailed to `email`, read through Mailpit's API (sync: the page's
    Playwright loop is running)."""
    deadline = time.monotonic() + 60
    with httpx.Client(base_url=f"{mailpit_api}/api/v1", timeout=15) as mailpit:
        while time.monotonic() < deadline:
            found = mailpit.get("/search", params={"query": f"to:{email}"}).json()
            for summary in found["messages"]:
                message = parse(mailpit.get(f"/message/{summary['ID']}/raw").content)
                body = message.get_body(("plain",))
                text = body.get_content() if body else ""
                if link := re.search(r"https?://\S+/console/opd/sandi/[A-Za-z0-9._~-]+", text):
                    return link.group(0)
            time.sleep(0.5)
    raise AssertionError(f"no password link mailed to {email}")


def test_without_javascript_the_form_still_posts_its_photo_and_shows_errors_beside_fields(
    stack: ConsoleStack, browser: Browser, tmp_path: Path,
) -> None:
    stack.opd_user("humas.enam")
    context = browser.new_context(viewport=PHONE, locale="id-ID", java_script_enabled=False)
    try:
        page = context.new_page()
        opd_sign_in(page, stack, "humas.enam")
        page.goto(f"{stack.base}/console/opd/laporan/baru")
        title = "Laporan tanpa JavaScript dari Ujung Tanah"
        fill_report(page, title)
        page.get_by_label("Judul").fill("Abc")  # too short: refused beside the field
        page.get_by_label("Tambah foto dari kamera atau galeri").set_input_files(
            [photo(tmp_path / "d.jpg", (120, 120, 30))])
        page.get_by_role("button", name="Kirim laporan").click()
        expect(page.locator("#title-error")).to_contain_text("Judul wajib diisi")
        # (no check_page here: axe needs JavaScript; this form is checked with it above)
        page.get_by_label("Judul").fill(title)
        page.get_by_label("Keterangan foto 1").fill("Warga kerja bakti")  # the photo was kept
        page.get_by_role("button", name="Kirim laporan").click()
        expect(page.locator("#report-status")).to_have_text("Masuk")
        [stored] = reports_titled(stack, title)
        assert [p["caption"] for p in stored["photos"]] == ["Warga kerja bakti"]
    finally:
        context.close()


def test_a_draft_of_an_older_revision_does_not_overwrite_a_newer_amendment(
    stack: ConsoleStack, phone: Page,
) -> None:
    """The amend form's on-device draft was typed against revision 1; once the report was
    amended elsewhere, restoring it would silently send the older text back."""
    stack.opd_user("humas.tujuh")
    opd_sign_in(phone, stack, "humas.tujuh")
    phone.goto(f"{stack.base}/console/opd/laporan/baru")
    title = "Senam sehat bersama di Lapangan Karebosi"
    fill_report(phone, title)
    phone.get_by_role("button", name="Kirim laporan").click()
    expect(phone.locator("#report-status")).to_have_text("Masuk")
    phone.get_by_role("link", name="Ubah laporan").click()
    phone.get_by_label("Lokasi").fill("Draf lama di perangkat ini")  # kept on the device
    [report] = reports_titled(stack, title)
    amended = httpx.put(f"{stack.base}/v1/reports/{report['id']}", timeout=15, headers={
        "Authorization": f"Bearer {stack.opd_key}"}, json={
            "title": report["title"], "body": report["body_html"],
            "activity_at": report["activity_at"], "location": "Diubah dari perangkat lain",
            "category": report["category"], "tags": report["tags"]})
    assert amended.status_code == 200, amended.text  # applied at once: nobody claimed it
    phone.reload()
    expect(phone.get_by_label("Lokasi")).to_have_value("Diubah dari perangkat lain")
    expect(phone.locator("#form-status")).to_contain_text("sudah berubah")
    check_page(phone)
