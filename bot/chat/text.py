"""Clean a message's text before parsing: drop the bot's @mention, normalise quotes and spaces (pure)."""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser

_SMART = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2018": "'", "\u2019": "'",
                        "\u00a0": " ", "\u202f": " ", "\u200b": ""})


class _MentionFinder(HTMLParser):
    """Collects ``(data-object-id, inner text)`` for every ``<spark-mention>`` in a message's html."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.mentions: list[tuple[str, str]] = []
        self._current: list[str] | None = None
        self._object_id = ""

    def handle_starttag(self, tag, attrs):
        if tag == "spark-mention":
            self._object_id = dict(attrs).get("data-object-id") or ""
            self._current = []

    def handle_endtag(self, tag):
        if tag == "spark-mention" and self._current is not None:
            self.mentions.append((self._object_id, "".join(self._current)))
            self._current = None

    def handle_data(self, data):
        if self._current is not None:
            self._current.append(data)


def mentions_in(html: str) -> list[tuple[str, str]]:
    """The ``(person id, shown text)`` of each @mention in a message's html."""
    finder = _MentionFinder()
    finder.feed(html)
    finder.close()
    return finder.mentions


def strip_mention(text: str, *, html: str | None = None, is_bot: Callable[[str], bool] | None = None,
                  bot_name: str | None = None) -> str:
    """The text without the bot's @mention: located by the html (``is_bot`` tells its person id), else by name."""
    shown = [t for pid, t in mentions_in(html) if is_bot and is_bot(pid)] if html else []
    for mention in shown:
        text = _remove_once(text, mention.strip())
    if not shown and bot_name:
        text = _strip_leading_name(text, bot_name)
    return text


def _remove_once(text: str, mention: str) -> str:
    if not mention:
        return text
    at = text.find(mention)
    if at < 0:
        at = text.lower().find(mention.lower())
    return text if at < 0 else text[:at] + " " + text[at + len(mention):]


def _strip_leading_name(text: str, bot_name: str) -> str:
    # Webex clients may shorten a mention to the first name ("Recap" for "Recap Bot").
    stripped = text.lstrip()
    for name in dict.fromkeys((bot_name.strip(), bot_name.strip().split(" ")[0])):
        if name and re.match(rf"@?{re.escape(name)}(?=$|[\s,:;])", stripped, re.IGNORECASE):
            return stripped[len(name) + stripped.startswith("@"):].lstrip(" ,:;")
    return text


def clean_text(text: str) -> str:
    """Text with typographic quotes made plain and odd spaces normalised, trimmed."""
    return text.translate(_SMART).strip()
