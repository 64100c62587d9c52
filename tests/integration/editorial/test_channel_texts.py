"""A text per channel: versioned, previewed with count and limit, and checked at approval."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from shared import topics
from shared.kafka import ensure_topics
from tests.conftest import Infra
from tests.integration.editorial.desk_support import Desk, desk, photo
from tests.probes import collect_envelopes


@pytest.fixture(scope="module")
def office(real_infra: Infra) -> Iterator[Desk]:
    with desk(real_infra, website_base_url="https://makassarkota.example") as running:
        asyncio.run(ensure_topics(running.settings.kafka_bootstrap))
        yield running


def claimed(office: Desk, **content: object) -> str:
    article = office.seed(**content)
    assert office.call("test-editor", "POST", f"/v1/articles/{article}/claim").status_code == 200
    return article


def test_the_preview_shows_each_channels_text_count_and_limit(office: Desk) -> None:
    article = claimed(office, attachments=[photo(1)])
    path = f"/v1/articles/{article}"
    edited = office.call("test-editor", "PATCH", path, if_match=1,
                         json={"channel_texts": {"telegram": "Uji coba jalur sepeda 🚲"}})
    assert edited.status_code == 200, edited.text
    assert edited.json()["channel_texts"] == {"telegram": "Uji coba jalur sepeda 🚲"}
    assert edited.json()["content_version"] == 2  # a versioned field
    preview = office.call("test-editor", "GET", f"{path}/preview?channels=x,telegram,instagram")
    assert preview.status_code == 200, preview.text
    shown = {c["channel"]: c for c in preview.json()["channels"]}
    assert list(shown) == ["x", "telegram", "instagram"]
    assert f"https://makassarkota.example/berita/{article}" in shown["x"]["text"]
    assert shown["x"]["limit"] == 280 and 0 < shown["x"]["count"] <= 280
    assert shown["telegram"]["text"] == "Uji coba jalur sepeda 🚲"
    assert (shown["telegram"]["count"], shown["telegram"]["limit"]) == (24, 1024)
    assert shown["instagram"]["problems"] == [] and shown["instagram"]["images"] == 1
    unknown = office.call("test-editor", "GET", f"{path}/preview?channels=tiktok")
    assert unknown.status_code == 422


def test_approval_refuses_what_a_chosen_channel_cannot_take(office: Desk) -> None:
    article = claimed(office)
    path = f"/v1/articles/{article}"
    office.call("test-editor", "PATCH", path, if_match=1, json={"channel_texts": {"x": "a" * 300}})
    office.call("test-editor", "POST", f"{path}/ready")
    refused = office.call("test-chief_editor", "POST", f"{path}/approve",
                          json={"channels": ["website", "x", "instagram"]})
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == "channel_limits"
    found = {(p["channel"], p["code"], p["count"], p["limit"]) for p in error["details"]}
    assert found == {("x", "text_too_long", 300, 280), ("instagram", "too_few_images", 0, 1)}
    assert "300" in error["message"] and "280" in error["message"] and "X" in error["message"]
    after = office.call("test-chief_editor", "GET", path).json()
    assert after["status"] == "in_review" and after["channels"] == []  # nothing half-way
    website_only = office.call("test-chief_editor", "POST", f"{path}/approve",
                               json={"channels": ["website"]})
    assert website_only.status_code == 200, website_only.text


def test_the_approval_event_carries_texts_place_time_and_photo_metadata(office: Desk) -> None:
    article = claimed(office, attachments=[photo(1), photo(2, "image/png")])
    path = f"/v1/articles/{article}"
    office.call("test-editor", "PATCH", f"{path}/photos", if_match=1, json={"photos": [
        {"id": "foto-1", "caption": "Pesepeda", "credit": "Humas Dishub", "alt_text": "Dua "
         "pesepeda"}]})
    office.call("test-editor", "PATCH", path, if_match=2,
                json={"channel_texts": {"x": "Jalur sepeda Losari dibuka #sepeda",
                                        "facebook": "Jalur sepeda baru di Losari."}})
    office.call("test-editor", "PATCH", path, if_match=3, json={"channel_texts": {"facebook": ""}})
    office.call("test-editor", "POST", f"{path}/ready")
    approved = office.call("test-chief_editor", "POST", f"{path}/approve",
                           json={"channels": ["website", "x", "instagram"]})
    assert approved.status_code == 200, approved.text

    events = asyncio.run(collect_envelopes(
        office.settings.kafka_bootstrap, topics.ARTICLES,
        lambda e: e["subject"] == article and e["type"] == "article.approved", wanted=1))
    data = events[0]["data"]
    assert data["channel_texts"] == {"x": "Jalur sepeda Losari dibuka #sepeda"}
    assert data["location"] == "Pantai Losari" and data["activity_at"]
    first = data["attachments"][0]
    assert (first["caption"], first["credit"], first["alt_text"]) == (
        "Pesepeda", "Humas Dishub", "Dua pesepeda")


def test_a_png_only_article_is_approved_for_instagram_which_gets_it_as_jpeg(office: Desk) -> None:
    """The publisher converts (and pads or crops) photos for Instagram itself, so a PNG is no
    reason to refuse at approval; only a missing photo is."""
    article = claimed(office, attachments=[photo(1, "image/png")])
    path = f"/v1/articles/{article}"
    preview = office.call("test-editor", "GET", f"{path}/preview?channels=instagram")
    assert preview.status_code == 200, preview.text
    assert preview.json()["channels"][0]["problems"] == []
    office.call("test-editor", "POST", f"{path}/ready")
    approved = office.call("test-chief_editor", "POST", f"{path}/approve",
                           json={"channels": ["instagram"]})
    assert approved.status_code == 200, approved.text


def test_instagram_approval_refuses_a_photo_too_narrow_and_takes_a_wide_enough_one(
        office: Desk) -> None:
    """Ingest records each photo's upright size; a photo under 320 px wide is refused at
    approval (the publisher could only fail at publish time), one 320 px wide goes through to
    the approval event with its size."""
    narrow = {**photo(1), "width": 300, "height": 400}
    article = claimed(office, attachments=[narrow])
    path = f"/v1/articles/{article}"
    office.call("test-editor", "POST", f"{path}/ready")
    refused = office.call("test-chief_editor", "POST", f"{path}/approve",
                          json={"channels": ["website", "instagram"]})
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == "channel_limits"
    assert [(p["channel"], p["code"], p["count"], p["limit"]) for p in error["details"]] == [
        ("instagram", "image_too_small", 300, 320)]
    assert "Instagram" in error["message"] and "320" in error["message"]
    after = office.call("test-chief_editor", "GET", path).json()
    assert after["status"] == "in_review" and after["channels"] == []  # nothing half-way

    wide = {**photo(2), "width": 320, "height": 400}
    accepted = claimed(office, attachments=[wide])
    path = f"/v1/articles/{accepted}"
    office.call("test-editor", "POST", f"{path}/ready")
    approved = office.call("test-chief_editor", "POST", f"{path}/approve",
                           json={"channels": ["website", "instagram"]})
    assert approved.status_code == 200, approved.text
    events = asyncio.run(collect_envelopes(
        office.settings.kafka_bootstrap, topics.ARTICLES,
        lambda e: e["subject"] == accepted and e["type"] == "article.approved", wanted=1))
    [sent] = events[0]["data"]["attachments"]
    assert (sent["width"], sent["height"]) == (320, 400)
