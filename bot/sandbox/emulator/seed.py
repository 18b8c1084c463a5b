"""What the emulator starts with: the token holders and their rooms, the built-in fixtures, a fixtures folder."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from bot.sandbox.emulator.records import now_utc
from bot.sandbox.emulator.world import EmulatorWorld
from bot.sandbox.generator import generate_archive, meeting_chats_from_archive
from bot.sandbox.ids import person_id

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BOT_EMAIL = "recap@webex.bot"
ADMIN_EMAIL = "admin@example.com"
USER_EMAIL = "user@example.com"
COMPLIANCE_EMAIL = "compliance@example.com"
GROUP_ROOM_TITLE = "Recap sandbox"
PRINCIPALS = (  # (role, e-mail, display name, person type)
    ("bot", BOT_EMAIL, "Recap", "bot"),
    ("admin", ADMIN_EMAIL, "Ada Admin", "person"),
    ("compliance", COMPLIANCE_EMAIL, "Cora Compliance", "person"),
    ("user", USER_EMAIL, "Uma User", "person"),
)


def add_principals(emulator: EmulatorWorld, tokens: dict[str, str]) -> None:
    """The bot and the three people behind the sandbox tokens, a 1:1 room each with the bot, one group room."""
    for role, email, name, kind in PRINCIPALS:
        emulator.add_person(email, name, type=kind)
        emulator.add_token(tokens[role], email, role)
        if role != "bot":
            emulator.direct_room(email, BOT_EMAIL)
    emulator.add_room(GROUP_ROOM_TITLE, [ADMIN_EMAIL, BOT_EMAIL, USER_EMAIL])


def _read_json(path: Path, kind: type) -> Any:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: not readable JSON ({exc})") from None
    if not isinstance(data, kind):
        raise ValueError(f"{path}: expected a JSON {kind.__name__}")
    return data


def _add_archive_with_chats(emulator: EmulatorWorld, detail: dict) -> None:
    """An archive, its meeting, and post-meeting chats that repeat the archive's chat."""
    meeting = emulator.add_archive(detail)
    emulator.add_meeting_chats(meeting["id"], meeting_chats_from_archive(detail, meeting["id"]), replace=True)


def load_fixtures_dir(emulator: EmulatorWorld, folder: Path) -> None:
    """Add ``folder/archives/*.json`` (archive details) then ``folder/chats/<meetingInstanceId>.json``."""
    if not folder.is_dir():
        raise ValueError(f"{folder}: not a folder")
    for path in sorted((folder / "archives").glob("*.json")):
        detail = _read_json(path, dict)
        if not isinstance(detail.get("archiveId"), str):
            raise ValueError(f"{path}: an archive needs an archiveId")
        _add_archive_with_chats(emulator, detail)
    for path in sorted((folder / "chats").glob("*.json")):
        items = _read_json(path, list)
        meeting_id = path.stem
        if "_I_" not in meeting_id:
            raise ValueError(f"{path}: the file name must be a meeting instance id (…_I_…)")
        if meeting_id not in emulator.meetings:
            emulator.add_meeting(_bare_meeting(meeting_id, items))
        emulator.add_meeting_chats(meeting_id, items, replace=True)


def _bare_meeting(meeting_id: str, items: list[dict]) -> dict:
    times = sorted(str(i.get("chatTime")) for i in items if isinstance(i, dict) and i.get("chatTime"))
    first = next((i for i in items if isinstance(i, dict)), {})
    sender = first.get("sender") if isinstance(first.get("sender"), dict) else {}
    meeting = {"id": meeting_id, "title": f"Meeting {meeting_id.split('_')[0][:8]}", "state": "ended",
               "hostDisplayName": sender.get("displayName", ""), "hostEmail": sender.get("email")}
    if times:
        meeting.update(start=times[0], end=times[-1])
    return meeting


def load_seed(emulator: EmulatorWorld, folder: Path = FIXTURES) -> None:
    """The built-in sandbox world: hosts, the documented example archive, and generated recent meetings."""
    seed = _read_json(folder / "seed.json", dict)
    group = next(r for r in emulator.rooms.values() if r["title"] == GROUP_ROOM_TITLE)
    for host in seed.get("hosts", []):
        emulator.add_person(host["email"], host["displayName"])
        emulator.direct_room(host["email"], BOT_EMAIL)
    for email in seed.get("groupRoomMembers", []):
        if person_id(email) not in emulator.members[group["id"]]:
            emulator.members[group["id"]].append(person_id(email))
    load_fixtures_dir(emulator, folder)
    today = now_utc().date()
    for spec in seed.get("meetings", []):
        _add_archive_with_chats(emulator, _generated(emulator, spec, today))


def _generated(emulator: EmulatorWorld, spec: dict, today) -> dict:
    hour, minute = (int(x) for x in spec.get("startUtc", "09:00").split(":"))
    start = datetime.combine(today - timedelta(days=int(spec.get("daysAgo", 1))), time(hour, minute),
                             tzinfo=now_utc().tzinfo)
    host = emulator.person_by_email(spec["host"])
    return generate_archive(int(spec.get("seed", 0)), participants=int(spec.get("participants", 10)),
                            chats=int(spec.get("chats", 20)), polls=int(spec.get("polls", 1)),
                            questions=int(spec.get("questions", 5)), start=start, title=spec.get("title"),
                            host=(host["displayName"], spec["host"]),
                            service_type=spec.get("serviceType", "MeetingCenter"))
