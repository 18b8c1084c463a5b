"""Ending a meeting in the emulator: the instance now, its archive and chats now or late, the signed webhook.

``end_meeting`` generates a meeting that ends at this moment (``bot.sandbox.generator.meetings``), stores
its ended instance (``GET /meetings/{id}`` answers at once) and delivers ``meetings/ended`` to
every org-owned webhook (``ownedBy: org``, resource ``meetings``, event ``ended``: the envelope of
webex-api-notes §4b, signed with the webhook's secret). The archive (summary and detail) and the
post-meeting chats appear at once, or later, as Webex publishes them about 15 minutes after the
end: after ``late_seconds``, and/or after ``late_requests`` archive-summary listings have been
answered without them. Pending data is released by ``release_due``, which the emulator calls
before answering each ``/v1/`` request (so nothing needs a timer thread). The summary's
``createTime`` is the moment of release.
"""

from __future__ import annotations

import random
import time
from datetime import datetime, timedelta

import bot.sandbox.emulator.records as records
from bot.sandbox.emulator.types import PendingRelease
from bot.sandbox.emulator.webhooks import deliver_event
from bot.sandbox.emulator.world import EmulatorWorld
from bot.sandbox.generator import generate_archive, meeting_chats_from_archive

SUMMARIES_PATH = "recordingReport/meetingArchiveSummaries"
MAX_PARTICIPANTS, MAX_CHATS = 2_000, 10_000


def end_meeting(emulator: EmulatorWorld, *, host_email: str, title: str | None = None, seed: int | None = None,
                participants: int = 12, chats: int = 30, late_seconds: float = 0.0, late_requests: int = 0,
                deliver: bool = True) -> dict:
    """End a generated meeting now; return its instance (plus ``archiveId`` and ``deliveries``, the webhooks due)."""
    if not 1 <= participants <= MAX_PARTICIPANTS or not 0 <= chats <= MAX_CHATS:
        raise ValueError(f"participants must be 1–{MAX_PARTICIPANTS} and chats 0–{MAX_CHATS}")
    if late_seconds < 0 or late_requests < 0:
        raise ValueError("lateSeconds and lateRequests cannot be negative")
    host = emulator.person_by_email(host_email)
    host_name = host["displayName"] if host else host_email.split("@")[0].replace(".", " ").title()
    archive = archive_ending_now(random.randrange(2**32) if seed is None else seed, title=title,
                                 host=(host_name, host_email), participants=participants, chats=chats)
    meeting = emulator.add_meeting(records.meeting_for_archive(archive))
    pending = PendingRelease(archive, meeting["id"], meeting_chats_from_archive(archive, meeting["id"]),
                             time.monotonic() + late_seconds if late_seconds else 0.0, late_requests)
    with emulator.lock:
        emulator.pending_releases.append(pending)
    release_due(emulator)
    due = deliver_ended(emulator, meeting) if deliver else 0
    return {**meeting, "archiveId": archive["archiveId"], "deliveries": due}


def archive_ending_now(seed: int, *, title: str | None, host: tuple[str, str], participants: int,
                       chats: int) -> dict:
    """A generated archive (a random length) whose meeting ends at this very second."""
    options = {"participants": participants, "chats": chats, "polls": 2, "questions": 6, "title": title,
               "host": host}
    probe = records.now_utc().replace(microsecond=0) - timedelta(hours=3)
    draft = generate_archive(seed, start=probe, **options)
    length = records.parse_iso(draft["end"]) - probe
    return generate_archive(seed, start=records.now_utc().replace(microsecond=0) - length, **options)


def deliver_ended(emulator: EmulatorWorld, meeting: dict) -> int:
    """Deliver ``meetings/ended`` for a meeting instance to the org's webhooks; return how many were due."""
    data = {"id": meeting["id"], "meetingType": "meeting", "timezone": "UTC", "start": meeting["start"],
            "end": meeting["end"], "hostUserId": meeting["hostUserId"], "state": "ended",
            "hostEmail": meeting["hostEmail"], "siteUrl": meeting["siteUrl"], "orgId": emulator.org_id}
    return deliver_event(emulator, "meetings", "ended", data, actor_id=meeting["hostUserId"])


def release_due(emulator: EmulatorWorld, path: str = "") -> int:
    """Publish the pending archives whose time has come (``path``: the request about to be answered)."""
    listing = path.lstrip("/").removeprefix("v1/").startswith(SUMMARIES_PATH)
    now = time.monotonic()
    with emulator.lock:
        ready = [p for p in emulator.pending_releases if p.release_at <= now and p.requests_left <= 0]
        for pending in emulator.pending_releases:
            if listing and pending not in ready:
                pending.requests_left -= 1  # this listing is answered without it
        emulator.pending_releases = [p for p in emulator.pending_releases if p not in ready]
        for pending in ready:
            _publish(emulator, pending, records.now_utc())
    return len(ready)


def _publish(emulator: EmulatorWorld, pending: PendingRelease, created: datetime) -> None:
    emulator.add_archive(pending.archive, created=created)
    emulator.add_meeting_chats(pending.meeting_id, pending.chats, replace=True)
