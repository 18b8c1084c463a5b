"""The attendance view (issue 12, items 6 and 9): in a 1:1 the people an admin looks for come first, the host is
marked and the list sorts by button; a group space sees names alphabetically and totals, never anyone's times."""

from __future__ import annotations

import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cards import render_view
from bot.cards.checks import validate_card
from bot.meetings import parse_archive
from bot.sandbox.generator import generate_archive
from bot.summaries import recap
from tests.test_cards import buttons, texts, tile_sets

ARCHIVE_ID = "ABCDEF12_R_1"
BASE = {"archiveId": ARCHIVE_ID, "title": "Weekly sync", "start": "2026-01-05T09:00:00Z",
        "end": "2026-01-05T10:00:00Z", "hostDisplayName": "Hana Host", "hostEmail": "hana@example.com"}
CLOCK = re.compile(r"\b\d{1,2}:\d{2}\b")
DURATION = re.compile(r"\b\d+\s(?:s|min|h)\b")


def join(name, joined, left, email=None):
    return {"displayName": name, "joinedTime": f"2026-01-05T{joined}:00Z", "leftTime": f"2026-01-05T{left}:00Z",
            **({"email": email} if email else {})}


def meeting(participants, **fields):
    return parse_archive({**BASE, **fields, "participants": participants})


# Late: Lena (09:20), Liam (09:30); early: Eve (09:40), Ed (09:45); short: Sam (09:00–09:04), Liam (09:30–09:38)
PEOPLE = [join("Hana Host", "09:00", "10:00", "hana@example.com"), join("Zoe Stay", "09:00", "10:00"),
          join("Lena Late", "09:20", "10:00"), join("Liam Late", "09:30", "09:38"),
          join("Eve Early", "09:00", "09:40"), join("Ed Early", "09:02", "09:45"), join("Sam Short", "09:00", "09:04")]


def test_late_early_and_short_stays_come_before_everyone_each_with_a_count():
    shown = texts(render_view("attendance", meeting(PEOPLE), audience="direct", timezone="UTC"))
    headings = [t for t in shown if t.startswith(("Joined late", "Left early", "Short stays", "Everyone"))]
    assert headings == ["Joined late · 2", "Left early · 4", "Short stays (under 10 min) · 2",
                        "Everyone · longest time in the meeting first"]
    late = shown[shown.index("Joined late · 2"):shown.index("Left early · 4")]
    assert late == ["Joined late · 2", "Lena Late", "in 09:20", "Liam Late", "in 09:30"]  # by join time
    short = shown[shown.index("Short stays (under 10 min) · 2"):shown.index(headings[-1])]
    assert short == ["Short stays (under 10 min) · 2", "Sam Short", "4 min", "Liam Late", "8 min"]  # shortest first


def test_a_long_section_is_capped_and_says_how_many_more():
    late = [join(f"Late {n:02d}", f"09:{10 + n}", "10:00") for n in range(9)]
    card = render_view("attendance", meeting([join("Hana Host", "09:00", "10:00"), *late]), audience="direct",
                       timezone="UTC")
    shown = texts(card)
    section = shown[shown.index("Joined late · 9"):]
    assert [t for t in section[:12] if t.startswith("Late ")] == [f"Late {n:02d}" for n in range(5)]
    assert "\\+ 4 more — see the full list" in section
    assert "**Joined late · 9**" in card.markdown and "\\+ 4 more — see the full list" in card.markdown


def test_the_host_is_marked_by_email_else_by_display_name():
    shown = texts(render_view("attendance", meeting(PEOPLE), audience="direct", timezone="UTC"))
    everyone = shown[shown.index("Everyone · longest time in the meeting first"):]
    assert everyone[everyone.index("Hana Host") + 1] == "Host" and everyone.count("Host") == 1
    # No e-mail in the archive for anyone: the host's display name finds them (and only them).
    other = meeting([join("Ann", "09:00", "10:00"), join("Hana Host", "09:00", "10:00")], hostEmail=None)
    people = recap(other, audience="direct").attendance.people
    assert [(p.name, p.role) for p in people] == [("Ann", ""), ("Hana Host", "host")]
    nobody = meeting([join("Ann", "09:00", "10:00")], hostEmail=None)
    assert [p.role for p in recap(nobody, audience="direct").attendance.people] == [""]


def _everyone(card) -> list[str]:
    shown = texts(card)
    heading = next(t for t in shown if t.startswith("Everyone"))
    return [t for t in shown[shown.index(heading):] if t in {p["displayName"] for p in PEOPLE}]


