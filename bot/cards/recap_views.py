"""What each recap card says: a Recap turned into template contexts of ready-to-show, escaped strings.

Templates lay out; this module decides the words and numbers. Every string that came from a
meeting passes through :func:`bot.cards.markup.literal` here (with e-mails hidden for group spaces),
so templates only ever JSON-encode it. ``limit`` caps the main list of a view (the card
budget lowers it) and ``compact`` shortens nested lists and long texts when even that is not enough.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import bot.cards.format as fmt
from bot.cards.actions import view_actions  # noqa: F401 (the detail views take it from here)
from bot.cards.style import Style, text_fn
from bot.summaries import Recap


def more_line(hidden: int, hint: str = "use **export**") -> str | None:
    """``+ 1,950 more — use **export**`` when a list was cut, else None; ``hint`` says where the rest is.

    The ``+`` is escaped: at the start of a line, markdown would turn it into a bullet.
    """
    return f"\\+ {fmt.number(hidden)} more — {hint}" if hidden > 0 else None


def export_hint(recap: Recap) -> str:
    """Where the rest of a cut list is: an export, which Recap posts only in a 1:1 space."""
    return "use **export**" if recap.audience == "direct" else "use **export** in a 1:1 space"


def header(recap: Recap, tz: ZoneInfo, tz_name: str, kicker: str, style: Style) -> dict:
    """Kicker, meeting title, when (with the zone named), host, and where the meeting lives when known.

    ``where`` is the meeting number and site, ``link`` the meeting's own page ("Open in Webex"; a group
    may see it, it is not anyone's address). ``recording`` is the slot for the recording's playback
    link: the summary puts it there when no Recording button fits (``bot.cards.summary_view``).
    """
    text = text_fn(recap)
    host = text(recap.host_name, style.name) or "unknown"
    if recap.host_email and recap.audience == "direct":
        host += " · " + text(recap.host_email, style.name)
    where = [f"Meeting {fmt.meeting_number(recap.meeting_number)}" if recap.meeting_number else None,
             text(fmt.site(recap.site_url), style.name) or None]
    return {"kicker": kicker, "title": text(recap.title, style.title) or "Untitled meeting",
            "when": fmt.span(recap.start, recap.end, tz, tz_name), "host": f"Host: {host}",
            "where": " · ".join(w for w in where if w) or None, "link": fmt.web_link(recap.web_link),
            "recording": None, "archive_id": recap.archive_id, "audience": recap.audience, "withheld": recap.withheld}


def tile(value: str, label: str, color: str = "Default") -> dict:
    """A big number with a small label under it; a duration wraps between its parts, never before a unit."""
    value = value.replace(" h", "\u00a0h").replace(" min", "\u00a0min").replace(" s", "\u00a0s")
    return {"value": value, "label": label, "color": color}


def attendance_tiles(recap: Recap) -> list[dict]:
    """People, peak, median stay, late joiners, early leavers."""
    a, people = recap.attendance, recap.people  # the count, even where privacy leaves no row to count
    return [tile(fmt.number(people), fmt.noun(people, "person", "people")), tile(fmt.number(a.peak), "at peak"),
            tile(fmt.duration(a.median_seconds), "median stay"),
            tile(fmt.number(a.late_joiners), "joined late", "Warning" if a.late_joiners else "Default"),
            tile(fmt.number(a.early_leavers), "left early", "Warning" if a.early_leavers else "Default")]


def qa_tiles(recap: Recap) -> list[dict]:
    """Questions, answered, unanswered, dismissed, median time to first answer."""
    q = recap.qa
    return [tile(fmt.number(q.total), fmt.noun(q.total, "question")),
            tile(fmt.number(q.answered), "answered", "Good" if q.answered else "Default"),
            tile(fmt.number(q.unanswered), "unanswered", "Attention" if q.unanswered else "Default"),
            tile(fmt.number(q.dismissed), "dismissed"),
            tile(fmt.duration(q.median_first_answer_seconds), "median wait")]


def chat_tiles(recap: Recap) -> list[dict]:
    """Messages by type."""
    by_type, total = recap.chats.by_type, recap.chats.total
    others = sum(n for kind, n in by_type.items() if kind not in ("public", "group", "private"))
    tiles = [tile(fmt.number(total), fmt.noun(total, "message")), tile(fmt.number(by_type["public"]), "public"),
             tile(fmt.number(by_type["group"]), "group"), tile(fmt.number(by_type["private"]), "private")]
    return tiles + ([tile(fmt.number(others), "other")] if others else [])


def chat_times(recap: Recap, tz: ZoneInfo) -> str | None:
    """``First 10:32 · last 11:05``, or None without messages."""
    chats = recap.chats
    if not chats.total:
        return None
    return (f"First {fmt.clock(chats.first, tz, anchor=recap.start)} · "
            f"last {fmt.clock(chats.last, tz, anchor=recap.start)}")


def top_senders(recap: Recap, style: Style, count: int = 3) -> str | None:
    """``Alice (12), Bob (9)``: the most active senders (among public lines only, in a group space)."""
    text = text_fn(recap)
    names = [f"{text(name, style.name)} ({fmt.number(n)})" for name, n in recap.chats.top_senders[:count]]
    return ", ".join(names) or None


def chat_line_summary(recap: Recap, tz: ZoneInfo, style: Style) -> str:
    """First and last message times and the most active senders."""
    times = chat_times(recap, tz)
    if times is None:
        return "No chat in this meeting."
    senders = top_senders(recap, style)
    if not senders:
        return times
    return f"{times} · most active{'' if recap.audience == 'direct' else ' in public'}: {senders}"


def hidden_note(hidden: int, noun: str) -> str | None:
    """Why some items are missing from a group space's card."""
    if not hidden:
        return None
    return f"{fmt.counted(hidden, 'non-public ' + noun)} counted but not shown in a group space."
