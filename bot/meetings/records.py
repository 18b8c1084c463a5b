"""The meeting records: frozen dataclasses for archives, archive summaries, post-meeting chats and meetings.

Times are timezone-aware, or None when Webex gave none. ``bot.meetings.parse`` builds these records
from Webex JSON; ``bot.meetings.api`` fetches them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

# Ids a person types: an archive (…_R_…) and an ended meeting instance (…_I_…).
ARCHIVE_ID = re.compile(r"^[0-9A-Za-z]{8,64}_R_\d{1,24}\Z")
INSTANCE_ID = re.compile(r"^[0-9A-Za-z]{8,64}_I_\d{1,24}\Z")


@dataclass(frozen=True)
class Person:
    """Someone named in an archive: a voter, a respondent, an answerer."""

    display_name: str
    email: str | None = None
    correlation_id: int | None = None


@dataclass(frozen=True)
class Participant:
    """One join of one person (a person who rejoins appears several times)."""

    display_name: str
    email: str | None
    correlation_id: int | None
    joined: datetime | None
    left: datetime | None


@dataclass(frozen=True)
class ArchiveChat:
    """An in-meeting chat line as kept in the archive."""

    type: str  # public | private | group (others kept as given)
    sender_name: str
    time: datetime | None
    target: str
    text: str


@dataclass(frozen=True)
class PollAnswer:
    """One choice of a poll question with its tally."""

    text: str
    total_respondents: int
    is_correct: bool
    voters: tuple[Person, ...] = ()


@dataclass(frozen=True)
class PollRespondent:
    """Who answered a poll question, and what."""

    display_name: str
    email: str | None
    correlation_id: int | None
    answers: tuple[str, ...]


@dataclass(frozen=True)
class PollQuestion:
    """A poll question: its choices, tallies, respondents and voters."""

    text: str
    type: str  # single | multiple | short (normalised), others kept as given
    choice_count: int
    answers: tuple[PollAnswer, ...]
    respondents: tuple[PollRespondent, ...]
    voters: tuple[Person, ...]


@dataclass(frozen=True)
class Poll:
    """A poll run during the meeting."""

    type: str
    start: datetime | None
    end: datetime | None
    question_count: int
    user_count: int
    voted_user_count: int
    questions: tuple[PollQuestion, ...]


@dataclass(frozen=True)
class QAAnswer:
    """An answer given to a Q&A question."""

    display_name: str
    email: str | None
    correlation_id: int | None
    time: datetime | None
    text: str
    response_mode: str | None = None


@dataclass(frozen=True)
class Question:
    """A Q&A question and its answers."""

    type: str  # public | private | group | dismissed
    priority: str | None
    asker: str
    time: datetime | None
    target: str
    text: str
    answers: tuple[QAAnswer, ...]

    @property
    def dismissed(self) -> bool:
        """Whether a host dismissed the question."""
        return self.type == "dismissed"


@dataclass(frozen=True)
class SystemInfo:
    """Support Center system information of one attendee (catalogs kept as given)."""

    display_name: str
    catalogs: tuple[dict, ...]


@dataclass(frozen=True)
class Archive:
    """A meeting archive: the detail report of one ended meeting."""

    archive_id: str
    service_type: str
    title: str
    start: datetime | None
    end: datetime | None
    host_display_name: str
    host_email: str | None
    participants: tuple[Participant, ...]
    chats: tuple[ArchiveChat, ...]
    polls: tuple[Poll, ...]
    qas: tuple[Question, ...]
    system_infos: tuple[SystemInfo, ...]
    raw: dict = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class ArchiveSummary:
    """One row of the archive list."""

    archive_id: str
    service_type: str
    title: str
    created: datetime | None


@dataclass(frozen=True)
class ChatPerson:
    """The sender or a receiver of a post-meeting chat."""

    display_name: str
    email: str | None
    person_id: str | None
    org_id: str | None


@dataclass(frozen=True)
class MeetingChat:
    """A post-meeting chat message from the Meeting Chats API."""

    id: str
    meeting_id: str
    time: datetime | None
    text: str
    type: str
    sender: ChatPerson
    receivers: tuple[ChatPerson, ...]


@dataclass(frozen=True)
class Meeting:
    """A meeting (series, occurrence or instance) as returned by ``GET /meetings/{id}``."""

    id: str
    title: str
    meeting_type: str | None
    state: str | None
    start: datetime | None
    end: datetime | None
    timezone: str | None
    host_display_name: str | None
    host_email: str | None
    host_user_id: str | None
    site_url: str | None
    meeting_series_id: str | None
    meeting_number: str | None = None
    web_link: str | None = None  # the meeting's own page on its Webex site ("Open in Webex")
    raw: dict = field(default_factory=dict, repr=False, compare=False)
