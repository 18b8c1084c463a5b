"""The archive picker end to end against the emulator: each meeting's own span, host and size, one listing of
ended instances (never an archive's details), a button per meeting up to five, and a picker still when the
instance listing fails."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.cards import render_card, validate_card
from bot.chat.picker import PickerRow
from bot.digest import FORMAT_VERSION, decode, digest_of, encode, peek, stored_facts
from bot.meetings import ArchiveSummary, Meeting, parse_archive, parse_time
from bot.recaps.matching import pair_archives
from bot.storage import create_store
from tests.support.bot_rig import ask, card_of, card_text, nodes_of, running_rig
from tests.test_cards import shown_as


@pytest.fixture
def rig(tmp_path, emulator):
    with running_rig(tmp_path, emulator[0]) as rig:
        yield rig



def _rows(card: dict) -> dict[str, dict]:
    """Each meeting row of the picker by its archive id: its texts and its Recap button."""
    rows = {}
    for node in card["body"]:
        submits = [n for n in nodes_of(node) if n.get("type") == "Action.Submit"]
        if node.get("type") == "ColumnSet" and submits:
            (button,) = submits
            texts = [n["text"] for n in nodes_of(node) if n.get("type") == "TextBlock"]
            rows[button["data"]["archiveId"]] = {"texts": texts, "button": button}
    return rows


def _seeded(rig) -> dict[str, dict]:
    """The emulator's archives of the last month and the meeting instance it made for each."""
    return {archive_id: rig.emulator.meeting_for_archive(archive_id) for archive_id in rig.emulator.summaries
            if rig.emulator.meeting_for_archive(archive_id)}


def _span(meeting: dict, zone: str) -> str:
    """``08:55–09:47``, or ``23:55–6 Dec 00:37`` for a meeting that ends on the next day."""
    tz = ZoneInfo(zone)
    start, end = (parse_time(meeting[k]).astimezone(tz) for k in ("start", "end"))
    next_day = "" if end.date() == start.date() else f"{end.day} {end:%b} "
    return f"{start:%H:%M}–{next_day}{end:%H:%M}"


def test_each_meeting_shows_its_own_span_host_and_people_with_a_recap_button(rig):
    ask(rig, "timezone Asia/Tokyo")
    seeded = _seeded(rig)
    weekly = next(a for a, m in seeded.items() if m["title"] == "Weekly sync")
    people = ask(rig, f"summary {weekly}")  # stores the digest: the picker can say how many came
    rig.emulator.clear_log()  # the summary looked its meeting instance up for the insights; the picker is next
    details_before = len(rig.emulator.calls("GET", "recordingReport/meetingArchives/"))
    reply = ask(rig, "archives")
    # One listing of ended instances for the window, and no archive's details fetched for the picker.
    (listing,) = rig.emulator.calls("GET", "meetings")
    assert (listing.query["meetingType"], listing.query["state"]) == ("meeting", "ended")
    assert len(rig.emulator.calls("GET", "recordingReport/meetingArchives/")) == details_before
    rows = _rows(card_of(reply))
    recent = [a for a in rows if a in seeded]
    assert len(rows) <= 5 and recent and "actions" not in card_of(reply)  # buttons in the rows, no drop-down
    for archive_id in recent:
        meeting, texts = seeded[archive_id], " | ".join(rows[archive_id]["texts"])
        assert _span(meeting, "Asia/Tokyo") in texts  # the meeting's own times, in the space's zone
        assert f"Host: {meeting['hostDisplayName']}" in texts and "archived" not in texts
        assert rows[archive_id]["button"]["title"] == "Recap"
        assert rows[archive_id]["button"]["data"] == {"action": "summary", "archiveId": archive_id}
    stored = rig.jobs.services.store.load_digest(weekly)
    assert stored is not None
    count = decode(stored.body).people  # the stored digest's count, which the recap's first tile shows
    assert count > 1 and str(count) in card_text(people)
    assert f"{count}\u00a0people" in " | ".join(rows[weekly]["texts"])  # kept on one line
    # Newest meeting first.
    starts = [parse_time(seeded[a]["start"]) for a in rows if a in seeded]
    assert starts == sorted(starts, reverse=True)
    assert "times in Asia/Tokyo" in card_text(reply)
    # The fallback text names each meeting with the command to open it, in bold, without backticks.
    assert "`" not in reply["markdown"] and f"**summary {weekly.replace('_', chr(92) + '_')}**" in reply["markdown"]
    # One click: a row's button opens that row's meeting's recap.
    rig.press(reply["id"], "Recap")
    rig.run_jobs()
    (pressed,) = rig.jobs.services.store.audit_log()[-1].ids
    recap = card_text(rig.replies()[-1])
    assert "MEETING RECAP" in recap and rows[pressed]["texts"][0].replace("\\", "") in recap


