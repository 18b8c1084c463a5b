"""The rig for the automatic-recap tests: the e2e rig plus the org ``meetings/ended`` webhook and time control.

Delays are real settings (``RECAP_RECAP_DELAY`` 60 s, deadline 600 s) but no test sleeps: due jobs
run with ``rig.run_jobs(after=…)``, and a delivery job takes its "now" from the time it was due.
(No tests here: this module only holds helpers, under a name the test modules can import.)
"""

from __future__ import annotations

import re
from contextlib import contextmanager

import requests

from bot.recaps import marker
from bot.sandbox.emulator import ADMIN_EMAIL, SANDBOX_ADMIN_TOKEN
from tests.support.bot_rig import SECRET, WEBHOOK_PATH, Rig, card_of, card_text, running_rig

DELAY, DEADLINE = 60.0, 600.0


@contextmanager
def recap_rig(tmp_path, emulator_server, **settings):
    """``running_rig`` with short recap delays and the org ``meetings/ended`` webhook registered (admin token)."""
    settings = {"recap_delay": DELAY, "recap_deadline": DEADLINE, **settings}
    with running_rig(tmp_path, emulator_server, **settings) as rig:
        register_org_webhook(emulator_server.api_url, rig.bot_url + WEBHOOK_PATH)
        yield rig


def register_org_webhook(api_url: str, target_url: str) -> dict:
    """What ``recap webhooks sync`` does for meetings: an org-owned ``meetings/ended`` webhook with the secret."""
    response = requests.post(api_url + "webhooks", timeout=10,
                             headers={"Authorization": f"Bearer {SANDBOX_ADMIN_TOKEN}"},
                             json={"name": "Recap meetings ended", "targetUrl": target_url, "resource": "meetings",
                                   "event": "ended", "secret": SECRET, "ownedBy": "org"})
    response.raise_for_status()
    return response.json()


def subscribe(rig: Rig, words: str, room_id: str, *, email: str = ADMIN_EMAIL) -> dict:
    """Send ``subscribe …`` (or any command) in a space as ``email``, run the job, return the bot's answer."""
    mention = "@Recap " if rig.emulator.rooms[room_id]["type"] == "group" else ""
    before = len(rig.replies(room_id))
    rig.say(mention + words, email=email, room_id=room_id)
    rig.run_jobs()
    answers = rig.replies(room_id)[before:]
    assert len(answers) == 1, f"expected one answer to {words!r}, got {len(answers)}"
    return answers[0]


def end_meeting(rig: Rig, *, host: str = ADMIN_EMAIL, **options) -> dict:
    """End a generated meeting in the emulator and wait until the bot accepted its ``meetings/ended`` webhook."""
    meeting = rig.emulator.end_meeting(host, **options)
    assert meeting["deliveries"] == 1, "the org meetings/ended webhook should be registered"
    assert rig.wait_delivered(meeting["id"]).status == 202
    return meeting


def recap_messages(rig: Rig, room_id: str, meeting_id: str) -> list[dict]:
    """The bot's messages in a space that carry the automatic-recap marker of ``meeting_id``."""
    return [m for m in rig.replies(room_id) if marker(meeting_id) in (m.get("markdown") or "")]


def visible_text(message: dict) -> str:
    """The card's text as a reader sees it, whitespace collapsed."""
    return re.sub(r"\s+", " ", card_text(message))


__all__ = ["DEADLINE", "DELAY", "card_of", "end_meeting", "recap_messages", "recap_rig", "register_org_webhook",
           "subscribe", "visible_text"]
