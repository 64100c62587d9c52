"""Shrink a photo to a network's upload limits (bytes, pixel sum) rather than be refused."""

from __future__ import annotations

import io

from PIL import Image, ImageOps, UnidentifiedImageError

JPEG_QUALITY = 85


def within(data: bytes, content_type: str, *, max_bytes: int,
           max_side_sum: int | None = None) -> tuple[bytes, str]:
    """`data` unchanged when it fits; else a JPEG scaled down until it does. Bytes that are no
    image are returned as they are: the network's refusal then names the problem."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            width, height = opened.size
            too_wide = max_side_sum is not None and width + height > max_side_sum
            if len(data) <= max_bytes and not too_wide:
                return data, content_type
            image = ImageOps.exif_transpose(opened).convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        return data, content_type
    scale = 1.0
    if max_side_sum is not None and width + height > max_side_sum:
        scale = max_side_sum / (width + height)
    while True:
        size = (max(1, int(width * scale)), max(1, int(height * scale)))
        out = io.BytesIO()
        image.resize(size, Image.Resampling.LANCZOS).save(out, "JPEG", quality=JPEG_QUALITY)
        if out.tell() <= max_bytes or scale < 0.05:
            return out.getvalue(), "image/jpeg"
        scale *= 0.75
