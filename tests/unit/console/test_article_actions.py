"""The console's own rules for the further article forms: local publish times, the API's field
names mapped to each form's, changed words in a diff, and who is offered which form."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from services.console import article_action_pages  # registers the templates' `zona` filter
from services.console.article_actions import local_moment, renamed
from services.console.diff_view import Piece, view, word_pieces
from services.console.domain import ApiRefusal
from services.console.web import templates

NOW = datetime(2026, 12, 1, 23, 0, tzinfo=UTC)


def test_a_local_time_in_wib_wita_or_wit_is_the_right_moment() -> None:
    for zone, utc_hour in (("WIB", 2), ("WITA", 1), ("WIT", 0)):
        moment = local_moment("2026-12-03", "09:00", zone, NOW)
        assert moment == datetime(2026, 12, 3, utc_hour, 0, tzinfo=UTC), zone


@pytest.mark.parametrize(("day", "clock", "zone", "field"), [
    ("2026-12-02", "06:00", "WIB", "publish_date"),  # 23:00 UTC: already past
    ("", "09:00", "WIB", "publish_date"),
    ("2026-12-03", "sembilan", "WIB", "publish_time"),
    ("2026-12-03", "09:00", "UTC", "publish_zone"),
])
def test_a_past_or_unreadable_time_is_refused_beside_its_field(
    day: str, clock: str, zone: str, field: str,
) -> None:
    with pytest.raises(ApiRefusal) as refused:
        local_moment(day, clock, zone, NOW)
    assert refused.value.status == 422 and field in refused.value.fields


def test_the_apis_field_names_become_the_forms() -> None:
    refusal = ApiRefusal(422, "validation_error", "Isian tidak valid.",
                         [{"field": "body.reason", "problem": "String should have at least 1"}])
    assert set(renamed(refusal, {"reason": "reject_reason"}).fields) == {"reject_reason"}


def test_the_changed_words_are_marked_and_the_rest_is_not() -> None:
    before, after = word_pieces("Posyandu keliling di Tamalate", "Posyandu keliling di Rappocini")
    assert [p for p in before if p.changed] == [Piece("Tamalate", True)]
    assert [p for p in after if p.changed] == [Piece("Rappocini", True)]
    assert "".join(p.text for p in after) == "Posyandu keliling di Rappocini"
    shown = view({"text": [{"field": "headline", "changes": [
        {"op": "replace", "before": ["Posyandu di Tamalate"], "after": ["Posyandu di Losari"],
         "at_line": 1}]}], "also_changed": ["channel_texts"]})
    assert shown["fields"][0]["name"] == "Judul" and shown["others"] == ["Teks per kanal"]


def render(role_is_chief: bool, status: str, **extra: Any) -> str:
    assert article_action_pages.SHOWN  # the module's import registered its template names
    article = {"id": "a1", "status": status, "opd": {"timezone": "Asia/Makassar"},
               "publish_at": "2026-12-03T02:00:00+00:00", "channels": ["feed"]}
    return templates.env.get_template("_article_actions.html").render(
        a=article, chief=role_is_chief, csrf="t", all_channels=["website", "feed"],
        names={"website": "Situs web", "feed": "Umpan RSS"}, PREFIX="/console", **extra)


def test_only_a_chief_editor_is_offered_the_further_decisions() -> None:
    assert "Tolak" not in render(False, "in_review")
    chief = render(True, "in_review")
    assert "aksi/tolak" in chief and "aksi/jadwal" in chief and "turunkan" not in chief
    assert 'value="WITA" selected' in chief  # the OPD's own zone comes first
    published = render(True, "published")
    assert "koreksi" in published and "turunkan-periksa" in published
    assert "aksi/tolak" not in published


def test_a_refusal_is_shown_beside_its_own_form_only() -> None:
    refusal = ApiRefusal(422, "validation_error", "Alasan wajib diisi.",
                         [{"field": "reject_reason", "message": "Alasan wajib diisi."}])
    shown = render(True, "in_review", act="tolak", act_refusal=refusal,
                   act_errors=refusal.fields, act_submitted={"reject_reason": ""})
    assert shown.count("Alasan wajib diisi.") == 2  # the form's alert and beside the box
    assert 'aria-describedby="reject_reason-act-error"' in shown
