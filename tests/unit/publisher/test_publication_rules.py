"""Pure publisher rules: states, backoff, channels, links, and the feed rendering."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import feedparser
import pytest

from services.publisher import channels, feeds
from services.publisher.domain import (
    MAX_ATTEMPTS,
    MAX_BACKOFF,
    NOT_CONFIGURED,
    UNKNOWN_CHANNEL,
    State,
    after_failure,
    article_url,
    channel_status,
    initial_state,
    publication_id,
    requested_channels,
    unavailable_reason,
)

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def test_an_embargo_in_the_future_schedules_otherwise_due_now() -> None:
    later = NOW + timedelta(hours=2)
    assert initial_state(later, NOW) == (State.SCHEDULED, later)
    assert initial_state(None, NOW) == (State.PENDING, NOW)
    assert initial_state(NOW - timedelta(minutes=1), NOW) == (State.PENDING, NOW)


def test_backoff_doubles_is_capped_and_ends_dead_after_the_budget() -> None:
    assert after_failure(1, False, NOW) == (State.FAILED, NOW + timedelta(seconds=5))
    assert after_failure(2, False, NOW) == (State.FAILED, NOW + timedelta(seconds=10))
    assert after_failure(3, False, NOW) == (State.FAILED, NOW + timedelta(seconds=20))
    assert after_failure(MAX_ATTEMPTS, False, NOW) == (State.DEAD, NOW)
    assert after_failure(1, True, NOW) == (State.DEAD, NOW)
    for attempts in range(1, MAX_ATTEMPTS):
        state, due = after_failure(attempts, False, NOW)
        assert state is State.FAILED and due - NOW <= MAX_BACKOFF


def test_requested_channels_are_normalised_and_deduplicated_in_order() -> None:
    assert requested_channels(["Website", "feed", " website ", "", "FEED"]) == [
        "website", "feed"]


def test_ids_and_links() -> None:
    assert publication_id("a1", "feed") == "a1:feed"
    assert article_url("https://warta.example.go.id/", "a1") == (
        "https://warta.example.go.id/berita/a1")


def test_why_a_channel_cannot_post() -> None:
    assert unavailable_reason("feed", True, True) is None
    assert unavailable_reason("telegram", False, False) == NOT_CONFIGURED
    assert unavailable_reason("myspace", False, False) == UNKNOWN_CHANNEL
    assert "no adapter" in (unavailable_reason("website", False, True) or "")
    assert channel_status("feed", True, True) == "on"
    assert channel_status("x", False, False) == "off"
    assert channel_status("website", False, True).startswith("off: ")


def test_channel_variables_unset_are_off_and_half_set_refuse_to_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(channels.MODULES, "website", "tests.integration.publisher.board")
    assert channels.seeds({}) == {}
    # A lone base URL (the sandbox's) configures nothing.
    assert channels.seeds({"WARTA_WEBSITE_API_BASE_URL": "http://127.0.0.1:1"}) == {}
    full = channels.seeds({"WARTA_WEBSITE_TOKEN": "t", "WARTA_WEBSITE_BOARD": "humas",
                           "WARTA_WEBSITE_API_BASE_URL": "http://127.0.0.1:1"})
    assert set(full) == {"website"}
    assert full["website"].model_dump()["api_base_url"] == "http://127.0.0.1:1"
    with pytest.raises(channels.ChannelMisconfigured, match="WARTA_WEBSITE_BOARD"):
        channels.seeds({"WARTA_WEBSITE_TOKEN": "t"})


def _item(n: int) -> dict[str, object]:
    return {
        "_id": f"a{n}", "url": f"https://warta.example/berita/a{n}",
        "headline": f"Berita nomor {n} <penting>", "summary": "Ringkasan",
        "body_html": "<p>Isi</p><script>alert(1)</script>", "category": "umum",
        "tags": ["t"], "opd": {"name": "Dinas Kominfo", "timezone": "Asia/Makassar"},
        "published_at": NOW - timedelta(hours=n), "updated_at": NOW - timedelta(hours=n),
        "corrections": [{"note": "Nama diperbaiki", "at": NOW}] if n == 1 else [],
    }


def test_the_feeds_carry_links_guids_and_rfc822_dates_in_order() -> None:
    items = [_item(1), _item(2)]
    rss = feedparser.parse(feeds.rss(items, "https://warta.example"))
    assert rss.feed.title.startswith("Berita Pemerintah") and rss.feed.language == "id"
    assert [e.link for e in rss.entries] == [
        "https://warta.example/berita/a1", "https://warta.example/berita/a2"]
    assert rss.entries[0].id == "https://warta.example/berita/a1"
    assert rss.entries[0].published == "Sun, 01 Mar 2026 07:00:00 +0000"
    assert "<script>" not in rss.entries[0].content[0].value
    assert "Ralat" in rss.entries[0].content[0].value
    atom = feedparser.parse(feeds.atom(items, "https://warta.example"))
    assert atom.version == "atom10" and len(atom.entries) == 2
    body = feeds.json_feed(items, "https://warta.example")
    assert body["items"][0]["id"] == body["items"][0]["url"]
    assert body["items"][0]["date_published"].startswith("2026-03-01T07:00:00")


def test_the_article_page_escapes_the_headline_and_shows_local_time() -> None:
    page = feeds.article_page(_item(1))
    assert "&lt;penting&gt;" in page and "<script>" not in page
    assert "1 Maret 2026 15:00 WITA" in page
