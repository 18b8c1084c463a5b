"""The recap of one meeting for one audience: everything for a 1:1 with an admin, a privacy view for a group.

DESIGN §5: a group space never sees chat messages or Q&A that were not public, nor anyone's
e-mail address, nor who chose which poll answer; it sees counts instead. Counts are computed
over everything (in the digest), then the rows are filtered, so the numbers stay true while the
text stays private.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from functools import cached_property

from bot.digest import (
    Attendance,
    ChatStats,
    ChatTally,
    Digest,
    PollStat,
    QAStats,
    digest_of,
    number_shared_names,
    tally,
)
from bot.meetings import Archive, MeetingChat

AUDIENCES = ("group", "direct")


class Recap:
    """Everything a card shows about one meeting, filtered for its audience (``group`` or ``direct``)."""

    def __init__(self, digest: Digest, audience: str = "direct",
                 chats: ChatTally | Iterable[MeetingChat] | None = None):
        if audience not in AUDIENCES:
            raise ValueError(f"audience must be one of {AUDIENCES}, got {audience!r}")
        self.digest, self.audience = digest, audience
        self.archive_id, self.title, self.service_type = digest.archive_id, digest.title, digest.service_type
        self.start, self.end = digest.start, digest.end  # the recorded span, widened to every join and leave
        self.host_name = digest.host_display_name
        self.host_email = digest.host_email if audience == "direct" else None
        self._chats = None if chats is None else chats if isinstance(chats, ChatTally) else tally(chats)
        self.chat_source = "archive" if chats is None else "post-meeting"

    @property
    def private(self) -> bool:
        """True for the group-space view."""
        return self.audience == "group"

    @cached_property
    def attendance(self) -> Attendance:
        """People, merged time, late / early, peak and median (no e-mails in a group, so shared names numbered)."""
        full = self.digest.attendance
        if not self.private:
            return full
        people = tuple(replace(p, email=None) if p.email else p for p in full.people)
        return replace(full, people=number_shared_names(people))

    @cached_property
    def polls(self) -> tuple[PollStat, ...]:
        """Poll tallies; who voted what only in a 1:1."""
        full = self.digest.polls
        if not self.private:
            return full
        return tuple(replace(poll, questions=tuple(
            replace(q, answers=tuple(replace(a, voters=(), voter_count=0) for a in q.answers), responses=())
            for q in poll.questions)) for poll in full)

    @property
    def people(self) -> int:
        """How many people came."""
        return self.digest.people

    @property
    def poll_voters(self) -> tuple[int, bool]:
        """Distinct people who voted in at least one poll, and whether the count is exact (a count only)."""
        return self.digest.poll_voters

    @cached_property
    def qa(self) -> QAStats:
        """Q&A counts over everything; in a group only the public questions, without e-mails."""
        full = self.digest.qa
        if not self.private:
            return full
        public = tuple(replace(q, answers=tuple(replace(a, email=None) for a in q.answers))
                       for q in full.questions if q.type == "public")
        return replace(full, questions=public, hidden=len(full.questions) - len(public))

    @cached_property
    def chats(self) -> ChatStats:
        """Chat counts over everything; in a group only public lines, and top senders among them."""
        if self._chats is None:
            full = self.digest.public_chats if self.private else self.digest.chats
        else:  # the post-meeting chat replaces the archive's own
            full = self._chats.public_stats() if self.private else self._chats.stats()
        if not self.private:
            return full
        return replace(full, lines=tuple(replace(line, sender_email=None) if line.sender_email else line
                                         for line in full.lines))


def recap(meeting: Digest | Archive, *, audience: str = "direct",
          chats: ChatTally | Iterable[MeetingChat] | None = None) -> Recap:
    """The recap of a digest (or of an archive parsed whole) for ``audience``; ``chats`` replace the archive's own."""
    digest = meeting if isinstance(meeting, Digest) else digest_of(meeting)
    return Recap(digest, audience, chats)
