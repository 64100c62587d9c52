"""Telegram's HTML parse mode as the server applies it: visible text + entities, or a 400."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

# https://core.telegram.org/bots/api#html-style: "Only the tags mentioned above are supported".
_ENTITY_TYPE = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "tg-spoiler": "spoiler", "span": "spoiler", "a": "text_link", "code": "code", "pre": "pre",
    "blockquote": "blockquote", "tg-emoji": "custom_emoji", "tg-time": "date_time",
}
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s[^<>]*)?)>")
_CHAR_REF = re.compile(r"&(#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|lt|gt|amp|quot);")
_HREF = re.compile(r"""href\s*=\s*(?:"([^"]*)"|'([^']*)')""")


class EntityError(ValueError):
    """The text of a 400 "Bad Request: can't parse entities: ..." answer."""


@dataclass
class _Open:
    name: str
    start: int  # in UTF-16 code units of the visible text, as MessageEntity.offset is
    url: str | None


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Visible text and its entities; raises EntityError where Telegram answers 400."""
    out: list[str] = []
    entities: list[dict[str, Any]] = []
    stack: list[_Open] = []
    position = index = 0
    while index < len(source):
        char = source[index]
        if char == "<":
            match = _TAG.match(source, index)
            byte_offset = len(source[:index].encode())  # Telegram reports byte offsets
            if match is None:
                raise EntityError(f"Unclosed start tag at byte offset {byte_offset}")
            _tag(match, stack, entities, position, byte_offset)
            index = match.end()
            continue
        ref = _CHAR_REF.match(source, index) if char == "&" else None
        piece = html.unescape(ref.group(0)) if ref else char
        index = ref.end() if ref else index + 1
        out.append(piece)
        position += _units(piece)
    if stack:
        raise EntityError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _tag(match: re.Match[str], stack: list[_Open], entities: list[dict[str, Any]],
         position: int, byte_offset: int) -> None:
    closing, name, attrs = match.group(1), match.group(2).lower(), match.group(3)
    if not closing:
        if name not in _ENTITY_TYPE or (name == "span" and "tg-spoiler" not in attrs):
            raise EntityError(f'Unsupported start tag "{name}" at byte offset {byte_offset}')
        if name == "blockquote" and any(o.name == "blockquote" for o in stack):
            raise EntityError("Blockquote entities can't be nested")
        href = _HREF.search(attrs)
        url = (href.group(1) or href.group(2) or "") if href else None
        stack.append(_Open(name, position, html.unescape(url) if url else None))
        return
    if not stack:
        raise EntityError(f"Unexpected end tag at byte offset {byte_offset}")
    opened = stack.pop()
    if opened.name != name:
        raise EntityError(f'Unmatched end tag at byte offset {byte_offset}, expected '
                          f'"</{opened.name}>", found "</{name}>"')
    if position == opened.start or (name == "a" and not opened.url):
        return  # empty entities and links without href carry nothing
    entity: dict[str, Any] = {"type": _ENTITY_TYPE[name], "offset": opened.start,
                              "length": position - opened.start}
    if name == "a":
        entity["url"] = opened.url
    entities.append(entity)
