"""The OPD's report form, pure: fields -> ReportIn, local time with the OPD's zone, photos."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from services.console import report_form

FORM = {"title": "Posyandu keliling di Tamalate", "summary": "", "body": "Satu.\n\nDua <b>",
        "activity_at": "2026-12-01T09:30", "zone": "WITA", "location": "Tamalate",
        "category": "kesehatan", "tags": "posyandu, balita, posyandu"}


def test_a_complete_form_becomes_the_report_ingest_takes() -> None:
    payload, errors = report_form.payload_of({
        **FORM, "photos-1-id": "b" * 32, "photos-1-caption": "Kader menimbang",
        "photos-1-credit": "Humas Diskes", "photos-0-id": "a" * 32})
    assert errors == {}
    assert payload["activity_at"] == "2026-12-01T09:30:00+08:00"  # WITA, not the server's zone
    assert payload["body"] == "<p>Satu.</p><p>Dua &lt;b&gt;</p>"  # typed text, escaped
    assert payload["summary"] is None
    assert payload["tags"] == ["posyandu", "balita"]
    assert payload["photos"] == [
        {"attachment_id": "a" * 32, "caption": None, "credit": None},
        {"attachment_id": "b" * 32, "caption": "Kader menimbang", "credit": "Humas Diskes"}]


def test_each_problem_is_named_by_its_field_in_indonesian() -> None:
    _, errors = report_form.payload_of({
        "title": "abc", "body": " ", "activity_at": "kemarin", "location": "x",
        "category": "gosip", "photos-0-id": "a" * 32, "photos-0-caption": "k" * 301})
    assert set(errors) == {"title", "body", "activity_at", "location", "category",
                           "photos.0.caption"}
    assert errors["title"].startswith("Judul wajib diisi")


def test_the_same_photo_picked_twice_is_sent_once_and_a_bad_id_is_refused() -> None:
    payload, errors = report_form.payload_of({**FORM, "photos-0-id": "a" * 32,
                                              "photos-5-id": "a" * 32})
    assert [p["attachment_id"] for p in payload["photos"]] == ["a" * 32]
    _, errors = report_form.payload_of({**FORM, "photos-0-id": "../etc"})
    assert "photos" in errors


def test_the_device_key_is_kept_when_well_formed_else_a_new_one() -> None:
    key = "0f8e4c1a-2b3c-4d5e-8f90-a1b2c3d4e5f6"
    assert report_form.idempotency_key(key) == key
    made = report_form.idempotency_key("a b")
    assert made != "a b" and report_form.IDEMPOTENCY_KEY.match(made)
    assert report_form.idempotency_key(None) != report_form.idempotency_key(None)


def test_a_stored_report_fills_the_amend_form_in_the_opds_zone() -> None:
    report = {"title": "Judul laporan", "summary": None, "body_html": "<p>Satu.</p><p>Dua</p>",
              "activity_at": "2026-12-01T01:30:00Z", "location": "Tamalate",
              "category": "kesehatan", "tags": ["a", "b"],
              "attachments": [{"id": "c" * 32}],
              "photos": [{"attachment_id": "c" * 32, "caption": "Foto", "credit": None}]}
    form = report_form.form_of_report(report, "WIT")
    assert form["activity_at"] == "2026-12-01T10:30"  # +09:00
    assert form["tags"] == "a, b" and "Satu." in form["body"] and "Dua" in form["body"]
    assert (form["photos-0-id"], form["photos-0-caption"]) == ("c" * 32, "Foto")
    payload, errors = report_form.payload_of(form)
    assert errors == {} and payload["activity_at"] == "2026-12-01T10:30:00+09:00"


def test_amending_keeps_the_photos_without_a_caption() -> None:
    """`photos` lists only captioned attachments; the amend sends the whole list, so the form
    must carry every attachment (two of three photos were dropped by a typo fix)."""
    ids = ["a" * 32, "b" * 32, "c" * 32]
    report = {"title": "Judul laporan", "summary": None, "body_html": "<p>Satu.</p>",
              "activity_at": "2026-12-01T01:30:00Z", "location": "Tamalate",
              "category": "kesehatan", "tags": [], "attachments": [{"id": i} for i in ids],
              "photos": [{"attachment_id": ids[1], "caption": "Kader", "credit": "Humas"}]}
    form = report_form.form_of_report(report, "WITA")
    payload, errors = report_form.payload_of(form)
    assert errors == {}
    sent = [(p["attachment_id"], p.get("caption")) for p in payload["photos"]]
    assert sent == [(ids[0], None), (ids[1], "Kader"), (ids[2], None)]


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
       st.sampled_from(["WIB", "WITA", "WIT"]))
def test_local_time_round_trips_through_the_zone(moment: datetime, zone: str) -> None:
    typed = moment.strftime("%Y-%m-%dT%H:%M")
    iso = report_form.activity_iso(typed, zone)
    assert iso is not None
    assert report_form.local_input(iso, zone) == typed
    assert datetime.fromisoformat(iso).astimezone(UTC).tzinfo is UTC


def test_an_unknown_zone_falls_back_to_wib_and_a_zoned_input_is_refused() -> None:
    assert report_form.activity_iso("2026-12-01T09:30", "Mars") == "2026-12-01T09:30:00+07:00"
    assert report_form.activity_iso("2026-12-01T09:30+08:00", "WITA") is None


def test_the_opds_zone_from_its_token_becomes_the_forms_label() -> None:
    from services.console.opd_desk import zone_label
    assert [zone_label(z) for z in ("Asia/Makassar", "Asia/Jayapura", "Asia/Jakarta", "")] == [
        "WITA", "WIT", "WIB", ""]


def test_only_a_failing_service_is_answered_as_one_the_script_retries() -> None:
    retried = range(502, 505)  # laporan.js retries these with the same Idempotency-Key
    assert [report_form.answer_status(s) in retried for s in (400, 401, 403, 409, 422, 429)] \
        == [False] * 6
    assert [report_form.answer_status(s) for s in (500, 503, 504)] == [503, 503, 503]
