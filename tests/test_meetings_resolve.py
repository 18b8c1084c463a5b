"""Either id works: archive → ended meeting instance and back, against the emulator over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import UsageError, WebexNotFound
from bot.meetings import (
    ArchiveHead,
    archive_for_instance,
    archive_head,
    get_meeting,
    instance_for_archive,
    resolve,
)
from bot.sandbox.emulator import SANDBOX_ADMIN_TOKEN
from bot.sandbox.generator import generate_archive
from bot.webex import WebexClient

HOST = ("Alice Martin", "alice@example.com")


@pytest.fixture
def admin(emulator) -> WebexClient:
    server, _ = emulator
    return WebexClient(server.api_url, SANDBOX_ADMIN_TOKEN, role="admin", timeout=10)


def test_every_seeded_meeting_resolves_both_ways(emulator, admin):
    _, state = emulator
    pairs = dict(state.archive_meetings)
    assert len(pairs) >= 6
    for archive_id, meeting_id in pairs.items():
        there = resolve(admin, archive_id)
        assert (there.archive_id, there.meeting_id, there.meeting.id) == (archive_id, meeting_id, meeting_id)
        back = resolve(admin, f"  {meeting_id} ")
        assert (back.archive_id, back.meeting_id) == (archive_id, meeting_id)


def test_the_archive_head_is_read_without_the_lists(emulator, admin):
    _, state = emulator
    archive = next(a for a in state.archives.values() if a["title"] == "Quarterly all-hands 📣")
    head = archive_head(admin, archive["archiveId"])
    assert head == ArchiveHead(archive["archiveId"], archive["title"], head.start, head.end, "Bilal Haddad",
                               "bilal@example.com")
    assert head.start.isoformat().startswith(archive["start"][:19])


def two_same_titled(state, hours_apart: float, *, other_host: tuple[str, str] = HOST) -> tuple[dict, dict]:
    """Two archives titled alike, ``hours_apart`` apart (the second by ``other_host``), and their meetings."""
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
    first = generate_archive(101, participants=6, chats=4, polls=0, questions=0, start=start, title="Standup",
                             host=HOST)
    second = generate_archive(202, participants=6, chats=4, polls=0, questions=0,
                              start=start + timedelta(hours=hours_apart), title="  standup ", host=other_host)
    return ({"archive": first, "meeting": state.add_archive(first)},
            {"archive": second, "meeting": state.add_archive(second)})


@pytest.mark.parametrize("hours_apart", [3, 0.5])
def test_two_same_titled_meetings_of_one_host_each_find_their_own(emulator, admin, hours_apart):
    _, state = emulator
    for pair in two_same_titled(state, hours_apart):
        archive_id, meeting_id = pair["archive"]["archiveId"], pair["meeting"]["id"]
        assert resolve(admin, archive_id).meeting_id == meeting_id
        assert resolve(admin, meeting_id).archive_id == archive_id


def test_the_same_title_at_the_same_time_by_another_host_is_told_apart_by_the_host(emulator, admin):
    _, state = emulator
    mine, theirs = two_same_titled(state, 0, other_host=("Bilal Haddad", "bilal@example.com"))
    for pair in (mine, theirs):
        assert resolve(admin, pair["archive"]["archiveId"]).meeting_id == pair["meeting"]["id"]
        assert resolve(admin, pair["meeting"]["id"]).archive_id == pair["archive"]["archiveId"]


def test_no_match_either_way_gives_none_not_an_error(emulator, admin):
    _, state = emulator
    lonely = state.add_meeting({"id": "0123456789abcdef0123456789abcdef_I_5", "title": "Never archived",
                                "start": "2026-01-05T09:00:00Z", "end": "2026-01-05T10:00:00Z",
                                "hostEmail": HOST[1], "hostDisplayName": HOST[0]})
    assert resolve(admin, lonely["id"]).archive_id is None
    summary_only = {"archiveId": "00112233445566778899AABBCCDDEEFF_R_9", "serviceType": "MeetingCenter",
                    "title": "Listed only", "createTime": "2026-01-05T11:00:00Z"}
    state.add_archive_summaries([summary_only])
    assert resolve(admin, summary_only["archiveId"]).meeting_id is None
    renamed = ArchiveHead("x", "Weekly sync (renamed)", datetime.now(UTC) - timedelta(days=1),
                          datetime.now(UTC) - timedelta(days=1) + timedelta(hours=1), "Alice Martin", HOST[1])
    assert instance_for_archive(admin, renamed) is None
    no_times = ArchiveHead("x", "Weekly sync", None, None, "", None)
    assert instance_for_archive(admin, no_times) is None


def test_an_archive_not_published_yet_is_none_then_found(emulator, admin):
    _, state = emulator
    ended = state.end_meeting(HOST[1], seed=9, late_seconds=3600, deliver=False)
    meeting = get_meeting(admin, ended["id"])
    assert archive_for_instance(admin, meeting) is None
    for pending in list(state.pending_releases):  # the hour is up: the emulator publishes on the next request
        pending.release_at = 0.0
    assert archive_for_instance(admin, meeting).archive_id == ended["archiveId"]


def test_what_is_neither_id_is_a_usage_error_and_an_unknown_id_is_not_found(admin):
    with pytest.raises(UsageError):
        resolve(admin, "weekly sync")
    with pytest.raises(WebexNotFound):
        resolve(admin, "0123456789abcdef0123456789abcdef_I_404")
    with pytest.raises(WebexNotFound):
        resolve(admin, "0123456789ABCDEF0123456789ABCDEF_R_404")
