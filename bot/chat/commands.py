"""Parse what a person typed (or submitted on a card) into a ``Command``: pure, no I/O.

The command table below is the one list of what Recap understands; handlers are looked up by the
command's name elsewhere (``bot.chat.handlers``). Malformed ids and dates are refused here, before any
Webex call, with a ``CommandUsageError`` that says what a good value looks like.
"""

from __future__ import annotations

import difflib
import functools
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import available_timezones

from bot.chat.text import clean_text, strip_mention
from bot.errors import UsageError
from bot.meetings.records import ARCHIVE_ID, INSTANCE_ID
from bot.recaps.rules import parse_rule

EXAMPLE_ARCHIVE = "4E3254897D3A2E24E05386CA24AD93A6_R_1000637312"
EXAMPLE_INSTANCE = "501e9954aaaa4bbbb_I_194316955237236650"
EXPORT_FORMATS = ("csv", "json")
EXPORT_TABLES = ("attendance", "joins", "chats", "polls", "qa")
ALIASES = {"?": "help", "commands": "help", "archive": "archives", "list": "archives",
           "q&a": "qa", "questions": "qa", "chat": "chats", "tz": "timezone", "attendees": "attendance",
           "subscription": "subscriptions", "follow": "subscribe", "unfollow": "unsubscribe"}


@dataclass(frozen=True)
class Command:
    """One parsed command with its typed arguments (unused ones stay None)."""

    name: str
    archive_id: str | None = None
    meeting_id: str | None = None
    start: date | None = None
    end: date | None = None
    format: str | None = None
    table: str | None = None
    zone: str | None = None
    rule: str | None = None         # subscribe: host | site | all
    value: str | None = None        # subscribe: the e-mail or site; unsubscribe: a subscription id or "all"
    unknown: str | None = None      # help: the word that was not understood
    suggestion: str | None = None   # help: the closest command, for "did you mean"

    @property
    def ids(self) -> tuple[str, ...]:
        """The meeting-data ids this command touches (for the audit log)."""
        return tuple(i for i in (self.archive_id, self.meeting_id) if i)


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


# --- argument parsers (one per shape of arguments) -----------------------------------------

def _no_args(spec: CommandSpec, args: list[str]) -> dict:
    return {}


def _archive_id(spec: CommandSpec, value: str | None) -> str:
    if not value:
        raise spec.refuse(f"`{spec.name}` needs an archive id.")
    value = _unwrap(value)
    if ARCHIVE_ID.fullmatch(value):
        return value
    if INSTANCE_ID.fullmatch(value):
        raise spec.refuse(f"`{value}` is a meeting instance id (…_I_…), not an archive id (…_R_…). "
                          "Use `chats <meetingId>` for a meeting's chat, or `archives` to find the archive.")
    raise spec.refuse(f"`{_shown(value)}` is not an archive id. An archive id is letters and digits, then `_R_` "
                      f"and a number, like `{EXAMPLE_ARCHIVE}`.")


def _one_archive(spec: CommandSpec, args: list[str]) -> dict:
    if len(args) > 1:
        raise spec.refuse(f"`{spec.name}` takes one archive id, got {len(args)} values.")
    return {"archive_id": _archive_id(spec, args[0] if args else None)}


def _archive_or_meeting(spec: CommandSpec, args: list[str]) -> dict:
    if len(args) != 1:
        raise spec.refuse(f"`{spec.name}` needs exactly one id: an archive id or a meeting instance id.")
    value = _unwrap(args[0])
    if INSTANCE_ID.fullmatch(value):
        return {"meeting_id": value}
    if ARCHIVE_ID.fullmatch(value):
        return {"archive_id": value}
    raise spec.refuse(f"`{_shown(value)}` is neither a meeting instance id (letters and digits, `_I_`, a number, "
                      f"like `{EXAMPLE_INSTANCE}`) nor an archive id (like `{EXAMPLE_ARCHIVE}`).")


def _export(spec: CommandSpec, args: list[str]) -> dict:
    parsed = {"archive_id": _archive_id(spec, args[0] if args else None), "format": None, "table": None}
    for word in (a.lower() for a in args[1:]):
        slot = "format" if word in EXPORT_FORMATS else "table" if word in EXPORT_TABLES else None
        if slot is None or parsed[slot] is not None:
            raise spec.refuse(f"`{_shown(word)}` is not a format ({', '.join(EXPORT_FORMATS)}) "
                              f"or a table ({', '.join(EXPORT_TABLES)}), or it was given twice.")
        parsed[slot] = word
    parsed["format"] = parsed["format"] or "csv"
    parsed["table"] = parsed["table"] or ("attendance" if parsed["format"] == "csv" else None)
    return parsed


def _dates(spec: CommandSpec, args: list[str]) -> dict:
    if len(args) > 2:
        raise spec.refuse("`archives` takes at most two dates: from and to.")
    days = []
    for value in args:
        try:
            days.append(date.fromisoformat(_unwrap(value)))
        except ValueError:
            raise spec.refuse(f"`{_shown(value)}` is not a date; write dates as YYYY-MM-DD, "
                              "like `2026-11-01`.") from None
    start, end = (days + [None, None])[:2]
    if start and end and end < start:
        raise spec.refuse(f"the end date {end} is before the start date {start}.")
    return {"start": start, "end": end}


def _zone(spec: CommandSpec, args: list[str]) -> dict:
    if len(args) > 1:
        raise spec.refuse("`timezone` takes one IANA time zone name, like `Europe/Paris`.")
    if not args:
        return {"zone": None}
    zone = _zones_by_lower_name().get(_unwrap(args[0]).lower())
    if zone is None:
        raise spec.refuse(f"`{_shown(args[0])}` is not an IANA time zone. Use a name like `Europe/Paris`, "
                          "`America/New_York` or `UTC`.")
    return {"zone": zone}


