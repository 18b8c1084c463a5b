"""Fetching a meeting's insights: each optional source with the credential that may read it, all at once.

Who reads what (webex-api-notes §8f): the **compliance** credential reads the AI summary
(``/admin/meetingSummaries``) and the transcript with its snippets (talk time); the **admin** credential
reads recordings (``/admin/recordings``; the compliance one does too, as a fallback) and invitees (with
``hostEmail``). A deployment with only the admin credential gets recordings and no-shows. The transcript
is found with ``/meetingTranscripts?meetingId=`` (the compliance scope covers it), as
``/admin/meetingTranscripts`` takes no ``meetingId``, only a site and a window.

Every ``fetch_*`` returns a ``Fetched``: the value, or None and an ``Outcome`` saying why in plain words
(403 → the credential lacks the scope, 404 → the feature is off or Webex kept none, an empty list →
none, or "not ready yet" within ``late_window`` of the meeting's end, 429/5xx → asked to wait). They never
raise a ``WebexError``. ``fetch_insights`` runs the four on a small thread pool (every client is paced
by its credential's budget) and returns one ``Insights``; ``bot.meetings.insights_codec`` keeps it as
JSON. From a typed id to insights::

    found = resolve(clients.admin, typed_id)            # bot.meetings.resolve: either id works
    insights = fetch_insights(clients, found.meeting, participants=digest.attendance.people)
    insights.summary.note, insights.speakers, insights.recording, insights.no_shows
    insights.unavailable_line()   # "AI summary: not available (…)" for the admin's 1:1, "" when all came
    insights.pending              # some source may still come: an automatic recap may wait
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from bot.errors import WebexError
from bot.meetings.insights import (
    Invitee,
    MeetingSummary,
    Recording,
    Speakers,
    TalkTime,
    count_invited,
    no_shows,
    parse_invitee,
    parse_recording,
    parse_summary,
)
from bot.meetings.outcomes import EMPTY, NO_CREDENTIAL, OK, SOURCES, Fetched, Outcome, empty, failure
from bot.meetings.records import Meeting
from bot.webex import WebexClient, segment

# An empty answer this soon after the meeting's end means "not ready yet" rather than "none".
LATE_WINDOW = timedelta(hours=1)
WORKERS = 4  # one thread per source at most
PAGE = 100


@dataclass(frozen=True)
class Insights:
    """Everything optional about one ended meeting instance, and per source how fetching it went."""

    meeting_id: str
    summary: MeetingSummary | None
    speakers: Speakers | None
    recordings: tuple[Recording, ...]
    invitees: tuple[Invitee, ...] | None
    no_shows: tuple[Invitee, ...] | None  # invited, never joined (None when the invitees are unknown)
    invited: int | None
    outcomes: tuple[Outcome, ...]  # one per source, in ``SOURCES`` order

    @property
    def recording(self) -> Recording | None:
        """The first recording (Webex makes several when recording stopped and started again)."""
        return self.recordings[0] if self.recordings else None

    def outcome(self, source: str) -> Outcome:
        """How fetching ``source`` (one of ``SOURCES``) went; ``KeyError`` for another name."""
        for outcome in self.outcomes:
            if outcome.source == source:
                return outcome
        raise KeyError(source)

    @property
    def unavailable(self) -> tuple[Outcome, ...]:
        """The sources left out, with their reasons."""
        return tuple(o for o in self.outcomes if not o.available)

    @property
    def pending(self) -> bool:
        """Whether some source may still come (not ready yet, or Webex asked to wait): an automatic recap may wait."""
        return any(o.pending for o in self.outcomes)

    def unavailable_line(self) -> str:
        """One line for the admin's 1:1: ``AI summary: not available (…); Recording: not ready yet`` ("" if none)."""
        return "; ".join(o.line() for o in self.unavailable)


def _guarded(source: str, client: WebexClient, fetch: Callable[[], Fetched]) -> Fetched:
    try:
        return fetch()
    except WebexError as exc:
        return Fetched(None, failure(source, client.role, exc))


def fetch_summary(client: WebexClient, meeting_id: str, *, ended: datetime | None = None,
                  now: datetime | None = None, late_window: timedelta = LATE_WINDOW) -> Fetched[MeetingSummary]:
    """The AI summary (compliance credential: ``/admin/meetingSummaries``; any other: ``/meetingSummaries``)."""
    path = "admin/meetingSummaries" if client.role == "compliance" else "meetingSummaries"

    def fetch() -> Fetched[MeetingSummary]:
        items = client.get_json(path, {"meetingId": meeting_id}).get("items") or []
        summaries = [parse_summary(i) for i in items if isinstance(i, dict)]
        kept = next((s for s in summaries if s.status == "available"), None)
        if kept is not None:
            return Fetched(kept, Outcome("summary", OK))
        if summaries:
            return Fetched(None, Outcome("summary", EMPTY, "the AI summary was deleted"))
        return Fetched(None, empty("summary", ended, now, late_window, "Webex has no AI summary for this meeting"))

    return _guarded("summary", client, fetch)


