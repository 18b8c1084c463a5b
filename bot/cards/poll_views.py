"""What the poll parts of a card say: one base per card, named, and who did not answer (1:1 only).

Every count and share on a card is "of" the same people: those present while the poll ran
(from the attendance spans, kept in the digest). Where a poll's time is unknown that is everyone
in the meeting, and without any attendance the user count Webex reported; the words say which.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import bot.cards.format as fmt
from bot.cards.style import Style, text_fn
from bot.summaries import PollStat, QuestionStat, Recap

POLL_TYPES = {"single": "single choice (one answer)", "multiple": "multiple choice (several answers)",
              "short": "short answer"}
# What a poll's base counts, as the words after "of the 11 …".
BASE_WORDS = {"present": "present when the poll ran", "meeting": "in the meeting", "reported": "in the poll"}
SHORT_BASE = {"present": "present", "meeting": "in the meeting", "reported": "in the poll"}


def base(count: int, kind: str, *, short: bool = False) -> str:
    """``the 11 people present when the poll ran`` (or, ``short``, ``the 11 present``)."""
    if short:
        return f"the {fmt.number(count)} {SHORT_BASE.get(kind, 'present')}"
    return f"the {fmt.number(count)} {fmt.noun(count, 'person', 'people')} {BASE_WORDS.get(kind, 'present')}"


def share(count: int, of: int) -> str:
    """``73%`` of ``of`` (``–`` when there is no base)."""
    return fmt.percent(100 * count / of) if of else fmt.percent(None)


def poll_line(recap: Recap) -> str:
    """``2 polls · 5 questions · 42 of the 50 people present during the polls (84%) voted``.

    People, not votes: summing each poll's voters would count someone who voted in 50 polls 50 times.
    The base is who was present during at least one poll, the same kind of base as each poll's.
    """
    polls = recap.polls
    if not polls:
        return "No polls in this meeting."
    questions = sum(len(p.questions) for p in polls)
    head = f"{fmt.counted(len(polls), 'poll')} · {fmt.counted(questions, 'question')}"
    voters, exact = recap.poll_voters
    if not voters:
        return f"{head} · nobody voted"
    timed = all(p.base == "present" for p in polls)
    people = recap.poll_present if recap.poll_present >= voters else max(recap.people, voters)
    during = "present during the polls" if timed and recap.poll_present >= voters else "in the meeting"
    of = f"of the {fmt.number(people)} {fmt.noun(people, 'person', 'people')} {during}"
    if not exact:  # only totals in the archive: who voted in several polls is unknown
        return f"{head} · at least {fmt.number(voters)} {of} voted"
    return f"{head} · {fmt.number(voters)} {of} ({share(voters, people)}) voted in at least one poll"


def poll_intro(recap: Recap, poll: PollStat, tz: ZoneInfo) -> str:
    """``Poll 1: 10:33–10:37 · 3 of the 3 people present when the poll ran voted (100%)``."""
    when = f"{fmt.clock(poll.start, tz, anchor=recap.start)}–{fmt.clock(poll.end, tz, anchor=recap.start)} · "
    if poll.start is None and poll.end is None:
        when = ""  # not "–––"
    return (f"Poll {poll.number}: {when}{fmt.number(poll.voters)} of {base(poll.eligible, poll.base)} "
            f"voted ({share(poll.voters, poll.eligible)})")


def _names(recap: Recap, answer, style: Style) -> str | None:
    text = text_fn(recap)
    names = [text(v.display_name, style.name) or "(no name)" for v in answer.voters[: style.voters]]
    hidden = answer.named_voters - len(names)
    return (", ".join(names) + (f" + {fmt.number(hidden)} more" if hidden else "")) if names else None


def _answer(recap: Recap, poll: PollStat, answer, style: Style, details: bool) -> dict:
    # The same base as every other number on the card: the people who could answer, not those who did.
    percent = 100 * answer.count / poll.eligible if poll.eligible else answer.percent
    return {"text": text_fn(recap)(answer.text, style.text) or "(empty)", "correct": answer.correct,
            "bar": fmt.bar_weights(percent), "bar_short": fmt.bar(percent),
            "count": fmt.number(answer.count), "percent": fmt.percent(percent),
            "voters": _names(recap, answer, style) if details else None}


def missing_line(recap: Recap, question: QuestionStat, style: Style) -> str | None:
    """``Did not answer: Ann, Bob + 4 more`` (1:1 only; names by name, capped, with the count)."""
    if not question.missing_count or recap.audience != "direct":
        return None
    text = text_fn(recap)
    names = [text(name, style.name) or "(no name)" for name in question.missing[: style.voters]]
    if not names:
        return f"Did not answer: {fmt.counted(question.missing_count, 'person', 'people')}"
    hidden = question.missing_count - len(names)
    return "Did not answer: " + ", ".join(names) + (f" + {fmt.number(hidden)} more" if hidden else "")


def _meta(recap: Recap, poll: PollStat, question: QuestionStat, style: Style) -> str:
    text = text_fn(recap)
    if poll.eligible >= question.respondents and poll.eligible:
        meta = (f"{fmt.number(question.respondents)} of {base(poll.eligible, poll.base, short=True)} answered "
                f"({share(question.respondents, poll.eligible)})")
    else:
        meta = f"{fmt.number(question.respondents)} answered"
    if question.missing_count:
        meta += f" · {fmt.number(question.missing_count)} did not"
    if question.correct_answers:
        meta += " · correct: " + ", ".join(text(c, style.name) for c in question.correct_answers)
    return meta


def question_block(recap: Recap, poll: PollStat, index: int, question: QuestionStat, style: Style,
                   *, details: bool, with_poll: bool = True) -> dict:
    """One poll question: its answers with bars and counts, the correct ones marked, who voted what.

    ``with_poll=False`` leaves the poll number out of the label, for cards that head each poll.
    """
    text = text_fn(recap)
    kind = POLL_TYPES.get(question.type, text(question.type, 20) or "question")
    answers = [_answer(recap, poll, a, style, details) for a in question.answers[: style.answers]]
    responses = []
    if details and question.type == "short":
        responses = [f"{text(r.display_name, style.name) or '(no name)'}: {text(' / '.join(r.answers), style.text)}"
                     for r in question.responses[: style.voters]]
    hidden = len(question.answers) - len(answers)
    label = f"Poll {poll.number} · Q{index} · {kind}" if with_poll else f"Q{index} · {kind}"
    return {"poll": poll.number, "index": index, "intro": None, "label": label, "details": details,
            "text": text(question.text, style.text) or "(no text)", "meta": _meta(recap, poll, question, style),
            "answers": answers, "missing": missing_line(recap, question, style) if details else None,
            "more_answers": f"\\+ {fmt.counted(hidden, 'more answer')}" if hidden else None, "responses": responses}


def poll_questions(recap: Recap, limit: int, style: Style, *, details: bool,
                   with_poll: bool = True) -> tuple[list[dict], int]:
    """The first ``limit`` questions over all polls, and how many were left out."""
    flat = [(poll, i, q) for poll in recap.polls for i, q in enumerate(poll.questions, start=1)]
    blocks = [question_block(recap, poll, i, q, style, details=details, with_poll=with_poll)
              for poll, i, q in flat[:limit]]
    return blocks, len(flat) - len(blocks)
