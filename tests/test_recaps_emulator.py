"""The emulator ends a meeting: instance at once, archive and chats at once or late, a signed org webhook."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests
from flask import Flask, request

from bot.meetings import ARCHIVE_ID, INSTANCE_ID, parse_time
from bot.sandbox.emulator import ADMIN_EMAIL, SANDBOX_ADMIN_TOKEN, SANDBOX_BOT_TOKEN, SANDBOX_COMPLIANCE_TOKEN
from bot.sandbox.server import serve_in_thread
from bot.webex import verify_signature

SECRET = "org-hook-secret"
ADMIN = {"Authorization": f"Bearer {SANDBOX_ADMIN_TOKEN}"}
DATA_KEYS = {"id", "meetingType", "timezone", "start", "end", "hostUserId", "state", "hostEmail", "siteUrl", "orgId"}


@pytest.fixture
def receiver():
    """A webhook target recording each raw delivery."""
    app = Flask("receiver")
    app.received = []

    @app.post("/hook")
    def hook():
        app.received.append((request.get_data(), dict(request.headers)))
        return "", 204

    with serve_in_thread(app) as server:
        server.received = app.received
        yield server


def hook(api_url: str, target: str, *, token: str = SANDBOX_ADMIN_TOKEN, **fields) -> dict:
    body = {"name": "meetings ended", "targetUrl": target, "resource": "meetings", "event": "ended",
            "secret": SECRET, **fields}
    response = requests.post(api_url + "webhooks", json=body, headers={"Authorization": f"Bearer {token}"},
                             timeout=10)
    response.raise_for_status()
    return response.json()


def end(server, **body) -> requests.Response:
    return requests.post(server.url + "/_emulator/meetings/end", json={"hostEmail": ADMIN_EMAIL, **body}, timeout=10)


def summaries(server) -> list[dict]:
    now = datetime.now(UTC)
    params = {"from": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
              "to": (now + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ"), "max": 100}
    response = requests.get(server.api_url + "recordingReport/meetingArchiveSummaries", params=params,
                            headers=ADMIN, timeout=10)
    response.raise_for_status()
    return response.json()["items"]


def test_ending_a_meeting_delivers_a_signed_meetings_ended_to_the_org_webhook_only(emulator, receiver,
                                                                                   webex_contract):
    server, state = emulator
    org = hook(server.api_url, receiver.url + "/hook", ownedBy="org")
    requests.post(server.api_url + "webhooks", timeout=10, headers={"Authorization": f"Bearer {SANDBOX_BOT_TOKEN}"},
                  json={"name": "bot", "targetUrl": receiver.url + "/hook", "resource": "messages",
                        "event": "created", "secret": SECRET}).raise_for_status()
    meeting = end(server, title="Weekly sync").json()
    assert meeting["deliveries"] == 1 and INSTANCE_ID.fullmatch(meeting["id"])
    state.wait_for_deliveries(1)
    ((raw, headers),) = receiver.received
    assert verify_signature(SECRET, raw, headers["X-Spark-Signature"])
    envelope = json.loads(raw)
    assert (envelope["id"], envelope["resource"], envelope["event"], envelope["ownedBy"]) == (
        org["id"], "meetings", "ended", "org")
    assert set(envelope["data"]) == DATA_KEYS and envelope["data"]["id"] == meeting["id"]
    assert envelope["data"]["state"] == "ended" and envelope["data"]["hostEmail"] == ADMIN_EMAIL
    got = requests.get(server.api_url + f"meetings/{meeting['id']}", headers=ADMIN, timeout=10)
    webex_contract.validate("meeting", webex_contract.response_pointer("meeting", "/meetings/{meetingId}", "get", 200),
                            got.json())
    assert got.json()["title"] == "Weekly sync"
    ended = datetime.fromisoformat(got.json()["end"].replace("Z", "+00:00"))
    assert abs((ended - datetime.now(UTC)).total_seconds()) < 120  # it ended just now


def test_org_webhook_filters_on_host_email_and_site_are_honoured(emulator, receiver):
    server, state = emulator
    hook(server.api_url, receiver.url + "/hook", ownedBy="org", filter=f"hostEmail={ADMIN_EMAIL.upper()}")
    hook(server.api_url, receiver.url + "/hook", ownedBy="org", filter="hostEmail=someone.else@example.com")
    hook(server.api_url, receiver.url + "/hook", ownedBy="org", filter="siteUrl=other-site.webex.com")
    meeting = end(server, title="Filtered").json()
    assert meeting["deliveries"] == 1  # only the webhook following this host (e-mail case ignored)
    state.wait_for_deliveries(1)
    ((raw, _),) = receiver.received
    assert json.loads(raw)["filter"] == f"hostEmail={ADMIN_EMAIL.upper()}"


def test_without_an_org_webhook_nothing_is_delivered(emulator, receiver):
    server, state = emulator
    hook(server.api_url, receiver.url + "/hook", token=SANDBOX_COMPLIANCE_TOKEN)  # creator-owned: sees no meetings
    assert end(server).json()["deliveries"] == 0


def test_archive_and_chats_appear_at_once_by_default(emulator):
    server, state = emulator
    meeting = end(server, deliver=False).json()
    (summary,) = [s for s in summaries(server) if s["archiveId"] == meeting["archiveId"]]
    assert ARCHIVE_ID.fullmatch(summary["archiveId"]) and summary["title"] == meeting["title"]
    assert parse_time(summary["createTime"]) >= parse_time(meeting["end"])
    detail = requests.get(server.api_url + f"recordingReport/meetingArchives/{meeting['archiveId']}", headers=ADMIN,
                          timeout=10).json()
    assert (detail["hostEmail"], detail["end"]) == (ADMIN_EMAIL, meeting["end"])
    chats = requests.get(server.api_url + "meetings/postMeetingChats", params={"meetingId": meeting["id"], "max": 100},
                         headers={"Authorization": f"Bearer {SANDBOX_COMPLIANCE_TOKEN}"}, timeout=10).json()
    assert len(chats["items"]) == 30 and {c["meetingId"] for c in chats["items"]} == {meeting["id"]}


def test_late_data_stays_hidden_for_the_first_listings(emulator):
    server, _ = emulator
    meeting = end(server, lateRequests=2, deliver=False).json()
    detail_url = server.api_url + f"recordingReport/meetingArchives/{meeting['archiveId']}"
    assert requests.get(detail_url, headers=ADMIN, timeout=10).status_code == 404
    seen = [any(s["archiveId"] == meeting["archiveId"] for s in summaries(server)) for _ in range(3)]
    assert seen == [False, False, True]
    assert requests.get(detail_url, headers=ADMIN, timeout=10).status_code == 200
    assert requests.get(server.api_url + f"meetings/{meeting['id']}", headers=ADMIN, timeout=10).status_code == 200


def test_late_data_appears_after_the_given_seconds(emulator):
    server, _ = emulator
    meeting = end(server, lateSeconds=0.3, deliver=False).json()
    assert not any(s["archiveId"] == meeting["archiveId"] for s in summaries(server))
    deadline = time.monotonic() + 10
    while not any(s["archiveId"] == meeting["archiveId"] for s in summaries(server)):
        assert time.monotonic() < deadline, "the late archive never appeared"
        time.sleep(0.05)


@pytest.mark.parametrize("body", [{"hostEmail": None}, {"hostEmail": "nobody"}, {"lateSeconds": -1},
                                  {"lateRequests": "soon"}, {"participants": 0}, {"deliver": "yes"},
                                  {"seed": True}])
def test_a_bad_end_request_is_400(emulator, body):
    server, state = emulator
    before = dict(state.meetings)
    assert end(server, **body).status_code == 400
    assert state.meetings == before


def test_state_end_meeting_is_reproducible_with_a_seed(emulator):
    _, state = emulator
    first = state.end_meeting("hana.host@example.com", seed=7, deliver=False)
    second = state.end_meeting("hana.host@example.com", seed=7, deliver=False)
    assert first["title"] == second["title"] and first["archiveId"] == second["archiveId"]
    assert state.archives[first["archiveId"]]["hostDisplayName"] == "Hana Host"
