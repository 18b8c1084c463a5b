"""Recap cards for the documented example archive: every number checked against a hand count, and the basics
every card must meet (zone shown, buttons a handler can dispatch, privacy in group spaces, literal meeting text)."""

from __future__ import annotations

import html
import itertools
import json
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from markdown_it import MarkdownIt

from bot.cards import render as cards
from bot.cards import render_card, render_view, validate_card
from bot.chat import COMMANDS
from bot.errors import CardError, UsageError
from bot.meetings import ArchiveSummary, parse_archive, parse_archive_summary, parse_meeting_chat
from bot.resources import templates_dir
from tests.support.bot_rig import nodes_of

DOC_EXAMPLE = Path(__file__).parent / "data" / "doc_example_archive.json"
ARCHIVE_ID = "4E3254897D3A2E24E05386CA24AD93A6_R_1000637312"
HOSTILE = "[click](http://x) <@all> **bold** _it_ `code` <b>html</b> # not a heading"


def doc_archive():
    return parse_archive(json.loads(DOC_EXAMPLE.read_text()))


def text_blocks(node) -> list[dict]:
    """Every TextBlock of a card, in reading order."""
    if isinstance(node, dict):
        found = [node] if node.get("type") == "TextBlock" else []
        return found + [b for value in node.values() for b in text_blocks(value)]
    if isinstance(node, list):
        return [b for value in node for b in text_blocks(value)]
    return []


def texts(card) -> list[str]:
    return [block["text"] for block in text_blocks(card.content)]


def tile_sets(card) -> list[dict[str, str]]:
    """The big-number groups of a card (rows of at most three tiles): label -> value, one dict per group."""
    groups = []
    for node in nodes_of(card.content):
        rows = node.get("items") if node.get("type") == "Container" else None
        if rows and all(_tile_row(row) is not None for row in rows):
            groups.append({label: value for row in rows for label, value in _tile_row(row).items()})
    return groups


def _tile_row(node) -> dict[str, str] | None:
    if node.get("type") != "ColumnSet" or not 1 <= len(node["columns"]) <= 3:
        return None
    cols = [[i for i in c.get("items", []) if i.get("type") == "TextBlock"] for c in node["columns"]]
    tiles = [c for c in cols if c]  # a short last row is padded with empty columns
    if tiles and all(len(c) == 2 and c[1].get("size") == "Small" and c[0].get("size") == "Large" for c in tiles):
        return {c[1]["text"]: c[0]["text"] for c in tiles}
    return None


def bar_share(node) -> float | None:
    """The filled share of a native bar (a ColumnSet of empty styled columns), or None if ``node`` is no bar."""
    if node.get("type") != "ColumnSet" or not all(c.get("items") == [] and c.get("style") for c in node["columns"]):
        return None
    filled = [c["width"] for c in node["columns"] if c["style"] != "emphasis"]
    assert sum(c["width"] for c in node["columns"]) == pytest.approx(100)
    return filled[0] if filled else 0.0


def poll_rows(card) -> list[tuple[str, float, str, str | None]]:
    """(answer, bar's filled share, count · share, colour) for every answer: its row, then its bar right under it."""
    found = []
    for node in nodes_of(card.content):
        items = node.get("items") if node.get("type") == "Container" else None
        for row, under in itertools.pairwise(items or []):
            share = bar_share(under)
            if row.get("type") == "ColumnSet" and share is not None:
                answer, numbers = (c["items"][0] for c in row["columns"])
                styles = {c["style"] for c in under["columns"]} - {"emphasis"}
                assert styles <= {"good" if answer.get("color") == "Good" else "accent"}  # a correct bar is green
                found.append((answer["text"], share, numbers["text"], answer.get("color")))
    return found



# --- the documented example, counted by hand -------------------------------------------------------

