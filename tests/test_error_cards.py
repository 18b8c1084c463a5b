"""Usage, error, refusal and help cards as a person meets them, end to end through the emulator.

Plain words, commands in bold (never a backtick), Webex's own reason when it gave one, known limits
checked before any Webex call, an ordinary user's help and refusal, and the one-click "Run summary <id>".
"""

from __future__ import annotations

import html
import json
import re

import pytest
import requests
from markdown_it import MarkdownIt

from bot.cards import render_card
from bot.chat import COMMANDS, Command, parse, parse_action
from bot.chat.failures import explain
from bot.errors import WebexBadRequest
from bot.sandbox.emulator import USER_EMAIL
from bot.webex.translate import error_for
from tests.support.bot_rig import EXAMPLE_ARCHIVE, ask, card_of, card_text, running_rig

A = EXAMPLE_ARCHIVE
INSTANCE = "501e9954aaaa4bbbb_I_194316955237236650"
SPAN_REFUSED = "The interval between from and to cannot exceed 30 days"
ADMIN_ONLY = [spec.usage for spec in COMMANDS.values() if spec.needs_admin]


@pytest.fixture
def rig(tmp_path, emulator):
    with running_rig(tmp_path, emulator[0]) as rig:
        yield rig


def meeting_calls(rig):
    return rig.emulator.calls(None, "recordingReport") + rig.emulator.calls(None, "meetings")


def shown(reply) -> str:
    """Everything a reader can see on the card: its texts and its button titles."""
    return card_text(reply) + "\n" + json.dumps(card_of(reply).get("actions", []), ensure_ascii=False)


BAD_INPUTS = [
    "summary", "summary 12345", f"summary {INSTANCE} {A}", f"summary {A} {A}", "summary `x`", "polls <archiveId>",
    "chats", "chats 12345", f"export {A} xml", f"export {A} csv json", "export",
    "archives yesterday", "archives 2026-13-01", "archives 2026-02-30", "archives 2020-01-01 2020-12-31",
    "archives 2026-11-20 2026-11-01", "archives 2020-01-01", "archives 2099-01-01", "archives 1 2 3",
    "timezone Mars/Olympus", "timezone Europe/Paris UTC", "subscribe", "subscribe host", "subscribe all now",
    "subscribe nobody x", "unsubscribe x", "unsubscribe 1 2",
    "sumary", "sumary 4E32", f"sumary {A}", "xyzzy", "help", "`help`", "?", "`what`s` this", "/`archivs`",
]


@pytest.mark.parametrize("text", BAD_INPUTS)
def test_no_usage_or_help_card_shows_a_backtick_and_none_calls_webex(rig, text):
    reply = ask(rig, text)
    assert "`" not in json.dumps(card_of(reply), ensure_ascii=False), shown(reply)
    assert "`" not in reply["markdown"], reply["markdown"]  # the text fallback (and notification) too
    assert meeting_calls(rig) == []  # refused (or helped) before any meeting-data call


def test_the_time_zone_reply_names_the_command_in_bold_not_in_backticks(rig):
    reply = ask(rig, "timezone")
    text = reply.get("markdown") or reply.get("text", "")
    assert "**timezone Europe/Paris**" in text and "`" not in text


def test_a_usage_card_says_what_happened_and_what_to_type_in_bold(rig):
    card = card_of(ask(rig, "summary 12345"))
    texts = json.dumps(card, ensure_ascii=False)
    assert "How to use “summary”" in texts
    assert "“12345” is not a meeting's id" in texts
    assert "Type **summary \\\\<archiveId\\\\>**, for example **summary 4E3254897D3A2E24E05386CA24AD93A6\\\\_R" in texts


def test_an_archive_period_over_30_days_is_refused_without_asking_webex(rig):
    text = card_text(ask(rig, "archives 2020-01-01 2020-12-31"))
    assert "From 2020-01-01 to 2020-12-31 is 366 days" in text and "at most 30 days" in text
    assert "**archives 2020-01-01 2020-01-30**" in text  # a period that works, to type
    assert "malformed" not in text and "HTTP 400" not in text
    assert rig.emulator.calls("GET", "recordingReport") == []


@pytest.mark.parametrize("text, words", [
    ("archives 2026-02-30", "not a day on the calendar"),
    ("archives 2026-11-20 2026-11-01", "before the start date"),
    ("archives 2099-01-01", "is in the future"),
    ("archives 2020-01-01", "to today is"),
])
def test_impossible_reversed_future_and_too_long_dates_are_refused_before_any_call(rig, text, words):
    assert words in card_text(ask(rig, text))
    assert rig.emulator.calls("GET", "recordingReport") == []


def test_webex_own_reason_for_a_400_reaches_the_error_card(rig):
    rig.emulator.inject_fault(400, path_prefix="recordingReport/meetingArchives")
    reply = ask(rig, f"summary {A}")
    text = card_text(reply)
    assert "Webex refused the request" in text
    assert "Webex turned the request down and said: “Injected failure”." in text  # the emulator's 400 message
    assert "malformed" not in text and "`" not in json.dumps(card_of(reply), ensure_ascii=False)


