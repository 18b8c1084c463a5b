"""End to end over real HTTP: a person writes in the emulated Webex, the bot answers through the API."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.sandbox.emulator import USER_EMAIL
from bot.webex import sign
from tests.support.bot_rig import EXAMPLE_ARCHIVE, SECRET, card_of, card_text, envelope, running_rig


@pytest.fixture
def rig(tmp_path, emulator):
    with running_rig(tmp_path, emulator[0]) as rig:
        yield rig


def paths(rig, method=None):
    """The emulator's request log as "METHOD path" lines (path without /v1/)."""
    return [f"{r.method} {r.path.removeprefix('/v1/')}" for r in rig.emulator.calls(method)]


def test_a_signed_webhook_gets_the_card_in_the_commands_thread(rig):
    message = rig.say(f"summary {EXAMPLE_ARCHIVE}")
    assert rig.wait_delivered(message["id"]).status == 202
    assert rig.run_jobs() == 1
    calls = paths(rig)
    assert calls.index(f"GET messages/{message['id']}") < calls.index("POST messages")
    assert f"GET recordingReport/meetingArchives/{EXAMPLE_ARCHIVE}" in calls
    (reply,) = rig.replies()
    assert reply["parentId"] == message["id"] and reply["roomId"] == message["roomId"]
    card = card_of(reply)
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.3"
    assert reply["markdown"]  # the fallback for clients that cannot show cards
    assert "Marcos Alonso's Personal Room" in card_text(reply)


@pytest.mark.parametrize("signature", [None, "", "0" * 40, "not-hex"])
def test_a_bad_or_missing_signature_is_401_and_does_nothing(rig, signature):
    body = envelope({"id": "M1", "roomId": rig.direct_room(), "personId": "P"})
    response = rig.post(body, signature=signature)
    assert response.status_code == 401
    assert rig.run_jobs() == 0
    assert rig.emulator.requests == []


def test_a_signature_of_other_bytes_or_another_secret_is_refused(rig):
    body = envelope({"id": "M1", "roomId": rig.direct_room(), "personId": "P"})
    assert rig.post(body + b" ", signature=sign(SECRET, body)).status_code == 401
    assert rig.post(body, signature=sign("another-secret", body)).status_code == 401
    assert rig.post(body, signature=sign(SECRET, body).upper()).status_code == 202  # hex case does not matter
    assert rig.run_jobs() == 1


def test_the_bots_own_message_is_ignored(rig):
    rig.say("help")
    rig.run_jobs()
    (reply,) = rig.replies()
    # The emulator delivers the bot's own reply to the bot's webhook too; the edge drops it.
    assert rig.wait_delivered(reply["id"]).status == 200
    rig.emulator.clear_log()
    assert rig.run_jobs() == 0
    assert rig.emulator.requests == []
    assert len(rig.replies()) == 1


def test_the_same_delivery_three_times_gets_one_reply(rig):
    message = rig.say("help")
    delivery = rig.wait_delivered(message["id"])
    body = json.dumps(delivery.body).encode()
    assert [rig.post(body).status_code for _ in range(2)] == [200, 200]
    assert rig.run_jobs() == 1
    assert len(rig.replies()) == 1
    assert len(rig.emulator.calls("GET", f"messages/{message['id']}")) == 1


def test_an_unauthorised_person_is_refused_and_nothing_is_fetched(rig):
    group = rig.group_room()
    message = rig.say(f"@Recap summary {EXAMPLE_ARCHIVE}", email=USER_EMAIL, room_id=group)
    rig.run_jobs()
    assert rig.emulator.calls("GET", "recordingReport") == []
    (reply,) = rig.replies(group)
    assert reply["parentId"] == message["id"]
    assert "admin" in card_text(reply).lower()
    (entry,) = rig.jobs.services.store.audit_log()
    assert (entry.person_email, entry.command, entry.ids, entry.room_id) == (USER_EMAIL, "summary",
                                                                            (EXAMPLE_ARCHIVE,), group)
    assert entry.outcome.startswith("refused")


def test_a_429_with_retry_after_is_retried_once_after_the_delay(rig):
    rig.emulator.inject_fault(429, retry_after=2, path_prefix="recordingReport/meetingArchives")
    rig.say(f"summary {EXAMPLE_ARCHIVE}")
    before = datetime.now(UTC)
    assert rig.run_jobs() == 1
    assert rig.replies() == []
    (retry,) = rig.jobs.scheduled()
    assert retry.task == "event" and retry.attempt == 2
    assert 1.0 <= (retry.eta - before).total_seconds() <= 3.0
    assert rig.run_jobs(after=3) == 1
    (reply,) = rig.replies()
    assert "AdaptiveCard" == card_of(reply)["type"]
    assert [c.status for c in rig.emulator.calls("GET", "recordingReport/meetingArchives")] == [429, 200]
    assert rig.jobs.scheduled() == []


def test_repeated_503s_are_retried_then_end_with_an_error_card(rig):
    attempts = rig.jobs.policy.max_attempts
    rig.emulator.inject_fault(503, count=attempts + 5, path_prefix="recordingReport/meetingArchives")
    rig.say(f"summary {EXAMPLE_ARCHIVE}")
    rig.run_jobs(after=3600)
    calls = rig.emulator.calls("GET", "recordingReport/meetingArchives")
    assert [c.status for c in calls] == [503] * attempts
    (reply,) = rig.replies()
    text = card_text(reply)
    assert "busy" in text.lower() and f"{attempts} times" in text
    assert rig.jobs.scheduled() == [] and rig.jobs.pending() == []


def test_a_message_deleted_before_the_job_ran_gets_no_answer(rig):
    body = envelope({"id": "GONE", "roomId": rig.direct_room(), "personId": "SOMEONE"}, created_by=rig.bot_id)
    assert rig.post(body).status_code == 202
    assert rig.run_jobs() == 1
    assert [c.status for c in rig.emulator.calls("GET", "messages/GONE")] == [404]
    assert rig.emulator.calls("POST", "messages") == [] and rig.jobs.scheduled() == []


def test_malformed_json_is_400(rig):
    assert rig.post(b"{not json").status_code == 400
    assert rig.post(b'["a list"]').status_code == 400
    assert rig.post(b'{"resource": "messages", "event": "created", "data": {}}').status_code == 400
    assert rig.post(b"\xff\xfe").status_code == 400
    assert rig.run_jobs() == 0 and rig.emulator.requests == []


def test_a_body_over_one_mebibyte_is_413(rig):
    body = b'{"pad": "' + b"x" * (1024 * 1024) + b'"}'
    assert rig.post(body).status_code == 413
    assert rig.post(body, signature=None).status_code == 413
    assert rig.run_jobs() == 0 and rig.emulator.requests == []
