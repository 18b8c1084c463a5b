"""The digest of one meeting: the numbers and rows its cards show, compact, versioned, without the raw archive."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.digest.attendance import Attendance
from bot.digest.chats import ChatStats
from bot.digest.polls import PollStat
from bot.digest.qa import QAStats

# Bump when the digest's shape or meaning changes: stored digests of another version are fetched again.
FORMAT_VERSION = 1


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
    version: int = FORMAT_VERSION

    @property
    def people(self) -> int:
        """How many people came."""
        return len(self.attendance.people)
