"""Meeting endpoints of the emulator: archive summaries and details, post-meeting chats, meetings.

Access (the Webex rules of webex-api-notes §7, as the emulator enforces them): archives and
meetings need the full-admin token; post-meeting chats need the compliance-officer token; every
other token (bot, ordinary user) gets 403. Choices where Webex is silent: an unknown ``siteUrl``
is a 400; ``GET /meetings`` stores instances only, so the default ``meetingType=meetingSeries``
lists nothing; a next link carries an opaque ``cursor`` plus the resolved ``from``/``to``.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, request

from bot.sandbox.emulator.http import (
    JSON_TYPE,
    ApiError,
    cursor_offset,
    int_param,
    json_response,
    paged,
    request_zone,
    require_role,
    state,
    time_param,
)
from bot.sandbox.emulator.records import format_iso, in_zone, now_utc, parse_iso
from bot.sandbox.emulator.world import EmulatorWorld
from bot.sandbox.ids import SITE_URL

bp = Blueprint("emulator_meetings", __name__)

MAX_SPAN = timedelta(days=30)
DEFAULT_SPAN = timedelta(days=7)
INSTANCE_MARK = "_I_"
ADMIN_ONLY = ("The server understood the request, but refused to fulfill it because the access token lacks "
              "full administrator rights (meeting:admin_recordings_read / meeting:admin_schedule_read).")
COMPLIANCE_ONLY = ("The server understood the request, but refused to fulfill it because the access token is "
                   "not a Compliance Officer's (spark-compliance:meetings_read).")
HAS_FLAGS = ("hasChat", "hasRecording", "hasTranscription", "hasSummary", "hasClosedCaption", "hasPolls",
             "hasQA", "hasSlido")


def _window(zone, *, default_to_now: bool = True) -> tuple[datetime, datetime, dict]:
    """``from``/``to`` with the spec's 7-day defaults, and the resolved values to repeat in next links.

    With neither given the window is the last 7 days (``default_to_now``) or the next 7 days
    (meeting series and scheduled meetings, as the spec says for ``GET /meetings``).
    """
    start, end = time_param("from", zone), time_param("to", zone)
    if start is None and end is None:
        start, end = (None, now_utc()) if default_to_now else (now_utc(), None)
    if start is None:
        start = end - DEFAULT_SPAN
    if end is None:
        end = start + DEFAULT_SPAN
    if start > end:
        raise ApiError(400, "from cannot be after to.")
    resolved = {k: format_iso(v) for k, v in (("from", start), ("to", end)) if not request.args.get(k)}
    return start, end, resolved


@bp.get("/recordingReport/meetingArchiveSummaries")
def archive_summaries() -> Response:
    """List archive summaries created in ``[from, to)``, newest first, Link-paged."""
    require_role("admin", message=ADMIN_ONLY)
    zone = request_zone()
    limit = int_param("max", 10, 1, 100)
    start, end, resolved = _window(zone)
    if end - start > MAX_SPAN:
        raise ApiError(400, "The interval between from and to cannot exceed 30 days.")
    site = request.args.get("siteUrl")
    if site and site.lower() != SITE_URL:
        raise ApiError(400, f"siteUrl {site!r} is not a Webex site of this organization.")
    with state().lock:
        rows = sorted(((c, s) for c, s in state().summaries.values() if start <= c < end),
                      key=lambda row: row[0], reverse=True)
    return paged([in_zone(s, zone) for _, s in rows], limit, cursor_offset(), **resolved)


@bp.get("/recordingReport/meetingArchives/<archive_id>")
def archive_detail(archive_id: str) -> Response:
    """The full archive report, timestamps in the ``timezone`` header's zone (UTC by default)."""
    require_role("admin", message=ADMIN_ONLY)
    body = _archive_json(state(), archive_id, request_zone())
    if body is None:
        raise ApiError(404, "The requested resource could not be found.")
    return Response(body, mimetype=JSON_TYPE)


