"""The recap of one archive for one audience: everything for a 1:1 with an admin, a privacy view for a group.

DESIGN §5: a group space never sees chat messages or Q&A that were not public, nor anyone's
e-mail address; it sees counts instead. Counts are always computed over everything, then the
lines are filtered, so the numbers stay true while the text stays private. Each part is
computed on first use, so a card showing only the polls does not pay for 10,000 chat lines.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from functools import cached_property

from bot.meetings import Archive, MeetingChat
from bot.summaries.attendance import Attendance, attendance, meeting_span, number_shared_names, people_count
from bot.summaries.content import ChatStats, PollStat, QAStats, chat_stats, chat_summary, poll_voters, polls, qa

AUDIENCES = ("group", "direct")


class Recap:
    """Everything a card shows about one archive, filtered for its audience (``group`` or ``direct``)."""

    def __init__(self, archive: Archive, audience: str = "direct", chats: Iterable[MeetingChat] | None = None):
        if audience not in AUDIENCES:
            raise ValueError(f"audience must be one of {AUDIENCES}, got {audience!r}")
        self.archive, self.audience = archive, audience
        self.archive_id, self.title, self.service_type = archive.archive_id, archive.title, archive.service_type
        # The span shown: the recorded one, or the joins where it is missing, inverted or too narrow.
        self.start, self.end = meeting_span(archive)
        self.host_name = archive.host_display_name
        self.host_email = archive.host_email if audience == "direct" else None
        self._chats = None if chats is None else tuple(chats)
        self.chat_source = "archive" if chats is None else "post-meeting"

    @property
    def private(self) -> bool:
        """True for the group-space view."""
        return self.audience == "group"

    @cached_property
    def attendance(self) -> Attendance:
        """People, merged time, late / early, peak and median (no e-mails in a group, so shared names numbered)."""
        full = attendance(self.archive)
        if not self.private:
            return full
        people = tuple(replace(p, email=None) if p.email else p for p in full.people)
        return replace(full, people=number_shared_names(people))

    @cached_property
    def polls(self) -> tuple[PollStat, ...]:
        """Poll tallies; who voted what only in a 1:1."""
        full = self._full_polls
        if not self.private:
            return full
        return tuple(replace(poll, questions=tuple(
            replace(q, answers=tuple(replace(a, voters=()) for a in q.answers), responses=())
            for q in poll.questions)) for poll in full)

    @cached_property
    def people(self) -> int:
        """How many people came (cheaper than the whole attendance when only the count is shown)."""
        if "attendance" in self.__dict__:
            return len(self.attendance.people)
        return people_count(self.archive)

    @cached_property
    def _full_polls(self) -> tuple[PollStat, ...]:
        return polls(self.archive, attendees=lambda: self.people)

    @cached_property
    def poll_voters(self) -> tuple[int, bool]:
        """Distinct people who voted in at least one poll, and whether the count is exact (a count only)."""
        return poll_voters(self.archive, self._full_polls)

    @cached_property
    def qa(self) -> QAStats:
        """Q&A counts over everything; in a group only the public questions, without e-mails."""
        full = qa(self.archive)
        if not self.private:
            return full
        public = tuple(replace(q, answers=tuple(replace(a, email=None) for a in q.answers))
                       for q in full.questions if q.type == "public")
        return replace(full, questions=public, hidden=len(full.questions) - len(public))

    @cached_property
    def chats(self) -> ChatStats:
        """Chat counts over everything; in a group only public lines, and top senders among them."""
        full = chat_stats(self.archive if self._chats is None else self._chats)
        if not self.private:
            return full
        public = tuple(replace(line, sender_email=None) if line.sender_email else line
                       for line in full.lines if line.type == "public")
        # Top senders come from public lines only: who wrote privately is itself private.
        return replace(full, lines=public, top_senders=chat_summary(public).top_senders,
                       hidden=len(full.lines) - len(public))


def recap(archive: Archive, *, audience: str = "direct", chats: Iterable[MeetingChat] | None = None) -> Recap:
    """The analysis of ``archive`` for ``audience`` (group | direct); ``chats`` replace the archive's own."""
    return Recap(archive, audience, chats)