def test_each_sort_orders_the_full_list_and_says_so():
    orders = {sort: _everyone(render_view("attendance", meeting(PEOPLE), audience="direct", timezone="UTC",
                                          sort=sort)) for sort in ("longest", "shortest", "name", "join")}
    assert orders["longest"][:2] == ["Hana Host", "Zoe Stay"] and orders["longest"][-1] == "Sam Short"
    # 4, 8, 40 (in 09:00), 40 (in 09:20), 43, 60, 60 min: equal stays by join time, then by name
    assert orders["shortest"] == ["Sam Short", "Liam Late", "Eve Early", "Lena Late", "Ed Early", "Hana Host",
                                  "Zoe Stay"]
    assert orders["name"] == sorted(orders["name"], key=str.casefold)
    assert orders["join"] == ["Eve Early", "Hana Host", "Sam Short", "Zoe Stay", "Ed Early", "Lena Late", "Liam Late"]
    assert "Everyone · by name" in texts(render_view("attendance", meeting(PEOPLE), audience="direct",
                                                     timezone="UTC", sort="name"))


def test_sort_buttons_offer_the_other_orders_within_webex_limits():
    card = render_view("attendance", meeting(PEOPLE), audience="direct", timezone="UTC", sort="name")
    validate_card(card.content)  # five actions at most, the buttons inside "Sort" and "Export" included
    row = card.content["actions"]
    assert [a["title"] for a in row] == ["Recap", "Sort", "Export"]
    (order,) = row[1]["card"]["body"]  # the choice of order, set to the one shown
    assert order["id"] == "sort" and order["value"] == "name"
    assert [c["value"] for c in order["choices"]] == ["longest", "shortest", "name", "join"]
    assert row[1]["card"]["actions"][0]["data"] == {"action": "attendance", "archiveId": ARCHIVE_ID}
    assert row[2]["card"]["body"][0]["id"] == "table"  # the export's choice of table beside it


def test_a_group_sees_names_alphabetically_and_only_the_totals():
    card = render_view("attendance", meeting(PEOPLE), audience="group", timezone="UTC")
    shown = texts(card)
    names = [t for t in shown if t in {p["displayName"] for p in PEOPLE}]
    assert names == sorted(names, key=str.casefold) and len(names) == len(PEOPLE)
    assert tile_sets(card)[0] == {"people": "7", "at peak": "6", "median stay": "40\u00a0min", "joined late": "2",
                                  "left early": "4"}
    assert not any(t.startswith(("Joined late", "Left early", "Short stays", "Everyone")) for t in shown)
    assert [b["data"]["action"] for b in buttons(card)] == ["summary"]  # no sort: an order would tell times


def test_the_group_filter_itself_drops_every_personal_time():
    people = recap(meeting(PEOPLE), audience="group").attendance.people
    assert [p.name for p in people] == sorted((p["displayName"] for p in PEOPLE), key=str.casefold)
    assert {(p.first_join, p.last_leave, p.seconds, p.late, p.left_early, p.rejoins, p.email) for p in people} == {
        (None, None, 0, False, False, 0, None)}
    # Asking the view for an order does not bring one back in a group.
    assert texts(render_view("attendance", meeting(PEOPLE), audience="group", timezone="UTC", sort="join")) == texts(
        render_view("attendance", meeting(PEOPLE), audience="group", timezone="UTC"))


def _personal_text(card) -> list[str]:
    """A group attendance card's text below its header, without the tiles and the line of totals."""
    body = card.content["body"][1:]  # the header says when the meeting ran (which is someone's first join)
    found = texts(type(card)(card.kind, {"body": body}, ""))
    tiles = {v for group in tile_sets(card) for pair in group.items() for v in pair}
    return [t for t in found if t not in tiles and " came" not in t]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=10_000), st.sampled_from(["UTC", "Europe/Berlin", "Asia/Kolkata"]))
def test_a_group_attendance_card_carries_no_ones_clock_times_nor_durations(seed, zone):
    archive = parse_archive(generate_archive(seed=seed, participants=25, chats=0, polls=0, questions=0))
    card = render_view("attendance", archive, audience="group", timezone=zone)
    personal = _personal_text(card)
    assert personal, "the card lists the attendees"
    assert not [t for t in personal if CLOCK.search(t) or DURATION.search(t) or "late" in t or "early" in t]
    # And the fallback text says no more: below its header and totals, names only.
    lines = card.markdown.splitlines()
    lines = lines[next(i for i, line in enumerate(lines) if line.startswith("**By name")):]
    assert not [line for line in lines if CLOCK.search(line) or DURATION.search(line)], lines
    everything = json.dumps(card.content, ensure_ascii=False)
    assert "in – out" not in everything and "rejoined" not in everything


def test_a_long_address_keeps_its_domain_and_fits_beside_the_times():
    from bot.cards.attendance_views import short_email
    assert short_email("script.alert.name.script.10@example.com") == "script.alert.name…@example.com"
    assert short_email("ann@example.com") == "ann@example.com" and len(short_email("x" * 80)) == 30
    archive = meeting([join("Long Address", "09:00", "10:00", "script.alert.name.script.10@example.com")])
    assert "script.alert.name…@example.com" in texts(render_view("attendance", archive, audience="direct",
                                                                 timezone="UTC"))
