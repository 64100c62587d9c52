"""Email as received by Mailpit: plain List-Unsubscribe + RFC 8058 one-click, List-Id, DKIM."""

from __future__ import annotations

import base64
from urllib.parse import urlparse

import dkim  # type: ignore[import-untyped]
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr

from shared.settings import Settings
from tests.integration.notifier.conftest import PUBLIC_BASE_URL
from tests.integration.notifier.release_steps import one_release
from warta_cli.mailpit import Mailpit


async def test_list_unsubscribe_is_a_plain_public_url_and_one_click_post_unsubscribes(
    mail_settings: Settings, mailbox: Mailpit,
) -> None:
    settings = mail_settings
    async with one_release(settings, mailbox, "Andi Wijaya", "andi@media.example") as sent:
        raw = await mailbox.raw(str(sent.mail["ID"]))
        header_line = next(line for line in raw.split(b"\r\n")
                           if line.lower().startswith(b"list-unsubscribe:"))
        assert b"=?" not in header_line, header_line  # not RFC 2047-encoded
        url = header_line.split(b":", 1)[1].strip().decode()
        assert url.startswith(f"<{PUBLIC_BASE_URL}/unsubscribe/") and url.endswith(">"), url
        headers = await mailbox.headers(str(sent.mail["ID"]))
        assert headers["List-Unsubscribe-Post"] == ["List-Unsubscribe=One-Click"]
        assert headers["List-Id"] == ["Siaran Pers Warta <siaran-pers.kominfo.example>"]
        # The public URL reaches the notifier through the front door; here, its path directly.
        one_click = await sent.client.post(urlparse(url.strip("<>")).path,
                                           content=b"List-Unsubscribe=One-Click", headers={
                                               "Content-Type": "application/x-www-form-urlencoded"})
        assert one_click.status_code == 200
        assert "Anda telah berhenti berlangganan" in one_click.text
    assert await _active(settings, "andi@media.example") is False


async def _active(settings: Settings, email: str) -> bool:
    from shared.mongo import MongoHandle

    mongo = MongoHandle(settings, "notifier")
    try:
        doc = await mongo.db["journalists"].find_one({"email": email})
    finally:
        mongo.close()
    assert doc is not None
    return bool(doc["active"])


async def test_a_configured_dkim_key_signs_what_mailpit_receives(
    mail_settings: Settings, mailbox: Mailpit,
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.DER,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    settings = mail_settings.model_copy(update={
        "notifier_dkim_key": SecretStr(pem), "notifier_dkim_selector": "warta2026",
        "notifier_dkim_domain": "kominfo.example"})
    async with one_release(settings, mailbox, "Budi", "budi@media.example") as sent:
        raw = await mailbox.raw(str(sent.mail["ID"]))
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)

    def dns(name: bytes, timeout: int = 5) -> bytes:
        return record if name == b"warta2026._domainkey.kominfo.example." else b""

    assert b"DKIM-Signature:" in raw
    assert dkim.verify(raw, dnsfunc=dns)
    tampered = raw.replace(b"Vaksinasi", b"Vaksinasl", 1)
    assert not dkim.verify(tampered, dnsfunc=dns)


async def test_without_a_dkim_key_nothing_is_signed(
    mail_settings: Settings, mailbox: Mailpit,
) -> None:
    async with one_release(mail_settings, mailbox, "Citra", "citra@media.example") as sent:
        raw = await mailbox.raw(str(sent.mail["ID"]))
    assert b"DKIM-Signature:" not in raw
