"""The rig for the bot's end-to-end tests: the bot served on loopback port 0 against the emulator fixture.

People act through the emulator (``post_as``, ``submit_card``), which stores the message and
delivers the signed webhook to the bot over HTTP; the bot's web edge queues the job in a SQLite
Huey file; the test runs due jobs with ``rig.run_jobs()`` and asserts on what the emulator received.
(No tests here: this module only holds the rig, under a name the test modules can import.)
"""

from __future__ import annotations

import json
import re
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from bot.app import create_app, jobs_of
from bot.cards import card_nodes
from bot.config import Secret, Settings
from bot.jobs import Jobs
from bot.sandbox.emulator import (
    ADMIN_EMAIL,
    BOT_EMAIL,
    SANDBOX_ADMIN_TOKEN,
    SANDBOX_BOT_TOKEN,
    SANDBOX_COMPLIANCE_TOKEN,
    USER_EMAIL,
    EmulatorState,
)
from bot.sandbox.server import serve_in_thread
from bot.webex import sign

SECRET = "e2e-webhook-secret"
EXAMPLE_ARCHIVE = "4E3254897D3A2E24E05386CA24AD93A6_R_1000637312"
WEBHOOK_PATH = "/webhooks/webex"


@dataclass
class Rig:
    """The emulator, the bot, and helpers to act as a person and to look at what the bot did."""

    emulator: EmulatorState
    emulator_url: str
    bot_url: str
    jobs: Jobs
    settings: Settings

    @property
    def bot_id(self) -> str:
        """The bot's person id in the emulator."""
        return self.emulator.bot_id

    def direct_room(self, email: str = ADMIN_EMAIL) -> str:
        """The 1:1 space of ``email`` with the bot."""
        return self.emulator.direct_room(email, BOT_EMAIL)["id"]

    def group_room(self) -> str:
        """The sandbox group space (admin, user and the bot are members)."""
        return next(r["id"] for r in self.emulator.rooms.values()
                    if r["type"] == "group" and self.emulator.is_member(r["id"], self.bot_id)
                    and self.emulator.is_member(r["id"], self.emulator.person_by_email(USER_EMAIL)["id"]))

    def say(self, text: str, *, email: str = ADMIN_EMAIL, room_id: str | None = None) -> dict:
        """Post ``text`` as ``email`` (default: the admin, 1:1) and wait until the bot answered the webhook."""
        message = self.emulator.post_as(email, room_id or self.direct_room(email), text)
        self.wait_delivered(message["id"])
        return message

    def press(self, card_message_id: str, title: str, *, email: str = ADMIN_EMAIL, inputs: dict | None = None) -> dict:
        """Press the card's button titled ``title`` as ``email`` and wait for the delivery."""
        action = self.emulator.submit_card(email, card_message_id, inputs or {}, action_title=title)
        self.wait_delivered(action["id"])
        return action

    def wait_delivered(self, data_id: str, timeout: float = 5.0):
        """The finished delivery of the event about ``data_id`` (the bot's HTTP status is in ``.status``)."""
        with self.emulator.delivered:
            self.emulator.delivered.wait_for(lambda: self._delivery(data_id) is not None, timeout)
            delivery = self._delivery(data_id)
        assert delivery is not None, f"no delivery for {data_id} within {timeout}s"
        return delivery

    def _delivery(self, data_id: str):
        return next((d for d in self.emulator.deliveries if d.body["data"]["id"] == data_id and
                     (d.status is not None or d.error)), None)

    def run_jobs(self, *, after: float = 0.0) -> int:
        """Run every queued job, and scheduled ones due within ``after`` seconds from now."""
        return self.jobs.run_pending(until=datetime.now(UTC) + timedelta(seconds=after))

    def replies(self, room_id: str | None = None) -> list[dict]:
        """Messages the bot posted (in ``room_id`` when given), oldest first."""
        return [m for m in self.emulator.messages.values()
                if m["personId"] == self.bot_id and (room_id is None or m["roomId"] == room_id)]

    def post(self, body: bytes, *, signature: str | None = "sign", headers: dict | None = None) -> requests.Response:
        """POST raw bytes to the bot's webhook endpoint, signed with the secret unless told otherwise."""
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if signature == "sign":
            all_headers["X-Spark-Signature"] = sign(SECRET, body)
        elif signature is not None:
            all_headers["X-Spark-Signature"] = signature
        return requests.post(self.bot_url + WEBHOOK_PATH, data=body, headers=all_headers, timeout=10)


def ask(rig: Rig, text: str, **where) -> dict:
    """Say ``text``, run the job, and return the bot's one reply to it."""
    message = rig.say(text, **where)
    rig.run_jobs()
    replies = [m for m in rig.replies() if m.get("parentId") == message["id"]]
    assert len(replies) == 1, f"expected one reply to {text!r}, got {len(replies)}"
    return replies[0]


def card_of(message: dict) -> dict:
    """The Adaptive Card a message carries."""
    (attachment,) = message["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    return attachment["content"]


nodes_of = card_nodes  # every dict in a card, depth first (bot.cards.checks walks cards the same way)


def texts_of(node) -> list[str]:
    """Every ``text``, ``title`` and ``value`` string in a card, depth first (what a reader sees)."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("text", "title", "value") and isinstance(value, str):
                found.append(value)
            else:
                found.extend(texts_of(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(texts_of(item))
    return found


def card_text(message: dict) -> str:
    """All visible text of a message's card, one string, with markdown escapes undone (as a reader sees it)."""
    return re.sub(r"\\(.)", r"\1", "\n".join(texts_of(card_of(message))))


def envelope(data: dict, *, resource: str = "messages", event: str = "created", created_by: str = "") -> bytes:
    """A webhook delivery body like Webex's."""
    return json.dumps({"id": "WEBHOOK", "name": "test", "resource": resource, "event": event,
                       "createdBy": created_by, "data": data}).encode()


def bot_settings(tmp_path: Path, api_url: str, **changes) -> Settings:
    """Settings that point the bot at the emulator, with SQLite files in ``tmp_path``."""
    settings = Settings(bot_token=Secret(SANDBOX_BOT_TOKEN), admin_token=Secret(SANDBOX_ADMIN_TOKEN),
                        compliance_token=Secret(SANDBOX_COMPLIANCE_TOKEN), webhook_secret=Secret(SECRET),
                        api_url=api_url, admins=(ADMIN_EMAIL,), http_timeout=10,
                        database_url=f"sqlite:///{tmp_path / 'recap.db'}",
                        queue_url=f"sqlite:///{tmp_path / 'queue.db'}")
    return settings.replace(**changes)


@contextmanager
def running_rig(tmp_path: Path, emulator_server, **settings_changes):
    """Start the bot against a served emulator, register the bot's webhooks, yield the ``Rig``, stop the bot."""
    emulator = emulator_server.app.extensions["webex_emulator"]
    settings = bot_settings(tmp_path, emulator_server.api_url, **settings_changes)
    app = create_app(settings)
    with serve_in_thread(app) as bot_server:
        for resource in ("messages", "attachmentActions"):
            requests.post(emulator_server.api_url + "webhooks", timeout=10,
                          headers={"Authorization": f"Bearer {SANDBOX_BOT_TOKEN}"},
                          json={"name": f"recap {resource}", "targetUrl": bot_server.url + WEBHOOK_PATH,
                                "resource": resource, "event": "created", "secret": SECRET}).raise_for_status()
        emulator.clear_log()
        rig = Rig(emulator, emulator_server.url, bot_server.url, jobs_of(app), settings)
        yield rig
    rig.jobs.services.store.engine.dispose()
