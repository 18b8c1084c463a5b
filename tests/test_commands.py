"""The command parser, as tables of inputs and the command each one must give."""

from __future__ import annotations

import base64
from datetime import date
from functools import partial

import pytest

from bot.chat import (
    COMMANDS,
    Command,
    CommandUsageError,
    arguments,
    mentions_in,
    parse,
    parse_action,
    parse_words,
    split_words,
    strip_mention,
)
from bot.webex import same_person

A = "4E3254897D3A2E24E05386CA24AD93A6_R_1000637312"
I = "501e9954aaaa4bbbb_I_194316955237236650"  # noqa: E741 - reads like the id kind it is
BOT_UUID = "0f6e1f5c-1111-4a4a-9b9b-123456789abc"
BOT_ID = base64.b64encode(f"ciscospark://us/PEOPLE/{BOT_UUID}".encode()).decode().rstrip("=")
IS_BOT = partial(same_person, BOT_ID)


@pytest.fixture(autouse=True)
def today_is_late_november(monkeypatch):
    """``archives`` checks its dates against today: the tables below are written on 25 November 2026."""
    monkeypatch.setattr(arguments, "today", lambda: date(2026, 11, 25))


@pytest.mark.parametrize("text, expected", [
    ("help", Command("help")),
    ("", Command("help")),
    ("   ", Command("help")),
    ("HELP", Command("help")),
    ("/help", Command("help")),
    ("?", Command("help")),
    (f"summary {A}", Command("summary", archive_id=A)),
    (f"/Summary {A}", Command("summary", archive_id=A)),
    (f"SUMMARY   {A}  ", Command("summary", archive_id=A)),
    (f'summary "{A}"', Command("summary", archive_id=A)),
    (f"summary <{A}>", Command("summary", archive_id=A)),
    (f"summary `{A}`.", Command("summary", archive_id=A)),
    (f"summary \u201c{A}\u201d", Command("summary", archive_id=A)),
    (f"attendance {A}", Command("attendance", archive_id=A)),
    (f"attendees {A}", Command("attendance", archive_id=A)),
    (f"attendance {A} name", Command("attendance", archive_id=A, sort="name")),
    (f"attendance {A} Shortest", Command("attendance", archive_id=A, sort="shortest")),
    (f"attendance {A} join", Command("attendance", archive_id=A, sort="join")),
    (f"attendance {A} longest", Command("attendance", archive_id=A, sort="longest")),
    (f"polls {A}", Command("polls", archive_id=A)),
    (f"qa {A}", Command("qa", archive_id=A)),
    (f"Q&A {A}", Command("qa", archive_id=A)),
    (f"chats {I}", Command("chats", meeting_id=I)),
    (f"chat {I}", Command("chats", meeting_id=I)),
    (f"chats {A}", Command("chats", archive_id=A)),
    ("archives", Command("archives")),
    ("archives 2026-11-01", Command("archives", start=date(2026, 11, 1))),
    ("archives 2026-11-01 2026-11-20", Command("archives", start=date(2026, 11, 1), end=date(2026, 11, 20))),
    ("archives 2026-11-01 2026-11-01", Command("archives", start=date(2026, 11, 1), end=date(2026, 11, 1))),
    (f"export {A}", Command("export", archive_id=A, format="csv", table="attendance")),
    (f"export {A} csv", Command("export", archive_id=A, format="csv", table="attendance")),
    (f"export {A} CSV polls", Command("export", archive_id=A, format="csv", table="polls")),
    (f"export {A} qa", Command("export", archive_id=A, format="csv", table="qa")),
    (f"export {A} joins csv", Command("export", archive_id=A, format="csv", table="joins")),
    (f"export {A} json", Command("export", archive_id=A, format="json")),
    # Either id works (issue 13): a meeting instance id for any meeting command, and the insight tables.
    (f"summary {I}", Command("summary", meeting_id=I)),
    (f"polls {I}", Command("polls", meeting_id=I)),
    (f"attendance {I} name", Command("attendance", meeting_id=I, sort="name")),
    (f"export {I} csv speakers", Command("export", meeting_id=I, format="csv", table="speakers")),
    (f"export {A} invitees", Command("export", archive_id=A, format="csv", table="invitees")),
    ("timezone", Command("timezone")),
    ("timezone Europe/Paris", Command("timezone", zone="Europe/Paris")),
    ("timezone europe/paris", Command("timezone", zone="Europe/Paris")),
    ("tz utc", Command("timezone", zone="UTC")),
])
def test_commands_parse(text, expected):
    assert parse(text) == expected


