"""Fitting photos for Instagram: JPEG, 4:5 to 1.91:1, refusing only what cannot be used."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from services.publisher.adapters import image_fit


def picture(width: int, height: int, fmt: str = "JPEG", mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height), (30, 120, 200) if mode == "RGB" else (30, 120, 200, 128)
              ).save(out, fmt)
    return out.getvalue()


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize(("width", "height", "fmt"), [
    (1800, 600, "JPEG"),   # 3:1 panorama: padded to 1.91:1
    (600, 1800, "PNG"),    # 1:3 poster: padded to 4:5
    (2000, 1000, "PNG"),   # 2:1, just past 1.91: cropped (loses < 15 %)
    (1080, 1350, "JPEG"),  # 4:5 already: untouched ratio
    (4000, 3000, "JPEG"),  # 12 MP 4:3: scaled to 1440 wide
])
def test_awkward_ratios_become_instagram_jpegs(width: int, height: int, fmt: str) -> None:
    fitted = opened(image_fit.fit(picture(width, height, fmt)))
    assert fitted.format == "JPEG" and fitted.mode == "RGB"
    ratio = fitted.width / fitted.height
    assert image_fit.MIN_RATIO - 0.005 <= ratio <= image_fit.MAX_RATIO + 0.005
    assert fitted.width <= image_fit.MAX_WIDTH


def test_padding_keeps_the_whole_panorama() -> None:
    width, height, crop = image_fit.target_size(1800, 600)
    assert (width, height, crop) == (1800, round(1800 / 1.91), False)


def test_a_slightly_too_wide_photo_is_cropped_not_padded() -> None:
    width, height, crop = image_fit.target_size(2000, 1000)
    assert crop and height == 1000 and width == 1910


def test_transparent_png_gets_a_white_background() -> None:
    fitted = opened(image_fit.fit(picture(800, 800, "PNG", "RGBA")))
    assert fitted.mode == "RGB"


def test_tiny_image_is_refused_with_a_reason() -> None:
    reason = image_fit.usable(picture(200, 200))
    assert reason is not None and "terlalu kecil" in reason and "320" in reason
    with pytest.raises(image_fit.UnusableImage):
        image_fit.fit(picture(200, 200))


@pytest.mark.parametrize("garbage", [b"", b"not an image at all", picture(800, 800)[:200]])
def test_garbage_and_truncated_bytes_are_refused(garbage: bytes) -> None:
    assert image_fit.usable(garbage) == (
        "Berkas gambar tidak dapat dibaca (rusak atau bukan gambar).")


def test_a_usable_image_has_no_reason() -> None:
    assert image_fit.usable(picture(1200, 400, "PNG")) is None


@settings(max_examples=40, deadline=None)
@given(st.integers(320, 3000), st.integers(50, 3000))
def test_every_readable_wide_enough_image_fits(width: int, height: int) -> None:
    fitted = opened(image_fit.fit(picture(width, height)))
    ratio = fitted.width / fitted.height
    assert image_fit.MIN_RATIO - 0.01 <= ratio <= image_fit.MAX_RATIO + 0.01
    assert fitted.format == "JPEG"
