"""The meeting API module: typed records parsed tolerantly from Webex JSON, and the calls that fetch them.

Parsing follows what real payloads do rather than what the schema promises: e-mails go missing,
dismissed questions carry no answers, poll types are spelt ``single`` or ``single answer``,
extra fields appear, and times come with any offset (they stay timezone-aware).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.webex import WebexClient

MAX_SPAN = timedelta(days=30)
ARCHIVE_ID = re.compile(r"^[0-9A-Za-z]{8,64}_R_\d{1,24}\Z")
INSTANCE_ID = re.compile(r"^[0-9A-Za-z]{8,64}_I_\d{1,24}\Z")
_EPOCH = datetime(1970, 1, 2, tzinfo=UTC)


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
    raw: dict = field(default_factory=dict, repr=False, compare=False)


# --- parsing -------------------------------------------------------------------------------

def parse_time(value: Any) -> datetime | None:
    """An aware datetime from any ISO 8601 form; naive times are UTC; junk and the epoch are None."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    # Live meetings report 1970-01-01 for "not yet"; that is no time at all.
    return None if when < _EPOCH else when


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _opt(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _cid(value: Any) -> int | None:
    return _int(value, None) if value is not None else None  # type: ignore[arg-type]


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _dicts(value: Any) -> Iterable[dict]:
    return (item for item in _list(value) if isinstance(item, dict))


def _person(d: dict) -> Person:
    return Person(_text(d.get("displayName")), _opt(d.get("email")), _cid(d.get("correlationId")))


def normalise_poll_type(value: Any) -> str:
    """``single answer`` → ``single``, ``Multiple Answers`` → ``multiple``; unknown kept lower-cased."""
    text = _text(value).strip().lower()
    for kind in ("single", "multiple", "short"):
        if text.startswith(kind):
            return kind
    return text


def parse_participant(d: dict) -> Participant:
    """One join from ``participants[]``."""
    return Participant(_text(d.get("displayName")), _opt(d.get("email")), _cid(d.get("correlationId")),
                       parse_time(d.get("joinedTime")), parse_time(d.get("leftTime")))


def parse_archive_chat(d: dict) -> ArchiveChat:
    """One line from ``chats[]``."""
    return ArchiveChat(_text(d.get("type")).lower(), _text(d.get("senderName")), parse_time(d.get("chatTime")),
                       _text(d.get("target")), _text(d.get("text")))


def parse_poll_question(d: dict) -> PollQuestion:
    """One question of a poll with its answer summary, respondents and voters."""
    q = d.get("question") if isinstance(d.get("question"), dict) else {}
    answers = tuple(
        PollAnswer(_text(a.get("text")), _int(a.get("totalRespondents")), a.get("isCorrect") is True,
                   tuple(_person(v) for v in _dicts(a.get("voteUsers"))))
        for a in _dicts(d.get("answerSummary")))
    respondents = tuple(
        PollRespondent(_text(r.get("displayName")), _opt(r.get("email")), _cid(r.get("correlationId")),
                       tuple(_text(x) for x in _list(r.get("answers"))))
        for r in _dicts(d.get("respondents")))
    return PollQuestion(_text(q.get("text")), normalise_poll_type(q.get("type")),
                        _int(q.get("choiceCount"), len(answers)), answers, respondents,
                        tuple(_person(v) for v in _dicts(d.get("voteUsers"))))


def parse_poll(d: dict) -> Poll:
    """One poll from ``polls[]``."""
    content = d.get("content") if isinstance(d.get("content"), dict) else {}
    questions = tuple(parse_poll_question(q) for q in _dicts(content.get("questions")))
    return Poll(_text(d.get("type")), parse_time(d.get("startTime")), parse_time(d.get("endTime")),
                _int(content.get("questionCount"), len(questions)), _int(content.get("userCount")),
                _int(content.get("votedUserCount")), questions)


def parse_question(d: dict) -> Question:
    """One Q&A entry from ``qas[]``; dismissed ones have no answers."""
    answers = tuple(
        QAAnswer(_text(a.get("displayName")), _opt(a.get("email")), _cid(a.get("correlationId")),
                 parse_time(a.get("answerTime")), _text(a.get("text")), _opt(a.get("responseMode")))
        for a in _dicts(d.get("answers")))
    return Question(_text(d.get("type")).lower(), _opt(d.get("priority")), _text(d.get("displayName")),
                    parse_time(d.get("questionTime")), _text(d.get("target")), _text(d.get("question")),
                    answers)


def parse_archive(d: dict) -> Archive:
    """An ``Archive`` from the JSON of ``GET /recordingReport/meetingArchives/{archiveId}``."""
    return Archive(
        archive_id=_text(d.get("archiveId")),
        service_type=_text(d.get("serviceType")),
        title=_text(d.get("title")),
        start=parse_time(d.get("start")),
        end=parse_time(d.get("end")),
        host_display_name=_text(d.get("hostDisplayName")),
        host_email=_opt(d.get("hostEmail")),
        participants=tuple(parse_participant(p) for p in _dicts(d.get("participants"))),
        chats=tuple(parse_archive_chat(c) for c in _dicts(d.get("chats"))),
        polls=tuple(parse_poll(p) for p in _dicts(d.get("polls"))),
        qas=tuple(parse_question(q) for q in _dicts(d.get("qas"))),
        system_infos=tuple(SystemInfo(_text(s.get("displayName")), tuple(_dicts(s.get("catalogs"))))
                           for s in _dicts(d.get("systemInfos") or d.get("systemInfo"))),
        raw=d,
    )


def parse_archive_summary(d: dict) -> ArchiveSummary:
    """One item of ``GET /recordingReport/meetingArchiveSummaries``."""
    return ArchiveSummary(_text(d.get("archiveId")), _text(d.get("serviceType")), _text(d.get("title")),
                          parse_time(d.get("createTime")))


def _chat_person(d: Any) -> ChatPerson:
    d = d if isinstance(d, dict) else {}
    return ChatPerson(_text(d.get("displayName")), _opt(d.get("email")), _opt(d.get("personId")),
                      _opt(d.get("orgId")))


def parse_meeting_chat(d: dict) -> MeetingChat:
    """One item of ``GET /meetings/postMeetingChats``."""
    return MeetingChat(_text(d.get("id")), _text(d.get("meetingId")), parse_time(d.get("chatTime")),
                       _text(d.get("text")), _text(d.get("type")).lower(), _chat_person(d.get("sender")),
                       tuple(_chat_person(r) for r in _list(d.get("receivers"))))


def parse_meeting(d: dict) -> Meeting:
    """A ``Meeting`` from ``GET /meetings/{meetingId}`` (or a ``meetings/ended`` webhook's data)."""
    return Meeting(_text(d.get("id")), _text(d.get("title")), _opt(d.get("meetingType")), _opt(d.get("state")),
                   parse_time(d.get("start")), parse_time(d.get("end")), _opt(d.get("timezone")),
                   _opt(d.get("hostDisplayName")), _opt(d.get("hostEmail")), _opt(d.get("hostUserId")),
                   _opt(d.get("siteUrl")), _opt(d.get("meetingSeriesId")), raw=d)


# --- fetching ------------------------------------------------------------------------------

def get_archive(client: WebexClient, archive_id: str, *, timezone: str | None = None) -> Archive:
    """The full detail report of one archive (admin credential)."""
    return parse_archive(client.get_json(f"recordingReport/meetingArchives/{archive_id}", timezone=timezone))


def span_windows(start: datetime, end: datetime, size: timedelta = MAX_SPAN) -> list[tuple[datetime, datetime]]:
    """Split ``[start, end)`` into consecutive windows no longer than ``size`` (Webex allows 30 days)."""
    windows, cursor = [], start
    while cursor < end:
        upper = min(cursor + size, end)
        windows.append((cursor, upper))
        cursor = upper
    return windows


def list_archive_summaries(client: WebexClient, start: datetime, end: datetime, *,
                           timezone: str | None = None, site_url: str | None = None) -> list[ArchiveSummary]:
    """Every archive created in ``[start, end)``, newest first, over any span and all pages."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware")
    seen: dict[str, ArchiveSummary] = {}
    for lower, upper in span_windows(start, end):
        params = {"from": _iso(lower), "to": _iso(upper), "max": 100}
        if site_url:
            params["siteUrl"] = site_url
        for item in client.paginate("recordingReport/meetingArchiveSummaries", params, timezone=timezone):
            summary = parse_archive_summary(item)
            seen.setdefault(summary.archive_id, summary)
    floor = datetime.min.replace(tzinfo=UTC)
    return sorted(seen.values(), key=lambda s: s.created or floor, reverse=True)


def list_meeting_chats(client: WebexClient, meeting_id: str) -> list[MeetingChat]:
    """Every post-meeting chat of an ended meeting instance (compliance credential), all pages."""
    items = client.paginate("meetings/postMeetingChats", {"meetingId": meeting_id, "max": 100},
                            offset_paging=True)
    return [parse_meeting_chat(item) for item in items]


def get_meeting(client: WebexClient, meeting_id: str, *, timezone: str | None = None) -> Meeting:
    """One meeting, series or instance (admin credential)."""
    return parse_meeting(client.get_json(f"meetings/{meeting_id}", timezone=timezone))


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
