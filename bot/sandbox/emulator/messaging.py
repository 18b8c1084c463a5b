"""Messaging endpoints of the emulator: people, rooms, messages (JSON and multipart), card actions, files.

What a caller sees follows webex-api-notes §5d: members of a room read its messages; in a group
room a bot reads only its own messages and those that @mention it (others are 404 to it), and
listing a group room's messages needs ``mentionedPeople=me`` (403 without). Limits enforced:
``text``/``markdown`` ≤ 7439 bytes, one file, one Adaptive Card per message, no reply to a reply.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, request

from bot.sandbox.emulator.http import (
    ApiError,
    body_json,
    int_param,
    json_response,
    next_link,
    principal,
    state,
)
from bot.sandbox.emulator.records import format_iso, now_utc, parse_iso
from bot.sandbox.emulator.webhooks import deliver_event
from bot.sandbox.emulator.world import EmulatorWorld
from bot.sandbox.ids import person_id, webex_id

bp = Blueprint("emulator_messaging", __name__)

MAX_TEXT_BYTES = 7439
CARD_TYPE = "application/vnd.microsoft.card.adaptive"
_MENTION = re.compile(r"<@(personEmail|personId):([^|>]+)(?:\|[^>]*)?>")
NOT_FOUND = "The requested resource could not be found."


@bp.get("/people/me")
def people_me() -> Response:
    """The caller's own person record."""
    return json_response(state().people[principal().person_id])


@bp.get("/people/<person_id_>")
def get_person(person_id_: str) -> Response:
    """Any person of the org by id."""
    person = state().people.get(person_id_)
    if person is None:
        raise ApiError(404, NOT_FOUND)
    return json_response(person)


@bp.get("/rooms/<room_id>")
def get_room(room_id: str) -> Response:
    """A room the caller belongs to (404 otherwise, as for a room that does not exist)."""
    if not state().is_member(room_id, principal().person_id):
        raise ApiError(404, NOT_FOUND)
    return json_response(state().rooms[room_id])


def mentions(markdown: str | None, emulator: EmulatorWorld) -> tuple[list[str], list[str]]:
    """(mentionedPeople ids, mentionedGroups) of a markdown text (``<@personEmail:…>``, ``<@all>``)."""
    people = []
    for kind, value in _MENTION.findall(markdown or ""):
        pid = person_id(value) if kind == "personEmail" else value.strip()
        if pid in emulator.people and pid not in people:
            people.append(pid)
    return people, (["all"] if "<@all>" in (markdown or "") else [])


def store_message(emulator: EmulatorWorld, sender_id: str, room_id: str, fields: dict) -> dict:
    """Validate and store a message; ``fields`` may hold text, markdown, html, files, attachments, parentId."""
    room = emulator.rooms.get(room_id)
    if room is None or not emulator.is_member(room_id, sender_id):
        raise ApiError(404, "Room not found, or the sender is not a member of it.")
    for name in ("text", "markdown"):
        if len((fields.get(name) or "").encode()) > MAX_TEXT_BYTES:
            raise ApiError(400, f"{name} is longer than the maximum message length of {MAX_TEXT_BYTES} bytes.")
    if not any(fields.get(k) for k in ("text", "markdown", "files", "attachments")):
        raise ApiError(400, "A message needs text, markdown, files or attachments.")
    _check_parent(emulator, fields.get("parentId"), room_id)
    sender = emulator.people[sender_id]
    people, groups = fields.get("mentionedPeople"), []
    if people is None:
        people, groups = mentions(fields.get("markdown"), emulator)
    message = {"id": webex_id("MESSAGE"), "roomId": room_id, "roomType": room["type"]}
    message.update({k: fields[k] for k in ("parentId", "text", "markdown", "html", "files", "attachments")
                    if fields.get(k)})
    message.update(personId=sender_id, personEmail=sender["emails"][0])
    if people:
        message["mentionedPeople"] = people
    if groups:
        message["mentionedGroups"] = groups
    message["created"] = format_iso(now_utc())
    with emulator.lock:
        emulator.messages[message["id"]] = message
        room["lastActivity"] = message["created"]
    return message


def _check_parent(emulator: EmulatorWorld, parent_id: str | None, room_id: str) -> None:
    if not parent_id:
        return
    parent = emulator.messages.get(parent_id)
    if parent is None or parent["roomId"] != room_id:
        raise ApiError(400, "parentId is not a message of this room.")
    if parent.get("parentId"):
        raise ApiError(400, "Cannot reply to a reply: use the thread's first message as parentId.")


def _card_attachments(value) -> list | None:
    if value in (None, []):
        return None
    if not isinstance(value, list) or len(value) > 1:
        raise ApiError(400, "Only one card per message is supported.")
    card = value[0]
    if not isinstance(card, dict) or card.get("contentType") != CARD_TYPE or not isinstance(card.get("content"), dict):
        raise ApiError(400, f"An attachment needs contentType {CARD_TYPE} and a card object as content.")
    return value


