"""Which archive is a meeting's: archives name no meeting, so a rule of title, time, site and host decides.

Archive rule: an archive summary created in ``[meeting end − 5 min, meeting end + 6 h]``, on the
meeting's site, with the same title (case and spacing ignored); the one created closest to the
meeting's end wins, and when both sides name a host the archive detail's host must be the meeting's
(else the next closest).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from bot.digest import Digest
from bot.errors import WebexNotFound
from bot.meetings import (
    ARCHIVE_AFTER_END,
    ARCHIVE_BEFORE_END,
    ArchiveSummary,
    Meeting,
    archive_candidates,
    title_key,
)
from bot.recaps.rules import normalise_email


class NotReady(Exception):
    """The meeting's data is not (all) there yet; ``retry_after`` when Webex said how long to wait."""

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.reason, self.retry_after = reason, retry_after


def find_archive(admin, meeting: Meeting, now: datetime, found: dict | None = None, *,
                 load: Callable[[str], Digest]) -> Digest | None:
    """The archive of an ended meeting by the rule in this module's docstring, or None (not there yet).

    ``found["archiveId"]`` is set as soon as an archive matches (and used instead of a new search).
    """
    found = found if found is not None else {}
    if isinstance(found.get("archiveId"), str):
        return load(found["archiveId"])
    if not isinstance(found.get("candidates"), list):
        found["candidates"] = _candidates(admin, meeting, now)
    for archive_id in list(found["candidates"]):
        try:
            archive = load(archive_id)  # the digest: stored, so the recap's buttons fetch nothing
        except WebexNotFound:
            found["candidates"].remove(archive_id)  # listed but gone since: try the next one
            continue
        if _same_host(archive.host_email, meeting.host_email):
            found["archiveId"] = archive.archive_id
            return archive
        found["candidates"].remove(archive_id)  # looked at: not this meeting's
    del found["candidates"]  # none matched (or none yet): the next look searches afresh
    return None


def likely_archive(admin, meeting: Meeting, now: datetime) -> str | None:
    """The id of the archive most likely a meeting's, by title and time alone (one listing, no archive fetched).

    For a button that opens the meeting's recap; None when no archive fits yet or the meeting has not ended.
    """
    if meeting.end is None:
        return None
    return next(iter(_candidates(admin, meeting, now)), None)


def _candidates(admin, meeting: Meeting, now: datetime) -> list[str]:
    """Ids of the archives that may be the meeting's, most likely first (title and time; the host is checked later).

    The window and the title rule are ``bot.meetings.archive_candidates``': one rule for recaps and typed ids.
    """
    if meeting.end is None:
        raise NotReady("the meeting has no end time yet")
    return [s.archive_id for s in archive_candidates(admin, meeting, now)]


def _same_host(archive_host: str | None, meeting_host: str | None) -> bool:
    a, b = normalise_email(archive_host), normalise_email(meeting_host)
    return a is None or b is None or a == b


def pair_archives(summaries: Iterable[ArchiveSummary], instances: Iterable[Meeting]) -> dict[str, Meeting]:
    """Each archive's ended meeting instance by this module's rule (title, and created near the end), where one fits.

    For a list of archives and one listing of instances, so nothing is fetched per archive: the host is not
    checked (summaries name none). Pairs are made closest first, and an instance is any one archive's at most.
    """
    pairs = []
    meetings_by_title: dict[str, list[Meeting]] = {}
    for meeting in instances:
        if meeting.end is not None:
            meetings_by_title.setdefault(title_key(meeting.title), []).append(meeting)
    for summary in summaries:
        for meeting in meetings_by_title.get(title_key(summary.title), ()) if summary.created else ():
            if meeting.end - ARCHIVE_BEFORE_END <= summary.created <= meeting.end + ARCHIVE_AFTER_END:
                pairs.append((abs((summary.created - meeting.end).total_seconds()), summary.archive_id, meeting))
    paired: dict[str, Meeting] = {}
    taken: set[str] = set()
    for _gap, archive_id, meeting in sorted(pairs, key=lambda pair: pair[0]):
        if archive_id not in paired and meeting.id not in taken:
            paired[archive_id] = meeting
            taken.add(meeting.id)
    return paired
