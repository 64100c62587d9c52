"""What each social channel accepts as a photo, less what the publisher fixes before upload."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shared.vocabulary import Channel

MB = 1024 * 1024
# The photo types ingest stores (it re-encodes every upload to one of them) and the publisher
# decodes and re-encodes; anything else reaches no channel.
DECODABLE = frozenset({"image/jpeg", "image/png", "image/webp"})
# Pillow refuses to decode beyond twice its MAX_IMAGE_PIXELS (89,478,485): the publisher cannot
# resize, pad or convert such a photo for any channel.
MAX_DECODED_PIXELS = 2 * 89_478_485


@dataclass(frozen=True)
class PhotoFacts:
    """What approval knows of a photo; width and height are None for events from before."""

    content_type: str
    size: int
    width: int | None = None
    height: int | None = None

    @classmethod
    def of(cls, attachment: Mapping[str, Any]) -> PhotoFacts:
        return cls(content_type=str(attachment.get("content_type", "")),
                   size=int(attachment.get("size") or 0),
                   width=attachment.get("width"), height=attachment.get("height"))


@dataclass(frozen=True)
class PhotoRules:
    """The vendor's documented photo limits; `refitted`: the publisher scales and re-encodes
    every photo within `max_bytes` and `max_side_sum` before upload, so those two never refuse."""

    max_bytes: int
    max_side_sum: int | None = None  # width + height, in pixels
    min_width: int | None = None     # in pixels, upright
    max_ratio: float | None = None   # longer side / shorter side; resizing keeps it
    refitted: bool = False


PHOTO_RULES: dict[str, PhotoRules] = {
    # sendPhoto: at most 10 MB, width + height <= 10,000, ratio at most 20; the adapter shrinks
    # to the first two (photo_size.within), the ratio it cannot change.
    Channel.TELEGRAM.value: PhotoRules(max_bytes=10 * MB, max_side_sum=10_000, max_ratio=20,
                                       refitted=True),
    # Less than 8 MiB (error 2207004), 320 px wide at least; the adapter makes every photo a
    # JPEG at most 1,440 px wide (image_fit), but cannot invent pixels for a narrow one.
    Channel.INSTAGRAM.value: PhotoRules(max_bytes=8 * MB, min_width=320, refitted=True),
    # "Images are limited to 5 MB"; the adapter shrinks (photo_size.within).
    Channel.X.value: PhotoRules(max_bytes=5 * MB, refitted=True),
    # Page photos reference: "Files must be 4MB or smaller"; the adapter shrinks.
    Channel.FACEBOOK.value: PhotoRules(max_bytes=4 * MB, refitted=True),
}


@dataclass(frozen=True)
class PhotoRefusal:
    code: str  # image_unreadable | image_too_small | image_too_large | image_bad_ratio
    message: str  # Indonesian, for the editor
    count: int
    limit: int


def photo_problems(channel: str, name: str, photos: Sequence[PhotoFacts]) -> list[PhotoRefusal]:
    """What the channel would refuse among the photos that go to it (`name`: for messages)."""
    rules = PHOTO_RULES.get(channel)
    return [] if rules is None else problems_for(rules, name, photos)


def problems_for(rules: PhotoRules, name: str, photos: Sequence[PhotoFacts]
                 ) -> list[PhotoRefusal]:
    unreadable = [(n, p) for n, p in enumerate(photos, 1) if p.content_type not in DECODABLE]
    problems: list[PhotoRefusal] = []
    if unreadable:
        which = ", ".join(f"foto ke-{n} ({p.content_type or 'tanpa jenis'})"
                          for n, p in unreadable)
        problems.append(PhotoRefusal("image_unreadable", (
            f"{name} tidak dapat memakai {len(unreadable)} foto yang tidak dapat dibaca: "
            f"{which}; gunakan JPEG, PNG atau WebP."), len(unreadable), 0))
    for n, photo in enumerate(photos, 1):
        if photo.content_type in DECODABLE:
            problems.extend(_one(rules, name, n, photo))
    return problems


def _one(rules: PhotoRules, name: str, n: int, photo: PhotoFacts) -> list[PhotoRefusal]:
    found: list[PhotoRefusal] = []
    if not rules.refitted and photo.size > rules.max_bytes:
        found.append(PhotoRefusal("image_too_large", (
            f"Foto ke-{n} terlalu besar untuk {name}: {photo.size} bita, paling besar "
            f"{rules.max_bytes} bita ({rules.max_bytes // MB} MB)."), photo.size, rules.max_bytes))
    width, height = photo.width, photo.height
    if not width or not height:  # an event from before ingest recorded dimensions
        return found
    if width * height > MAX_DECODED_PIXELS:
        found.append(PhotoRefusal("image_too_large", (
            f"Foto ke-{n} terlalu besar untuk diolah bagi {name}: {width * height} piksel, "
            f"paling banyak {MAX_DECODED_PIXELS} piksel."), width * height, MAX_DECODED_PIXELS))
    if (not rules.refitted and rules.max_side_sum is not None
            and width + height > rules.max_side_sum):
        found.append(PhotoRefusal("image_too_large", (
            f"Foto ke-{n} terlalu besar untuk {name}: lebar + tinggi {width + height} piksel, "
            f"paling banyak {rules.max_side_sum} piksel."), width + height, rules.max_side_sum))
    if rules.min_width is not None and width < rules.min_width:
        found.append(PhotoRefusal("image_too_small", (
            f"Foto ke-{n} terlalu kecil untuk {name}: lebar {width} piksel, paling sedikit "
            f"{rules.min_width} piksel."), width, rules.min_width))
    ratio = max(width, height) / min(width, height)
    if rules.max_ratio is not None and ratio > rules.max_ratio:
        found.append(PhotoRefusal("image_bad_ratio", (
            f"Foto ke-{n} terlalu memanjang untuk {name}: sisi panjangnya {ratio:.1f} kali sisi "
            f"pendeknya, paling banyak {rules.max_ratio:g} kali."), math.ceil(ratio),
            math.ceil(rules.max_ratio)))
    return found
