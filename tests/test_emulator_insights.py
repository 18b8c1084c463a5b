"""The emulator's insight endpoints over HTTP: realistic generated data, who may read what (§8f), the switches."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
import requests

from bot.sandbox.emulator import (
    SANDBOX_ADMIN_TOKEN,
    SANDBOX_BOT_TOKEN,
    SANDBOX_COMPLIANCE_TOKEN,
    SANDBOX_USER_TOKEN,
    USER_EMAIL,
    create_emulator,
    parse_iso,
)
from bot.sandbox.generator import attendees_of
from bot.sandbox.server import serve_in_thread

DOC_ARCHIVE = "4E3254897D3A2E24E05386CA24AD93A6_R_1000637312"
TOKENS = {"admin": SANDBOX_ADMIN_TOKEN, "compliance": SANDBOX_COMPLIANCE_TOKEN, "bot": SANDBOX_BOT_TOKEN,
          "user": SANDBOX_USER_TOKEN}


def get(server, path: str, role: str, **params) -> requests.Response:
    return requests.get(server.api_url + path, params=params, headers={"Authorization": f"Bearer {TOKENS[role]}"},
                        timeout=10)


def every_item(server, path: str, role: str, **params) -> tuple[list[dict], int]:
    """Every item of a Link-paged list, and how many pages it took."""
    url, items, pages = server.api_url + path, [], 0
    headers = {"Authorization": f"Bearer {TOKENS[role]}"}
    while url:
        answer = requests.get(url, params=params, headers=headers, timeout=10)
        assert answer.status_code == 200, answer.text
        items += answer.json()["items"]
        pages += 1
        url, params = answer.links.get("next", {}).get("url"), None
    return items, pages


def weekly_sync(state) -> tuple[dict, dict]:
    """The seeded "Weekly sync" archive and its meeting instance."""
    archive = next(a for a in state.archives.values() if a["title"] == "Weekly sync")
    return archive, state.meeting_for_archive(archive["archiveId"])


def insights_of(server, meeting: dict) -> dict:
    """Every source of a meeting, read with the token that may read it."""
    summary = get(server, "admin/meetingSummaries", "compliance", meetingId=meeting["id"]).json()["items"]
    transcript = get(server, "meetingTranscripts", "compliance", meetingId=meeting["id"]).json()["items"]
    snippets = every_item(server, f"meetingTranscripts/{transcript[0]['id']}/snippets", "compliance", max=100)[0]
    recordings = get(server, "admin/recordings", "admin", meetingId=meeting["id"]).json()["items"]
    invitees = every_item(server, "meetingInvitees", "admin", meetingId=meeting["id"],
                          hostEmail=meeting["hostEmail"], max=100)[0]
    return {"summary": summary, "transcript": transcript, "snippets": snippets, "recordings": recordings,
            "invitees": invitees}


def test_the_summary_is_html_with_paragraphs_a_list_and_entities_and_names_what_the_meeting_said(emulator):
    server, state = emulator
    archive, meeting = weekly_sync(state)
    [summary] = get(server, "admin/meetingSummaries", "compliance", meetingId=meeting["id"]).json()["items"]
    note = summary["notes"]["content"]
    assert summary["meetingId"] == meeting["id"] and summary["status"] == "available"
    assert note.count("<p>") >= 2 and "<ul><li>" in note and "&amp;" in note and "&mdash;" in note
    assert "<script" not in note  # hostile meeting text is escaped into the note, never markup
    actions = [item["content"] for item in summary["actionItems"]]
    assert 3 <= len(actions) <= 6
    said = [q["question"] for q in archive["qas"]] + [c["text"] for c in archive["chats"]] + [
        q["question"]["text"] for p in archive["polls"] for q in p["content"]["questions"]]
    assert any(text[:40] in action for action in actions for text in said)


def test_snippets_are_spoken_by_attendees_inside_the_meeting_in_order(emulator):
    server, state = emulator
    archive, meeting = weekly_sync(state)
    [transcript] = get(server, "meetingTranscripts", "compliance", meetingId=meeting["id"]).json()["items"]
    snippets, pages = every_item(server, f"meetingTranscripts/{transcript['id']}/snippets", "compliance", max=10)
    assert pages > 2 and len({s["id"] for s in snippets}) == len(snippets) > 20
    names = {name for name, _ in attendees_of(archive)}
    assert {s["personName"] for s in snippets} <= names and len({s["personName"] for s in snippets}) >= 2
    length = (parse_iso(meeting["end"]) - parse_iso(meeting["start"])).total_seconds() * 1000
    for before, after in zip(snippets, snippets[1:], strict=False):
        assert before["offsetMillisecond"] + before["durationMillisecond"] <= after["offsetMillisecond"]
    assert snippets[-1]["offsetMillisecond"] + snippets[-1]["durationMillisecond"] <= length
    assert all(2_000 <= s["durationMillisecond"] <= 40_000 for s in snippets)
    assert length // 5 <= sum(s["durationMillisecond"] for s in snippets) <= length  # people talk, not all at once


def test_the_documented_example_meeting_has_insights_from_its_own_archive(emulator):
    server, state = emulator
    archive = next(a for a in state.archives.values() if a["archiveId"] == DOC_ARCHIVE)
    meeting = state.meeting_for_archive(DOC_ARCHIVE)
    got = insights_of(server, meeting)
    note = got["summary"][0]["notes"]["content"]
    assert archive["title"].replace("'", "&#x27;") in note and archive["hostDisplayName"] in note
    assert {s["personName"] for s in got["snippets"]} <= {name for name, _ in attendees_of(archive)}
    assert got["recordings"][0]["topic"] == archive["title"] and len(got["invitees"]) >= 3


def test_one_recording_with_a_loopback_safe_playback_link_and_invitees_with_no_shows(emulator):
    server, state = emulator
    archive, meeting = weekly_sync(state)
    [recording] = get(server, "admin/recordings", "admin", meetingId=meeting["id"]).json()["items"]
    link = urlsplit(recording["playbackUrl"])
    assert (link.scheme, link.hostname) == ("https", "example.webex.com") and "/recordingservice/" in link.path
    length = (parse_iso(meeting["end"]) - parse_iso(meeting["start"])).total_seconds()
    assert 60 <= recording["durationSeconds"] <= length and recording["hostEmail"] == meeting["hostEmail"]
    invitees, _ = every_item(server, "meetingInvitees", "admin", meetingId=meeting["id"],
                             hostEmail=meeting["hostEmail"], max=3)
    came = attendees_of(archive)
    emails, names = {e for _, e in came if e}, {n for n, _ in came}
    strangers = [i for i in invitees if i["email"] not in emails and i["displayName"] not in names]
    assert 2 <= len(strangers) <= 4
    assert sum(i["email"] in emails for i in invitees) >= (len(emails) - 1) * 3 // 4
    assert [i["email"] for i in invitees] == sorted(i["email"] for i in invitees)


def test_insights_are_the_same_for_the_same_meeting_in_another_emulator(emulator):
    server, state = emulator
    _, meeting = weekly_sync(state)
    first = insights_of(server, meeting)
    with serve_in_thread(create_emulator()) as second:
        assert json.dumps(insights_of(second, meeting)) == json.dumps(first)


@pytest.mark.parametrize("path, allowed", [
    ("meetingSummaries", {"compliance"}),
    ("admin/meetingSummaries", {"compliance"}),
    ("meetingTranscripts", {"compliance", "admin"}),
    ("admin/recordings", {"compliance", "admin"}),
    ("meetingInvitees", {"admin"}),
])
def test_who_may_read_what(emulator, path, allowed):
    server, state = emulator
    _, meeting = weekly_sync(state)
    for role in TOKENS:
        answer = get(server, path, role, meetingId=meeting["id"], hostEmail=meeting["hostEmail"])
        if role in allowed:
            assert answer.status_code == 200 and answer.json()["items"], (role, answer.text)
        else:
            assert answer.status_code in (403, 404), (role, answer.status_code)
            assert role == "user" or answer.status_code == 403


def test_snippets_are_the_compliance_officers_and_the_hosts_not_the_admins(emulator):
    server, state = emulator
    state.add_person(USER_EMAIL, "Uma User")
    meeting = state.add_meeting({"id": "0123456789abcdef0123456789abcdef_I_77", "title": "Uma's 1:1",
                                 "start": "2026-01-05T09:00:00Z", "end": "2026-01-05T09:30:00Z",
                                 "hostEmail": USER_EMAIL, "hostDisplayName": "Uma User"})
    [transcript] = get(server, "meetingTranscripts", "user", meetingId=meeting["id"]).json()["items"]
    path = f"meetingTranscripts/{transcript['id']}/snippets"
    assert get(server, path, "user").status_code == 200 and get(server, path, "compliance").status_code == 200
    assert get(server, path, "admin").status_code == 403
    assert get(server, "meetingSummaries", "user", meetingId=meeting["id"]).status_code == 200
    assert get(server, "meetingInvitees", "user", meetingId=meeting["id"]).status_code == 200
    assert get(server, "meetingInvitees", "admin", meetingId=meeting["id"]).status_code == 404  # no hostEmail
    _, other = weekly_sync(state)
    assert get(server, "meetingSummaries", "user", meetingId=other["id"]).status_code == 403


SOURCES = {"summaries": ("admin/meetingSummaries", "compliance"), "transcripts": ("meetingTranscripts", "compliance"),
           "recordings": ("admin/recordings", "admin"), "invitees": ("meetingInvitees", "admin")}


def switch(server, **body) -> None:
    answer = requests.put(server.url + "/_emulator/insights/switches", json=body, timeout=10)
    assert answer.status_code == 204, answer.text


@pytest.mark.parametrize("source", SOURCES)
def test_each_switch_makes_a_source_forbidden_missing_empty_or_late(emulator, source):
    server, state = emulator
    path, role = SOURCES[source]
    _, old = weekly_sync(state)
    now = state.end_meeting("alice@example.com", seed=11, deliver=False)
    read = lambda meeting: get(server, path, role, meetingId=meeting["id"], hostEmail=meeting["hostEmail"])  # noqa: E731
    switch(server, source=source, mode="forbidden")
    assert read(old).status_code == 403
    switch(server, source=source, mode="missing")
    assert read(old).status_code == 404
    switch(server, source=source, mode="empty")
    assert read(old).json() == {"items": []}
    switch(server, source=source, mode="late", lateSeconds=3600)
    assert read(now).json() == {"items": []} and read(old).json()["items"]  # ended days ago: out already
    switch(server, source=source, mode="late", lateSeconds=0)
    assert read(now).json()["items"]
    switch(server, source=source, mode="forbidden", meetingId=now["id"])
    assert read(now).status_code == 403 and read(old).status_code == 200  # one meeting's switch wins
    shown = requests.get(server.url + "/_emulator/state", timeout=10).json()["insightSwitches"]
    assert {"source": source, "meetingId": now["id"], "mode": "forbidden", "lateSeconds": 0.0} in shown
    assert requests.delete(server.url + "/_emulator/insights/switches", timeout=10).status_code == 204
    assert read(now).status_code == 200


def test_switches_and_replacements_refuse_nonsense(emulator):
    server, state = emulator
    for body in ({"source": "summaries", "mode": "sometimes"}, {"source": "polls", "mode": "missing"},
                 {"source": "all", "mode": "late", "lateSeconds": "soon"}, {"source": "all", "mode": "late",
                                                                           "lateSeconds": -1}):
        assert requests.put(server.url + "/_emulator/insights/switches", json=body, timeout=10).status_code == 400
    _, meeting = weekly_sync(state)
    url = server.url + f"/_emulator/insights/{meeting['id']}"
    assert requests.put(url, json={"polls": []}, timeout=10).status_code == 400
    assert requests.put(url, json={"recording": None}, timeout=10).status_code == 204
    assert get(server, "admin/recordings", "admin", meetingId=meeting["id"]).json() == {"items": []}


def test_a_command_line_value_sets_the_switches():
    store = create_emulator(seed=False).extensions["webex_emulator"].insights
    store.apply_spec("summaries=forbidden, recordings=late:600,all=empty,invitees=late")
    assert store.switch("summaries", "any").mode == "empty"  # later parts win, "all" included
    assert (store.switch("invitees", None).mode, store.switch("invitees", None).late_seconds) == ("late", 900.0)
    store.apply_spec("recordings=late:600")
    assert store.switch("recordings", "m").late_seconds == 600.0
    for wrong in ("summaries", "summaries=sometimes", "polls=missing", "recordings=missing:5", "invitees=late:soon"):
        with pytest.raises(ValueError):
            store.apply_spec(wrong)
