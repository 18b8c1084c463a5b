"""Archives read as a stream over real HTTP: the same records as ``parse_archive``, field by field, item by item."""

from __future__ import annotations

import copy
import gc
import io
import json
from dataclasses import fields
from pathlib import Path

import pytest

from bot.errors import WebexError
from bot.meetings import (
    Archive,
    ArchiveCollector,
    parse_archive,
    parse_archive_stream,
    stream_archive,
)
from bot.meetings.stream import BACKEND
from bot.sandbox.emulator import SANDBOX_ADMIN_TOKEN
from bot.sandbox.generator import HOSTILE_NAMES, HOSTILE_TEXTS, generate_archive
from bot.webex import WebexClient

DOC_EXAMPLE = json.loads((Path(__file__).parent / "data" / "doc_example_archive.json").read_text())
HOSTILE_ID = "0123456789ABCDEF_R_42"


def detail_path(archive_id: str) -> str:
    return f"recordingReport/meetingArchives/{archive_id}"


@pytest.fixture
def admin(emulator) -> WebexClient:
    server, _ = emulator
    return WebexClient(server.api_url, SANDBOX_ADMIN_TOKEN, role="admin", timeout=30)


def assert_same_archive(actual: Archive, expected: Archive) -> None:
    """Every compared field of the two archives equal, lists item by item (``raw`` is not compared)."""
    for f in fields(Archive):
        if not f.compare:
            continue
        got, want = getattr(actual, f.name), getattr(expected, f.name)
        if isinstance(want, tuple):
            assert len(got) == len(want), f.name
            for index, (a, b) in enumerate(zip(got, want, strict=True)):
                assert a == b, f"{f.name}[{index}]"
        else:
            assert got == want, f.name
    assert actual == expected


def served_and_streamed(client: WebexClient, archive_id: str, timezone: str | None = None) -> tuple[Archive, Archive]:
    """``parse_archive`` of the body the emulator serves, and ``parse_archive_stream`` of the same over HTTP."""
    body = client.request("GET", detail_path(archive_id), timezone=timezone).content
    expected = parse_archive(json.loads(body))
    with client.stream("GET", detail_path(archive_id), timezone=timezone) as stream:
        actual = parse_archive_stream(stream)
    return actual, expected


def test_the_c_backend_parses():
    assert BACKEND == "yajl2_c"


@pytest.mark.parametrize("timezone", [None, "Asia/Shanghai", "America/New_York"])
def test_documented_example_streams_to_the_same_records(emulator, admin, timezone):
    _, state = emulator
    state.add_archive(DOC_EXAMPLE)
    actual, expected = served_and_streamed(admin, DOC_EXAMPLE["archiveId"], timezone)
    assert_same_archive(actual, expected)
    assert_same_archive(actual, parse_archive(DOC_EXAMPLE))  # the same instants, whatever the zone
    assert (len(actual.participants), len(actual.chats), len(actual.polls), len(actual.qas)) == (3, 1, 1, 2)


@pytest.mark.parametrize("seed,shape", [
    (1, {"participants": 40, "chats": 120, "polls": 3, "questions": 15}),
    (2, {"participants": 300, "chats": 900, "polls": 6, "questions": 60}),
    (3, {"participants": 1, "chats": 0, "polls": 0, "questions": 0}),
])
def test_generated_archives_stream_to_the_same_records(emulator, admin, seed, shape):
    _, state = emulator
    raw = generate_archive(seed=seed, **shape)
    state.add_archive(raw)
    actual, expected = served_and_streamed(admin, raw["archiveId"])
    assert_same_archive(actual, expected)
    collector = ArchiveCollector()
    stream_archive(admin, raw["archiveId"], collector, timezone="Europe/Paris")
    assert_same_archive(collector.archive(), expected)


