"""The digest of one meeting (DESIGN §3a): built from the record stream, stored, read back; what every view reads."""

from bot.digest.attendance import (
    GRACE,
    Attendance,
    Attendee,
    attendance,
    mark_host,
    meeting_span,
    number_shared_names,
    people_count,
    reference_span,
)
from bot.digest.builder import DigestBuilder, Joins, digest_of, replay
from bot.digest.cache import digest_for, fetch_digest, remember_meeting
from bot.digest.chats import ChatLine, ChatStats, ChatTally, chat_line, chat_stats, chat_summary, tally
from bot.digest.codec import DigestFormatError, decode, encode
from bot.digest.enrich import REFRESH_AFTER, find_instance, with_insights
from bot.digest.facts import MeetingFacts, peek, stored_facts
from bot.digest.listing import tally_meeting_chats
from bot.digest.model import FORMAT_VERSION, Digest, with_meeting
from bot.digest.polls import (
    VOTERS_KEPT,
    AnswerStat,
    PollStat,
    PollTally,
    QuestionStat,
    poll_voters,
    polls,
    question_stat,
)
from bot.digest.qa import QAItem, QAStats, qa, qa_item

__all__ = [
    "FORMAT_VERSION",
    "GRACE",
    "MeetingFacts",
    "Joins",
    "VOTERS_KEPT",
    "AnswerStat",
    "Attendance",
    "Attendee",
    "ChatLine",
    "ChatStats",
    "ChatTally",
    "Digest",
    "DigestBuilder",
    "DigestFormatError",
    "PollStat",
    "PollTally",
    "QAItem",
    "QAStats",
    "QuestionStat",
    "REFRESH_AFTER",
    "attendance",
    "chat_line",
    "chat_stats",
    "chat_summary",
    "decode",
    "digest_for",
    "digest_of",
    "fetch_digest",
    "find_instance",
    "encode",
    "mark_host",
    "peek",
    "stored_facts",
    "meeting_span",
    "number_shared_names",
    "people_count",
    "poll_voters",
    "polls",
    "qa",
    "qa_item",
    "question_stat",
    "reference_span",
    "remember_meeting",
    "replay",
    "tally",
    "tally_meeting_chats",
    "with_insights",
    "with_meeting",
]
