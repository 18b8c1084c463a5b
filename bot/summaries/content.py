"""Polls, Q&A and chat statistics from an archive (or from post-meeting chats)."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter

from bot.meetings import Archive, ArchiveChat, MeetingChat, Person, PollQuestion, PollRespondent


@dataclass(frozen=True)
class AnswerStat:
    """One choice: how many picked it, as a share of the question's respondents, and who."""

    text: str
    count: int
    percent: float
    correct: bool
    voters: tuple[Person, ...]


@dataclass(frozen=True)
class QuestionStat:
    """One poll question with its tallies."""

    text: str
    type: str
    respondents: int
    answers: tuple[AnswerStat, ...]
    correct_answers: tuple[str, ...]
    responses: tuple[PollRespondent, ...]  # who answered what (short answers included)


@dataclass(frozen=True)
class PollStat:
    """One poll: its questions and how many of those who could vote did."""

    number: int
    start: datetime | None
    end: datetime | None
    voters: int
    eligible: int
    participation: float | None
    questions: tuple[QuestionStat, ...]


def _responses(question: PollQuestion) -> tuple[PollRespondent, ...]:
    if question.respondents:
        return question.respondents
    picked: dict[tuple, list[str]] = {}  # some archives only list voters per answer
    for answer in question.answers:
        for v in answer.voters:
            picked.setdefault((v.display_name, v.email, v.correlation_id), []).append(answer.text)
    return tuple(PollRespondent(*key, tuple(texts)) for key, texts in picked.items())


def _question_stat(question: PollQuestion) -> QuestionStat:
    responses = _responses(question)
    respondents = len(responses) or len(question.voters) or max((a.total_respondents for a in question.answers),
                                                               default=0)
    answers = []
    for a in question.answers:
        count = a.total_respondents or len(a.voters)
        share = round(100 * count / respondents, 1) if respondents else 0.0
        answers.append(AnswerStat(a.text, count, share, a.is_correct, a.voters))
    return QuestionStat(question.text, question.type, respondents, tuple(answers),
                        tuple(a.text for a in answers if a.correct), responses)


def polls(archive: Archive, *, attendees: int | Callable[[], int] | None = None) -> tuple[PollStat, ...]:
    """Per poll and question: counts, percentages of respondents, correct answers, participation.

    ``attendees`` (a number, or a function computing it only when needed) stands in for the
    poll's user count when the archive reports fewer users than voters, as some archives do.
    """
    result = []
    for number, poll in enumerate(archive.polls, start=1):
        questions = tuple(_question_stat(q) for q in poll.questions)
        voters = max([poll.voted_user_count] + [q.respondents for q in questions])
        eligible = poll.user_count
        if eligible < voters:
            people = attendees() if callable(attendees) else (attendees or 0)
            eligible = people if people >= voters else voters
        result.append(PollStat(number, poll.start, poll.end, voters, eligible,
                               round(100 * voters / eligible, 1) if eligible else None, questions))
    return tuple(result)


_WHO = attrgetter("email", "display_name", "correlation_id")


def _identity(email: str | None, name: str, correlation_id: int | None) -> str | None:
    """Who a vote came from: the e-mail, else the display name (correlation ids are per join, not per person)."""
    if email and email.strip():
        return "e:" + email.strip().lower()
    if name.strip():
        return "n:" + name.strip().casefold()
    return None if correlation_id is None else f"c:{correlation_id}"


def poll_voters(archive: Archive, stats: Iterable[PollStat] | None = None) -> tuple[int, bool]:
    """How many distinct people voted in at least one poll, and whether that is exact.

    Counted over who answered what (e-mail, else display name). An archive that gives only totals
    cannot say who voted twice; then the largest single poll's voter count is a lower bound.
    """
    stats = tuple(polls(archive) if stats is None else stats)
    # Tens of thousands of responses come from a few thousand people: normalise each distinct one once.
    raw = {who for poll in stats for q in poll.questions for who in map(_WHO, q.responses)}
    people = {key for who in raw if (key := _identity(*who))}
    bound = max((poll.voters for poll in stats), default=0)
    if people:
        return max(len(people), bound), len(people) >= bound
    return bound, bound == 0


