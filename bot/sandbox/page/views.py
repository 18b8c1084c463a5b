"""The sandbox chat page: be the admin or an ordinary user, talk to the bot, see its cards (blueprint + JSON API).

The page acts through the emulator exactly as a person in Webex would: a typed message goes to
``state.post_as`` (stored, then a signed ``messages/created`` webhook to the bot), a pressed card
button to ``state.submit_card`` (an attachment action and its webhook). It reads the room's
messages from the emulator's state and draws cards with Microsoft's Adaptive Cards renderer.
Meeting text reaches the page only as JSON strings, which its script writes with ``textContent``
(markdown goes through markdown-it with raw HTML off); a strict Content-Security-Policy backs that up.
The page has no login: its guard (``guard.py``) refuses foreign ``Host`` headers and cross-site changes.
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from urllib.parse import quote

from flask import Blueprint, Flask, Response, current_app, jsonify, render_template, request, send_file

import bot.sandbox.page.meetings as page_meetings
from bot.resources import templates_dir
from bot.sandbox.emulator import (
    ADMIN_EMAIL,
    BOT_EMAIL,
    CARD_TYPE,
    GROUP_ROOM_TITLE,
    MAX_TEXT_BYTES,
    USER_EMAIL,
    EmulatorState,
)
from bot.sandbox.page.guard import TOKEN_META, guard_of, guard_page, refusal
from bot.sandbox.page.meetings import seeded_archives
from bot.sandbox.page.scripts import RendererSources

PAGE_DIR = templates_dir() / "sandbox"
bp = Blueprint("sandbox_page", __name__, template_folder=str(PAGE_DIR), static_folder=str(PAGE_DIR / "static"),
               static_url_path="/static")
# The archive example of the Webex documentation, seeded verbatim (bot/sandbox/fixtures/archives/).
DOCUMENTED_EXAMPLE = "4E3254897D3A2E24E05386CA24AD93A6_R_1000637312"
PEOPLE = {"admin": (ADMIN_EMAIL, "authorised admin"), "user": (USER_EMAIL, "ordinary user")}


def create_page_app(emulator: EmulatorState, renderer: RendererSources) -> Flask:
    """The chat page as a Flask app over the emulator's state (same process, its own port: ``serve_page``)."""
    app = Flask("recap_sandbox", static_folder=None)  # the blueprint serves /static from templates/sandbox
    app.extensions["recap_sandbox"] = (emulator, renderer)
    # Before every route: the Host check, and the cross-site checks of every change; scripts only from the CDN.
    guard_page(app, renderer.cdn_origin)
    app.json.ensure_ascii = False
    app.register_blueprint(bp)
    app.register_blueprint(page_meetings.bp)  # POST /api/meetings/end: the "End a meeting" button
    return app


def _world() -> tuple[EmulatorState, RendererSources]:
    return current_app.extensions["recap_sandbox"]


@bp.get("/")
def index() -> str:
    """The chat page."""
    _, renderer = _world()
    return render_template("index.html", scripts=renderer.scripts, renderer_source=renderer.describe(),
                           renderer_fallback=renderer.fallback_note(), token_meta=TOKEN_META,
                           token=guard_of(current_app).token)


@bp.get("/vendor/<name>")
def vendor(name: str) -> Response:
    """The local copy of a renderer script (404 when the page uses the CDN for it)."""
    _, renderer = _world()
    script = next((s for s in renderer.scripts if s.name == name and s.local), None)
    if script is None:
        return refusal(404, "no local copy of that script")
    return send_file(script.local, mimetype="text/javascript", max_age=3600)


@bp.get("/api/world")
def world() -> Response:
    """Who you can be, the spaces, the seeded archives and example commands."""
    emulator, _ = _world()
    bot = emulator.person_by_email(BOT_EMAIL)
    group = _group_room(emulator)
    people = []
    for key, (email, role) in PEOPLE.items():
        person = emulator.person_by_email(email)
        people.append({"key": key, "name": person["displayName"], "email": email, "role": role,
                       "spaces": {"direct": emulator.direct_room(email, BOT_EMAIL)["id"], "group": group["id"]}})
    archives = seeded_archives(emulator)
    return jsonify(bot={"name": bot["displayName"], "email": BOT_EMAIL}, people=people,
                   group={"id": group["id"], "title": group["title"], "members": _member_names(emulator, group)},
                   archives=archives, examples=examples(archives))


def examples(archives: list[dict]) -> list[dict]:
    """Commands a newcomer can send at once, with what each one shows."""
    doc = next((a for a in archives if a["id"] == DOCUMENTED_EXAMPLE), archives[0] if archives else None)
    rows = [("help", "what Recap understands"), ("archives", "meetings of the last 30 days; pick one")]
    if doc:
        rows += [(f"summary {doc['id']}", "the recap card of the documented example"),
                 (f"polls {doc['id']}", "poll questions and who voted what"),
                 (f"attendance {doc['id']}", "who came, when, for how long"),
                 (f"export {doc['id']} csv", "a CSV file (1:1 spaces only)")]
        if doc["meetingId"]:
            rows.append((f"chats {doc['meetingId']}", "the post-meeting chat of its meeting"))
        month = _month_of(doc["start"])
        if month:
            rows.append((f"archives {month[0]} {month[1]}", "the archives of that example's month"))
    rows.append(("timezone Europe/Paris", "show times in Paris in this space"))
    rows.append(("subscribe all", "a recap here after each meeting ends: then press End a meeting"))
    return [{"command": command, "note": note} for command, note in rows]


