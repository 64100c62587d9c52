"""Uploads on the real database and a real directory: verified, re-encoded, deduplicated, served."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import zlib
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from services.ingest.config import IngestConfig
from shared.logging import JsonFormatter
from shared.settings import Settings
from tests.integration.ingest.support import (
    events_for,
    ingest,
    jpeg,
    make_opd,
    phone_photo,
    report,
)

GPS_EXIF = Image.Exif()
GPS_EXIF[0x010F] = "KameraHumas"  # Make
GPS_EXIF[0x8825] = {1: "S", 2: (5.0, 8.0, 0.0), 3: "E", 4: (119.0, 25.0, 0.0)}  # GPS IFD


def _png_with_claimed_size(width: int, height: int) -> bytes:
    """A tiny file that declares a huge image: a decompression bomb's header."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (len(data).to_bytes(4, "big") + kind + data
                + zlib.crc32(kind + data).to_bytes(4, "big"))
    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


def _image(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA" if fmt == "PNG" else "RGB", (40, 30), (10, 120, 200)).save(out, format=fmt)
    return out.getvalue()


def _files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def test_a_photo_is_reencoded_without_exif_or_gps_and_served_with_a_thumbnail(
    settings: Settings,
) -> None:
    opd = await make_opd(settings, "DISKOMINFO")
    original = jpeg(1200, 800, exif=GPS_EXIF.tobytes())
    assert Image.open(io.BytesIO(original)).getexif().get(0x8825)  # the fixture really has GPS
    async with ingest(settings) as client:
        # The client claims a PDF: the bytes say JPEG, and the bytes win.
        response = await client.post("/v1/attachments", headers=opd.auth,
                                     files={"file": ("foto.pdf", original, "application/pdf")})
        assert response.status_code == 201, response.text
        meta = response.json()
        assert meta["content_type"] == "image/jpeg" and meta["size"] > 0

        served = await client.get(meta["url"].replace(settings.public_base_url, ""))
        assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
        stored = Image.open(io.BytesIO(served.content))
        assert stored.size == (1200, 800)
        assert not stored.getexif(), "EXIF (and its GPS block) must be stripped"
        assert len(served.content) == meta["size"]
        assert hashlib.sha256(served.content).hexdigest() == meta["sha256"]

        thumb = await client.get(meta["thumbnail_url"].replace(settings.public_base_url, ""))
        assert max(Image.open(io.BytesIO(thumb.content)).size) <= 480

        again = await client.post("/v1/attachments", headers=opd.auth,
                                  files={"file": ("lagi.jpg", original, "image/jpeg")})
        assert again.status_code == 200 and again.json()["id"] == meta["id"]  # deduplicated

        created = await client.post("/v1/reports", headers=opd.auth,
                                    json=report(attachment_ids=[meta["id"]]))
        assert created.status_code == 201, created.text
    [event] = await events_for(settings, created.json()["id"], wanted=1)
    [ref] = event["data"]["content"]["attachments"]
    assert (ref["url"], ref["size"], ref["sha256"]) == (meta["url"], meta["size"], meta["sha256"])
    assert (ref["width"], ref["height"]) == (1200, 800)  # upright pixels, for approval's checks


async def test_png_webp_and_pdf_are_accepted_and_everything_else_is_refused(settings: Settings
                                                                            ) -> None:
    opd = await make_opd(settings, "BPBD")
    config = IngestConfig(max_pdf_bytes=2048)
    async with ingest(settings, config) as client:
        async def upload(data: bytes, name: str = "f", ctype: str = "image/jpeg"
                         ) -> tuple[int, dict[str, Any]]:
            r = await client.post("/v1/attachments", headers=opd.auth,
                                  files={"file": (name, data, ctype)})
            return r.status_code, r.json()

        for fmt, ctype in (("PNG", "image/png"), ("WEBP", "image/webp")):
            status, body = await upload(_image(fmt))
            assert (status, body["content_type"]) == (201, ctype)
        status, body = await upload(PDF, "surat.pdf", "application/pdf")
        assert (status, body["content_type"]) == (201, "application/pdf")

        status, body = await upload(b"GIF89a" + b"\x00" * 100, "anim.gif", "image/gif")
        assert status == 415 and "JPEG, PNG or WebP" in body["error"]["message"]
        status, body = await upload(b"<html>not a photo</html>", "foto.jpg")
        assert status == 415
        status, body = await upload(PDF[:-7] + b" " * 3000 + b"%%EOF\n", "besar.pdf")
        assert status == 413 and "2048" in body["error"]["message"]
        status, body = await upload(_png_with_claimed_size(20_000, 20_000), "bom.png")
        assert status == 413 and body["error"]["code"] == "image_too_large"
        status, body = await upload(jpeg()[:200], "rusak.jpg")
        assert status == 422 and body["error"]["code"] == "corrupt_image"


async def test_an_upload_over_the_body_limit_is_413_and_stores_nothing(settings: Settings
                                                                      ) -> None:
    small = settings.model_copy(update={"max_upload_bytes": 4096})
    opd = await make_opd(small, "BKD")
    async with ingest(small) as client:
        response = await client.post("/v1/attachments", headers=opd.auth,
                                     files={"file": ("besar.jpg", jpeg(600, 600), "image/jpeg")})
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "payload_too_large"
    assert _files_under(Path(small.attachments_dir)) == []


async def test_another_opds_attachment_cannot_be_used_in_a_report(settings: Settings) -> None:
    owner, intruder = await make_opd(settings, "DISTAN"), await make_opd(settings, "DISNAK")
    async with ingest(settings) as client:
        meta = (await client.post("/v1/attachments", headers=owner.auth,
                                  files={"file": ("a.jpg", jpeg(), "image/jpeg")})).json()
        refused = await client.post("/v1/reports", headers=intruder.auth,
                                    json=report(attachment_ids=[meta["id"]]))
        assert refused.status_code == 422
        assert meta["id"] in refused.json()["error"]["details"][0]["problem"]
        assert (await client.get("/v1/reports", headers=intruder.auth)).json()["items"] == []
        # The same bytes uploaded by the other OPD become its own attachment.
        own = (await client.post("/v1/attachments", headers=intruder.auth,
                                 files={"file": ("a.jpg", jpeg(), "image/jpeg")})).json()
        assert own["id"] != meta["id"]


async def test_a_12_megapixel_phone_photo_is_accepted_with_the_production_logging(
    settings: Settings, caplog: pytest.LogCaptureFixture,
) -> None:
    opd = await make_opd(settings, "DISKOMINFO")
    photo = phone_photo()
    assert Image.open(io.BytesIO(photo)).getexif().get(0x0112) == 6
    # What `python -m services.ingest` runs with (tests/conftest.py): JSON lines at INFO.
    root = logging.getLogger()
    assert root.getEffectiveLevel() == logging.INFO
    json_handlers = [h for h in root.handlers if isinstance(h.formatter, JsonFormatter)]
    assert json_handlers
    async with ingest(settings) as client:
        response = await client.post("/v1/attachments", headers=opd.auth,
                                     files={"file": ("IMG_20261130.jpg", photo, "image/jpeg")})
        assert response.status_code == 201, response.text
        meta = response.json()
        served = await client.get(meta["url"].replace(settings.public_base_url, ""))
    stored = Image.open(io.BytesIO(served.content))
    assert stored.size == (3000, 4000) and not stored.getexif()  # upright, metadata gone
    [record] = [r for r in caplog.records if r.getMessage() == "attachment stored"]
    line = json.loads(json_handlers[0].format(record))
    assert (line["attachment_id"], line["new"], line["size"]) == (meta["id"], True, meta["size"])
