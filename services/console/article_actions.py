"""The desk's further decisions through the APIs: reject, schedule, correct, take down, retry."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from services.console.desk import Desk
from services.console.domain import ApiRefusal, Session
from shared.vocabulary import CHANNELS, IANA_BY_LABEL, ZoneLabel

# Where each form is offered (editorial's state machine decides; these only hide what it
# would refuse anyway). Roles: each of these needs a chief editor (editorial's ROLE_FOR,
# publisher's retry).
REJECTABLE = ("submitted", "in_review")
SCHEDULABLE = ("in_review",)
RESCHEDULABLE = ("scheduled",)
CORRECTABLE = ("published", "corrected")
TAKEABLE_DOWN = ("approved", "scheduled", "published", "corrected")
RETRYABLE = ("failed", "dead", "needs_review")
PUBLICATION_STATES = {
    "pending": "Menunggu dikirim", "scheduled": "Terjadwal", "published": "Terbit",
    "failed": "Gagal, akan dicoba lagi", "dead": "Gagal, berhenti mencoba",
    "taken_down": "Diturunkan", "needs_review": "Perlu diperiksa", "cancelled": "Dibatalkan"}
ZONE_LABELS = tuple(z.value for z in ZoneLabel)


def refused(field: str, message: str) -> ApiRefusal:
    """A refusal of the console's own, shown beside `field` like an API's."""
    return ApiRefusal(422, "validation_error", message, [{"field": field, "message": message}])


def local_moment(day: str, clock: str, zone: str, now: datetime) -> datetime:
    """The form's date, time and WIB/WITA/WIT as an aware moment, in the future. Editorial
    publishes at once an approval whose moment has passed, so a slip of the date is refused
    here rather than published early."""
    if zone not in IANA_BY_LABEL:
        raise refused("publish_zone", "Pilih zona waktu WIB, WITA atau WIT.")
    try:
        on = date.fromisoformat(day.strip())
    except ValueError:
        raise refused("publish_date", "Isi tanggal terbit (hari, bulan, tahun).") from None
    try:
        at = time.fromisoformat(clock.strip())
    except ValueError:
        raise refused("publish_time", "Isi jam terbit, misalnya 09:00.") from None
    moment = datetime.combine(on, at.replace(second=0, microsecond=0),
                              tzinfo=ZoneInfo(IANA_BY_LABEL[zone]))
    if moment <= now:
        raise refused("publish_date", "Waktu terbit sudah lewat; pilih waktu yang akan datang.")
    return moment


def renamed(refusal: ApiRefusal, names: dict[str, str]) -> ApiRefusal:
    """The API's field names as this form's (its `reason` is the reject form's
    `reject_reason`), so the message lands beside the right box."""
    refusal.fields = {names.get(k, k): v for k, v in refusal.fields.items()}
    return refusal


async def call(desk: Desk, session: Session, names: dict[str, str], method: str, path: str,
               **options: Any) -> Any:
    try:
        return await desk.api(session, method, path, **options)
    except ApiRefusal as refusal:
        raise renamed(refusal, names) from None


def _reason(form: dict[str, str], field: str, what: str) -> str:
    reason = form.get(field, "").strip()
    if not reason:
        raise refused(field, f"Tulis alasan {what}.")
    return reason


async def perform(desk: Desk, session: Session, article_id: str, action: str,
                  form: dict[str, str], *, now: datetime | None = None) -> str:
    """One of the article page's further forms through the API; the notice to show after."""
    path, moment = f"/v1/articles/{article_id}", now or datetime.now(UTC)
    if action == "tolak":
        reason = _reason(form, "reject_reason", "penolakan")
        await call(desk, session, {"reason": "reject_reason"}, "POST", f"{path}/reject",
                   json={"reason": reason})
        return "ditolak"
    if action == "jadwal":
        chosen = [c for c in CHANNELS if form.get(f"sched_channel_{c}") == "on"]
        if not chosen:
            raise refused("sched_channels", "Pilih minimal satu kanal.")
        publish_at = local_moment(form.get("publish_date", ""), form.get("publish_time", ""),
                                  form.get("publish_zone", ""), moment)
        body: dict[str, Any] = {"channels": chosen, "publish_at": publish_at.isoformat()}
        if form.get("sched_override_reason", "").strip():
            body["override_reason"] = form["sched_override_reason"].strip()
        done = await call(desk, session, {"publish_at": "publish_date",
                                          "override_reason": "sched_override_reason"},
                          "POST", f"{path}/approve", json=body)
        warned = isinstance(done, dict) and done.get("warnings")
        return "dijadwalkan_kanal" if warned else "dijadwalkan"
    if action == "jadwal-ulang":
        publish_at = local_moment(form.get("publish_date", ""), form.get("publish_time", ""),
                                  form.get("publish_zone", ""), moment)
        await call(desk, session, {"publish_at": "publish_date"}, "PUT", f"{path}/embargo",
                   json={"publish_at": publish_at.isoformat()})
        return "jadwal_diubah"
    if action == "batal-jadwal":
        reason = _reason(form, "cancel_reason", "pembatalan jadwal")
        await call(desk, session, {"reason": "cancel_reason"}, "POST", f"{path}/embargo/cancel",
                   json={"reason": reason})
        return "jadwal_batal"
    if action == "turunkan":
        reason = _reason(form, "takedown_reason", "penurunan")
        await call(desk, session, {"reason": "takedown_reason"}, "POST", f"{path}/take-down",
                   json={"reason": reason})
        return "diturunkan"
    if action == "koreksi":
        note = _reason(form, "correction_note", "koreksi (catatan untuk pembaca)")
        await call(desk, session, {}, "POST", f"{path}/correct", json={
            "headline": form.get("headline", ""), "summary": form.get("summary", ""),
            "body_html": form.get("body_html", ""), "correction_note": note})
        return "dikoreksi"
    raise ApiRefusal(404, "not_found", "Tindakan tidak dikenal.")


async def publications(desk: Desk, session: Session, article_id: str) -> list[dict[str, Any]]:
    found = await desk.api(session, "GET", "/v1/publications",
                           params={"article_id": article_id})
    items = list(found.get("items") or []) if isinstance(found, dict) else []
    return sorted(items, key=lambda p: CHANNELS.index(p["channel"])
                  if p.get("channel") in CHANNELS else len(CHANNELS))


async def retry(desk: Desk, session: Session, publication_id: str) -> None:
    """The publisher's refusals of a retry say it in English; the desk reads Indonesian."""
    try:
        await desk.api(session, "POST", f"/v1/publications/{publication_id}/retry")
    except ApiRefusal as refusal:
        if refusal.code == "invalid_state":
            state = (refusal.details or {}).get("state", "") if isinstance(
                refusal.details, dict) else ""
            raise ApiRefusal(409, refusal.code, "Hanya publikasi yang gagal atau perlu "
                             "diperiksa yang dapat dikirim ulang; publikasi ini "
                             f"{PUBLICATION_STATES.get(state, state).lower()}.") from None
        if refusal.code == "not_found":
            raise ApiRefusal(404, refusal.code, "Publikasi ini tidak ada.") from None
        raise
