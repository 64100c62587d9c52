"""Editorial's line diff made readable on a phone: the changed words marked within each line."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

FIELD_NAMES = {"headline": "Judul", "summary": "Ringkasan", "body": "Isi berita",
               "category": "Kategori", "tags": "Tag", "attachments": "Foto",
               "channel_texts": "Teks per kanal"}
_TOKENS = re.compile(r"\s+|\S+")


@dataclass(frozen=True)
class Piece:
    text: str
    changed: bool


@dataclass(frozen=True)
class Change:
    """One change of editorial's diff: the old lines' words and the new lines' words, each
    marked where they differ (a whole line added or removed is all marked)."""

    at_line: int
    before: list[Piece]
    after: list[Piece]


def word_pieces(before: str, after: str) -> tuple[list[Piece], list[Piece]]:
    old, new = _TOKENS.findall(before), _TOKENS.findall(after)
    removed: list[Piece] = []
    added: list[Piece] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        same = tag == "equal"
        if i2 > i1:
            removed.append(Piece("".join(old[i1:i2]), not same))
        if j2 > j1:
            added.append(Piece("".join(new[j1:j2]), not same))
    return removed, added


def changes_of(field_diff: dict[str, Any]) -> list[Change]:
    found = []
    for change in field_diff.get("changes") or []:
        before, after = word_pieces("\n".join(change.get("before") or []),
                                    "\n".join(change.get("after") or []))
        found.append(Change(int(change.get("at_line", 0)), before, after))
    return found


def view(diff: dict[str, Any]) -> dict[str, Any]:
    """What diff.html shows: per text field its name and changes, then the other fields."""
    fields = [{"name": FIELD_NAMES.get(str(f.get("field")), str(f.get("field"))),
               "changes": changes_of(f)} for f in diff.get("text") or []]
    others = [FIELD_NAMES.get(str(name), str(name)) for name in diff.get("also_changed") or []]
    return {"fields": fields, "others": others}
