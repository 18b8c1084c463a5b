"""The meeting API module's parsers: field for field on the documented example, tolerant of real payloads."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.meetings import (
    ARCHIVE_ID,
    INSTANCE_ID,
    normalise_poll_type,
    parse_archive,
    parse_archive_summary,
    parse_meeting,
    parse_meeting_chat,
    parse_time,
    span_windows,
)

DOC_EXAMPLE = json.loads((Path(__file__).parent / "data" / "doc_example_archive.json").read_text())
CST = timezone(timedelta(hours=8))


def test_documented_example_reads_back_field_for_field():
    a = parse_archive(DOC_EXAMPLE)
    assert a.archive_id == "4E3254897D3A2E24E05386CA24AD93A6_R_1000637312"
    assert (a.service_type, a.title) == ("MeetingCenter", "Marcos Alonso's Personal Room")
    assert a.start == datetime(2022, 11, 3, 10, 37, 32, tzinfo=CST) and a.start.utcoffset() == timedelta(hours=8)
    assert (a.host_display_name, a.host_email) == ("Marcos Alonso", "marcos@example.com")

    assert [(p.correlation_id, p.display_name, p.email) for p in a.participants] == [
        (-25516827, "Marcos Alonso", None), (10947662, "Antoine Griezmann", "linzhou@example.com"),
        (-25516842, "Marco Reus", None)]
    assert all(p.joined == datetime(2022, 11, 3, 10, 32, 9, tzinfo=CST) for p in a.participants)

    (chat,) = a.chats
    assert (chat.type, chat.sender_name, chat.target, chat.text) == (
        "public", "Marcos Alonso", "All Participants", "Hi everyone!")

    (poll,) = a.polls
    assert (poll.type, poll.question_count, poll.user_count, poll.voted_user_count) == ("public", 1, 1, 3)
    (q,) = poll.questions
    assert (q.text, q.type, q.choice_count) == ("Q1", "single", 3)  # "single answer" normalised
    assert [(x.text, x.total_respondents, x.is_correct) for x in q.answers] == [
        ("1", 1, False), ("2", 2, False), ("3", 0, True)]
    assert [v.display_name for v in q.answers[1].voters] == ["Marcos Alonso", "Marco Reus"]
    assert q.answers[2].voters == ()
    assert [(r.display_name, r.answers) for r in q.respondents] == [
        ("Marcos Alonso", ("2",)), ("Antoine Griezmann", ("1",)), ("Marco Reus", ("2",))]
    assert len(q.voters) == 3

    answered, dismissed = a.qas
    assert (answered.type, answered.priority, answered.asker, answered.target) == (
        "private", "NA", "Marcos Alonso", "All Panelists")
    assert answered.text == "What we will do next step?"
    assert [x.text for x in answered.answers] == ["Go home", "Hiking", "Drink Some"]
    assert answered.answers[1].email == "linzhou@example.com" and answered.answers[1].correlation_id == 10947662
    assert dismissed.dismissed and dismissed.answers == () and dismissed.priority is None
    assert a.system_infos == ()
    assert a.raw is DOC_EXAMPLE


def test_tolerates_missing_fields_unknown_fields_and_junk():
    a = parse_archive({"archiveId": "X", "participants": [{"displayName": "A", "joinedTime": "garbage"}, "junk"],
                       "polls": [{"content": {"questions": [{"question": {"type": "Multiple Answers"},
                                                             "answerSummary": [{"text": "a"}]}]}}],
                       "qas": [{"type": "Dismissed", "question": 42}], "chats": None, "newField": {"x": 1}})
    assert len(a.participants) == 1 and a.participants[0].joined is None and a.participants[0].email is None
    assert a.polls[0].questions[0].type == "multiple"
    assert a.polls[0].questions[0].choice_count == 1 and a.polls[0].questions[0].answers[0].total_respondents == 0
    assert a.qas[0].dismissed and a.qas[0].text == "42"
    assert a.chats == () and a.start is None and a.title == ""


@pytest.mark.parametrize("raw, kind", [("single", "single"), ("single answer", "single"), ("SINGLE_ANSWER", "single"),
                                       ("multiple", "multiple"), ("multiple answers", "multiple"),
                                       ("short answer", "short"), ("rating", "rating")])
def test_poll_types(raw, kind):
    assert normalise_poll_type(raw) == kind


@pytest.mark.parametrize("raw, expected", [
    ("2026-01-05T09:00:00Z", datetime(2026, 1, 5, 9, tzinfo=UTC)),
    ("2026-01-05T09:00:00.123+05:30", datetime(2026, 1, 5, 9, 0, 0, 123000, tzinfo=timezone(timedelta(hours=5.5)))),
    ("2026-01-05T09:00:00-08:00", datetime(2026, 1, 5, 17, tzinfo=UTC)),
    ("2026-01-05T09:00:00", datetime(2026, 1, 5, 9, tzinfo=UTC)),  # naive: UTC
    ("1970-01-01T00:00:00.000Z", None),  # live meetings' "not yet"
    ("", None), ("yesterday", None), (None, None), (12, None),
])
def test_times_stay_timezone_aware(raw, expected):
    parsed = parse_time(raw)
    assert parsed == expected
    if parsed is not None:
        assert parsed.tzinfo is not None


def test_summary_chat_and_meeting_records():
    s = parse_archive_summary({"archiveId": "7d7ea5f4aaaa_R_1", "serviceType": "MeetingCenter", "title": "Weekly",
                               "createTime": "2026-01-05T09:50:11Z"})
    assert s.created == datetime(2026, 1, 5, 9, 50, 11, tzinfo=UTC)
    c = parse_meeting_chat({"id": "c1", "meetingId": "m_I_1", "chatTime": "2026-01-05T09:05:00Z", "text": "hi",
                            "type": "Private", "sender": {"displayName": "Alice", "email": "a@x.io"},
                            "receivers": [{"displayName": "Bob"}, "junk"]})
    assert (c.type, c.sender.email, c.receivers[0].display_name, c.receivers[1].display_name) == (
        "private", "a@x.io", "Bob", "")
    m = parse_meeting({"id": "abc_I_1", "title": "T", "state": "ended", "hostEmail": "h@x.io",
                       "start": "2026-01-05T09:00:00Z", "meetingSeriesId": "abc"})
    assert (m.state, m.host_email, m.meeting_series_id) == ("ended", "h@x.io", "abc")


def test_span_windows_cover_any_span_in_30_day_pieces():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    windows = span_windows(start, start + timedelta(days=90, hours=1))
    assert len(windows) == 4
    assert windows[0][0] == start and windows[-1][1] == start + timedelta(days=90, hours=1)
    assert all(b - a <= timedelta(days=30) for a, b in windows)
    assert all(windows[i][1] == windows[i + 1][0] for i in range(len(windows) - 1))
    assert span_windows(start, start) == []


@pytest.mark.parametrize("value, archive, instance", [
    ("4E3254897D3A2E24E05386CA24AD93A6_R_1000637312", True, False),
    ("0ed74a1c0551494fb7a04e2881bf50ae_I_166022169160077044", False, True),
    ("0ed74a1c0551494fb7a04e2881bf50ae_20210514T203000Z", False, False),
    ("'; DROP TABLE x", False, False), ("", False, False),
])
def test_id_shapes(value, archive, instance):
    assert bool(ARCHIVE_ID.match(value)) is archive
    assert bool(INSTANCE_ID.match(value)) is instance


def test_id_shapes_refuse_trailing_newline():
    assert not ARCHIVE_ID.match("4E3254897D3A2E24E05386CA24AD93A6_R_1000637312\n")
