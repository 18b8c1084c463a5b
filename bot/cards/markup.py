"""Meeting text as data: clean it, hide e-mail addresses, escape what Webex markdown would interpret, isolate it.

Webex renders markdown in messages and in card ``TextBlock``s, and turns ``<@all>`` or
``<@personEmail:…>`` into mentions. Anything a meeting produced (titles, names, chat lines,
questions) goes through :func:`literal` before it reaches a card or a fallback text, so that
``[click](http://x) <@all> **bold**`` is shown exactly as typed, and a right-to-left name keeps
its count beside it: ``محمد الأحمد (5)``, not ``(5) محمد الأحمد``.
"""

from __future__ import annotations

import re
import unicodedata

from bot.summaries import EMAIL_HIDDEN, has_email, mask_emails

# C0/C1 controls (except the whitespace we fold) and bidirectional overrides that could reorder what is shown.
_INVISIBLE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_SPACE = re.compile(r"\s+")
# Backslash escapes are CommonMark's own; every character here can start or end markup inline.
_INLINE = re.compile(r"([\\`*_\[\]<>~&])")
_MENTION = re.compile(r"\\<@")  # after escaping: keep "<@" from ever appearing for mention parsers
# Block markers only matter at the start of the (single) line.
_LEADING = re.compile(r"^([#+\-=|]|\d{1,9}(?=[.)]))")
_MENTION_RAW = re.compile(r"<(?=@)")
MENTION_BREAK = "<\u2060"  # "<", then U+2060 WORD JOINER: looks like "<@", parses as nothing
FSI, PDI = "\u2068", "\u2069"  # FIRST STRONG ISOLATE … POP DIRECTIONAL ISOLATE
_RIGHT_TO_LEFT = frozenset(("R", "AL", "AN"))
ELLIPSIS = "…"


def clean(text: object, limit: int | None = None) -> str:
    """One line of plain text: controls and bidi overrides removed, whitespace folded, clipped to ``limit``."""
    text = "" if text is None else str(text)
    # Lone surrogates (legal in JSON input) cannot be encoded; show them as U+FFFD instead of failing.
    text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    text = _SPACE.sub(" ", _INVISIBLE.sub("", text)).strip()
    if limit is not None and len(text) > limit:
        text = text[: max(limit - 1, 0)].rstrip() + ELLIPSIS
    return text


def redact_emails(text: str) -> str:
    """Replace every e-mail address, look-alikes included, whole (group spaces must never see one)."""
    return mask_emails(text, EMAIL_HIDDEN)


def contains_email(text: str) -> bool:
    """Whether ``text`` holds something that reads as an e-mail address (full-width, spelled out, …)."""
    return has_email(text)


def isolate(text: str) -> str:
    """``text`` between FSI and PDI when it holds right-to-left characters, so it cannot pull the numbers,
    parentheses or separators around it into its own direction; other text is returned unchanged.
    """
    if text.isascii() or not any(unicodedata.bidirectional(c) in _RIGHT_TO_LEFT for c in text):
        return text
    return f"{FSI}{text}{PDI}"


def escape_markdown(text: str) -> str:
    """Backslash-escape every character Webex markdown could read as markup, mentions or HTML."""
    text = _INLINE.sub(r"\\\1", text)
    text = _MENTION.sub(r"\\<\\@", text)
    return _LEADING.sub(lambda m: m.group(1) + "\\" if m.group(1)[0].isdigit() else "\\" + m.group(1), text)


def code(text: object, limit: int | None = None) -> str:
    """Text as an inline code span: shown raw, since backslash escapes do not work inside one.

    Backticks are dropped so the text cannot close the span, and a word joiner (invisible) keeps
    ``<@`` from reading as a mention; an empty text gives an empty string, not an empty span.
    """
    text = clean(text, limit).replace("`", "").strip()
    return f"`{_MENTION_RAW.sub(MENTION_BREAK, text)}`" if text else ""


def literal(text: object, limit: int | None = None, *, hide_emails: bool = False) -> str:
    """Meeting text made safe to show as-is: cleaned, e-mails hidden if asked, clipped, escaped, then isolated."""
    text = clean(text)
    if hide_emails:  # before clipping: a clipped address ("mallory@exam…") would no longer read as one
        text = redact_emails(text)
    return isolate(escape_markdown(clean(text, limit)))


_LINE_BREAK = re.compile("\r\n|[\r\n\x0b\x0c\x85\u2028\u2029]")
MAX_LINES = 12  # lines of one message a card shows (a pasted log would otherwise fill it)


def literal_lines(text: object, limit: int | None = None, *, hide_emails: bool = False) -> str:
    """Multi-line meeting text made safe like :func:`literal`, line by line, the lines kept as paragraphs.

    Each line is cleaned, escaped and isolated on its own (so a line starting with ``#`` or ``1.`` is
    text, not a heading or a list), blank lines are dropped, and the lines are joined with a blank line,
    which a wrapping ``TextBlock`` shows as a paragraph break. E-mails are hidden on the whole text; an
    address broken over two lines is hidden too, by showing the message as one line.
    """
    lines = [line for line in (clean(part) for part in _LINE_BREAK.split(clean_breaks(text))) if line]
    if hide_emails:
        masked = redact_emails("\n".join(lines))
        if contains_email(masked.replace("\n", " ")):
            return literal(" ".join(lines), limit, hide_emails=True)
        lines = [line for line in (clean(part) for part in masked.split("\n")) if line]
    kept, room = [], limit
    for line in lines[:MAX_LINES]:
        if room is not None and room <= 0:
            break
        kept.append(clean(line, room))
        room = None if room is None else room - len(kept[-1]) - 1
    if len(kept) < len(lines) and kept and not kept[-1].endswith(ELLIPSIS):
        kept[-1] += " " + ELLIPSIS
    return "\n\n".join(isolate(escape_markdown(line)) for line in kept)


def clean_breaks(text: object) -> str:
    """``text`` as a string whose line breaks survive :func:`clean` of each line (lone surrogates replaced)."""
    text = "" if text is None else str(text)
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
