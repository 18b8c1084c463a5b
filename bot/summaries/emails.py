"""E-mail addresses in meeting text, look-alikes included: found and masked whole for group spaces (DESIGN §5).

People write addresses so that filters miss them, or their keyboard does it for them: a full-width
``mallory＠example.com``, a zero-width space inside, ``mallory [at] example [dot] com`` or
``mallory at example dot com``. Text is folded first (NFKC, then zero-width characters dropped),
matched on the folded form, and each match is mapped back onto the original text, so everything
around an address is kept exactly as typed and nothing of the address itself (domain included) is.
"""

from __future__ import annotations

import re
import unicodedata

EMAIL_HIDDEN = "(e-mail hidden)"

# Invisible characters that can sit inside an address without showing: zero-width space / (non-)joiner,
# word joiner and invisible operators, BOM, soft hyphen, combining grapheme joiner, Mongolian vowel
# separator, and the bidi marks and controls (which only reorder what is shown).
ZERO_WIDTH = frozenset("\u00ad\u034f\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                       "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff")
_DOTS = {"\u3002": "."}  # the ideographic full stop (NFKC keeps it; the half-width one folds into it)

# An ASCII @ (after folding) between two non-blank runs, with a dot on the right: as broad as ever.
_PLAIN = r"(?<![^\s@])[^\s@]++@[^\s@]+\.[^\s@]+"
# Spelled-out or spaced forms need a domain-like right side (labels, dots, a alphabetic or IDN top level),
# so that "meet at 10.30" or "look @ this" stay as they are.
_LOCAL = r"""(?<![^\s@()\[\]{}<>",;:])[^\s@()\[\]{}<>",;:]++"""
_AT = r"(?:\s*@\s*|\s*[\[({<]\s*(?:at|@)\s*[\])}>]\s*|\s+at\s+)"
_DOT = r"(?:\s*[\[({<]\s*(?:dot|\.)\s*[\])}>]\s*|\s+dot\s+|\.)"
_LABEL = r"[^\W_](?:[\w-]{0,62}[^\W_])?"
_TOP = r"(?:xn--[\w-]+|[^\W\d_]{2,63})(?![\w-])"
_SPELLED = rf"{_LOCAL}{_AT}{_LABEL}(?:{_DOT}{_LABEL})*{_DOT}{_TOP}"
_EMAIL = re.compile(rf"{_PLAIN}|{_SPELLED}", re.IGNORECASE)


def fold(text: str) -> str:
    """``text`` as the matcher sees it: NFKC, zero-width characters dropped, ideographic full stops as dots."""
    return _fold(text)[0]


def _fold(text: str) -> tuple[str, list[int] | None]:
    """The folded text and, for each of its characters, the index of the original one (None: unchanged)."""
    if text.isascii():
        return text, None
    parts, origin = [], []
    for index, char in enumerate(text):
        if char in ZERO_WIDTH:
            continue
        folded = unicodedata.normalize("NFKC", char)
        folded = "".join(_DOTS.get(c, c) for c in folded)
        parts.append(folded)
        origin.extend([index] * len(folded))
    return "".join(parts), origin


def email_spans(text: str) -> list[tuple[int, int]]:
    """Where ``text`` holds an e-mail address, look-alikes included: (start, end) in the original text."""
    folded, origin = _fold(text)
    spans = []
    for match in _EMAIL.finditer(folded):
        start, end = match.span()
        if origin is not None:
            start, end = origin[start], origin[end - 1] + 1
        spans.append((start, end))
    return spans


def has_email(text: str) -> bool:
    """Whether ``text`` holds something that reads as an e-mail address."""
    return bool(email_spans(text))


def mask_emails(text: str, replacement: str = EMAIL_HIDDEN) -> str:
    """``text`` with every address replaced whole (local part and domain) by ``replacement``."""
    spans = email_spans(text)
    for start, end in reversed(spans):
        text = text[:start] + replacement + text[end:]
    return text
