"""The sandbox page's "End a meeting" button: ``POST /api/meetings/end`` ends a generated meeting in the emulator.

The emulator stores the ended instance and delivers the signed ``meetings/ended`` webhook to the
org webhook the sandbox registered; the bot then posts a recap in every subscribed space after the
sandbox's short delay (``SANDBOX_RECAP_DELAY``, not the 15 minutes of a real deployment).
``GET /api/meetings`` lists the emulator's meetings for the page's sidebar, which reloads it after each
end, including those whose archive Webex has not "published" yet.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, current_app, jsonify, request

from bot.sandbox.emulator import ADMIN_EMAIL, EmulatorState, release_due
from bot.sandbox.page.guard import refusal

bp = Blueprint("sandbox_meetings", __name__)
SANDBOX_RECAP_DELAY = 5.0  # seconds from the end of a meeting to the bot's first look at its data
SANDBOX_RECAP_DEADLINE = 120.0  # seconds after which the bot posts "the recap could not be produced"
LATE = {"none": 0.0, "late": 15.0, "never": 10.0**7}  # when the archive appears, in seconds after the end
MAX_TITLE = 120
# The sandbox talks to the bot over HTTP only, so it cannot borrow bot.recaps' address check; this small
# copy (same shape rule) is enough for the page's host field, and keeps "not-an-address" a 400.
_EMAIL = re.compile(r"^[^@\s<>\"'`,;]+@[a-z0-9-]+(\.[a-z0-9-]+)+$")
MAX_EMAIL = 320


def normalise_email(value: str) -> str | None:
    """The address stripped and lower-cased, or None when it does not look like an e-mail address."""
    value = value.strip().lower()
    return value if len(value) <= MAX_EMAIL and _EMAIL.match(value) else None


def seeded_archives(emulator: EmulatorState) -> list[dict]:
    """The archives the emulator holds, newest first: id, title, start, host and their meeting instance."""
    with emulator.lock:
        details = list(emulator.archives.values())
    rows = [{"id": a["archiveId"], "title": str(a.get("title") or ""), "start": str(a.get("start") or ""),
             "host": str(a.get("hostDisplayName") or ""),
             "meetingId": (emulator.meeting_for_archive(a["archiveId"]) or {}).get("id")} for a in details]
    return sorted(rows, key=lambda row: row["start"], reverse=True)


def pending_archives(emulator: EmulatorState) -> list[dict]:
    """Ended meetings whose archive is not out yet, newest first, shaped like ``seeded_archives`` rows."""
    with emulator.lock:
        pending = list(emulator.pending_releases)
    rows = [{"id": p.archive["archiveId"], "title": str(p.archive.get("title") or ""),
             "start": str(p.archive.get("start") or ""), "host": str(p.archive.get("hostDisplayName") or ""),
             "meetingId": p.meeting_id, "pending": True} for p in pending]
    return sorted(rows, key=lambda row: row["start"], reverse=True)


@bp.get("/api/meetings")
def meetings() -> Response:
    """The sidebar's list: meetings whose archive is still to come, then the published archives, newest first."""
    emulator, _ = current_app.extensions["recap_sandbox"]
    release_due(emulator)  # a late archive whose time has come shows as published, as the API would answer
    return jsonify(meetings=pending_archives(emulator) + seeded_archives(emulator))


@bp.post("/api/meetings/end")
def end_meeting() -> tuple[Response, int] | Response:
    """End a meeting hosted by ``hostEmail`` (default: the admin); ``late`` is ``none``, ``late`` or ``never``."""
    emulator, _ = current_app.extensions["recap_sandbox"]
    data = request.get_json(silent=True)
    data = data if isinstance(data, dict) else {}
    host = normalise_email(str(data.get("hostEmail") or ADMIN_EMAIL))
    late = str(data.get("late") or "none")
    title = " ".join(str(data.get("title") or "").split())[:MAX_TITLE] or None
    if host is None:
        return refusal(400, "the host must be an e-mail address, like admin@example.com")
    if late not in LATE:
        return refusal(400, f"late must be one of {', '.join(LATE)}")
    meeting = emulator.end_meeting(host, title=title, late_seconds=LATE[late])
    return jsonify(meeting={"id": meeting["id"], "title": meeting["title"], "hostEmail": host},
                   delivered=meeting["deliveries"] > 0, recapDelay=SANDBOX_RECAP_DELAY,
                   deadline=SANDBOX_RECAP_DEADLINE), 201
