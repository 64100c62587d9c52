"""Pure rules of the OPD's view: what the OPD may do, and how pipeline events move the status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.ingest.domain import (
    Decision,
    Projection,
    PublishedLink,
    Status,
    TransitionRefused,
    after_decision,
    after_publication,
    category_problem,
    check_amendable,
    check_withdrawable,
    press_invitation_problem,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("status", list(Status))
def test_amend_only_while_submitted_or_revision_requested(status: Status) -> None:
    if status in (Status.SUBMITTED, Status.REVISION_REQUESTED):
        check_amendable(status)
    else:
        with pytest.raises(TransitionRefused, match=status.value):
            check_amendable(status)


@pytest.mark.parametrize("status", list(Status))
def test_withdraw_only_before_approval(status: Status) -> None:
    allowed = {Status.SUBMITTED, Status.IN_REVIEW, Status.REVISION_REQUESTED}
    if status in allowed:
        check_withdrawable(status)
    else:
        with pytest.raises(TransitionRefused, match="before approval"):
            check_withdrawable(status)


def test_an_unknown_category_lists_the_valid_ones() -> None:
    assert category_problem("kesehatan", ("kesehatan", "pendidikan")) is None
    problem = category_problem("gosip", ("kesehatan", "pendidikan"))
    assert problem is not None and "kesehatan, pendidikan" in problem


def test_a_press_invitation_needs_a_future_activity() -> None:
    future, past = NOW + timedelta(days=1), NOW - timedelta(hours=1)
    assert press_invitation_problem(future, future, NOW) is None
    assert "starts_at" in (press_invitation_problem(future, past, NOW) or "")
    assert "activity_at" in (press_invitation_problem(past, future, NOW) or "")


def test_decisions_apply_in_article_version_order_and_never_twice() -> None:
    start = Projection(status=Status.SUBMITTED)
    review = after_decision(start, Decision.CLAIMED, 2, NOW)
    assert review is not None and review.status is Status.IN_REVIEW
    assert after_decision(review, Decision.CLAIMED, 2, NOW) is None  # redelivered
    rejected = after_decision(review, Decision.REJECTED, 3, NOW, reason="Duplikat.")
    assert rejected is not None and (rejected.status, rejected.reason) == (Status.REJECTED,
                                                                           "Duplikat.")
    assert after_decision(rejected, Decision.CLAIMED, 2, NOW) is None  # older, arrived late


def test_an_embargoed_approval_is_scheduled() -> None:
    p = after_decision(Projection(status=Status.IN_REVIEW), Decision.APPROVED, 3, NOW,
                       publish_at=NOW + timedelta(hours=2))
    assert p is not None and p.status is Status.SCHEDULED
    now = after_decision(Projection(status=Status.IN_REVIEW), Decision.APPROVED, 3, NOW)
    assert now is not None and now.status is Status.APPROVED


def test_a_publication_before_the_approval_is_not_undone_by_it() -> None:
    link = PublishedLink(channel="feed", url="https://x/berita/1", published_at=NOW)
    published = after_publication(Projection(status=Status.IN_REVIEW, article_version=2), link)
    assert published is not None and published.status is Status.PUBLISHED
    approved = after_decision(published, Decision.APPROVED, 3, NOW)
    assert approved is not None and approved.status is Status.PUBLISHED
    assert approved.links == (link,)


def test_a_revision_request_older_than_the_amendment_is_already_answered() -> None:
    amended = Projection(status=Status.SUBMITTED, article_version=3,
                         last_amended_at=NOW)
    stale = after_decision(amended, Decision.REVISION_REQUESTED, 4, NOW - timedelta(minutes=1),
                           reason="Tambah foto.")
    assert stale is not None and stale.status is Status.SUBMITTED


def test_nothing_moves_a_withdrawn_or_taken_down_report() -> None:
    link = PublishedLink(channel="feed", url="u", published_at=NOW)
    for final in (Status.WITHDRAWN, Status.TAKEN_DOWN):
        p = Projection(status=final, article_version=5)
        assert after_decision(p, Decision.CLAIMED, 6, NOW) is None
        assert after_publication(p, link) is None
