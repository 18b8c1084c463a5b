"""Recording and invitee endpoints of the emulator (webex-api-notes §8d–8f).

Access, as §8f sets it out: ``GET /recordings`` lists the recordings of the caller's own meetings, or
of ``hostEmail``'s for an admin or compliance officer; ``GET /admin/recordings`` lists any of the
org's for an admin or compliance officer (items add ``hostDisplayName``/``hostEmail``, drop
``password``/``shareToMe``). ``GET /meetingInvitees`` answers the host, or an admin acting for the host
with ``hostEmail`` (without it the admin's own meetings are searched, so another host's meeting is a
404); a compliance officer has no scope for invitees (403). Switches per source as in
``bot.sandbox.emulator.insight_store``. Every list is Link-paged with an opaque cursor.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, request

from bot.sandbox.emulator.http import ApiError, cursor_offset, int_param, paged, principal, request_zone
from bot.sandbox.emulator.insights import ended_between, is_host, known_meeting, meeting_param, served, window
from bot.sandbox.emulator.records import in_zone
from bot.sandbox.ids import person_id

bp = Blueprint("emulator_recordings", __name__)

MAX_ADMIN_SPAN = timedelta(days=30)
ADMIN_OR_COMPLIANCE = ("The server understood the request, but refused to fulfill it because the access token lacks "
                       "meeting:admin_recordings_read or spark-compliance:meetings_read.")
NO_INVITEES = ("The server understood the request, but refused to fulfill it because the access token lacks "
               "meeting:schedules_read or meeting:admin_schedule_read.")
RECORDING_TIME_KEYS = ("createTime", "timeRecorded")


def _user_shape(recording: dict) -> dict:
    """A ``RecordingObject`` (the user variant) from the admin-shaped record the generator makes."""
    shaped = {k: v for k, v in recording.items() if k not in ("hostDisplayName", "hostEmail")}
    shaped.update(password="", shareToMe=False)
    return shaped


def _zoned(recording: dict, zone) -> dict:
    zoned = in_zone(recording, zone)
    for key in RECORDING_TIME_KEYS:  # not in the shared TIME_KEYS: only recordings have them
        if isinstance(recording.get(key), str):
            zoned[key] = in_zone({"start": recording[key]}, zone)["start"]
    return zoned


def _recordings(meetings: list[dict], *, skip_refused: bool) -> list[dict]:
    found = []
    for meeting in meetings:
        try:
            insights = served("recordings", meeting)
        except ApiError:
            if not skip_refused:
                raise
            continue
        if insights and insights.get("recording"):
            found.append(insights["recording"])
    return found


def _host_filter() -> str | None:
    """The person id whose meetings the caller may list: ``hostEmail``'s for an admin or CO, else the caller's."""
    who, host = principal(), (request.args.get("hostEmail") or "").strip()
    if host and who.role not in ("admin", "compliance"):
        raise ApiError(403, "hostEmail is supported only for administrators and compliance officers.")
    return person_id(host) if host else who.person_id


def _list(admin_shape: bool) -> Response:
    limit, zone = int_param("max", 10, 1, 100), request_zone()
    meeting_id = meeting_param(required=False)
    host = None if admin_shape and not request.args.get("hostEmail") else _host_filter()
    if meeting_id is not None:
        meeting = known_meeting(meeting_id)
        mine = host is None or meeting.get("hostUserId") == host
        items, extra = (_recordings([meeting], skip_refused=False) if mine else []), {}
    else:
        start, end, extra = window(zone)
        if admin_shape and end - start > MAX_ADMIN_SPAN:
            raise ApiError(400, "The interval between from and to cannot exceed 30 days.")
        items = _recordings(ended_between(start, end, host_id=host), skip_refused=True)
    shaped = [_zoned(r if admin_shape else _user_shape(r), zone) for r in items]
    return paged(shaped, limit, cursor_offset(), **extra)


@bp.get("/recordings")
def recordings() -> Response:
    """Recordings of the caller's meetings (or ``hostEmail``'s for an admin or CO), newest first."""
    if principal().role not in ("user", "admin", "compliance"):
        raise ApiError(403, ADMIN_OR_COMPLIANCE)
    return _list(admin_shape=False)


@bp.get("/admin/recordings")
def admin_recordings() -> Response:
    """Recordings of any meeting of the org, for an admin or compliance officer."""
    if principal().role not in ("admin", "compliance"):
        raise ApiError(403, ADMIN_OR_COMPLIANCE)
    return _list(admin_shape=True)


@bp.get("/meetingInvitees")
def meeting_invitees() -> Response:
    """Invitees of a meeting, sorted by e-mail, for its host or an admin with ``hostEmail`` (CO: 403)."""
    who = principal()
    if who.role not in ("user", "admin"):
        raise ApiError(403, NO_INVITEES)
    meeting = known_meeting(meeting_param())
    limit = int_param("max", 10, 1, 100)
    acting_for = (request.args.get("hostEmail") or "").strip()
    if who.role == "user" and acting_for:
        raise ApiError(403, "hostEmail is supported only for administrators.")
    host = person_id(acting_for) if acting_for else who.person_id
    if meeting.get("hostUserId") != host and not is_host(meeting):
        raise ApiError(404, "The requested meeting could not be found among this host's meetings.")
    insights = served("invitees", meeting)
    return paged(list(insights.get("invitees") or []) if insights else [], limit, cursor_offset())
