"""Approval's photo rules agree with what the publisher does to a photo before upload."""

from __future__ import annotations

import io
import os

from PIL import Image

from services.publisher.adapters import facebook, image_fit, telegram, x
from shared import channel_text as ct
from shared.channel_photos import MAX_DECODED_PIXELS, PHOTO_RULES, PhotoFacts


def _jpeg(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (120, 160, 200)).save(out, "JPEG")
    return out.getvalue()


def test_instagram_width_rule_is_the_one_the_publisher_applies() -> None:
    for width in (319, 320):
        refused = ct.check("instagram", text="teks", image_count=1, photos=[PhotoFacts(
            "image/jpeg", 10_000, width=width, height=400)])
        assert bool(refused) == (image_fit.usable(_jpeg(width, 400)) is not None)


def test_the_limits_the_adapters_shrink_to_are_the_documented_ones() -> None:
    assert PHOTO_RULES["telegram"].max_bytes == telegram.PHOTO_MAX_BYTES
    assert PHOTO_RULES["telegram"].max_side_sum == telegram.PHOTO_MAX_SIDE_SUM
    assert PHOTO_RULES["x"].max_bytes == x.IMAGE_MAX_BYTES
    assert all(rules.refitted for rules in PHOTO_RULES.values())


def test_pillow_decodes_up_to_the_pixel_limit_approval_uses() -> None:
    assert Image.MAX_IMAGE_PIXELS is not None
    assert MAX_DECODED_PIXELS == 2 * Image.MAX_IMAGE_PIXELS


def test_facebook_shrinks_a_photo_over_four_megabytes_instead_of_being_refused() -> None:
    """Before: the adapter uploaded the original, which the Page photos API refuses."""
    noise = Image.frombytes("RGB", (1500, 1500), os.urandom(1500 * 1500 * 3))
    out = io.BytesIO()
    noise.save(out, "PNG")
    original = out.getvalue()
    limit = PHOTO_RULES["facebook"].max_bytes
    assert len(original) > limit
    data, content_type = facebook.fit_photo(original, "image/png")
    assert len(data) <= limit and content_type == "image/jpeg"
    small = _jpeg(800, 600)
    assert facebook.fit_photo(small, "image/jpeg") == (small, "image/jpeg")


def test_an_attachment_from_an_older_event_still_validates_without_its_size() -> None:
    from shared.events.common import AttachmentRef

    old = {"id": "f1", "url": "https://warta.example/f1", "content_type": "image/jpeg",
           "size": 1000, "sha256": "0" * 64}
    ref = AttachmentRef.model_validate(old)
    assert (ref.width, ref.height) == (None, None)
    assert PhotoFacts.of(old) == PhotoFacts("image/jpeg", 1000)
    sized = AttachmentRef.model_validate({**old, "width": 1200, "height": 800})
    assert PhotoFacts.of(sized.model_dump()) == PhotoFacts("image/jpeg", 1000, 1200, 800)
