"""The Webex client and the meeting API module over real HTTP against the emulator.

Covers issue 2's "done when": the documented archive read back field for field, 10,000
post-meeting chats and 1,000 archive summaries over 90 days paged through, and every injected
fault surfacing as the right error type with its Retry-After, without the client ever sleeping.
"""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.errors import WebexAuthError, WebexBadRequest, WebexNotFound, WebexRetryLater
from bot.meetings import get_archive, get_meeting, list_archive_summaries, list_meeting_chats, parse_archive
from bot.sandbox.emulator import SANDBOX_USER_TOKEN
from bot.sandbox.generator import generate_archive_summaries, generate_meeting_chats
from bot.webex import Messaging, WebexClient, WebexClients, sdk_errors, sign, verify_signature

DOC_ID = "4E3254897D3A2E24E05386CA24AD93A6_R_1000637312"
DOC_EXAMPLE = json.loads((Path(__file__).parent / "data" / "doc_example_archive.json").read_text())


@pytest.fixture
def clients(emulator_settings) -> WebexClients:
    return WebexClients(emulator_settings)


def test_documented_archive_reads_back_field_for_field_over_http(clients, emulator):
    _, state = emulator
    over_http = get_archive(clients.admin, DOC_ID, timezone="Asia/Shanghai")
    assert over_http == parse_archive(DOC_EXAMPLE)  # every record field compared (raw excluded)
    assert over_http.raw == DOC_EXAMPLE  # and the JSON itself is the documentation's, verbatim
    (call,) = state.calls("GET", "recordingReport/meetingArchives/")
    assert call.headers.get("Timezone") == "Asia/Shanghai"
    assert call.headers.get("Authorization") == f"Bearer {clients.admin._token()}"


def test_timezone_header_changes_offsets_not_instants(clients):
    utc = get_archive(clients.admin, DOC_ID, timezone="UTC")
    la = get_archive(clients.admin, DOC_ID, timezone="America/Los_Angeles")
    assert utc.start == la.start  # same instant
    assert utc.start.utcoffset() == timedelta(0) and la.start.utcoffset() == timedelta(hours=-7)


def test_ten_thousand_post_meeting_chats_page_by_offset(emulator_settings, emulator):
    _, state = emulator
    unpaced = WebexClients(emulator_settings.replace(webex_rate=0))  # pacing: tests/test_pacing.py
    meeting_id = next(iter(state.meetings))
    state.add_meeting_chats(meeting_id, generate_meeting_chats(meeting_id, 10_000, seed=3), replace=True)
    state.clear_log()
    chats = list(list_meeting_chats(unpaced.compliance, meeting_id))
    assert len(chats) == 10_000
    assert len({c.id for c in chats}) == 10_000  # no page read twice
    assert all(c.meeting_id == meeting_id for c in chats)
    calls = state.calls("GET", "meetings/postMeetingChats")
    offsets = sorted(int(c.query["offset"]) for c in calls)
    assert offsets[:3] == [0, 100, 200] and all(int(c.query["max"]) == 100 for c in calls)
    assert len(set(offsets)) == len(offsets)
    # 100 full pages and the empty one that says it ended, plus at most 7 fetched ahead past the end (discarded)
    assert offsets[:101] == list(range(0, 10_100, 100)) and len(calls) <= 108


def test_thousand_archive_summaries_over_ninety_days(clients, emulator):
    _, state = emulator
    end = datetime(2026, 11, 1, tzinfo=UTC)
    start = end - timedelta(days=90)
    state.summaries.clear()
    state.add_archive_summaries(generate_archive_summaries(1_000, start, end, seed=9))
    state.clear_log()
    summaries = list_archive_summaries(clients.admin, start, end, timezone="Europe/Paris")
    assert len(summaries) == 1_000 and len({s.archive_id for s in summaries}) == 1_000
    created = [s.created for s in summaries]
    assert created == sorted(created, reverse=True)  # newest first across windows
    assert all(start <= c < end for c in created)
    assert summaries[0].created.utcoffset() in (timedelta(hours=1), timedelta(hours=2))  # Paris offsets
    calls = state.calls("GET", "recordingReport/meetingArchiveSummaries")
    windows = {(c.query["from"], c.query["to"]) for c in calls if "from" in c.query}
    assert len(windows) == 3
    for lower, upper in windows:
        span = datetime.fromisoformat(upper) - datetime.fromisoformat(lower)
        assert span <= timedelta(days=30)
    # 1,000 items at 100 per page: every window is read to its end by following Link headers
    assert len(calls) >= 10 and len(calls) > len(windows)
    followed = [c for c in calls if "cursor" in c.query]
    assert len(followed) == len(calls) - len(windows)  # all but each window's first page came from a Link


def test_get_meeting_of_an_archive(clients, emulator):
    _, state = emulator
    instance = state.meeting_for_archive(DOC_ID)
    meeting = get_meeting(clients.admin, instance["id"])
    assert meeting.id == instance["id"] and meeting.state == "ended"
    assert meeting.title == "Marcos Alonso's Personal Room"


@pytest.mark.parametrize("status, retry_after", [(429, 7), (423, 3), (503, 11), (502, None), (500, None),
                                                 (504, None)])
