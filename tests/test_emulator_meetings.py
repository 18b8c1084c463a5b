"""Meeting endpoints of the emulator over HTTP: windows, paging, time zones, chats, archive↔meeting matching."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from bot.sandbox.emulator import SANDBOX_ADMIN_TOKEN, SANDBOX_COMPLIANCE_TOKEN, TIME_KEYS, create_emulator, parse_iso
from bot.sandbox.generator import generate_archive, generate_archive_summaries, generate_meeting_chats

DOC_ARCHIVE = "4E3254897D3A2E24E05386CA24AD93A6_R_1000637312"
ADMIN = {"Authorization": f"Bearer {SANDBOX_ADMIN_TOKEN}"}
COMPLIANCE = {"Authorization": f"Bearer {SANDBOX_COMPLIANCE_TOKEN}"}
SUMMARIES = "recordingReport/meetingArchiveSummaries"
INSTANCE = "0123456789abcdef0123456789abcdef_I_424242"


def iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def follow(url: str, params: dict | None = None, headers=ADMIN) -> tuple[list[dict], list[str]]:
    """Every item of a Link-paged list, and every next link seen."""
    items, links = [], []
    while url:
        answer = requests.get(url, params=params, headers=headers, timeout=10)
        assert answer.status_code == 200, answer.text
        items += answer.json()["items"]
        url, params = answer.links.get("next", {}).get("url"), None
        links += [url] if url else []
    return items, links


def test_1000_summaries_over_90_days_page_by_link_in_30_day_windows(emulator):
    server, state = emulator
    end = datetime(2025, 6, 1, tzinfo=UTC)
    start = end - timedelta(days=90)
    generated = generate_archive_summaries(1000, start, end, seed=7)
    state.add_archive_summaries(generated)
    seen = []
    for k in range(3):
        lower, upper = start + timedelta(days=30 * k), start + timedelta(days=30 * (k + 1))
        params = {"from": iso(lower), "to": iso(upper), "max": 100, "siteUrl": "example.webex.com"}
        items, links = follow(server.api_url + SUMMARIES, params)
        for link in links:
            kept = parse_qs(urlsplit(link).query)
            assert {k: v[0] for k, v in kept.items() if k in params} == {k: str(v) for k, v in params.items()}
        times = [parse_iso(i["createTime"]) for i in items]
        assert times == sorted(times, reverse=True)
        assert all(lower <= t < upper for t in times)
        seen += items
    assert sorted(i["archiveId"] for i in seen) == sorted(g["archiveId"] for g in generated)


def test_from_is_inclusive_and_to_exclusive(emulator):
    server, state = emulator
    t0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    state.add_archive_summaries([{"archiveId": f"AAAAAAAAAAAAAAAA_R_{i}", "serviceType": "MeetingCenter",
                                  "title": f"m{i}", "createTime": iso(t0 + timedelta(hours=i))} for i in range(3)])
    items, _ = follow(server.api_url + SUMMARIES, {"from": iso(t0), "to": iso(t0 + timedelta(hours=2))})
    assert [i["title"] for i in items] == ["m1", "m0"]


def test_window_defaults_follow_the_spec(emulator):
    server, state = emulator
    now = datetime.now(UTC)
    recent, _ = follow(server.api_url + SUMMARIES)
    assert len(recent) == 5 and DOC_ARCHIVE not in {i["archiveId"] for i in recent}  # last 7 days only
    doc_created = parse_iso(state.summaries[DOC_ARCHIVE][1]["createTime"])
    only_to, _ = follow(server.api_url + SUMMARIES, {"to": iso(doc_created + timedelta(days=1))})
    only_from, _ = follow(server.api_url + SUMMARIES, {"from": iso(doc_created - timedelta(days=6))})
    assert [i["archiveId"] for i in only_to] == [i["archiveId"] for i in only_from] == [DOC_ARCHIVE]
    assert all(now - timedelta(days=7) <= parse_iso(i["createTime"]) for i in recent)


@pytest.mark.parametrize("params", [
    {"from": "2025-01-01T00:00:00Z", "to": "2025-02-01T00:00:01Z"},
    {"from": "2025-02-01T00:00:00Z", "to": "2025-01-01T00:00:00Z"},
    {"from": "yesterday"}, {"max": 0}, {"max": 101}, {"max": "ten"}, {"max": 2.5},
    {"siteUrl": "other.webex.com"},
])
def test_bad_summary_parameters_are_400(emulator, params):
    server, _ = emulator
    assert requests.get(server.api_url + SUMMARIES, params=params, headers=ADMIN, timeout=10).status_code == 400


def test_timezone_header_rewrites_every_timestamp_to_that_zone(emulator):
    server, state = emulator
    url = f"{server.api_url}recordingReport/meetingArchives/{DOC_ARCHIVE}"
    shanghai = requests.get(url, headers={**ADMIN, "timezone": "Asia/Shanghai"}, timeout=10).json()
    assert shanghai == state.archives[DOC_ARCHIVE]  # the documented example, byte for byte in its own zone
    utc = requests.get(url, headers=ADMIN, timeout=10).json()
    new_york = requests.get(url, headers={**ADMIN, "timezone": "America/New_York"}, timeout=10).json()
    stamps = []

    def walk(a, b, c):
        if isinstance(a, dict):
            for key in a:
                if key in TIME_KEYS:
                    stamps.append((a[key], b[key], c[key]))
                else:
                    walk(a[key], b[key], c[key])
        elif isinstance(a, list):
            for x, y, z in zip(a, b, c, strict=True):
                walk(x, y, z)

    walk(shanghai, utc, new_york)
    assert len(stamps) > 15
    for original, in_utc, in_ny in stamps:
        assert in_utc.endswith("Z") and in_ny.endswith("-04:00")
        assert parse_iso(original) == parse_iso(in_utc) == parse_iso(in_ny)


def test_10000_post_meeting_chats_page_by_offset_without_link(emulator):
    server, state = emulator
    chats = generate_meeting_chats(INSTANCE, 10_000, seed=3)
    state.add_meeting({"id": INSTANCE, "title": "Big chat", "state": "ended"})
    state.add_meeting_chats(INSTANCE, chats)
    ids, offset = [], 0
    while True:
        answer = requests.get(server.api_url + "meetings/postMeetingChats", headers=COMPLIANCE, timeout=10,
                              params={"meetingId": INSTANCE, "max": 100, "offset": offset})
        assert answer.status_code == 200 and "Link" not in answer.headers
        page = answer.json()["items"]
        ids += [c["id"] for c in page]
        if len(page) < 100:
            break
        offset += 100
    assert ids == [c["id"] for c in chats]


@pytest.mark.parametrize("meeting_id, status", [
    ("", 400), ("0123456789abcdef0123456789abcdef", 400), ("0123456789abcdef0123456789abcdef_20260105T090000Z", 400),
    ("ffffffffffffffffffffffffffffffff_I_1", 404), ("live0123456789abcdef0123456789ab_I_7", 400),
])
def test_chats_need_a_known_ended_instance(emulator, meeting_id, status):
    server, state = emulator
    state.add_meeting({"id": "live0123456789abcdef0123456789ab_I_7", "title": "Live", "state": "inProgress"})
    answer = requests.get(server.api_url + "meetings/postMeetingChats", params={"meetingId": meeting_id},
                          headers=COMPLIANCE, timeout=10)
    assert answer.status_code == status


def test_every_archive_has_an_ended_meeting_matching_title_host_and_window(emulator):
    server, state = emulator
    listed, links = follow(server.api_url + "meetings", {"meetingType": "meeting", "state": "ended", "max": 2,
                                                         "from": "2020-01-01T00:00:00Z", "to": iso(datetime.now(UTC))})
    assert links and all("meetingType=meeting" in link and "state=ended" in link for link in links)
    by_id = {m["id"]: m for m in listed}
    for archive_id, detail in state.archives.items():
        meeting = by_id[state.meeting_for_archive(archive_id)["id"]]
        assert (meeting["title"], meeting["hostEmail"], meeting["state"]) == (
            detail["title"], detail["hostEmail"], "ended")
        begin, finish = parse_iso(meeting["start"]), parse_iso(meeting["end"])
        joins = [parse_iso(p["joinedTime"]) for p in detail["participants"]]
        assert begin <= min(joins) and parse_iso(detail["end"]) <= finish
        one = requests.get(server.api_url + f"meetings/{meeting['id']}", headers=ADMIN, timeout=10).json()
        assert one["id"] == meeting["id"] and "_I_" in one["id"]
    alice, _ = follow(server.api_url + "meetings", {"meetingType": "meeting", "hostEmail": "alice@example.com"})
    assert alice and {m["hostEmail"] for m in alice} == {"alice@example.com"}


def test_add_archive_takes_a_creation_time_and_meeting_overrides(emulator):
    server, state = emulator
    archive = generate_archive(11, participants=5, chats=3, polls=1, questions=2,
                               start=datetime(2025, 2, 2, 9, tzinfo=UTC))
    meeting = state.add_archive(archive, created=datetime(2025, 2, 2, 11, tzinfo=UTC), meeting={"id": INSTANCE})
    assert meeting["id"] == INSTANCE and state.meeting_for_archive(archive["archiveId"]) == meeting
    items, _ = follow(server.api_url + SUMMARIES, {"from": "2025-02-02T00:00:00Z", "to": "2025-02-03T00:00:00Z"})
    assert items == [{"archiveId": archive["archiveId"], "serviceType": "MeetingCenter", "title": archive["title"],
                      "createTime": "2025-02-02T11:00:00Z"}]


def test_fixtures_folder_adds_archives_and_chats(tmp_path):
    archive = generate_archive(5, participants=4, chats=2, polls=0, questions=0)
    (tmp_path / "archives").mkdir()
    (tmp_path / "archives" / "one.json").write_text(json.dumps(archive), encoding="utf-8")
    (tmp_path / "chats").mkdir()
    (tmp_path / "chats" / f"{INSTANCE}.json").write_text(json.dumps(generate_meeting_chats(INSTANCE, 3)))
    state = create_emulator(tmp_path, seed=False).extensions["webex_emulator"]
    assert list(state.archives) == [archive["archiveId"]]
    mirrored = state.chats[state.meeting_for_archive(archive["archiveId"])["id"]]
    assert [c["text"] for c in mirrored] == [c["text"] for c in archive["chats"]]
    assert state.meetings[INSTANCE]["state"] == "ended" and len(state.chats[INSTANCE]) == 3
    (tmp_path / "archives" / "broken.json").write_text("{not json")
    with pytest.raises(ValueError, match="broken.json"):
        create_emulator(tmp_path, seed=False)


def test_meeting_list_defaults_to_series_which_the_emulator_does_not_keep(emulator):
    server, _ = emulator
    answer = requests.get(server.api_url + "meetings", headers=ADMIN, timeout=10)
    assert answer.status_code == 200 and answer.json() == {"items": []}
    recent = requests.get(server.api_url + "meetings", params={"meetingType": "meeting"}, headers=ADMIN, timeout=10)
    assert len(recent.json()["items"]) == 5  # the generated meetings of the last 7 days, not the 2022 example
