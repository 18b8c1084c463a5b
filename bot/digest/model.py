"""The digest of one meeting: the numbers and rows its cards show, compact, versioned, without the raw archive."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from bot.digest.attendance import Attendance
from bot.digest.chats import ChatStats
from bot.digest.polls import PollStat
from bot.digest.qa import QAStats
from bot.meetings import Insights, Meeting

# Bump when the digest's shape or meaning changes: stored digests of another version are fetched again.
# 2: poll bases and who did not answer, the host marked, the meeting's link; 3: the meeting instance and its insights
FORMAT_VERSION = 3


@dataclass(frozen=True)
class Digest:
    """Everything a view needs about one archive, for either audience (the group filter applies later)."""

    archive_id: str
    service_type: str
    title: str
    start: datetime | None  # the span a card shows (recorded, widened to every join and leave)
    end: datetime | None
    host_display_name: str
    host_email: str | None
    attendance: Attendance
    polls: tuple[PollStat, ...]
    poll_voters: tuple[int, bool]  # distinct people who voted in a poll, and whether that is exact
    qa: QAStats
    chats: ChatStats  # every line counted, the last lines kept (the 1:1 view)
    public_chats: ChatStats  # public lines only, top senders among them (the group view)
    poll_present: int = 0  # people present during at least one poll: the base of ``poll_voters``
    # Where the meeting lives, when Recap knows its instance (an automatic recap); an archive has none of these.
    meeting_number: str | None = None
    site_url: str | None = None
    web_link: str | None = None
    # The ended meeting instance (``…_I_…``) when known, and its insights (AI summary, speakers, recording,
    # invitees), fetched once and kept here so every view and button reads them without asking Webex again.
    meeting_id: str | None = None
    insights: Insights | None = None
    version: int = FORMAT_VERSION

    @property
    def people(self) -> int:
        """How many people came."""
        return len(self.attendance.people)


def with_meeting(digest: Digest, meeting: Meeting) -> Digest:
    """The digest with where its meeting lives (number, site, link), which only the meeting instance knows."""
    return replace(digest, meeting_number=meeting.meeting_number or digest.meeting_number,
                   site_url=meeting.site_url or digest.site_url, web_link=meeting.web_link or digest.web_link,
                   meeting_id=meeting.id or digest.meeting_id)
