"""Pure analysis of a meeting archive (no I/O): attendance, polls, Q&A, chat, and the privacy view.

The work is split over ``bot.summaries.attendance``, ``bot.summaries.content`` and
``bot.summaries.privacy``; callers import everything from here.
"""

from bot.summaries.attendance import (
    GRACE,
    Attendance,
    Attendee,
    attendance,
    meeting_span,
    number_shared_names,
    people_count,
    reference_span,
)
from bot.summaries.content import (
    AnswerStat,
    ChatLine,
    ChatStats,
    PollStat,
    QAItem,
    QAStats,
    QuestionStat,
    chat_line,
    chat_stats,
    chat_summary,
    poll_voters,
    polls,
    qa,
)
from bot.summaries.privacy import AUDIENCES, Recap, recap

__all__ = [
    "AUDIENCES", "GRACE", "AnswerStat", "Attendance", "Attendee", "ChatLine", "ChatStats", "PollStat", "QAItem",
    "QAStats", "QuestionStat", "Recap", "attendance", "chat_line", "chat_stats", "chat_summary", "meeting_span",
    "number_shared_names", "people_count", "poll_voters", "polls", "qa", "recap", "reference_span",
]
