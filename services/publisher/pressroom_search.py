"""Search terms of a press-room article: normalised words of its headline, summary and body.

Stored on the feed item as a multikey array with an index, so that a search is a database query
(every word of the query must be among the article's terms), never a scan in memory.
"""

from __future__ import annotations

import re
import unicodedata

_TAG = re.compile(r"<[^>]+>")
_WORD = re.compile(r"\w+")
MAX_TERMS = 3000  # a very long body keeps its first distinct words: enough to be found
MAX_QUERY_TERMS = 8
MIN_LENGTH = 2


def _fold(text: str) -> str:
    """Lower case without accents, so "Pelantikan" finds "pelantikan" and "Café" finds "cafe"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """Distinct normalised words of `text` (HTML tags dropped), in order of appearance."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(_fold(_TAG.sub(" ", text))):
        if len(word) >= MIN_LENGTH and word not in seen:
            seen[word] = None
    return list(seen)


def search_terms(headline: str, summary: str | None, body_html: str) -> list[str]:
    return words(f"{headline} {summary or ''} {body_html}")[:MAX_TERMS]


def query_terms(query: str) -> list[str]:
    """The words a reader typed, as stored terms; extra words beyond a few are ignored."""
    return words(query)[:MAX_QUERY_TERMS]
