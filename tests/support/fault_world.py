"""The emulator as its own process for the multi-process tests, with a world built for a storm of webhooks.

``python -m tests.support.fault_world PLAN.json WORLD.json PORT LATENCY_MS`` builds the emulator, adds the
people, spaces, archives and bot cards of the plan (``build_world``), writes what it made to ``WORLD.json``
(ids the test acts on), then serves on ``127.0.0.1:PORT`` until terminated. Two read-only endpoints
beside the emulator's own: ``GET /_world/messages`` (every message, compact) and ``GET /_world/stats``
(answers by status, archive fetches by archive and status), so the test never pulls the full request log.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

from flask import Blueprint, Flask, jsonify
from werkzeug.serving import WSGIRequestHandler

from bot.sandbox.emulator import (
    ADMIN_EMAIL,
    BOT_EMAIL,
    CARD_TYPE,
    EmulatorState,
    create_emulator,
    now_utc,
    store_message,
)
from bot.sandbox.generator import generate_archive
from bot.sandbox.server import make_loopback_server

GUEST_EMAIL = "guest@partner.test"  # a member of the group spaces who is no admin (RECAP_ADMINS=@example.com)
ARCHIVE_PATH = "/v1/recordingReport/meetingArchives/"
world_bp = Blueprint("fault_world", __name__)


def host_email(n: int) -> str:
    """The e-mail address of meeting host ``n``."""
    return f"host{n:02d}@example.com"


def build_world(state: EmulatorState, plan: dict) -> dict:
    """People, ``groups`` group spaces, ``directs`` 1:1 spaces, ``archives`` small archives, ``cards`` bot cards."""
    state.add_person(GUEST_EMAIL, "Gus Guest")
    for n in range(plan["hosts"]):
        state.add_person(host_email(n), f"Host {n:02d}")
    people = [state.add_person(f"person{n:02d}@example.com", f"Person {n:02d}")["emails"][0]
              for n in range(plan["directs"])]
    directs = [{"id": state.direct_room(email, BOT_EMAIL)["id"], "person": email, "type": "direct"}
               for email in people]
    groups = []
    for n in range(plan["groups"]):
        member = people[n % len(people)]
        room = state.add_room(f"Storm group {n:02d}", [ADMIN_EMAIL, member, GUEST_EMAIL, BOT_EMAIL])
        groups.append({"id": room["id"], "person": member, "type": "group"})
    archives = [_archive(state, n) for n in range(plan["archives"])]
    spaces = groups + directs
    cards = [_card(state, spaces[n % len(spaces)], n) for n in range(plan["cards"])]
    return {"groups": groups, "directs": directs, "archives": archives, "cards": cards, "guest": GUEST_EMAIL,
            "hosts": [host_email(n) for n in range(plan["hosts"])]}


def _archive(state: EmulatorState, n: int) -> str:
    start = now_utc() - timedelta(days=1 + n % 20, hours=n % 7)
    detail = generate_archive(1000 + n, participants=8, chats=12, polls=1, questions=2, start=start,
                              title=f"Storm archive {n:03d}")
    state.add_archive(detail)
    return detail["archiveId"]


def _card(state: EmulatorState, space: dict, n: int) -> dict:
    """A bot message with a card and a button, as the bot leaves them; pressing it names the view in ``inputs``."""
    card = {"type": "AdaptiveCard", "version": "1.3", "body": [{"type": "TextBlock", "text": f"Storm card {n}"}],
            "actions": [{"type": "Action.Submit", "title": "Show", "data": {}}]}
    fields = {"markdown": f"Storm card {n}", "attachments": [{"contentType": CARD_TYPE, "content": card}]}
    message = store_message(state, state.bot_id, space["id"], fields)
    return {"id": message["id"], "roomId": space["id"], "person": space["person"]}


@world_bp.get("/messages")
def messages():
    """Every message: id, space, thread, author and markdown (what the test counts answers with)."""
    from bot.sandbox.emulator import state

    with state().lock:
        items = list(state().messages.values())
    return jsonify([{k: m.get(k) for k in ("id", "roomId", "parentId", "personEmail", "markdown")} for m in items])


@world_bp.get("/stats")
def stats():
    """Answers by HTTP status, and archive-detail fetches by archive id and status."""
    from bot.sandbox.emulator import state

    with state().lock:
        calls = [(r.method, r.path, r.status) for r in state().requests]
    fetches = Counter(f"{path[len(ARCHIVE_PATH):]} {status}" for method, path, status in calls
                      if method == "GET" and path.startswith(ARCHIVE_PATH))
    return jsonify(statuses=Counter(str(status) for _, _, status in calls), requests=len(calls),
                   archive_fetches=fetches)


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


def create_world_emulator(plan: dict, latency_ms: int) -> tuple[Flask, dict]:
    """The emulator app (no sandbox seed) with the plan's world, and the world's ids."""
    app = create_emulator(seed=False, latency_ms=latency_ms)
    world = build_world(app.extensions["webex_emulator"], plan)
    app.register_blueprint(world_bp, url_prefix="/_world")
    return app, world


def main(argv: list[str]) -> None:
    """Build the world, write its ids, serve until terminated."""
    plan_path, world_path, port, latency_ms = argv
    app, world = create_world_emulator(json.loads(Path(plan_path).read_text()), int(latency_ms))
    server = make_loopback_server(app, "127.0.0.1", int(port), request_handler=_Quiet)
    Path(world_path).write_text(json.dumps(world))
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        server.server_close()


if __name__ == "__main__":
    main(sys.argv[1:])
