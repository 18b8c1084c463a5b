"""What the archive picker knows of each archive: its meeting's start, end, host and size, fetched in one go.

Archive summaries carry only a title and a creation time. The meeting behind each is found in one
listing of the window's ended meeting instances (``bot.recaps.matching.pair_archives``), never by
fetching each archive; a digest stored earlier gives the people count (and the span, when no instance fits). When the
listing is refused or fails, the picker still comes, with the archive times it has.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import meetings
from bot.digest import MeetingFacts, stored_facts
from bot.errors import WebexError
from bot.meetings import ArchiveSummary, Meeting
from bot.recaps.matching import ARCHIVE_AFTER_END, pair_archives

log = logging.getLogger(__name__)
LONGEST_MEETING = timedelta(hours=24)  # a meeting archived in the window may have started this long before it
PICKER_LIMIT = 100  # archives the picker shows at most (the card budget may show fewer)


@dataclass(frozen=True)
class PickerRow:
    """One archive as the picker lists it; ``start`` is None when only the archive's creation time is known."""

    archive_id: str
    title: str
    created: datetime | None
    start: datetime | None = None
    end: datetime | None = None
    host_name: str = ""
    host_email: str | None = None
    people: int | None = None


def picker_rows(admin, store, summaries: list[ArchiveSummary], start: datetime, end: datetime, *,
                timezone: str, ttl: timedelta) -> list[PickerRow]:
    """The archives with what is known of their meetings, newest meeting first."""
    shown = summaries[:PICKER_LIMIT]
    held = ended_meetings(admin, start - ARCHIVE_AFTER_END - LONGEST_MEETING, end, timezone=timezone) if shown else []
    paired = pair_archives(shown, held)
    facts = stored_facts(store, [s.archive_id for s in shown], ttl=ttl)
    rows = [_row(s, paired.get(s.archive_id), facts.get(s.archive_id)) for s in shown]
    floor = datetime.min.replace(tzinfo=start.tzinfo)
    rows.sort(key=lambda r: r.start or r.created or floor, reverse=True)
    return rows + [_row(s, None, None) for s in summaries[PICKER_LIMIT:]]


def ended_meetings(admin, start: datetime, end: datetime, *, timezone: str) -> list[Meeting]:
    """The ended instances that started in the window, or none when Webex refuses or fails (the picker goes on)."""
    try:
        return meetings.list_ended_meetings(admin, start, end, timezone=timezone)
    except WebexError as exc:
        log.info("meeting instances not listed (%s, HTTP %s): the picker shows archive times",
                 type(exc).__name__, exc.status)
        return []


def _row(summary: ArchiveSummary, meeting: Meeting | None, facts: MeetingFacts | None) -> PickerRow:
    """The meeting instance's span and host; else a stored digest's (the span it shows); the people from the digest."""
    people = facts.people if facts is not None else None
    if meeting is not None and meeting.start is not None:
        return PickerRow(summary.archive_id, summary.title, summary.created, meeting.start, meeting.end,
                         meeting.host_display_name or "", meeting.host_email, people)
    if facts is not None and facts.start is not None:
        return PickerRow(summary.archive_id, summary.title, summary.created, facts.start, facts.end,
                         facts.host_display_name, facts.host_email, people)
    return PickerRow(summary.archive_id, summary.title, summary.created, people=people)
