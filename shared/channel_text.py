"""What each social channel accepts (text length, images) and the default text that fits it."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from inscriptis import get_text  # type: ignore[import-untyped]

from shared.channel_photos import PhotoFacts, photo_problems
from shared.telegram_html import tidy_lines, to_telegram_html
from shared.vocabulary import Channel
from shared.x_weight import weighted_length


@dataclass(frozen=True)
class ChannelLimits:
    """`max_chars` applies to the text sent with images; `max_chars_text_only` without any."""

    max_chars: int
    min_images: int
    max_images: int
    needs_jpeg: bool = False
    max_chars_text_only: int | None = None
    max_hashtags: int | None = None
    url_length: int | None = None  # X counts every URL as this many characters

    def text_limit(self, image_count: int) -> int:
        if image_count == 0 and self.max_chars_text_only is not None:
            return self.max_chars_text_only
        return self.max_chars


LIMITS: dict[str, ChannelLimits] = {
    # Caption 0-1,024 with a photo or album of 2-10, sendMessage 1-4,096 (after entity parsing).
    Channel.TELEGRAM.value: ChannelLimits(max_chars=1024, min_images=0, max_images=10,
                                          max_chars_text_only=4096),
    # Caption 2,200, 30 hashtags, a single image or a carousel of at most 10; JPEG only.
    Channel.INSTAGRAM.value: ChannelLimits(max_chars=2200, min_images=1, max_images=10,
                                           needs_jpeg=True, max_hashtags=30),
    # 280 weighted (twitter-text v3: a URL 23, emoji and CJK 2); at most 4 photos.
    Channel.X.value: ChannelLimits(max_chars=280, min_images=0, max_images=4, url_length=23),
    # A Page post's message; photos attached as unpublished uploads.
    Channel.FACEBOOK.value: ChannelLimits(max_chars=63206, min_images=0, max_images=10),
}

_NAMES = {"telegram": "Telegram", "instagram": "Instagram", "x": "X", "facebook": "Facebook"}
ELLIPSIS = "…"
_SUMMARY_WORDS = 40  # "a short summary": the first sentences, cut at a word boundary
_HASHTAG = re.compile(r"#\w+")


def count(channel: str, text: str) -> int:
    """The length the channel counts: X weighted, Telegram UTF-16 units, others characters."""
    if channel == Channel.X.value:
        return weighted_length(text)
    if channel == Channel.TELEGRAM.value:
        # Telegram counts "characters"; UTF-16 units are never fewer than its count.
        return len(text.encode("utf-16-le")) // 2
    return len(text)


def images_used(channel: str, image_count: int) -> int:
    """A report may carry more photos than a channel takes: the first `max_images` go out."""
    return min(image_count, LIMITS[channel].max_images)


def render(channel: str, body_html: str) -> str:
    """Sanitized article HTML in the channel's subset: Telegram's tags, else plain text."""
    if channel == Channel.TELEGRAM.value:
        return to_telegram_html(body_html)
    return plain_text(body_html)


def plain_text(body_html: str) -> str:
    return tidy_lines(str(get_text(body_html)))


def hashtags(tags: Sequence[str]) -> list[str]:
    """"kesehatan ibu" -> "#KesehatanIbu"; tags with no letter make no hashtag; no duplicates."""
    seen: set[str] = set()
    result: list[str] = []
    for tag in tags:
        words = re.findall(r"[^\W_]+", _clean(tag))
        joined = "".join(w[0].upper() + w[1:] for w in words)
        if not joined or joined.isdigit() or joined.casefold() in seen:
            continue
        seen.add(joined.casefold())
        result.append("#" + joined)
    return result


def default_text(channel: str, *, headline: str, summary: str | None, link: str,
                 tags: Sequence[str], image_count: int = 0, body_html: str | None = None,
                 reserve: int = 0) -> str:
    """Headline, short summary, link, hashtags; always within the channel's limit.

    Cut in this order: the summary, then hashtags, then the headline (with an ellipsis); the
    link is never cut. Without a summary, the start of the body's text stands in for it.
    `reserve`: characters kept free for a prefix (a correction's "Ralat: ..." line).
    """
    limits = LIMITS[channel]
    limit = limits.text_limit(images_used(channel, image_count)) - reserve
    link = _clean(link).strip()
    if count(channel, link) > limit:
        raise ValueError(f"the link alone is longer than {channel}'s {limit} characters")
    title = " ".join(_clean(headline).split())
    source = summary if summary else (plain_text(body_html) if body_html else "")
    short = _short(" ".join(_clean(source).split()))
    tags_out = hashtags(tags)[: limits.max_hashtags]

    def text(title: str, short: str, tags_out: Sequence[str]) -> str:
        return "\n\n".join(p for p in (title, short, link, " ".join(tags_out)) if p)

    def fits(candidate: str) -> bool:
        return count(channel, candidate) <= limit

    if fits(text(title, short, tags_out)):
        return text(title, short, tags_out)
    short = _longest(short, lambda s: fits(text(title, s, tags_out)))
    if short:
        return text(title, short, tags_out)
    while tags_out and not fits(text(title, "", tags_out)):
        tags_out = tags_out[:-1]
    if fits(text(title, "", tags_out)):
        return text(title, "", tags_out)
    return text(_longest(title, lambda t: fits(text(t, "", ()))), "", ())


def shorten(channel: str, text: str, limit: int) -> str:
    """`text` if it fits `limit` as the channel counts, else its longest cut + ellipsis."""
    if count(channel, text) <= limit:
        return text
    return _longest(text, lambda cut: count(channel, cut) <= limit)


def outgoing_text(channel: str, *, headline: str, summary: str | None, link: str,
                  tags: Sequence[str], image_count: int, channel_texts: Mapping[str, str],
                  body_html: str | None = None) -> str:
    """The editor's text for the channel if set, else the default."""
    own = channel_texts.get(channel)
    if own is not None and own.strip():
        return own
    return default_text(channel, headline=headline, summary=summary, link=link, tags=tags,
                        image_count=image_count, body_html=body_html)


@dataclass(frozen=True)
class LimitProblem:
    channel: str
    code: str  # text_too_long | text_empty | too_few_images | no_jpeg | too_many_hashtags,
    # or a photo's (shared.channel_photos): image_unreadable | image_too_small | image_too_large
    # | image_bad_ratio
    message: str  # Indonesian, for the editor
    count: int
    limit: int


def check(channel: str, *, text: str, image_count: int, jpeg_count: int | None = None,
          photos: Sequence[PhotoFacts] | None = None) -> list[LimitProblem]:
    """What the channel would refuse. Channels without limits here (website, feed) pass.

    `jpeg_count`: how many of the images the channel can get as JPEG (converted if need be).
    `photos`: the article's photos in order, when known; those the channel gets are checked.
    """
    limits = LIMITS.get(channel)
    if limits is None:
        return []
    name = _NAMES[channel]
    used = images_used(channel, image_count)
    problems: list[LimitProblem] = []
    limit, length = limits.text_limit(used), count(channel, text)
    if length > limit:
        what = "Keterangan foto" if used and limits.max_chars_text_only else "Teks"
        problems.append(LimitProblem(channel, "text_too_long", (
            f"{what} untuk {name} terlalu panjang: {length} karakter, paling banyak {limit}."),
            length, limit))
    if used == 0 and limits.min_images == 0 and not text.strip():
        problems.append(LimitProblem(channel, "text_empty", (
            f"Teks untuk {name} kosong; tanpa foto, {name} memerlukan teks."), 0, 1))
    if image_count < limits.min_images:
        problems.append(LimitProblem(channel, "too_few_images", (
            f"{name} memerlukan paling sedikit {limits.min_images} foto; artikel ini "
            f"memiliki {image_count}."), image_count, limits.min_images))
    elif limits.needs_jpeg and jpeg_count is not None and jpeg_count < limits.min_images:
        problems.append(LimitProblem(channel, "no_jpeg", (
            f"{name} hanya menerima foto JPEG; tidak ada foto artikel ini yang dapat "
            "dijadikan JPEG."), jpeg_count, limits.min_images))
    tag_count = len(_HASHTAG.findall(text))
    if limits.max_hashtags is not None and tag_count > limits.max_hashtags:
        problems.append(LimitProblem(channel, "too_many_hashtags", (
            f"Teks untuk {name} memuat {tag_count} tagar, paling banyak {limits.max_hashtags}."),
            tag_count, limits.max_hashtags))
    if photos:
        problems.extend(LimitProblem(channel, r.code, r.message, r.count, r.limit)
                        for r in photo_problems(channel, name,
                                                photos[: images_used(channel, len(photos))]))
    return problems


def _clean(text: str) -> str:
    """NFC, and no control, surrogate, private-use or unassigned code points (X refuses them)."""
    normal = unicodedata.normalize("NFC", text)
    return "".join(ch for ch in normal if ch in "\n\t" or (
        unicodedata.category(ch) not in {"Cc", "Cs", "Co", "Cn"} and ch not in "\ufeff\ufffe"))


def _short(text: str) -> str:
    words = text.split(" ")
    return text if len(words) <= _SUMMARY_WORDS else " ".join(words[:_SUMMARY_WORDS]) + ELLIPSIS


def _longest(text: str, fits: Callable[[str], bool]) -> str:
    """A long cut of `text` (at a word boundary when one is near) + ellipsis that fits, or "".

    Binary search on the cut point: `low` only ever moves to a cut that fits, so the answer
    fits even where counts are not monotonic (a cut URL stops counting as 23 on X).
    """
    low, high = 0, len(text)
    while low < high:
        mid = (low + high + 1) // 2
        if fits(_cut(text, mid)):
            low = mid
        else:
            high = mid - 1
    return _cut(text, low) if low else ""


def _cut(text: str, end: int) -> str:
    if end >= len(text):
        return text
    head = text[:end]
    space = head.rfind(" ")
    if space > end * 0.6:
        head = head[:space]
    head = head.rstrip(" .,;:")
    return head + ELLIPSIS if head else ""
