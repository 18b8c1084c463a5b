"""Each command and card action, end to end against the emulator: what is fetched, what is posted, what is audited."""

from __future__ import annotations

import json
import time

import pytest
import requests

from bot.sandbox.emulator import ADMIN_EMAIL, SANDBOX_ADMIN_TOKEN, USER_EMAIL, RateLimit
from bot.sandbox.generator import generate_meeting_chats
from tests.support.bot_rig import EXAMPLE_ARCHIVE, ask, card_of, card_text, running_rig

POST_MESSAGES = "/paths/~1messages/post/requestBody/content/application~1json/schema"


@pytest.fixture
def rig(tmp_path, emulator):
    with running_rig(tmp_path, emulator[0]) as rig:
        yield rig


def archive_calls(rig):
    return rig.emulator.calls("GET", "recordingReport")


def test_help_lists_every_command_to_an_admin_and_is_free_for_anyone(rig):
    text = card_text(ask(rig, "help"))
    for usage in ("summary", "archives", "export", "timezone", "chats"):
        assert usage in text
    assert "help" in card_text(ask(rig, "help", email=USER_EMAIL))  # an ordinary user's: tests/test_error_cards.py
    assert rig.jobs.services.store.audit_log() == []  # help touches no meeting data


def test_an_unknown_command_gets_help_with_did_you_mean(rig):
    text = card_text(ask(rig, "/SUMARY 4E32"))
    assert "Did you mean **summary**?" in text
    assert archive_calls(rig) == []


def test_a_malformed_id_is_refused_before_any_call(rig):
    reply = ask(rig, "summary 12345")
    text = card_text(reply)
    assert "is not a meeting's id" in text and "_R_" in text and "_I_" in text
    assert archive_calls(rig) == []


def test_the_summary_in_a_1to1_with_an_admin_is_the_full_view(rig, webex_contract):
    reply = ask(rig, f"Summary {EXAMPLE_ARCHIVE}")
    assert "marcos@example.com" in card_text(reply)  # the host's address: full view
    (post,) = rig.emulator.calls("POST", "messages")
    webex_contract.validate("messaging", POST_MESSAGES, post.json)
    (entry,) = rig.jobs.services.store.audit_log()
    assert (entry.person_email, entry.command, entry.ids, entry.outcome) == (
        ADMIN_EMAIL, "summary", (EXAMPLE_ARCHIVE,), "ok")
    assert entry.room_id == rig.direct_room()


def test_a_group_space_gets_the_privacy_view(rig):
    reply = ask(rig, f"@Recap attendance {EXAMPLE_ARCHIVE}", room_id=rig.group_room())
    text = card_text(reply) + reply["markdown"]
    assert "@example.com" not in text
    assert "Marcos Alonso" in text


@pytest.mark.parametrize("command, marker", [
    ("polls", "single choice"), ("qa", "dismissed"), ("attendance", "median stay"), ("chats", "public"),
])
def test_each_view_command(rig, command, marker):
    text = card_text(ask(rig, f"{command} {EXAMPLE_ARCHIVE}"))
    assert marker in text.lower()
    assert [c.path for c in archive_calls(rig)] == [f"/v1/recordingReport/meetingArchives/{EXAMPLE_ARCHIVE}"]


def test_a_card_button_opens_the_detail_view_in_the_same_thread(rig):
    command = rig.say(f"summary {EXAMPLE_ARCHIVE}")
    rig.run_jobs()
    (summary,) = rig.replies()
    rig.press(summary["id"], "Show", inputs={"table": "polls"})  # under "More": the card is full
    rig.run_jobs()
    polls = rig.replies()[-1]
    assert polls["parentId"] == command["id"]  # a reply to the card would be a reply to a reply
    assert "POLLS" in card_text(polls).upper() and "single choice" in card_text(polls)
    assert [e.command for e in rig.jobs.services.store.audit_log()] == ["summary", "polls"]


def test_attendance_sort_buttons_and_the_typed_order_reach_the_view(rig):
    command = rig.say(f"attendance {EXAMPLE_ARCHIVE}")
    rig.run_jobs()
    (first,) = rig.replies()
    assert "Everyone · longest time in the meeting first" in card_text(first)
    rig.press(first["id"], "Show in this order", inputs={"sort": "name"})  # under "Sort", beside its choice
    rig.run_jobs()
    by_name = rig.replies()[-1]
    assert by_name["parentId"] == command["id"] and "Everyone · by name" in card_text(by_name)
    assert "Everyone · by join time, earliest first" in card_text(ask(rig, f"attendance {EXAMPLE_ARCHIVE} join"))
    assert [c.path for c in archive_calls(rig)] == [f"/v1/recordingReport/meetingArchives/{EXAMPLE_ARCHIVE}"]
    refused = card_text(ask(rig, f"attendance {EXAMPLE_ARCHIVE} loudest"))
    assert "not an order for the list" in refused and "Traceback" not in refused


