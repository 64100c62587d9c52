"""Sealing a new API key with the session id until its one showing (AES-GCM)."""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12


def _key(session_id: str) -> bytes:
    return hashlib.sha256(f"warta-key-reveal:{session_id}".encode()).digest()


def seal(api_key: str, session_id: str, reveal_id: str) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(_key(session_id)).encrypt(nonce, api_key.encode(), reveal_id.encode())
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal(sealed: str, session_id: str, reveal_id: str) -> str | None:
    """None when it was sealed for another session or another reveal."""
    try:
        raw = base64.urlsafe_b64decode(sealed.encode())
        opened = AESGCM(_key(session_id)).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:],
                                                  reveal_id.encode())
    except (InvalidTag, ValueError):
        return None
    return opened.decode()
