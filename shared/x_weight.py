"""X's weighted length (twitter-text v3: URL 23, emoji and CJK 2), via twitter-text-parser."""

from __future__ import annotations

import warnings

# twitter-text-parser 3.0.0 reads its emoji table through setuptools' pkg_resources (pinned
# setuptools 80.x still ships it) and warns on import; the warning is not ours to fix.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)
    from twitter_text import parse_tweet  # type: ignore[import-untyped]

MAX_WEIGHTED = 280


def weighted_length(text: str) -> int:
    return int(parse_tweet(text).weightedLength)


def urls_in(text: str) -> list[tuple[str, int, int]]:
    """The URLs X recognises (and shortens to t.co) in `text`: (url, start, end) code points."""
    from twitter_text.extract_urls import extract_urls_with_indices  # type: ignore[import-untyped]

    return [(str(found["url"]), int(found["indices"][0]), int(found["indices"][1]))
            for found in extract_urls_with_indices(text)]
