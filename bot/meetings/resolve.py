"""Either id works: an archive (``…_R_…``) to its ended meeting instance (``…_I_…``), and back.

Archives name no meeting (webex-api-notes §8a), so both directions match by title, time and host
(titles compared with case and spacing ignored, hosts by e-mail when both sides give one):

- **archive → instance**: ``GET /meetings?meetingType=meeting&state=ended&hostEmail=<host>`` over the
  archive's span widened by ``INSTANCE_MARGIN`` each side; the same-titled instance hosted by the
  archive's host whose start is nearest the archive's start wins (``hostEmail`` also lists meetings
  the host was only invited to, hence the host check).
- **instance → archive**: the archive summaries created in ``[end − 5 min, end + 6 h]`` on the
  meeting's site (the window ``bot.recaps.matching`` uses for automatic recaps), same title; of the
  ``MAX_CANDIDATES`` created nearest the meeting's end, the one whose archive names the same host and
  whose start and end are nearest the meeting's (read from the head of its detail report, the rest of
  the body left unread): two same-titled meetings of one host may overlap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from bot.errors import UsageError
from bot.meetings.api import get_meeting, list_archive_summaries, list_ended_meetings
from bot.meetings.parse import parse_time
from bot.meetings.records import ARCHIVE_ID, INSTANCE_ID, ArchiveSummary, Meeting
from bot.meetings.stream import feed_archive
from bot.webex import WebexClient, segment

INSTANCE_MARGIN = timedelta(hours=1)
# An archive is a meeting's when it was created in [end − 5 min, end + 6 h] (bot.recaps.matching uses the same).
ARCHIVE_BEFORE_END = timedelta(minutes=5)
ARCHIVE_AFTER_END = timedelta(hours=6)
MAX_CANDIDATES = 3  # same-titled archives looked at, nearest the meeting's end first
HEAD_FIELDS = ("archiveId", "title", "start", "end", "hostDisplayName", "hostEmail")


class ArchiveLike(Protocol):
    """What resolving an archive needs: an ``Archive``, an ``ArchiveHead`` or a digest all have these."""

    title: str
    start: datetime | None
    end: datetime | None
    host_email: str | None


@dataclass(frozen=True)
class ArchiveHead:
    """The top fields of an archive's detail report (read without its lists)."""

    archive_id: str
    title: str
    start: datetime | None
    end: datetime | None
    host_display_name: str
    host_email: str | None


@dataclass(frozen=True)
class Resolution:
    """Both ids of one meeting; either may be None when nothing matched (not there yet, or no such meeting)."""

    archive_id: str | None
    meeting_id: str | None
    meeting: Meeting | None = None


class _Enough(Exception):
    """Raised by the head sink to stop reading once the top fields are known."""


class _HeadSink:
    """Keeps the top-level fields; stops at the first list item once all of ``HEAD_FIELDS`` were seen."""

    def __init__(self) -> None:
        self.fields: dict[str, Any] = {}

    def field(self, name: str, value: Any) -> None:
        self.fields[name] = value

    def _item(self, _item: Any) -> None:
        if all(name in self.fields for name in HEAD_FIELDS):
            raise _Enough

    participant = chat = poll = question = system_info = _item


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def archive_head(admin: WebexClient, archive_id: str) -> ArchiveHead:
    """An archive's title, times and host (admin credential), reading its detail report only as far as needed."""
    sink = _HeadSink()
    with admin.stream("GET", f"recordingReport/meetingArchives/{segment(archive_id)}") as body:
        try:
            feed_archive(body, sink)
        except _Enough:
            pass
    top = sink.fields
    return ArchiveHead(_text(top.get("archiveId")) or archive_id, _text(top.get("title")),
                       parse_time(top.get("start")), parse_time(top.get("end")),
                       _text(top.get("hostDisplayName")), _text(top.get("hostEmail")) or None)


def title_key(title: str) -> str:
    """A title as matching compares it: case and runs of spaces ignored."""
    return " ".join(title.split()).casefold()


