"""Chief-editor and admin forms: who may open a page, form fields -> API bodies, refusals in
Indonesian beside their field."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from fastapi import Request

from services.console.desk import Desk
from services.console.domain import ApiRefusal, Session, at_least
from shared.vocabulary import zone_of

ROLE_NAMES = {"chief_editor": "redaktur pelaksana dan admin", "admin": "admin"}
OPD_FIELDS = ("name", "region", "timezone", "email", "phone", "contact_name", "monthly_target")
ACCOUNT_ROLES = ("editor", "chief_editor", "admin")
# The APIs' refusals that have English messages or no field of their own: (field, message).
KNOWN = {
    "opd_exists": ("code", "Kode OPD ini sudah terdaftar."),
    "too_many_keys": ("", "OPD ini sudah memiliki dua kunci aktif; cabut salah satu dulu."),
    "account_exists": ("username", "Nama pengguna ini sudah dipakai."),
    "username_taken": ("username", "Nama pengguna ini sudah dipakai."),
    "not_found": ("", "Data yang diminta tidak ditemukan (mungkin sudah dihapus)."),
    "validation_error": ("", "Periksa isian yang ditandai."),
    "bad_cursor": ("", "Halaman lanjutan tidak dikenal; mulai lagi dari halaman pertama."),
}
CONFLICTS = {
    "An admin cannot disable their own account.": "Admin tidak dapat menonaktifkan akunnya "
                                                  "sendiri.",
    "An admin cannot change their own role.": "Admin tidak dapat mengubah perannya sendiri.",
}
CHANGED_MEANWHILE = "Data berubah sementara Anda mengisi; muat ulang halaman lalu coba lagi."


async def signed_in_as(desk: Desk, request: Request, role: str) -> Session:
    """The session, when its role may open the page; else the API's kind of refusal, shown."""
    session = await desk.session(request)
    if not at_least(session.role, role):
        raise ApiRefusal(403, "forbidden", f"Halaman ini hanya untuk {ROLE_NAMES[role]}.")
    return session


def explained(refusal: ApiRefusal) -> tuple[dict[str, str], str]:
    """The messages per field, and the one for the top of the form (Indonesian)."""
    fields = dict(refusal.fields)
    field, message = KNOWN.get(refusal.code, ("", refusal.message))
    if refusal.code == "conflict":
        message = CONFLICTS.get(refusal.message, CHANGED_MEANWHILE)
    if field:
        fields.setdefault(field, message)
    return fields, message


def _text(form: dict[str, str], name: str) -> str | None:
    value = form.get(name, "").strip()
    return value or None


def _number(form: dict[str, str], name: str) -> int | str | None:
    """A number the API checks; what is not one goes as typed so the API says so."""
    value = _text(form, name)
    return int(value) if value is not None and value.isdigit() else value


def opd_body(form: dict[str, str], *, new: bool) -> dict[str, Any]:
    """Fields left empty are not sent: the API keeps (or defaults) them."""
    names = ("code", *OPD_FIELDS) if new else OPD_FIELDS
    body = {name: _number(form, name) if name == "monthly_target" else _text(form, name)
            for name in names}
    if new and body.get("code"):
        body["code"] = str(body["code"]).upper()
    return {k: v for k, v in body.items() if v is not None}


def account_body(form: dict[str, str]) -> dict[str, Any]:
    body = {name: _text(form, name) for name in ("username", "name", "email", "phone")}
    body["password"] = form.get("password", "")
    body["role"] = form.get("role", "editor")
    return {k: v for k, v in body.items() if v is not None}


def opd_user_body(form: dict[str, str]) -> dict[str, Any]:
    """The user form's `user_*` fields; no password: ingest mails a link to set one."""
    body = {name: _text(form, f"user_{name}") for name in ("username", "name", "email")}
    password = form.get("user_password", "")
    return {k: v for k, v in {**body, "password": password or None}.items() if v is not None}


def audit_params(query: dict[str, str], zone: str) -> tuple[dict[str, str], dict[str, str]]:
    """The audit API's filters from the page's (dates are whole days in `zone`, `to`
    included), and the messages of dates that are not dates."""
    params = {k: query[k].strip() for k in ("article_id", "actor", "cursor")
              if query.get(k, "").strip()}
    errors: dict[str, str] = {}
    tz, _ = zone_of(zone)
    for name, extra in (("from", 0), ("to", 1)):
        raw = query.get(name, "").strip()
        if not raw:
            continue
        try:
            day = date.fromisoformat(raw) + timedelta(days=extra)
        except ValueError:
            errors[name] = "Tanggal tidak valid; gunakan pemilih tanggal (TTTT-BB-HH)."
            continue
        params[name] = datetime.combine(day, time(), tz).isoformat()
    return params, errors