def fetch_speakers(client: WebexClient, meeting_id: str, *, host_email: str | None = None,
                   ended: datetime | None = None, now: datetime | None = None,
                   late_window: timedelta = LATE_WINDOW) -> Fetched[Speakers]:
    """Talk time per speaker from the transcript's snippets, walked page by page (never all held).

    Pages follow Webex's ``Link`` header; the spec declares none for snippets, so when the last page
    came back full with no next link, ``Speakers.complete`` is False (the counts may be short).
    """
    params = {"meetingId": meeting_id}
    if host_email and client.role == "admin":
        params["hostEmail"] = host_email

    def fetch() -> Fetched[Speakers]:
        transcripts = [t for t in client.paginate("meetingTranscripts", params, page_size=PAGE) if isinstance(t, dict)]
        chosen = next((t for t in transcripts if t.get("status", "available") == "available" and t.get("id")), None)
        if chosen is None:
            if transcripts:
                return Fetched(None, Outcome("speakers", EMPTY, "the transcript was deleted"))
            none = "Webex has no transcript for this meeting"
            return Fetched(None, empty("speakers", ended, now, late_window, none))
        tally, last = TalkTime(str(chosen["id"])), 0
        for page in client.pages(f"meetingTranscripts/{segment(chosen['id'])}/snippets", {"max": PAGE}):
            for snippet in page:
                if isinstance(snippet, dict):
                    tally.add(snippet)
            last = len(page)
        # The spec declares no paging for snippets: a full last page without a next link may hide more.
        speakers = tally.result(complete=last < PAGE)
        if not speakers.count:
            return Fetched(None, empty("speakers", ended, now, late_window, "the transcript holds no speech"))
        return Fetched(speakers, Outcome("speakers", OK))

    return _guarded("speakers", client, fetch)


def fetch_recordings(client: WebexClient, meeting_id: str, *, ended: datetime | None = None,
                     now: datetime | None = None,
                     late_window: timedelta = LATE_WINDOW) -> Fetched[tuple[Recording, ...]]:
    """The meeting's available recordings, first recorded first (``/admin/recordings``: admin or compliance)."""

    def fetch() -> Fetched[tuple[Recording, ...]]:
        items = client.paginate("admin/recordings", {"meetingId": meeting_id}, page_size=PAGE)
        found = [r for r in (parse_recording(i) for i in items if isinstance(i, dict))
                 if r.status == "available" and r.playback_url and r.meeting_id in ("", meeting_id)]
        if not found:
            return Fetched(None, empty("recording", ended, now, late_window, "the meeting was not recorded"))
        floor = datetime.min.replace(tzinfo=UTC)
        return Fetched(tuple(sorted(found, key=lambda r: r.recorded or floor)), Outcome("recording", OK))

    return _guarded("recording", client, fetch)


def fetch_invitees(client: WebexClient, meeting_id: str, *, host_email: str | None = None,
                   ended: datetime | None = None, now: datetime | None = None,
                   late_window: timedelta = LATE_WINDOW) -> Fetched[tuple[Invitee, ...]]:
    """Who was invited (admin credential acting for ``host_email``, as Webex requires of an admin)."""
    params = {"meetingId": meeting_id}
    if host_email:
        params["hostEmail"] = host_email

    def fetch() -> Fetched[tuple[Invitee, ...]]:
        invitees = tuple(parse_invitee(i) for i in client.paginate("meetingInvitees", params, page_size=PAGE)
                         if isinstance(i, dict))
        if not invitees:
            return Fetched(None, empty("invitees", ended, now, late_window, "nobody was invited by name"))
        return Fetched(invitees, Outcome("invitees", OK))

    return _guarded("invitees", client, fetch)


def _missing(source: str, role: str) -> Fetched:
    return Fetched(None, Outcome(source, NO_CREDENTIAL, f"no {role} credential is configured"))


class Credentials(Protocol):
    """The clients ``fetch_insights`` needs (``bot.webex.WebexClients`` has them); either may be None."""

    admin: WebexClient | None
    compliance: WebexClient | None


def fetch_insights(clients: Credentials, meeting: Meeting, *, participants: Iterable[Any] = (),
                   now: datetime | None = None, late_window: timedelta = LATE_WINDOW,
                   workers: int = WORKERS) -> Insights:
    """Every insight of an ended meeting instance, fetched concurrently, each with the credential that may read it.

    ``clients`` has ``admin`` and ``compliance`` clients (``WebexClients``; either may be None);
    ``participants`` (archive ``Participant`` records, digest attendees or ``(name, email)`` pairs) give
    the no-shows.
    """
    admin, compliance = clients.admin, clients.compliance
    timing = {"ended": meeting.end, "now": now, "late_window": late_window}
    calls: dict[str, Callable[[], Fetched]] = {
        "summary": (lambda: fetch_summary(compliance, meeting.id, **timing)) if compliance
        else (lambda: _missing("summary", "compliance")),
        "speakers": (lambda: fetch_speakers(compliance, meeting.id, **timing)) if compliance
        else (lambda: _missing("speakers", "compliance")),
        "recording": (lambda: fetch_recordings(admin or compliance, meeting.id, **timing)) if admin or compliance
        else (lambda: _missing("recording", "admin")),
        "invitees": (lambda: fetch_invitees(admin, meeting.id, host_email=meeting.host_email, **timing)) if admin
        else (lambda: _missing("invitees", "admin")),
    }
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(calls))), thread_name_prefix="insights") as pool:
        futures = {source: pool.submit(call) for source, call in calls.items()}
        got = {source: future.result() for source, future in futures.items()}
    invitees = got["invitees"].value
    return Insights(meeting.id, got["summary"].value, got["speakers"].value, got["recording"].value or (),
                    invitees, no_shows(invitees, participants) if invitees is not None else None,
                    count_invited(invitees) if invitees is not None else None,
                    tuple(got[source].outcome for source in SOURCES))