def bad_request(message: str) -> requests.Response:
    response = requests.Response()
    response.status_code, response.reason, response.url = 400, "Bad Request", "https://webexapis.com/v1/x?from=a"
    response._content = json.dumps({"message": message, "errors": [{"description": message}],
                                    "trackingId": "ROUTER_1"}).encode()
    response.request = requests.Request("GET", response.url).prepare()
    return response


def test_a_webex_bad_request_carries_webex_words_to_the_card():
    error = error_for(bad_request(SPAN_REFUSED + "."), "admin")
    assert isinstance(error, WebexBadRequest) and error.webex_message == SPAN_REFUSED + "."
    explanation = explain(error)
    assert explanation.what_happened == f"Webex turned the request down and said: “{SPAN_REFUSED}”."
    card = render_card("error", title=explanation.title, what_happened=explanation.what_happened,
                       what_to_do=explanation.what_to_do, tracking_id=explanation.tracking_id)
    assert f"“{SPAN_REFUSED}”" in json.dumps(card.content, ensure_ascii=False)
    assert "**help**" in card.content["body"][4]["text"] and "`" not in json.dumps(card.content)


def test_a_bad_request_without_a_reason_says_so_plainly():
    response = bad_request("")
    response._content = b"not json"
    explanation = explain(error_for(response, "admin"))
    assert explanation.what_happened == "Webex turned the request down as not valid (HTTP 400)."


def test_the_refusal_uses_plain_words(rig):
    reply = ask(rig, f"summary {A}", email=USER_EMAIL)
    text = card_text(reply)
    assert "**summary** shows meeting data, which only Recap's admins may see. Nothing was looked up." in text
    assert "ask a Webex administrator of your organisation to add you to Recap's admins" in text
    assert "RECAP_ADMINS" not in text + reply["markdown"] and "`" not in json.dumps(card_of(reply))
    assert meeting_calls(rig) == []


def test_help_for_someone_who_is_not_an_admin_lists_only_their_commands():
    card = render_card("help", commands=COMMANDS.values(), admin=False, unknown="sumary", did_you_mean="summary")
    content = json.dumps(card.content, ensure_ascii=False)
    assert "help" in content and not [usage for usage in ADMIN_ONLY if usage.split(" ")[0] + " " in content]
    assert "Did you mean" not in content and "actions" not in card.content  # no admin command, no admin button
    assert "ask a Webex administrator of your organisation to add you to Recap's admins" in content


def test_an_ordinary_users_help_lists_no_admin_command(rig):
    text = card_text(ask(rig, "help", email=USER_EMAIL))
    assert "help" in text
    assert not [usage for usage in ADMIN_ONLY if usage in text]


def test_a_typo_with_an_id_suggests_the_command_with_it():
    assert parse(f"sumary {A}") == Command("help", unknown="sumary", suggestion=f"summary {A}")
    assert parse(f"Pols `{A}`.") == Command("help", unknown="Pols", suggestion=f"polls {A}")
    assert parse("sumary 4E32") == Command("help", unknown="sumary", suggestion="summary")  # not an id: no values
    assert parse_action({"action": "summary", "args": A}) == Command("summary", archive_id=A)
    assert parse_action({"action": "export", "args": f"{A} json"}) == Command("export", archive_id=A, format="json")


def test_the_run_button_of_a_typo_runs_the_command(rig):
    help_reply = ask(rig, f"sumary {A}")
    assert f"Did you mean **summary {A}**?" in card_text(help_reply)
    (run, _) = card_of(help_reply)["actions"]
    assert run == {"type": "Action.Submit", "title": f"Run summary {A}", "data": {"action": "summary", "args": A}}
    rig.press(help_reply["id"], f"Run summary {A}")
    rig.run_jobs()
    recap = rig.replies()[-1]
    assert recap["parentId"] == help_reply["parentId"] and "marcos@example.com" in card_text(recap)
    assert [e.command for e in rig.jobs.services.store.audit_log()] == ["summary"]
    assert [c.path for c in rig.emulator.calls("GET", "recordingReport")] == [
        f"/v1/recordingReport/meetingArchives/{A}"]


def test_a_typo_with_a_bad_value_gets_no_run_button(rig):
    actions = card_of(ask(rig, "sumary 4E32"))["actions"]
    assert [a["title"] for a in actions] == ["Recent archives"]


@pytest.mark.parametrize("said, bold, plain", [
    ("Use `archives` to list them.", ["archives"], "Use archives to list them."),
    ("Type `help` and an odd `", ["help"], "Type help and an odd"),  # the unpaired last backtick: dropped
    ("`<@all> **x**` as typed", ["<@all> **x**"], "<@all> **x** as typed"),
])
def test_error_card_words_show_commands_in_bold_and_never_a_backtick(said, bold, plain):
    card = render_card("error", title="t", what_happened=said, what_to_do="Type `help`.")
    text = card.content["body"][2]["text"]
    rendered = MarkdownIt("commonmark").render(text)
    assert [html.unescape(b).replace("\u2060", "") for b in re.findall(r"<strong>(.*?)</strong>", rendered)] == bold
    assert html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip().replace("\u2060", "") == plain
    assert "`" not in json.dumps(card.content) and "<@" not in json.dumps(card.content) + card.markdown
