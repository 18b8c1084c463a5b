"""The meeting API: archives, meeting instances and post-meeting chats, as typed records."""

from bot.meetings.api import get_archive, get_meeting, list_archive_summaries, list_meeting_chats, span_windows
from bot.meetings.parse import (
    normalise_poll_type,
    parse_archive,
    parse_archive_summary,
    parse_meeting,
    parse_meeting_chat,
    parse_time,
)
from bot.meetings.records import (
    ARCHIVE_ID,
    INSTANCE_ID,
    Archive,
    ArchiveChat,
    ArchiveSummary,
    Meeting,
    MeetingChat,
    Participant,
    Person,
    PollQuestion,
    PollRespondent,
)

__all__ = [
    "ARCHIVE_ID",
    "Archive",
    "ArchiveChat",
    "ArchiveSummary",
    "INSTANCE_ID",
    "Meeting",
    "MeetingChat",
    "Participant",
    "Person",
    "PollQuestion",
    "PollRespondent",
    "get_archive",
    "get_meeting",
    "list_archive_summaries",
    "list_meeting_chats",
    "normalise_poll_type",
    "parse_archive",
    "parse_archive_summary",
    "parse_meeting",
    "parse_meeting_chat",
    "parse_time",
    "span_windows",
]
