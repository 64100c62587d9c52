"""Pure media rules: what an upload is (by its bytes, not the client's word), its re-encoding.

No I/O besides the bytes given. Images are decoded with a pixel limit (decompression bombs),
rotated upright, re-encoded without metadata (EXIF, GPS, XMP, ICC text chunks are not copied)
and given a thumbnail. PDFs are checked by their header and kept byte for byte.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from enum import StrEnum

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PIXELS = 40_000_000  # a 40-megapixel camera photo is the largest we accept
THUMBNAIL_SIZE = (480, 480)
PDF_MAGIC = b"%PDF-"
# Pillow's format name -> (stored content type, file extension, encoder options)
IMAGE_FORMATS: dict[str, tuple[str, str, dict[str, object]]] = {
    "JPEG": ("image/jpeg", "jpg", {"quality": 85, "optimize": True}),
    "PNG": ("image/png", "png", {"optimize": True}),
    "WEBP": ("image/webp", "webp", {"quality": 85}),
}
ACCEPTED = "JPEG, PNG or WebP photos, or PDF documents"


class Refusal(StrEnum):
    """Why an upload is refused; the HTTP edge gives each its status."""

    TOO_LARGE = "too_large"
    UNSUPPORTED = "unsupported"
    INVALID = "invalid"


class MediaRefused(Exception):
    """The upload cannot be accepted: `reason`, a stable `code` and a message saying what to do."""

    def __init__(self, reason: Refusal, code: str, message: str) -> None:
        super().__init__(message)
        self.reason, self.code, self.message = reason, code, message


@dataclass(frozen=True)
class Processed:
    content: bytes
    content_type: str
    extension: str
    sha256: str
    width: int | None = None
    height: int | None = None
    thumbnail: bytes | None = None


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def process(data: bytes, *, max_pdf_bytes: int, max_pixels: int = MAX_PIXELS) -> Processed:
    """Sniff, verify and normalise one upload. CPU-bound: call it in a worker thread."""
    if not data:
        raise MediaRefused(Refusal.INVALID, "empty_file", "The uploaded file is empty.")
    if data.startswith(PDF_MAGIC):
        return _pdf(data, max_pdf_bytes)
    return _image(data, max_pixels)


def _pdf(data: bytes, max_pdf_bytes: int) -> Processed:
    if len(data) > max_pdf_bytes:
        raise MediaRefused(Refusal.TOO_LARGE, "payload_too_large",
                           f"PDF documents may be at most {max_pdf_bytes} bytes; this one has "
                           f"{len(data)}. Compress it or split it.")
    if b"%%EOF" not in data[-2048:]:
        raise MediaRefused(Refusal.INVALID, "invalid_pdf",
                           "The PDF is truncated (no %%EOF marker); upload it again.")
    return Processed(content=data, content_type="application/pdf", extension="pdf",
                     sha256=sha256_of(data))


def _image(data: bytes, max_pixels: int) -> Processed:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            fmt = probe.format or ""
            if fmt not in IMAGE_FORMATS:
                raise MediaRefused(Refusal.UNSUPPORTED, "unsupported_media_type",
                                   f"{fmt or 'This file type'} is not accepted; send {ACCEPTED}.")
            width, height = probe.size
            if width * height > max_pixels:
                raise MediaRefused(Refusal.TOO_LARGE, "image_too_large",
                                   f"The image has {width}x{height} pixels; at most "
                                   f"{max_pixels} pixels are accepted. Resize it.")
            probe.load()
    except MediaRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise MediaRefused(Refusal.TOO_LARGE, "image_too_large",
                           f"The image declares over {max_pixels} pixels; resize it.") from None
    except UnidentifiedImageError:
        raise MediaRefused(Refusal.UNSUPPORTED, "unsupported_media_type",
                           f"The file is not a readable image or PDF; send {ACCEPTED}.") from None
    except (OSError, SyntaxError, ValueError):
        raise MediaRefused(Refusal.INVALID, "corrupt_image",
                           "The image is damaged or truncated; upload it again.") from None
    content_type, extension, options = IMAGE_FORMATS[fmt]
    upright = ImageOps.exif_transpose(probe)
    content = _encode(upright, fmt, options)
    thumb = upright.copy()
    thumb.thumbnail(THUMBNAIL_SIZE)
    thumbnail = _encode(_flatten(thumb), "JPEG", {"quality": 80})
    return Processed(content=content, content_type=content_type, extension=extension,
                     sha256=sha256_of(content), width=upright.width, height=upright.height,
                     thumbnail=thumbnail)


def _encode(image: Image.Image, fmt: str, options: dict[str, object]) -> bytes:
    if fmt == "JPEG":
        image = _flatten(image)
    out = io.BytesIO()
    # No exif=, icc_profile= or pnginfo= arguments: nothing of the original metadata is copied.
    image.save(out, format=fmt, **options)
    return out.getvalue()


def _flatten(image: Image.Image) -> Image.Image:
    """JPEG has no alpha channel or palette: composite onto white, as a browser would show it."""
    if image.mode in ("RGB", "L"):
        return image
    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background
