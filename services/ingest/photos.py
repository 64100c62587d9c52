"""Photos sent with a report: their attachments join the report's, with caption and credit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from shared.events.common import AttachmentRef


class PhotoLike(Protocol):
    attachment_id: str
    caption: str | None
    credit: str | None


def attachment_ids(ids: Sequence[str], photos: Sequence[PhotoLike]) -> list[str]:
    """`attachment_ids` then the photos' attachments, each once, in the order sent."""
    return list(dict.fromkeys([*ids, *(p.attachment_id for p in photos)]))


def captioned(refs: list[AttachmentRef], photos: Sequence[PhotoLike]) -> list[AttachmentRef]:
    """Each photo's caption and credit on its attachment (blank ones are none)."""
    texts = {p.attachment_id: {"caption": _text(p.caption), "credit": _text(p.credit)}
             for p in photos}
    return [ref.model_copy(update=texts[ref.id]) if ref.id in texts else ref for ref in refs]


def shown(attachments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The report's photos as the OPD sees them back: the attachments with a caption or
    credit (an editor may change them later; this is what the OPD sent)."""
    return [{"attachment_id": a["id"], "caption": a.get("caption"), "credit": a.get("credit")}
            for a in attachments if a.get("caption") or a.get("credit")]


def _text(value: str | None) -> str | None:
    return value.strip() or None if value else None
