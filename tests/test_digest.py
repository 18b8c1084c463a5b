"""The digest (DESIGN §3a): built from an archive's records, stored, read back, and the same cards as before.

``tests/data/cards_before_digest.json`` holds every view of three archives (the documented example,
a hostile one and a generated one) as Recap rendered them from the whole archive, before views were
rendered from a digest; the digest, after a trip through its codec and the database, must give
exactly those cards, field by field.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cards import render_view, validate_card
from bot.digest import (
    FORMAT_VERSION,
    Digest,
    DigestBuilder,
    DigestFormatError,
    decode,
    digest_of,
    encode,
    fetch_digest,
)
from bot.meetings import parse_archive, parse_meeting_chat
from bot.sandbox.emulator import ADMIN_EMAIL
from bot.storage import create_store, utcnow
from bot.webex import WebexClients
from tests.support.bot_rig import card_of, running_rig

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[1]
ARCHIVES = {"doc": "doc_example_archive.json", "hostile": "hostile_archive.json", "generated": "generated_archive.json"}


@pytest.fixture(scope="module")
def archives() -> dict[str, dict]:
    return {name: json.loads((DATA / file).read_text(encoding="utf-8")) for name, file in ARCHIVES.items()}


@pytest.fixture(scope="module")
def before() -> dict[str, dict]:
    return json.loads((DATA / "cards_before_digest.json").read_text(encoding="utf-8"))


def stored_and_read_back(digest: Digest, tmp_path: Path) -> Digest:
    store = create_store(f"sqlite:///{tmp_path / 'digests.db'}")
    store.save_digest(digest.archive_id, digest.version, encode(digest))
    stored = store.load_digest(digest.archive_id)
    store.close()
    return decode(stored.body)


@pytest.mark.parametrize("name", list(ARCHIVES))
def test_a_digest_read_back_gives_the_same_cards_as_the_whole_archive_did(name, archives, before, tmp_path):
    digest = digest_of(parse_archive(archives[name]))
    again = stored_and_read_back(digest, tmp_path)
    assert again == digest
    keys = [key for key in before if key.startswith(name + "/")]
    assert len(keys) == 20
    for key in keys:
        _, view, audience, budget = key.split("/")
        card = render_view(view, again, audience=audience, timezone="Europe/Paris", budget_bytes=int(budget))
        assert {"content": card.content, "markdown": card.markdown} == before[key], key
        validate_card(card.content)  # the schema check is off the hot path: the tests prove the cards valid


def test_the_digest_keeps_only_what_cards_show(archives):
    digest = digest_of(parse_archive(archives["generated"]))
    assert digest.chats.total == 400 and len(digest.chats.lines) == 50  # every line counted, the last 50 kept
    assert digest.public_chats.in_view == digest.chats.by_type["public"]
    answers = [a for poll in digest.polls for q in poll.questions for a in q.answers]
    assert max(len(a.voters) for a in answers) <= 8 < max(a.named_voters for a in answers)


def test_a_builder_fed_record_by_record_equals_the_whole_archive(archives):
    archive = parse_archive(archives["hostile"])
    builder = DigestBuilder()
    for name, value in archives["hostile"].items():
        if not isinstance(value, list | dict):
            builder.field(name, value)  # the raw top-level values, as the stream parser hands them over
    for item in archive.participants:
        builder.participant(item)
    for item in archive.chats:  # document order, as the stream parser hands them over
        builder.chat(item)
    for item in archive.polls:
        builder.poll(item)
    for item in archive.qas:
        builder.question(item)
    built, whole = builder.finish(), digest_of(archive)
    assert (built.attendance, built.polls, built.qa, built.start, built.end) == \
           (whole.attendance, whole.polls, whole.qa, whole.start, whole.end)
    assert built.chats.lines == whole.chats.lines and built.chats.by_type == whole.chats.by_type


@pytest.mark.parametrize("damage", [b"", b"not zlib", encode.__doc__.encode()])
def test_bytes_that_are_not_a_digest_are_refused(damage):
    with pytest.raises(DigestFormatError):
        decode(damage)


# --- the bot reads digests, not archives ------------------------------------------------------------

@pytest.fixture
def rig(tmp_path, emulator):
    with running_rig(tmp_path, emulator[0]) as rig:
        yield rig


def archive_fetches(rig) -> list:
    return rig.emulator.calls("GET", "recordingReport/meetingArchives/")


def summary_of(rig, archive_id: str) -> dict:
    rig.say(f"summary {archive_id}")
    rig.run_jobs()
    return rig.replies()[-1]


def test_a_button_is_answered_from_the_digest_without_fetching_the_archive(rig):
    archive_id = next(iter(rig.emulator.archives))
    summary = summary_of(rig, archive_id)
    assert len(archive_fetches(rig)) == 1
    rig.emulator.clear_log()
    answered = len(rig.replies())
    # Q&A and Chat are chosen in the 1:1 card's "More" (beside the export), then shown.
    for title, inputs in (("Show", {"table": "polls"}), ("Show", {"table": "attendance"}), ("Show", {"table": "qa"}),
                          ("Show", {"table": "chats"})):
        rig.press(summary["id"], title, inputs=inputs)
        rig.run_jobs()
    views = rig.replies()[answered:]
    assert [card_of(view)["body"][0]["items"][0]["text"] for view in views] == ["POLLS", "ATTENDANCE", "Q&A", "CHAT"]
    assert archive_fetches(rig) == []  # four views, no archive fetched


def test_an_older_digest_format_is_fetched_again(rig):
    archive_id = next(iter(rig.emulator.archives))
    store = rig.jobs.services.store
    summary_of(rig, archive_id)
    stored = store.load_digest(archive_id)
    store.save_digest(archive_id, FORMAT_VERSION - 1, stored.body)  # as an older release would have left it
    rig.emulator.clear_log()
    summary_of(rig, archive_id)
    assert len(archive_fetches(rig)) == 1
    assert store.load_digest(archive_id).version == FORMAT_VERSION


def test_an_expired_digest_is_fetched_again(rig):
    archive_id = next(iter(rig.emulator.archives))
    store = rig.jobs.services.store
    summary_of(rig, archive_id)
    stored = store.load_digest(archive_id)
    store.save_digest(archive_id, stored.version, stored.body, now=utcnow() - timedelta(days=31))
    rig.emulator.clear_log()
    summary_of(rig, archive_id)
    assert len(archive_fetches(rig)) == 1


# --- recap digests purge ---------------------------------------------------------------------------

def purge(database_url: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {key: value for key, value in os.environ.items() if not key.startswith(("RECAP_", "WEBEX_"))}
    command = [sys.executable, "-c", "from bot.cli import run; run()", "digests", "purge", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=60,
                          env={**environ, "DATABASE_URL": database_url, **env})


def test_recap_digests_purge_drops_those_past_the_ttl_then_all(tmp_path, archives):
    url = f"sqlite:///{tmp_path / 'recap.db'}"
    store = create_store(url)
    body = encode(digest_of(parse_archive(archives["doc"])))
    store.save_digest("OLD_R_1", FORMAT_VERSION, body, now=utcnow() - timedelta(days=10))
    store.save_digest("NEW_R_2", FORMAT_VERSION, body)
    done = purge(url, RECAP_DIGEST_TTL="7")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "dropped 1 digest(s); 1 kept"
    assert store.load_digest("OLD_R_1") is None and store.load_digest("NEW_R_2") is not None
    done = purge(url, "--all")
    assert done.stdout.strip() == "dropped 1 digest(s); 0 kept" and store.digest_count() == 0
    store.close()


def test_the_audit_still_names_who_read_the_meeting(rig):
    archive_id = next(iter(rig.emulator.archives))
    summary_of(rig, archive_id)
    summary_of(rig, archive_id)  # from the digest, still a data access: audited
    lines = [a for a in rig.jobs.services.store.audit_log() if a.command == "summary"]
    assert [(a.person_email, a.outcome) for a in lines] == [(ADMIN_EMAIL, "ok"), (ADMIN_EMAIL, "ok")]


@pytest.mark.parametrize("name", ["hostile", "generated"])
def test_the_digest_streamed_from_webex_equals_the_one_of_the_whole_archive(name, archives, emulator,
                                                                             emulator_settings):
    _, state = emulator
    raw = archives[name]
    state.add_archive(raw)
    streamed = fetch_digest(WebexClients(emulator_settings).admin, raw["archiveId"], timezone="Asia/Tokyo")
    assert streamed == digest_of(parse_archive(raw))


def test_a_chat_tally_carried_in_a_payload_goes_on_counting_where_it_stopped(archives):
    from bot.digest import ChatTally, chat_line
    from bot.sandbox.generator import generate_meeting_chats

    chats = [parse_meeting_chat(item) for item in generate_meeting_chats("X_I_1", 700, seed=9)]
    whole, first = ChatTally(), ChatTally()
    for chat in chats:
        whole.add(chat_line(chat))
    for chat in chats[:300]:
        first.add(chat_line(chat))
    resumed = ChatTally.load(json.loads(json.dumps(first.dump())))  # through a job payload
    for chat in chats[300:]:
        resumed.add(chat_line(chat))
    assert resumed.stats() == whole.stats() and resumed.public_stats() == whole.public_stats()


def test_a_digest_keeps_its_meeting_instance_and_insights_through_the_codec(archives, tmp_path):
    from dataclasses import replace
    from datetime import UTC, datetime

    from bot.meetings import Insights, Invitee, MeetingSummary, Outcome, Recording, Speaker, Speakers

    digest = digest_of(parse_archive(archives["doc"]))
    insights = Insights(
        "M_I_1", MeetingSummary("s1", "M_I_1", "available", "Decisions\n• ship it", ("Ann: send the notes",)),
        Speakers("t1", (Speaker("Ann", "ann@example.com", 90_000, 0.75, 12), Speaker("Bo", None, 30_000, 0.25, 4)),
                 120_000, True),
        (Recording("r1", "M_I_1", "Weekly", "https://example.webex.com/play/r1", None, 3120, 1 << 30,
                   datetime(2026, 12, 5, 9, tzinfo=UTC), None, "available"),),
        (Invitee("ann@example.com", "Ann", False, False), Invitee("cy@example.com", "Cy", True, False)),
        (Invitee("cy@example.com", "Cy", True, False),), 2,
        (Outcome("summary", "ok"), Outcome("speakers", "ok"), Outcome("recording", "retry_later", "wait", 2.5),
         Outcome("invitees", "ok")))
    kept = replace(digest, meeting_id="M_I_1", insights=insights)
    assert stored_and_read_back(kept, tmp_path) == kept
    assert FORMAT_VERSION >= 3  # 3 added the meeting instance and its insights
