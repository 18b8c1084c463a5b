"""Pure analysis of a meeting's digest (no I/O): the recap for one audience, and the group filter.

The digest (``bot.digest``) holds the numbers and rows over everything; ``Recap`` shows them to a
1:1 or filters them for a group space, masking e-mail addresses (look-alikes too) whole. The
analysis names are re-exported here for the cards.
"""

from bot.digest import (
    GRACE,
    AnswerStat,
    Attendance,
    Attendee,
    ChatLine,
    ChatStats,
    PollStat,
    QAItem,
    QAStats,
    QuestionStat,
    attendance,
    chat_line,
    chat_stats,
    chat_summary,
    meeting_span,
    number_shared_names,
    people_count,
    poll_voters,
    polls,
    qa,
    reference_span,
)
from bot.summaries.emails import EMAIL_HIDDEN, fold, has_email, mask_emails
from bot.summaries.insights import InsightView, insight_view
from bot.summaries.privacy import AUDIENCES, COUNTS_ONLY, PRIVACY_LEVELS, UNKNOWN_RECIPIENT, Recap, recap

__all__ = [
    "AUDIENCES", "COUNTS_ONLY", "EMAIL_HIDDEN", "GRACE", "PRIVACY_LEVELS", "UNKNOWN_RECIPIENT", "AnswerStat",
    "Attendance", "Attendee", "ChatLine", "ChatStats", "InsightView", "PollStat", "QAItem", "QAStats", "QuestionStat",
    "Recap", "attendance", "chat_line", "chat_stats", "chat_summary", "fold", "has_email", "insight_view",
    "mask_emails", "meeting_span", "number_shared_names", "people_count", "poll_voters", "polls", "qa", "recap",
    "reference_span",
]
