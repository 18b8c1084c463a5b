"""Automatic recaps end to end over real HTTP: subscribe, a meeting ends in the emulator, one recap card arrives.

The emulator delivers the signed org ``meetings/ended`` webhook to the bot's web edge; jobs run with
``rig.run_jobs(after=…)`` (seconds of queue time, never slept). Settings: first look 60 s after the
end, deadline 600 s.
"""

from __future__ import annotations

import json
import time

import pytest

from bot.sandbox.emulator import ADMIN_EMAIL, USER_EMAIL, RateLimit
from bot.sandbox.generator import generate_meeting_chats
from tests.support.recaps_rig import (
    DEADLINE,
    DELAY,
    end_meeting,
    recap_messages,
    recap_rig,
    subscribe,
    visible_text,
)


@pytest.fixture
def rig(tmp_path, emulator):
    with recap_rig(tmp_path, emulator[0]) as rig:
        yield rig


def ledger(rig, meeting_id):
    return rig.jobs.services.store.deliveries(meeting_id)


def test_subscribe_then_a_meeting_ends_gives_exactly_one_recap_card_after_the_delay(rig):
    group = rig.group_room()
    subscribe(rig, "subscribe all", group)
    meeting = end_meeting(rig)
    assert rig.run_jobs() == 1  # the meetings/ended job: it only schedules
    assert recap_messages(rig, group, meeting["id"]) == []
    rig.run_jobs(after=DELAY - 10)
    assert recap_messages(rig, group, meeting["id"]) == []
    rig.run_jobs(after=DELAY + 1)
    (recap,) = recap_messages(rig, group, meeting["id"])
    text = visible_text(recap)
    assert meeting["title"] in text and "Attendance" in text
    assert ADMIN_EMAIL not in text  # a group space gets the privacy view: no addresses
    (row,) = ledger(rig, meeting["id"])
    assert (row.state, row.message_id, row.archive_id) == ("posted", recap["id"], meeting["archiveId"])
    rig.run_jobs(after=DEADLINE * 2)
    assert len(recap_messages(rig, group, meeting["id"])) == 1
    assert [c.query["meetingId"] for c in rig.emulator.calls("GET", "meetings/postMeetingChats")] == [meeting["id"]]


def test_a_1to1_space_with_the_admin_gets_the_full_view(rig):
    direct = rig.direct_room()
    subscribe(rig, "subscribe host Admin@Example.com", direct)
    meeting = end_meeting(rig)
    rig.run_jobs(after=DELAY + 1)
    (recap,) = recap_messages(rig, direct, meeting["id"])
    assert ADMIN_EMAIL in visible_text(recap)  # the host's address: only a 1:1 with an admin shows it


def test_an_automatic_recap_says_where_the_meeting_lives_and_links_to_it(rig):
    group = rig.group_room()
    subscribe(rig, "subscribe all", group)
    meeting = end_meeting(rig)
    rig.run_jobs(after=DELAY + 1)
    (recap,) = recap_messages(rig, group, meeting["id"])
    number = meeting["meetingNumber"]  # GET /meetings/{id} gives these; the archive has none of them
    assert len(number) == 10 and f"Meeting {number[:3]} {number[3:6]} {number[6:]} · {meeting['siteUrl']}" in (
        visible_text(recap))
    assert f"[Open in Webex]({meeting['webLink']})" in visible_text(recap)
    assert f"[Open in Webex]({meeting['webLink']})" in recap["markdown"]
    # The stored digest remembers the meeting: its views link to it too.
    rig.press(recap["id"], "Show", inputs={"table": "attendance"})
    rig.run_jobs()
    assert f"[Open in Webex]({meeting['webLink']})" in visible_text(rig.replies(group)[-1])


def test_a_meeting_of_another_host_is_not_posted(rig):
    group = rig.group_room()
    subscribe(rig, "subscribe host someone.else@example.com", group)
    meeting = end_meeting(rig)
    rig.run_jobs(after=DEADLINE * 2)
    assert recap_messages(rig, group, meeting["id"]) == [] and ledger(rig, meeting["id"]) == []


