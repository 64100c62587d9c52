"""12-megapixel camera JPEGs for the photo benchmark, made with Pillow: megabytes, with EXIF.

Sensor-like noise in two channels and a gradient in the third make a JPEG of ~4 MB at quality
92, as a phone's is; the EXIF is what a phone writes (make, model, orientation 6, capture time,
GPS). Every upload must be a different file (ingest answers 200, not 201, to an OPD sending the
same bytes twice), so variants differ only in a counter inside the EXIF description: the same
pixels, a different file.
"""

from __future__ import annotations

import io

from PIL import Image

WIDTH, HEIGHT = 4000, 3000
COUNTER = b"000000"  # replaced in each variant's bytes


def camera_photo(seed: int) -> bytes:
    grain = WIDTH // 4, HEIGHT // 4
    red = Image.effect_noise(grain, 40 + seed % 16).resize((WIDTH, HEIGHT))
    blue = Image.effect_noise(grain, 48).resize((WIDTH, HEIGHT))
    green = Image.linear_gradient("L").rotate(seed * 37 % 360).resize((WIDTH, HEIGHT))
    photo = Image.merge("RGB", (red, green, blue))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "KameraHumas", "HP-12MP"  # Make, Model
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise when shown
    exif[0x0132] = f"2026:11:30 09:{seed % 60:02d}:00"  # DateTime
    exif[0x010E] = f"Warta bench photo {seed} #{COUNTER.decode()}"  # ImageDescription
    exif[0x8825] = {1: "S", 2: (5.0, 8.0, 0.0), 3: "E", 4: (119.0, 25.0, 0.0)}  # GPS IFD
    out = io.BytesIO()
    photo.save(out, format="JPEG", quality=92, exif=exif.tobytes())
    return out.getvalue()


def variants(bases: list[bytes], count: int) -> list[bytes]:
    """`count` distinct files, cycling over `bases`."""
    out = []
    for n in range(count):
        base = bases[n % len(bases)]
        at = base.index(COUNTER)
        out.append(base[:at] + f"{n:06d}".encode() + base[at + len(COUNTER):])
    return out
