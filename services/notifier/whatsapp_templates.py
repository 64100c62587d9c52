"""The WhatsApp templates Warta sends (approved in Indonesian) and their parameter checks (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

LANGUAGE = "id"
# A body text parameter: no newlines or tabs, no more than four spaces in a row (Meta's rule).
# The approved bodies (in the comments below) neither start nor end with a variable: Meta's
# template review refuses those.
MAX_PARAMETER = 1024


class TemplateMismatch(ValueError):
    """The parameters do not fit the template: refused here, never sent (Meta: 132000)."""


@dataclass(frozen=True)
class Template:
    name: str
    category: str  # utility | authentication
    body_parameters: int

    def payload(self, parameters: Sequence[str]) -> dict[str, Any]:
        check(self, parameters)
        return {"name": self.name, "language": {"policy": "deterministic", "code": LANGUAGE},
                "components": [{"type": "body", "parameters": [
                    {"type": "text", "text": value} for value in parameters]}]}


TEMPLATES: dict[str, Template] = {t.name: t for t in (
    # "Kode konfirmasi Warta Anda: {{1}}. Jangan berikan kode ini kepada siapa pun."
    Template("kode_konfirmasi", "authentication", 1),
    # "Siaran pers {{1}}: {{2}}. Baca selengkapnya: {{3}} (Diskominfo)"
    Template("siaran_pers", "utility", 3),
    # "Undangan liputan dari {{1}}: {{2}} pada {{3}} di {{4}}. Konfirmasi kehadiran: {{5}} (hadir
    # atau tidak hadir)"
    # (a template of its own: an approved template's parameters cannot change; the link opens
    # the RSVP page, where the journalist presses hadir or tidak hadir)
    Template("undangan_liputan_rsvp", "utility", 5),
    # "Ralat siaran pers {{1}}: {{2}}. Versi terbaru: {{3}} (mohon perbarui berita Anda)"
    Template("ralat", "utility", 3),
    # "Siaran pers {{1}} berjudul {{2}} ditarik. Mohon tidak dipublikasikan."
    Template("penarikan_berita", "utility", 2),
    # For Warta's own users (chief editors, OPD contacts):
    # "Kanal {{1}} Warta kini {{2}} (sebelumnya {{3}}). Keterangan: {{4}}. Buka konsol: {{5}}
    # (Warta)"
    Template("kesehatan_kanal", "utility", 5),
    # "Laporan {{1}} dikembalikan untuk diperbaiki. Alasan: {{2}}. Buka konsol: {{3}} (Warta)"
    Template("laporan_dikembalikan", "utility", 3),
    # "Laporan {{1}} ditolak. Alasan: {{2}}. Buka konsol: {{3}} (Warta)"
    Template("laporan_ditolak", "utility", 3),
    # "Berita {{1}} telah terbit. Tautan: {{2}} (Warta)"
    Template("laporan_terbit", "utility", 2),
    # "Pengingat laporan bulanan {{1}}: {{2}} baru menerbitkan {{3}} dari target {{4}} berita."
    Template("kepatuhan_tertinggal", "utility", 4),
)}


def check(template: Template, parameters: Sequence[str]) -> None:
    if len(parameters) != template.body_parameters:
        raise TemplateMismatch(f"template {template.name} takes {template.body_parameters} "
                               f"body parameters, got {len(parameters)}")
    for index, value in enumerate(parameters, 1):
        if not isinstance(value, str) or not value.strip():
            raise TemplateMismatch(f"parameter {index} of {template.name} is empty")
        if len(value) > MAX_PARAMETER or "\n" in value or "\t" in value or "     " in value:
            raise TemplateMismatch(f"parameter {index} of {template.name} breaks Meta's rules")


def clean_parameter(text: str, limit: int = 200) -> str:
    """One line, runs of spaces collapsed, bounded: what a body parameter may hold."""
    return " ".join(text.split())[:limit]