def test_data_late_by_several_looks_is_posted_once_when_ready_with_growing_delays(rig):
    group = rig.group_room()
    subscribe(rig, "subscribe site https://EXAMPLE.webex.com/meet", group)
    meeting = end_meeting(rig, late_requests=3)  # hidden from the first three archive listings
    rig.run_jobs()
    dues = []
    while not recap_messages(rig, group, meeting["id"]):
        (job,) = rig.jobs.scheduled()
        dues.append(job.eta)
        rig.jobs.run_pending(until=job.eta)
    assert len(rig.emulator.calls("GET", "recordingReport/meetingArchiveSummaries")) == 4
    gaps = [(b - a).total_seconds() for a, b in zip(dues, dues[1:], strict=False)]
    assert len(gaps) == 3 and gaps == sorted(gaps) and gaps[0] < gaps[-1]
    (row,) = ledger(rig, meeting["id"])
    assert (row.state, row.attempts) == ("posted", 3)
    rig.run_jobs(after=DEADLINE * 2)
    assert len(recap_messages(rig, group, meeting["id"])) == 1 and rig.jobs.scheduled() == []


def test_meetings_ended_delivered_three_times_gives_one_post(rig):
    group = rig.group_room()
    subscribe(rig, "subscribe all", group)
    meeting = end_meeting(rig)
    delivery = rig.wait_delivered(meeting["id"])
    body = json.dumps(delivery.body).encode()
    assert [rig.post(body).status_code for _ in range(2)] == [200, 200]  # the web edge: duplicates
    # Past the edge too (its keys pruned, or another web process): the ledger keeps one delivery.
    for _ in range(2):
        rig.jobs.enqueue("meeting_ended", delivery.body)
    rig.run_jobs(after=DEADLINE * 2)
    assert len(recap_messages(rig, group, meeting["id"])) == 1
    assert len(ledger(rig, meeting["id"])) == 1


def test_two_subscriptions_matching_one_meeting_in_one_space_give_one_post(rig):
    group, direct = rig.group_room(), rig.direct_room()
    subscribe(rig, "subscribe all", group)
    subscribe(rig, "subscribe host admin@example.com", group)
    subscribe(rig, "subscribe all", direct)
    meeting = end_meeting(rig)
    rig.run_jobs(after=DEADLINE * 2)
    assert len(recap_messages(rig, group, meeting["id"])) == 1
    assert len(recap_messages(rig, direct, meeting["id"])) == 1
    assert sorted(r.room_id for r in ledger(rig, meeting["id"])) == sorted([group, direct])


def test_data_never_ready_gives_a_could_not_be_produced_card_at_the_deadline(rig):
    group = rig.group_room()
    subscribe(rig, "subscribe all", group)
    meeting = end_meeting(rig, late_seconds=10**6)
    rig.run_jobs(after=DEADLINE - 30)
    assert recap_messages(rig, group, meeting["id"]) == []
    (job,) = rig.jobs.scheduled()
    assert job.payload["due"] <= ledger(rig, meeting["id"])[0].deadline_at.isoformat()  # the last look: the deadline
    rig.run_jobs(after=DEADLINE + 1)
    (card,) = recap_messages(rig, group, meeting["id"])
    text = visible_text(card)
    assert "No recap for this meeting" in text and "could not be produced" in text
    assert meeting["title"] in text and "has appeared yet" in text  # why: no archive by that title
    (row,) = ledger(rig, meeting["id"])
    assert row.state == "gave_up" and row.attempts >= 5
    assert rig.jobs.scheduled() == []


def test_refused_credentials_give_up_at_once_and_say_why(rig):
    group = rig.group_room()
    subscribe(rig, "subscribe all", group)
    meeting = end_meeting(rig)
    rig.run_jobs()
    rig.emulator.inject_fault(403, path_prefix="meetings/", count=1)
    rig.run_jobs(after=DELAY + 1)
    (card,) = recap_messages(rig, group, meeting["id"])
    assert "Webex refused access" in visible_text(card)
    assert ledger(rig, meeting["id"])[0].state == "gave_up"


def test_unsubscribing_before_the_recap_is_due_posts_nothing(rig):
    group = rig.group_room()
    subscribe(rig, "subscribe all", group)
    meeting = end_meeting(rig)
    rig.run_jobs()
    subscribe(rig, "unsubscribe all", group)
    rig.run_jobs(after=DEADLINE * 2)
    assert recap_messages(rig, group, meeting["id"]) == []
    assert ledger(rig, meeting["id"])[0].state == "cancelled"


def test_a_rate_limited_post_is_retried_and_posted_once(rig):
    group = rig.group_room()
    subscribe(rig, "subscribe all", group)
    meeting = end_meeting(rig)
    rig.run_jobs()
    rig.emulator.inject_fault(429, path_prefix="messages", count=1, retry_after=30)
    rig.run_jobs(after=DELAY + 1)
    assert recap_messages(rig, group, meeting["id"]) == []
    assert ledger(rig, meeting["id"])[0].state == "waiting"  # the claim was given back: nothing was posted
    rig.run_jobs(after=DELAY + 40)
    assert len(recap_messages(rig, group, meeting["id"])) == 1


