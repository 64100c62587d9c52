"""DKIM signing (dkimpy) of outgoing mail, when a key, selector and domain are configured."""

from __future__ import annotations

from pathlib import Path

import dkim  # type: ignore[import-untyped]  # dkimpy ships no type hints

from shared.settings import Settings

SIGNED_HEADERS = [b"From", b"To", b"Subject", b"Date", b"Message-ID", b"List-Id",
                  b"List-Unsubscribe", b"List-Unsubscribe-Post", b"MIME-Version",
                  b"Content-Type"]


class DkimSigner:
    def __init__(self, key: bytes, selector: str, domain: str) -> None:
        self.key, self.selector, self.domain = key, selector.encode(), domain.encode()

    @classmethod
    def from_settings(cls, settings: Settings) -> DkimSigner | None:
        """None when DKIM is not configured; WARTA_NOTIFIER_DKIM_KEY is a PEM or a path."""
        secret = settings.notifier_dkim_key
        if not (secret and settings.notifier_dkim_selector and settings.notifier_dkim_domain):
            return None
        value = secret.get_secret_value().strip()
        key = value.encode() if value.startswith("-----BEGIN") else Path(value).read_bytes()
        return cls(key, settings.notifier_dkim_selector, settings.notifier_dkim_domain)

    def sign(self, raw: bytes) -> bytes:
        """The message with its DKIM-Signature header first (relaxed/relaxed)."""
        signature: bytes = dkim.sign(raw, self.selector, self.domain, self.key,
                              canonicalize=(b"relaxed", b"relaxed"),
                              include_headers=SIGNED_HEADERS)
        return signature + raw
