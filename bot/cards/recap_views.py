"""What each recap card says: a Recap turned into template contexts of ready-to-show, escaped strings.

Templates lay out; this module decides the words and numbers. Every string that came from a
meeting passes through :func:`bot.cards.markup.literal` here (with e-mails hidden for group spaces),
so templates only ever JSON-encode it. ``limit`` caps the main list of a view (the card
budget lowers it) and ``compact`` shortens nested lists and long texts when even that is not enough.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from zoneinfo import ZoneInfo

import bot.cards.format as fmt
from bot.cards.actions import view_actions
from bot.cards.markup import literal
from bot.summaries import PollStat, QuestionStat, Recap

POLL_TYPES = {"single": "single choice", "multiple": "multiple choice", "short": "short answer"}


@dataclass(frozen=True)
class Style:
    """Text lengths and nested-list caps: normal, or compact when a card must shrink further."""

    title: int = 150
    name: int = 60
    text: int = 300
    answers: int = 12
    voters: int = 8

    @classmethod
    def pick(cls, compact: bool) -> Style:
        """The normal style, or the compact one."""
        return cls(title=80, name=40, text=120, answers=6, voters=0) if compact else cls()


def more_line(hidden: int, hint: str = "use **export**") -> str | None:
    """``+ 1,950 more — use **export**`` when a list was cut, else None; ``hint`` says where the rest is.

    The ``+`` is escaped: at the start of a line, markdown would turn it into a bullet.
    """
    return f"\\+ {fmt.number(hidden)} more — {hint}" if hidden > 0 else None


def export_hint(recap: Recap) -> str:
    """Where the rest of a cut list is: an export, which Recap posts only in a 1:1 space."""
    return "use **export**" if recap.audience == "direct" else "use **export** in a 1:1 space"


def text_fn(recap: Recap):
    """``literal`` with e-mails hidden when the card goes to a group space."""
    return partial(literal, hide_emails=recap.audience == "group")


def header(recap: Recap, tz: ZoneInfo, tz_name: str, kicker: str, style: Style) -> dict:
    """Kicker, meeting title, when (with the zone named) and host."""
    text = text_fn(recap)
    host = text(recap.host_name, style.name) or "unknown"
    if recap.host_email and recap.audience == "direct":
        host += " · " + text(recap.host_email, style.name)
    return {"kicker": kicker, "title": text(recap.title, style.title) or "Untitled meeting",
            "when": fmt.span(recap.start, recap.end, tz, tz_name), "host": f"Host: {host}",
            "archive_id": recap.archive_id, "audience": recap.audience}


def tile(value: str, label: str, color: str = "Default") -> dict:
    """A big number with a small label under it; a duration wraps between its parts, never before a unit."""
    value = value.replace(" h", "\u00a0h").replace(" min", "\u00a0min").replace(" s", "\u00a0s")
    return {"value": value, "label": label, "color": color}


def attendance_tiles(recap: Recap) -> list[dict]:
    """People, peak, median stay, late joiners, early leavers."""
    a = recap.attendance
    people = len(a.people)
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


def poll_line(recap: Recap) -> str:
    """``2 polls · 5 questions · 42 of 50 people (84%) voted in at least one poll``.

    People, not votes: summing each poll's voters would count someone who voted in 50 polls 50 times.
    """
    polls = recap.polls
    if not polls:
        return "No polls in this meeting."
    questions = sum(len(p.questions) for p in polls)
    head = f"{fmt.counted(len(polls), 'poll')} · {fmt.counted(questions, 'question')}"
    voters, exact = recap.poll_voters
    people = recap.people
    if not voters:
        return f"{head} · nobody voted"
    of = f" of {fmt.number(people)}" if people >= voters else ""
    if not exact:  # only totals in the archive: who voted in several polls is unknown
        return f"{head} · at least {fmt.number(voters)}{of} people voted"
    share = f" ({fmt.percent(100 * voters / people)})" if of else ""
    who = fmt.noun(people if of else voters, "person", "people")
    return f"{head} · {fmt.number(voters)}{of} {who}{share} voted in at least one poll"


def poll_intro(recap: Recap, poll: PollStat, tz: ZoneInfo) -> str:
    """``Poll 1: 10:33–10:37 · 3 of 3 attendees voted (100%)`` (one poll's voters are distinct people)."""
    when = f"{fmt.clock(poll.start, tz, anchor=recap.start)}–{fmt.clock(poll.end, tz, anchor=recap.start)}"
    return (f"Poll {poll.number}: {when} · {fmt.number(poll.voters)} of {fmt.number(poll.eligible)} "
            f"{fmt.noun(poll.eligible, 'attendee')} voted ({fmt.percent(poll.participation)})")


def _names(recap: Recap, answer, style: Style) -> str | None:
    text = text_fn(recap)
    names = [text(v.display_name, style.name) or "(no name)" for v in answer.voters[: style.voters]]
    hidden = answer.named_voters - len(names)
    return (", ".join(names) + (f" + {fmt.number(hidden)} more" if hidden else "")) if names else None


def _answer(recap: Recap, answer, style: Style, details: bool) -> dict:
    return {"text": text_fn(recap)(answer.text, style.text) or "(empty)", "correct": answer.correct,
            "bar": fmt.bar_weights(answer.percent), "bar_short": fmt.bar(answer.percent),
            "count": fmt.number(answer.count), "percent": fmt.percent(answer.percent),
            "voters": _names(recap, answer, style) if details else None}


def question_block(recap: Recap, poll: PollStat, index: int, question: QuestionStat, style: Style,
                   *, details: bool, with_poll: bool = True) -> dict:
    """One poll question: its answers with bars and counts, the correct ones marked, who voted what.

    ``with_poll=False`` leaves the poll number out of the label, for cards that head each poll.
    """
    text = text_fn(recap)
    kind = POLL_TYPES.get(question.type, text(question.type, 20) or "question")
    answers = [_answer(recap, a, style, details) for a in question.answers[: style.answers]]
    responses = []
    if details and question.type == "short":
        responses = [f"{text(r.display_name, style.name) or '(no name)'}: {text(' / '.join(r.answers), style.text)}"
                     for r in question.responses[: style.voters]]
    eligible = poll.eligible if poll.eligible >= question.respondents else 0
    meta = (f"{fmt.number(question.respondents)} of {fmt.number(eligible)} {fmt.noun(eligible, 'attendee')} answered"
            if eligible else f"{fmt.number(question.respondents)} answered")
    if question.correct_answers:
        meta += " · correct: " + ", ".join(text(c, style.name) for c in question.correct_answers)
    hidden = len(question.answers) - len(answers)
    label = f"Poll {poll.number} · Q{index} · {kind}" if with_poll else f"Q{index} · {kind}"
    return {"poll": poll.number, "index": index, "intro": None, "label": label, "details": details,
            "text": text(question.text, style.text) or "(no text)", "meta": meta, "answers": answers,
            "more_answers": f"\\+ {fmt.counted(hidden, 'more answer')}" if hidden else None, "responses": responses}


def poll_questions(recap: Recap, limit: int, style: Style, *, details: bool,
                   with_poll: bool = True) -> tuple[list[dict], int]:
    """The first ``limit`` questions over all polls, and how many were left out."""
    flat = [(poll, i, q) for poll in recap.polls for i, q in enumerate(poll.questions, start=1)]
    blocks = [question_block(recap, poll, i, q, style, details=details, with_poll=with_poll)
              for poll, i, q in flat[:limit]]
    return blocks, len(flat) - len(blocks)


def summary(recap: Recap, tz: ZoneInfo, tz_name: str, *, limit: int = 2, compact: bool = False) -> dict:
    """The recap card: header, attendance, polls, Q&A, chat, and buttons to the detail views."""
    style, counts = Style.pick(compact), {"polls": len(recap.polls), "qa": recap.qa.total, "chats": recap.chats.total}
    questions, hidden = poll_questions(recap, limit, style, details=False)
    return {  # one way for an empty section: a line saying so, and no button leading to an empty view
        "header": header(recap, tz, tz_name, "Meeting recap", style),
        "attendance": attendance_tiles(recap),
        "polls": {"line": poll_line(recap), "questions": questions,
                  "more": f"\\+ {fmt.counted(hidden, 'more question')} — see Polls" if hidden else None},
        "qa": {"tiles": qa_tiles(recap), "hidden": hidden_note(recap.qa.hidden, "question"), "empty": not counts["qa"]},
        "chat": {"tiles": chat_tiles(recap), "line": chat_line_summary(recap, tz, style), "empty": not counts["chats"]},
        "actions": view_actions(recap, ["attendance", *(v for v, n in counts.items() if n)], export="attendance"),
    }


def hidden_note(hidden: int, noun: str) -> str | None:
    """Why some items are missing from a group space's card."""
    if not hidden:
        return None
    return f"{fmt.counted(hidden, 'non-public ' + noun)} counted but not shown in a group space."
