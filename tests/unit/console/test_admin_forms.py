"""The admin forms' rules: bodies sent to the APIs, refusals in Indonesian beside their field,
the audit filters' days, and a new key sealed to its session."""

from __future__ import annotations

from services.console.admin_forms import (
    account_body,
    audit_params,
    explained,
    opd_body,
    opd_user_body,
)
from services.console.domain import ApiRefusal
from services.console.key_reveal import seal, unseal


def test_a_taken_opd_code_is_said_in_indonesian_beside_the_code() -> None:
    fields, message = explained(ApiRefusal(409, "opd_exists", "An OPD with code 'X' exists."))
    assert fields == {"code": "Kode OPD ini sudah terdaftar."}
    assert message == "Kode OPD ini sudah terdaftar."


def test_a_validation_refusal_keeps_each_field_and_a_summary() -> None:
    refusal = ApiRefusal(422, "validation_error", "Fix these fields: body.password", [
        {"field": "body.password", "problem": "String should have at least 12 characters"}])
    fields, message = explained(refusal)
    assert fields["password"].startswith("Terlalu pendek")
    assert message == "Periksa isian yang ditandai."


def test_an_admins_own_role_conflict_is_translated() -> None:
    _, message = explained(ApiRefusal(409, "conflict", "An admin cannot change their own role."))
    assert message == "Admin tidak dapat mengubah perannya sendiri."


def test_an_opd_body_sends_only_what_was_filled_and_the_target_as_a_number() -> None:
    form = {"code": "dinsos-mks", "name": "Dinas Sosial", "region": "Kota Makassar",
            "timezone": "WITA", "email": " ", "monthly_target": "12", "csrf": "x"}
    assert opd_body(form, new=True) == {"code": "DINSOS-MKS", "name": "Dinas Sosial",
                                        "region": "Kota Makassar", "timezone": "WITA",
                                        "monthly_target": 12}
    assert opd_body({"monthly_target": "dua"}, new=False) == {"monthly_target": "dua"}


def test_an_account_body_carries_the_role_and_the_password_as_typed() -> None:
    body = account_body({"username": "redaktur9", "name": "Sari", "email": "s@x.go.id",
                         "phone": "", "role": "chief_editor", "password": " sandi "})
    assert body == {"username": "redaktur9", "name": "Sari", "email": "s@x.go.id",
                    "role": "chief_editor", "password": " sandi "}


def test_a_pranata_humas_without_a_password_is_sent_without_one() -> None:
    form = {"user_username": "humas.dinkes", "user_name": "Humas", "user_email": "h@x.go.id",
            "user_password": "", "name": "Dinas Kesehatan"}
    assert opd_user_body(form) == {"username": "humas.dinkes", "name": "Humas",
                                   "email": "h@x.go.id"}
    assert opd_user_body({**form, "user_password": "sandi-humas-1"})["password"] == \
        "sandi-humas-1"


def test_audit_days_are_whole_days_in_the_zone_with_the_last_day_included() -> None:
    params, errors = audit_params({"from": "2026-11-01", "to": "2026-11-30", "actor": " a ",
                                   "article_id": ""}, "WITA")
    assert errors == {}
    assert params == {"actor": "a", "from": "2026-11-01T00:00:00+08:00",
                      "to": "2026-12-01T00:00:00+08:00"}
    _, errors = audit_params({"from": "kemarin"}, "WIB")
    assert set(errors) == {"from"}


def test_a_sealed_key_opens_only_with_its_session_and_reveal() -> None:
    sealed = seal("wrt_rahasia", "sesi-1", "tampil-1")
    assert "wrt_rahasia" not in sealed
    assert unseal(sealed, "sesi-1", "tampil-1") == "wrt_rahasia"
    assert unseal(sealed, "sesi-2", "tampil-1") is None
    assert unseal(sealed, "sesi-1", "tampil-2") is None