def _subscribe(spec: CommandSpec, args: list[str]) -> dict:
    if not args or len(args) > 2:
        raise spec.refuse("say what to follow: `host <email>`, `site <siteUrl>` or `all`.")
    try:
        rule = parse_rule(args[0], _unwrap(args[1]) if len(args) > 1 else None)
    except ValueError as exc:
        raise spec.refuse(str(exc)) from None
    return {"rule": rule.kind, "value": rule.value or None}


def _unsubscribe(spec: CommandSpec, args: list[str]) -> dict:
    if len(args) > 1:
        raise spec.refuse("`unsubscribe` takes one subscription id, or `all`.")
    if not args:
        return {}
    word = _unwrap(args[0]).lower().lstrip("#")
    if word == "all" or (word.isdigit() and 0 < int(word) < 2**31):
        return {"value": word if word == "all" else str(int(word))}
    raise spec.refuse(f"`{_shown(args[0])}` is not a subscription id; `subscriptions` lists them with their ids.")


@functools.cache
def _zones_by_lower_name() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


# --- the command table ---------------------------------------------------------------------

COMMANDS: Mapping[str, CommandSpec] = {spec.name: spec for spec in (
    CommandSpec("help", "help", "this list of commands", "help", _no_args, needs_admin=False),
    CommandSpec("archives", "archives [from] [to]", "recent meeting archives (dates as YYYY-MM-DD)",
                "archives 2026-11-01 2026-11-20", _dates),
    CommandSpec("summary", "summary <archiveId>", "the recap of one meeting", f"summary {EXAMPLE_ARCHIVE}",
                _one_archive),
    CommandSpec("attendance", "attendance <archiveId>", "who came, when, for how long",
                f"attendance {EXAMPLE_ARCHIVE}", _one_archive),
    CommandSpec("polls", "polls <archiveId>", "poll questions and results", f"polls {EXAMPLE_ARCHIVE}",
                _one_archive),
    CommandSpec("qa", "qa <archiveId>", "questions asked and their answers", f"qa {EXAMPLE_ARCHIVE}",
                _one_archive),
    CommandSpec("chats", "chats <meetingId>", "the chat of an ended meeting instance (or of an archive)",
                f"chats {EXAMPLE_INSTANCE}", _archive_or_meeting),
    CommandSpec("export", "export <archiveId> [csv|json] [table]",
                f"a file for a spreadsheet; tables: {', '.join(EXPORT_TABLES)}", f"export {EXAMPLE_ARCHIVE} csv",
                _export),
    CommandSpec("timezone", "timezone [IANA zone]", "show or set this space's time zone",
                "timezone Europe/Paris", _zone),
    CommandSpec("subscribe", "subscribe host <email> | site <siteUrl> | all",
                "a recap card here after each matching meeting ends", "subscribe host alice@example.com",
                _subscribe),
    CommandSpec("subscriptions", "subscriptions", "the automatic recaps this space gets", "subscriptions", _no_args),
    CommandSpec("unsubscribe", "unsubscribe [id|all]", "stop automatic recaps here", "unsubscribe all",
                _unsubscribe),
)}


def parse(text: str, *, html: str | None = None, is_bot: Callable[[str], bool] | None = None,
          bot_name: str | None = None) -> Command:
    """Parse a message's text (its ``html`` and ``is_bot`` locate the bot's @mention) into a ``Command``."""
    words = split_words(strip_mention(text or "", html=html, is_bot=is_bot, bot_name=bot_name))
    if not words:
        return Command("help")
    first = words[0].lstrip("/").lower()
    name = ALIASES.get(first, first)
    spec = COMMANDS.get(name)
    if spec is None:
        return Command("help", unknown=words[0], suggestion=suggest(first))
    return Command(name, **spec.parse_args(spec, words[1:]))


def parse_words(name: str, args: list[str]) -> Command:
    """Parse an already split command (a card button gives the name and the values)."""
    spec = COMMANDS.get(ALIASES.get(name.lower(), name.lower()))
    if spec is None:
        return Command("help", unknown=name, suggestion=suggest(name.lower()))
    return Command(spec.name, **spec.parse_args(spec, [a for a in args if a]))


def parse_action(inputs: Mapping) -> Command:
    """Parse a card submission (``{"action": "polls", "archiveId": …}``) like the typed command it stands for."""
    name = str(inputs.get("action") or inputs.get("command") or "")
    values = [inputs.get(key) for key in ("archiveId", "meetingId", "format", "table")]
    return parse_words(name, [str(v) for v in values if isinstance(v, str | int) and str(v)])


def split_words(text: str) -> list[str]:
    """Split on whitespace honouring quotes; unbalanced quotes fall back to a plain split."""
    text = clean_text(text)
    try:
        return shlex.split(text)
    except ValueError:  # e.g. an apostrophe in "what's new"
        return text.split()


def suggest(word: str) -> str | None:
    """The known command (or alias) closest to ``word``, when one is close enough."""
    candidates = list(COMMANDS) + list(ALIASES)
    match = difflib.get_close_matches(word.lower(), candidates, n=1, cutoff=0.75)
    name = ALIASES.get(match[0], match[0]) if match else None
    return None if name == "help" else name  # the help card is shown anyway


def _unwrap(value: str) -> str:
    # People paste ids from usage lines and prose: <id>, `id`, "id", id. or id,
    return value.strip().strip("<>`'\"()[].,;:!?")


def _shown(value: str, limit: int = 60) -> str:
    value = value.replace("`", "'")
    return value if len(value) <= limit else value[: limit - 1] + "…"
