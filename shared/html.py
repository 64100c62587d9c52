"""The one HTML allowlist for article bodies (a security policy, like auth): nh3, https/mailto."""

from __future__ import annotations

import asyncio

import nh3

ALLOWED_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "blockquote", "h2", "h3", "h4",
    "a", "figure", "figcaption", "table", "thead", "tbody", "tr", "th", "td", "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}, "td": {"colspan", "rowspan"}}
# Above this size the sanitizer runs in a thread so it cannot stall the event loop.
_INLINE_LIMIT = 20_000


def sanitize(raw: str) -> str:
    return nh3.clean(
        raw, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes={"https", "mailto"},
        link_rel="noopener noreferrer nofollow", strip_comments=True,
    )


async def sanitize_async(raw: str) -> str:
    if len(raw) <= _INLINE_LIMIT:
        return sanitize(raw)
    return await asyncio.to_thread(sanitize, raw)
