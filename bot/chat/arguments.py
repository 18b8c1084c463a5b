"""How each command's arguments parse: one function per shape of arguments, refusing bad values with a usage error.

No I/O (``archives`` reads today's date, through ``today``). Malformed ids and dates, and values
beyond Webex's known limits (an archive period of more than 30 days), are refused here, before any
Webex call, with a ``CommandUsageError`` that says what a good value looks like. In a message, a
command or a form to type is written between backticks: the cards show it in bold
(``bot.cards.reply_views``); a value the person typed is shown in quotes.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import available_timezones

from bot.errors import UsageError
from bot.meetings.records import ARCHIVE_ID, INSTANCE_ID
from bot.recaps.rules import parse_rule

EXAMPLE_ARCHIVE = "4E3254897D3A2E24E05386CA24AD93A6_R_1000637312"
EXAMPLE_INSTANCE = "501e9954aaaa4bbbb_I_194316955237236650"
EXPORT_FORMATS = ("csv", "json")
EXPORT_TABLES = ("attendance", "joins", "chats", "polls", "qa", "notes", "speakers", "invitees")
ARCHIVES_MAX_DAYS = 30  # Webex lists archive summaries over at most 30 days per request
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")

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


def either_id(spec: CommandSpec, value: str | None) -> dict:
    """An archive id (``…_R_…``) as ``archive_id``, or an ended meeting instance id (``…_I_…``) as ``meeting_id``."""
    if not value:
        raise spec.refuse(f"`{spec.name}` needs a meeting's id: its archive id (ending in _R_ and a number) or "
                          "its meeting instance id (with _I_). `archives` lists the recent ones.")
    value = unwrap(value)
    if ARCHIVE_ID.fullmatch(value):
        return {"archive_id": value}
    if INSTANCE_ID.fullmatch(value):
        return {"meeting_id": value}
    raise spec.refuse(f"“{shown(value)}” is not a meeting's id. An archive id is letters and digits, then _R_ "
                      f"and a number, like {EXAMPLE_ARCHIVE}; a meeting instance id has _I_, like "
                      f"{EXAMPLE_INSTANCE}.")


def one_archive(spec: CommandSpec, args: list[str]) -> dict:
    if len(args) > 1:
        raise spec.refuse(f"`{spec.name}` takes one id, but I got {len(args)} values.")
    return either_id(spec, args[0] if args else None)


ATTENDANCE_SORTS = ("longest", "shortest", "name", "join")
SORT_WORDS = {"long": "longest", "short": "shortest", "names": "name", "joined": "join", "time": "join"}


def attendance_args(spec: CommandSpec, args: list[str]) -> dict:
    """``attendance <id> [longest|shortest|name|join]``: the archive and, optionally, the order of the list."""
    if len(args) > 2:
        raise spec.refuse(f"`attendance` takes a meeting's id and an order, but I got {len(args)} values.")
    parsed = {**either_id(spec, args[0] if args else None), "sort": None}
    if len(args) == 2:
        word = unwrap(args[1]).lower()
        parsed["sort"] = SORT_WORDS.get(word, word)
        if parsed["sort"] not in ATTENDANCE_SORTS:
            raise spec.refuse(f"“{shown(args[1])}” is not an order for the list; use one of "
                              f"{', '.join(ATTENDANCE_SORTS)}, like `attendance {EXAMPLE_ARCHIVE} name`.")
    return parsed


def archive_or_meeting(spec: CommandSpec, args: list[str]) -> dict:
    if len(args) != 1:
        raise spec.refuse(f"`{spec.name}` needs exactly one id: an archive id or a meeting instance id.")
    value = unwrap(args[0])
    if INSTANCE_ID.fullmatch(value):
        return {"meeting_id": value}
    if ARCHIVE_ID.fullmatch(value):
        return {"archive_id": value}
    raise spec.refuse(f"“{shown(value)}” is neither a meeting instance id (letters and digits, _I_, a number, "
                      f"like {EXAMPLE_INSTANCE}) nor an archive id (like {EXAMPLE_ARCHIVE}).")


def export_args(spec: CommandSpec, args: list[str]) -> dict:
    parsed = {**either_id(spec, args[0] if args else None), "format": None, "table": None}
    for word in (a.lower() for a in args[1:]):
        slot = "format" if word in EXPORT_FORMATS else "table" if word in EXPORT_TABLES else None
        if slot is None or parsed.get(slot) is not None:
            raise spec.refuse(f"“{shown(word)}” is not a format ({' or '.join(EXPORT_FORMATS)}) "
                              f"or a table ({', '.join(EXPORT_TABLES)}), or it was given twice.")
        parsed[slot] = word
    parsed["format"] = parsed["format"] or "csv"
    parsed["table"] = parsed["table"] or ("attendance" if parsed["format"] == "csv" else None)
    return parsed


def today() -> date:
    """Today's date in UTC (a module function, so that tests can fix it)."""
    return datetime.now(UTC).date()