@pytest.mark.parametrize("text, unknown, suggestion", [
    ("sumary X", "sumary", "summary"),
    ("/Summery", "/Summery", "summary"),
    ("pols", "pols", "polls"),
    ("archivs", "archivs", "archives"),
    ("exprot", "exprot", "export"),
    ("timezon", "timezon", "timezone"),
    ("hello there", "hello", None),
    ("what's new?", "what's", None),
    ("xyzzy", "xyzzy", None),
])
def test_unknown_commands_become_help_with_did_you_mean(text, unknown, suggestion):
    assert parse(text) == Command("help", unknown=unknown, suggestion=suggestion)


@pytest.mark.parametrize("text, command, fragment", [
    ("summary", "summary", "needs a meeting's id"),
    ("summary not-an-id", "summary", "is not a meeting's id"),
    (f"summary {A} {A}", "summary", "takes one id"),
    ("summary ABC_R_1", "summary", "is not a meeting's id"),
    (f"summary {A}x", "summary", "is not a meeting's id"),
    (f"summary ../../{A}", "summary", "is not a meeting's id"),
    (f"summary {A}?max=1", "summary", "is not a meeting's id"),
    ("polls 4E3254897D3A2E24E05386CA24AD93A6_R_", "polls", "is not a meeting's id"),
    ("chats", "chats", "exactly one id"),
    ("chats 12345", "chats", "neither a meeting instance id"),
    ("archives yesterday", "archives", "YYYY-MM-DD"),
    ("archives 2026-13-01", "archives", "not a day on the calendar"),
    ("archives 2026-02-30", "archives", "not a day on the calendar"),
    ("archives 2020-01-01 2020-12-31", "archives", "366 days, but Webex lists archives over at most 30 days"),
    ("archives 2026-10-01 2026-10-31", "archives", "like `archives 2026-10-01 2026-10-30`"),
    ("archives 2026-10-01", "archives", "From 2026-10-01 to today is 56 days"),
    ("archives 2026-12-24", "archives", "is in the future"),
    ("archives 2026-11-20 2026-11-01", "archives", "before the start"),
    ("archives 2026-11-01 2026-11-02 2026-11-03", "archives", "at most two"),
    (f"attendance {A} loudest", "attendance", "not an order for the list; use one of longest, shortest, name, join"),
    (f"attendance {A} name join", "attendance", "a meeting's id and an order"),
    (f"export {A} xml", "export", "not a format"),
    (f"export {A} csv json", "export", "given twice"),
    ("export", "export", "needs a meeting's id"),
    ("timezone Mars/Olympus", "timezone", "not an IANA time zone"),
    ("timezone Europe/Paris UTC", "timezone", "one IANA"),
])
def test_bad_arguments_are_refused_before_any_call(text, command, fragment):
    with pytest.raises(CommandUsageError) as caught:
        parse(text)
    assert caught.value.command == command
    assert fragment in str(caught.value)
    assert caught.value.usage == COMMANDS[command].usage
    assert caught.value.example


def test_a_long_hostile_value_is_shortened_in_the_message():
    with pytest.raises(CommandUsageError) as caught:
        parse("summary " + "`" * 5 + "x" * 500)
    assert len(str(caught.value)) < 300
    assert "`````" not in str(caught.value)


