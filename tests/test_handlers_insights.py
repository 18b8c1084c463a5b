"""``notes <id>`` and ``speakers <id>`` end to end against the emulator, and the summary's buttons reaching them from
the stored digest's insights, without asking Webex again (issue 13, "Buttons do not fetch the insights again")."""

from __future__ import annotations

import pytest

from bot.digest import decode, encode
from bot.sandbox.emulator import USER_EMAIL
from bot.sandbox.generator.insights import NO_SHOW_NAMES
from tests.support.bot_rig import EXAMPLE_ARCHIVE, ask, card_text, running_rig
from tests.support.insights import generated_insights, with_insights


@pytest.fixture
def rig(tmp_path, emulator):
    with running_rig(tmp_path, emulator[0]) as rig:
        yield rig


def insight_calls(rig) -> list:
    paths = ("meetingSummaries", "meetingTranscripts", "recordings", "meetingInvitees", "recordingReport")
    return [c for c in rig.emulator.calls("GET") if any(p in c.path for p in paths)]


def keep_insights(rig) -> None:
    """Fetch the example archive's digest (``summary``), then store it with the generator's insights in it."""
    ask(rig, f"summary {EXAMPLE_ARCHIVE}")
    store = rig.jobs.services.store
    digest = decode(store.load_digest(EXAMPLE_ARCHIVE).body)
    raw = {"title": digest.title, "hostDisplayName": digest.host_display_name, "hostEmail": digest.host_email,
           "participants": [{"displayName": p.name, "email": p.email} for p in digest.attendance.people]}
    kept = with_insights(digest, generated_insights(raw, "0ed74a1c_I_1"))
    store.save_digest(EXAMPLE_ARCHIVE, kept.version, encode(kept))
    rig.emulator.clear_log()


def test_notes_and_speakers_answer_even_without_insights_and_say_so(rig):
    rig.emulator.insights.apply_spec("all=missing")  # Webex keeps no insight of this meeting
    notes = card_text(ask(rig, f"notes {EXAMPLE_ARCHIVE}"))
    assert "AI SUMMARY" in notes and "Webex has no AI summary for this meeting." in notes
    speakers = card_text(ask(rig, f"speakers {EXAMPLE_ARCHIVE}"))
    assert "no transcript" in speakers and "Traceback" not in speakers
    assert [e.command for e in rig.jobs.services.store.audit_log()] == ["notes", "speakers"]


def test_a_malformed_id_or_an_ordinary_user_gets_a_clear_card(rig):
    assert "is not a meeting's id" in card_text(ask(rig, "speakers 12345"))
    assert "for administrators" in card_text(ask(rig, f"notes {EXAMPLE_ARCHIVE}", email=USER_EMAIL)).lower()


def test_the_views_read_the_kept_insights_and_buttons_do_not_fetch_them_again(rig):
    keep_insights(rig)
    summary_message = rig.say(f"summary {EXAMPLE_ARCHIVE}")
    rig.run_jobs()
    summary = rig.replies()[-1]
    text = card_text(summary)
    assert "Who spoke" in text and "Action items" in text and "invited, never came" in text
    rig.press(summary["id"], "Show", inputs={"table": "notes"})  # the "More" card's choice of part
    rig.run_jobs()
    notes = rig.replies()[-1]
    assert notes["parentId"] == summary_message["id"] and "Action items" in card_text(notes)
    speakers = card_text(ask(rig, f"speakers {EXAMPLE_ARCHIVE}"))
    assert "snippets" in speakers and "Never came" not in speakers
    assert insight_calls(rig) == []  # every view came from the stored digest


def test_a_group_space_sees_counts_of_speakers_and_no_shows_only(rig):
    keep_insights(rig)
    group = rig.group_room()
    summary = card_text(ask(rig, f"@Recap summary {EXAMPLE_ARCHIVE}", room_id=group))
    assert "speakers · " in summary and "invited people never came" in summary
    assert not any(name in summary for name in NO_SHOW_NAMES)
    speakers = card_text(ask(rig, f"@Recap speakers {EXAMPLE_ARCHIVE}", room_id=group))
    assert "Talk time per person is shown only in a 1:1 space." in speakers and "snippets" not in speakers