def same_title(a: str, b: str) -> bool:
    """Titles equal with case and runs of spaces ignored."""
    return title_key(a) == title_key(b)


def archive_candidates(admin: WebexClient, meeting: Meeting, now: datetime) -> list[ArchiveSummary]:
    """The same-titled archives created in the meeting's archive window, nearest its end first (at most
    ``MAX_CANDIDATES``; the host is checked by the caller). Empty for a meeting without an end."""
    if meeting.end is None:
        return []
    lower = meeting.end - ARCHIVE_BEFORE_END
    # Up to a minute past "now": an archive created this very second is in, whatever the clocks' skew.
    upper = max(min(meeting.end + ARCHIVE_AFTER_END, now + timedelta(minutes=1)), lower + timedelta(minutes=1))
    summaries = list_archive_summaries(admin, lower, upper, site_url=meeting.site_url)
    same = [s for s in summaries if s.created and same_title(s.title, meeting.title)]
    same.sort(key=lambda s: (abs((s.created - meeting.end).total_seconds()), s.archive_id))
    return same[:MAX_CANDIDATES]


def same_host(a: str | None, b: str | None) -> bool:
    """Hosts equal by e-mail (case ignored); unknown on either side does not contradict."""
    a, b = _text(a).casefold(), _text(b).casefold()
    return not a or not b or a == b


def instance_for_archive(admin: WebexClient, archive: ArchiveLike, *,
                         margin: timedelta = INSTANCE_MARGIN) -> Meeting | None:
    """The ended meeting instance of an archive (see the module docstring), or None when none matches."""
    start, end = archive.start or archive.end, archive.end or archive.start
    if start is None or end is None:
        return None
    start, end = min(start, end), max(start, end)
    found = list_ended_meetings(admin, start - margin, end + margin, host_email=archive.host_email)
    same = [m for m in found if m.start and m.id and INSTANCE_ID.match(m.id)
            and same_title(m.title, archive.title) and same_host(m.host_email, archive.host_email)]
    if not same:
        return None
    return min(same, key=lambda m: (abs((m.start - start).total_seconds()), m.id))


def archive_for_instance(admin: WebexClient, meeting: Meeting, *, now: datetime | None = None) -> ArchiveSummary | None:
    """The archive of an ended meeting instance (see the module docstring), or None (none, or not there yet)."""
    if meeting.end is None:
        return None
    best, best_gap = None, None
    for summary in archive_candidates(admin, meeting, now or datetime.now(UTC)):
        head = archive_head(admin, summary.archive_id)
        if not same_host(head.host_email, meeting.host_email):
            continue
        gap = _gap(head.start, meeting.start) + _gap(head.end, meeting.end)
        if best_gap is None or gap < best_gap:
            best, best_gap = summary, gap
    return best


def _gap(a: datetime | None, b: datetime | None) -> float:
    """Seconds between two times (a day when either is unknown, so a known match is preferred)."""
    return abs((a - b).total_seconds()) if a and b else 86_400.0


def resolve(admin: WebexClient, typed_id: str, *, now: datetime | None = None) -> Resolution:
    """Both ids from either one a person typed; a ``UsageError`` when it is neither kind of id.

    Webex's own errors (an unknown id is a ``WebexNotFound``) are raised as they are.
    """
    typed_id = typed_id.strip()
    if ARCHIVE_ID.match(typed_id):
        meeting = instance_for_archive(admin, archive_head(admin, typed_id))
        return Resolution(typed_id, meeting.id if meeting else None, meeting)
    if INSTANCE_ID.match(typed_id):
        meeting = get_meeting(admin, typed_id)
        archive = archive_for_instance(admin, meeting, now=now)
        return Resolution(archive.archive_id if archive else None, typed_id, meeting)
    raise UsageError(f"{typed_id!r} is neither an archive id (…_R_…) nor a meeting instance id (…_I_…)")
