"""The recap card: the whole meeting at a glance, its insights first when Webex had any, with buttons to the rest."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import bot.cards.automatic as automatic_words
import bot.cards.format as fmt
from bot.cards.actions import view_actions
from bot.cards.insight_views import insight_views, recording_button, summary_parts
from bot.cards.poll_views import poll_line, poll_questions
from bot.cards.recap_views import (
    attendance_tiles,
    chat_line_summary,
    chat_tiles,
    header,
    hidden_note,
    qa_tiles,
)
from bot.cards.style import Style
from bot.summaries import Recap


def summary(recap: Recap, tz: ZoneInfo, tz_name: str, *, limit: int = 2, compact: bool = False, automatic=None) -> dict:
    """The recap card: header, insights, attendance, polls, Q&A, chat, buttons to the detail views.

    ``automatic``: see render. With insights, the note's "More" is an action in the body, so the buttons
    below make room for it (Webex shows five actions a card); the recording is a button when one fits,
    else a link in the header.
    """
    style, counts = Style.pick(compact), {"polls": len(recap.polls), "qa": recap.qa.total, "chats": recap.chats.total}
    questions, hidden = poll_questions(recap, limit, style, details=False)
    insights = summary_parts(recap, style, compact)
    reserved = 1 if insights and insights["rest"] else 0
    views = ["attendance", *(v for v, n in counts.items() if n), *insight_views(recap)]
    recording = recording_button(recap)
    sent = automatic_words.parts(automatic, recap.audience)
    actions = view_actions(recap, views, export="attendance", lead=recording, tail=sent.pop("button"),
                           reserved=reserved)
    top = header(recap, tz, tz_name, "Meeting recap", style)
    if recording and not any(a.get("url") for a in actions):  # no room for the button: a link, then
        top["recording"] = recording["url"]
    tiles = attendance_tiles(recap) + ([insights["no_show_tile"]] if insights and insights["no_show_tile"] else [])
    return {  # one way for an empty section: a line saying so, and no button leading to an empty view
        "header": top, "insights": insights, "attendance": tiles,
        "polls": {"line": poll_line(recap), "questions": questions,
                  "more": f"\\+ {fmt.counted(hidden, 'more question')} — see Polls" if hidden else None},
        "qa": {"tiles": qa_tiles(recap), "hidden": hidden_note(recap.qa.hidden, "question"), "empty": not counts["qa"]},
        "chat": {"tiles": chat_tiles(recap), "line": chat_line_summary(recap, tz, style), "empty": not counts["chats"]},
        "actions": actions, **sent}
