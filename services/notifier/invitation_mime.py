"""The calendar file of an invitation email as a MIME part beside its text and HTML (RFC 6047)."""

from __future__ import annotations

import binascii


def with_calendar(boundary: str, alternative: str, body: bytes, ics: bytes) -> bytes:
    """RFC 6047: the text and HTML, then the .ics naming its METHOD (REQUEST or CANCEL)."""
    method, mixed = "CANCEL" if b"METHOD:CANCEL" in ics else "REQUEST", mixed_boundary(boundary)
    encoded = binascii.b2a_base64(ics, newline=False)
    lines = b"\r\n".join(encoded[i:i + 76] for i in range(0, len(encoded), 76))
    return b"".join([
        f"--{mixed}\r\nContent-Type: {alternative}\r\n\r\n".encode(), body,
        f"--{mixed}\r\nContent-Type: text/calendar; charset=\"utf-8\"; method={method}; "
        'name="undangan.ics"\r\nContent-Disposition: attachment; filename="undangan.ics"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n".encode(), lines,
        f"\r\n--{mixed}--\r\n".encode()])


def mixed_boundary(boundary: str) -> str:
    """The outer boundary: neither it nor the inner one is a prefix of the other."""
    return boundary.replace("=_warta_", "=_warta_m_", 1)
