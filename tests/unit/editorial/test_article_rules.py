"""The article state machine and approval rules, without I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.editorial.domain import (
    Action,
    DecisionRefused,
    Editable,
    Status,
    check_allowed,
    check_channels,
    status_after_approval,
)

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def test_an_article_must_be_in_review_to_be_approved() -> None:
    check_allowed(Action.APPROVE, Status.IN_REVIEW)
    for status in (Status.SUBMITTED, Status.REJECTED, Status.WITHDRAWN, Status.PUBLISHED):
        with pytest.raises(DecisionRefused, match="in_review"):
            check_allowed(Action.APPROVE, status)


def test_a_withdrawn_report_cannot_be_approved_claimed_or_taken_down() -> None:
    for action in (Action.APPROVE, Action.CLAIM, Action.TAKE_DOWN, Action.CORRECT):
        with pytest.raises(DecisionRefused):
            check_allowed(action, Status.WITHDRAWN)


def test_an_opd_cannot_withdraw_after_approval() -> None:
    check_allowed(Action.WITHDRAW, Status.REVISION_REQUESTED)
    for status in (Status.APPROVED, Status.SCHEDULED, Status.PUBLISHED):
        with pytest.raises(DecisionRefused):
            check_allowed(Action.WITHDRAW, status)


def test_only_live_articles_can_be_taken_down_and_only_published_ones_corrected() -> None:
    for status in (Status.APPROVED, Status.SCHEDULED, Status.PUBLISHED, Status.CORRECTED):
        check_allowed(Action.TAKE_DOWN, status)
    with pytest.raises(DecisionRefused):
        check_allowed(Action.CORRECT, Status.APPROVED)
    with pytest.raises(DecisionRefused):
        check_allowed(Action.TAKE_DOWN, Status.TAKEN_DOWN)


def test_an_embargoed_approval_is_scheduled_and_an_immediate_one_approved() -> None:
    assert status_after_approval(NOW + timedelta(hours=2), NOW) is Status.SCHEDULED
    assert status_after_approval(None, NOW) is Status.APPROVED
    assert status_after_approval(NOW - timedelta(minutes=1), NOW) is Status.APPROVED


def test_channels_are_known_deduplicated_and_ordered() -> None:
    assert check_channels(["feed", "website", "feed"]) == ["website", "feed"]
    with pytest.raises(DecisionRefused, match="tiktok"):
        check_channels(["tiktok"])
    with pytest.raises(DecisionRefused, match="at least one"):
        check_channels([])


def test_an_edit_only_changes_the_fields_given() -> None:
    assert Editable(headline="Baru", tags=["a"]).changes() == {"headline": "Baru", "tags": ["a"]}
