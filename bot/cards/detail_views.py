"""Contexts of the detail cards: attendance, polls, Q&A and chat, each a list the card budget may cut."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import bot.cards.format as fmt
from bot.cards.attendance_views import attendance
from bot.cards.markup import literal_lines
from bot.cards.poll_views import poll_intro, poll_line, poll_questions
from bot.cards.recap_views import (
    Style,
    chat_tiles,
    chat_times,
    export_hint,
    header,
    hidden_note,
    more_line,
    qa_tiles,
    text_fn,
    top_senders,
    view_actions,
)
from bot.summaries import Recap

__all__ = ["attendance", "chats", "in_time_order", "polls", "qa"]
STATUS = {"answered": ("Answered", "Good"), "unanswered": ("Unanswered", "Attention"),
          "dismissed": ("Dismissed", "Default")}


def polls(recap: Recap, tz: ZoneInfo, tz_name: str, *, limit: int = 10, compact: bool = False) -> dict:
    """Every poll question with bars, correct answers marked, and (1:1 only) who voted what and who did not answer.

    Every number is of the people present when each poll ran, and the card says so once, at the top.
    """
    style = Style.pick(compact)
    questions, hidden = poll_questions(recap, limit, style, details=recap.audience == "direct", with_poll=False)
    intros = {p.number: poll_intro(recap, p, tz) for p in recap.polls}
    for block in questions:
        block["intro"] = intros[block["poll"]] if block["index"] == 1 else None
    timed = recap.polls and all(p.base == "present" for p in recap.polls)
    base = "Every count and share is of the people present when the poll ran." if timed else None
    private = None if recap.audience == "direct" else "Who voted what, and who did not answer, are shown only in a 1:1."
    return {"header": header(recap, tz, tz_name, "Polls", style), "line": poll_line(recap), "questions": questions,
            "more": more_line(hidden, export_hint(recap)), "base": base, "note": private,
            "actions": view_actions(recap, ["summary"], export="polls")}


def in_time_order(answers: tuple) -> list:
    """Q&A answers as a conversation: by time, untimed ones last (archives list them in no reliable order)."""
    return sorted(answers, key=lambda a: (a.time is None, a.time or datetime.min))


def _qa_item(recap: Recap, item, tz: ZoneInfo, style: Style, answer_cap: int) -> dict:
    text = text_fn(recap)
    label, color = STATUS.get(item.status, (text(item.status, 20), "Default"))
    if item.first_answer_seconds is not None:
        label += f" after {fmt.duration(item.first_answer_seconds)}"
    answers = [{"who": f"{text(a.display_name, style.name) or '(no name)'} · "
                       f"{fmt.clock(a.time, tz, anchor=recap.start)}",
                "text": text(a.text, style.text) or "(empty)"} for a in in_time_order(item.answers)[:answer_cap]]
    hidden = len(item.answers) - len(answers)
    kind = "" if item.type in ("public", "dismissed") else f" · {text(item.type, 20) or 'unknown'}"
    return {"who": text(item.asker, style.name) or "(no name)",
            "when": fmt.clock(item.time, tz, anchor=recap.start) + kind,
            "text": text(item.text, style.text) or "(no text)", "status": label, "color": color, "answers": answers,
            "more_answers": f"\\+ {fmt.counted(hidden, 'more answer')}" if hidden else None}


def qa(recap: Recap, tz: ZoneInfo, tz_name: str, *, limit: int = 20, compact: bool = False) -> dict:
    """Each question with its status, time to first answer and answers (in time order)."""
    style = Style.pick(compact)
    items = [_qa_item(recap, item, tz, style, 3 if compact else 5) for item in recap.qa.questions[:limit]]
    return {"header": header(recap, tz, tz_name, "Q&A", style), "tiles": qa_tiles(recap),
            "note": hidden_note(recap.qa.hidden, "question"), "items": items,
            "more": more_line(len(recap.qa.questions) - len(items), export_hint(recap)),
            "actions": view_actions(recap, ["summary"], export="qa")}


def _chat(recap: Recap, line, tz: ZoneInfo, style: Style) -> dict:
    text = text_fn(recap)
    private = line.type != "public"
    sender = text(line.sender, style.name) or "(no name)"
    target = text(line.target, style.name) or ("?" if private else "everyone")
    meta = f"{fmt.clock(line.time, tz, anchor=recap.start)} · {sender} → {target}"
    if private:
        meta += f" · {text(line.type, 20) or 'unknown'}"
    shown = literal_lines(line.text, style.text, hide_emails=recap.audience == "group")  # line breaks kept
    return {"meta": meta, "text": shown or "(empty)", "private": private}


def chats(recap: Recap, tz: ZoneInfo, tz_name: str, *, limit: int = 40, compact: bool = False) -> dict:
    """Counts by type and the most active senders, then the most recent messages (public only in a group space).

    The end of a chat is what people ask about ("what was the link posted at the end?"), so a
    long chat shows its last messages, still oldest first, and says how many came before.
    """
    style, lines = Style.pick(compact), recap.chats.lines
    shown = [_chat(recap, line, tz, style) for line in lines[max(len(lines) - limit, 0):]] if limit > 0 else []
    kind = "message" if recap.audience == "direct" else "public message"
    window = None
    if len(shown) < recap.chats.in_view:
        window = (f"Showing the last {fmt.number(len(shown))} of {fmt.counted(recap.chats.in_view, kind)} — "
                  f"{export_hint(recap)} for all")
    source = "post-meeting chat" if recap.chat_source == "post-meeting" else "meeting archive"
    senders = top_senders(recap, style, 5)
    return {"header": header(recap, tz, tz_name, "Chat", style), "tiles": chat_tiles(recap),
            "senders": f"Most active{'' if recap.audience == 'direct' else ' in public'}: {senders}"
            if senders else None,
            "times": chat_times(recap, tz), "source": f"From the {source}; times in {tz_name}.",
            "note": hidden_note(recap.chats.hidden, "message"), "window": window, "lines": shown,
            "actions": view_actions(recap, ["summary"], export="chats")}
