"""Issue 13's data flow through the bot, over real HTTP against the emulator, on SQLite: either id works,
insights are fetched once into the digest (buttons never fetch them again; a typed command refreshes
only pending sources, and only 10 minutes after the last fetch), and the speakers and invitees exports.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest

from bot.digest import FORMAT_VERSION, decode
from bot.sandbox.emulator import ADMIN_EMAIL
from bot.storage import utcnow
from tests.support.bot_rig import EXAMPLE_ARCHIVE, ask, card_of, card_text, running_rig

INSIGHT_PATHS = ("admin/meetingSummaries", "meetingSummaries", "meetingTranscripts", "admin/recordings",
                 "meetingInvitees")


@pytest.fixture
def rig(tmp_path, emulator):
    with running_rig(tmp_path, emulator[0]) as rig:
        yield rig


def insight_calls(rig) -> list[str]:
    """The insight endpoints the bot called since the log was last cleared (paths under /v1/)."""
    return [c.path.removeprefix("/v1/") for c in rig.emulator.calls("GET")
            if c.path.removeprefix("/v1/").startswith(INSIGHT_PATHS)]


def stored(rig, archive_id: str):
    row = rig.jobs.services.store.load_digest(archive_id)
    assert row is not None and row.version == FORMAT_VERSION
    return decode(row.body)


def age_digest(rig, archive_id: str, minutes: float) -> None:
    """Make the stored digest look ``minutes`` older (its row's time is when insights were last fetched)."""
    store = rig.jobs.services.store
    row = store.load_digest(archive_id)
    store.save_digest(archive_id, row.version, row.body, now=utcnow() - timedelta(minutes=minutes))


def file_of(rig, reply) -> tuple[str, bytes]:
    (url,) = reply["files"]
    name, _type, data = rig.emulator.files[url.rsplit("/", 1)[-1]]
    return name, data


def rows_of(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


# --- either id ------------------------------------------------------------------------------

def test_summary_by_meeting_instance_id_is_the_archives_recap_and_remembers_the_instance(rig):
    meeting_id = rig.emulator.archive_meetings[EXAMPLE_ARCHIVE]
    by_instance = ask(rig, f"summary {meeting_id}")
    assert rig.emulator.calls("GET", f"meetings/{meeting_id}")  # resolved: the instance, then its archive
    assert stored(rig, EXAMPLE_ARCHIVE).meeting_id == meeting_id
    assert stored(rig, EXAMPLE_ARCHIVE).insights.meeting_id == meeting_id
    by_archive = ask(rig, f"summary {EXAMPLE_ARCHIVE}")
    assert card_of(by_instance) == card_of(by_archive)
    assert "Marcos Alonso's Personal Room" in card_text(by_instance)
    # Buttons carry the archive id, so a press needs no resolving again.
    assert all(a.get("data", {}).get("archiveId") in (None, EXAMPLE_ARCHIVE) for a in card_of(by_instance)["actions"])


@pytest.mark.parametrize("command, kicker", [("attendance", "Attendance"), ("polls", "Polls"), ("qa", "Q&A")])
def test_each_detail_view_accepts_a_meeting_instance_id(rig, command, kicker):
    meeting_id = rig.emulator.archive_meetings[EXAMPLE_ARCHIVE]
    text = card_text(ask(rig, f"{command} {meeting_id}"))
    assert text.upper().startswith(kicker.upper()) and "Marcos Alonso's Personal Room" in text


def test_export_accepts_a_meeting_instance_id(rig):
    meeting_id = rig.emulator.archive_meetings[EXAMPLE_ARCHIVE]
    name, data = file_of(rig, ask(rig, f"export {meeting_id} csv attendance"))
    assert name == "2022-11-03 Marcos Alonso's Personal Room - attendance.csv" and b"linzhou@example.com" in data


def test_an_instance_without_an_archive_gets_a_card_saying_so_and_what_to_do(rig):
    meeting = rig.emulator.end_meeting(ADMIN_EMAIL, late_seconds=10**6, deliver=False)  # archive not published
    for words in (f"summary {meeting['id']}", f"export {meeting['id']} csv"):
        text = card_text(ask(rig, words))
        assert "No archive for this meeting" in text and meeting["title"] in text
        assert "15 minutes" in text and "**chats** with the same id" in text and "Traceback" not in text
    assert rig.jobs.services.store.digest_count() == 0


def test_the_no_archive_card_keeps_a_hostile_title_as_text_and_hides_addresses_in_a_group(rig):
    meeting = rig.emulator.end_meeting(ADMIN_EMAIL, title="`sync` with *mallory@example.com*", late_seconds=10**6,
                                       deliver=False)
    group = card_of(ask(rig, f"@Recap summary {meeting['id']}", room_id=rig.group_room()))
    text = card_text({"attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": group}]})
    assert "mallory@example.com" not in text and "(e-mail hidden)" in text
    assert "`" not in json.dumps(group) and "**sync**" not in json.dumps(group)


