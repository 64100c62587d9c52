"""Pure rules of approval: the second pair of eyes, and what each chosen channel can take."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from shared import channel_text
from shared.channel_photos import DECODABLE, PhotoFacts
from shared.channel_text import LimitProblem
from shared.vocabulary import article_url

# Photo types ingest accepts, which the publisher converts to JPEG itself where a channel
# (Instagram) needs one: none of them is a reason to refuse at approval.
CONVERTIBLE_TO_JPEG = DECODABLE


class SecondEyesRequired(Exception):
    """The approver was the last to change the content, and gave no reason to override."""

    def __init__(self, who: str) -> None:
        super().__init__(who)
        self.who = who


class OpdRequestPending(Exception):
    """The OPD sent an amendment or a withdrawal that nobody has decided yet."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class ChannelsRefuse(Exception):
    """A chosen channel cannot take the article as it is; nothing was approved."""

    def __init__(self, problems: list[LimitProblem]) -> None:
        super().__init__(problems[0].message)
        self.problems = problems


def second_eyes(enabled: bool, article: dict[str, Any], who: str,
                override_reason: str | None) -> bool:
    """True when the approval overrides the rule (recorded); raises when it may not."""
    if not enabled or article.get("content_changed_by") != who:
        return False
    if not (override_reason and override_reason.strip()):
        raise SecondEyesRequired(who)
    return True


def no_pending_opd_request(article: dict[str, Any]) -> None:
    """Approving over an undecided OPD request would publish what the OPD asked to change."""
    request = article.get("opd_request") or {}
    if request.get("state") == "pending":
        raise OpdRequestPending(str(request.get("kind")))


def photos(article: dict[str, Any]) -> list[PhotoFacts]:
    """The article's photos in order, as the publisher picks them (documents left out)."""
    return [PhotoFacts.of(a) for a in article.get("attachments") or []
            if str(a.get("content_type", "")).startswith("image/")]


def images(article: dict[str, Any]) -> tuple[int, int]:
    """(photos, of which the publisher can send as JPEG) among the article's attachments."""
    found = photos(article)
    return len(found), sum(1 for p in found if p.content_type in CONVERTIBLE_TO_JPEG)


def preview(article: dict[str, Any], channel: str, website_base_url: str) -> dict[str, Any]:
    """The channel's text as it will go out, its count, limit and problems."""
    image_count, jpeg_count = images(article)
    if channel not in channel_text.LIMITS:  # the website and the feeds carry the article whole
        return {"channel": channel, "text": article["headline"],
                "body": channel_text.render(channel, article["body_html"]),
                "count": len(article["headline"]), "limit": None, "images": image_count,
                "problems": []}
    text = channel_text.outgoing_text(
        channel, headline=article["headline"], summary=article.get("summary"),
        link=article_url(website_base_url, article["_id"]), tags=article.get("tags") or [],
        image_count=image_count, channel_texts=article.get("channel_texts") or {},
        body_html=article.get("body_html"))
    limits = channel_text.LIMITS[channel]
    used = channel_text.images_used(channel, image_count)
    problems = channel_text.check(channel, text=text, image_count=image_count,
                                  jpeg_count=jpeg_count, photos=photos(article))
    return {
        "channel": channel, "text": text, "body": channel_text.render(channel,
                                                                      article["body_html"]),
        "count": channel_text.count(channel, text),
        "limit": limits.text_limit(used),
        "images": used, "problems": [asdict(p) for p in problems],
    }


def check_channels_take(article: dict[str, Any], channels: list[str], website_base_url: str
                        ) -> None:
    problems = [LimitProblem(**p) for channel in channels if channel in channel_text.LIMITS
                for p in preview(article, channel, website_base_url)["problems"]]
    if problems:
        raise ChannelsRefuse(problems)
