"""Builders for the JSON records the emulator serves (people, rooms, meetings, summaries) and time helpers."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from datetime import timezone as dt_timezone
from typing import Any
from zoneinfo import ZoneInfo

from bot.sandbox.ids import ORG_ID, SITE_URL, meeting_ids_for_archive, person_id, webex_id

# Post-meeting data shows up about 15 minutes after a meeting ends (webex-api-notes §3a).
ARCHIVE_DELAY = timedelta(minutes=15)
# Keys whose values are timestamps in the meeting APIs; the ``timezone`` header rewrites them.
TIME_KEYS = frozenset({"start", "end", "joinedTime", "leftTime", "chatTime", "startTime", "endTime",
                       "questionTime", "answerTime", "createTime"})


def parse_iso(value: Any, default_zone: dt_timezone | ZoneInfo = UTC) -> datetime | None:
    """An aware datetime from any ISO 8601 string (naive means ``default_zone``); None if unparsable."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=default_zone)


def format_iso(when: datetime, zone: ZoneInfo | None = None) -> str:
    """``2026-01-05T09:00:00Z`` in UTC, ``2026-01-05T17:00:00+08:00`` in another zone (ms kept if any)."""
    local = when.astimezone(zone or UTC)
    text = local.strftime("%Y-%m-%dT%H:%M:%S")
    if local.microsecond:
        text += f".{local.microsecond // 1000:03d}"
    if zone is None or zone.key == "UTC":
        return text + "Z"
    offset = local.strftime("%z")
    return f"{text}{offset[:3]}:{offset[3:]}"


def in_zone(data: Any, zone: ZoneInfo | None) -> Any:
    """A copy of ``data`` whose timestamps (``TIME_KEYS``) are rewritten in ``zone`` (UTC when None)."""
    if isinstance(data, list):
        return [in_zone(item, zone) for item in data]
    if not isinstance(data, dict):
        return data
    out = {}
    for key, value in data.items():
        when = parse_iso(value) if key in TIME_KEYS and isinstance(value, str) else None
        out[key] = format_iso(when, zone) if when else in_zone(value, zone)
    return out


def now_utc() -> datetime:
    """The current time, aware, in UTC, to the millisecond."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def person_record(email: str, display_name: str, *, type: str = "person", roles: tuple[str, ...] = (),
                  created: str = "2024-01-01T00:00:00.000Z") -> dict:
    """A ``Person`` as ``GET /people/{id}`` returns it."""
    first, _, last = display_name.partition(" ")
    record = {"id": person_id(email), "emails": [email], "phoneNumbers": [], "displayName": display_name,
              "nickName": first, "firstName": first, "lastName": last, "orgId": ORG_ID, "roles": list(roles),
              "licenses": [], "created": created, "type": type}
    if type == "person":
        record.update(timezone="UTC", siteUrls=[f"{SITE_URL}#attendee"], status="active",
                      invitePending="false", loginEnabled="true")
    return record


def room_record(title: str, type: str, creator_id: str, created: str, *, room_id: str | None = None) -> dict:
    """A ``Room`` as ``GET /rooms/{id}`` returns it."""
    return {"id": room_id or webex_id("ROOM"), "title": title, "type": type, "isLocked": False,
            "lastActivity": created, "creatorId": creator_id, "created": created, "ownerId": ORG_ID,
            "isAnnouncementOnly": False, "isReadOnly": False, "isPublic": False}


def _digits(seed: str, count: int) -> str:
    return str(int(hashlib.sha256(seed.encode()).hexdigest(), 16))[-count:]


def meeting_record(meeting_id: str, title: str, start: str, end: str, *, host_name: str,
                   host_email: str | None, series_id: str | None = None, state: str = "ended") -> dict:
    """An ended meeting instance with every field the spec marks required (and the ``has*`` flags)."""
    series_id = series_id or meeting_id.split("_", 1)[0]
    number = _digits(series_id, 10)
    begin = parse_iso(start) or now_utc()
    host_id = person_id(host_email) if host_email else webex_id("PEOPLE", f"guest:{host_name}")
    return {
        "id": meeting_id, "meetingSeriesId": series_id,
        "scheduledMeetingId": f"{series_id}_{begin.astimezone(UTC):%Y%m%dT%H%M%SZ}",
        "meetingNumber": number, "title": title, "agenda": "", "password": "Recap" + number[:4],
        "meetingType": "meeting", "state": state, "timezone": "UTC", "start": start, "end": end,
        "hostUserId": host_id, "hostDisplayName": host_name, "hostEmail": host_email or "",
        "hostKey": number[-6:], "siteUrl": SITE_URL,
        "webLink": f"https://{SITE_URL}/{SITE_URL.split('.')[0]}/j.php?MTID=m{series_id}",
        "sipAddress": f"{number}@{SITE_URL}", "scheduledType": "meeting", "enabledBreakoutSessions": False,
        "telephony": {"accessCode": number, "callInNumbers": [
            {"label": "US Toll", "callInNumber": "+1-415-555-0100", "tollType": "toll"}]},
        "hasChat": False, "hasRecording": True, "hasTranscription": False, "hasSummary": False,
        "hasClosedCaption": False, "hasPolls": False, "hasQA": False, "hasSlido": False,
    }


def meeting_for_archive(detail: dict, overrides: dict | None = None) -> dict:
    """The ended meeting instance behind an archive: same title and host, a window that covers every join.

    The window runs from the earliest of ``start`` and the first join to the latest of ``end`` and the
    last leave, because archives (even the documented example) may give ``start`` equal to ``end``.
    """
    archive_id = str(detail.get("archiveId") or "")
    series_id, instance_id = meeting_ids_for_archive(archive_id)
    times = [parse_iso(detail.get(k)) for k in ("start", "end")]
    participants = detail.get("participants")
    for participant in participants if isinstance(participants, list) else []:
        if isinstance(participant, dict):  # a hostile archive may hold anything; the emulator still serves it
            times += [parse_iso(participant.get("joinedTime")), parse_iso(participant.get("leftTime"))]
    known = [t for t in times if t] or [now_utc()]
    host_email = detail.get("hostEmail")
    record = meeting_record(instance_id, str(detail.get("title") or ""), format_iso(min(known)),
                            format_iso(max(known)), host_name=str(detail.get("hostDisplayName") or ""),
                            host_email=host_email if isinstance(host_email, str) and host_email else None,
                            series_id=series_id)
    record.update(hasChat=bool(detail.get("chats")), hasPolls=bool(detail.get("polls")),
                  hasQA=bool(detail.get("qas")))
    record.update(overrides or {})
    return record


def summary_for_archive(detail: dict, created: datetime | None) -> dict:
    """The archive-summary row of an archive; ``createTime`` defaults to 15 minutes after its end."""
    if created is None:
        created = (parse_iso(detail.get("end")) or parse_iso(detail.get("start")) or now_utc()) + ARCHIVE_DELAY
    return {"archiveId": detail.get("archiveId"), "serviceType": detail.get("serviceType") or "MeetingCenter",
            "title": detail.get("title") or "", "createTime": format_iso(created)}