def test_an_unknown_instance_id_is_explained_not_a_traceback(rig):
    text = card_text(ask(rig, "summary 0ed74a1c0551494fb7a04e2881bf50ae_I_166022169160077044"))
    assert "Nothing found under that id" in text and "Traceback" not in text


# --- fetched once ---------------------------------------------------------------------------

def test_insights_are_fetched_once_and_buttons_and_other_views_read_them_from_the_digest(rig):
    reply = ask(rig, f"summary {EXAMPLE_ARCHIVE}")
    first = insight_calls(rig)
    assert set(first) >= {"admin/meetingSummaries", "meetingTranscripts", "admin/recordings", "meetingInvitees"}
    assert any(p.endswith("/snippets") for p in first)
    insights = stored(rig, EXAMPLE_ARCHIVE).insights
    assert insights is not None and not insights.pending and insights.summary and insights.speakers
    rig.emulator.clear_log()
    for title, inputs in (("Show", {"table": "attendance"}), ("Show", {"table": "polls"}), ("Show", {"table": "qa"})):
        rig.press(reply["id"], title, inputs=inputs)
        rig.run_jobs()
    for words in (f"polls {EXAMPLE_ARCHIVE}", f"attendance {EXAMPLE_ARCHIVE} name",
                  f"export {EXAMPLE_ARCHIVE} csv speakers"):
        ask(rig, words)
    assert insight_calls(rig) == []  # neither the buttons nor the other views asked Webex again
    assert rig.emulator.calls("GET", "meetings") == []  # nor looked the instance up again


def test_a_pending_source_is_refreshed_only_by_a_typed_command_ten_minutes_later(rig):
    rig.emulator.insights.set_switch("recordings", "late", late_seconds=600)
    meeting = rig.emulator.end_meeting(ADMIN_EMAIL, deliver=False)
    archive_id = meeting["archiveId"]
    reply = ask(rig, f"summary {archive_id}")
    insights = stored(rig, archive_id).insights
    assert insights.outcome("recording").status == "not_ready" and insights.pending
    assert insights.outcome("summary").available and insights.recording is None
    rig.emulator.clear_log()
    rig.emulator.insights.set_switch("recordings", "ok")  # Webex has published the recording now
    ask(rig, f"polls {archive_id}")  # typed, but less than 10 minutes after the fetch
    age_digest(rig, archive_id, 11)
    rig.press(reply["id"], "Show", inputs={"table": "attendance"})  # a button never refreshes
    rig.run_jobs()
    assert insight_calls(rig) == []
    ask(rig, f"qa {archive_id}")  # typed, 11 minutes later: only the pending source is asked again
    assert insight_calls(rig) == ["admin/recordings"]
    refreshed = stored(rig, archive_id).insights
    assert refreshed.outcome("recording").available and refreshed.recording is not None and not refreshed.pending
    assert refreshed.summary == insights.summary and refreshed.speakers == insights.speakers
    rig.emulator.clear_log()
    age_digest(rig, archive_id, 11)
    ask(rig, f"summary {archive_id}")  # nothing pending: nothing asked
    assert insight_calls(rig) == []


@pytest.mark.parametrize("mode, status", [("forbidden", "forbidden"), ("missing", "not_found")])
def test_each_source_refused_still_gives_the_card_and_says_why(rig, mode, status):
    rig.emulator.insights.set_switch("all", mode)
    text = card_text(ask(rig, f"summary {EXAMPLE_ARCHIVE}"))
    assert "Marcos Alonso's Personal Room" in text and "Attendance" in text
    insights = stored(rig, EXAMPLE_ARCHIVE).insights
    assert [o.status for o in insights.outcomes] == [status] * 4
    if mode == "forbidden":
        assert "spark-compliance:meetings_read" in insights.outcome("summary").reason
        assert "meeting:admin_schedule_read" in insights.outcome("invitees").reason


@pytest.mark.parametrize("status, outcome", [(403, "forbidden"), (503, "retry_later")])
def test_a_refused_instance_look_up_still_gives_the_card_and_says_why(rig, status, outcome):
    rig.emulator.inject_fault(status, path_prefix="meetings", count=1)  # the archive → instance search
    text = card_text(ask(rig, f"summary {EXAMPLE_ARCHIVE}"))
    assert "Marcos Alonso's Personal Room" in text and "Attendance" in text
    insights = stored(rig, EXAMPLE_ARCHIVE).insights
    assert [o.status for o in insights.outcomes] == [outcome] * 4 and insight_calls(rig) == []
    if status == 403:
        assert "meeting:admin_schedule_read" in insights.outcome("recording").reason
        ask(rig, f"polls {EXAMPLE_ARCHIVE}")  # nothing pending: not asked again
        assert insight_calls(rig) == []
        ask(rig, f"polls {rig.emulator.archive_meetings[EXAMPLE_ARCHIVE]}")  # the instance given: now it is known
        assert insight_calls(rig) and not stored(rig, EXAMPLE_ARCHIVE).insights.unavailable
    else:  # Webex asked to wait: a command typed 10 minutes later looks again, and finds them
        age_digest(rig, EXAMPLE_ARCHIVE, 11)
        ask(rig, f"polls {EXAMPLE_ARCHIVE}")
        assert not stored(rig, EXAMPLE_ARCHIVE).insights.pending and insight_calls(rig)