@pytest.mark.parametrize("text, html, expected", [
    # The html's <spark-mention> names exactly what to drop, wherever it is.
    (f"Recap summary {A}", f'<p><spark-mention data-object-type="person" data-object-id="{BOT_ID}">Recap'
                           f"</spark-mention> summary {A}</p>", f"summary {A}"),
    (f"Recap Bot polls {A}", f"<spark-mention data-object-id='{BOT_ID}'>Recap Bot</spark-mention> polls {A}",
     f"polls {A}"),
    # A mention by the bare uuid (some clients) still matches the base64 person id.
    ("Recap help", f'<spark-mention data-object-id="{BOT_UUID}">Recap</spark-mention> help', "help"),
    # Mid-sentence mention.
    (f"please Recap qa {A}", f'please <spark-mention data-object-id="{BOT_ID}">Recap</spark-mention> qa {A}',
     f"please qa {A}"),
    # Someone else's mention is kept; the bot's is dropped.
    ("Recap summary Alice", f'<spark-mention data-object-id="{BOT_ID}">Recap</spark-mention> summary '
                            '<spark-mention data-object-id="OTHER">Alice</spark-mention>', "summary Alice"),
    # Without html: the display name (or its first word) at the start.
    (f"Recap Bot summary {A}", None, f"summary {A}"),
    (f"recap summary {A}", None, f"summary {A}"),
    (f"@Recap, summary {A}", None, f"summary {A}"),
    (f"Recapitulate {A}", None, f"Recapitulate {A}"),
    (f"summary {A}", None, f"summary {A}"),
])
def test_the_bots_mention_is_stripped(text, html, expected):
    assert " ".join(strip_mention(text, html=html, is_bot=IS_BOT, bot_name="Recap Bot").split()) == expected


def test_parse_with_mention_gives_the_command():
    html = f'<spark-mention data-object-id="{BOT_ID}">Recap</spark-mention> /SUMMARY {A}'
    assert parse(f"Recap /SUMMARY {A}", html=html, is_bot=IS_BOT, bot_name="Recap Bot") == \
        Command("summary", archive_id=A)
    assert parse("Recap", html=f'<spark-mention data-object-id="{BOT_ID}">Recap</spark-mention>',
                 is_bot=IS_BOT) == Command("help")


def test_mentions_and_person_ids():
    assert mentions_in('<p>hi <spark-mention data-object-id="X">A &amp; B</spark-mention></p>') == [("X", "A & B")]
    assert same_person(BOT_ID, BOT_UUID) and same_person(BOT_ID, BOT_ID)
    assert not same_person(BOT_ID, "someone-else") and not same_person("", "")


@pytest.mark.parametrize("text, words", [
    ('export "A B" csv', ["export", "A B", "csv"]),
    ("what's new", ["what's", "new"]),
    ("a\u00a0b", ["a", "b"]),
    ('say \u201chello world\u201d', ["say", "hello world"]),
])
def test_split_words(text, words):
    assert split_words(text) == words


@pytest.mark.parametrize("name, args, expected", [
    ("polls", [A], Command("polls", archive_id=A)),
    ("Summary", [A, ""], Command("summary", archive_id=A)),
    ("export", [A, "json"], Command("export", archive_id=A, format="json")),
    ("nonsense", [], Command("help", unknown="nonsense", suggestion=None)),
])
def test_parse_words_from_a_card(name, args, expected):
    assert parse_words(name, args) == expected


@pytest.mark.parametrize("inputs, expected", [
    ({"action": "polls", "archiveId": A}, Command("polls", archive_id=A)),
    ({"action": "chats", "archiveId": A}, Command("chats", archive_id=A)),
    ({"action": "attendance", "archiveId": A, "sort": "name"}, Command("attendance", archive_id=A, sort="name")),
    ({"action": "chats", "meetingId": I}, Command("chats", meeting_id=I)),
    ({"action": "export", "archiveId": A, "format": "csv", "table": "qa"},
     Command("export", archive_id=A, format="csv", table="qa")),
    ({"action": "summary", "archiveId": A, "extra": {"nested": True}}, Command("summary", archive_id=A)),
    ({"command": "archives"}, Command("archives")),
    ({}, Command("help", unknown="", suggestion=None)),
])
def test_card_actions_parse_like_commands(inputs, expected):
    assert parse_action(inputs) == expected


def test_a_card_action_with_a_forged_id_is_refused():
    with pytest.raises(CommandUsageError):
        parse_action({"action": "summary", "archiveId": "../people/me"})


def test_every_command_has_usage_summary_and_an_example_that_parses():
    for name, spec in COMMANDS.items():
        assert spec.usage.startswith(name) and spec.summary
        assert parse(spec.example).name == name
    assert COMMANDS["help"].needs_admin is False
    assert all(spec.needs_admin for name, spec in COMMANDS.items() if name != "help")
