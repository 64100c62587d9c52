"""The OPD's report form, pure: its fields <-> ingest's ReportIn, checks with Indonesian errors."""

from __future__ import annotations

import html
import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from inscriptis import get_text  # type: ignore[import-untyped]

from services.console.domain import new_token
from shared.vocabulary import DEFAULT_ZONE, IANA_BY_LABEL, REPORT_CATEGORIES

PHOTO_FIELD = re.compile(r"^photos-(\d{1,3})-(id|caption|credit)$")
ATTACHMENT_ID = re.compile(r"^[a-f0-9]{32}$")
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
MAX_PHOTOS, CAPTION_MAX, CREDIT_MAX = 20, 300, 120
TEXT_FIELDS = ("title", "summary", "body", "activity_at", "zone", "location", "category", "tags")
LIMITS = {"title": (5, 200), "summary": (0, 1000), "body": (1, 100_000), "location": (2, 300)}
LABELS = {"title": "Judul", "summary": "Ringkasan", "body": "Isi laporan",
          "location": "Lokasi"}


def zone_of(label: str) -> str:
    return label if label in IANA_BY_LABEL else DEFAULT_ZONE.value


def activity_iso(local: str, zone: str) -> str | None:
    """`2026-12-01T10:00` typed in the OPD's zone -> ISO 8601 with its offset; None if bad."""
    try:
        moment = datetime.fromisoformat(local.strip())
    except ValueError:
        return None
    if moment.tzinfo is not None:
        return None
    return moment.replace(tzinfo=ZoneInfo(IANA_BY_LABEL[zone_of(zone)])).isoformat()


def local_input(iso: str, zone: str) -> str:
    """The value a `datetime-local` input shows for a stored moment, in the OPD's zone."""
    moment = datetime.fromisoformat(iso)
    return moment.astimezone(ZoneInfo(IANA_BY_LABEL[zone_of(zone)])).strftime("%Y-%m-%dT%H:%M")


def photos_of(form: dict[str, str]) -> list[dict[str, str]]:
    """`photos-N-id/caption/credit` fields, in N's order; a row without an id is dropped."""
    rows: dict[int, dict[str, str]] = {}
    for name, value in form.items():
        if matched := PHOTO_FIELD.match(name):
            rows.setdefault(int(matched.group(1)), {})[matched.group(2)] = value.strip()
    seen: set[str] = set()  # the same photo picked twice is one photo
    found: list[dict[str, str]] = []
    for _, row in sorted(rows.items()):
        if row.get("id") and row["id"] not in seen:
            seen.add(row["id"])
            found.append(row)
    return found


def body_html(text: str) -> str:
    """What was typed -> paragraphs (a blank line between them) with the text escaped."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n"))]
    return "".join("<p>{}</p>".format(html.escape(p).replace("\n", "<br>"))
                   for p in paragraphs if p)


def payload_of(form: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """ReportIn's JSON and the problems found before asking ingest (field -> message)."""
    errors: dict[str, str] = {}
    for name, (low, high) in LIMITS.items():
        length = len(form.get(name, "").strip())
        if length < low:
            errors[name] = f"{LABELS[name]} wajib diisi (minimal {low} karakter)."
        elif length > high:
            errors[name] = f"{LABELS[name]} terlalu panjang (maksimal {high} karakter)."
    activity = activity_iso(form.get("activity_at", ""), form.get("zone", ""))
    if activity is None:
        errors["activity_at"] = "Isi tanggal dan jam kegiatan."
    category = form.get("category", "")
    if category not in REPORT_CATEGORIES:
        errors["category"] = "Pilih kategori."
    tags = list(dict.fromkeys(t.strip() for t in form.get("tags", "").split(",") if t.strip()))
    if len(tags) > 20 or any(len(t) > 50 for t in tags):
        errors["tags"] = "Paling banyak 20 tag, masing-masing paling panjang 50 karakter."
    photos = photos_of(form)
    if len(photos) > MAX_PHOTOS or any(not ATTACHMENT_ID.match(p["id"]) for p in photos):
        errors["photos"] = f"Paling banyak {MAX_PHOTOS} foto; unggah ulang foto yang gagal."
    for index, photo in enumerate(photos):
        if len(photo.get("caption", "")) > CAPTION_MAX:
            errors[f"photos.{index}.caption"] = f"Keterangan paling panjang {CAPTION_MAX} karakter."
        if len(photo.get("credit", "")) > CREDIT_MAX:
            errors[f"photos.{index}.credit"] = f"Kredit paling panjang {CREDIT_MAX} karakter."
    summary = form.get("summary", "").strip()
    payload: dict[str, Any] = {
        "title": form.get("title", "").strip(), "body": body_html(form.get("body", "")),
        "summary": summary or None, "activity_at": activity,
        "location": form.get("location", "").strip(), "category": category, "tags": tags,
        "photos": [{"attachment_id": p["id"], "caption": p.get("caption") or None,
                    "credit": p.get("credit") or None} for p in photos]}
    return payload, errors


def idempotency_key(given: str | None) -> str:
    """The device's key when it sent a well-formed one; else a new one (a form without JS
    carries the one the server put in its hidden field)."""
    return given if given and IDEMPOTENCY_KEY.match(given) else new_token()


def form_of_report(report: dict[str, Any], zone: str) -> dict[str, str]:
    """A stored report as the amend form's fields (the body back to plain paragraphs)."""
    form = {"title": report["title"], "summary": report.get("summary") or "",
            "body": get_text(report.get("body_html") or "").strip(),
            "activity_at": local_input(report["activity_at"], zone), "zone": zone_of(zone),
            "location": report["location"], "category": report["category"],
            "tags": ", ".join(report.get("tags", []))}
    # Every attachment, with the texts of those that have one: `photos` lists only the
    # captioned ones, and an amend sends the whole list (a missing photo would be dropped).
    texts = {p["attachment_id"]: p for p in report.get("photos") or []}
    for index, attachment in enumerate(report.get("attachments") or []):
        photo = texts.get(attachment["id"], {})
        form[f"photos-{index}-id"] = attachment["id"]
        form[f"photos-{index}-caption"] = photo.get("caption") or ""
        form[f"photos-{index}-credit"] = photo.get("credit") or ""
    return form


def answer_status(api_status: int) -> int:
    """The page's status for an API refusal. A refusal (4xx) is final and shown at once; only
    an unreachable or failing service becomes 503, which laporan.js retries with the same key
    (a 400 or 401 retried seven times only made the person wait 1.5 min for the same answer)."""
    return api_status if 400 <= api_status < 500 else 503