def test_faults_become_retry_later_with_retry_after(emulator_settings, emulator, status, retry_after):
    _, state = emulator
    clients = WebexClients(emulator_settings.replace(webex_rate=0))  # unpaced: the hold is tests/test_pacing.py's
    state.inject_fault(status, retry_after=retry_after, path_prefix="recordingReport")
    state.clear_log()
    with pytest.raises(WebexRetryLater) as info:
        get_archive(clients.admin, DOC_ID)
    assert info.value.status == status
    assert info.value.retry_after == (float(retry_after) if retry_after is not None else None)
    assert info.value.tracking_id and info.value.tracking_id.startswith("ROUTER_")
    assert len(state.calls("GET", "recordingReport")) == 1  # raised at once: no retry, no sleep
    assert get_archive(clients.admin, DOC_ID).archive_id == DOC_ID  # the fault was one-shot


def test_auth_errors_carry_a_hint(emulator_settings, emulator):
    server, _ = emulator
    user = WebexClient(server.api_url, SANDBOX_USER_TOKEN, role="admin")
    with pytest.raises(WebexAuthError) as info:
        get_archive(user, DOC_ID)
    assert info.value.status == 403 and "meeting:admin_recordings_read" in info.value.hint
    bogus = WebexClient(server.api_url, "not-a-real-token", role="compliance")
    with pytest.raises(WebexAuthError) as info:
        list_meeting_chats(bogus, "0ed74a1c0551494fb7a04e2881bf50ae_I_166022169160077044")
    assert info.value.status == 401 and "spark-compliance:meetings_read" in info.value.hint
    assert "not-a-real-token" not in str(info.value)


def test_not_found_and_bad_request(clients):
    with pytest.raises(WebexNotFound) as info:
        get_archive(clients.admin, "0000000000000000000000000000DEAD_R_1")
    assert info.value.status == 404
    with pytest.raises(WebexBadRequest) as info:
        clients.admin.get_json("recordingReport/meetingArchiveSummaries", {"max": 101})
    assert info.value.status == 400
    with pytest.raises(WebexBadRequest):
        list_meeting_chats(clients.compliance, "0ed74a1c0551494fb7a04e2881bf50ae")  # a series, not an instance


def test_timeouts_and_refused_connections_are_retry_later(emulator_settings, emulator):
    server, state = emulator
    state.latency_ms = 1_500
    slow = WebexClient(server.api_url, emulator_settings.admin_token, role="admin", timeout=0.3)
    with pytest.raises(WebexRetryLater) as info:
        get_archive(slow, DOC_ID)
    assert info.value.retry_after is None and "0.3s" in str(info.value)
    state.latency_ms = 0
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    dead = WebexClient(f"http://127.0.0.1:{port}/v1/", "token-xyz-123", role="admin", timeout=2)
    with pytest.raises(WebexRetryLater):
        dead.get_json("people/me")


def test_missing_credential_is_an_auth_error_naming_it(emulator_settings):
    clients = WebexClients(emulator_settings.replace(compliance_token=None))
    with pytest.raises(WebexAuthError) as info:
        clients.require("compliance")
    assert "compliance" in str(info.value) and "spark-compliance" in info.value.hint


def test_bot_sdk_errors_are_translated(emulator_settings, emulator):
    _, state = emulator
    api = Messaging.for_settings(emulator_settings).api
    with sdk_errors():
        assert api.people.me().displayName
    state.inject_fault(429, retry_after=5, path_prefix="people")
    with pytest.raises(WebexRetryLater) as info, sdk_errors():
        api.people.me()
    assert info.value.retry_after == 5
    with pytest.raises(WebexNotFound), sdk_errors():
        api.messages.get("no-such-message")


def test_the_bot_client_translates_errors_at_its_one_choke_point(emulator_settings, emulator):
    _, state = emulator
    bot = Messaging.for_settings(emulator_settings)
    assert bot.me()["displayName"]
    state.inject_fault(429, retry_after=5, path_prefix="people")
    with pytest.raises(WebexRetryLater) as info:
        bot.me()
    assert (info.value.status, info.value.retry_after) == (429, 5)
    with pytest.raises(WebexNotFound):
        bot.message("no-such-message")
    state.inject_fault(503, path_prefix="messages")
    with pytest.raises(WebexRetryLater):
        list(bot.recent("any-room"))  # a page that fails while iterating is translated too


def test_the_bot_client_quotes_ids_into_one_path_segment(emulator_settings, emulator):
    _, state = emulator
    before = len(state.calls("GET", "people/me"))
    with pytest.raises(WebexNotFound):
        Messaging.for_settings(emulator_settings).room("../people/me")  # an id from a webhook never climbs
    assert len(state.calls("GET", "people/me")) == before


def test_signature_check():
    body = b'{"id":"x","data":{"id":"m"}}'
    good = sign("s3cret", body)
    assert verify_signature("s3cret", body, good)
    assert verify_signature("s3cret", body, good.upper())  # hex case is not a forgery
    assert not verify_signature("s3cret", body + b" ", good)
    assert not verify_signature("other", body, good)
    assert not verify_signature("s3cret", body, None) and not verify_signature("", body, good)
    assert not verify_signature("s3cret", body, "é" * 40)  # non-ASCII header: refused, not a crash


def test_paging_follows_link_headers_with_every_parameter(clients, emulator):
    _, state = emulator
    end = datetime(2026, 6, 1, tzinfo=UTC)
    state.summaries.clear()
    state.add_archive_summaries(generate_archive_summaries(250, end - timedelta(days=10), end, seed=1))
    state.clear_log()
    items = list(clients.admin.paginate("recordingReport/meetingArchiveSummaries",
                                        {"from": "2026-05-22T00:00:00Z", "to": "2026-06-01T00:00:00Z"}, page_size=100))
    assert len(items) == 250
    calls = state.calls("GET", "recordingReport/meetingArchiveSummaries")
    assert len(calls) == 3 and all(c.query["from"] == "2026-05-22T00:00:00Z" for c in calls)
