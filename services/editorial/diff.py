"""Pure diff of two content versions: what changed in the headline, summary and body (text)."""

from __future__ import annotations

import difflib
from typing import Any

from services.editorial.domain import CONTENT_FIELDS
from shared.channel_text import plain_text

TEXT_FIELDS = ("headline", "summary", "body_html")


def _lines(field: str, value: Any) -> list[str]:
    if not value:
        return []
    text = plain_text(str(value)) if field == "body_html" else str(value)
    return text.splitlines()


def field_diff(field: str, before: Any, after: Any) -> dict[str, Any]:
    """Per changed line: `-` removed, `+` added (difflib's opcodes, as structured JSON)."""
    old, new = _lines(field, before), _lines(field, after)
    changes = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        changes.append({"op": tag, "before": old[i1:i2], "after": new[j1:j2],
                        "at_line": j1 + 1})
    return {"field": "body" if field == "body_html" else field, "before": before,
            "after": after, "changes": changes,
            "unified": list(difflib.unified_diff(old, new, lineterm="", n=1))}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    texts = [field_diff(f, before.get(f), after.get(f)) for f in TEXT_FIELDS
             if before.get(f) != after.get(f)]
    others = [f for f in CONTENT_FIELDS if f not in TEXT_FIELDS and before.get(f) != after.get(f)]
    return {"text": texts, "also_changed": others}
