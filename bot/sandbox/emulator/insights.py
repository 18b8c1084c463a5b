"""Insight endpoints of the emulator: AI summaries, transcripts and their snippets (webex-api-notes §8b–8c, §8f).

Access, as §8f sets it out: the **compliance officer** reads summaries (``/admin/meetingSummaries``, and
``/meetingSummaries``), transcripts and snippets; a **full admin** lists transcripts but may read
neither summaries nor snippets (403); the **host** (a user token whose person hosts the meeting) reads
their own through the user variants; anyone else gets 403. Data comes from
``bot.sandbox.emulator.insight_store`` (generated per meeting, switches per source). Choices where Webex
is silent: series or scheduled ids are a 400, an unknown instance a 404; snippet pages carry a
``Link`` header with an opaque cursor (the spec declares none; the client follows it when present).
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, request

from bot.sandbox.emulator.http import (
    ApiError,
    cursor_offset,
    int_param,
    json_response,
    paged,
    principal,
    request_zone,
    state,
    time_param,
)
from bot.sandbox.emulator.insight_store import InsightSwitch
from bot.sandbox.emulator.records import format_iso, in_zone, now_utc, parse_iso
from bot.sandbox.ids import SITE_URL

bp = Blueprint("emulator_insights", __name__)

INSTANCE_MARK = "_I_"
DEFAULT_SPAN = timedelta(days=7)
NOT_COMPLIANCE = ("The server understood the request, but refused to fulfill it because the access token is not a "
                  "Compliance Officer's (spark-compliance:meetings_read).")
NOT_HOST = ("The server understood the request, but refused to fulfill it: only the meeting's host "
            "(meeting:summaries_read) or a Compliance Officer may read its AI summary or transcript snippets; "
            "an administrator's token may not.")
NO_TRANSCRIPTS = ("The server understood the request, but refused to fulfill it because the access token lacks "
                  "meeting:transcripts_read or meeting:admin_transcripts_read.")
GONE = {"summaries": "No meeting summary is available: the AI Assistant was off for this site, or Webex kept none.",
        "transcripts": "No transcript is available: transcription was off for this site, or Webex kept none.",
        "recordings": "No recording is available: recording is off for this site, or Webex kept none.",
        "invitees": "The invitee list of this meeting is not available."}
FORBIDDEN = ("The server understood the request, but refused to fulfill it because the access token lacks the "
             "scope this data needs.")


def meeting_param(*, required: bool = True) -> str | None:
    """The ``meetingId`` parameter, which must name a meeting instance (``…_I_…``); 400 otherwise."""
    meeting_id = request.args.get("meetingId", "").strip()
    if not meeting_id:
        if required:
            raise ApiError(400, "meetingId is required.")
        return None
    if INSTANCE_MARK not in meeting_id:
        raise ApiError(400, "meetingId must be the id of an ended meeting instance; series, scheduled meetings "
                            "and personal-room meetings are not supported.")
    return meeting_id


def known_meeting(meeting_id: str) -> dict:
    """The stored ended instance, or a 404."""
    meeting = state().meetings.get(meeting_id)
    if meeting is None or meeting.get("state") != "ended":
        raise ApiError(404, "The requested meeting could not be found.")
    return meeting


def archive_of(meeting_id: str) -> dict | None:
    """The archive detail behind a meeting instance: published, or still pending release."""
    emulator = state()
    with emulator.lock:
        for archive_id, instance in emulator.archive_meetings.items():
            if instance == meeting_id and archive_id in emulator.archives:
                return emulator.archives[archive_id]
        return next((p.archive for p in emulator.pending_releases if p.meeting_id == meeting_id), None)


def is_host(meeting: dict) -> bool:
    """Whether the caller is an ordinary user who hosts ``meeting``."""
    who = principal()
    return who.role == "user" and who.person_id == meeting.get("hostUserId")


def served(source: str, meeting: dict) -> dict | None:
    """The meeting's insights if ``source`` is served now; 403/404 by its switch; None while held back."""
    switch: InsightSwitch = state().insights.switch(source, meeting["id"])
    if switch.mode == "forbidden":
        raise ApiError(403, FORBIDDEN)
    if switch.mode == "missing":
        raise ApiError(404, GONE[source])
    if switch.withheld(parse_iso(meeting.get("end")), now_utc()):
        return None
    return state().insights.insights(meeting, archive_of(meeting["id"]))


def window(zone) -> tuple:
    """``from``/``to`` with the 7-day default ending now, and the values to repeat in next links."""
    start, end = time_param("from", zone), time_param("to", zone)
    end = end or (start + DEFAULT_SPAN if start else now_utc())
    start = start or end - DEFAULT_SPAN
    if start > end:
        raise ApiError(400, "from cannot be after to.")
    resolved = {k: format_iso(v) for k, v in (("from", start), ("to", end)) if not request.args.get(k)}
    return start, end, resolved


