"""The emulator over real HTTP: tokens, access rules, errors, the request log."""

from __future__ import annotations

import errno

import pytest
import requests

from bot.sandbox.emulator import (
    SANDBOX_ADMIN_TOKEN,
    SANDBOX_BOT_TOKEN,
    SANDBOX_COMPLIANCE_TOKEN,
    SANDBOX_USER_TOKEN,
    create_emulator,
)
from bot.sandbox.server import serve_in_thread

DOC_ARCHIVE = "4E3254897D3A2E24E05386CA24AD93A6_R_1000637312"


def get(server, path, token=SANDBOX_ADMIN_TOKEN, **kw):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    headers.update(kw.pop("headers", {}))
    return requests.get(server.api_url + path, headers=headers, timeout=10, **kw)


def test_documented_archive_is_served_verbatim_in_its_own_zone(emulator):
    server, _ = emulator
    answer = get(server, f"recordingReport/meetingArchives/{DOC_ARCHIVE}", headers={"timezone": "Asia/Shanghai"})
    assert answer.status_code == 200
    assert answer.json()["participants"][0]["joinedTime"] == "2022-11-03T10:32:09+08:00"
    assert answer.headers["trackingId"].startswith("ROUTER_")


def test_missing_or_unknown_token_is_401_with_a_webex_error_body(emulator):
    server, _ = emulator
    for token in (None, "not-a-token"):
        answer = get(server, "people/me", token=token)
        assert answer.status_code == 401
        body = answer.json()
        assert body["message"] and body["errors"][0]["description"]
        assert body["trackingId"] == answer.headers["trackingId"]


def test_only_the_admin_reads_archives_and_only_compliance_reads_chats(emulator):
    server, state = emulator
    path = f"recordingReport/meetingArchives/{DOC_ARCHIVE}"
    assert [get(server, path, t).status_code for t in (SANDBOX_BOT_TOKEN, SANDBOX_USER_TOKEN,
                                                        SANDBOX_COMPLIANCE_TOKEN)] == [403, 403, 403]
    meeting_id = state.meeting_for_archive(DOC_ARCHIVE)["id"]
    chats = f"meetings/postMeetingChats?meetingId={meeting_id}"
    assert get(server, chats, SANDBOX_COMPLIANCE_TOKEN).status_code == 200
    assert [get(server, chats, t).status_code for t in (SANDBOX_ADMIN_TOKEN, SANDBOX_BOT_TOKEN)] == [403, 403]


def test_request_log_records_method_path_query_and_status(emulator):
    server, state = emulator
    state.clear_log()
    get(server, "recordingReport/meetingArchiveSummaries", params={"max": 5})
    [call] = state.calls("GET", "recordingReport/")
    assert (call.path, call.query, call.status) == ("/v1/recordingReport/meetingArchiveSummaries", {"max": "5"}, 200)


def test_a_taken_port_raises_instead_of_exiting():
    """werkzeug calls sys.exit on a taken port; our servers raise OSError so callers can clean up."""
    with serve_in_thread(create_emulator(seed=False)) as first:
        with pytest.raises(OSError) as info:
            serve_in_thread(create_emulator(seed=False), port=first.port)
    assert info.value.errno == errno.EADDRINUSE