def test_summary_card_numbers_match_a_hand_count_of_the_documented_example():
    """Hand count of the OpenAPI example: 3 participants (Marcos Alonso, Antoine Griezmann, Marco Reus, each
    joined 10:32:09 and left 10:37:32 = 5m 23s, nobody late or early); poll Q1 answers "1"/"2"/"3" got 1/2/0
    votes of 3 respondents (33%/67%/0%), "3" is the correct answer; Q&A: 2 questions, 1 answered (with 3
    answers), 1 dismissed, 0 unanswered; chat: 1 public message. Every number on the card matches."""
    card = render_view("summary", doc_archive(), audience="direct", timezone="Asia/Shanghai")
    attendance, qa, chat = tile_sets(card)
    assert attendance == {"people": "3", "at peak": "3", "median stay": "5\u00a0min", "joined late": "0",
                          "left early": "0"}
    assert qa == {"questions": "2", "answered": "1", "unanswered": "0", "dismissed": "1", "median wait": "0\u00a0s"}
    assert chat == {"message": "1", "public": "1", "group": "0", "private": "0"}
    # Native bars: the filled column's width weight is the share (to 0.1 %), the track's the rest.
    assert poll_rows(card) == [("1", 33.3, "1 · 33%", None), ("2", 66.7, "2 · 67%", None),
                               ("✓ 3", 0.0, "0 · 0%", "Good")]
    shown = texts(card)
    # One base on the card, named: the 3 people present while the poll ran (10:33–10:37).
    assert "1 poll · 1 question · 3 of the 3 people present during the polls (100%) voted in at least one poll" in shown
    assert "Poll 1 · Q1 · single choice (one answer)" in shown  # no poll heading on the recap card: the label names it
    assert "3 of the 3 present answered (100%) · correct: 3" in shown
    # Start and end are both 10:37:32 in the example: the header falls back to first join / last leave.
    assert "Thu 3 Nov 2022 · 10:32–10:37 (Asia/Shanghai)" in shown
    assert "First 10:32 · last 10:32 · most active: Marcos Alonso (1)" in shown


def test_detail_cards_match_the_hand_count():
    archive = doc_archive()
    attendance = texts(render_view("attendance", archive, audience="direct", timezone="Asia/Shanghai"))
    for name in ("Antoine Griezmann", "Marco Reus", "Marcos Alonso"):
        assert name in attendance
    assert attendance.count("10:32–10:37") == 3  # rows; everyone stayed 5 min: in the list and under short stays
    assert attendance.count("5 min") == 6 and "Short stays (under 10 min) · 3" in attendance  # the tile: 5\u00a0min
    assert "3 joins by 3 people · peak at 10:32" in attendance
    assert "linzhou@example.com" in attendance  # the one e-mail the archive has, in a 1:1

    polls = render_view("polls", archive, audience="direct", timezone="Asia/Shanghai")
    assert [r[2] for r in poll_rows(polls)] == ["1 · 33%", "2 · 67%", "0 · 0%"]
    assert "Antoine Griezmann" in texts(polls) and "Marcos Alonso, Marco Reus" in texts(polls)  # who voted what
    assert "Poll 1: 10:33–10:37 · 3 of the 3 people present when the poll ran voted (100%)" in texts(polls)
    assert "Q1 · single choice (one answer)" in texts(polls)  # under "Poll 1: …", the label does not repeat the poll
    assert not [t for t in texts(polls) if t.startswith("Poll 1 ·")]

    qa = texts(render_view("qa", archive, audience="direct", timezone="Asia/Shanghai"))
    assert [t for t in qa if t.startswith(("Answered", "Unanswered", "Dismissed"))] == ["Answered after 0 s",
                                                                                        "Dismissed"]
    # The archive lists the answers 10:32:34, 10:34:58, 10:32:40; the card shows them in time order.
    assert [t for t in qa if t in ("Go home", "Hiking", "Drink Some")] == ["Go home", "Drink Some", "Hiking"]
    assert [t for t in qa if t.startswith(("Marcos Alonso · ", "Adam Zhou · "))] == [
        "Marcos Alonso · 10:32", "Marcos Alonso · 10:32", "Adam Zhou · 10:34"]

    chats = texts(render_view("chats", archive, audience="direct", timezone="Asia/Shanghai"))
    assert "Hi everyone!" in chats and "10:32 · Marcos Alonso → All Participants" in chats


def test_fallback_markdown_carries_the_same_numbers():
    card = render_view("summary", doc_archive(), audience="direct", timezone="Asia/Shanghai")
    md = card.markdown
    assert "3 people · 3 at peak · 5\u00a0min median stay · 0 joined late · 0 left early" in md
    assert "- 1: 1 (33%) ███▌░░░░░░" in md and "- 2: 2 (67%)" in md and "- 3: 0 (0%) ░░░░░░░░░░ ✓ correct" in md
    assert "3 of the 3 people present during the polls (100%) voted in at least one poll" in md
    assert "2 questions · 1 answered · 0 unanswered · 1 dismissed" in md
    assert "1 message · 1 public · 0 group · 0 private" in md


def test_times_follow_the_requested_zone_and_name_it():
    card = render_view("attendance", doc_archive(), audience="direct", timezone="Europe/Berlin")
    assert "Thu 3 Nov 2022 · 03:32–03:37 (Europe/Berlin)" in texts(card)
    assert "03:32–03:37" in texts(card)
    with pytest.raises(UsageError, match="Mars/Base"):
        render_view("summary", doc_archive(), audience="direct", timezone="Mars/Base")


