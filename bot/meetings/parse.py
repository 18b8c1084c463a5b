"""Tolerant parsing of Webex meeting JSON into the records of ``bot.meetings.records``.

Parsing follows what real payloads do rather than what the schema promises: e-mails go missing,
dismissed questions carry no answers, poll types are spelt ``single`` or ``single answer``,
extra fields appear, and times come with any offset (they stay timezone-aware).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from bot.meetings.records import (
    Archive,
    ArchiveChat,
    ArchiveSummary,
    ChatPerson,
    Meeting,
    MeetingChat,
    Participant,
    Person,
    Poll,
    PollAnswer,
    PollQuestion,
    PollRespondent,
    QAAnswer,
    Question,
    SystemInfo,
)

_EPOCH = datetime(1970, 1, 2, tzinfo=UTC)


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
    except (TypeError, ValueError, OverflowError):  # OverflowError: 1e400 reads as inf
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


def parse_system_info(d: dict) -> SystemInfo:
    """One attendee's Support Center information from ``systemInfos[]``."""
    return SystemInfo(_text(d.get("displayName")), tuple(_dicts(d.get("catalogs"))))


def assemble_archive(top: dict, participants: Iterable[Participant], chats: Iterable[ArchiveChat],
                     polls: Iterable[Poll], qas: Iterable[Question], system_infos: Iterable[SystemInfo],
                     raw: dict | None = None) -> Archive:
    """An ``Archive`` from its top-level fields (``top``: ``archiveId``, ``title``, …) and its parsed items."""
    return Archive(
        archive_id=_text(top.get("archiveId")),
        service_type=_text(top.get("serviceType")),
        title=_text(top.get("title")),
        start=parse_time(top.get("start")),
        end=parse_time(top.get("end")),
        host_display_name=_text(top.get("hostDisplayName")),
        host_email=_opt(top.get("hostEmail")),
        participants=tuple(participants),
        chats=tuple(chats),
        polls=tuple(polls),
        qas=tuple(qas),
        system_infos=tuple(system_infos),
        raw=raw if raw is not None else {},
    )


def parse_archive(d: dict) -> Archive:
    """An ``Archive`` from the JSON of ``GET /recordingReport/meetingArchives/{archiveId}``."""
    return assemble_archive(
        d,
        (parse_participant(p) for p in _dicts(d.get("participants"))),
        (parse_archive_chat(c) for c in _dicts(d.get("chats"))),
        (parse_poll(p) for p in _dicts(d.get("polls"))),
        (parse_question(q) for q in _dicts(d.get("qas"))),
        (parse_system_info(s) for s in _dicts(d.get("systemInfos") or d.get("systemInfo"))),
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
                   _opt(d.get("siteUrl")), _opt(d.get("meetingSeriesId")), _opt(d.get("meetingNumber")),
                   _opt(d.get("webLink")), raw=d)
