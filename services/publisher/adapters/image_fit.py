"""Fit a photo to what Instagram accepts: a JPEG between 4:5 and 1.91:1, at most 1,440 px wide."""

from __future__ import annotations

import io

from PIL import Image, ImageOps, ImageStat, UnidentifiedImageError

MIN_RATIO = 4 / 5      # tallest Instagram takes (width / height)
MAX_RATIO = 1.91       # widest
MIN_WIDTH = 320        # narrower than this Instagram upscales into mush: refuse
MAX_WIDTH = 1440       # Instagram scales wider images down anyway; keeps the file well under 8 MiB
MAX_CROP = 0.15        # crop at most this share of one side; beyond it, pad so nothing is lost
JPEG_QUALITY = 88


class UnusableImage(ValueError):
    """The image cannot be made acceptable; `reason` is Indonesian, for editors."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _open(image_bytes: bytes) -> Image.Image:
    try:
        opened = Image.open(io.BytesIO(image_bytes))
        opened.load()  # a truncated file fails here, not later
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError) as exc:
        raise UnusableImage("Berkas gambar tidak dapat dibaca (rusak atau bukan gambar).") from exc
    image = ImageOps.exif_transpose(opened)  # phone photos carry their rotation in EXIF
    if image.width < MIN_WIDTH:
        raise UnusableImage(f"Gambar terlalu kecil: lebar {image.width} piksel, "
                            f"Instagram memerlukan minimal {MIN_WIDTH} piksel.")
    return image


def usable(image_bytes: bytes) -> str | None:
    """None when `fit` can make an Instagram JPEG of it; else why not (Indonesian)."""
    try:
        _open(image_bytes)
    except UnusableImage as exc:
        return exc.reason
    return None


def _rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA", "P"):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def target_size(width: int, height: int) -> tuple[int, int, bool]:
    """The canvas (width, height) in the allowed range nearest to the image, and whether the
    image is cropped (True) or padded (False) to it."""
    ratio = width / height
    if MIN_RATIO <= ratio <= MAX_RATIO:
        return width, height, True
    if ratio > MAX_RATIO:  # too wide
        cropped = round(height * MAX_RATIO)
        if (width - cropped) / width <= MAX_CROP:
            return cropped, height, True
        return width, round(width / MAX_RATIO), False
    cropped = round(width / MIN_RATIO)  # too tall
    if (height - cropped) / height <= MAX_CROP:
        return width, cropped, True
    return round(height * MIN_RATIO), height, False


def fit(image_bytes: bytes) -> bytes:
    """The image as an Instagram-ready JPEG; raises UnusableImage."""
    image = _rgb(_open(image_bytes))
    width, height, crop = target_size(image.width, image.height)
    if crop:
        left, top = (image.width - width) // 2, (image.height - height) // 2
        image = image.crop((left, top, left + width, top + height))
    else:
        fill = tuple(round(v) for v in ImageStat.Stat(image).mean[:3])
        canvas = Image.new("RGB", (width, height), fill)  # the photo's own mean colour
        canvas.paste(image, ((width - image.width) // 2, (height - image.height) // 2))
        image = canvas
    if image.width > MAX_WIDTH:
        image = image.resize((MAX_WIDTH, round(image.height * MAX_WIDTH / image.width)),
                             Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()
