"""The notifier's rules without I/O: who is told, retry timing, Indonesian times, tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.notifier import domain
from services.notifier.domain import DeliveryState, Kind, Subscription

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def test_empty_subscriptions_mean_every_opd_and_every_category() -> None:
    assert Subscription().matches("opd-1", "kesehatan")
    assert Subscription(opd_ids=["opd-1"]).matches("opd-1", "kesehatan")
    assert not Subscription(opd_ids=["opd-2"]).matches("opd-1", "kesehatan")
    assert Subscription(categories=["Kesehatan"]).matches("opd-9", "kesehatan")
    assert not Subscription(categories=["pendidikan"]).matches("opd-9", "kesehatan")


def test_both_lists_must_match_and_an_inactive_journalist_gets_nothing() -> None:
    both = Subscription(opd_ids=["opd-1"], categories=["kesehatan"])
    assert both.matches("opd-1", "KESEHATAN")
    assert not both.matches("opd-1", "pendidikan")
    assert not both.matches("opd-2", "kesehatan")
    assert not Subscription(active=False).matches("opd-1", "kesehatan")


def test_categories_and_opd_ids_are_cleaned_and_deduplicated() -> None:
    assert domain.normalize_categories([" Kesehatan", "kesehatan", "", "Pendidikan"]) == [
        "kesehatan", "pendidikan"]
    assert domain.unique(["a", " a", "b", " "]) == ["a", "b"]


def test_backoff_doubles_from_an_injectable_base_and_is_capped() -> None:
    assert [domain.backoff(n, base=1.0) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 8.0]
    assert domain.backoff(1) == domain.DEFAULT_BACKOFF_BASE
    assert domain.backoff(30, base=10.0) == domain.BACKOFF_CAP
    assert domain.backoff(0) == 0.0


def test_a_failed_attempt_is_retried_until_the_budget_is_spent() -> None:
    first = domain.after_failure(1, permanent=False, now=NOW, base=2.0)
    assert first.state is DeliveryState.FAILED
    assert first.next_attempt_at == NOW + timedelta(seconds=2)
    fourth = domain.after_failure(4, permanent=False, now=NOW, base=2.0)
    assert fourth.next_attempt_at == NOW + timedelta(seconds=16)
    last = domain.after_failure(domain.MAX_ATTEMPTS, permanent=False, now=NOW)
    assert last.dead and last.next_attempt_at is None


def test_a_permanent_refusal_is_dead_at_once() -> None:
    assert domain.after_failure(1, permanent=True, now=NOW).dead


def test_smtp_5xx_is_permanent_and_4xx_or_no_answer_is_transient() -> None:
    assert domain.smtp_code_is_permanent(550)
    assert domain.smtp_code_is_permanent(554)
    assert not domain.smtp_code_is_permanent(421)
    assert not domain.smtp_code_is_permanent(451)
    assert not domain.smtp_code_is_permanent(None)


def test_delivery_ids_are_one_per_article_recipient_and_kind() -> None:
    assert domain.delivery_id("a1", "j1", Kind.PRESS_RELEASE) == "a1:j1:press_release"
    assert domain.delivery_id("a1", "j1", Kind.INVITATION) == "a1:j1:invitation"


def test_only_an_activity_still_ahead_is_an_invitation() -> None:
    assert domain.invitation_is_upcoming(NOW + timedelta(hours=1), NOW)
    assert not domain.invitation_is_upcoming(NOW - timedelta(hours=1), NOW)
    assert not domain.invitation_is_upcoming(None, NOW)


def test_unsubscribe_tokens_need_the_secret_and_only_their_hash_is_stored() -> None:
    nonce = domain.new_token_nonce()
    token = domain.unsubscribe_token("s" * 40, "j1", nonce)
    assert token == domain.unsubscribe_token("s" * 40, "j1", nonce)
    assert token != domain.unsubscribe_token("t" * 40, "j1", nonce)
    assert token != domain.unsubscribe_token("s" * 40, "j1", domain.new_token_nonce())
    assert len(token) == 64 and domain.token_hash(token) != token


def test_article_html_becomes_readable_text() -> None:
    text = domain.html_to_text("<p>Satu &amp; dua</p><ul><li>tiga</li><li>empat</li></ul>")
    assert text == "Satu & dua\n\n- tiga\n\n- empat"
    assert domain.one_line("Judul\r\nBcc: x@y.example") == "Judul Bcc: x@y.example"


def test_staff_whatsapp_parameters_are_never_empty_and_fit_the_template_body() -> None:
    from services.notifier.own_users_handlers import BEHIND, PUBLISHED
    from services.notifier.own_users_whatsapp import template_for

    published = template_for(PUBLISHED, {"console_url": "https://warta.example/console/",
                                         "headline": "  ", "links": [
                                             {"channel": "x", "url": "https://x.com/" + "a" * 80}
                                         ] * 40})
    assert published is not None
    _, params = published
    assert params[0] == "-" and all(params)  # an empty headline is not a broken template
    assert sum(len(p) for p in params) <= 1024 - 200  # room for the template's own text
    behind = template_for(BEHIND, {"console_url": "u", "month": "2026-11", "name": "Dinkes",
                                   "published": 0, "target": 4})
    assert behind is not None and behind[1][2:] == ["0", "4"]
