"""CSV and JSON exports: every table round-trips through csv.reader, formulas are neutralised, JSON is whole."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.chat import TABLES, export_archive, export_filename, neutralise
from bot.errors import UsageError
from bot.meetings import parse_archive

DOC_EXAMPLE = Path(__file__).parent / "data" / "doc_example_archive.json"
HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rCR", 'say "hi", then\nbye',
           "a,b;c", "naïve ✓ 🎉", "'already quoted", " =space first"]


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def doc_archive():
    return parse_archive(json.loads(DOC_EXAMPLE.read_text()))


def hostile_archive(texts: list[str]):
    """Every text field of every table carries one of ``texts``."""
    pick = lambda i: texts[i % len(texts)]  # noqa: E731
    return parse_archive({
        "archiveId": "ABCDEF12_R_42", "title": pick(0), "start": "2026-01-05T09:00:00Z", "end": "2026-01-05T10:00:00Z",
        "participants": [{"displayName": pick(i), "email": f"p{i}@example.com", "correlationId": i,
                          "joinedTime": "2026-01-05T09:00:00Z", "leftTime": "2026-01-05T09:30:00Z"}
                         for i in range(len(texts))],
        "chats": [{"type": "public", "senderName": pick(i), "chatTime": f"2026-01-05T09:{i % 60:02d}:00Z",
                   "target": pick(i + 1), "text": pick(i + 2)} for i in range(len(texts))],
        "polls": [{"content": {"questions": [{"question": {"type": "single", "text": pick(3)},
                                              "answerSummary": [{"text": pick(4), "isCorrect": True}],
                                              "respondents": [{"displayName": pick(i), "answers": [pick(i + 5)]}
                                                              for i in range(len(texts))]}]}}],
        "qas": [{"type": "public", "displayName": pick(i), "question": pick(i + 1),
                 "answers": [{"displayName": pick(i + 2), "text": pick(i + 3)}]} for i in range(len(texts))],
    })


def expected_cell(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@pytest.mark.parametrize("table", TABLES)
def test_every_table_round_trips_hostile_text_through_csv_reader(table):
    archive = hostile_archive(HOSTILE)
    parsed = rows(export_archive(archive, "csv", table=table))
    header, body = parsed[0], parsed[1:]
    assert body and all(len(row) == len(header) for row in body)
    cells = {cell for row in body for cell in row}
    text_cells = cells & {expected_cell(t) for t in HOSTILE}
    assert text_cells, f"{table}: no hostile text survived the round trip"
    for cell in cells:  # nothing a spreadsheet would evaluate is left, except numbers we wrote
        assert cell.lstrip("-").isdigit() or not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_neutralise_prefixes_only_text_and_keeps_numbers():
    assert [neutralise(v) for v in ("=1", "+1", "-1", "@x", "\tx", "\rx", "ok", "", -25516827, 3, True)] == \
        ["'=1", "'+1", "'-1", "'@x", "'\tx", "'\rx", "ok", "", -25516827, 3, "yes"]


def test_documented_example_tables():
    archive = doc_archive()
    attendance = rows(export_archive(archive, "csv", table="attendance", timezone="Asia/Shanghai"))
    assert [r[0] for r in attendance[1:]] == ["Antoine Griezmann", "Marco Reus", "Marcos Alonso"]
    assert attendance[1][1:5] == ["linzhou@example.com", "2022-11-03T10:32:09+08:00", "2022-11-03T10:37:32+08:00",
                                  "323"]
    joins = rows(export_archive(archive, "csv", table="joins"))
    assert [r[2] for r in joins[1:]] == ["-25516827", "10947662", "-25516842"]  # numbers, not neutralised text
    assert joins[1][3] == "2022-11-03T02:32:09+00:00"
    polls = rows(export_archive(archive, "csv", table="polls"))
    assert [(r[5], r[7], r[8]) for r in polls[1:]] == [("Marcos Alonso", "2", "no"), ("Antoine Griezmann", "1", "no"),
                                                      ("Marco Reus", "2", "no")]
    qa = rows(export_archive(archive, "csv", table="qa"))
    assert [r[2] for r in qa[1:]] == ["answered"] * 3 + ["dismissed"]
    assert [r[9] for r in qa[1:4]] == ["Go home", "Hiking", "Drink Some"]
    chats = rows(export_archive(archive, "csv", table="chats"))
    assert chats[1][1:] == ["public", "Marcos Alonso", "All Participants", "Hi everyone!"]


def test_json_export_is_the_whole_archive_plus_attendance():
    data = json.loads(DOC_EXAMPLE.read_text())
    exported = json.loads(export_archive(parse_archive(data), "json", timezone="Asia/Shanghai"))
    assert exported["archive"] == data
    people = exported["computed"]["attendance"]
    assert [p["name"] for p in people] == ["Antoine Griezmann", "Marco Reus", "Marcos Alonso"]
    assert people[0]["seconds"] == 323 and people[0]["first_join"] == "2022-11-03T10:32:09+08:00"


def test_unknown_format_table_and_zone_are_usage_errors():
    archive = doc_archive()
    for kwargs in ({"fmt": "xml"}, {"fmt": "csv", "table": "people"}, {"fmt": "csv", "timezone": "Mars/Base"}):
        with pytest.raises(UsageError):
            export_archive(archive, **kwargs)


def test_file_names_are_short_readable_and_safe():
    archive = parse_archive({"archiveId": "ABC/../x_R_1", "title": 'Weekly "sync" / ../../etc <b>',
                             "start": "2026-12-05T23:30:00Z"})
    assert export_filename(archive, "csv", "joins") == "2026-12-05 Weekly sync etc b - joins.csv"
    # The meeting's day in the space's zone.
    assert export_filename(archive, "csv", "joins", timezone="Asia/Tokyo") == "2026-12-06 Weekly sync etc b - joins.csv"
    assert export_filename(doc_archive(), "json", "attendance", timezone="Asia/Shanghai") == \
        "2022-11-03 Marcos Alonso's Personal Room.json"
    assert export_filename(parse_archive({}), "csv", "qa") == "Meeting - qa.csv"
    # Shortened at a word, e-mails (look-alikes too) never in a name, no leading dot or dash.
    long = parse_archive({"title": "..-Sync with mallory＠example.com about the quarterly planning of everything",
                          "start": "2026-12-05T08:00:00Z"})
    name = export_filename(long, "csv", "attendance")
    assert name == "2026-12-05 Sync with about the quarterly planning - attendance.csv"
    assert "@" not in name and "example" not in name and len(name) < 80
    # The stream's top-level fields (start as Webex wrote it) name a file the same way.
    fields = {"title": "Zoë's review: Q3/Q4", "start": "2026-12-05T08:55:00+01:00", "archiveId": "x_R_1"}
    assert export_filename(fields, "csv", "polls") == "2026-12-05 Zoë's review Q3 Q4 - polls.csv"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=40), min_size=1, max_size=8))
def test_any_text_round_trips(texts):
    archive = hostile_archive(texts)
    for table in TABLES:
        parsed = rows(export_archive(archive, "csv", table=table))
        assert all(len(row) == len(parsed[0]) for row in parsed)
    chat_texts = [r[4] for r in rows(export_archive(archive, "csv", table="chats"))[1:]]
    expected = sorted(expected_cell(c.text) for c in archive.chats)
    assert sorted(chat_texts) == expected
