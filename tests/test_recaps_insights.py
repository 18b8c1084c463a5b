"""Automatic recaps and late insights, over real HTTP against the emulator on SQLite (no sleeping).

A recap knows its meeting instance and fetches the insights with it, into the digest. A source still
pending (the emulator's ``late`` switch) makes the recap wait, like a late archive, within the deadline;
each later look asks again for the pending sources only. Past the deadline it is posted without them;
refused sources (403/404) are not waited for.
"""

from __future__ import annotations

import pytest

from bot.digest import decode
from tests.support.recaps_rig import DEADLINE, DELAY, end_meeting, recap_messages, recap_rig, subscribe, visible_text

INSIGHT_PATHS = ("admin/meetingSummaries", "meetingTranscripts", "admin/recordings", "meetingInvitees")


@pytest.fixture
def rig(tmp_path, emulator):
    with recap_rig(tmp_path, emulator[0]) as rig:
        yield rig


def insight_calls(rig, path: str) -> int:
    return len(rig.emulator.calls("GET", path))


def stored_insights(rig, archive_id: str):
    return decode(rig.jobs.services.store.load_digest(archive_id).body).insights


def ledger(rig, meeting_id):
    (row,) = rig.jobs.services.store.deliveries(meeting_id)
    return row


def test_a_late_recording_is_waited_for_and_the_recap_has_it_once_ready(rig):
    group = rig.group_room()
    subscribe(rig, "subscribe all", group)
    rig.emulator.insights.set_switch("recordings", "late", late_seconds=10**6)
    meeting = end_meeting(rig)
    rig.run_jobs(after=DELAY + 1)
    assert recap_messages(rig, group, meeting["id"]) == []  # the archive is there, the recording is not yet
    row = ledger(rig, meeting["id"])
    assert row.state == "waiting" and "Recording" in row.note
    assert stored_insights(rig, meeting["archiveId"]).outcome("recording").status == "not_ready"
    assert rig.emulator.calls("GET", "meetings/postMeetingChats") == []  # fetched once, on the look that posts
    before = {path: insight_calls(rig, path) for path in INSIGHT_PATHS}
    rig.emulator.insights.set_switch("recordings", "ok")  # Webex publishes it
    (job,) = rig.jobs.scheduled()
    rig.jobs.run_pending(until=job.eta)
    (recap,) = recap_messages(rig, group, meeting["id"])
    insights = stored_insights(rig, meeting["archiveId"])
    assert insights.recording is not None and not insights.pending and insights.meeting_id == meeting["id"]
    after = {path: insight_calls(rig, path) for path in INSIGHT_PATHS}
    # The later look asked for the recording only; the other sources came from the digest.
    assert {p: after[p] - before[p] for p in INSIGHT_PATHS} == {"admin/meetingSummaries": 0, "meetingTranscripts": 0,
                                                               "admin/recordings": 1, "meetingInvitees": 0}
    assert ledger(rig, meeting["id"]).state == "posted"
    # The recap knew its instance: no search of the meeting list to find it.
    assert [c for c in rig.emulator.calls("GET", "meetings") if c.path == "/v1/meetings"] == []


def test_a_source_late_past_the_deadline_is_left_out_and_the_recap_is_posted(rig):
    group = rig.group_room()
    subscribe(rig, "subscribe all", group)
    rig.emulator.insights.set_switch("summaries", "late", late_seconds=10**6)
    meeting = end_meeting(rig)
    rig.run_jobs(after=DEADLINE - 30)
    assert recap_messages(rig, group, meeting["id"]) == []
    rig.run_jobs(after=DEADLINE + 1)
    (recap,) = recap_messages(rig, group, meeting["id"])
    text = visible_text(recap)
    assert " ".join(meeting["title"].split()) in text and "No recap" not in text
    row = ledger(rig, meeting["id"])
    assert row.state == "posted" and row.attempts >= 2
    insights = stored_insights(rig, meeting["archiveId"])
    assert insights.summary is None and insights.outcome("summary").pending
    assert insights.recording is not None and insights.speakers is not None
    # Every look asked for the summary again, but for the recording only once.
    assert insight_calls(rig, "admin/recordings") == 1 and insight_calls(rig, "admin/meetingSummaries") >= 2


@pytest.mark.parametrize("mode", ["forbidden", "missing"])
def test_refused_sources_are_not_waited_for(rig, mode):
    direct = rig.direct_room()
    subscribe(rig, "subscribe all", direct)
    rig.emulator.insights.set_switch("all", mode)
    meeting = end_meeting(rig)
    rig.run_jobs(after=DELAY + 1)
    (recap,) = recap_messages(rig, direct, meeting["id"])  # at the first look, without the sources
    insights = stored_insights(rig, meeting["archiveId"])
    assert not insights.pending and [o.available for o in insights.outcomes] == [False] * 4
    assert ledger(rig, meeting["id"]).attempts == 0


def test_the_recaps_buttons_read_the_insights_from_the_digest(rig):
    direct = rig.direct_room()
    subscribe(rig, "subscribe all", direct)
    meeting = end_meeting(rig)
    rig.run_jobs(after=DELAY + 1)
    (recap,) = recap_messages(rig, direct, meeting["id"])
    rig.emulator.clear_log()
    rig.press(recap["id"], "Show", inputs={"table": "attendance"})
    rig.run_jobs()
    assert all(insight_calls(rig, path) == 0 for path in INSIGHT_PATHS)
    assert rig.emulator.calls("GET", "meetings") == []
