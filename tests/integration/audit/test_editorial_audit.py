"""Editorial's acts in the unified audit trail: who, what, when, from where, versions; CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from shared.envelope import utcnow
from tests.conftest import Infra
from tests.integration.audit.support import CHIEF, awaited, records
from tests.integration.editorial.desk_support import Desk, desk

CLIENT = "203.0.113.7"
AGENT = "KonsolRedaksi/1.0"


@pytest.fixture(scope="module")
def office(real_infra: Infra) -> Iterator[Desk]:
    with desk(real_infra) as running:  # the test client's peer is loopback: a trusted proxy
        yield running


def via_proxy(office: Desk, who: str, method: str, path: str, json: object = None
              ) -> httpx.Response:
    headers = office.headers(who, **{"X-Forwarded-For": f"{CLIENT}, 127.0.0.1",
                                     "User-Agent": AGENT})
    return httpx.request(method, office.url + path, json=json, headers=headers, timeout=15)


def test_article_decisions_are_recorded_with_versions_and_origin(office: Desk) -> None:
    article = office.seed()
    path = f"/v1/articles/{article}"
    claimed = via_proxy(office, CHIEF, "POST", f"{path}/claim")
    assert claimed.status_code == 200, claimed.text
    commented = via_proxy(office, "test-editor", "POST", f"{path}/comments",
                          {"text": "Foto kurang tajam"})
    assert commented.status_code == 201, commented.text
    approved = via_proxy(office, CHIEF, "POST", f"{path}/approve", {"channels": ["feed"]})
    assert approved.status_code == 200, approved.text

    record = awaited(office, "article.approve", article_id=article)
    assert record["actor"] == CHIEF and record["actor_role"] == "chief_editor"
    assert record["client_ip"] == CLIENT and record["user_agent"] == AGENT
    assert record["service"] == "editorial" and record["target_id"] == article
    assert record["version_after"] == approved.json()["version"]
    assert record["version_before"] == claimed.json()["version"]
    claim = awaited(office, "article.claim", article_id=article)
    assert (claim["version_before"], claim["version_after"]) == (1, claimed.json()["version"])
    assert awaited(office, "article.comment", article_id=article)["actor"] == "test-editor"
    assert [r["action"] for r in records(office, article_id=article)] == [
        "article.claim", "article.comment", "article.approve"]


def test_content_edits_and_restores_are_recorded_with_content_versions(office: Desk) -> None:
    article = office.seed()
    path = f"/v1/articles/{article}"
    assert via_proxy(office, "test-editor", "POST", f"{path}/claim").status_code == 200
    headers = {"If-Match": "1"}
    edited = httpx.patch(office.url + path, json={"headline": "Judul yang diperbaiki"},
                         headers={**office.headers("test-editor"), **headers}, timeout=15)
    assert edited.status_code == 200, edited.text
    record = awaited(office, "article.edit", article_id=article)
    assert record["actor"] == "test-editor" and record["details"]["fields"] == "headline"
    assert (record["version_before"], record["version_after"]) == (1, 2)
    restored = via_proxy(office, "test-editor", "POST", f"{path}/versions/1/restore")
    assert restored.status_code == 428, restored.text  # the content version is required
    restored = httpx.post(office.url + f"{path}/versions/1/restore", timeout=15,
                          headers={**office.headers("test-editor"), "If-Match": "2"})
    assert restored.status_code == 200, restored.text
    again = awaited(office, "article.restore", article_id=article)
    assert (again["version_before"], again["version_after"]) == (2, 3)
    assert again["details"]["restored"] == "1"


def test_account_acts_and_logins_are_recorded(office: Desk) -> None:
    made = via_proxy(office, "test-admin", "POST", "/v1/admin/accounts", {
        "username": "audit-baru", "name": "Akun Baru", "email": "baru@diskominfo.example",
        "role": "editor", "password": "kata-sandi-yang-panjang-sekali"})
    assert made.status_code == 201, made.text
    created = awaited(office, "account.create", actor="test-admin")
    assert (created["target_id"], created["version_after"]) == ("audit-baru", 1)
    assert created["client_ip"] == CLIENT
    disabled = via_proxy(office, "test-admin", "POST", "/v1/admin/accounts/audit-baru/disable",
                         {"reason": "Pindah tugas"})
    assert disabled.status_code == 200, disabled.text
    record = awaited(office, "account.disable", actor="test-admin")
    assert (record["version_before"], record["version_after"]) == (1, 2)
    assert record["details"]["reason"] == "Pindah tugas"

    wrong = httpx.post(office.url + "/v1/auth/token", timeout=15,
                       data={"username": "test-editor2", "password": "salah"})
    assert wrong.status_code == 401
    refused = awaited(office, "login", actor="test-editor2")
    assert refused["outcome"] == "refused"


def test_queries_by_time_page_with_cursors_and_export_csv(office: Desk) -> None:
    start = utcnow()
    article = office.seed()
    assert office.call(CHIEF, "POST", f"/v1/articles/{article}/claim").status_code == 200
    awaited(office, "article.claim", article_id=article)
    later = (utcnow() + timedelta(seconds=5)).isoformat()
    assert article in {r["article_id"] for r in records(office, **{"from": start.isoformat()})}
    assert records(office, **{"from": later}) == []
    assert article not in {r["article_id"] for r in records(office, to=start.isoformat())}

    every = records(office)  # two a page: the cursor walks them all, oldest first, once each
    assert len(every) == len({r["record_id"] for r in every}) >= 2
    assert [r["at"] for r in every] == sorted(r["at"] for r in every)

    exported = httpx.get(office.url + "/v1/audit.csv", params={"actor": CHIEF}, timeout=15,
                         headers=office.headers(CHIEF))
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert {r["actor"] for r in rows} == {CHIEF}
    assert article in {r["article_id"] for r in rows}
    assert office.call("test-editor", "GET", "/v1/audit").status_code == 403