def dates(spec: CommandSpec, args: list[str]) -> dict:
    """``archives [from] [to]``: real dates, in order, not in the future, over no more days than Webex lists at once."""
    if len(args) > 2:
        raise spec.refuse("`archives` takes at most two dates: the first day and the last day.")
    start, end = ([_day(spec, value) for value in args] + [None, None])[:2]
    latest = today() + timedelta(days=1)  # a space's zone may already be in tomorrow
    if start and start > latest:
        raise spec.refuse(f"{start} is in the future: no meeting has an archive from then yet.")
    if start and end and end < start:
        raise spec.refuse(f"The end date {end} is before the start date {start}: give the earlier date first.")
    if start:
        last = min(end, latest) if end else today()
        days = (last - start).days + 1
        if days > ARCHIVES_MAX_DAYS:
            upto = f"to {end}" if end and end <= latest else "to today"
            shorter = f"{start} {start + timedelta(days=ARCHIVES_MAX_DAYS - 1)}"
            raise spec.refuse(f"From {start} {upto} is {days} days, but Webex lists archives over at most "
                              f"{ARCHIVES_MAX_DAYS} days at a time. Ask for a shorter period, "
                              f"like `archives {shorter}`.")
    return {"start": start, "end": end}


def _day(spec: CommandSpec, value: str) -> date:
    text = unwrap(value)
    try:
        return date.fromisoformat(text)
    except ValueError:
        if ISO_DAY.fullmatch(text):
            raise spec.refuse(f"“{shown(text)}” is not a day on the calendar; check the month and the day.") from None
        raise spec.refuse(f"“{shown(value)}” is not a date; write dates as YYYY-MM-DD, like 2026-11-01.") from None


def zone(spec: CommandSpec, args: list[str]) -> dict:
    if len(args) > 1:
        raise spec.refuse("`timezone` takes one IANA time zone name, like Europe/Paris.")
    if not args:
        return {"zone": None}
    zone = _zones_by_lower_name().get(unwrap(args[0]).lower())
    if zone is None:
        raise spec.refuse(f"“{shown(args[0])}” is not an IANA time zone name. Use a name like Europe/Paris, "
                          "America/New_York or UTC.")
    return {"zone": zone}


def subscribe_rule(spec: CommandSpec, args: list[str]) -> dict:
    if not args or len(args) > 2:
        raise spec.refuse("Say what to follow: `host <email>`, `site <siteUrl>` or `all`.")
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
    raise spec.refuse(f"“{shown(args[0])}” is not a subscription id; `subscriptions` lists them with their ids.")


PRIVACY_LEVELS = ("names", "counts")  # bot.summaries.PRIVACY_LEVELS: what a group space sees


def privacy_level(spec: CommandSpec, args: list[str]) -> dict:
    """``privacy`` shows the level; ``privacy names`` or ``privacy counts`` sets it."""
    if len(args) > 1:
        raise spec.refuse("`privacy` takes one word: `privacy names` or `privacy counts`.")
    if not args:
        return {}
    word = unwrap(args[0]).lower()
    if word not in PRIVACY_LEVELS:
        raise spec.refuse(f"“{shown(args[0])}” is not a privacy level. Say `privacy names` (names of attendees, "
                          "public chat and Q&A, and every count) or `privacy counts` (numbers only).")
    return {"value": word}


@functools.cache
def _zones_by_lower_name() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def unwrap(value: str) -> str:
    # People paste ids from usage lines and prose: <id>, `id`, "id", id. or id,
    return value.strip().strip("<>`'\"()[].,;:!?")


def shown(value: str, limit: int = 60) -> str:
    # Backticks mark commands in messages (shown in bold): a typed value must not open or close one.
    value = value.replace("`", "'")
    return value if len(value) <= limit else value[: limit - 1] + "…"