def test_a_command_written_inside_a_thread_is_answered_in_that_thread(rig):
    root = rig.say("help")
    rig.run_jobs()
    answer = requests.post(rig.emulator_url + "/v1/messages", timeout=10,
                           headers={"Authorization": f"Bearer {SANDBOX_ADMIN_TOKEN}"},
                           json={"roomId": rig.direct_room(), "parentId": root["id"],
                                 "text": f"polls {EXAMPLE_ARCHIVE}"})
    rig.wait_delivered(answer.json()["id"])
    rig.run_jobs()
    polls = rig.replies()[-1]
    assert polls["parentId"] == root["id"] and "single choice" in card_text(polls)


def test_a_card_button_pressed_by_someone_else_is_refused(rig):
    group = rig.group_room()
    rig.say(f"@Recap summary {EXAMPLE_ARCHIVE}", room_id=group)
    rig.run_jobs()
    (summary,) = rig.replies()
    rig.emulator.clear_log()
    rig.press(summary["id"], "Show", email=USER_EMAIL, inputs={"table": "qa"})
    rig.run_jobs()
    assert archive_calls(rig) == []
    assert "administrators" in card_text(rig.replies()[-1])
    assert rig.jobs.services.store.audit_log()[-1].outcome.startswith("refused")


def test_archives_lists_recent_ones_and_the_picker_opens_one(rig):
    reply = ask(rig, "archives")
    (call,) = rig.emulator.calls("GET", "recordingReport/meetingArchiveSummaries")
    assert call.query["from"] < call.query["to"] and call.headers.get("Timezone") == "UTC"
    card = card_of(reply)
    buttons = [a for a in _submits(card) if a["title"] == "Recap"]
    assert len(buttons) == 5  # the seeded meetings of the last week, a button each (the drop-down: test_picker.py)
    rig.press(reply["id"], "Recap")
    rig.run_jobs()
    assert "MEETING RECAP" in card_text(rig.replies()[-1])


def _submits(node):
    if isinstance(node, dict):
        if node.get("type") == "Action.Submit":
            yield node
        for value in node.values():
            yield from _submits(value)
    elif isinstance(node, list):
        for item in node:
            yield from _submits(item)


def test_archives_between_two_dates_asks_for_whole_days_in_the_spaces_zone(rig):
    ask(rig, "timezone Asia/Tokyo")
    ask(rig, "archives 2026-11-01 2026-11-20")
    (call,) = rig.emulator.calls("GET", "recordingReport/meetingArchiveSummaries")
    assert (call.query["from"], call.query["to"]) == ("2026-10-31T15:00:00Z", "2026-11-20T15:00:00Z")


def test_timezone_is_stored_per_space_and_used_for_fetches(rig):
    assert "UTC" in ask(rig, "timezone")["markdown"]
    assert "Europe/Paris" in ask(rig, "timezone europe/paris")["markdown"]
    assert rig.jobs.services.store.room_timezone(rig.direct_room()) == "Europe/Paris"
    text = card_text(ask(rig, f"summary {EXAMPLE_ARCHIVE}"))
    assert "(Europe/Paris)" in text
    assert archive_calls(rig)[-1].headers.get("Timezone") == "Europe/Paris"
    # Another space keeps the default.
    ask(rig, "@Recap timezone", room_id=rig.group_room())
    assert rig.jobs.services.store.room_timezone(rig.group_room()) is None


def test_export_posts_a_csv_file_in_a_1to1(rig):
    reply = ask(rig, f"export {EXAMPLE_ARCHIVE} csv attendance")
    (url,) = reply["files"]
    content_id = url.rsplit("/", 1)[-1]
    name, _type, data = rig.emulator.files[content_id]
    assert name == "2022-11-03 Marcos Alonso's Personal Room - attendance.csv"  # the meeting's day, its title
    assert "`" not in reply["markdown"] and "Marcos Alonso's Personal Room" in reply["markdown"]
    assert b"linzhou@example.com" in data
    (post,) = rig.emulator.calls("POST", "messages")
    assert post.form.get("parentId") and post.form.get("roomId") == rig.direct_room()


