"""The consent texts a journalist agrees to, per channel, with the version a record keeps."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ConsentText:
    version: str
    text: str


# A changed text is a new version: records keep the version that was agreed, never the text.
CONSENT_TEXTS: dict[str, ConsentText] = {
    "email": ConsentText("2026-12-01.1", (
        "Saya setuju menerima siaran pers dan undangan liputan dari Diskominfo melalui email "
        "ke alamat yang saya isi. Saya dapat berhenti kapan saja lewat tautan di setiap pesan.")),
    "whatsapp": ConsentText("2026-12-01.1", (
        "Saya setuju menerima pemberitahuan siaran pers dan undangan liputan melalui WhatsApp "
        "ke nomor yang saya isi. Saya dapat berhenti kapan saja.")),
    "telegram": ConsentText("2026-12-01.1", (
        "Saya setuju menerima pemberitahuan melalui bot Telegram Warta setelah saya membuka "
        "tautan undangan bot. Saya dapat berhenti kapan saja.")),
}
