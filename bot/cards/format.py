"""How numbers, durations, times and bars read on a card: short, unambiguous, in the reader's time zone."""

from __future__ import annotations

import math
import re
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import UsageError

BAR_CELLS = 10  # the markdown fallback's text bar; cards draw native bars (bar_weights)
BAR_FULL, BAR_HALF, BAR_TRACK = "█", "▌", "░"


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``, or a UsageError naming it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise UsageError(f"unknown time zone {name!r}: use an IANA name such as Europe/Paris or UTC") from None


def number(value: int) -> str:
    """``1950`` → ``1,950``."""
    return f"{value:,}"


def percent(value: float | None) -> str:
    """``66.66`` → ``67%``; near 0 or 100 one decimal is kept, so 0.4 % is not "0%" nor 99.8 % "100%"."""
    if value is None:
        return "–"
    if 0 < value < 1:
        return f"{math.ceil(value * 10) / 10:.1f}%"
    if 99 < value < 100:
        return f"{math.floor(value * 10) / 10:.1f}%"
    return f"{value:.0f}%"


def duration(seconds: int | None) -> str:
    """Rounded for reading: ``45`` → ``45 s``, ``2571`` → ``43 min``, ``3960`` → ``1 h 06 min``, ``None`` → ``–``.

    Cards show these; exports keep the exact seconds.
    """
    if seconds is None:
        return "–"
    seconds = max(int(seconds), 0)
    if seconds < 60:
        return f"{seconds} s"
    minutes = (seconds + 30) // 60
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def local(when: datetime | None, tz: ZoneInfo) -> datetime | None:
    """``when`` seen from ``tz``."""
    return when.astimezone(tz) if when else None


def day(when: datetime) -> str:
    """``Thu 3 Nov 2022`` (English, whatever the process locale)."""
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    return f"{days[when.weekday()]} {when.day} {months[when.month - 1]} {when.year}"


def clock(when: datetime | None, tz: ZoneInfo, *, seconds: bool = False, anchor: datetime | None = None) -> str:
    """``10:32`` in ``tz``; prefixed with the day when it is not ``anchor``'s day; ``–`` when unknown."""
    if when is None:
        return "–"
    when = when.astimezone(tz)
    text = when.strftime("%H:%M:%S" if seconds else "%H:%M")
    if anchor is not None and anchor.astimezone(tz).date() != when.date():
        text = f"{when.day} {day(when).split()[2]} {text}"
    return text


def span(start: datetime | None, end: datetime | None, tz: ZoneInfo, tz_name: str) -> str:
    """``Thu 3 Nov 2022 · 10:37–11:15 (Europe/Paris)``; the zone is always named."""
    if start is None and end is None:
        return f"time not recorded ({tz_name})"
    first = (start or end).astimezone(tz)
    if start is None or end is None or end == start:  # one known instant: "10:37", not "10:37–10:37"
        return f"{day(first)} · {clock(first, tz)} ({tz_name})"
    return f"{day(first)} · {clock(start, tz)}–{clock(end, tz, anchor=first)} ({tz_name})"


def bar(share: float, cells: int = BAR_CELLS) -> str:
    """A text bar for a share in percent, ``█████▌░░░░`` (Webex cards have no chart element).

    Full and half blocks on a light-shade track, all from the old PC character set that every
    monospace font draws at one width (finer eighth blocks come from fallback fonts and wobble);
    the exact share is printed beside it; a non-zero share never looks empty, nor one under 100 % full.
    """
    share = max(0.0, min(share, 100.0))
    halves = round(share / 100 * cells * 2) or (1 if share > 0 else 0)
    if share < 100:
        halves = min(halves, cells * 2 - 1)
    full, half = divmod(halves, 2)
    filled = BAR_FULL * full + BAR_HALF * half
    return filled + BAR_TRACK * (cells - len(filled))


def bar_weights(share: float) -> tuple[float, float]:
    """Width weights of a native bar's filled part and its track, for a share in percent.

    A non-zero share never looks empty, nor one under 100 % full; 0 means no filled part, 0 no track.
    """
    share = max(0.0, min(share, 100.0))
    filled = round(share, 1)
    if 0 < share and filled < 0.5:
        filled = 0.5
    if share < 100 and filled > 99.5:
        filled = 99.5
    return filled, round(100 - filled, 1)


def noun(count: int, singular: str, plural: str | None = None) -> str:
    """``message`` or ``messages``, as ``count`` needs."""
    return singular if count == 1 else (plural or singular + "s")


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """``1 message``, ``1,950 messages``."""
    return f"{number(count)} {noun(count, singular, plural)}"


def meeting_number(value: str | None) -> str:
    """``25551234567`` → ``2555 123 4567``, as Webex writes meeting numbers (9 digits: ``123 456 789``)."""
    digits = re.sub(r"\D", "", value or "")
    if len(digits) == 11:
        return f"{digits[:4]} {digits[4:7]} {digits[7:]}"
    if len(digits) in (9, 10):
        return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
    return digits or (value or "").strip()


def site(url: str | None) -> str | None:
    """``https://example.webex.com/`` → ``example.webex.com``: the site as people say it."""
    text = (url or "").strip()
    return (urlsplit(text).hostname if "//" in text else text.split("/")[0]) or None


_SAFE_URL = re.compile(r"https://[A-Za-z0-9.-]+(?::\d+)?(?:/[A-Za-z0-9._~!$&'*+,;=:@%/?#-]*)?")


def web_link(url: str | None) -> str | None:
    """The meeting's page as a link a card may carry: an https URL with nothing that could end a markdown link."""
    text = (url or "").strip()
    return text if _SAFE_URL.fullmatch(text) else None
