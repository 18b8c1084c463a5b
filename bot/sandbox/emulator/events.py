"""People acting in the emulated Webex: a person posts a message, a person submits a card; webhooks fire.

A group-room message that @mentions the bot (``@Recap …`` in the text, or a ``spark-mention`` in
the given html) is stored as Webex stores it: the text keeps the bot's display name without the
``@``, ``html`` wraps it in ``<spark-mention data-object-type="person" data-object-id="BOT_ID">``,
and ``mentionedPeople`` lists the bot. A card submission merges the pressed Action.Submit's
``data`` with the typed ``inputs`` (inputs win on a clash, as Adaptive Cards hosts do).
"""

from __future__ import annotations

import html as html_lib
import re

from bot.sandbox.emulator.http import ApiError
from bot.sandbox.emulator.messaging import CARD_TYPE, store_message
from bot.sandbox.emulator.records import format_iso, now_utc
from bot.sandbox.emulator.webhooks import deliver_event
from bot.sandbox.emulator.world import EmulatorWorld
from bot.sandbox.ids import webex_id

_SPARK_MENTION = re.compile(r'<spark-mention[^>]*data-object-id="([^"]+)"')


def _person(emulator: EmulatorWorld, email: str) -> dict:
    person = emulator.person_by_email(email)
    if person is None:
        raise KeyError(f"no person {email!r}")
    return person


def _mention_bot(emulator: EmulatorWorld, text: str) -> tuple[str, str | None, list[str]]:
    """(text, html, mentionedPeople) for a text that may say ``@Recap``."""
    bot = emulator.people.get(emulator.bot_id or "")
    if bot is None:
        return text, None, []
    pattern = re.compile(r"@" + re.escape(bot["displayName"]) + r"\b", re.IGNORECASE)
    if not pattern.search(text):
        return text, None, []
    tag = (f'<spark-mention data-object-type="person" data-object-id="{bot["id"]}">'
           f'{html_lib.escape(bot["displayName"])}</spark-mention>')
    parts = pattern.split(text)
    html = "<p>" + tag.join(html_lib.escape(p) for p in parts) + "</p>"
    return pattern.sub(bot["displayName"], text), html, [bot["id"]]


def post_as(emulator: EmulatorWorld, person_email: str, room_id: str, text: str, *, html: str | None = None) -> dict:
    """Store a message from a person and deliver ``messages/created`` to matching webhooks."""
    person = _person(emulator, person_email)
    room = emulator.rooms.get(room_id)
    if room is None:
        raise KeyError(f"no room {room_id!r}")
    mentioned: list[str] = []
    if html is not None:
        mentioned = [m for m in dict.fromkeys(_SPARK_MENTION.findall(html)) if m in emulator.people]
    elif room["type"] == "group":
        text, html, mentioned = _mention_bot(emulator, text)
    try:
        message = store_message(emulator, person["id"], room_id,
                                {"text": text, "html": html, "mentionedPeople": mentioned})
    except ApiError as exc:
        raise (KeyError if exc.status == 404 else ValueError)(exc.message) from None
    deliver_event(emulator, "messages", "created", message, actor_id=person["id"])
    return message


def _submit_data(card: dict, title: str | None) -> dict:
    """The ``data`` of the card's Action.Submit titled ``title`` (searched in actions and ActionSets)."""
    stack = [card]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("type") == "Action.Submit" and node.get("title") == title:
                data = node.get("data")
                return dict(data) if isinstance(data, dict) else {}
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    raise KeyError(f"the card has no Action.Submit titled {title!r}")


def submit_card(emulator: EmulatorWorld, person_email: str, message_id: str, inputs: dict, *,
                data: dict | None = None, action_title: str | None = None) -> dict:
    """Record a card submission and deliver ``attachmentActions/created``; return the attachment action."""
    person = _person(emulator, person_email)
    message = emulator.messages.get(message_id)
    if message is None or not emulator.is_member(message["roomId"], person["id"]):
        raise KeyError(f"no message {message_id!r} visible to {person_email}")
    cards = [a["content"] for a in message.get("attachments") or [] if a.get("contentType") == CARD_TYPE]
    if not cards:
        raise ValueError("the message has no Adaptive Card")
    merged = dict(data or {})
    if action_title is not None:
        merged = {**_submit_data(cards[0], action_title), **merged}
    merged.update(inputs)
    action = {"id": webex_id("ATTACHMENT_ACTION"), "type": "submit", "messageId": message_id, "inputs": merged,
              "personId": person["id"], "roomId": message["roomId"], "created": format_iso(now_utc())}
    with emulator.lock:
        emulator.actions[action["id"]] = action
    deliver_event(emulator, "attachmentActions", "created", action, actor_id=person["id"])
    return action