@pytest.mark.parametrize("status", [403, 503])
def test_the_picker_still_comes_from_the_archive_list_when_the_instance_listing_fails(rig, status):
    rig.emulator.inject_fault(status, path_prefix="meetings", count=5)
    reply = ask(rig, "archives")
    assert rig.emulator.calls("GET", "meetings")  # it was asked, and failed
    rows = _rows(card_of(reply))
    assert rows
    for row in rows.values():
        texts = " | ".join(row["texts"])
        assert texts.count("archived ") == 1 and "Host:" not in texts  # says plainly it is the archive's time
    assert rig.jobs.services.store.audit_log()[-1].outcome == "ok"


def test_an_archive_no_meeting_matches_says_it_is_the_archive_time(rig):
    created = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    rig.emulator.add_archive_summaries([{"archiveId": "0123456789ABCDEF0123456789ABCDEF_R_1", "serviceType":
                                         "MeetingCenter", "title": "Orphan", "createTime": created.isoformat()}])
    reply = ask(rig, "archives")  # six archives: a drop-down
    (orphan,) = [c["title"] for n in nodes_of(card_of(reply)) if n.get("type") == "Input.ChoiceSet"
                 for c in n["choices"] if c["value"] == "0123456789ABCDEF0123456789ABCDEF_R_1"]
    assert orphan.endswith(f" · archived {created:%H:%M}") and orphan.startswith("Orphan — ")
    assert f"· archived {created:%H:%M}: **summary" in reply["markdown"]


def test_beyond_five_meetings_the_picker_is_a_drop_down(rig):
    now = datetime.now(UTC).replace(microsecond=0)
    rig.emulator.add_archive_summaries([
        {"archiveId": f"0123456789ABCDEF0123456789ABCDE{n}_R_{n}", "serviceType": "MeetingCenter",
         "title": f"Stand-up {n}", "createTime": (now - timedelta(hours=n + 1)).isoformat()} for n in range(3)])
    reply = ask(rig, "archives")
    card = card_of(reply)
    (choice_set,) = [n for n in nodes_of(card) if n.get("type") == "Input.ChoiceSet"]
    assert len(choice_set["choices"]) >= 6 and not _rows(card)
    titles = " | ".join(c["title"] for c in choice_set["choices"])
    assert "Weekly sync — " in titles and "Stand-up 0 — " in titles and " · archived " in titles
    assert [a["title"] for a in card["actions"]] == ["Show recap"]
    rig.press(reply["id"], "Show recap", inputs={"archiveId": choice_set["choices"][-1]["value"]})
    rig.run_jobs()
    assert "MEETING RECAP" in card_text(rig.replies()[-1])