def hostile_archive() -> dict:
    """A generated archive with odd types, missing keys, non-object items, unicode and huge numbers, keys reversed."""
    raw = generate_archive(seed=5, participants=15, chats=30, polls=3, questions=8)
    raw["title"] = ["not", "a", {"string": 1.5}]
    raw["hostEmail"] = 123456789012345678901234567890
    raw["hostDisplayName"] = HOSTILE_NAMES[2] + " \u202e" + HOSTILE_NAMES[3]
    raw["start"] = 1.5e308
    raw["serviceType"] = None
    del raw["end"]
    people = raw["participants"]
    people[0].update(correlationId=10**40, email=["a@example.com"])
    people[1].update(correlationId="-25516827", joinedTime=1_700_000_000, leftTime="yesterday")
    people[2].update(correlationId=2.5e300, displayName={"nested": [1, -0.0, 5e-324, None, True]})
    people[3].pop("displayName", None)
    raw["participants"] = [None, *people[:5], 7, "text", [people[5]], True, -1.25e-7, *people[5:], {}]
    chats = raw["chats"]
    chats[0].update(type=5, text="nul \u0000 tab\t quote\" back\\ slash/ \u2028 \U0001f984 \ud83d\ude00")
    chats[1].update(text=HOSTILE_TEXTS[0], senderName=HOSTILE_NAMES[-1], chatTime={"when": "now"})
    del chats[2]["text"]
    raw["chats"] = [*chats[:3], "chat", None, *chats[3:]]
    poll = raw["polls"][0]
    question = poll["content"]["questions"][0]
    question["answerSummary"] = [*question["answerSummary"], None, 3, {"text": 1, "totalRespondents": "7",
                                                                          "isCorrect": "true", "voteUsers": {}}]
    question["answerSummary"][0]["totalRespondents"] = 9_999_999_999_999_999_999_999
    question["respondents"] = [{"answers": "not a list"}, 4, *question.get("respondents", [])]
    question["question"]["choiceCount"] = "3.5"
    raw["polls"][1]["content"] = "not an object"
    raw["polls"][2]["content"]["questions"] = {"0": {}}
    raw["polls"] = [*raw["polls"], [], {"content": {"questionCount": 1e20, "userCount": None}}]
    raw["qas"][0]["answers"] = "none"
    raw["qas"][1].update(priority=0, question=None, type=["public"])
    raw["qas"] = [*raw["qas"], {}, "qa"]
    raw["systemInfos"] = [{"displayName": "Zoë", "catalogs": [{"os": "Linux"}, 5, {"b": [1, {"c": 2}]}]},
                          "junk", {"catalogs": "none"}]
    raw["extra"] = {"deep": [[[{"x": [1, 2.5, -0.0, 1e-320, True, None]}]]], "more": list(range(50))}
    raw["zzz"], raw["negative"] = 1e300, -12345678901234567890
    raw["archiveId"] = HOSTILE_ID
    return dict(reversed(list(raw.items())))  # archiveId last, the lists before the fields


def test_a_hostile_archive_streams_to_the_same_records(emulator, admin):
    _, state = emulator
    state.add_archive(hostile_archive())
    actual, expected = served_and_streamed(admin, HOSTILE_ID)
    assert_same_archive(actual, expected)
    assert actual.archive_id == HOSTILE_ID and actual.title.startswith("['not'")
    assert actual.participants[0].correlation_id == 10**40
    assert len(actual.system_infos) == 2 and actual.start is None and actual.host_email is None


@pytest.mark.parametrize("lists", [
    {"systemInfo": [{"displayName": "old"}], "systemInfos": [{"displayName": "new"}]},
    {"systemInfos": [{"displayName": "new"}], "systemInfo": [{"displayName": "old"}]},
    {"systemInfo": [{"displayName": "old"}, 3]},
    {"systemInfos": [], "systemInfo": [{"displayName": "old"}]},
    {"systemInfo": [{"displayName": "old"}], "systemInfos": {}},
    {"systemInfo": [{"displayName": "old"}], "systemInfos": None},
    {"systemInfo": [{"displayName": "old"}], "systemInfos": {"a": 1}},
    {"systemInfos": "yes", "systemInfo": [{"displayName": "old"}]},
    {"systemInfos": [7], "systemInfo": [{"displayName": "old"}]},
    {"participants": {"a": {"displayName": "x"}}, "chats": "line", "polls": 5, "qas": None},
    {"participants": [[{"displayName": "nested"}]], "chats": [[]], "polls": [{}], "qas": [{"answers": [{}, 1]}]},
    {},
])
def test_odd_lists_read_as_parse_archive_reads_them(emulator, admin, lists):
    _, state = emulator
    state.add_archive({"archiveId": HOSTILE_ID, **copy.deepcopy(lists)})
    actual, expected = served_and_streamed(admin, HOSTILE_ID)
    assert_same_archive(actual, expected)


@pytest.mark.parametrize("body", [b"  ", b"[]", b"5", b'"archive"', b'{"title": "x"} trailing', b'{"title": ',
                                  b"<html>oops</html>", b'{"title": "\xff"}'])
def test_what_is_not_one_json_object_is_a_webex_error(body):
    with pytest.raises(WebexError):
        parse_archive_stream(io.BytesIO(body))


def test_an_empty_body_reads_as_an_empty_object():
    assert_same_archive(parse_archive_stream(io.BytesIO(b"")), parse_archive({}))


def test_the_collector_is_paused_only_while_parsing():
    assert gc.isenabled()
    parse_archive_stream(io.BytesIO(json.dumps(DOC_EXAMPLE).encode()))
    assert gc.isenabled()
    with pytest.raises(WebexError):
        parse_archive_stream(io.BytesIO(b'{"participants": [{"a": 1}, '))
    assert gc.isenabled()
    gc.disable()
    try:
        parse_archive_stream(io.BytesIO(b"{}"))
        assert not gc.isenabled()  # a caller's own choice is left alone
    finally:
        gc.enable()