def _request_fields() -> dict:
    """The message fields of a JSON or a multipart/form-data request (file stored, URL in ``files``)."""
    emulator = state()
    if request.mimetype == "multipart/form-data":
        fields = request.form.to_dict()
        uploads = request.files.getlist("files")
        if len(uploads) > 1:
            raise ApiError(400, "Only one file is allowed per message.")
        if uploads:
            content_id = webex_id("CONTENT")
            upload = uploads[0]
            with emulator.lock:
                emulator.files[content_id] = (upload.filename or "file", upload.mimetype or "application/octet-stream",
                                              upload.read())
            fields["files"] = [f"{request.url_root}v1/contents/{content_id}"]
        return fields
    fields = body_json()
    files = fields.get("files")
    if files is not None and (not isinstance(files, list) or len(files) > 1
                              or not all(isinstance(f, str) and f.startswith(("http://", "https://")) for f in files)):
        raise ApiError(400, "files must be a list of one public http(s) URL.")
    return fields


@bp.post("/messages")
def create_message() -> Response:
    """Post a message to a room, or 1:1 to a person (``toPersonId``/``toPersonEmail``)."""
    emulator, who = state(), principal()
    fields = _request_fields()
    fields["attachments"] = _card_attachments(fields.get("attachments"))
    fields.pop("mentionedPeople", None)
    fields.pop("html", None)
    targets = [k for k in ("roomId", "toPersonId", "toPersonEmail") if fields.get(k)]
    if len(targets) != 1:
        raise ApiError(400, "Exactly one of roomId, toPersonId or toPersonEmail is required.")
    room_id = fields.get("roomId")
    if not room_id:
        other = (emulator.people.get(fields["toPersonId"]) if fields.get("toPersonId")
                 else emulator.person_by_email(fields["toPersonEmail"]))
        if other is None:
            raise ApiError(404, "The recipient could not be found.")
        room_id = emulator.direct_room(emulator.people[who.person_id]["emails"][0], other["emails"][0])["id"]
    message = store_message(emulator, who.person_id, room_id, fields)
    deliver_event(emulator, "messages", "created", message, actor_id=who.person_id)
    answer = dict(message)
    answer.update({k: fields[k] for k in ("toPersonId", "toPersonEmail") if fields.get(k)})
    return json_response(answer)


def visible(emulator: EmulatorWorld, message: dict, reader_id: str, role: str) -> bool:
    """Whether ``reader_id`` may read ``message`` (room member; a bot in a group only when involved)."""
    if not emulator.is_member(message["roomId"], reader_id):
        return False
    if role == "bot" and message["roomType"] == "group":
        return message["personId"] == reader_id or reader_id in message.get("mentionedPeople", ())
    return True


@bp.get("/messages/<message_id>")
def get_message(message_id: str) -> Response:
    """One message the caller may see."""
    who, emulator = principal(), state()
    message = emulator.messages.get(message_id)
    if message is None or not visible(emulator, message, who.person_id, who.role):
        raise ApiError(404, NOT_FOUND)
    return json_response(message)


@bp.get("/messages")
def list_messages() -> Response:
    """Messages of a room, newest first, Link-paged with ``beforeMessage``."""
    who, emulator = principal(), state()
    room_id = request.args.get("roomId")
    if not room_id:
        raise ApiError(400, "roomId is required.")
    if not emulator.is_member(room_id, who.person_id):
        raise ApiError(404, NOT_FOUND)
    mentioned = request.args.get("mentionedPeople")
    if mentioned and mentioned not in ("me", who.person_id):
        raise ApiError(400, "mentionedPeople accepts only me or the caller's own person id.")
    if who.role == "bot" and emulator.rooms[room_id]["type"] == "group" and not mentioned:
        raise ApiError(403, "Bots must include mentionedPeople=me to list messages in a group room.")
    limit = int_param("max", 50, 1, 100 if mentioned else 1000)
    with emulator.lock:
        rows = [m for m in emulator.messages.values() if m["roomId"] == room_id]
    marker = request.args.get("beforeMessage")
    if marker:
        ids = [m["id"] for m in rows]
        if marker not in ids:
            raise ApiError(400, "beforeMessage is not a message of this room.")
        rows = rows[:ids.index(marker)]
    rows.reverse()
    rows = [m for m in rows if visible(emulator, m, who.person_id, who.role) and _matches(m, who.person_id)]
    page = rows[:limit]
    more = len(rows) > limit
    return json_response({"items": page}, link=next_link(beforeMessage=page[-1]["id"]) if more else None)


def _matches(message: dict, reader_id: str) -> bool:
    """The optional filters of ``GET /messages``: mentionedPeople, parentId, before."""
    args = request.args
    if args.get("mentionedPeople") and reader_id not in message.get("mentionedPeople", ()):
        return False
    if args.get("parentId") and message.get("parentId") != args["parentId"]:
        return False
    before = parse_iso(args.get("before"))
    return not before or (parse_iso(message["created"]) or before) < before


@bp.get("/attachment/actions/<action_id>")
def get_attachment_action(action_id: str) -> Response:
    """A card submission, for its submitter or the author of the card."""
    who, emulator = principal(), state()
    action = emulator.actions.get(action_id)
    card = emulator.messages.get(action["messageId"]) if action else None
    if action is None or who.person_id not in (action["personId"], card and card["personId"]):
        raise ApiError(404, NOT_FOUND)
    return json_response(action)


@bp.get("/contents/<content_id>")
def get_content(content_id: str) -> Response:
    """The bytes of an uploaded file."""
    stored = state().files.get(content_id)
    if stored is None:
        raise ApiError(404, NOT_FOUND)
    name, mimetype, data = stored
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})
