"""Claims, the second pair of eyes, per-channel checks and diffs, without I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.editorial import approval, claims
from services.editorial.diff import diff
from services.editorial.domain import ROLE_FOR, Action, Editable, UnknownPhoto, photos_changed

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
HELD = {"claim": claims.claim_field("rina", NOW, 30)}


def test_a_claim_locks_others_out_until_it_lapses() -> None:
    claims.check_may_change(HELD, "rina", NOW)
    with pytest.raises(claims.ClaimHeld):
        claims.check_may_change(HELD, "budi", NOW + timedelta(minutes=29))
    with pytest.raises(claims.ClaimRequired):
        claims.check_may_change(HELD, "budi", NOW + timedelta(minutes=31))
    claims.check_claimable(HELD, "budi", NOW + timedelta(minutes=31))
    claims.check_may_change(HELD, "rina", NOW + timedelta(minutes=31))  # nobody else took it
    with pytest.raises(claims.ClaimRequired):
        claims.check_may_change({}, "rina", NOW)


def test_deciding_and_taking_over_need_the_right_roles() -> None:
    assert ROLE_FOR[Action.APPROVE] == ROLE_FOR[Action.TAKE_OVER] == "chief_editor"
    assert ROLE_FOR[Action.MARK_READY] == ROLE_FOR[Action.EDIT] == "editor"
    assert set(ROLE_FOR) >= {a for a in Action if a not in {
        Action.AMEND, Action.WITHDRAW, Action.MARK_PUBLISHED}}


def test_the_last_to_change_the_content_needs_a_reason_to_approve() -> None:
    article = {"content_changed_by": "rina"}
    assert approval.second_eyes(True, article, "budi", None) is False
    with pytest.raises(approval.SecondEyesRequired):
        approval.second_eyes(True, article, "rina", "  ")
    assert approval.second_eyes(True, article, "rina", "Salah ketik saja") is True
    assert approval.second_eyes(False, article, "rina", None) is False


def test_channel_texts_merge_and_an_empty_one_goes_back_to_the_default() -> None:
    current = {"channel_texts": {"x": "lama", "telegram": "tetap"}}
    changes = Editable(channel_texts={"x": "", "facebook": "baru"}).changes(current)
    assert changes == {"channel_texts": {"telegram": "tetap", "facebook": "baru"}}


def test_photo_metadata_is_edited_per_photo_and_unknown_photos_are_refused() -> None:
    photos = [{"id": "a", "caption": "Lama"}, {"id": "b"}]
    changed = photos_changed(photos, {"a": {"caption": "", "credit": "Humas"},
                                      "b": {"alt_text": "Warga", "credit": None}})
    assert changed == [{"id": "a", "credit": "Humas"}, {"id": "b", "alt_text": "Warga"}]
    with pytest.raises(UnknownPhoto):
        photos_changed(photos, {"c": {"caption": "x"}})


def test_a_diff_names_the_changed_lines_of_the_body_as_text() -> None:
    before = {"headline": "Judul", "body_html": "<p>Satu</p><p>Dua</p>", "tags": ["a"]}
    after = {"headline": "Judul", "body_html": "<p>Satu</p><p>Tiga</p>", "tags": ["b"]}
    result = diff(before, after)
    assert [d["field"] for d in result["text"]] == ["body"]
    assert [(c["before"], c["after"]) for c in result["text"][0]["changes"]] == [
        (["Dua"], ["Tiga"])]
    assert result["also_changed"] == ["tags"]


def test_an_instagram_approval_without_a_photo_is_refused_naming_count_and_limit() -> None:
    article = {"_id": "a1", "headline": "Jalur sepeda", "body_html": "<p>Isi</p>",
               "attachments": []}
    with pytest.raises(approval.ChannelsRefuse) as refused:
        approval.check_channels_take(article, ["website", "instagram"], "https://kota.example")
    problem = refused.value.problems[0]
    assert (problem.channel, problem.code, problem.count, problem.limit) == (
        "instagram", "too_few_images", 0, 1)
    approval.check_channels_take(article, ["website", "feed"], "https://kota.example")
