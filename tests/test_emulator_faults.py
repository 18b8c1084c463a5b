"""Fault injection, latency, the request log and the ``/_emulator`` control endpoints."""

from __future__ import annotations

import pytest
import requests

from bot.errors import WebexRetryLater
from bot.sandbox.emulator import NO_RETRY_AFTER, SANDBOX_ADMIN_TOKEN, SANDBOX_BOT_TOKEN, create_emulator
from bot.sandbox.generator import generate_archive, generate_meeting_chats
from bot.webex import Messaging, WebexClient, WebexClients, sdk_errors

BOT = {"Authorization": f"Bearer {SANDBOX_BOT_TOKEN}"}


def me(server):
    return requests.get(server.api_url + "people/me", headers=BOT, timeout=10)


def test_a_fault_hits_the_next_count_requests_then_clears(emulator, emulator_settings):
    server, state = emulator
    state.inject_fault(429, count=2, retry_after=7)
    first = me(server)
    assert (first.status_code, first.headers["Retry-After"]) == (429, "7")
    with pytest.raises(WebexRetryLater) as caught:
        WebexClients(emulator_settings).messaging().me()
    assert (caught.value.status, caught.value.retry_after) == (429, 7.0)
    assert caught.value.tracking_id.startswith("ROUTER_")
    assert me(server).status_code == 200


@pytest.mark.parametrize("status, retry_after, header", [
    (423, None, "1"), (429, NO_RETRY_AFTER, None), (500, None, None), (502, None, None), (503, 30, "30"),
])
def test_retry_after_is_sent_as_webex_does(emulator, status, retry_after, header):
    server, state = emulator
    state.inject_fault(status, retry_after=retry_after)
    answer = me(server)
    assert (answer.status_code, answer.headers.get("Retry-After")) == (status, header)


def test_a_path_prefix_confines_the_fault(emulator):
    server, state = emulator
    state.inject_fault(503, path_prefix="/v1/recordingReport", count=5)
    assert me(server).status_code == 200
    archives = requests.get(server.api_url + "recordingReport/meetingArchiveSummaries", timeout=10,
                            headers={"Authorization": f"Bearer {SANDBOX_ADMIN_TOKEN}"})
    assert archives.status_code == 503
    state.clear_faults()
    assert not state.faults


def test_sdk_rate_limits_surface_as_retry_later(emulator, emulator_settings):
    _, state = emulator
    state.inject_fault(429, retry_after=12, path_prefix="messages")
    with pytest.raises(WebexRetryLater) as caught, sdk_errors("bot"):
        Messaging.for_settings(emulator_settings).api.messages.create(toPersonEmail="admin@example.com", text="hi")
    assert caught.value.retry_after == 12


def test_latency_makes_an_impatient_client_give_up(emulator):
    server, state = emulator
    state.latency_ms = 1500
    impatient = WebexClient(server.api_url, SANDBOX_BOT_TOKEN, role="bot", timeout=0.2)
    with pytest.raises(WebexRetryLater):
        impatient.get_json("people/me")
    state.latency_ms = 0
    assert impatient.get_json("people/me")["displayName"] == "Recap"


def test_create_emulator_takes_latency_and_can_start_empty():
    state = create_emulator(latency_ms=250, seed=False).extensions["webex_emulator"]
    assert state.latency_ms == 250 and not state.archives and not state.meetings
    assert len(state.tokens) == 4 and len(state.rooms) == 4  # three 1:1 rooms with the bot, one group


def test_control_endpoints_drive_the_same_switches(emulator):
    server, state = emulator
    control = server.url + "/_emulator/"
    assert requests.post(control + "faults", json={"status": 502, "count": 1, "pathPrefix": "people"},
                         timeout=10).status_code == 204
    assert me(server).status_code == 502 and me(server).status_code == 200
    assert requests.put(control + "latency", json={"ms": 5}, timeout=10).status_code == 204
    assert state.latency_ms == 5
    log = requests.get(control + "requests", params={"pathPrefix": "people/me"}, timeout=10).json()
    assert [entry["status"] for entry in log] == [502, 200]
    assert requests.delete(control + "requests", timeout=10).status_code == 204 and not state.requests
    archive = generate_archive(9, participants=3, chats=1, polls=0, questions=0)
    meeting = requests.post(control + "archives", json=archive, timeout=10).json()
    assert state.archives[archive["archiveId"]] == archive
    chats = generate_meeting_chats(meeting["id"], 4)
    assert requests.post(control + f"chats/{meeting['id']}", json=chats, timeout=10).status_code == 204
    assert state.chats[meeting["id"]] == chats
    overview = requests.get(control + "state", timeout=10).json()
    assert overview["archives"][archive["archiveId"]] == meeting["id"] and overview["tokens"]["bot"]
    assert requests.post(control + "faults", json={"count": 1}, timeout=10).status_code == 400


def test_control_endpoints_refuse_callers_off_this_machine():
    # Werkzeug's test client is the only way to fake a remote address; over loopback it is always local.
    client = create_emulator(seed=False).test_client()
    assert client.get("/_emulator/state", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 403
    assert client.get("/_emulator/state", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 200
