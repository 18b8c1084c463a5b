"""One function per command and per webhook event; each talks back only through the context.

``handle_event`` reads the message or the card submission behind a webhook (deliveries carry ids,
never content), parses it into a ``Command`` and dispatches through ``COMMAND_HANDLERS``. Access is
checked before any meeting data is fetched, every data access is audited, and failures are left to
the job runner, which retries them or calls ``report_failure`` (the one place errors become cards).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot import meetings
from bot.chat.commands import COMMANDS, Command, parse, parse_action
from bot.chat.export_command import export
from bot.chat.failures import explain
from bot.chat.lookup import archive_of, view_digest
from bot.chat.picker import picker_rows
from bot.chat.privacy import set_privacy
from bot.chat.subscriptions import list_subscriptions, subscribe, unsubscribe
from bot.context import Context
from bot.digest import tally_meeting_chats
from bot.errors import ConfigError, WebexError, WebexNotFound
from bot.meetings import Archive, Meeting
from bot.recaps.matching import likely_archive
from bot.storage import replayed
from bot.webex import ListingInterrupted, same_person

log = logging.getLogger(__name__)
ARCHIVES_DEFAULT_SPAN = timedelta(days=30)


def handle_event(ctx: Context, event: dict) -> None:
    """The job for one webhook delivery: dispatch on (resource, event)."""
    handler = EVENT_HANDLERS.get((event.get("resource"), event.get("event")))
    if handler is None:
        log.info("no handler for %s/%s", event.get("resource"), event.get("event"))
        return
    data = event.get("data") if isinstance(event.get("data"), dict) else {}
    if not isinstance(data.get("id"), str):
        log.info("dropped a %s/%s delivery without a string data.id", event.get("resource"), event.get("event"))
        return
    handler(ctx, data)


def on_message(ctx: Context, data: dict) -> None:
    """A new message: fetch it, drop the bot's own, parse it, run the command where it was asked."""
    bot = ctx.bot_identity()
    if isinstance(data.get("personId"), str) and same_person(data["personId"], bot.id):
        return
    message = _still_there(ctx.bot.message, data["id"])
    if message is None or same_person(message.get("personId") or "", bot.id) or _replay("message", message):
        return
    asked = ctx.about(room_id=message.get("roomId") or ctx.room_id, room_type=message.get("roomType"),
                      person_id=message.get("personId"), person_email=message.get("personEmail"),
                      thread_id=message.get("parentId") or message.get("id"), typed=True)  # threads: one level
    with asked.answering():
        run_command(asked, parse(message.get("text") or "", html=message.get("html"),
                                 is_bot=lambda person_id: same_person(person_id, bot.id), bot_name=bot.display_name))


def on_card_action(ctx: Context, data: dict) -> None:
    """A card button: fetch the submission, the card (for its space and thread) and who pressed it."""
    action = _still_there(ctx.bot.card_action, data["id"])
    if action is None or _replay("card action", action):
        return
    card = ctx.bot.message(action["messageId"])
    person = ctx.bot.person(action["personId"])
    pressed = ctx.about(room_id=action.get("roomId") or card.get("roomId"), room_type=card.get("roomType"),
                        thread_id=card.get("parentId") or card.get("id"), person_id=action["personId"],
                        person_email=next(iter(person.get("emails") or []), None))
    with pressed.answering():
        run_command(pressed, parse_action(action.get("inputs") or {}))


def _replay(kind: str, item: dict) -> bool:
    """Whether a fetched message or card action is older than the de-duplication window: a replay, dropped."""
    if not replayed(item.get("created")):
        return False
    log.info("dropped a replayed delivery: %s %.80s was created %s, before the de-duplication window",
             kind, item.get("id"), item.get("created"))
    return True


def run_command(ctx: Context, command: Command) -> None:
    """Check access, then run the command's handler."""
    if COMMANDS[command.name].needs_admin and not ctx.is_admin:
        ctx.audit(command.name, command.ids, "refused: not an authorised admin")
        ctx.reply(ctx.card("refusal", command=command.name))
        return
    COMMAND_HANDLERS[command.name](ctx, command)


# --- commands ------------------------------------------------------------------------------

def show_help(ctx: Context, command: Command) -> None:
    """The help card, with "did you mean" when the command was close to a known one."""
    ctx.reply(ctx.card("help", commands=list(COMMANDS.values()), unknown=command.unknown or None,
                       did_you_mean=command.suggestion, admin=ctx.is_admin))


def list_archives(ctx: Context, command: Command) -> None:
    """The archives created in a window (default: the last 30 days), with their meetings' times, to pick one from."""
    start, end = archive_window(command, ctx.timezone, datetime.now(ZoneInfo(ctx.timezone)))
    with ctx.audited("archives"):
        summaries = meetings.list_archive_summaries(ctx.webex("admin"), start, end, timezone=ctx.timezone)
        rows = picker_rows(ctx.webex("admin"), ctx.store, summaries, start, end, timezone=ctx.timezone,
                           ttl=timedelta(days=ctx.settings.digest_ttl_days))
    ctx.reply(ctx.card("archives", archives=rows, start=start, end=end, timezone=ctx.timezone,
                       audience=ctx.audience))


