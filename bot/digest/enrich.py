"""A digest's insights (AI summary, speakers, recording, invitees), fetched once and stored with it.

``with_insights`` is what a view calls: a digest that has insights is returned as it is (no call to
Webex), so every later view and button reads the stored ones. A digest without them gets its meeting
instance (the one given, else the digest's ``meeting_id``, else the archive's match in ``GET /meetings``),
one ``fetch_insights`` with the admin and compliance clients, and is stored again. Failing to find the
instance is an outcome ("unavailable"), never an error.

Pending sources (not ready yet, or Webex asked to wait) are fetched again only when the caller asks
(``refresh``: a typed command, or an automatic recap's next look) and only once the digest was stored at
least ``after`` ago (``REFRESH_AFTER`` for typed commands): only those sources, the others kept. A button
never refreshes, so pressing one never calls an insight endpoint.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot import meetings
from bot.digest.codec import encode
from bot.digest.model import FORMAT_VERSION, Digest, with_meeting
from bot.errors import WebexAuthError, WebexError
from bot.meetings import Insights, Meeting, Outcome
from bot.meetings.insights_api import Credentials
from bot.meetings.outcomes import FORBIDDEN, NOT_FOUND, NOT_READY, failure
from bot.storage import Store

log = logging.getLogger(__name__)
REFRESH_AFTER = timedelta(minutes=10)  # a typed command refreshes pending sources this long after the last fetch
NO_INSTANCE = "Recap could not find this archive's meeting instance in Webex"


def with_insights(store: Store, clients: Credentials, digest: Digest, *, meeting: Meeting | None = None,
                  refresh: bool = False, after: timedelta = REFRESH_AFTER, now: datetime | None = None) -> Digest:
    """The digest with its insights: the stored ones, else fetched once (and stored); see the module docstring."""
    if not _to_fetch(store, digest, meeting, refresh=refresh, before=(now or _now()) - after):
        return digest
    found = meeting or find_instance(clients, digest)
    meeting = found if isinstance(found, Meeting) else None
    if meeting is None:  # stored too, so the next try waits for the next refresh like any other
        insights = unreachable(digest, now, found if isinstance(found, Outcome) else None)
    elif digest.insights is not None:
        insights = refresh_pending(clients, meeting, digest, now=now)
        digest = with_meeting(digest, meeting)
    else:
        insights = meetings.fetch_insights(clients, meeting, participants=digest.attendance.people, now=now)
        digest = with_meeting(digest, meeting)
    known = replace(digest, insights=insights)
    store.save_digest(known.archive_id, FORMAT_VERSION, encode(known))
    return known


def find_instance(clients: Credentials, digest: Digest) -> Meeting | Outcome | None:
    """The digest's ended meeting instance (by its ``meeting_id``, else matched to the archive).

    None when no instance matches (or there is no admin credential); an ``Outcome`` (its ``source`` is "")
    saying why when Webex refused or failed the look-up.
    """
    if clients.admin is None:
        return None
    try:
        if digest.meeting_id:
            return meetings.get_meeting(clients.admin, digest.meeting_id)
        return meetings.instance_for_archive(clients.admin, digest)
    except WebexError as exc:  # the insights are optional: the view comes without them
        log.info("no meeting instance for archive %s (%s)", digest.archive_id, type(exc).__name__)
        if isinstance(exc, WebexAuthError) and exc.status != 401:
            return Outcome("", FORBIDDEN, "the admin credential may not list meetings (meeting:admin_schedule_read)")
        return failure("", "admin", exc)


def unreachable(digest: Digest, now: datetime | None = None, why: Outcome | None = None) -> Insights:
    """Insights with every source unavailable because the meeting instance was not found (``why``, if known).

    Soon after the meeting's end (``meetings.LATE_WINDOW``) Webex may not list the instance yet: the sources
    are then ``not_ready`` (pending), so a later typed command tries again; so they are when Webex asked to wait.
    """
    ended = digest.end
    soon = ended is not None and (now or _now()) - ended < meetings.LATE_WINDOW
    if why is not None and why.status != NOT_FOUND:
        status, reason = why.status, why.reason
    elif soon:
        status, reason = NOT_READY, "not ready yet"
    else:
        status, reason = NOT_FOUND, NO_INSTANCE
    return Insights("", None, None, (), None, None, None,
                    tuple(Outcome(source, status, reason) for source in meetings.SOURCES))


def refresh_pending(clients: Credentials, meeting: Meeting, digest: Digest, *, now: datetime | None = None) -> Insights:
    """The digest's insights with only their pending sources fetched again (the others kept as they are)."""
    old = digest.insights
    if not old.meeting_id:  # the instance was not found before: this is the first real fetch
        return meetings.fetch_insights(clients, meeting, participants=digest.attendance.people, now=now)
    timing = {"ended": meeting.end, "now": now}
    got = {}
    for outcome in old.outcomes:
        fetched = _fetch_one(clients, meeting, outcome.source, timing) if outcome.pending else None
        if fetched is not None:
            got[outcome.source] = fetched
    summary, speakers = _value(got, "summary", old.summary), _value(got, "speakers", old.speakers)
    recordings = _value(got, "recording", old.recordings) or ()
    invitees = _value(got, "invitees", old.invitees)
    no_shows, invited = old.no_shows, old.invited
    if "invitees" in got and invitees is not None:
        no_shows = meetings.no_shows(invitees, digest.attendance.people)
        invited = meetings.count_invited(invitees)
    outcomes = tuple(got[o.source].outcome if o.source in got else o for o in old.outcomes)
    return Insights(old.meeting_id, summary, speakers, tuple(recordings), invitees, no_shows, invited, outcomes)


def _fetch_one(clients: Credentials, meeting: Meeting, source: str, timing: dict):
    """One source fetched again with the credential that may read it; None when that credential is gone."""
    admin, compliance = clients.admin, clients.compliance
    if source == "summary":
        return meetings.fetch_summary(compliance, meeting.id, **timing) if compliance else None
    if source == "speakers":
        return meetings.fetch_speakers(compliance, meeting.id, **timing) if compliance else None
    if source == "recording":
        return meetings.fetch_recordings(admin or compliance, meeting.id, **timing) if admin or compliance else None
    if source == "invitees" and admin:
        return meetings.fetch_invitees(admin, meeting.id, host_email=meeting.host_email, **timing)
    return None


def _value(got: dict, source: str, old):
    return got[source].value if source in got and got[source].outcome.available else old


def _to_fetch(store: Store, digest: Digest, meeting: Meeting | None, *, refresh: bool, before: datetime) -> bool:
    """Whether to ask Webex: no insights yet; an instance now known where none was found; or a due refresh."""
    old = digest.insights
    if old is None or (meeting is not None and not old.meeting_id):
        return True
    return refresh and old.pending and _stored_before(store, digest, before)


def _stored_before(store: Store, digest: Digest, moment: datetime) -> bool:
    """Whether the digest's row was stored before ``moment`` (its last fetch of insights)."""
    stored = store.load_digest(digest.archive_id)
    return stored is None or stored.created_at <= moment


def _now() -> datetime:
    return datetime.now(UTC)