def buttons(card) -> list[dict]:
    """Every Submit button of a card, those under "More" included, in order."""
    found = []
    for action in card.content.get("actions", []):
        found += action["card"]["actions"] if action["type"] == "Action.ShowCard" else [action]
    return found


def test_summary_buttons_carry_what_a_handler_needs():
    card = render_view("summary", doc_archive(), audience="direct", timezone="UTC")
    actions = card.content["actions"]  # three in the row, the rest under "More", five in all (Webex's limit)
    assert [a["title"] for a in actions] == ["People", "Polls", "More"] and actions[2]["type"] == "Action.ShowCard"
    assert all(a["type"] == "Action.Submit" for a in buttons(card))
    # In the 1:1, "More" holds one choice of part, for "Show" (Q&A, chat…) or "Download CSV" (any table).
    assert [a["data"] for a in buttons(card)] == [
        {"action": "attendance", "archiveId": ARCHIVE_ID}, {"action": "polls", "archiveId": ARCHIVE_ID},
        {"action": "show", "archiveId": ARCHIVE_ID}, {"action": "export", "archiveId": ARCHIVE_ID, "format": "csv"}]
    (pick,) = actions[2]["card"]["body"]
    assert (pick["type"], pick["id"], pick["value"]) == ("Input.ChoiceSet", "table", "qa")
    assert [c["value"] for c in pick["choices"]] == ["qa", "chats", "attendance", "polls"]
    for view in ("attendance", "polls", "qa", "chats"):
        detail = render_view(view, doc_archive(), audience="direct", timezone="UTC").content["actions"]
        assert detail[0]["data"] == {"action": "summary", "archiveId": ARCHIVE_ID}
        if view == "attendance":  # attendance's other buttons sort its list (test_cards_attendance.py)
            continue
        assert detail[1]["title"] == "Export" and detail[1]["card"]["body"][0]["value"] == view  # its own table first
        (download,) = detail[1]["card"]["actions"]
        assert download["data"] == {"action": "export", "archiveId": ARCHIVE_ID, "format": "csv"}


def test_group_cards_show_no_email_and_no_private_text():
    archive = doc_archive()
    for view in cards.VIEWS:
        card = render_view(view, archive, audience="group", timezone="UTC")
        everything = json.dumps(card.content, ensure_ascii=False) + card.markdown
        for secret in ("linzhou@example.com", "marcos@example.com", "What we will do next step?", "Go home",
                       "Hiking", "cannot be provided"):
            assert secret not in everything, (view, secret)
    qa = texts(render_view("qa", archive, audience="group", timezone="UTC"))
    assert "2 non-public questions counted but not shown in a group space." in qa
    assert tile_sets(render_view("qa", archive, audience="group", timezone="UTC"))[0]["questions"] == "2"


def test_group_view_hides_email_shaped_text_even_inside_public_text():
    archive = parse_archive({"archiveId": "ABCDEF12_R_1", "title": "Sync with bob@example.com",
                             "chats": [{"type": "public", "senderName": "carol@example.com",
                                        "text": "mail me: dave@example.org"}]})
    card = render_view("chats", archive, audience="group", timezone="UTC")
    assert "@example" not in json.dumps(card.content) + card.markdown
    assert "mail me: (e-mail hidden)" in texts(card)
    assert "dave@example.org" in json.dumps(render_view("chats", archive, audience="direct", timezone="UTC").content)


def test_post_meeting_chats_replace_the_archive_chat():
    chats = [parse_meeting_chat({"id": "1", "chatTime": "2022-11-03T02:40:00Z", "text": "from the compliance API",
                                 "type": "public", "sender": {"displayName": "Zoe"}, "receivers": []})]
    card = render_view("chats", doc_archive(), audience="direct", timezone="UTC", chats=chats)
    assert "from the compliance API" in texts(card) and "Hi everyone!" not in texts(card)
    assert "From the post-meeting chat; times in UTC." in texts(card)


# --- meeting text is data ------------------------------------------------------------------------

def hostile_archive():
    return parse_archive({
        "archiveId": "ABCDEF12_R_1", "title": HOSTILE, "hostDisplayName": HOSTILE,
        "participants": [{"displayName": HOSTILE, "joinedTime": "2026-01-05T09:00:00Z"}],
        "chats": [{"type": "public", "senderName": HOSTILE, "target": HOSTILE, "text": HOSTILE}],
        "polls": [{"content": {"questions": [{"question": {"type": "single", "text": HOSTILE},
                                              "answerSummary": [{"text": HOSTILE, "totalRespondents": 1}]}]}}],
        "qas": [{"type": "public", "displayName": HOSTILE, "question": HOSTILE,
                 "answers": [{"displayName": HOSTILE, "text": HOSTILE}]}],
    })


