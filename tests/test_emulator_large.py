"""The emulator serves a large archive from one rendering per (archive, zone): same bytes, no copy per request."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests

import bot.sandbox.emulator.meetings as emulator_meetings
from bot.sandbox.emulator import SANDBOX_ADMIN_TOKEN
from bot.sandbox.emulator.records import in_zone
from bot.sandbox.generator import generate_archive, generate_archive_summaries

ADMIN = {"Authorization": f"Bearer {SANDBOX_ADMIN_TOKEN}"}


@pytest.fixture
def renders(monkeypatch) -> list[str]:
    """The archive ids the emulator renders to JSON, in order (``in_zone`` is called once per rendering)."""
    seen: list[str] = []

    def counting(data, zone):
        seen.append(data.get("archiveId"))
        return in_zone(data, zone)

    monkeypatch.setattr(emulator_meetings, "in_zone", counting)
    return seen


def fetch(server, archive_id: str, zone: str | None = None) -> requests.Response:
    headers = {**ADMIN, "timezone": zone} if zone else ADMIN
    return requests.get(f"{server.api_url}recordingReport/meetingArchives/{archive_id}", headers=headers, timeout=30)


def test_a_large_archive_is_rendered_once_per_zone_and_served_byte_for_byte(emulator, renders):
    server, state = emulator
    raw = generate_archive(seed=21, participants=1500, chats=6000, polls=4, questions=100)
    state.add_archive(raw)
    archive_id = raw["archiveId"]
    first, second = fetch(server, archive_id), fetch(server, archive_id)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content == json.dumps(in_zone(state.archives[archive_id], None),
                                                         ensure_ascii=False).encode()
    assert len(first.content) > 2 * 2**20 and first.headers["Content-Length"] == str(len(first.content))
    assert state.rendered[(archive_id, "UTC")] is state.rendered[(archive_id, "UTC")]
    tokyo = [fetch(server, archive_id, "Asia/Tokyo") for _ in range(3)]
    assert {r.content for r in tokyo} == {json.dumps(in_zone(state.archives[archive_id], ZoneInfo("Asia/Tokyo")),
                                                     ensure_ascii=False).encode()}
    assert renders == [archive_id, archive_id]  # UTC once, Tokyo once, for five requests


def test_replacing_an_archive_drops_its_renderings(emulator, renders):
    server, state = emulator
    raw = generate_archive(seed=22, participants=20, chats=10, polls=1, questions=2)
    state.add_archive(raw)
    assert fetch(server, raw["archiveId"]).json()["title"] == raw["title"]
    state.add_archive({**raw, "title": "Renamed"})
    assert fetch(server, raw["archiveId"]).json()["title"] == "Renamed"
    assert fetch(server, raw["archiveId"]).json()["title"] == "Renamed"
    assert len(renders) == 2


def test_a_rendering_made_while_the_archive_is_replaced_is_not_kept(emulator, monkeypatch):
    server, state = emulator
    raw = generate_archive(seed=23, participants=20, chats=10, polls=1, questions=2)
    state.add_archive(raw)

    def replaced_meanwhile(data, zone):
        if data.get("title") != "Renamed":
            state.add_archive({**raw, "title": "Renamed"})
        return in_zone(data, zone)

    monkeypatch.setattr(emulator_meetings, "in_zone", replaced_meanwhile)
    assert fetch(server, raw["archiveId"]).json()["title"] == raw["title"]  # what was stored when asked
    assert fetch(server, raw["archiveId"]).json()["title"] == "Renamed"  # not the stale rendering


def test_two_first_requests_at_once_render_once(emulator, monkeypatch):
    server, state = emulator
    raw = generate_archive(seed=24, participants=50, chats=50, polls=1, questions=5)
    state.add_archive(raw)
    calls = []

    def slow(data, zone):
        calls.append(1)
        time.sleep(0.3)
        return in_zone(data, zone)

    monkeypatch.setattr(emulator_meetings, "in_zone", slow)
    bodies: list[bytes] = []
    threads = [threading.Thread(target=lambda: bodies.append(fetch(server, raw["archiveId"]).content))
               for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and len(set(bodies)) == 1 and len(bodies) == 3


def test_summary_only_archives_follow_their_summary(emulator):
    server, state = emulator
    now = datetime.now(UTC)
    summary = generate_archive_summaries(1, now - timedelta(days=2), now)[0]
    state.add_archive_summaries([summary])
    assert fetch(server, summary["archiveId"]).json()["title"] == summary["title"]
    state.add_archive_summaries([{**summary, "title": "Renamed summary"}])
    assert fetch(server, summary["archiveId"]).json()["title"] == "Renamed summary"


def test_unknown_archives_are_still_404(emulator):
    server, _ = emulator
    assert fetch(server, "0000000000000000_R_1").status_code == 404