def test_archives_card_up_to_five_has_a_recap_button_beside_each_meeting():
    start = datetime(2026, 12, 5, 7, 55, tzinfo=UTC)
    rows = [PickerRow(f"ABCDEF12_R_{n}", "Weekly sync <@all> eve@example.com", start + timedelta(hours=2),
                      start - timedelta(days=n), start - timedelta(days=n) + timedelta(minutes=52),
                      "Marcos <b>Alonso</b>", "marcos@example.com", 12 if n == 0 else None) for n in range(5)]
    card = render_card("archives", archives=rows, timezone="Europe/Paris", audience="group")
    validate_card(card.content)
    assert "actions" not in card.content
    submits = [n for n in nodes_of(card.content) if n.get("type") == "Action.Submit"]
    assert [(s["title"], s["data"]) for s in submits] == [
        ("Recap", {"action": "summary", "archiveId": f"ABCDEF12_R_{n}"}) for n in range(5)]
    shown = [shown_as(n["text"]) for n in nodes_of(card.content) if n.get("type") == "TextBlock"]
    assert "Sat 5 Dec 2026 · 08:55–09:47 · 12\u00a0people" in shown and "Host: Marcos <b>Alonso</b>" in shown
    assert "Weekly sync <@all> (e-mail hidden)" in shown  # meeting text escaped, e-mails hidden in a group space
    assert "<@" not in json.dumps(card.content) + card.markdown and "@example.com" not in card.markdown
    open_ended = render_card("archives", archives=[PickerRow("ABCDEF12_R_9", "Sync", None, start)], timezone="UTC")
    assert "Sat 5 Dec 2026 · 07:55" in [n.get("text") for n in nodes_of(open_ended.content)]  # no end: no dash


def _meeting(instance: str, title: str, start: datetime, minutes: int) -> Meeting:
    return Meeting(instance, title, "meeting", "ended", start, start + timedelta(minutes=minutes), "UTC", "Host",
                   None, None, None, None)


def test_archives_pair_with_the_instance_that_ended_closest_before_them_each_instance_once():
    day = datetime(2026, 12, 1, 9, tzinfo=UTC)
    monday = _meeting("m_I_1", "Weekly  Sync", day, 50)
    tuesday = _meeting("m_I_2", "weekly sync", day + timedelta(days=1), 50)
    other = _meeting("m_I_3", "Design review", day, 50)
    archives = [ArchiveSummary("a_R_1", "MeetingCenter", "Weekly sync", day + timedelta(minutes=65)),
                ArchiveSummary("a_R_2", "MeetingCenter", "Weekly sync", day + timedelta(days=1, minutes=62)),
                ArchiveSummary("a_R_3", "MeetingCenter", "Weekly sync", day + timedelta(minutes=66)),  # a second one
                ArchiveSummary("a_R_4", "MeetingCenter", "Weekly sync", day + timedelta(days=3)),  # too late for any
                ArchiveSummary("a_R_5", "MeetingCenter", "Weekly sync", None)]
    paired = pair_archives(archives, [other, tuesday, monday])
    assert {a: m.id for a, m in paired.items()} == {"a_R_1": "m_I_1", "a_R_2": "m_I_2"}


def test_stored_digest_facts_are_read_without_building_it_and_other_bytes_give_none(tmp_path):
    archive = parse_archive({"archiveId": "ABCDEF12_R_1", "title": "Sync", "hostDisplayName": "Ann",
                             "start": "2026-12-05T08:55:00Z", "end": "2026-12-05T09:47:00Z",
                             "participants": [{"displayName": n, "joinedTime": "2026-12-05T08:55:00Z",
                                               "leftTime": "2026-12-05T09:40:00Z"} for n in ("A", "B", "C")]})
    body = encode(digest_of(archive))
    facts = peek(body)
    assert (facts.people, facts.host_display_name, facts.start) == (3, "Ann", datetime(2026, 12, 5, 8, 55, tzinfo=UTC))
    assert peek(b"not a digest") is None
    store = create_store(f"sqlite:///{tmp_path / 'facts.db'}")
    store.save_digest("ABCDEF12_R_1", FORMAT_VERSION, body)
    store.save_digest("ABCDEF12_R_2", FORMAT_VERSION - 1, body)  # another format: built again later, no facts now
    store.save_digest("ABCDEF12_R_3", FORMAT_VERSION, b"damaged")
    found = stored_facts(store, ["ABCDEF12_R_1", "ABCDEF12_R_2", "ABCDEF12_R_3", "ABCDEF12_R_4"], ttl=timedelta(1))
    store.close()
    assert list(found) == ["ABCDEF12_R_1"] and found["ABCDEF12_R_1"].people == 3
