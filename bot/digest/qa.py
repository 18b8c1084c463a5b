"""Q&A: answered, unanswered and dismissed questions, and the time to a first answer."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from bot.meetings import Archive
from bot.meetings.records import QAAnswer


@dataclass(frozen=True)
class QAItem:
    """One question, its status and its answers."""

    asker: str
    time: datetime | None
    type: str
    text: str
    status: str  # answered | unanswered | dismissed
    first_answer_seconds: int | None
    answers: tuple[QAAnswer, ...]


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


def qa_item(question) -> QAItem:
    """One question's status and time to a first answer."""
    status = "dismissed" if question.dismissed else ("answered" if question.answers else "unanswered")
    times = [a.time for a in question.answers if a.time]
    wait = None
    if times and question.time:
        # Clocks of answerers drift: an answer stamped before its question counts as immediate.
        wait = max(int((min(times) - question.time).total_seconds()), 0)
    return QAItem(question.asker, question.time, question.type, question.text, status, wait, question.answers)


def qa(archive: Archive) -> QAStats:
    """Answered / unanswered / dismissed questions and the time to first answer."""
    items = tuple(qa_item(q) for q in archive.qas)
    waits = [i.first_answer_seconds for i in items if i.first_answer_seconds is not None]
    count = Counter(i.status for i in items)
    return QAStats(len(items), count["answered"], count["unanswered"], count["dismissed"],
                   int(statistics.median(waits)) if waits else None, items)