# --- exports --------------------------------------------------------------------------------

def test_the_speakers_and_invitees_tables_come_from_the_digest(rig):
    ask(rig, f"summary {EXAMPLE_ARCHIVE}")
    insights = stored(rig, EXAMPLE_ARCHIVE).insights
    rig.emulator.clear_log()
    name, data = file_of(rig, ask(rig, f"export {EXAMPLE_ARCHIVE} csv speakers"))
    header, *rows = rows_of(data)
    assert name == "2022-11-03 Marcos Alonso's Personal Room - speakers.csv"
    assert header == ["name", "email", "talk_seconds", "share_percent", "snippets"]
    top = insights.speakers.speakers[0]
    assert rows[0] == [top.name, top.email or "", str(round(top.talk_ms / 1000)), str(round(top.share * 100, 1)),
                       str(top.snippets)]
    assert len(rows) == insights.speakers.count
    _, data = file_of(rig, ask(rig, f"export {EXAMPLE_ARCHIVE} invitees"))
    header, *rows = rows_of(data)
    assert header == ["name", "email", "cohost", "attended"] and len(rows) == len(insights.invitees)
    absent = {i.email for i in insights.no_shows}
    assert {r[1] for r in rows if r[3] == "no"} == absent and {r[3] for r in rows} <= {"yes", "no"}
    assert insight_calls(rig) == [] and rig.emulator.calls("GET", "recordingReport") == []  # not the archive stream


def test_the_json_export_carries_the_insights(rig):
    name, data = file_of(rig, ask(rig, f"export {EXAMPLE_ARCHIVE} json"))
    body = json.loads(data)
    assert body["archive"]["archiveId"] == EXAMPLE_ARCHIVE and "computed" in body
    assert body["insights"]["meeting_id"] == rig.emulator.archive_meetings[EXAMPLE_ARCHIVE]
    assert [o["status"] for o in body["insights"]["outcomes"]] == ["ok"] * 4


def test_an_unavailable_source_makes_the_export_answer_a_card_naming_why(rig):
    rig.emulator.insights.set_switch("transcripts", "forbidden")
    rig.emulator.insights.set_switch("invitees", "missing")
    speakers = card_text(ask(rig, f"export {EXAMPLE_ARCHIVE} csv speakers"))
    assert "No speakers table" in speakers and "spark-compliance:meetings_read" in speakers
    assert "grant the scope" in speakers
    invitees = card_text(ask(rig, f"export {EXAMPLE_ARCHIVE} csv invitees"))
    assert "No invitees table" in invitees and "feature is off" in invitees


def test_without_a_compliance_credential_recordings_and_invitees_still_come(tmp_path, emulator):
    with running_rig(tmp_path, emulator[0], compliance_token=None) as rig:
        reply = ask(rig, f"summary {EXAMPLE_ARCHIVE}")
        insights = stored(rig, EXAMPLE_ARCHIVE).insights
        assert [o.status for o in insights.outcomes] == ["no_credential", "no_credential", "ok", "ok"]
        assert insights.recording is not None and insights.invitees
        assert not any(p.startswith(("admin/meetingSummaries", "meetingTranscripts")) for p in insight_calls(rig))
        (more,) = [a for a in card_of(reply)["actions"] if a["title"] == "More"]
        choices = {c["value"] for c in more["card"]["body"][0]["choices"]}
        assert "invitees" in choices and "speakers" not in choices
        text = card_text(ask(rig, f"export {EXAMPLE_ARCHIVE} csv speakers"))
        assert "no compliance credential is configured" in text


@pytest.mark.parametrize("switch, label, missing_section, kept_section", [
    ("summaries", "AI summary", "Action items", "Who spoke"),
    ("transcripts", "Speakers", "of talk", "Action items"),
    ("recordings", "Recording", None, "Who spoke"),
    ("invitees", "Invitees", "invited, never came", "Action items"),
])
def test_one_source_forbidden_leaves_the_rest_on_the_card_and_the_1to1_line_says_why(
        rig, switch, label, missing_section, kept_section):
    rig.emulator.insights.set_switch(switch, "forbidden")
    reply = ask(rig, f"summary {EXAMPLE_ARCHIVE}")
    text = card_text(reply)
    assert f"{label}: not available (" in text  # one line, in plain words, naming why
    assert kept_section in text and "Traceback" not in text
    if missing_section:
        assert missing_section not in text
    else:  # no recording: no Recording button, nor a link in the header
        assert '"Recording"' not in json.dumps(card_of(reply)) and "[Recording](" not in text
    group = card_text(ask(rig, f"@Recap summary {EXAMPLE_ARCHIVE}", room_id=rig.group_room()))
    assert "not available" not in group  # the line is for the admin's 1:1 only
