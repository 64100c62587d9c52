"""Where attachment bytes live: one small interface, a directory today, object storage later."""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

_NAME = re.compile(r"^[a-f0-9]{64}\.[a-z]{3,4}$")


class BlobStore(Protocol):
    async def put(self, name: str, data: bytes) -> None: ...

    async def get(self, name: str) -> bytes | None: ...


class DirectoryStore:
    """Content-addressed files (`<sha256>.<ext>`), written durably: temp file, fsync, rename.

    The same bytes always get the same name, so a retried write replaces a file with itself.
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    async def put(self, name: str, data: bytes) -> None:
        await asyncio.to_thread(self._put, self._path(name), data)

    async def get(self, name: str) -> bytes | None:
        path = self._path(name)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            return None

    def _path(self, name: str) -> Path:
        if not _NAME.match(name):  # names come from our own records; refuse anything else
            raise ValueError(f"not a blob name: {name!r}")
        return self.root / name[:2] / name

    @staticmethod
    def _put(path: Path, data: bytes) -> None:
        if path.exists() and path.stat().st_size == len(data):
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)  # the rename itself survives a power cut
        finally:
            os.close(dir_fd)
