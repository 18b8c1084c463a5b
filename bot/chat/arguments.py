"""How each command's arguments parse: one function per shape of arguments, refusing bad values with a usage error.

Pure, no I/O. Malformed ids and dates are refused here, before any Webex call, with a
``CommandUsageError`` that says what a good value looks like.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import available_timezones

from bot.errors import UsageError
from bot.meetings.records import ARCHIVE_ID, INSTANCE_ID
from bot.recaps.rules import parse_rule

EXAMPLE_ARCHIVE = "4E3254897D3A2E24E05386CA24AD93A6_R_1000637312"
EXAMPLE_INSTANCE = "501e9954aaaa4bbbb_I_194316955237236650"
EXPORT_FORMATS = ("csv", "json")
EXPORT_TABLES = ("attendance", "joins", "chats", "polls", "qa")

class CommandUsageError(UsageError):
    """The command is known but its arguments are not usable; ``usage`` and ``example`` show how."""

    def __init__(self, message: str, *, command: str, usage: str, example: str = ""):
        super().__init__(message)
        self.command, self.usage, self.example = command, usage, example


@dataclass(frozen=True)
class CommandSpec:
    """A row of the command table: name, how to call it, what it does, how its arguments parse."""

    name: str
    usage: str
    summary: str
    example: str
    parse_args: Callable[[CommandSpec, list[str]], dict] = field(repr=False)
    needs_admin: bool = True

    def refuse(self, message: str) -> CommandUsageError:
        """A usage error for this command."""
        return CommandUsageError(message, command=self.name, usage=self.usage, example=self.example)


def no_args(spec: CommandSpec, args: list[str]) -> dict:
    return {}


def archive_id(spec: CommandSpec, value: str | None) -> str:
    if not value:
        raise spec.refuse(f"`{spec.name}` needs an archive id.")
    value = unwrap(value)
    if ARCHIVE_ID.fullmatch(value):
        return value
    if INSTANCE_ID.fullmatch(value):
        raise spec.refuse(f"`{value}` is a meeting instance id (…_I_…), not an archive id (…_R_…). "
                          "Use `chats <meetingId>` for a meeting's chat, or `archives` to find the archive.")
    raise spec.refuse(f"`{shown(value)}` is not an archive id. An archive id is letters and digits, then `_R_` "
                      f"and a number, like `{EXAMPLE_ARCHIVE}`.")


def one_archive(spec: CommandSpec, args: list[str]) -> dict:
    if len(args) > 1:
        raise spec.refuse(f"`{spec.name}` takes one archive id, got {len(args)} values.")
    return {"archive_id": archive_id(spec, args[0] if args else None)}


def archive_or_meeting(spec: CommandSpec, args: list[str]) -> dict:
    if len(args) != 1:
        raise spec.refuse(f"`{spec.name}` needs exactly one id: an archive id or a meeting instance id.")
    value = unwrap(args[0])
    if INSTANCE_ID.fullmatch(value):
        return {"meeting_id": value}
    if ARCHIVE_ID.fullmatch(value):
        return {"archive_id": value}
    raise spec.refuse(f"`{shown(value)}` is neither a meeting instance id (letters and digits, `_I_`, a number, "
                      f"like `{EXAMPLE_INSTANCE}`) nor an archive id (like `{EXAMPLE_ARCHIVE}`).")


def export_args(spec: CommandSpec, args: list[str]) -> dict:
    parsed = {"archive_id": archive_id(spec, args[0] if args else None), "format": None, "table": None}
    for word in (a.lower() for a in args[1:]):
        slot = "format" if word in EXPORT_FORMATS else "table" if word in EXPORT_TABLES else None
        if slot is None or parsed[slot] is not None:
            raise spec.refuse(f"`{shown(word)}` is not a format ({', '.join(EXPORT_FORMATS)}) "
                              f"or a table ({', '.join(EXPORT_TABLES)}), or it was given twice.")
        parsed[slot] = word
    parsed["format"] = parsed["format"] or "csv"
    parsed["table"] = parsed["table"] or ("attendance" if parsed["format"] == "csv" else None)
    return parsed


def dates(spec: CommandSpec, args: list[str]) -> dict:
    if len(args) > 2:
        raise spec.refuse("`archives` takes at most two dates: from and to.")
    days = []
    for value in args:
        try:
            days.append(date.fromisoformat(unwrap(value)))
        except ValueError:
            raise spec.refuse(f"`{shown(value)}` is not a date; write dates as YYYY-MM-DD, "
                              "like `2026-11-01`.") from None
    start, end = (days + [None, None])[:2]
    if start and end and end < start:
        raise spec.refuse(f"the end date {end} is before the start date {start}.")
    return {"start": start, "end": end}


def zone(spec: CommandSpec, args: list[str]) -> dict:
    if len(args) > 1:
        raise spec.refuse("`timezone` takes one IANA time zone name, like `Europe/Paris`.")
    if not args:
        return {"zone": None}
    zone = _zones_by_lower_name().get(unwrap(args[0]).lower())
    if zone is None:
        raise spec.refuse(f"`{shown(args[0])}` is not an IANA time zone. Use a name like `Europe/Paris`, "
                          "`America/New_York` or `UTC`.")
    return {"zone": zone}


def subscribe_rule(spec: CommandSpec, args: list[str]) -> dict:
    if not args or len(args) > 2:
        raise spec.refuse("say what to follow: `host <email>`, `site <siteUrl>` or `all`.")
    try:
        rule = parse_rule(args[0], unwrap(args[1]) if len(args) > 1 else None)
    except ValueError as exc:
        raise spec.refuse(str(exc)) from None
    return {"rule": rule.kind, "value": rule.value or None}


def unsubscribe_id(spec: CommandSpec, args: list[str]) -> dict:
    if len(args) > 1:
        raise spec.refuse("`unsubscribe` takes one subscription id, or `all`.")
    if not args:
        return {}
    word = unwrap(args[0]).lower().lstrip("#")
    if word == "all" or (word.isdigit() and 0 < int(word) < 2**31):
        return {"value": word if word == "all" else str(int(word))}
    raise spec.refuse(f"`{shown(args[0])}` is not a subscription id; `subscriptions` lists them with their ids.")


@functools.cache
def _zones_by_lower_name() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def unwrap(value: str) -> str:
    # People paste ids from usage lines and prose: <id>, `id`, "id", id. or id,
    return value.strip().strip("<>`'\"()[].,;:!?")


def shown(value: str, limit: int = 60) -> str:
    value = value.replace("`", "'")
    return value if len(value) <= limit else value[: limit - 1] + "…"
