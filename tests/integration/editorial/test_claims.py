"""Claims that lock, on the real database: one holder, expiry, take-over, comments apart."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from datetime import timedelta

import pytest

from services.editorial.claims import ClaimHeld
from services.editorial.handlers import Decisions
from services.editorial.repository import ArticleRepository
from shared.auth import Principal
from shared.envelope import utcnow
from shared.mongo import MongoHandle
from tests.conftest import Infra
from tests.integration.editorial.desk_support import Desk, desk


@pytest.fixture(scope="module")
def office(real_infra: Infra) -> Iterator[Desk]:
    with desk(real_infra) as running:
        yield running


def test_a_claim_holds_the_article_for_one_editor(office: Desk) -> None:
    article = office.seed()
    path = f"/v1/articles/{article}"
    claimed = office.call("test-editor", "POST", f"{path}/claim")
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["claim"]["by"] == "test-editor"
    version = claimed.json()["content_version"]

    for method, route, body in (("POST", "/claim", None),
                                ("PATCH", "", {"headline": "Judul dari editor lain"}),
                                ("POST", "/ready", None),
                                ("POST", "/request-revision", {"reason": "Lengkapi"})):
        refused = office.call("test-editor2", method, path + route, json=body,
                              if_match=version)
        assert refused.status_code == 409, (route, refused.text)
        error = refused.json()["error"]
        assert error["code"] == "claim_held"
        assert error["details"]["holder"] == "test-editor"
        assert "test-editor" in error["message"] and "sampai" in error["message"]
    approving = office.call("test-chief_editor", "POST", f"{path}/approve",
                            json={"channels": ["feed"]})
    assert approving.status_code == 409 and approving.json()["error"]["code"] == "claim_held"

    assert office.call("test-editor2", "GET", path).status_code == 200
    comment = office.call("test-editor2", "POST", f"{path}/comments", json={"text": "Cek nama"})
    assert comment.status_code == 201, comment.text
    after = office.call("test-editor", "GET", path).json()
    assert (after["version"], after["content_version"]) == (claimed.json()["version"], version)
    edited = office.call("test-editor", "PATCH", path, json={"headline": "Judul pemegang"},
                         if_match=version)
    assert edited.status_code == 200, edited.text  # the comment broke nobody's If-Match
    assert edited.json()["claim"]["until"] >= claimed.json()["claim"]["until"]
    comments = office.call("test-editor", "GET", f"{path}/comments").json()
    assert [(c["by"], c["text"]) for c in comments] == [("test-editor2", "Cek nama")]


def test_ready_releases_the_claim_and_fills_the_chief_editors_queue(office: Desk) -> None:
    article = office.seed()
    path = f"/v1/articles/{article}"
    office.call("test-editor", "POST", f"{path}/claim")
    ready = office.call("test-editor", "POST", f"{path}/ready")
    assert ready.status_code == 200, ready.text
    assert ready.json()["claim"] is None and ready.json()["ready"]["by"] == "test-editor"
    assert ready.json()["status"] == "in_review"  # a flag, not a state
    queue = office.call("test-chief_editor", "GET", "/v1/articles?ready=true").json()
    assert article in [item["id"] for item in queue["items"]]
    not_ready = office.call("test-chief_editor", "GET", "/v1/articles?ready=false").json()
    assert article not in [item["id"] for item in not_ready["items"]]
    edit = office.call("test-editor", "PATCH", path, json={"headline": "Tanpa klaim lagi"},
                       if_match=1)
    assert edit.status_code == 409 and edit.json()["error"]["code"] == "claim_required"


def test_a_chief_editor_takes_a_claim_over_and_it_is_recorded(office: Desk) -> None:
    article = office.seed()
    path = f"/v1/articles/{article}"
    office.call("test-editor", "POST", f"{path}/claim")
    taken = office.call("test-chief_editor", "POST", f"{path}/claim/take-over",
                        json={"reason": "Redaktur cuti"})
    assert taken.status_code == 200, taken.text
    body = taken.json()
    assert body["claim"]["by"] == "test-chief_editor"
    assert body["taken_over"]["from"] == "test-editor"
    assert body["history"][-1]["action"] == "take_over"
    assert "test-editor" in body["history"][-1]["note"]
    lost = office.call("test-editor", "PATCH", path, json={"headline": "Sudah diambil alih"},
                       if_match=body["content_version"])
    assert lost.status_code == 409 and lost.json()["error"]["details"]["holder"] == \
        "test-chief_editor"


def test_a_claim_lapses_after_its_minutes_and_another_editor_may_take_it(office: Desk) -> None:
    article = office.seed()
    office.call("test-editor", "POST", f"/v1/articles/{article}/claim")

    async def later() -> None:
        with contextlib.closing(MongoHandle(office.settings, "editorial")) as mongo:
            articles = ArticleRepository(mongo.db)
            minutes = office.settings.editorial_claim_minutes
            before = Decisions(articles, _no_relay,
                               clock=lambda: utcnow() + timedelta(minutes=minutes - 1))
            with pytest.raises(ClaimHeld):
                await before.claim(article, Principal("test-editor2", "editor"))
            after = Decisions(articles, _no_relay,
                              clock=lambda: utcnow() + timedelta(minutes=minutes + 1))
            claimed = await after.claim(article, Principal("test-editor2", "editor"))
            assert claimed["claim"]["by"] == "test-editor2"

    asyncio.run(later())


async def _no_relay(_: str) -> int:
    return 0
