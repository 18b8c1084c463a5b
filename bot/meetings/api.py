"""The meeting API module: the calls that fetch archives, archive summaries, post-meeting chats and meetings.

Each call returns the records of ``bot.meetings.records``, parsed by ``bot.meetings.parse``; the id
patterns say what an archive id and a meeting-instance id look like. ``stream_archive`` hands an
archive's records to a sink as the body arrives (``bot.meetings.stream``) instead of returning it whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from bot.meetings.parse import parse_archive, parse_archive_summary, parse_meeting, parse_meeting_chat
from bot.meetings.records import Archive, ArchiveSummary, Meeting, MeetingChat
from bot.meetings.stream import ArchiveSink, BinarySource, feed_archive
from bot.webex import WebexClient, segment

MAX_SPAN = timedelta(days=30)
CHAT_PAGE = 100  # the most post-meeting chats Webex returns in one page


def get_archive(client: WebexClient, archive_id: str, *, timezone: str | None = None) -> Archive:
    """The full detail report of one archive (admin credential)."""
    return parse_archive(client.get_json(f"recordingReport/meetingArchives/{archive_id}", timezone=timezone))


def stream_archive(client: WebexClient, archive_id: str, sink: ArchiveSink, *, timezone: str | None = None) -> None:
    """Read one archive's detail report (admin credential) into ``sink``, one record at a time, never whole."""
    with client.stream("GET", f"recordingReport/meetingArchives/{segment(archive_id)}", timezone=timezone) as body:
        feed_archive(body, sink)


@contextmanager
def archive_body(client: WebexClient, archive_id: str, *, timezone: str | None = None) -> Iterator[BinarySource]:
    """One archive's detail report as a binary stream, read from the socket as the caller reads it (exports)."""
    with client.stream("GET", f"recordingReport/meetingArchives/{segment(archive_id)}", timezone=timezone) as body:
        yield body


def span_windows(start: datetime, end: datetime, size: timedelta = MAX_SPAN) -> list[tuple[datetime, datetime]]:
    """Split ``[start, end)`` into consecutive windows no longer than ``size`` (Webex allows 30 days)."""
    windows, cursor = [], start
    while cursor < end:
        upper = min(cursor + size, end)
        windows.append((cursor, upper))
        cursor = upper
    return windows


def list_archive_summaries(client: WebexClient, start: datetime, end: datetime, *,
                           timezone: str | None = None, site_url: str | None = None) -> list[ArchiveSummary]:
    """Every archive created in ``[start, end)``, newest first, over any span and all pages."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware")
    seen: dict[str, ArchiveSummary] = {}
    for lower, upper in span_windows(start, end):
        params = {"from": iso_utc(lower), "to": iso_utc(upper), "max": 100}
        if site_url:
            params["siteUrl"] = site_url
        for item in client.paginate("recordingReport/meetingArchiveSummaries", params, timezone=timezone):
            summary = parse_archive_summary(item)
            seen.setdefault(summary.archive_id, summary)
    floor = datetime.min.replace(tzinfo=UTC)
    return sorted(seen.values(), key=lambda s: s.created or floor, reverse=True)


def list_meeting_chats(client: WebexClient, meeting_id: str, *, offset: int = 0) -> Iterator[MeetingChat]:
    """The post-meeting chats of an ended meeting instance (compliance credential) from ``offset`` on, in order.

    Pages are fetched a window at a time (``bot.webex.paging``); the first one before this returns, so a
    refused credential or a bad id raises here. A 429 later raises ``ListingInterrupted``: call again with
    its ``offset`` (after its ``retry_after``) to go on where it stopped, no page fetched twice.
    """
    return client.list_by_offset("meetings/postMeetingChats", {"meetingId": meeting_id}, offset=offset,
                                 page_size=CHAT_PAGE, parse=parse_meeting_chat)


def get_meeting(client: WebexClient, meeting_id: str, *, timezone: str | None = None) -> Meeting:
    """One meeting, series or instance (admin credential)."""
    return parse_meeting(client.get_json(f"meetings/{meeting_id}", timezone=timezone))


def list_ended_meetings(client: WebexClient, start: datetime, end: datetime, *, host_email: str | None = None,
                        timezone: str | None = None) -> list[Meeting]:
    """The ended meeting instances that started in ``[start, end)`` (admin: the whole organisation, or the
    meetings of ``host_email``), all pages.

    One listing (``meetingType=meeting&state=ended``; webex-api-notes §8a): the archive picker matches its
    archives to these by title and time instead of asking for each archive's details.
    """
    params = {"meetingType": "meeting", "state": "ended", "from": iso_utc(start), "to": iso_utc(end), "max": 100}
    if host_email:
        params["hostEmail"] = host_email
    return [parse_meeting(item) for item in client.paginate("meetings", params, timezone=timezone)
            if isinstance(item, dict)]


def iso_utc(when: datetime) -> str:
    """A time as Webex's query parameters take it: ISO 8601 in UTC, to the second (``2026-12-05T09:00:00Z``)."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
