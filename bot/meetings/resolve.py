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
from bot.meetings.api import get_meeting, list_archive_summaries
from bot.meetings.parse import parse_meeting, parse_time
from bot.meetings.records import ARCHIVE_ID, INSTANCE_ID, ArchiveSummary, Meeting
from bot.meetings.stream import feed_archive
from bot.webex import WebexClient, segment

INSTANCE_MARGIN = timedelta(hours=1)
ARCHIVE_BEFORE_END = timedelta(minutes=5)
ARCHIVE_AFTER_END = timedelta(hours=6)
MAX_CANDIDATES = 3
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


def same_title(a: str, b: str) -> bool:
    """Titles equal with case and runs of spaces ignored."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def same_host(a: str | None, b: str | None) -> bool:
    """Hosts equal by e-mail (case ignored); unknown on either side does not contradict."""
    a, b = _text(a).casefold(), _text(b).casefold()
    return not a or not b or a == b


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def instance_for_archive(admin: WebexClient, archive: ArchiveLike, *,
                         margin: timedelta = INSTANCE_MARGIN) -> Meeting | None:
    """The ended meeting instance of an archive (see the module docstring), or None when none matches."""
    start, end = archive.start or archive.end, archive.end or archive.start
    if start is None or end is None:
        return None
    start, end = min(start, end), max(start, end)
    params = {"meetingType": "meeting", "state": "ended", "from": _iso(start - margin), "to": _iso(end + margin)}
    if archive.host_email:
        params["hostEmail"] = archive.host_email
    found = [parse_meeting(item) for item in admin.paginate("meetings", params, page_size=100)
             if isinstance(item, dict)]
    same = [m for m in found if m.start and m.id and INSTANCE_ID.match(m.id)
            and same_title(m.title, archive.title) and same_host(m.host_email, archive.host_email)]
    if not same:
        return None
    return min(same, key=lambda m: (abs((m.start - start).total_seconds()), m.id))


def archive_for_instance(admin: WebexClient, meeting: Meeting, *, now: datetime | None = None) -> ArchiveSummary | None:
    """The archive of an ended meeting instance (see the module docstring), or None (none, or not there yet)."""
    if meeting.end is None:
        return None
    now = now or datetime.now(UTC)
    lower = meeting.end - ARCHIVE_BEFORE_END
    upper = max(min(meeting.end + ARCHIVE_AFTER_END, now + timedelta(minutes=1)), lower + timedelta(minutes=1))
    summaries = list_archive_summaries(admin, lower, upper, site_url=meeting.site_url)
    same = [s for s in summaries if s.created and same_title(s.title, meeting.title)]
    same.sort(key=lambda s: (abs((s.created - meeting.end).total_seconds()), s.archive_id))
    best, best_gap = None, None
    for summary in same[:MAX_CANDIDATES]:
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