def archive_window(command: Command, zone: str, now: datetime) -> tuple[datetime, datetime]:
    """``[start, end)`` for ``archives [from] [to]``: whole days in the space's zone, ``to`` included."""
    tz = ZoneInfo(zone)
    end = min(datetime.combine(command.end + timedelta(days=1), time(), tz), now) if command.end else now
    start = datetime.combine(command.start, time(), tz) if command.start else end - ARCHIVES_DEFAULT_SPAN
    return start, end


def show_view(ctx: Context, command: Command) -> None:
    """One view of an archive (summary, attendance, polls, Q&A, its chat, AI notes or speakers), for this audience."""
    with ctx.audited(command.name, command.ids):
        found = archive_of(ctx, command)  # either id: an instance's archive, or a card saying it has none
        if found is None:
            return
        digest = view_digest(ctx, *found)
    ctx.reply(ctx.view(command.name, digest, sort=command.sort))


def show_chats(ctx: Context, command: Command) -> None:
    """The chat of an archive, or the post-meeting chat of an ended meeting instance."""
    if command.archive_id:
        return show_view(ctx, command)  # the chat kept in the archive
    if not ctx.has_credential("compliance"):
        raise ConfigError("post-meeting chats need a compliance officer's credential (WEBEX_COMPLIANCE_TOKEN), "
                          "which is not configured; `chats <archiveId>` shows the chat kept in a meeting archive")
    with ctx.audited("chats", command.ids):
        meeting = meetings.get_meeting(ctx.webex("admin"), command.meeting_id, timezone=ctx.timezone)
        try:  # a listing cut short goes on, on the job's next attempt, from the page it reached
            chats = tally_meeting_chats(ctx.webex("compliance"), command.meeting_id, ctx.progress.get("chats"))
        except ListingInterrupted as exc:
            exc.progress = {"chats": exc.progress}
            raise
        archive_id = _archive_id_of(ctx, meeting)
    ctx.reply(ctx.view("chats", archive_for_meeting(meeting, archive_id), chats=chats))


def _archive_id_of(ctx: Context, meeting: Meeting) -> str:
    """The meeting's archive, for the card's Recap and Export buttons; "" (no buttons) when none is known."""
    try:
        return likely_archive(ctx.webex("admin"), meeting, datetime.now(UTC)) or ""
    except WebexError as exc:  # the chat is what was asked for: it comes without the buttons
        log.info("no archive looked up for meeting %s (%s)", meeting.id, type(exc).__name__)
        return ""


def archive_for_meeting(meeting: Meeting, archive_id: str = "") -> Archive:
    """An archive-shaped frame (title, time, host; its archive's id when known) for a meeting instance's chats."""
    return Archive(archive_id=archive_id, service_type="", title=meeting.title, start=meeting.start,
                   end=meeting.end, host_display_name=meeting.host_display_name or "",
                   host_email=meeting.host_email, participants=(), chats=(), polls=(), qas=(), system_infos=())


def set_timezone(ctx: Context, command: Command) -> None:
    """Show this space's time zone, or set it."""
    if command.zone is None:
        ctx.reply_text(f"Times in this space are shown in **{ctx.timezone}**. "
                       "Change it with **timezone** and a zone name, e.g. **timezone Europe/Paris**.")
        return
    ctx.store.set_room_timezone(ctx.room_id, command.zone, by=ctx.person_email)
    ctx.audit("timezone", (), f"ok: set to {command.zone}")
    ctx.reply_text(f"Done: times in this space are now shown in **{command.zone}**.")


def report_failure(ctx: Context, exc: BaseException, *, attempts: int = 1) -> None:
    """Tell the person their command failed, what happened and what to do (an error card)."""
    if not ctx.room_id:
        log.warning("a job failed with no space to report to: %s", type(exc).__name__)
        return
    explanation = explain(exc, attempts=attempts)
    ctx.reply(ctx.card("error", title=explanation.title, what_happened=explanation.what_happened,
                          what_to_do=explanation.what_to_do, tracking_id=explanation.tracking_id))


def _still_there(fetch: Callable[[str], dict], item_id: str) -> dict | None:
    """What a webhook points at, or None when it was deleted before the job ran (nobody left to answer)."""
    try:
        return fetch(item_id)
    except WebexNotFound:
        log.info("%s %s is gone; nothing to answer", fetch.__name__.replace("_", " "), item_id)
        return None


COMMAND_HANDLERS: dict[str, Callable[[Context, Command], None]] = {
    "help": show_help,
    "archives": list_archives,
    "summary": show_view,
    "attendance": show_view,
    "polls": show_view,
    "qa": show_view,
    "notes": show_view,
    "speakers": show_view,
    "chats": show_chats,
    "export": export,
    "timezone": set_timezone,
    "subscribe": subscribe,
    "subscriptions": list_subscriptions,
    "unsubscribe": unsubscribe,
    "privacy": set_privacy,
}

EVENT_HANDLERS: dict[tuple[str, str], Callable[[Context, dict], None]] = {
    ("messages", "created"): on_message,
    ("attachmentActions", "created"): on_card_action,
}
