"""What the Telegram and X adapter tests add to channel_support: their OPD, articles, faults."""

from __future__ import annotations

from typing import Any

from shared.events.articles import ArticleApprovedV1
from shared.events.common import AttachmentRef, OpdRef
from tests.integration.publisher import channel_support

OPD = OpdRef(id="opd-7", code="DISKOMINFO", name="Dinas Komunikasi dan Informatika",
             region="Kota Makassar", timezone="Asia/Makassar")


class Photos(channel_support.Photos):
    alt = "Warga antre di posyandu"


def article(photos: list[AttachmentRef], *, headline: str = "Posyandu keliling di Tamalate",
            texts: dict[str, str] | None = None, channels: list[str] | None = None
            ) -> ArticleApprovedV1:
    return channel_support.article(OPD, photos, headline=headline, texts=texts,
                                   summary="Posyandu keliling memeriksa 120 balita & ibu hamil.",
                                   channels=channels or ["telegram", "x"])


class Control(channel_support.Control):
    """The Telegram and X sandboxes' control routes, faults cleared for a test of its own."""

    @classmethod
    async def fresh(cls, base: str) -> Control:
        result = cls(base)
        await result.clear_faults()
        return result

    async def fault(self, method: str, status: int, **more: Any) -> None:
        await self.post("/faults", {"method": method, "status": status, **more})
