"""The meeting generator: deterministic, valid against the Webex schemas, consistent, and hostile enough."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from bot.sandbox.emulator import parse_iso
from bot.sandbox.generator import (
    HOSTILE_NAMES,
    HOSTILE_TEXTS,
    generate_archive,
    generate_archive_summaries,
    generate_meeting_chats,
    meeting_chats_from_archive,
)

ARCHIVE_PATH = "/recordingReport/meetingArchives/{archiveId}"
INSTANCE = "0123456789abcdef0123456789abcdef_I_99"


@pytest.fixture(scope="module")
def big():
    return generate_archive(42, participants=2000, chats=10_000, polls=50, questions=1000)


def test_same_seed_same_meeting_other_seed_other_meeting():
    assert generate_archive(3) == generate_archive(3)
    assert generate_archive(3) != generate_archive(4)
    assert generate_meeting_chats(INSTANCE, 50, seed=1) == generate_meeting_chats(INSTANCE, 50, seed=1)
    start, end = datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 2, 1, tzinfo=UTC)
    assert generate_archive_summaries(20, start, end, seed=2) == generate_archive_summaries(20, start, end, seed=2)


def test_output_validates_against_the_webex_schemas(webex_contract, big):
    archive_schema = webex_contract.response_pointer("meeting", ARCHIVE_PATH, "get", 200)
    # jsonschema needs seconds for the whole big archive; a slice of every list has every shape.
    sliced = {k: v[:3 if k == "polls" else 300] if isinstance(v, list) else v for k, v in big.items()}
    for archive in (sliced, generate_archive(1, participants=1, chats=0, polls=0, questions=0)):
        webex_contract.validate("meeting", archive_schema, json.loads(json.dumps(archive)))
    chats = webex_contract.response_pointer("meeting", "/meetings/postMeetingChats", "get", 200)
    webex_contract.validate("meeting", chats, {"items": generate_meeting_chats(INSTANCE, 500)})
    webex_contract.validate("meeting", chats, {"items": meeting_chats_from_archive(sliced, INSTANCE)})
    summaries = webex_contract.response_pointer("meeting", "/recordingReport/meetingArchiveSummaries", "get", 200)
    items = generate_archive_summaries(50, datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 1, 9, tzinfo=UTC))
    webex_contract.validate("meeting", summaries, {"items": items})


def test_scales_to_thousands_of_people_and_ten_thousand_chats(big):
    assert len({p["displayName"] for p in big["participants"]}) > 1000
    assert len(big["chats"]) == 10_000 and len(big["polls"]) == 50 and len(big["qas"]) == 1000
    assert len(generate_meeting_chats(INSTANCE, 10_000)) == 10_000


def test_attendance_has_rejoins_guests_late_joiners_and_early_leavers(big):
    start, end = parse_iso(big["start"]), parse_iso(big["end"])
    joins = defaultdict(list)
    for row in big["participants"]:
        joins[(row["displayName"], row.get("email"))].append((parse_iso(row["joinedTime"]), parse_iso(row["leftTime"])))
    assert all(a < b for spans in joins.values() for a, b in spans)
    assert any(len(spans) >= 3 for spans in joins.values())
    assert any(email is None for _, email in joins)
    assert any(min(a for a, _ in spans) > start + timedelta(minutes=5) for spans in joins.values())
    assert any(max(b for _, b in spans) < end - timedelta(minutes=5) for spans in joins.values())
    ids = [row["correlationId"] for row in big["participants"]]
    assert len(ids) == len(set(ids)) and any(i < 0 for i in ids)


def test_poll_tallies_voters_and_respondents_agree(big):
    present_ids = {row["correlationId"] for row in big["participants"]}
    spellings, correct = Counter(), 0
    for poll in big["polls"]:
        content = poll["content"]
        assert content["questionCount"] == len(content["questions"])
        voted = {r["correlationId"] for q in content["questions"] for r in q["respondents"]}
        assert content["votedUserCount"] == len(voted) <= content["userCount"]
        for question in content["questions"]:
            spellings[question["question"]["type"]] += 1
            correct += any(a["isCorrect"] for a in question["answerSummary"])
            picks = Counter(answer for r in question["respondents"] for answer in r["answers"])
            for option in question["answerSummary"]:
                assert option["totalRespondents"] == picks[option["text"]] == len(option.get("voteUsers", []))
            assert [v["correlationId"] for v in question["voteUsers"]] == [
                r["correlationId"] for r in question["respondents"]]
            assert {r["correlationId"] for r in question["respondents"]} <= present_ids
            if question["question"]["type"].startswith("single"):
                assert all(len(r["answers"]) == 1 for r in question["respondents"])
    assert {"single", "single answer", "multiple", "multiple answers"} <= set(spellings) and correct
    first = big["polls"][0]["content"]["questions"][0]["answerSummary"]
    assert any(a["isCorrect"] for a in first)


def test_questions_are_answered_unanswered_or_dismissed(big):
    kinds = Counter(q["type"] for q in big["qas"])
    assert {"public", "private", "group", "dismissed"} <= set(kinds)
    assert all("answers" not in q for q in big["qas"] if q["type"] == "dismissed")
    live = [q for q in big["qas"] if q["type"] != "dismissed"]
    assert any(q["answers"] for q in live) and any(q["answers"] == [] for q in live)
    for q in live:
        assert all(parse_iso(a["answerTime"]) >= parse_iso(q["questionTime"]) for a in q["answers"])


def test_small_meetings_still_cover_every_case():
    archive = generate_archive(0, participants=6, chats=12, polls=1, questions=3)
    assert [q.get("answers") for q in archive["qas"]][1:] == [[], None]
    assert archive["qas"][0]["answers"]
    assert {c["type"] for c in archive["chats"]} <= {"public", "private", "group"}


def test_hostile_names_and_texts_are_all_there(big):
    names = {p["displayName"] for p in big["participants"]}
    texts = {c["text"] for c in big["chats"]}
    assert set(HOSTILE_NAMES) <= names and set(HOSTILE_TEXTS) <= texts
    blob = json.dumps(big, ensure_ascii=False)
    for needle in ('\\"', "\\\\", "🎉", "ش", "ת", "**bold**", "[link](http://x)", "<@all>", "<b>", "<script>"):
        assert needle in blob, needle
    chat_blob = json.dumps(generate_meeting_chats(INSTANCE, 100), ensure_ascii=False)
    assert "<script>" in chat_blob and "<@all>" in chat_blob and "דוד" in chat_blob


def test_meeting_chats_are_ordered_unique_and_well_addressed():
    chats = generate_meeting_chats(INSTANCE, 2000, seed=5)
    times = [parse_iso(c["chatTime"]) for c in chats]
    assert times == sorted(times) and len({c["id"] for c in chats}) == 2000
    assert all(c["meetingId"] == INSTANCE for c in chats)
    for chat in chats:
        expected = {"public": 0, "private": 1}.get(chat["type"])
        assert expected is None or len(chat["receivers"]) == expected
    assert any("email" not in c["sender"] for c in chats)


def test_meeting_chats_from_an_archive_repeat_its_chat(big):
    mirrored = meeting_chats_from_archive(big, INSTANCE)
    assert [(m["text"], m["chatTime"], m["type"]) for m in mirrored] == [
        (c["text"], c["chatTime"], c["type"]) for c in big["chats"]]
    assert mirrored == meeting_chats_from_archive(big, INSTANCE)


def test_archive_summaries_fall_in_the_window_newest_first():
    start, end = datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 4, 1, tzinfo=UTC)
    items = generate_archive_summaries(1000, start, end, seed=9)
    times = [parse_iso(i["createTime"]) for i in items]
    assert times == sorted(times, reverse=True) and all(start <= t < end for t in times)
    assert len({i["archiveId"] for i in items}) == 1000
