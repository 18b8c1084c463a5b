"""What cards say about a meeting's insights: the summary's sections, and the ``notes`` and ``speakers`` views.

Everything comes from ``Recap.insights`` (already filtered for the audience in ``bot.summaries``), and
every text Webex gave (the note, action items, names) passes through ``literal`` here. A source that is
missing shows nothing; the admin's 1:1 gets one line saying which sources are missing and why.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import bot.cards.format as fmt
from bot.cards.actions import view_actions
from bot.cards.recap_views import export_hint, header, more_line, tile
from bot.cards.style import Style, text_fn
from bot.summaries import InsightView, Recap

__all__ = ["notes", "recording_button", "speakers", "summary_parts"]
NOTE_LINES, NOTE_MORE_LINES, ACTION_ITEMS, TOP_SPEAKERS = 3, 12, 5, 5
NO_SUMMARY = "Webex has no AI summary for this meeting."
NO_TRANSCRIPT = "Webex has no transcript for this meeting, so nobody's talk time is known."
PER_PERSON = "Talk time per person is shown only in a 1:1 space."


def withheld_line(view: InsightView) -> str:
    """Under ``privacy counts``: what the AI summary holds, in numbers."""
    items = fmt.counted(view.action_count or 0, "action item")
    return f"The AI summary and its {items} are not shown here: this space shows counts only."


def talk_line(view: InsightView) -> str | None:
    """``6 speakers · 1 h 02 min of talk · recording 58 min`` (None when neither is known)."""
    parts = []
    if view.speaker_count is not None:
        parts += [fmt.counted(view.speaker_count, "speaker"), f"{fmt.duration((view.talk_ms or 0) // 1000)} of talk"]
    if view.recording_seconds is not None:
        parts.append(f"recording {fmt.duration(view.recording_seconds)}")
    line = " · ".join(parts)
    return (line[0].upper() + line[1:]) if line else None


def speaker_row(recap: Recap, speaker, style: Style) -> dict:
    """One speaker: name, talk time and share (with a native bar), and how many snippets they spoke."""
    percent = 100 * speaker.share
    return {"name": text_fn(recap)(speaker.name, style.name) or "(no name)",
            "figures": f"{fmt.duration(speaker.talk_ms // 1000)} · {fmt.percent(percent)}",
            "bar": fmt.bar_weights(percent), "bar_short": fmt.bar(percent),
            "snippets": fmt.counted(speaker.snippets, "snippet")}


def no_show_tile(view: InsightView) -> dict | None:
    """``3`` over ``invited, never came`` (None when the invitees are unknown)."""
    if view.no_show_count is None:
        return None
    return tile(fmt.number(view.no_show_count), "invited, never came", "Warning" if view.no_show_count else "Default")


def no_show_line(recap: Recap, view: InsightView, style: Style, cap: int = 8) -> str | None:
    """``Never came: Ann, Bo + 2 more (of 14 invited)``: names in the admin's 1:1; a group gets the count."""
    if view.no_show_count is None:
        return None
    of = f" (of {fmt.number(view.invited)} invited)" if view.invited is not None else ""
    if not view.no_shows:
        return f"{fmt.counted(view.no_show_count, 'invited person', 'invited people')} never came{of}."
    text = text_fn(recap)
    names = [text(p.display_name or p.email, style.name) or "(no name)" for p in view.no_shows[:cap]]
    hidden = len(view.no_shows) - len(names)
    return "Never came: " + ", ".join(names) + (f" + {fmt.number(hidden)} more" if hidden else "") + of


def recording_button(recap: Recap) -> dict | None:
    """An ``Action.OpenUrl`` to the recording's playback page (only a safe https link; None without one)."""
    view = recap.insights
    url = fmt.web_link(view.recording_url) if view else None
    return {"title": "Recording", "url": url} if url else None