def shown_as(markdown_text: str) -> str:
    """What a CommonMark renderer shows for a card text or a fallback (our own ** and ` may be markup)."""
    rendered = MarkdownIt("commonmark").enable("strikethrough").render(markdown_text)
    assert not re.search(r"<(a|em|h\d|img|b|s)\b", rendered), rendered  # nothing the meeting text asked for
    return html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip()


@pytest.mark.parametrize("view", list(cards.VIEWS))
def test_meeting_text_shows_literally_in_cards_and_fallbacks(view):
    card = render_view(view, hostile_archive(), audience="direct", timezone="UTC")
    shown = [shown_as(t) for t in texts(card)]
    assert any(HOSTILE in s for s in shown), shown
    assert "<@" not in json.dumps(card.content, ensure_ascii=False) and "<@" not in card.markdown
    assert HOSTILE in shown_as(card.markdown)


def test_command_cards_escape_what_they_echo():
    card = render_card("error", title=HOSTILE, what_happened=HOSTILE, what_to_do="x", tracking_id="<@all>")
    assert [shown_as(t) for t in texts(card)][1] == HOSTILE
    assert "<@" not in json.dumps(card.content) + card.markdown
    help_card = render_card("help", commands=COMMANDS.values(), unknown="<@all> **x**", did_you_mean="summary")
    assert "I don't know “<@all> **x**”. Did you mean summary?" in [shown_as(t) for t in texts(help_card)]
    assert "<@" not in json.dumps(help_card.content) + help_card.markdown


# --- command cards ---------------------------------------------------------------------------------

def test_archives_card_is_a_choice_set_and_one_submit_beyond_five_archives():
    items = [parse_archive_summary({"archiveId": f"ABCDEF12_R_{n}", "title": f"Meeting {n}",
                                    "createTime": "2026-01-05T09:50:11Z"}) for n in range(6)]
    card = render_card("archives", archives=items, timezone="Europe/Paris")
    (choice_set,) = [n for n in nodes_of(card.content) if n.get("type") == "Input.ChoiceSet"]
    assert choice_set["id"] == "archiveId"
    assert [c["value"] for c in choice_set["choices"]] == [f"ABCDEF12_R_{n}" for n in range(6)]
    assert choice_set["choices"][0]["title"] == "Meeting 0 — Mon 5 Jan 2026 · archived 10:50"  # not a meeting time
    assert card.content["actions"] == [{"type": "Action.Submit", "title": "Show recap", "data": {"action": "summary"}}]
    assert "**summary ABCDEF12\\_R\\_2**" in card.markdown and "`" not in card.markdown
    empty = render_card("archives", archives=[], timezone="UTC")
    assert "actions" not in empty.content
    assert not [n for n in nodes_of(empty.content) if n.get("type") == "Input.ChoiceSet"]


def test_archives_card_cuts_a_long_list_with_a_more_line():
    items = [ArchiveSummary(f"ABCDEF12_R_{n}", "MeetingCenter", "A long meeting title " * 3, None) for n in range(400)]
    card = render_card("archives", archives=items, budget_bytes=6_000)
    (choice_set,) = [n for n in nodes_of(card.content) if n.get("type") == "Input.ChoiceSet"]
    shown = len(choice_set["choices"])
    assert 0 < shown < 400 and cards.card_size(card.content) <= 6_000
    # An export is of one archive: a cut archive list points at a shorter period instead.
    hint = f"\\+ {400 - shown:,} more — ask for fewer days, like “archives 2026-11-01 2026-11-07”"
    assert hint in texts(card) and hint in card.markdown
    assert f"+ {400 - shown:,} more — ask for fewer days, like “archives 2026-11-01 2026-11-07”" in [
        shown_as(t) for t in texts(card)]


