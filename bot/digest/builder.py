"""Build a digest as an archive's records pass, one at a time: nothing of the raw document is kept.

``DigestBuilder`` is a sink for ``bot.meetings``' stream parser: it keeps the joins (a person's time
is only known once all their joins are in), tallies chats and polls as they come and drops them,
keeps the Q&A, and computes the rest in ``finish``. ``digest_of`` does the same for a parsed archive.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.digest.attendance import Attendance, attendance, mark_host, meeting_span
from bot.digest.chats import ChatTally, chat_line
from bot.digest.model import Digest
from bot.digest.polls import PollTally
from bot.digest.presence import stays
from bot.digest.qa import qa
from bot.meetings import Archive, ArchiveChat, Participant, parse_time
from bot.meetings.records import Poll, Question, SystemInfo


@dataclass
class Joins:
    """The joins of an archive as they pass, and its recorded span: what the attendance analysis reads."""

    participants: list[Participant] = field(default_factory=list)
    start: datetime | None = None
    end: datetime | None = None

    def attendance(self, fields: dict[str, Any]) -> Attendance:
        """The attendance of the joins seen, against the span of the archive's ``start`` and ``end`` fields."""
        self.start, self.end = when(fields.get("start")), when(fields.get("end"))
        return attendance(self)


@dataclass
class _Questions:
    qas: list[Question] = field(default_factory=list)


class DigestBuilder:
    """A sink for an archive's fields and records (``bot.meetings.ArchiveSink``); ``finish()`` gives the digest."""

    def __init__(self) -> None:
        self.fields: dict[str, Any] = {}
        self._joins = Joins()
        self._questions = _Questions()
        self._chats = ChatTally()
        self._polls = PollTally()

    def field(self, name: str, value: Any) -> None:
        """A top-level scalar of the archive (archiveId, title, start, end, host…)."""
        self.fields[name] = value

    def participant(self, item: Participant) -> None:
        """One join."""
        self._joins.participants.append(item)

    def chat(self, item: ArchiveChat) -> None:
        """One chat line: counted, kept only while it is among the last a card shows."""
        self._chats.add(chat_line(item))

    def poll(self, item: Poll) -> None:
        """One poll: tallied, its voter lists dropped."""
        self._polls.add(item)

    def question(self, item: Question) -> None:
        """One Q&A entry."""
        self._questions.qas.append(item)

    def system_info(self, item: SystemInfo) -> None:
        """Device and client details: no card shows them."""

    def finish(self) -> Digest:
        """The digest of everything fed so far."""
        text = lambda name: _text(self.fields.get(name))  # noqa: E731
        host_email = self.fields.get("hostEmail")
        host_email = host_email if isinstance(host_email, str) and host_email.strip() else None
        present = mark_host(self._joins.attendance(self.fields), host_email, text("hostDisplayName"))
        polls, voters, poll_present = self._polls.stats(len(present.people), stays(self._joins))
        start, end = meeting_span(self._joins)
        return Digest(text("archiveId"), text("serviceType"), text("title"), start, end, text("hostDisplayName"),
                      host_email, present, polls, voters, qa(self._questions), self._chats.stats(),
                      self._chats.public_stats(), poll_present)


def when(value: Any) -> datetime | None:
    """A top-level time field as the stream hands it over (ISO text) or as a parsed archive holds it."""
    return value if isinstance(value, datetime) else parse_time(value)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def replay(archive: Archive, sink) -> None:
    """Feed an archive already parsed whole to a sink, field by field and record by record, as a stream would."""
    for name, value in (("archiveId", archive.archive_id), ("serviceType", archive.service_type),
                        ("title", archive.title), ("start", archive.start), ("end", archive.end),
                        ("hostDisplayName", archive.host_display_name), ("hostEmail", archive.host_email)):
        sink.field(name, value)
    for participant in archive.participants:
        sink.participant(participant)
    for chat in archive.chats:
        sink.chat(chat)
    for poll in archive.polls:
        sink.poll(poll)
    for question in archive.qas:
        sink.question(question)


def digest_of(archive: Archive) -> Digest:
    """The digest of an archive already parsed whole (the CLI's files, tests)."""
    builder = DigestBuilder()
    replay(archive, builder)
    return builder.finish()