def test_export_json_posts_the_whole_archive(rig):
    reply = ask(rig, f"export {EXAMPLE_ARCHIVE} json")
    name, _type, data = rig.emulator.files[reply["files"][0].rsplit("/", 1)[-1]]
    assert name == "2022-11-03 Marcos Alonso's Personal Room.json"
    assert json.loads(data)["archive"]["archiveId"] == EXAMPLE_ARCHIVE


def test_export_is_refused_in_a_group_space(rig):
    reply = ask(rig, f"@Recap export {EXAMPLE_ARCHIVE}", room_id=rig.group_room())
    assert "1:1" in card_text(reply)
    assert archive_calls(rig) == [] and not reply.get("files")


def test_a_403_explains_the_missing_admin_rights(rig):
    rig.emulator.inject_fault(403, path_prefix="recordingReport")
    text = card_text(ask(rig, f"summary {EXAMPLE_ARCHIVE}"))
    assert "the admin credential lacks full-administrator rights (meeting:admin_recordings_read)" in text
    assert "Tracking ID: ROUTER_" in text
    assert rig.jobs.services.store.audit_log()[-1].outcome == "error: WebexAuthError (HTTP 403)"


def test_an_unknown_archive_says_so_and_what_to_do(rig):
    text = card_text(ask(rig, "summary 0000000000000000_R_1"))
    assert "Nothing found" in text and "archives" in text


def test_post_meeting_chats_of_a_meeting_instance(rig):
    meeting_id = rig.emulator.meeting_for_archive(EXAMPLE_ARCHIVE)["id"]
    reply = ask(rig, f"chats {meeting_id}")
    assert rig.emulator.calls("GET", "meetings/postMeetingChats")[0].query["meetingId"] == meeting_id
    assert "post-meeting chat" in card_text(reply)
    # Its archive is known (by title and time): Recap and Export buttons (tests/test_card_actions.py).
    assert [a["title"] for a in card_of(reply)["actions"]] == ["Recap", "Export"]


def test_post_meeting_chats_without_a_compliance_credential_say_what_is_missing(tmp_path, emulator):
    with running_rig(tmp_path, emulator[0], compliance_token=None) as rig:
        meeting_id = rig.emulator.meeting_for_archive(EXAMPLE_ARCHIVE)["id"]
        text = card_text(ask(rig, f"chats {meeting_id}"))
        assert "WEBEX_COMPLIANCE_TOKEN" in text
        assert rig.emulator.calls("GET", "meetings") == []


def test_an_admin_by_domain_entry_is_authorised(tmp_path, emulator):
    with running_rig(tmp_path, emulator[0], admins=("@example.com",)) as rig:
        reply = ask(rig, f"summary {EXAMPLE_ARCHIVE}", email=USER_EMAIL)
        assert "MEETING RECAP" in card_text(reply)


def test_a_chat_listing_cut_short_goes_on_from_its_page_on_the_next_attempt(rig):
    """`chats <meetingId>` over 10 pages; Webex's limit bites after 5 requests; the retry resumes, no page twice."""
    meeting_id = "0ed74a2f0c7d4f1d9d7b3c7e1c0a1b2c_I_900000000000000002"
    rig.emulator.add_meeting({"id": meeting_id, "title": "Long chat", "hostEmail": ADMIN_EMAIL})
    rig.emulator.add_meeting_chats(meeting_id, generate_meeting_chats(meeting_id, 1000, seed=4), replace=True)
    # Every token: 8 calls, then Retry-After: 6 s, longer than a worker waits in place (the job is retried).
    rig.emulator.rate_limit = RateLimit(per_minute=10, burst=8)
    message = rig.say(f"chats {meeting_id}")
    rig.run_jobs()
    assert [m for m in rig.replies() if m.get("parentId") == message["id"]] == []
    assert [c for c in rig.emulator.calls("GET", "meetings/postMeetingChats") if c.status == 429]
    rig.emulator.rate_limit = None
    time.sleep(6.5)  # the bot holds the credential for Retry-After (real time), as Webex asked
    rig.run_jobs(after=60)
    (reply,) = [m for m in rig.replies() if m.get("parentId") == message["id"]]
    assert "1,000 messages" in card_text(reply)
    served = [int(c.query.get("offset", 0)) for c in rig.emulator.calls("GET", "meetings/postMeetingChats")
              if c.status == 200]
    assert sorted(served) == sorted(set(served)) and set(range(0, 1000, 100)) <= set(served)
