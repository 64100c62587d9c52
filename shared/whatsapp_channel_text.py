"""A WhatsApp Channel update, copy-ready: Channels have no API, so an editor pastes it by hand."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from shared.channel_text import hashtags, plain_text

# WhatsApp's own markup: *bold*, _italic_, ~strikethrough~, `code`. A marker inside the
# headline would end (or open) a span early, so the headline carries none of them.
MARKERS = "*_~`"
ELLIPSIS = "…"
# Without an editor's summary, the start of the body stands in for it: a short paragraph, cut
# at a word, so the post invites a tap on the link rather than replacing the article.
SUMMARY_WORDS = 60


def whatsapp_channel_text(*, headline: str, summary: str | None, link: str,
                          tags: Sequence[str], body_html: str | None = None) -> str:
    """*Headline*, the summary, the website's link and the hashtags, one paragraph each."""
    title = " ".join(_clean(headline).translate({ord(m): None for m in MARKERS}).split())
    short = " ".join(_clean(summary).split()) if summary and summary.strip() else _start(
        body_html)
    parts = (f"*{title}*" if title else "", short, _clean(link).strip(),
             " ".join(hashtags(tags)))
    return "\n\n".join(part for part in parts if part)


def _start(body_html: str | None) -> str:
    words = " ".join(_clean(plain_text(body_html or "")).split()).split(" ")
    if len(words) <= SUMMARY_WORDS:
        return " ".join(words).strip()
    return " ".join(words[:SUMMARY_WORDS]).rstrip(",;:") + ELLIPSIS


def _clean(text: str) -> str:
    """NFC, and no control or invisible format characters that would paste as garbage."""
    normal = unicodedata.normalize("NFC", text)
    return "".join(ch for ch in normal if ch in "\n\t" or (unicodedata.category(ch) not in {
        "Cc", "Cs", "Co", "Cn"} and ch not in "\ufeff\ufffe"))
