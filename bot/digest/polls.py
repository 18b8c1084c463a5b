"""Poll tallies: per question, counts and shares of respondents, correct answers, who voted; distinct voters."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from operator import attrgetter

from bot.digest.presence import Presence, Stay, identity, presence
from bot.meetings import Archive, Person, PollQuestion, PollRespondent
from bot.meetings.records import Poll


@dataclass(frozen=True)
class AnswerStat:
    """One choice: how many picked it, as a share of the question's respondents, and who."""

    text: str
    count: int
    percent: float
    correct: bool
    voters: tuple[Person, ...]
    voter_count: int | None = None  # how many voters were named, when ``voters`` keeps only the first of them

    @property
    def named_voters(self) -> int:
        """How many voters the archive named for this answer (``voters`` may hold only the first)."""
        return len(self.voters) if self.voter_count is None else self.voter_count


@dataclass(frozen=True)
class QuestionStat:
    """One poll question with its tallies."""

    text: str
    type: str
    respondents: int
    answers: tuple[AnswerStat, ...]
    correct_answers: tuple[str, ...]
    responses: tuple[PollRespondent, ...]  # who answered what (short answers included)
    missing: tuple[str, ...] = ()  # the first names, by name, of the people present who did not answer
    missing_count: int | None = None  # how many did not answer; None when the archive does not say who answered


# What a poll's share is "of": people present while it ran (from the attendance), everyone in the meeting
# (the poll's time is unknown), or the user count Webex reported (no attendance to count from).
BASES = ("present", "meeting", "reported")


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
    base: str = "reported"  # what ``eligible`` counts: see BASES


def _responses(question: PollQuestion) -> tuple[PollRespondent, ...]:
    if question.respondents:
        return question.respondents
    picked: dict[tuple, list[str]] = {}  # some archives only list voters per answer
    for answer in question.answers:
        for v in answer.voters:
            picked.setdefault((v.display_name, v.email, v.correlation_id), []).append(answer.text)
    return tuple(PollRespondent(*key, tuple(texts)) for key, texts in picked.items())


def question_stat(question: PollQuestion) -> QuestionStat:
    """One question's tallies: respondents, each answer's count and share, the correct answers, who answered."""
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
        questions = tuple(question_stat(q) for q in poll.questions)
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


VOTERS_KEPT = 8  # voter names a card shows per answer, and short answers per question; the rest are counts


class PollTally:
    """Poll statistics built one poll at a time: full counts, the first voter names, distinct voters.

    Who answered each question is kept as identity keys until ``stats``, which compares them
    with who was present while the poll ran (the attendance is only known once every join is in).
    """

    def __init__(self) -> None:
        self._polls: list[tuple[Poll, tuple[QuestionStat, ...], tuple[frozenset, ...]]] = []
        self._voters: set[str] = set()
        self._people: dict[frozenset, frozenset] = {}  # one key set per person, shared by every question they answer

    def add(self, poll: Poll) -> None:
        """Count one poll; its long voter lists are dropped here, once counted."""
        questions = tuple(question_stat(q) for q in poll.questions)
        for question in questions:
            self._voters.update(key for who in map(_WHO, question.responses) if (key := _identity(*who)))
        answered = tuple(frozenset(keys for r in q.responses if (keys := self._person(r))) for q in questions)
        self._polls.append((replace(poll, questions=()), tuple(_compact(q) for q in questions), answered))

    def _person(self, respondent: PollRespondent) -> frozenset[str]:
        keys = identity(respondent.email, respondent.display_name)
        return self._people.setdefault(keys, keys)

    def stats(self, attendees: int,
              everyone: tuple[Stay, ...] = ()) -> tuple[tuple[PollStat, ...], tuple[int, bool], int]:
        """The polls, ``poll_voters``, and how many people were present during at least one poll.

        ``everyone`` (the attendance's stays) gives each poll's base: who was present while it ran.
        Without it, ``attendees`` stands in for a reported user count lower than the voters.
        """
        result, present_any = [], set()  # Stays, and placeholders for respondents the attendance lacks
        for number, (poll, questions, answered) in enumerate(self._polls, start=1):
            voters = max([poll.voted_user_count] + [q.respondents for q in questions])
            if everyone:
                who = presence(everyone, poll.start, poll.end, frozenset().union(*answered))
                eligible, base = max(who.count, voters), "present" if poll.start else "meeting"
                questions = tuple(_missing(q, keys, who) for q, keys in zip(questions, answered, strict=True))
                present_any.update(who.present)
                present_any.update((number, i) for i in range(eligible - len(who.present)))  # matched to nobody
            else:
                eligible, base = (poll.user_count if poll.user_count >= voters else max(attendees, voters)), "reported"
            result.append(PollStat(number, poll.start, poll.end, voters, eligible,
                                   round(100 * voters / eligible, 1) if eligible else None, questions, base))
        bound = max((poll.voters for poll in result), default=0)
        base_any = max(len(present_any), max((p.eligible for p in result), default=0))
        if self._voters:
            return tuple(result), (max(len(self._voters), bound), len(self._voters) >= bound), base_any
        return tuple(result), (bound, bound == 0), base_any


def _missing(question: QuestionStat, answered: frozenset, who: Presence) -> QuestionStat:
    """The question with who was present and did not answer (unknown when the archive names no respondent)."""
    if question.respondents and not answered:
        return question
    names, count = who.missing(answered)
    return replace(question, missing=names, missing_count=count)


def _compact(question: QuestionStat) -> QuestionStat:
    answers = tuple(replace(a, voters=a.voters[:VOTERS_KEPT], voter_count=len(a.voters)) for a in question.answers)
    return replace(question, answers=answers, responses=question.responses[:VOTERS_KEPT])