def _month_of(iso: str) -> tuple[str, str] | None:
    """The first and last day of the month of an ISO date, at most 30 days apart (the API's longest window)."""
    try:
        first = date.fromisoformat(iso[:7] + "-01")
    except ValueError:
        return None
    last = first.replace(day=min(30, calendar.monthrange(first.year, first.month)[1]))
    return first.isoformat(), last.isoformat()


def _member_names(emulator: EmulatorState, room: dict) -> list[str]:
    people = [emulator.people.get(pid, {}) for pid in emulator.members.get(room["id"], ())]
    return [p["displayName"].split()[0] for p in people if p.get("displayName")]


def _group_room(emulator: EmulatorState) -> dict:
    return next(r for r in emulator.rooms.values() if r["type"] == "group" and r["title"] == GROUP_ROOM_TITLE)


def _person_in(room_id: str) -> str:
    """The e-mail of the page's chosen person (``as``), who must be a member of one of the page's spaces."""
    emulator, _ = _world()
    data = request.get_json(silent=True) if request.method == "POST" else None
    key = (data or {}).get("as") if isinstance(data, dict) else request.args.get("as")
    if key not in PEOPLE:
        raise _Refused(400, "as must be admin or user")
    email = PEOPLE[key][0]
    allowed = {emulator.direct_room(email, BOT_EMAIL)["id"], _group_room(emulator)["id"]}
    if room_id not in allowed:
        raise _Refused(404, "not one of the sandbox's spaces for that person")
    return email


class _Refused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


@bp.errorhandler(_Refused)
def _refused(exc: _Refused) -> Response:
    return refusal(exc.status, exc.message)


@bp.get("/api/rooms/<room_id>/messages")
def room_messages(room_id: str) -> Response:
    """The room's messages in order (only those after ``after``, an id, when given)."""
    _person_in(room_id)
    emulator, _ = _world()
    with emulator.lock:
        rows = [m for m in emulator.messages.values() if m["roomId"] == room_id]
    after = request.args.get("after")
    ids = [m["id"] for m in rows]
    if after in ids:
        rows = rows[ids.index(after) + 1:]
    return jsonify(messages=[message_view(emulator, m) for m in rows])


def message_view(emulator: EmulatorState, message: dict) -> dict:
    """What the page needs to show a message: author, text or markdown, its card, its files."""
    person = emulator.people.get(message["personId"], {})
    cards = [a["content"] for a in message.get("attachments") or [] if a.get("contentType") == CARD_TYPE]
    return {"id": message["id"], "parentId": message.get("parentId"), "created": message["created"],
            "person": {"name": person.get("displayName") or message["personEmail"], "email": message["personEmail"],
                       "isBot": message["personId"] == emulator.bot_id},
            "text": message.get("text") or "", "markdown": message.get("markdown") or "",
            "mentionsBot": emulator.bot_id in message.get("mentionedPeople", ()),
            "card": cards[0] if cards else None,
            "files": [_file_view(emulator, url) for url in message.get("files") or []]}


def _file_view(emulator: EmulatorState, url: str) -> dict:
    content_id = url.rpartition("/contents/")[2]
    name = emulator.files.get(content_id, ("file",))[0]
    return {"name": name, "url": "files/" + quote(content_id, safe="")}


@bp.post("/api/rooms/<room_id>/messages")
def post_message(room_id: str) -> tuple[Response, int]:
    """Say something in a room as the chosen person (a group-space message @mentions the bot)."""
    email = _person_in(room_id)
    emulator, _ = _world()
    text = str((request.get_json(silent=True) or {}).get("text") or "").strip()
    if not text:
        raise _Refused(400, "type a message first")
    if len(text.encode()) > MAX_TEXT_BYTES:
        raise _Refused(400, f"a message holds at most {MAX_TEXT_BYTES} bytes")
    bot_name = emulator.person_by_email(BOT_EMAIL)["displayName"]
    if room_id == _group_room(emulator)["id"] and not re.search(rf"@{re.escape(bot_name)}\b", text, re.IGNORECASE):
        text = f"@{bot_name} {text}"  # the emulator turns it into a <spark-mention> of the bot, as Webex does
    try:
        message = emulator.post_as(email, room_id, text)
    except (KeyError, ValueError) as exc:
        raise _Refused(400, str(exc)) from None
    return jsonify(message=message_view(emulator, message)), 201


@bp.post("/api/actions")
def press_button() -> tuple[Response, int]:
    """Submit a card as the chosen person: ``inputs`` is the pressed action's data merged with the input values."""
    emulator, _ = _world()
    data = request.get_json(silent=True) or {}
    message = emulator.messages.get(str(data.get("messageId") or "")) if isinstance(data, dict) else None
    inputs = data.get("inputs") if isinstance(data, dict) else None
    if message is None or not isinstance(inputs, dict):
        raise _Refused(400, "send messageId (a card's message) and inputs (an object)")
    email = _person_in(message["roomId"])
    try:
        action = emulator.submit_card(email, message["id"], {str(k): v for k, v in inputs.items()})
    except (KeyError, ValueError) as exc:
        raise _Refused(400, str(exc)) from None
    return jsonify(action=action), 201


@bp.get("/files/<content_id>")
def download(content_id: str) -> Response:
    """A file the bot posted (an export), as a download."""
    emulator, _ = _world()
    stored = emulator.files.get(content_id)
    if stored is None:
        return refusal(404, "no such file")
    name, mimetype, data = stored
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-") or "download"
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{safe}"'})