def _archive_json(emulator: EmulatorWorld, archive_id: str, zone: ZoneInfo | None) -> bytes | None:
    """The archive's JSON in ``zone``: one ``bytes`` made on first request and served as is until the archive changes.

    Only stored archives are kept (a summary-only archive's bare report is small and follows its summary); a
    rendering is kept only if the archive was not replaced while it was being made.
    """
    key = (archive_id, zone.key if zone else "UTC")
    body = emulator.rendered.get(key)
    if body is not None:
        return body
    with emulator.render_lock:  # two first requests at once make it once
        with emulator.lock:
            body, stored = emulator.rendered.get(key), emulator.archives.get(archive_id)
        if body is not None:
            return body
        detail = stored if stored is not None else emulator.archive_detail(archive_id)
        if detail is None:
            return None
        body = json.dumps(in_zone(detail, zone), ensure_ascii=False).encode()
        with emulator.lock:
            if stored is not None and emulator.archives.get(archive_id) is stored:
                emulator.rendered[key] = body
    return body


@bp.get("/meetings/postMeetingChats")
def post_meeting_chats() -> Response:
    """Post-meeting chats of an ended instance, paged by ``offset`` (the spec declares no Link header)."""
    require_role("compliance", message=COMPLIANCE_ONLY)
    meeting_id = request.args.get("meetingId", "").strip()
    if not meeting_id:
        raise ApiError(400, "meetingId is required.")
    if INSTANCE_MARK not in meeting_id:
        raise ApiError(400, "meetingId must be the id of an ended meeting instance; "
                            "series, scheduled meetings and personal-room meetings are not supported.")
    limit = int_param("max", 10, 1, 100)
    offset = int_param("offset", 0, 0, 10**9)
    meeting = state().meetings.get(meeting_id)
    if meeting is None:
        raise ApiError(404, "The requested meeting could not be found.")
    if meeting.get("state") != "ended":
        raise ApiError(400, "Only meeting instances in state ended are supported.")
    items = state().chats.get(meeting_id, [])
    return json_response({"items": items[offset:offset + limit]})


@bp.get("/meetings/<meeting_id>")
def get_meeting(meeting_id: str) -> Response:
    """One meeting by id, in the ``timezone`` header's zone."""
    require_role("admin", message=ADMIN_ONLY)
    zone = request_zone()
    meeting = state().meetings.get(meeting_id)
    if meeting is None:
        raise ApiError(404, "The requested meeting could not be found.")
    return json_response(_zoned_meeting(meeting, zone))


@bp.get("/meetings")
def list_meetings() -> Response:
    """Meeting instances filtered like Webex (type, state, window, host, ``has*`` flags), Link-paged."""
    require_role("admin", message=ADMIN_ONLY)
    zone = request_zone()
    limit = int_param("max", 10, 1, 100)
    meeting_type = request.args.get("meetingType", "meetingSeries")
    start, end, resolved = _window(zone, default_to_now=meeting_type == "meeting")
    wanted_state = request.args.get("state")
    host = (request.args.get("hostEmail") or "").lower()
    flags = {f: request.args[f].lower() == "true" for f in HAS_FLAGS if f in request.args}
    with state().lock:
        meetings = list(state().meetings.values())
    rows = []
    for meeting in meetings:
        begins = parse_iso(meeting.get("start"))
        if (meeting.get("meetingType") != meeting_type or (wanted_state and meeting.get("state") != wanted_state)
                or (host and str(meeting.get("hostEmail", "")).lower() != host)
                or begins is None or not start <= begins < end
                or any(bool(meeting.get(f)) != v for f, v in flags.items())):
            continue
        rows.append((begins, meeting))
    rows.sort(key=lambda row: row[0])
    return paged([_zoned_meeting(m, zone) for _, m in rows], limit, cursor_offset(), **resolved)


def _zoned_meeting(meeting: dict, zone) -> dict:
    zoned = in_zone(meeting, zone)
    zoned["timezone"] = zone.key if zone else "UTC"
    return zoned
