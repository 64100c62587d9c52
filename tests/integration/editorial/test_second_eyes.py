"""The second pair of eyes: whoever last changed the content does not approve it alone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import Infra
from tests.integration.editorial.desk_support import Desk, desk


@pytest.fixture(scope="module")
def office(real_infra: Infra) -> Iterator[Desk]:
    with desk(real_infra) as running:
        yield running


def edited_by_chief(office: Desk) -> str:
    article = office.seed()
    path = f"/v1/articles/{article}"
    office.call("test-chief_editor", "POST", f"{path}/claim")
    edited = office.call("test-chief_editor", "PATCH", path,
                         json={"summary": "Ringkasan dari redaktur pelaksana"}, if_match=1)
    assert edited.status_code == 200, edited.text
    assert edited.json()["content_changed_by"] == "test-chief_editor"
    return article


def test_the_last_to_change_the_content_cannot_approve_it(office: Desk) -> None:
    article = edited_by_chief(office)
    path = f"/v1/articles/{article}"
    refused = office.call("test-chief_editor", "POST", f"{path}/approve",
                          json={"channels": ["feed"]})
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "second_eyes_required"
    assert error["details"] == {"last_changed_by": "test-chief_editor"}
    assert office.call("test-chief_editor", "GET", path).json()["status"] == "in_review"
    office.call("test-chief_editor", "POST", f"{path}/ready")
    other = office.call("test-chief2", "POST", f"{path}/approve", json={"channels": ["feed"]})
    assert other.status_code == 200, other.text
    assert other.json()["approved_by"] == "test-chief2"
    assert other.json()["second_eyes_override"] is None


def test_a_photo_caption_counts_as_a_change_of_content(office: Desk) -> None:
    article = office.seed(attachments=[{"id": "f1", "url": "http://x.example/f1",
                                        "content_type": "image/jpeg", "size": 1, "sha256": "0"}])
    path = f"/v1/articles/{article}"
    office.call("test-chief_editor", "POST", f"{path}/claim")
    changed = office.call("test-chief_editor", "PATCH", f"{path}/photos",
                          json={"photos": [{"id": "f1", "credit": "Humas Dishub"}]}, if_match=1)
    assert changed.status_code == 200, changed.text
    refused = office.call("test-chief_editor", "POST", f"{path}/approve",
                          json={"channels": ["feed"]})
    assert refused.json()["error"]["code"] == "second_eyes_required"


def test_a_chief_editor_may_override_with_a_reason_which_is_recorded(office: Desk) -> None:
    article = edited_by_chief(office)
    path = f"/v1/articles/{article}"
    approved = office.call("test-chief_editor", "POST", f"{path}/approve", json={
        "channels": ["feed"], "override_reason": "Hanya salah ketik; redaktur lain cuti"})
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert body["second_eyes_override"]["by"] == "test-chief_editor"
    assert body["second_eyes_override"]["reason"] == "Hanya salah ketik; redaktur lain cuti"
    assert "Hanya salah ketik" in body["history"][-1]["note"]


def test_the_rule_can_be_switched_off_for_the_whole_office(real_infra: Infra) -> None:
    with desk(real_infra, editorial_second_eyes=False) as office:
        article = edited_by_chief(office)
        approved = office.call("test-chief_editor", "POST", f"/v1/articles/{article}/approve",
                               json={"channels": ["feed"]})
        assert approved.status_code == 200, approved.text
