"""Sanitized article HTML to the tags Telegram's HTML parse mode accepts; all else escaped."""

from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser

# Our tag -> Telegram's tag (https://core.telegram.org/bots/api#html-style).
_INLINE = {"b": "b", "strong": "b", "i": "i", "em": "i", "u": "u", "ins": "u",
           "s": "s", "strike": "s", "del": "s", "code": "code"}
_BLOCKS = {"p", "div", "ul", "ol", "table", "tr", "figure", "figcaption", "hr", "h1", "h2",
           "h3", "h4", "h5", "h6"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_BREAK_BEFORE_CLOSE = re.compile(r"\n+(</(?:b|i|u|s|a|code|pre|blockquote)>)")
_SAFE_HREF = re.compile(r"^(https://|mailto:)", re.IGNORECASE)


class _TelegramWriter(HTMLParser):
    """Keeps an explicit stack, so the output is always well nested whatever came in."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.stack: list[tuple[str, str]] = []  # (input tag, Telegram tag or "")
        # One entry per open list: the last number given in an <ol>, None in a <ul>. Telegram
        # has no list entity, so items get their marker as text, numbered as the plain
        # rendering numbers them ("1. ", "2. ").
        self.lists: list[int | None] = []

    def _inside(self, *tags: str) -> bool:
        return any(tg in tags for _, tg in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.out.append("\n")
            return
        self._open_block(tag)
        telegram = ""
        if self._inside("pre", "code"):
            telegram = ""  # Telegram allows no entity inside pre/code
        elif tag in _INLINE:
            telegram = _INLINE[tag]
        elif tag in _HEADINGS and not self._inside("b"):
            telegram = "b"
        elif tag == "blockquote" and not self._inside("blockquote"):
            telegram = "blockquote"  # blockquotes cannot nest
        elif tag == "pre":
            telegram = "pre"
        elif tag == "a" and not self._inside("a"):
            href = dict(attrs).get("href") or ""
            if _SAFE_HREF.match(href):
                self.out.append(f'<a href="{escape(href, quote=True)}">')
                self.stack.append((tag, "a"))
                return
        if tag in _INLINE or tag in _HEADINGS or tag in {"a", "blockquote", "pre"}:
            if telegram:
                self.out.append(f"<{telegram}>")
            self.stack.append((tag, telegram))

    def _open_block(self, tag: str) -> None:
        nested_list = tag in {"ol", "ul"} and bool(self.lists)
        if (tag in _BLOCKS or tag in {"li", "blockquote"}) and not nested_list:
            self.out.append("\n")  # a list inside an item starts on the item's next line
        if tag == "li":
            self.out.append(self._marker())
        elif tag in {"ol", "ul"}:
            self.lists.append(0 if tag == "ol" else None)

    def _marker(self) -> str:
        number = self.lists[-1] if self.lists else None
        if number is None:
            return "• "
        self.lists[-1] = number + 1
        return f"{number + 1}. "

    def handle_endtag(self, tag: str) -> None:
        if tag in {"ol", "ul"} and self.lists:
            self.lists.pop()
            if self.lists:
                return  # the outer list's next item starts its own line
        if any(t == tag for t, _ in self.stack):
            while self.stack:
                opened, telegram = self.stack.pop()
                if telegram:
                    self.out.append(f"</{telegram}>")
                if opened == tag:
                    break
        if tag in _BLOCKS or tag == "blockquote":
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        self.out.append(escape(data, quote=False))

    def result(self) -> str:
        self.close()
        while self.stack:
            _, telegram = self.stack.pop()
            if telegram:
                self.out.append(f"</{telegram}>")
        return "".join(self.out)


def to_telegram_html(body_html: str) -> str:
    writer = _TelegramWriter()
    writer.feed(body_html)
    # A block that ends inside a tag ("<b>a</p></b>") leaves its line break inside; move it out.
    html, moved = writer.result(), 1
    while moved:
        html, moved = _BREAK_BEFORE_CLOSE.subn(r"\1\n", html)
    return tidy_lines(html)


def tidy_lines(text: str) -> str:
    """Trim each line, at most one blank line in a row, nothing blank at either end."""
    lines = [line.strip() for line in text.replace("\r", "").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