def ended_between(start, end, *, host_id: str | None = None) -> list[dict]:
    """Ended instances that started in ``[start, end)`` (hosted by ``host_id`` when given), newest first."""
    with state().lock:
        meetings = list(state().meetings.values())
    rows = [(parse_iso(m.get("start")), m) for m in meetings if m.get("state") == "ended"
            and (host_id is None or m.get("hostUserId") == host_id)]
    rows = [(t, m) for t, m in rows if t is not None and start <= t < end]
    return [m for _, m in sorted(rows, key=lambda row: row[0], reverse=True)]


@bp.get("/meetingSummaries")
def meeting_summaries() -> Response:
    """The AI summary of an ended instance, for its host or a compliance officer (an admin gets 403)."""
    meeting = known_meeting(meeting_param())
    if principal().role != "compliance" and not is_host(meeting):
        raise ApiError(403, NOT_HOST)
    return _summaries(meeting)


@bp.get("/admin/meetingSummaries")
def admin_meeting_summaries() -> Response:
    """The AI summary of any ended instance of the org, for a compliance officer only."""
    if principal().role != "compliance":
        raise ApiError(403, NOT_COMPLIANCE)
    return _summaries(known_meeting(meeting_param()))


def _summaries(meeting: dict) -> Response:
    insights = served("summaries", meeting)
    summary = insights.get("summary") if insights else None
    return json_response({"items": [summary] if summary else []})


@bp.get("/meetingTranscripts")
def meeting_transcripts() -> Response:
    """Transcripts of one ended instance (``meetingId``) or of the caller's meetings in a window."""
    who = principal()
    if who.role not in ("admin", "compliance", "user"):
        raise ApiError(403, NO_TRANSCRIPTS)
    limit, zone = int_param("max", 10, 1, 100), request_zone()
    meeting_id = meeting_param(required=False)
    if meeting_id is None:
        if request.args.get("hostEmail"):
            raise ApiError(400, "hostEmail is supported only together with meetingId.")
        start, end, resolved = window(zone)
        meetings, extra = ended_between(start, end, host_id=who.person_id), resolved
    else:
        meeting = known_meeting(meeting_id)
        if who.role == "user" and not is_host(meeting):
            raise ApiError(404, "The requested meeting could not be found.")
        meetings, extra = [meeting], {}
    return paged([in_zone(t, zone) for t in _transcripts(meetings)], limit, cursor_offset(), **extra)


@bp.get("/admin/meetingTranscripts")
def admin_meeting_transcripts() -> Response:
    """Transcripts of a site's ended meetings in a window, newest first, for a compliance officer only."""
    if principal().role != "compliance":
        raise ApiError(403, NOT_COMPLIANCE)
    site = request.args.get("siteUrl", "").strip()
    if not site:
        raise ApiError(400, "siteUrl is required.")
    if site.lower() != SITE_URL:
        raise ApiError(400, f"siteUrl {site!r} is not a Webex site of this organization.")
    limit, zone = int_param("max", 10, 1, 100), request_zone()
    start, end, resolved = window(zone)
    transcripts = _transcripts(ended_between(start, end), skip_refused=True)
    return paged([in_zone(t, zone) for t in transcripts], limit, cursor_offset(), **resolved)


def _transcripts(meetings: list[dict], *, skip_refused: bool = False) -> list[dict]:
    found = []
    for meeting in meetings:
        try:
            insights = served("transcripts", meeting)
        except ApiError:
            if not skip_refused:
                raise
            continue
        if insights and insights.get("transcript"):
            found.append(insights["transcript"])
    return found


@bp.get("/meetingTranscripts/<transcript_id>/snippets")
def transcript_snippets(transcript_id: str) -> Response:
    """The snippets of a transcript in order, Link-paged, for a compliance officer or the host (admin: 403)."""
    meeting_id = state().insights.transcripts.get(transcript_id)
    meeting = state().meetings.get(meeting_id or "")
    if meeting is None:
        raise ApiError(404, "The requested transcript could not be found.")
    if principal().role != "compliance" and not is_host(meeting):
        raise ApiError(403, NOT_HOST)
    limit = int_param("max", 10, 1, 100)
    insights = served("transcripts", meeting)
    if insights is None or (insights.get("transcript") or {}).get("id") != transcript_id:
        raise ApiError(404, "The requested transcript could not be found.")
    return paged(list(insights.get("snippets") or []), limit, cursor_offset())
