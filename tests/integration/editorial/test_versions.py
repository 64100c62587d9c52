"""Full snapshots per content version, a diff between any two, restoring one as a new one."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

import pytest

from services.editorial.repository import ArticleRepository
from shared.mongo import MongoHandle
from tests.conftest import Infra
from tests.integration.editorial.desk_support import Desk, desk, photo


@pytest.fixture(scope="module")
def office(real_infra: Infra) -> Iterator[Desk]:
    with desk(real_infra) as running:
        yield running


def test_every_content_version_is_kept_whole_and_diffed(office: Desk) -> None:
    article = office.seed(attachments=[photo(1)])
    path = f"/v1/articles/{article}"
    office.call("test-editor", "POST", f"{path}/claim")
    second = office.call("test-editor", "PATCH", path, if_match=1, json={
        "headline": "Jalur sepeda Losari diuji coba",
        "body_html": "<p>Dinas Perhubungan menguji jalur sepeda.</p><p>Warga sangat antusias."
                     "</p>"})
    assert second.status_code == 200 and second.json()["content_version"] == 2
    third = office.call("test-editor", "PATCH", f"{path}/photos", if_match=2, json={
        "photos": [{"id": "foto-1", "caption": "Pesepeda di Losari", "credit": "Humas Dishub",
                    "alt_text": "Tiga pesepeda melintas di jalur baru"}]})
    assert third.status_code == 200, third.text
    assert third.json()["attachments"][0]["credit"] == "Humas Dishub"

    versions = office.call("test-editor", "GET", f"{path}/versions").json()
    assert [v["version"] for v in versions] == [1, 2, 3]
    assert versions[0]["headline"] == "Uji coba jalur sepeda di Pantai Losari"
    assert versions[2]["headline"] == "Jalur sepeda Losari diuji coba"  # whole, not a delta
    assert versions[2]["attachments"][0]["caption"] == "Pesepeda di Losari"
    assert [v["by"] for v in versions] == ["opd:DISHUB", "test-editor", "test-editor"]

    diff = office.call("test-editor", "GET", f"{path}/diff?from=1&to=3").json()
    fields = {d["field"]: d for d in diff["text"]}
    assert set(fields) == {"headline", "body"}
    assert fields["headline"]["changes"] == [{
        "op": "replace", "before": ["Uji coba jalur sepeda di Pantai Losari"],
        "after": ["Jalur sepeda Losari diuji coba"], "at_line": 1}]
    body_change = fields["body"]["changes"]
    assert [(c["before"], c["after"]) for c in body_change] == [
        (["Warga antusias."], ["Warga sangat antusias."])]
    assert diff["also_changed"] == ["attachments"]
    missing = office.call("test-editor", "GET", f"{path}/diff?from=1&to=9")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "version_not_found"


def test_restoring_a_version_makes_a_new_one(office: Desk) -> None:
    article = office.seed()
    path = f"/v1/articles/{article}"
    office.call("test-editor", "POST", f"{path}/claim")
    office.call("test-editor", "PATCH", path, if_match=1, json={"headline": "Judul yang keliru"})
    stale = office.call("test-editor", "POST", f"{path}/versions/1/restore", if_match=1)
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "version_conflict"
    restored = office.call("test-editor", "POST", f"{path}/versions/1/restore", if_match=2)
    assert restored.status_code == 200, restored.text
    assert restored.json()["content_version"] == 3
    assert restored.json()["headline"] == "Uji coba jalur sepeda di Pantai Losari"
    assert restored.json()["history"][-1]["note"] == "restored version 1"
    versions = office.call("test-editor", "GET", f"{path}/versions").json()
    assert [v["headline"] for v in versions] == [
        "Uji coba jalur sepeda di Pantai Losari", "Judul yang keliru",
        "Uji coba jalur sepeda di Pantai Losari"]
    assert office.call("test-editor", "GET", f"{path}/diff?from=1&to=3").json()["text"] == []
    other = office.call("test-editor2", "POST", f"{path}/versions/2/restore", if_match=3)
    assert other.status_code == 409 and other.json()["error"]["code"] == "claim_held"


def test_a_snapshot_of_a_change_that_lost_its_race_is_never_shown(office: Desk) -> None:
    """Two writers read the same version; the loser's snapshot, written first, stays unnamed."""
    article = office.seed()

    async def race() -> None:
        with contextlib.closing(MongoHandle(office.settings, "editorial")) as mongo:
            articles = ArticleRepository(mongo.db)
            current = await articles.get(article)
            assert current is not None
            history = {"action": "edit", "by": "test-editor"}
            won = await articles.change(article, current["version"], history=history,
                                        events=[], snapshot=True,
                                        fields={"headline": "Pemenang balapan"})
            assert won
            # The loser read the same version, wrote its snapshot, then its update missed.
            loser = await articles.versions.write(article, 2, {"headline": "Kalah balapan"},
                                                  by="test-editor2", at=current["updated_at"])
            lost = await articles.change(article, current["version"], history=history,
                                         events=[], snapshot=True,
                                         fields={"headline": "Kalah balapan"})
            assert not lost and loser

    asyncio.run(race())
    versions = office.call("test-editor", "GET", f"/v1/articles/{article}/versions").json()
    assert [v["headline"] for v in versions] == ["Uji coba jalur sepeda di Pantai Losari",
                                                 "Pemenang balapan"]