def test_help_error_refusal_and_subscription_cards():
    help_card = render_card("help", commands=COMMANDS.values(), unknown="sumary", did_you_mean="summary")
    assert "I don't know “sumary”. Did you mean **summary**?" in texts(help_card)
    assert "summary \\<archiveId\\>" in texts(help_card)  # the command table, escaped
    assert help_card.content["actions"][0]["data"] == {"action": "archives"}
    error = render_card("error", title="Not found", what_happened="404", what_to_do="Check the id",
                        tracking_id="ROUTER_1")
    assert "Tracking ID: ROUTER\\_1" in texts(error) and "Tracking ID: ROUTER\\_1" in error.markdown
    refusal = render_card("refusal", command="summary")
    assert "Sorry, this is for administrators" in texts(refusal)
    subscribed = render_card("subscription", action="subscribed", kind="host", value="alice@example.com", id=7,
                             audience="direct")
    assert "A recap card will be posted here after each meeting hosted by alice@example.com ends." in texts(subscribed)
    for masked in (render_card("subscription", action="subscribed", kind="host", value="_al@example.com", id=7),
                   render_card("subscription", action="list", subscriptions=[
                       {"kind": "host", "value": "_al@example.com", "id": 7}])):  # group, the default audience
        assert "a host (e-mail hidden)" in " ".join(texts(masked))
        assert "_al@" not in json.dumps(masked.content) + masked.markdown
        assert "example.com" not in json.dumps(masked.content) + masked.markdown  # the domain neither
    assert "Subscription id: 7" in texts(subscribed)
    gone = render_card("subscription", action="unsubscribed", kind="all")
    assert "No more recaps here after each meeting in the organisation ends." in texts(gone)
    listing = render_card("subscription", action="list", subscriptions=[{"kind": "site", "value": "acme.webex.com",
                                                                         "id": 3}])
    assert "Meetings on site acme.webex.com" in texts(listing) and "id 3 · site" in texts(listing)


def test_unknown_kinds_and_context_are_refused():
    with pytest.raises(UsageError):
        render_card("summary")
    with pytest.raises(UsageError):
        render_view("people", doc_archive(), audience="direct", timezone="UTC")
    with pytest.raises(CardError, match="help card"):
        render_card("help", commands=COMMANDS.values(), colour="red")
    with pytest.raises(UsageError):
        render_card("subscription", action="maybe")


# --- templates ---------------------------------------------------------------------------------------

SAFE_EXPRESSION = re.compile(r"""^(.+\|tojson|(m\.)?\w+\(.*\)|\w+\|join\(", "\)|", " if not loop\.first)$""", re.S)


def test_every_template_value_goes_through_tojson_or_a_macro():
    """A ``{{ … }}`` may only print JSON-encoded values, macro output (itself built with tojson) or joins of it."""
    folder = templates_dir() / "cards"
    names = sorted(p.name for p in folder.glob("*.json.j2"))
    assert {f"{kind}.json.j2" for kind in list(cards.VIEWS) + list(cards.KINDS)} <= set(names)
    for name in names:
        source = (folder / name).read_text()
        for expression in re.findall(r"\{\{-?(.*?)-?\}\}", source, re.S):
            assert SAFE_EXPRESSION.match(expression.strip()), f"{name}: {{{{{expression}}}}} is not JSON-encoded"


def test_meeting_text_is_cleaned_before_it_is_shown():
    from bot.cards import clean, literal

    assert clean("a\u202eevil\u202c\x00\x1b b\n\n c\ufeff") == "aevil b c"  # no bidi tricks, no controls
    assert clean("\ud800x") == "\ufffdx"  # a lone surrogate from JSON cannot break UTF-8 encoding
    assert clean("x" * 10, 5) == "xxxx…"
    assert literal("1. <@all> + x@y.com", hide_emails=True) == "1\\. \\<\\@all\\> + (e-mail hidden)"


def test_archives_card_names_the_last_day_asked_for_not_the_exclusive_end():
    paris = ZoneInfo("Europe/Paris")
    card = render_card("archives", archives=[], timezone="Europe/Paris",
                       start=datetime(2022, 11, 1, tzinfo=paris), end=datetime(2022, 12, 1, tzinfo=paris))
    text = json.dumps(card.content, ensure_ascii=False)
    assert "Tue 1 Nov 2022 – Wed 30 Nov 2022" in text and "1 Dec" not in text


def test_an_automatic_recap_in_a_1to1_keeps_its_choice_of_part_whole_beside_unsubscribe():
    automatic = {"kind": "all", "value": "", "id": 7}
    card = render_view("summary", doc_archive(), audience="direct", timezone="UTC", automatic=automatic).content
    validate_card(card)
    row = card["actions"]
    assert len(row) <= 3 and row[-1]["data"] == {"action": "unsubscribe", "args": "7", "confirm": "ask"}
    (choice,) = [a for a in row if a["type"] == "Action.ShowCard"]
    (pick,) = choice["card"]["body"]  # "Show" and "Download CSV" still sit beside the list they apply to
    assert pick["id"] == "table" and {a["title"] for a in choice["card"]["actions"]} == {"Show", "Download CSV"}
    assert len(row) + len(choice["card"]["actions"]) <= 5  # Webex's limit, the buttons inside included
