"""Replays: a signed delivery whose event is older than the de-duplication window is acknowledged and dropped.

Its seen key may have been pruned (``SEEN_KEPT``, 7 days), so the seen table cannot tell a replay from a
new event: the event's own time does — the fetched message's (or card action's) ``created``, and a
``meetings/ended`` meeting's end. Each drop is one INFO line; nothing runs and nothing is posted.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot.storage import SEEN_KEPT, replayed, utcnow
from tests.support.bot_rig import ADMIN_EMAIL, envelope
from tests.support.recaps_rig import DELAY, recap_rig, subscribe


@pytest.fixture
def rig(tmp_path, emulator):
    with recap_rig(tmp_path, emulator[0]) as rig:
        yield rig


def long_ago(days: float = 8) -> str:
    return (utcnow() - timedelta(days=days)).isoformat().replace("+00:00", "Z")


def drops(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "replayed delivery" in r.getMessage()]


def test_a_replayed_message_is_dropped_by_its_own_time(rig, caplog):
    room = rig.direct_room()
    message = rig.emulator.post_as(ADMIN_EMAIL, room, "help")
    rig.emulator.messages[message["id"]]["created"] = long_ago()  # a delivery of last week's message
    rig.wait_delivered(message["id"])
    with caplog.at_level(logging.INFO):
        rig.run_jobs()
    assert rig.replies(room) == []
    (line,) = drops(caplog)
    assert message["id"] in line


def test_a_message_inside_the_window_is_answered(rig):
    room = rig.direct_room()
    message = rig.emulator.post_as(ADMIN_EMAIL, room, "help")
    rig.emulator.messages[message["id"]]["created"] = long_ago(days=6)  # late, but not past the window
    rig.wait_delivered(message["id"])
    rig.run_jobs()
    assert len(rig.replies(room)) == 1


def test_a_replayed_meetings_ended_opens_no_delivery(rig, caplog):
    group = rig.group_room()
    subscribe(rig, "subscribe all", group)
    meeting = rig.emulator.end_meeting(ADMIN_EMAIL, deliver=False)  # a real meeting, its webhook held back
    data = {"id": meeting["id"], "hostEmail": ADMIN_EMAIL, "siteUrl": meeting["siteUrl"], "end": long_ago()}
    answer = rig.post(envelope(data, resource="meetings", event="ended"))
    assert answer.status_code == 202  # acknowledged: Webex must not retry it
    with caplog.at_level(logging.INFO):
        rig.run_jobs(after=DELAY)
    assert rig.jobs.services.store.deliveries(data["id"]) == []
    (line,) = drops(caplog)
    assert data["id"] in line


def test_replayed_reads_the_event_time():
    now = utcnow()
    assert replayed(now - SEEN_KEPT - timedelta(seconds=1), now=now)
    assert not replayed(now - SEEN_KEPT + timedelta(seconds=1), now=now)
    assert not replayed(None) and not replayed("not a time") and not replayed("2026-01-01T00:00:00")  # no zone
    assert replayed("2020-01-01T00:00:00.000Z")
