"""After a worker died while answering a webhook: is the bot's answer in the space?

Webex has no idempotent post, so when a run of an ``event`` job died after it began posting (the job
ledger's ``posts``), its answer may or may not be out. In a 1:1 space the bot can read the thread it
answers in, newest first down to the event: a bot message there is its answer, and none proves
nothing went out, so the job can safely run again (exactly once). A group space
cannot be checked (a bot lists only messages that mention it), nor can a thread whose message is gone:
those stay at most once. A later command answered in the same thread reads as "found": the rule errs
towards not answering twice, never towards answering twice.
"""

from __future__ import annotations

import logging

from bot.context import Context
from bot.errors import WebexError
from bot.meetings import parse_time
from bot.webex import same_person

log = logging.getLogger(__name__)
FOUND, ABSENT, UNKNOWABLE = "found", "absent", "unknowable"
THREAD_PAGE = 200  # the newest messages of a thread read at most: an answer follows its command closely


def answer_in_space(ctx: Context, event: dict) -> str:
    """``FOUND``, ``ABSENT`` or ``UNKNOWABLE``: whether the bot's answer to ``event`` reached its space."""
    try:
        where = _thread_of(ctx, event)
        if where is None:
            return UNKNOWABLE
        room_id, root, since, own_id = where
        if ctx.bot.room(room_id).get("type") != "direct":
            return UNKNOWABLE
        return FOUND if _bot_message_since(ctx, room_id, root, since, own_id) else ABSENT
    except (WebexError, KeyError, TypeError, ValueError) as exc:
        # Cannot look (gone, refused, busy, an odd payload): keep the at-most-once rule. Raising instead would
        # leave the job to the sweep, which would bring it back here every minute.
        log.info("cannot tell whether the answer to %s is out: %r", (event.get("data") or {}).get("id"), exc)
        return UNKNOWABLE


def _thread_of(ctx: Context, event: dict) -> tuple[str, str, str, str | None] | None:
    """(space, thread root, the event's time, its message id) of a message or card-action event, else None."""
    bot, data = ctx.bot, event.get("data") or {}
    if not isinstance(data.get("id"), str):
        return None
    if event.get("resource") == "messages":
        message = bot.message(data["id"])
        return message["roomId"], message.get("parentId") or message["id"], message["created"], message["id"]
    if event.get("resource") == "attachmentActions":
        action = bot.card_action(data["id"])
        card = bot.message(action["messageId"])
        return card["roomId"], card.get("parentId") or card["id"], action["created"], None
    return None


def _bot_message_since(ctx: Context, room_id: str, root: str, since: str, own_id: str | None) -> bool:
    """Whether the thread ``root`` holds a bot message newer than the event (read newest first, down to it)."""
    me, start = ctx.bot_identity().id, parse_time(since)
    messages = ctx.bot.thread(room_id, root, page_size=50)
    for count, message in enumerate(messages):
        created = parse_time(message.get("created"))
        if message.get("id") == own_id or (start and created and created < start):
            return False  # reached the event itself, or older messages: its answer would have come later
        if same_person(message.get("personId") or "", me):
            return True
        if count + 1 >= THREAD_PAGE:
            break
    return False

