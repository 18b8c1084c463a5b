"""Parse what a person typed (or submitted on a card) into a ``Command``: pure, no I/O.

The command table below is the one list of what Recap understands; handlers are looked up by the
command's name elsewhere (``bot.chat.handlers``). Each command's arguments parse in ``bot.chat.arguments``,
which refuses malformed ids and dates before any Webex call, saying what a good value looks like.
"""

from __future__ import annotations

import difflib
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date

from bot.chat.arguments import (
    EXAMPLE_ARCHIVE,
    EXAMPLE_INSTANCE,
    EXPORT_TABLES,
    CommandSpec,
    archive_or_meeting,
    attendance_args,
    dates,
    export_args,
    no_args,
    one_archive,
    privacy_level,
    subscribe_rule,
    unsubscribe_id,
    unwrap,
    zone,
)
from bot.chat.text import clean_text, strip_mention
from bot.errors import UsageError

ALIASES = {"?": "help", "commands": "help", "archive": "archives", "list": "archives",
           "q&a": "qa", "questions": "qa", "chat": "chats", "tz": "timezone", "attendees": "attendance",
           "subscription": "subscriptions", "follow": "subscribe", "unfollow": "unsubscribe",
           "note": "notes", "summaries": "notes", "speaker": "speakers", "talk": "speakers"}


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
    value: str | None = None        # subscribe: the e-mail or site; unsubscribe: a subscription id or "all";
                                    # privacy: names | counts
    confirm: str | None = None      # unsubscribe from a card: "ask" shows a confirmation first, then
                                    # "yes" removes it or "keep" keeps it (bot.chat.subscriptions)
    sort: str | None = None         # attendance: longest | shortest | name | join
    unknown: str | None = None      # help: the word that was not understood
    suggestion: str | None = None   # help: the closest command for "did you mean", with the values typed
                                    # when they suit it ("summary <id>": the help card offers to run it)

    @property
    def ids(self) -> tuple[str, ...]:
        """The meeting-data ids this command touches (for the audit log)."""
        return tuple(i for i in (self.archive_id, self.meeting_id) if i)


# --- the command table ---------------------------------------------------------------------

COMMANDS: Mapping[str, CommandSpec] = {spec.name: spec for spec in (
    CommandSpec("help", "help", "this list of commands", "help", no_args, needs_admin=False),
    CommandSpec("archives", "archives [from] [to]",
                "meeting archives of the last 30 days, or of up to 30 days you choose (dates as YYYY-MM-DD)",
                "archives 2026-11-01 2026-11-20", dates),
    CommandSpec("summary", "summary <archiveId>", "the recap of one meeting", f"summary {EXAMPLE_ARCHIVE}",
                one_archive),
    CommandSpec("attendance", "attendance <archiveId> [longest|shortest|name|join]",
                "who came, when, for how long (in the order chosen)", f"attendance {EXAMPLE_ARCHIVE} name",
                attendance_args),
    CommandSpec("polls", "polls <archiveId>", "poll questions and results", f"polls {EXAMPLE_ARCHIVE}",
                one_archive),
    CommandSpec("qa", "qa <archiveId>", "questions asked and their answers", f"qa {EXAMPLE_ARCHIVE}",
                one_archive),
    CommandSpec("notes", "notes <archiveId>", "the AI summary whole: its note and every action item",
                f"notes {EXAMPLE_ARCHIVE}", one_archive),
    CommandSpec("speakers", "speakers <archiveId>", "who spoke and for how long (per person in a 1:1 only)",
                f"speakers {EXAMPLE_ARCHIVE}", one_archive),
    CommandSpec("chats", "chats <meetingId>", "the chat of an ended meeting instance (or of an archive)",
                f"chats {EXAMPLE_INSTANCE}", archive_or_meeting),
    CommandSpec("export", "export <archiveId> [csv|json] [table]",
                f"a file for a spreadsheet; tables: {', '.join(EXPORT_TABLES)}", f"export {EXAMPLE_ARCHIVE} csv",
                export_args),
    CommandSpec("timezone", "timezone [IANA zone]", "show or set this space's time zone",
                "timezone Europe/Paris", zone),
    CommandSpec("subscribe", "subscribe host <email> | site <siteUrl> | all",
                "a recap card here after each matching meeting ends", "subscribe host alice@example.com",
                subscribe_rule),
    CommandSpec("subscriptions", "subscriptions", "the automatic recaps this space gets", "subscriptions", no_args),
    CommandSpec("unsubscribe", "unsubscribe [id|all]", "stop automatic recaps here", "unsubscribe all",
                unsubscribe_id),
    CommandSpec("privacy", "privacy [names|counts]", "show or set how much this group space sees: names, or "
                "numbers only", "privacy counts", privacy_level),
)}