# --- Q&A ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class QAItem:
    """One question, its status and its answers."""

    asker: str
    time: datetime | None
    type: str
    text: str
    status: str  # answered | unanswered | dismissed
    first_answer_seconds: int | None
    answers: tuple  # of bot.meetings.records.QAAnswer


@dataclass(frozen=True)
class QAStats:
    """Q&A totals and the questions (the group view keeps only the public ones)."""

    total: int
    answered: int
    unanswered: int
    dismissed: int
    median_first_answer_seconds: int | None
    questions: tuple[QAItem, ...]
    hidden: int = 0  # questions left out of this view for privacy


def _qa_item(question) -> QAItem:
    status = "dismissed" if question.dismissed else ("answered" if question.answers else "unanswered")
    times = [a.time for a in question.answers if a.time]
    wait = None
    if times and question.time:
        # Clocks of answerers drift: an answer stamped before its question counts as immediate.
        wait = max(int((min(times) - question.time).total_seconds()), 0)
    return QAItem(question.asker, question.time, question.type, question.text, status, wait, question.answers)


def qa(archive: Archive) -> QAStats:
    """Answered / unanswered / dismissed questions and the time to first answer."""
    items = tuple(_qa_item(q) for q in archive.qas)
    waits = [i.first_answer_seconds for i in items if i.first_answer_seconds is not None]
    count = Counter(i.status for i in items)
    return QAStats(len(items), count["answered"], count["unanswered"], count["dismissed"],
                   int(statistics.median(waits)) if waits else None, items)


# --- chat --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ChatLine:
    """One chat message, from the archive or from the post-meeting chat API."""

    type: str
    sender: str
    sender_email: str | None
    time: datetime | None
    target: str
    text: str


@dataclass(frozen=True)
class ChatStats:
    """Messages by type, top senders, first and last message, and the lines themselves."""

    total: int
    by_type: dict[str, int]
    top_senders: tuple[tuple[str, int], ...]
    first: datetime | None
    last: datetime | None
    lines: tuple[ChatLine, ...]
    hidden: int = 0  # messages left out of this view for privacy


def chat_line(chat: ArchiveChat | MeetingChat) -> ChatLine:
    """A common shape for archive chat lines and post-meeting chat messages."""
    if isinstance(chat, MeetingChat):
        names = [r.display_name or r.email or "?" for r in chat.receivers]
        target = "All Participants" if chat.type == "public" and not names else (
            ", ".join(names) if len(names) <= 3 else f"{len(names)} people")
        return ChatLine(chat.type, chat.sender.display_name, chat.sender.email, chat.time, target, chat.text)
    return ChatLine(chat.type, chat.sender_name, None, chat.time, chat.target, chat.text)


def chat_stats(source: Archive | Iterable[ArchiveChat | MeetingChat], *, top: int = 5) -> ChatStats:
    """Chat statistics of an archive's chats or of post-meeting chats, lines in time order."""
    chats = source.chats if isinstance(source, Archive) else source
    lines = sorted((chat_line(c) for c in chats), key=lambda c: (c.time is None, c.time or datetime.min))
    return chat_summary(lines, top=top)


def chat_summary(lines: Iterable[ChatLine], *, top: int = 5, hidden: int = 0) -> ChatStats:
    """Statistics over already-normalised chat lines."""
    lines = tuple(lines)
    by_type = {"public": 0, "group": 0, "private": 0}
    by_type.update(Counter(line.type or "other" for line in lines))
    senders = Counter(line.sender.strip() or "(no name)" for line in lines)
    times = [line.time for line in lines if line.time]
    return ChatStats(len(lines), by_type, tuple(senders.most_common(top)), min(times, default=None),
                     max(times, default=None), lines, hidden)
