"""The chats card's line breaks and buttons, and the export's choice of table, end to end against the emulator."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from bot.cards import render_view
from bot.meetings import parse_archive
from bot.sandbox.generator import generate_meeting_chats
from tests.support.bot_rig import EXAMPLE_ARCHIVE, ask, card_of, card_text, nodes_of, running_rig

HOSTILE_LINES = "Agenda for **today**:\n# not a heading\n1. first <@all>\n\n- [link](http://x.test)\r\nmail me@x.test"


@pytest.fixture
def rig(tmp_path, emulator):
    with running_rig(tmp_path, emulator[0]) as rig:
        yield rig



def _file(rig, reply) -> tuple[str, bytes]:
    (url,) = reply["files"]
    name, _type, data = rig.emulator.files[url.rsplit("/", 1)[-1]]
    return name, data


def _with_a_multi_line_message(rig) -> str:
    meeting_id = rig.emulator.meeting_for_archive(EXAMPLE_ARCHIVE)["id"]
    (chat,) = generate_meeting_chats(meeting_id, 1, seed=3)
    chat.update(type="public", text=HOSTILE_LINES, receivers=[])
    rig.emulator.add_meeting_chats(meeting_id, [chat], replace=True)
    return meeting_id


def test_the_chats_card_keeps_line_breaks_and_still_shows_meeting_text_literally(rig):
    meeting_id = _with_a_multi_line_message(rig)
    reply = ask(rig, f"chats {meeting_id}")
    (shown,) = [n["text"] for n in nodes_of(card_of(reply)) if n.get("type") == "TextBlock"
                and n["text"].startswith("Agenda")]
    # One paragraph per line (a wrapping TextBlock shows "\n\n" as a break), every markup character escaped.
    assert shown == ("Agenda for \\*\\*today\\*\\*:\n\n\\# not a heading\n\n1\\. first \\<\\@all\\>\n\n"
                     "\\- \\[link\\](http://x.test)\n\nmail me@x.test")
    # The fallback keeps the lines inside the message's list item.
    assert "Agenda for \\*\\*today\\*\\*:\n  \\# not a heading\n  1\\. first" in reply["markdown"]
    # A group space: the same lines, the address hidden.
    group = ask(rig, f"@Recap chats {meeting_id}", room_id=rig.group_room())
    (shown,) = [n["text"] for n in nodes_of(card_of(group)) if n.get("type") == "TextBlock"
                and n["text"].startswith("Agenda")]
    assert shown.endswith("\n\nmail (e-mail hidden)") and "(http://x.test)\n\nmail" in shown


def test_the_chats_card_of_a_meeting_has_recap_and_export_when_its_archive_is_known(rig):
    meeting_id = _with_a_multi_line_message(rig)
    reply = ask(rig, f"chats {meeting_id}")
    recap, export = card_of(reply)["actions"]
    assert recap == {"type": "Action.Submit", "title": "Recap", "data": {"action": "summary",
                                                                         "archiveId": EXAMPLE_ARCHIVE}}
    assert export["type"] == "Action.ShowCard" and export["card"]["body"][0]["value"] == "chats"
    rig.press(reply["id"], "Recap")
    rig.run_jobs()
    assert "MEETING RECAP" in card_text(rig.replies()[-1])
    # In a group space: Recap only (exports are posted in a 1:1 alone).
    group = ask(rig, f"@Recap chats {meeting_id}", room_id=rig.group_room())
    assert [a["title"] for a in card_of(group)["actions"]] == ["Recap"]


def test_the_chats_card_of_a_meeting_without_an_archive_has_no_buttons(rig):
    now = datetime.now(UTC).replace(microsecond=0)
    meeting = rig.emulator.add_meeting({
        "id": "0123456789abcdef0123456789abcdef_I_1", "title": "Never archived", "meetingType": "meeting",
        "state": "ended", "start": (now - timedelta(hours=2)).isoformat(),
        "end": (now - timedelta(hours=1)).isoformat()})
    rig.emulator.add_meeting_chats(meeting["id"], generate_meeting_chats(meeting["id"], 2, seed=1))
    reply = ask(rig, f"chats {meeting['id']}")
    assert "post-meeting chat" in card_text(reply) and "actions" not in card_of(reply)


def test_the_summarys_more_card_offers_each_part_to_show_or_export_as_csv(rig):
    reply = ask(rig, f"summary {EXAMPLE_ARCHIVE}")
    actions = card_of(reply)["actions"]
    # The documented example has insights in the emulator: its note is long (the body's own "More" takes an
    # action), and the recording gets a button, so the views are all in the one choice of part.
    assert [a["title"] for a in actions] == ["Recording", "More"]
    (pick,) = actions[-1]["card"]["body"]
    assert pick["id"] == "table" and [c["title"] for c in pick["choices"]] == [
        "Attendance", "Polls", "Q&A", "Chat", "AI summary", "Speakers", "Invitees"]
    # "Download CSV" exports the table chosen, under a short readable name.
    rig.press(reply["id"], "Download CSV", inputs={"table": "polls"})
    rig.run_jobs()
    name, data = _file(rig, rig.replies()[-1])
    assert name == "2022-11-03 Marcos Alonso's Personal Room - polls.csv"
    assert next(csv.reader(io.StringIO(data.decode("utf-8"))))[:3] == ["poll", "poll_start", "question_number"]
    # "Show" opens the view chosen.
    rig.press(reply["id"], "Show", inputs={"table": "qa"})
    rig.run_jobs()
    assert card_text(rig.replies()[-1]).startswith("Q&A")  # the Q&A view's kicker
    assert rig.jobs.services.store.audit_log()[-1].command == "qa"
    # Every part of the choice works with both buttons: the AI summary downloads as a table of its lines
    # and action items, and invitees (who have no view of their own) show on the attendance view.
    rig.press(reply["id"], "Download CSV", inputs={"table": "notes"})
    rig.run_jobs()
    name, data = _file(rig, rig.replies()[-1])
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    assert name.endswith(" - notes.csv") and rows[0] == ["kind", "text"]
    assert {"note", "action item"} == {kind for kind, _ in rows[1:]}
    rig.press(reply["id"], "Show", inputs={"table": "invitees"})
    rig.run_jobs()
    assert card_text(rig.replies()[-1]).startswith("ATTENDANCE")  # the kicker, as the card shows it


def test_a_detail_views_export_button_offers_a_choice_of_table(rig):
    reply = ask(rig, f"attendance {EXAMPLE_ARCHIVE}")
    recap, _, export = card_of(reply)["actions"]  # Recap, Sort, Export
    (pick,) = export["card"]["body"]
    assert export["title"] == "Export" and pick["value"] == "attendance"
    rig.press(reply["id"], "Download CSV", inputs={"table": "chats"})
    rig.run_jobs()
    name, data = _file(rig, rig.replies()[-1])
    assert name == "2022-11-03 Marcos Alonso's Personal Room - chats.csv"
    assert data.decode("utf-8").startswith("time,type,sender,target,text")
    # Group spaces get no export button at all.
    group = ask(rig, f"@Recap attendance {EXAMPLE_ARCHIVE}", room_id=rig.group_room())
    assert [a["title"] for a in card_of(group)["actions"]] == ["Recap"]


def test_a_long_chats_fallback_keeps_fewer_messages_whole_and_has_no_backticks():
    lines = "\n".join(f"line {n}: " + "words " * 12 for n in range(12))
    archive = parse_archive({"archiveId": "ABCDEF12_R_1", "title": "Long chat", "chats": [
        {"type": "public", "senderName": f"Person {n}", "target": "All Participants", "text": lines,
         "chatTime": f"2026-12-05T09:{n % 60:02d}:00Z"} for n in range(60)]})
    card = render_view("chats", archive, audience="direct", timezone="UTC", budget_bytes=200_000)
    assert "Showing the last" in card.markdown and len(card.markdown.encode()) <= 7_000
    assert "`" not in card.markdown and "\n  line 1: words" in card.markdown  # lines stay in their list item