@pytest.mark.parametrize("refused", ["recordingReport/meetingArchives/", "messages"])
def test_a_look_cut_short_by_a_429_resumes_where_it_stopped(rig, refused):
    """Under a sustained rate limit a look that started over would spend its calls again and again."""
    group = rig.group_room()
    subscribe(rig, "subscribe all", group)
    meeting = end_meeting(rig)
    rig.run_jobs()
    rig.emulator.inject_fault(429, path_prefix=refused, count=1, retry_after=5)
    rig.run_jobs(after=DELAY + 1)
    assert recap_messages(rig, group, meeting["id"]) == []
    rig.emulator.clear_log()
    rig.run_jobs(after=DELAY + 10)
    assert len(recap_messages(rig, group, meeting["id"])) == 1
    admin_calls = [c.path for c in rig.emulator.calls("GET") if "Bearer sandbox-admin" in c.headers["Authorization"]]
    # The meeting and the archive search were remembered from the first look. Refused on the archive: one archive
    # fetch, no more. Refused on the post: the first look had stored the archive's digest, so nothing is fetched.
    fetched = ([f"/v1/recordingReport/meetingArchives/{meeting['archiveId']}", "/v1/admin/recordings",
                "/v1/meetingInvitees"] if refused != "messages" else [])  # and its insights (admin's), once
    assert sorted(admin_calls) == sorted(fetched)


@pytest.mark.parametrize("space", ["direct", "group"])
def test_a_post_with_a_lost_answer_is_checked_in_a_1to1_and_not_repeated_in_a_group(rig, space):
    room = rig.direct_room() if space == "direct" else rig.group_room()
    subscribe(rig, "subscribe all", room)
    meeting = end_meeting(rig)
    rig.run_jobs()
    rig.emulator.inject_fault(502, path_prefix="messages", count=1)  # did it post? the bot cannot tell
    rig.run_jobs(after=DELAY + 1)
    assert ledger(rig, meeting["id"])[0].state == "claimed"
    rig.run_jobs(after=DELAY + 11 * 60)  # after the claim's lease
    (row,) = ledger(rig, meeting["id"])
    if space == "direct":  # the bot lists its 1:1 messages, finds no marker, posts
        assert row.state == "posted" and len(recap_messages(rig, room, meeting["id"])) == 1
        assert rig.emulator.calls("GET", "messages")
    else:  # a bot cannot list a group space's messages: at most once, and said so
        assert row.state == "unknown" and recap_messages(rig, room, meeting["id"]) == []
        outcomes = [a.outcome for a in rig.jobs.services.store.audit_log() if a.command == "auto-recap"]
        assert outcomes[-1].startswith("unknown")


def test_an_ordinary_user_cannot_subscribe_a_space(rig):
    group = rig.group_room()
    answer = subscribe(rig, "subscribe all", group, email=USER_EMAIL)
    assert "only Recap's admins may see" in visible_text(answer)
    assert rig.jobs.services.store.subscriptions(group) == []


def test_a_chat_listing_cut_short_by_the_rate_limit_resumes_at_its_offset(rig):
    """10 pages of post-meeting chats; Webex's limit bites after 5 requests: the next look goes on, none twice."""
    group = rig.group_room()
    subscribe(rig, "subscribe all", group)
    meeting = end_meeting(rig)
    rig.emulator.add_meeting_chats(meeting["id"], generate_meeting_chats(meeting["id"], 1000, seed=5), replace=True)
    rig.run_jobs()
    rig.emulator.clear_log()
    # Every token: 8 calls, then Retry-After: 6 s, longer than a worker waits in place (the job is rescheduled).
    rig.emulator.rate_limit = RateLimit(per_minute=10, burst=8)
    rig.run_jobs(after=DELAY + 1)
    assert recap_messages(rig, group, meeting["id"]) == []
    refused = [c for c in rig.emulator.calls("GET", "meetings/postMeetingChats") if c.status == 429]
    assert refused, "the limit should have cut the listing short"
    rig.emulator.rate_limit = None
    time.sleep(6.5)  # the bot holds the credential for Retry-After (real time), as Webex asked
    rig.run_jobs(after=DELAY + 120)
    (posted,) = recap_messages(rig, group, meeting["id"])
    assert "Chat 1,000 messages" in visible_text(posted)  # the post-meeting chat, every page counted once
    served = [int(c.query.get("offset", 0)) for c in rig.emulator.calls("GET", "meetings/postMeetingChats")
              if c.status == 200]
    assert sorted(served) == sorted(set(served))  # no page fetched twice
    assert set(range(0, 1000, 100)) <= set(served)
