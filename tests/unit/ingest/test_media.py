"""Upload verification and re-encoding, on bytes made here (Pillow, no I/O)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from services.ingest.attachments.media import MediaRefused, Refusal, process


def encoded(fmt: str, size: tuple[int, int] = (64, 48), **save: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA" if fmt == "PNG" else "RGB", size, (0, 128, 255)).save(out, format=fmt,
                                                                          **save)
    return out.getvalue()


def test_exif_orientation_is_applied_and_metadata_dropped() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise when shown
    exif[0x010F] = "Kamera"
    result = process(encoded("JPEG", (80, 40), exif=exif.tobytes()), max_pdf_bytes=1024)
    image = Image.open(io.BytesIO(result.content))
    assert image.size == (40, 80)  # upright
    assert not image.getexif()
    assert result.thumbnail is not None and result.content_type == "image/jpeg"


@pytest.mark.parametrize(("fmt", "content_type"), [("PNG", "image/png"),
                                                    ("WEBP", "image/webp")])
def test_png_and_webp_keep_their_format(fmt: str, content_type: str) -> None:
    assert process(encoded(fmt), max_pdf_bytes=1024).content_type == content_type


@pytest.mark.parametrize(("data", "reason"), [
    (b"", Refusal.INVALID), (b"GIF89a" + b"\0" * 64, Refusal.UNSUPPORTED),
    (b"plain text", Refusal.UNSUPPORTED),
])
def test_what_is_not_an_accepted_image_is_refused(data: bytes, reason: Refusal) -> None:
    with pytest.raises(MediaRefused) as refused:
        process(data, max_pdf_bytes=1024)
    assert refused.value.reason is reason


def test_the_pixel_limit_applies_before_decoding() -> None:
    with pytest.raises(MediaRefused) as refused:
        process(encoded("PNG", (200, 200)), max_pdf_bytes=1024, max_pixels=10_000)
    assert refused.value.reason is Refusal.TOO_LARGE and "200x200" in refused.value.message


def test_pdfs_are_kept_byte_for_byte_within_their_limit() -> None:
    pdf = b"%PDF-1.7\n%\xe2\xe3\n1 0 obj<<>>endobj\n%%EOF\n"
    assert process(pdf, max_pdf_bytes=1024).content == pdf
    with pytest.raises(MediaRefused) as refused:
        process(pdf, max_pdf_bytes=16)
    assert refused.value.reason is Refusal.TOO_LARGE
    with pytest.raises(MediaRefused):
        process(pdf[:-7], max_pdf_bytes=1024)  # truncated: no %%EOF
