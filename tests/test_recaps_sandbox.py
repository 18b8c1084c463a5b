"""The sandbox: a person subscribes a space, presses "End a meeting", and the recap card arrives on its own.

This runs the real sandbox (emulator, bot with its embedded consumer, page) with its real, shortened
delay: the recap arrives about ``SANDBOX_RECAP_DELAY`` seconds after the button, so the test waits
for it (polling the page's API, as the page does), with a generous timeout.
"""

from __future__ import annotations

import time

import pytest
import requests

from bot.cli.sandbox import start_sandbox
from bot.config import Settings
from bot.recaps import marker
from bot.sandbox.page import SANDBOX_RECAP_DELAY, TOKEN_HEADER, RendererSources
from bot.storage import create_store

WAIT = SANDBOX_RECAP_DELAY + 60  # a deadline for the event, not a timing claim: a loaded CI machine is slow


@pytest.fixture(scope="module")
def sandbox():
    with start_sandbox(Settings(), port=0, renderer=RendererSources.resolve({}, installed=False)) as running:
        yield running


def group_room(sandbox) -> str:
    world = requests.get(sandbox.url + "api/world", timeout=10).json()
    return world["group"]["id"]


def messages(sandbox, room_id: str) -> list[dict]:
    return requests.get(f"{sandbox.url}api/rooms/{room_id}/messages", params={"as": "admin"},
                        timeout=10).json()["messages"]


def wait_for(sandbox, room_id: str, found, what: str) -> list[dict]:
    deadline = time.monotonic() + WAIT
    while not (hits := [m for m in messages(sandbox, room_id) if found(m)]):
        assert time.monotonic() < deadline, f"no {what} within {WAIT:g} s"
        time.sleep(0.1)
    return hits


@pytest.mark.slow
def test_subscribe_end_a_meeting_and_the_recap_arrives(sandbox):
    group = group_room(sandbox)
    sent = requests.post(f"{sandbox.url}api/rooms/{group}/messages", json={"as": "admin", "text": "subscribe all"},
                         headers={TOKEN_HEADER: sandbox.token}, timeout=10)
    assert sent.status_code == 201
    wait_for(sandbox, group, lambda m: m["parentId"] == sent.json()["message"]["id"], "subscription card")
    ended = requests.post(f"{sandbox.url}api/meetings/end", json={"title": "Sandbox retro"},
                          headers={TOKEN_HEADER: sandbox.token}, timeout=10)
    assert ended.status_code == 201 and ended.json()["delivered"] is True
    meeting_id = ended.json()["meeting"]["id"]
    (recap,) = wait_for(sandbox, group, lambda m: marker(meeting_id) in m["markdown"], "recap card")
    assert recap["person"]["isBot"] and "Sandbox retro" in str(recap["card"])
    store = create_store(sandbox.settings.database_url)  # the bot's own database, read from outside
    assert [d.state for d in store.deliveries(meeting_id)] == ["posted"]
    store.engine.dispose()


@pytest.mark.parametrize("body", [{"hostEmail": "not-an-address"}, {"late": "tomorrow"}])
def test_the_button_refuses_bad_values(sandbox, body):
    before = len(sandbox.state.meetings)
    response = requests.post(f"{sandbox.url}api/meetings/end", json=body, headers={TOKEN_HEADER: sandbox.token},
                             timeout=10)
    assert response.status_code == 400 and response.json()["error"]
    assert len(sandbox.state.meetings) == before