def parse(text: str, *, html: str | None = None, is_bot: Callable[[str], bool] | None = None,
          bot_name: str | None = None) -> Command:
    """Parse a message's text (its ``html`` and ``is_bot`` locate the bot's @mention) into a ``Command``."""
    words = split_words(strip_mention(text or "", html=html, is_bot=is_bot, bot_name=bot_name))
    if not words:
        return Command("help")
    first = words[0].strip("`'\"").lstrip("/").lower()  # `help`, as pasted from a card or a message
    name = ALIASES.get(first, first)
    spec = COMMANDS.get(name)
    if spec is None:
        return Command("help", unknown=words[0], suggestion=suggest_command(first, words[1:]))
    return Command(name, **spec.parse_args(spec, words[1:]))


def parse_words(name: str, args: list[str]) -> Command:
    """Parse an already split command (a card button gives the name and the values)."""
    spec = COMMANDS.get(ALIASES.get(name.lower(), name.lower()))
    if spec is None:
        return Command("help", unknown=name, suggestion=suggest(name.lower()))
    return Command(spec.name, **spec.parse_args(spec, [a for a in args if a]))


def parse_action(inputs: Mapping) -> Command:
    """Parse a card submission like the typed command it stands for.

    ``{"action": "polls", "archiveId": …}`` names its values; ``{"action": "summary", "args": "<id>"}`` (the
    help card's "Run summary <id>") carries them as typed; ``{"action": "show", "table": "qa", …}`` (a "More"
    card's choice) is the view named by ``table``.
    """
    name = str(inputs.get("action") or inputs.get("command") or "")
    keys = ("archiveId", "meetingId", "format", "table", "sort")
    if name == "show" and isinstance(inputs.get("table"), str):  # "More" card: the view is the part chosen in it
        # Invitees have no view of their own: who never came is on the attendance view.
        name = {"invitees": "attendance"}.get(inputs["table"], inputs["table"])
        keys = tuple(k for k in keys if k != "table")
    values = [inputs.get(key) for key in keys]
    words = [str(v) for v in values if isinstance(v, str | int) and str(v)]
    if isinstance(inputs.get("args"), str):
        words += split_words(inputs["args"])
    command = parse_words(name, words)
    confirm = inputs.get("confirm")  # an Unsubscribe button asks first ("ask"); "Keep" answers the question
    if command.name == "unsubscribe" and confirm in ("ask", "yes", "keep"):
        return replace(command, confirm=confirm)
    return command


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


def suggest_command(word: str, args: list[str]) -> str | None:
    """The closest command to ``word``, followed by ``args`` when they parse for it ("summary <id>"), else alone."""
    name = suggest(word)
    if name is None or not args:
        return name
    spec = COMMANDS[name]
    try:
        spec.parse_args(spec, args)
    except UsageError:
        return name
    values = [unwrap(a).replace("`", "") for a in args]
    return " ".join([name, *(shlex.quote(v) if any(c.isspace() for c in v) else v for v in values if v)])
