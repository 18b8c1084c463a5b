"""A group space's privacy level: ``privacy names|counts`` parsed, stored (SQLite and PostgreSQL), admin only and
audited over real HTTP; under ``counts`` no view of any archive names a person or shows chat or Q&A text."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cards import render as cards
from bot.chat import CommandUsageError, parse
from bot.meetings import parse_archive, parse_meeting_chat
from bot.sandbox.emulator import USER_EMAIL
from bot.sandbox.generator import generate_archive, generate_meeting_chats
from bot.storage import create_store
from bot.summaries import COUNTS_ONLY
from tests.support.bot_rig import EXAMPLE_ARCHIVE
from tests.support.recaps_rig import DELAY, end_meeting, recap_messages, recap_rig, subscribe, visible_text

pytest_plugins = ["tests.support.backends"]  # database_url: SQLite, then PostgreSQL

PERSONAL = "⟪"  # starts every name and every message text of the archives below; nothing else has it


@pytest.mark.parametrize("text, value", [("privacy", None), ("privacy counts", "counts"), ("/PRIVACY Names", "names"),
                                         ("privacy `counts`", "counts")])
def test_privacy_parses(text, value):
    command = parse(text)
    assert (command.name, command.value) == ("privacy", value)


@pytest.mark.parametrize("text", ["privacy none", "privacy counts names", "privacy all"])
def test_a_level_that_is_not_one_says_which_ones_exist(text):
    with pytest.raises(CommandUsageError, match="privacy names.*privacy counts"):
        parse(text)


@pytest.fixture
def store(database_url):
    store = create_store(database_url)
    yield store
    store.engine.dispose()


def test_the_level_is_stored_per_space_beside_its_time_zone(store):
    assert store.room_privacy("R1") is None  # the default: names
    store.set_room_timezone("R1", "Europe/Paris")
    store.set_room_privacy("R1", "counts", by="admin@example.com")
    assert (store.room_privacy("R1"), store.room_timezone("R1"), store.room_privacy("R2")) == ("counts", "Europe/Paris",
                                                                                               None)
    store.set_room_privacy("R1", "names")
    assert store.room_privacy("R1") == "names"


# --- over real HTTP ----------------------------------------------------------------------------

@pytest.fixture
def rig(tmp_path, emulator):
    with recap_rig(tmp_path, emulator[0]) as rig:
        yield rig


def said(message: dict) -> str:
    return message.get("markdown") or message.get("text") or ""


def test_an_admin_sets_counts_and_a_group_summary_then_shows_numbers_only(rig):
    group, store = rig.group_room(), rig.jobs.services.store
    before = visible_text(subscribe(rig, f"summary {EXAMPLE_ARCHIVE}", group))
    assert "most active in public:" in before  # names: the top senders are named
    assert "sees **names**" in said(subscribe(rig, "privacy", group))
    answer = said(subscribe(rig, "privacy counts", group))
    assert "this space sees **counts**" in answer and "No one's name" in answer
    assert store.room_privacy(group) == "counts"
    after = visible_text(subscribe(rig, f"summary {EXAMPLE_ARCHIVE}", group))
    assert COUNTS_ONLY in after and "most active" not in after
    people = visible_text(subscribe(rig, f"attendance {EXAMPLE_ARCHIVE}", group))
    assert COUNTS_ONLY in people and "Nobody joined" not in people
    assert "sees **counts**" in said(subscribe(rig, "privacy", group))
    outcomes = [(a.command, a.outcome) for a in store.audit_log() if a.command == "privacy"]
    assert outcomes == [("privacy", "ok: shown (names)"), ("privacy", "ok: set to counts"),
                        ("privacy", "ok: shown (counts)")]


def test_an_automatic_recap_follows_the_level_of_its_space(rig):
    group = rig.group_room()
    subscribe(rig, "subscribe all", group)
    subscribe(rig, "privacy counts", group)
    meeting = end_meeting(rig)
    rig.run_jobs(after=DELAY + 1)
    (recap,) = recap_messages(rig, group, meeting["id"])
    text = visible_text(recap)
    assert COUNTS_ONLY in text and "most active" not in text and "Sent because" in text
    assert COUNTS_ONLY in recap["markdown"] and "say **unsubscribe" in recap["markdown"]


def test_someone_who_is_not_an_admin_is_refused_and_nothing_changes(rig):
    group, store = rig.group_room(), rig.jobs.services.store
    answer = visible_text(subscribe(rig, "privacy names", group, email=USER_EMAIL))
    assert "only Recap's admins" in answer and store.room_privacy(group) is None
    subscribe(rig, "privacy counts", group)
    subscribe(rig, "privacy names", group, email=USER_EMAIL)
    assert store.room_privacy(group) == "counts"
    refused = [(a.person_email, a.outcome) for a in store.audit_log() if a.command == "privacy"]
    assert refused[0] == (USER_EMAIL, "refused: not an authorised admin") and refused[-1][0] == USER_EMAIL


def test_a_1to1_space_always_sees_everything_and_stores_no_level(rig):
    direct, store = rig.direct_room(), rig.jobs.services.store
    answer = said(subscribe(rig, "privacy counts", direct))
    assert "1:1 space" in answer and "always sees everything" in answer
    assert store.room_privacy(direct) is None
    assert "Names hidden" not in visible_text(subscribe(rig, f"summary {EXAMPLE_ARCHIVE}", direct))


# --- the filter, over any archive -----------------------------------------------------------

person = st.text(max_size=12).map(lambda s: PERSONAL + s)
meeting_text = st.text(max_size=20).filter(lambda s: PERSONAL not in s)
times = st.sampled_from(["2026-01-05T09:00:00Z", "2026-01-05T09:20:00Z", "2026-01-05T10:05:00Z", None])
voter = st.fixed_dictionaries({"displayName": person})


@st.composite
def archives(draw):
    """An archive whose people (names) and messages (chat and Q&A text) all start with ``PERSONAL``."""
    joins = st.fixed_dictionaries({"displayName": person, "joinedTime": times, "leftTime": times})
    chat = st.fixed_dictionaries({"type": st.sampled_from(["public", "private", "group"]), "senderName": person,
                                  "target": person, "text": person, "chatTime": times})
    answer = st.fixed_dictionaries({"displayName": person, "text": person, "answerTime": times})
    question = st.fixed_dictionaries({"type": st.sampled_from(["public", "private", "dismissed"]),
                                      "displayName": person, "question": person, "questionTime": times,
                                      "answers": st.lists(answer, max_size=2)})
    def poll_answer(kind: str):  # the choices of a question are the host's; a short answer is what someone typed
        return st.fixed_dictionaries({"text": person if kind == "short" else meeting_text, "isCorrect": st.booleans(),
                                      "voteUsers": st.lists(voter, max_size=3)})

    kind = draw(st.sampled_from(["single", "multiple", "short"]))
    poll_question = st.fixed_dictionaries({
        "question": st.fixed_dictionaries({"text": meeting_text, "type": st.just(kind)}),
        "answerSummary": st.lists(poll_answer(kind), max_size=3),
        "respondents": st.lists(st.fixed_dictionaries({"displayName": person, "answers": st.lists(person, max_size=2)}),
                                max_size=3)})
    poll = st.fixed_dictionaries({"startTime": times, "endTime": times, "content": st.fixed_dictionaries(
        {"userCount": st.integers(0, 9), "questions": st.lists(poll_question, min_size=1, max_size=2)})})
    return {"archiveId": "ABCDEF12_R_7", "title": draw(meeting_text), "hostDisplayName": draw(meeting_text),
            "start": "2026-01-05T09:00:00Z", "end": "2026-01-05T10:00:00Z",
            "participants": draw(st.lists(joins, min_size=1, max_size=6)),
            "chats": draw(st.lists(chat, max_size=6)), "qas": draw(st.lists(question, max_size=4)),
            "polls": draw(st.lists(poll, max_size=2))}


def shown(card) -> str:
    return json.dumps(card.content, ensure_ascii=False) + card.markdown


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(archives())
def test_under_counts_no_view_names_anyone_or_shows_a_message(data):
    archive = parse_archive(json.loads(json.dumps(data)))
    for view in cards.VIEWS:
        card = cards.render_view(view, archive, audience="group", timezone="UTC", privacy="counts")
        assert PERSONAL not in shown(card), view
        assert COUNTS_ONLY in card.markdown, view  # and the view says what it left out


def test_the_same_archive_under_names_shows_them_so_the_property_tests_something():
    data = {"archiveId": "ABCDEF12_R_7", "title": "Sync", "participants": [{"displayName": PERSONAL + "Ada"}],
            "chats": [{"type": "public", "senderName": PERSONAL + "Ada", "text": PERSONAL + "hello"}],
            "qas": [{"type": "public", "displayName": PERSONAL + "Bo", "question": PERSONAL + "why?"}]}
    archive = parse_archive(data)
    for view in ("attendance", "chats", "qa"):
        assert PERSONAL in shown(cards.render_view(view, archive, audience="group", timezone="UTC")), view
        assert PERSONAL not in shown(cards.render_view(view, archive, audience="group", timezone="UTC",
                                                       privacy="counts")), view


def test_counts_hide_the_post_meeting_chat_too_and_keep_the_numbers():
    archive = parse_archive(generate_archive(seed=4, participants=12, chats=30, polls=2, questions=5))
    chats = [parse_meeting_chat(item) for item in generate_meeting_chats("M1_I_1", 40, seed=2)]
    names = {p.display_name for p in archive.participants} | {c.sender.display_name for c in chats}
    names.discard(archive.host_display_name)  # the host's name is the meeting's, on its header (bot.summaries.privacy)
    for view in cards.VIEWS:
        card = cards.render_view(view, archive, audience="group", timezone="UTC", privacy="counts", chats=chats)
        leaked = [n for n in names if n and n in shown(card)]
        assert leaked == [], (view, leaked)
        assert not [c.text for c in chats if len(c.text) > 8 and c.text in shown(card)], view
    summary = cards.render_view("summary", archive, audience="group", timezone="UTC", privacy="counts", chats=chats)
    assert "12 people" in summary.markdown and "40 messages" in summary.markdown


def test_a_1to1_ignores_the_level():
    archive = parse_archive(generate_archive(seed=4, participants=5))
    direct = cards.render_view("attendance", archive, audience="direct", timezone="UTC", privacy="counts")
    assert archive.participants[0].display_name in direct.markdown and COUNTS_ONLY not in direct.markdown
