"""Fitted JPEGs (Instagram's) stored by content hash where the publisher serves them publicly."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import uuid
from pathlib import Path

PUBLIC_PREFIX = "/berita/media"
_NAME = re.compile(r"^[0-9a-f]{64}\.jpg$")


def media_dir(attachments_dir: str) -> Path:
    """The fitted images live beside the attachments (same volume, same backups)."""
    return Path(attachments_dir) / "fitted"


def public_path(jpeg: bytes) -> str:
    return f"{PUBLIC_PREFIX}/{hashlib.sha256(jpeg).hexdigest()}.jpg"


def file_for(directory: Path, name: str) -> Path | None:
    """The stored file for a public name, or None for a name we never hand out."""
    return directory / name if _NAME.fullmatch(name) else None


class FittedImages:
    """`host(jpeg) -> absolute URL`: what an adapter gives a network that fetches images by URL.

    Content-addressed, so writing the same image twice (a retry, another replica) is harmless."""

    def __init__(self, directory: Path, public_base_url: str) -> None:
        self.directory = directory
        self.public_base_url = public_base_url.rstrip("/")

    async def host(self, jpeg: bytes) -> str:
        path = public_path(jpeg)
        await asyncio.to_thread(self._write, self.directory / path.rsplit("/", 1)[1], jpeg)
        return self.public_base_url + path

    def _write(self, target: Path, jpeg: bytes) -> None:
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}")
        partial.write_bytes(jpeg)
        os.replace(partial, target)  # a reader never sees half a file
