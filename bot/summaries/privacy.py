"""The recap of one meeting for one audience: everything for a 1:1 with an admin, a privacy view for a group.

DESIGN §5: a group space never sees chat messages or Q&A that were not public, nor anyone's
e-mail address, nor who chose which poll answer or who did not answer, nor anyone's join or leave
times, time spent or late / early labels; it sees names (alphabetically) and counts instead. Counts are computed
over everything (in the digest), then the rows are filtered, so the numbers stay true while the
text stays private. Every text a group view keeps (title, host, names, chat lines, poll and Q&A
text) has its e-mail addresses masked whole here, look-alikes included (``bot.summaries.emails``),
so a card cannot show one even where a view forgets to hide them.

A group space's privacy level (``privacy names``, the default, or ``privacy counts``) is applied here
too. Under ``counts`` a group sees numbers only: no attendee, voter, asker, answerer or chat sender
names, no chat or Q&A text, no short answers typed in polls, no per-person rows at all. What describes
the meeting itself stays: its title, its host's name (the meeting's, as on its invitation), and the
poll questions and choices (written by the host; their counts mean nothing without them). A 1:1 space
always sees everything. Insights (AI summary, speakers, recording, no-shows) are filtered in
``bot.summaries.insights``: a group never sees anyone's talk time nor who did not come.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from functools import cached_property

from bot.digest import (
    Attendance,
    Attendee,
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
from bot.summaries.emails import ZERO_WIDTH, mask_emails
from bot.summaries.insights import InsightView, insight_view

AUDIENCES = ("group", "direct")
PRIVACY_LEVELS = ("names", "counts")  # what a group space sees: names (the default), or numbers only
COUNTS_ONLY = "Names hidden: this space shows counts only."
UNKNOWN_RECIPIENT = "(unknown)"


class Recap:
    """Everything a card shows about one meeting, filtered for its audience (``group`` or ``direct``).

    ``privacy`` is the group space's level (``names`` or ``counts``); a ``direct`` audience ignores it.
    """

    def __init__(self, digest: Digest, audience: str = "direct",
                 chats: ChatTally | Iterable[MeetingChat] | None = None, privacy: str = "names"):
        if audience not in AUDIENCES:
            raise ValueError(f"audience must be one of {AUDIENCES}, got {audience!r}")
        if privacy not in PRIVACY_LEVELS:
            raise ValueError(f"privacy must be one of {PRIVACY_LEVELS}, got {privacy!r}")
        self.digest, self.audience = digest, audience
        self.privacy = privacy if audience == "group" else "names"
        self.archive_id, self.service_type = digest.archive_id, digest.service_type
        self.start, self.end = digest.start, digest.end  # the recorded span, widened to every join and leave
        self.title, self.host_name = self._shown(digest.title), self._shown(digest.host_display_name)
        self.host_email = digest.host_email if audience == "direct" else None
        # Where the meeting lives (None unless Recap knew the instance): the meeting's own, fine for a group.
        self.meeting_number, self.site_url, self.web_link = digest.meeting_number, digest.site_url, digest.web_link
        self._chats = None if chats is None else chats if isinstance(chats, ChatTally) else tally(chats)
        self.chat_source = "archive" if chats is None else "post-meeting"

    @property
    def private(self) -> bool:
        """True for the group-space view."""
        return self.audience == "group"

    @property
    def counts_only(self) -> bool:
        """True for a group space set to ``privacy counts``: numbers only, no one's name, no message text."""
        return self.privacy == "counts"

    @property
    def withheld(self) -> str | None:
        """The one line a view shows when this space's privacy level left things out, else None."""
        return COUNTS_ONLY if self.counts_only else None

    def _shown(self, text: str) -> str:
        """Meeting text as this audience may see it: with every e-mail address masked in a group."""
        return mask_emails(text) if self.private and text else text

    @cached_property
    def attendance(self) -> Attendance:
        """People, merged time, late / early, peak and median; in a group, names only, alphabetically.

        A group keeps the aggregates (people, peak, median stay, how many joined late or left early)
        but no person's times, time spent, rejoins or labels: an order by join or by time spent would
        tell them too, so people come by name, and shared names are numbered in that order.
        """
        full = self.digest.attendance
        if not self.private:
            return full
        if self.counts_only:  # the totals, late and early counts stay; no row names anyone
            return replace(full, people=())
        people = sorted((Attendee(self._shown(p.name), None, 0, 0, None, None, 0, False, False, p.role)
                         for p in full.people), key=lambda p: (p.name.casefold(), p.name))
        return replace(full, people=number_shared_names(people))

    @cached_property
    def polls(self) -> tuple[PollStat, ...]:
        """Poll tallies; who voted what, and who did not answer, only in a 1:1 (a group keeps the counts).

        Under ``counts`` no short answer either (people typed those).
        """
        full, shown = self.digest.polls, self._shown
        if not self.private:
            return full

        def question(q):
            if self.counts_only and q.type == "short":
                return replace(q, text=shown(q.text), correct_answers=(), responses=(), missing=(), answers=())
            return replace(q, text=shown(q.text), correct_answers=tuple(shown(c) for c in q.correct_answers),
                           responses=(), missing=(), answers=tuple(replace(a, text=shown(a.text), voters=(),
                                                                            voter_count=0) for a in q.answers))
        return tuple(replace(poll, questions=tuple(question(q) for q in poll.questions)) for poll in full)

    @property
    def people(self) -> int:
        """How many people came."""
        return self.digest.people

    @property
    def poll_present(self) -> int:
        """How many people were present during at least one poll (the base of ``poll_voters``; a count only)."""
        return self.digest.poll_present

    @property
    def poll_voters(self) -> tuple[int, bool]:
        """Distinct people who voted in at least one poll, and whether the count is exact (a count only)."""
        return self.digest.poll_voters

    @cached_property
    def qa(self) -> QAStats:
        """Q&A counts over everything; in a group only the public questions, without e-mails."""
        full, shown = self.digest.qa, self._shown
        if not self.private:
            return full
        if self.counts_only:
            return replace(full, questions=(), hidden=0)
        public = tuple(replace(q, asker=shown(q.asker), text=shown(q.text), answers=tuple(
            replace(a, display_name=shown(a.display_name), text=shown(a.text), email=None) for a in q.answers))
            for q in full.questions if q.type == "public")
        return replace(full, questions=public, hidden=len(full.questions) - len(public))

    @cached_property
    def chats(self) -> ChatStats:
        """Chat counts over everything; in a group only public lines, and top senders among them.

        A message whose recipient is not known names it ``(unknown)``, rather than a bare "?" or nothing.
        """
        if self._chats is None:
            full = self.digest.public_chats if self.private else self.digest.chats
        else:  # the post-meeting chat replaces the archive's own
            full = self._chats.public_stats() if self.private else self._chats.stats()
        shown = self._shown
        lines = tuple(replace(line, target=_recipient(line.type, line.target)) for line in full.lines)
        if not self.private:
            return replace(full, lines=lines)
        if self.counts_only:
            return replace(full, top_senders=(), lines=(), hidden=0, visible=None)
        return replace(full, top_senders=tuple((shown(name), n) for name, n in full.top_senders),
                       lines=tuple(replace(line, sender=shown(line.sender), target=shown(line.target),
                                           text=shown(line.text), sender_email=None) for line in lines))


    @cached_property
    def insights(self) -> InsightView | None:
        """The AI summary, speakers, recording and no-shows this audience may see; None without insights."""
        if self.digest.insights is None:
            return None
        return insight_view(self.digest.insights, private=self.private, counts_only=self.counts_only,
                            shown=self._shown)


def _recipient(kind: str, target: str) -> str:
    """Who a chat line went to, with unknown recipients named ``(unknown)`` (a public line goes to everyone)."""
    if kind == "public" and not target:
        return target
    names = [UNKNOWN_RECIPIENT if _blank(name) or name.strip() == "?" else name for name in (target or "").split(", ")]
    return ", ".join(names)


def _blank(text: str) -> bool:
    return not "".join(c for c in text if c not in ZERO_WIDTH).strip()


def recap(meeting: Digest | Archive, *, audience: str = "direct",
          chats: ChatTally | Iterable[MeetingChat] | None = None, privacy: str = "names") -> Recap:
    """The recap of a digest (or of an archive parsed whole) for ``audience`` at a group's ``privacy`` level.

    ``chats`` replace the archive's own.
    """
    digest = meeting if isinstance(meeting, Digest) else digest_of(meeting)
    return Recap(digest, audience, chats, privacy)
