"""The emulator's in-memory Webex as plain data: people, rooms, messages, webhooks, archives, meetings, switches.

It imports no endpoint module: the endpoints (and ``events``, ``meetings_end``) act on it, and
``state.EmulatorState`` adds the actions of people on top (posting, pressing a card, ending a meeting).
"""

from __future__ import annotations

import json
import threading
from datetime import datetime
from typing import Any

import bot.sandbox.emulator.records as records
from bot.sandbox.emulator.insight_store import InsightStore
from bot.sandbox.emulator.ratelimit import RateLimit
from bot.sandbox.emulator.types import (
    DEFAULT_RETRY_AFTER,
    NO_RETRY_AFTER,
    ROLES,
    Delivery,
    Fault,
    PendingRelease,
    Principal,
    RequestRecord,
    normalise_path,
)
from bot.sandbox.ids import ORG_ID, person_id


def _copy(data: Any) -> Any:
    """A deep copy (JSON round trip: faster than ``copy.deepcopy`` and proves the data is JSON)."""
    return json.loads(json.dumps(data))


class EmulatorWorld:
    """Everything the emulator knows; one per app, shared by the request threads under ``lock``."""

    def __init__(self, latency_ms: int = 0):
        self.lock = threading.RLock()
        self.latency_ms = latency_ms
        self.requests: list[RequestRecord] = []
        self.faults: list[Fault] = []
        self.rate_limit: RateLimit | None = None  # 429 + Retry-After per token beyond it
        self.deliveries: list[Delivery] = []  # in completion order
        self.delivered = threading.Condition(self.lock)
        self.failures: dict[str, list[float]] = {}
        self.people: dict[str, dict] = {}
        self.tokens: dict[str, Principal] = {}
        self.rooms: dict[str, dict] = {}
        self.members: dict[str, list[str]] = {}
        self.messages: dict[str, dict] = {}
        self.files: dict[str, tuple[str, str, bytes]] = {}
        self.actions: dict[str, dict] = {}
        self.webhooks: dict[str, dict] = {}
        self.archives: dict[str, dict] = {}
        self.summaries: dict[str, tuple[datetime, dict]] = {}
        self.meetings: dict[str, dict] = {}
        self.archive_meetings: dict[str, str] = {}
        self.chats: dict[str, list[dict]] = {}
        self.pending_releases: list[PendingRelease] = []  # post-meeting data not out yet (see meetings_end)
        self.insights = InsightStore()  # AI summaries, transcripts, recordings, invitees and their switches
        # The served JSON of each stored archive per (id, zone): made once (one at a time, under render_lock) and
        # dropped when the archive is replaced, so a 47 MiB archive is not serialised again for every request.
        self.rendered: dict[tuple[str, str], bytes] = {}
        self.render_lock = threading.Lock()
        self.bot_id: str | None = None
        self.org_id = ORG_ID

    # --- request log -----------------------------------------------------------------------

    def clear_log(self) -> None:
        """Forget every logged request."""
        with self.lock:
            self.requests.clear()

    def calls(self, method: str | None = None, path_prefix: str = "") -> list[RequestRecord]:
        """Logged requests with this method (any when None) whose path starts with ``path_prefix``."""
        prefix = normalise_path(path_prefix)
        with self.lock:
            return [r for r in self.requests
                    if (method is None or r.method == method.upper()) and normalise_path(r.path).startswith(prefix)]

    def wait_for_deliveries(self, count: int, timeout: float = 5.0) -> list[Delivery]:
        """Block until at least ``count`` webhook deliveries completed (or ``timeout``); return them all."""
        with self.delivered:
            self.delivered.wait_for(lambda: len(self.deliveries) >= count, timeout)
            return list(self.deliveries)

    # --- faults ----------------------------------------------------------------------------

    def inject_fault(self, status: int, *, count: int = 1, retry_after: float | str | None = None,
                     path_prefix: str | None = None) -> None:
        """Answer the next ``count`` matching ``/v1/`` requests with ``status`` and a Webex error body.

        429 and 423 carry ``Retry-After`` (``retry_after`` seconds, default 1; ``NO_RETRY_AFTER`` omits it);
        other statuses carry it only when ``retry_after`` is given.
        """
        if status in (429, 423) and retry_after is None:
            retry_after = DEFAULT_RETRY_AFTER
        with self.lock:
            self.faults.append(Fault(status, count, None if retry_after == NO_RETRY_AFTER else retry_after,
                                     normalise_path(path_prefix) if path_prefix else None))

    def clear_faults(self) -> None:
        """Drop every pending fault."""
        with self.lock:
            self.faults.clear()

    def take_fault(self, path: str) -> Fault | None:
        """The first pending fault matching ``path``, counted down (used by the request hook)."""
        path = normalise_path(path)
        with self.lock:
            for fault in self.faults:
                if fault.path_prefix is None or path.startswith(fault.path_prefix):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    # --- people, tokens, rooms -------------------------------------------------------------

    def add_person(self, email: str, display_name: str, *, type: str = "person",
                   roles: tuple[str, ...] = ()) -> dict:
        """Add (or replace) a person of the org; their id is stable for their e-mail."""
        record = records.person_record(email, display_name, type=type, roles=roles)
        with self.lock:
            self.people[record["id"]] = record
        return record

    def person_by_email(self, email: str) -> dict | None:
        """The person with this e-mail address, if any."""
        return self.people.get(person_id(email))

    def add_token(self, token: str, email: str, role: str) -> None:
        """Make ``token`` a bearer token of the person with ``email``, with one of ``ROLES``."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}")
        person = self.person_by_email(email)
        if person is None:
            raise KeyError(f"no person {email!r}")
        with self.lock:
            self.tokens[token] = Principal(person["id"], role)
            if role == "bot":
                self.bot_id = person["id"]

    def add_room(self, title: str, member_emails: list[str], *, type: str = "group") -> dict:
        """Add a space with these members (a ``direct`` room has exactly two)."""
        ids = [person_id(e) for e in member_emails]
        if type == "direct" and len(set(ids)) != 2:
            raise ValueError("a direct room has exactly two members")
        room = records.room_record(title, type, ids[0] if ids else "", records.format_iso(records.now_utc()))
        with self.lock:
            self.rooms[room["id"]] = room
            self.members[room["id"]] = list(dict.fromkeys(ids))
        return room

    def direct_room(self, email_a: str, email_b: str, *, create: bool = True) -> dict | None:
        """The 1:1 room of two people (created on first use unless ``create`` is False)."""
        pair = {person_id(email_a), person_id(email_b)}
        with self.lock:
            for room_id, room in self.rooms.items():
                if room["type"] == "direct" and set(self.members[room_id]) == pair:
                    return room
            if not create:
                return None
            # Webex titles a 1:1 room with the other person's name; the emulator takes the bot's point of view.
            other = self.person_by_email(email_a if person_id(email_b) == self.bot_id else email_b)
            return self.add_room(other["displayName"] if other else email_b, [email_a, email_b], type="direct")

    def is_member(self, room_id: str, person: str) -> bool:
        """Whether ``person`` (an id) belongs to the room."""
        return person in self.members.get(room_id, ())

    # --- meetings, archives, chats ---------------------------------------------------------

    def add_archive(self, detail_json: dict, *, created: datetime | None = None,
                    meeting: dict | None = None) -> dict:
        """Store an archive (kept verbatim) and its ended meeting instance; return that meeting.

        ``created`` is the summary's ``createTime`` (default: 15 minutes after the archive's end);
        ``meeting`` overrides fields of the generated meeting instance (e.g. its ``id``).
        """
        archive_id = detail_json.get("archiveId")
        if not isinstance(archive_id, str) or not archive_id:
            raise ValueError("an archive needs an archiveId")
        instance = records.meeting_for_archive(detail_json, meeting)
        summary = records.summary_for_archive(detail_json, created)
        with self.lock:
            self.archives[archive_id] = _copy(detail_json)
            self.rendered = {k: v for k, v in self.rendered.items() if k[0] != archive_id}
            self.summaries[archive_id] = (records.parse_iso(summary["createTime"]), summary)
            self.archive_meetings[archive_id] = instance["id"]
            self.meetings[instance["id"]] = instance
        return instance

    def add_archive_summaries(self, items: list[dict]) -> None:
        """Store summary-only archives (for listing at scale); their detail is a bare report."""
        with self.lock:
            for item in items:
                created = records.parse_iso(item.get("createTime")) or records.now_utc()
                self.summaries[item["archiveId"]] = (created, dict(item))

    def add_meeting(self, meeting_json: dict) -> dict:
        """Store a meeting instance; fields the spec requires are filled in when missing."""
        meeting_id = meeting_json.get("id")
        if not isinstance(meeting_id, str) or not meeting_id:
            raise ValueError("a meeting needs an id")
        base = records.meeting_record(meeting_id, str(meeting_json.get("title") or ""),
                                      meeting_json.get("start") or records.format_iso(records.now_utc()),
                                      meeting_json.get("end") or records.format_iso(records.now_utc()),
                                      host_name=str(meeting_json.get("hostDisplayName") or ""),
                                      host_email=meeting_json.get("hostEmail"))
        record = {**base, **_copy(meeting_json)}
        with self.lock:
            self.meetings[meeting_id] = record
        return record

    def add_meeting_chats(self, meeting_id: str, items: list[dict], *, replace: bool = False) -> None:
        """Append (or with ``replace`` set) post-meeting chats of a meeting instance (``meetingId`` filled in)."""
        with self.lock:
            if replace:
                self.chats[meeting_id] = []
            stored = self.chats.setdefault(meeting_id, [])
            stored.extend({**item, "meetingId": item.get("meetingId") or meeting_id} for item in items)
            if meeting_id in self.meetings and stored:
                self.meetings[meeting_id]["hasChat"] = True

    def meeting_for_archive(self, archive_id: str) -> dict | None:
        """The meeting instance the emulator created for an archive."""
        return self.meetings.get(self.archive_meetings.get(archive_id, ""))

    def archive_detail(self, archive_id: str) -> dict | None:
        """The stored detail of an archive; summary-only archives get a bare report."""
        with self.lock:
            if archive_id in self.archives:
                return self.archives[archive_id]
            if archive_id in self.summaries:
                created, summary = self.summaries[archive_id]
                end = created - records.ARCHIVE_DELAY
                return {"archiveId": archive_id, "serviceType": summary.get("serviceType"),
                        "title": summary.get("title"), "start": records.format_iso(end - records.ARCHIVE_DELAY * 4),
                        "end": records.format_iso(end), "participants": [], "chats": [], "polls": [], "qas": []}
        return None