def summary_parts(recap: Recap, style: Style, compact: bool) -> dict | None:
    """The summary card's insight sections: note (the rest under "More"), action items, who spoke, no-shows."""
    view = recap.insights
    if view is None:
        return None
    text = text_fn(recap)
    lines = [text(line, style.text) for line in view.note or ()]
    shown = lines[:2 if compact else NOTE_LINES]
    rest = [] if compact else lines[len(shown):len(shown) + NOTE_MORE_LINES]
    cut = len(lines) - len(shown) - len(rest)
    cap = 3 if compact else ACTION_ITEMS
    actions = [text(item, style.text) for item in view.action_items[:cap]]
    top = [speaker_row(recap, s, style) for s in view.speakers[:3 if compact else TOP_SPEAKERS]]
    return {"note": shown, "rest": rest, "rest_more": more_line(cut, "see Notes"),
            "withheld": withheld_line(view) if view.withheld and view.action_count is not None else None,
            "action_items": actions, "action_items_more": more_line(len(view.action_items) - len(actions), "see Notes"),
            "talk": talk_line(view), "speakers": top,
            "speakers_more": more_line(len(view.speakers) - len(top), "see Speakers"),
            "no_show_tile": no_show_tile(view), "no_shows": no_show_line(recap, view, style),
            "unavailable": view.unavailable or None}


def insight_views(recap: Recap) -> list[str]:
    """The insight views worth a button: notes when there is a note to read, speakers in a 1:1 with a transcript."""
    view = recap.insights
    if view is None:
        return []
    return (["notes"] if view.note or view.action_items else []) + (["speakers"] if view.speakers else [])


def notes(recap: Recap, tz: ZoneInfo, tz_name: str, *, limit: int = 60, compact: bool = False) -> dict:
    """The AI summary whole: every line of the note and every action item (each list cut to ``limit``)."""
    style, view, text = Style.pick(compact), recap.insights, text_fn(recap)
    lines = [text(line, style.text) for line in view.note or ()] if view else []
    items = [text(item, style.text) for item in view.action_items] if view else []
    empty = None
    if view is None or view.action_count is None:
        empty = NO_SUMMARY
    elif view.withheld:
        empty = withheld_line(view)
    return {"header": header(recap, tz, tz_name, "AI summary", style), "note": lines[:limit],
            "note_more": more_line(len(lines) - limit, "the rest is in Webex") if lines[limit:] else None,
            "items": items[:limit], "items_more": more_line(len(items) - limit, "the rest is in Webex")
            if items[limit:] else None, "empty": empty, "unavailable": (view.unavailable or None) if view else None,
            "actions": view_actions(recap, ["summary"], export=None, lead=recording_button(recap))}


def speakers(recap: Recap, tz: ZoneInfo, tz_name: str, *, limit: int = 40, compact: bool = False) -> dict:
    """Who spoke: totals, then (1:1 only) every speaker with talk time, share bar and snippets, most first."""
    style, view = Style.pick(compact), recap.insights
    known = view is not None and view.speaker_count is not None
    tiles = [tile(fmt.number(view.speaker_count), fmt.noun(view.speaker_count, "speaker")),
             tile(fmt.duration((view.talk_ms or 0) // 1000), "of talk")] if known else []
    if view is not None and view.recording_seconds is not None:
        tiles.append(tile(fmt.duration(view.recording_seconds), "recorded"))
    rows = [speaker_row(recap, s, style) for s in view.speakers[:limit]] if view else []
    note = None
    if not known:
        note = NO_TRANSCRIPT
    elif recap.private:
        note = PER_PERSON
    elif not view.speakers_complete:
        note = "Webex may hold more of the transcript than Recap read: the times are at least these."
    return {"header": header(recap, tz, tz_name, "Speakers", style), "tiles": tiles, "note": note, "rows": rows,
            "more": more_line(len(view.speakers) - len(rows), export_hint(recap)) if view and view.speakers[limit:]
            else None, "unavailable": (view.unavailable or None) if view else None,
            "actions": view_actions(recap, ["summary"], export="speakers", lead=recording_button(recap))}
