"""The meetings module's insights against the emulator over HTTP: parsing, talk time, no-shows, outcomes."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from bot.digest import decode, digest_of, encode
from bot.meetings import (
    Invitee,
    Participant,
    count_invited,
    fetch_insights,
    fetch_invitees,
    fetch_recordings,
    fetch_speakers,
    fetch_summary,
    get_archive,
    html_to_text,
    insights_to_json,
    no_shows,
    parse_meeting,
)
from bot.sandbox.emulator import SANDBOX_ADMIN_TOKEN, SANDBOX_COMPLIANCE_TOKEN
from bot.webex import WebexClient


@pytest.fixture
def clients(emulator) -> SimpleNamespace:
    server, _ = emulator
    return SimpleNamespace(admin=WebexClient(server.api_url, SANDBOX_ADMIN_TOKEN, role="admin", timeout=10),
                           compliance=WebexClient(server.api_url, SANDBOX_COMPLIANCE_TOKEN, role="compliance",
                                                  timeout=10))


def weekly_sync(state):
    archive = next(a for a in state.archives.values() if a["title"] == "Weekly sync")
    return archive["archiveId"], parse_meeting(state.meeting_for_archive(archive["archiveId"]))


@pytest.mark.parametrize("markup, text", [
    ("<p>One &amp; two</p><p>Three&nbsp;&lt;four&gt;</p>", "One & two\nThree <four>"),
    ("<ul><li>a<ul><li>a.1</li><li>a.2<ol><li>deep</li></ol></li></ul></li><li>b</li></ul>",
     "• a\n  • a.1\n  • a.2\n    1. deep\n• b"),
    ("<p>before<script>alert('x')</script> after</p><style>p { color: red }</style>", "before after"),
    ("<p>open <b>bold <i>both", "open bold both"),
    ("<ol><li>one<li>two</ol>tail", "1. one\n2. two\ntail"),
    ("text</li></ul></script></p>more", "text\nmore"),
    ("<li>stray item</li>", "• stray item"),
    ("a<br>b<br/>c<hr>d", "a\nb\nc\nd"),
    ("<!-- hidden --><p>&#x1F389; &quot;quoted&quot; &#39;single&#39; &eacute;</p>", "🎉 \"quoted\" 'single' é"),
    ("&lt;script&gt;alert(1)&lt;/script&gt;", "<script>alert(1)</script>"),  # text that looks like markup stays text
    ("<p>  spread \n\t out   </p>\n\n<p></p>", "spread out"),
    ("<img src=x onerror=alert(1)><iframe>inside</iframe>visible", "visible"),
    ("<script>never closed <p>swallowed", ""),
    ("", ""),
])
def test_html_notes_become_plain_lines(markup, text):
    assert html_to_text(markup) == text


def test_the_summary_note_is_plain_text_and_the_action_items_a_list(emulator, clients):
    _, state = emulator
    _, meeting = weekly_sync(state)
    hostile = ("<p>Intro &amp; <b>scope</b></p><ul><li>First<ul><li>nested</li></ul></li><li>Second"
               "<script>steal()</script></ul><p>Unclosed <i>end")
    state.insights.set_insights(meeting.id, summary={
        "id": "s1", "meetingId": meeting.id, "status": "available", "notes": {"content": hostile},
        "actionItems": [{"content": " Ship it "}, {"content": ""}, {"content": "Write the <b>notes</b>"}]})
    fetched = fetch_summary(clients.compliance, meeting.id)
    assert fetched.outcome.available
    assert fetched.value.note == "Intro & scope\n• First\n  • nested\n• Second\nUnclosed end"
    assert fetched.value.action_items == ("Ship it", "Write the <b>notes</b>")  # plain text: kept as typed
    assert clients.compliance.role == "compliance" and state.calls("GET", "admin/meetingSummaries")


def test_a_generated_summary_reads_as_lines(emulator, clients):
    _, state = emulator
    _, meeting = weekly_sync(state)
    summary = fetch_summary(clients.compliance, meeting.id).value
    lines = summary.note.splitlines()
    assert lines[0].startswith("The meeting Weekly sync, hosted by Alice Martin")
    assert any(line.startswith("• ") for line in lines) and "R&D" in summary.note and "<" not in lines[0]
    assert 3 <= len(summary.action_items) <= 6


def test_meeting_text_escaped_into_the_note_reads_back_verbatim(emulator, clients):
    _, state = emulator
    archive = next(a for a in state.archives.values() if a["title"].startswith("Design review"))
    meeting = parse_meeting(state.meeting_for_archive(archive["archiveId"]))
    note = fetch_summary(clients.compliance, meeting.id).value.note
    host = archive["hostDisplayName"]  # Zoë "Zed" O'Brien
    assert note.splitlines()[0].startswith(f'The meeting Design review: "Q3" <b>plan</b>, hosted by {host}')


def test_talk_time_is_summed_over_several_snippet_pages(emulator, clients):
    _, state = emulator
    _, meeting = weekly_sync(state)
    people = [("Ana", "ana@example.com"), ("Bo", "bo@example.com"), ("Guest Gil", "")]
    snippets, expected, at = [], {"Ana": 0, "Bo": 0, "Guest Gil": 0}, 0
    for i in range(250):
        name, email = people[i % 7 % 3]
        duration = 1_000 + (i * 37) % 9_000
        expected[name] += duration
        snippets.append({"id": f"t_{i}", "text": "…", "personName": name, "personEmail": email,
                         "offsetMillisecond": at, "durationMillisecond": duration})
        at += duration
    snippets[3]["personEmail"] = "ANA@example.com"  # the same speaker, whatever the case of the address
    state.insights.set_insights(meeting.id, snippets=snippets)
    state.clear_log()
    speakers = fetch_speakers(clients.compliance, meeting.id).value
    assert len(state.calls("GET", "meetingTranscripts/")) == 3  # 100 + 100 + 50, followed by Link
    assert {s.name: s.talk_ms for s in speakers.speakers} == expected
    assert speakers.total_ms == sum(expected.values()) and speakers.count == 3
    assert [s.talk_ms for s in speakers.speakers] == sorted(expected.values(), reverse=True)
    assert sum(s.share for s in speakers.speakers) == pytest.approx(1.0)
    assert {s.name: s.email for s in speakers.speakers}["Guest Gil"] is None
    assert sum(s.snippets for s in speakers.speakers) == 250 and speakers.complete


def test_a_full_last_snippet_page_without_a_next_link_is_flagged_as_maybe_short(emulator, clients):
    _, state = emulator
    _, meeting = weekly_sync(state)
    snippets = [{"id": f"t_{i}", "text": "…", "personName": "Ana", "personEmail": "ana@example.com",
                 "offsetMillisecond": i * 1_000, "durationMillisecond": 500} for i in range(100)]
    state.insights.set_insights(meeting.id, snippets=snippets)
    speakers = fetch_speakers(clients.compliance, meeting.id).value
    assert (speakers.total_ms, speakers.complete) == (50_000, False)  # Webex declares no paging for snippets
    state.insights.set_insights(meeting.id, snippets=snippets[:99])
    assert fetch_speakers(clients.compliance, meeting.id).value.complete


def test_recordings_and_invitees_with_the_admin_credential(emulator, clients):
    _, state = emulator
    _, meeting = weekly_sync(state)
    [recording] = fetch_recordings(clients.admin, meeting.id).value
    assert recording.playback_url.startswith("https://example.webex.com/recordingservice/")
    assert recording.duration_seconds > 60 and recording.meeting_id == meeting.id
    invitees = fetch_invitees(clients.admin, meeting.id, host_email=meeting.host_email)
    assert invitees.outcome.available and len(invitees.value) >= 8
    assert not fetch_invitees(clients.admin, meeting.id).outcome.available  # an admin must act for the host


def test_fetch_insights_puts_every_source_together(emulator, clients):
    _, state = emulator
    archive_id, meeting = weekly_sync(state)
    archive = get_archive(clients.admin, archive_id)
    insights = fetch_insights(clients, meeting, participants=archive.participants)
    assert [o.status for o in insights.outcomes] == ["ok"] * 4 and insights.unavailable_line() == ""
    exported = json.loads(json.dumps(insights_to_json(insights)))  # a JSON export's "insights" object
    assert exported["meeting_id"] == insights.meeting_id and exported["format"] == 1
    assert exported["summary"]["action_items"] == list(insights.summary.action_items)
    assert [s["talk_ms"] for s in exported["speakers"]["speakers"]] == [s.talk_ms for s in insights.speakers.speakers]
    assert insights.summary.action_items and insights.speakers.count >= 2 and insights.recording.playback_url
    came = {p.display_name for p in archive.participants}
    assert 2 <= len(insights.no_shows) <= 4 and not {i.display_name for i in insights.no_shows} & came
    assert insights.invited == len(insights.invitees) and not insights.pending


class MeetingClient(WebexClient):
    """A real client whose first request on each thread waits until every source's first request is in flight.

    Not a mock: requests still go to the emulator. A ``fetch_insights`` that fetched one source after
    another would leave the barrier short and break it, failing the test.
    """

    def __init__(self, *args, barrier: threading.Barrier, **kw):
        super().__init__(*args, **kw)
        self.barrier, self.seen = barrier, threading.local()

    def request(self, *args, **kw):
        if not getattr(self.seen, "waited", False):
            self.seen.waited = True
            self.barrier.wait(timeout=30)
        return super().request(*args, **kw)


def test_the_four_sources_are_fetched_at_once_on_bounded_threads(emulator):
    server, state = emulator
    _, meeting = weekly_sync(state)
    barrier = threading.Barrier(4)
    both = SimpleNamespace(admin=MeetingClient(server.api_url, SANDBOX_ADMIN_TOKEN, role="admin", barrier=barrier),
                           compliance=MeetingClient(server.api_url, SANDBOX_COMPLIANCE_TOKEN, role="compliance",
                                                    barrier=barrier))
    insights = fetch_insights(both, meeting)
    assert not barrier.broken and all(o.available for o in insights.outcomes)


def test_only_an_admin_credential_gets_recordings_and_no_shows(emulator, clients):
    _, state = emulator
    archive_id, meeting = weekly_sync(state)
    only_admin = fetch_insights(SimpleNamespace(admin=clients.admin, compliance=None), meeting)
    assert only_admin.summary is None and only_admin.speakers is None
    assert only_admin.recording is not None and only_admin.invitees
    assert only_admin.unavailable_line() == ("AI summary: not available (no compliance credential is configured); "
                                             "Speakers: not available (no compliance credential is configured)")
    only_compliance = fetch_insights(SimpleNamespace(admin=None, compliance=clients.compliance), meeting)
    assert only_compliance.recording is not None and only_compliance.summary is not None
    assert only_compliance.outcome("invitees").status == "no_credential"
    # Kept with the digest, as Recap stores them (sources missing included), and read back equal.
    kept = replace(digest_of(get_archive(clients.admin, archive_id)), insights=only_admin)
    assert decode(encode(kept)).insights == only_admin


def test_an_admin_token_reading_summaries_or_snippets_is_told_why(emulator, clients):
    _, state = emulator
    _, meeting = weekly_sync(state)
    assert fetch_summary(clients.admin, meeting.id).outcome.status == "forbidden"
    speakers = fetch_speakers(clients.admin, meeting.id, host_email=meeting.host_email).outcome
    assert speakers.status == "forbidden" and "may not read transcript snippets" in speakers.reason
    assert fetch_invitees(clients.compliance, meeting.id).outcome.line() == (
        "Invitees: not available (a compliance credential may not read invitees; the admin credential can)")


SWITCHED = {"summaries": "summary", "transcripts": "speakers", "recordings": "recording", "invitees": "invitees"}


@pytest.mark.parametrize("source", SWITCHED)
@pytest.mark.parametrize("mode, status, reason", [
    ("forbidden", "forbidden", "credential is missing the scope ("),
    ("missing", "not_found", "the feature is off, or Webex kept none for this meeting"),
    ("empty", "empty", ""),
])
def test_each_switched_source_gives_its_outcome_and_the_rest_still_come(emulator, clients, source, mode, status,
                                                                       reason):
    _, state = emulator
    _, meeting = weekly_sync(state)
    state.insights.set_switch(source, mode)
    insights = fetch_insights(clients, meeting)
    outcome = insights.outcome(SWITCHED[source])
    assert outcome.status == status and reason in outcome.reason and outcome.reason
    assert [o.source for o in insights.unavailable] == [SWITCHED[source]]
    assert not outcome.pending and outcome.line().endswith(f"not available ({outcome.reason})")


@pytest.mark.parametrize("source", SWITCHED)
def test_a_late_source_is_not_ready_yet_then_comes(emulator, clients, source):
    _, state = emulator
    meeting = parse_meeting(state.end_meeting("alice@example.com", seed=5, deliver=False))
    state.insights.set_switch(source, "late", late_seconds=3600)
    waiting = fetch_insights(clients, meeting)
    assert waiting.outcome(SWITCHED[source]).status == "not_ready" and waiting.pending
    assert waiting.unavailable_line().endswith(": not ready yet")
    later = fetch_insights(clients, meeting, now=datetime.now(UTC) + timedelta(hours=2))
    assert later.outcome(SWITCHED[source]).status == "empty"  # still nothing long after the end: none
    state.insights.set_switch(source, "late", late_seconds=0)
    assert fetch_insights(clients, meeting).outcome(SWITCHED[source]).available


def test_a_rate_limited_source_asks_to_wait(emulator, clients):
    _, state = emulator
    _, meeting = weekly_sync(state)
    state.inject_fault(429, retry_after=7, path_prefix="admin/recordings")
    insights = fetch_insights(clients, meeting)
    outcome = insights.outcome("recording")
    assert (outcome.status, outcome.retry_after, insights.pending) == ("retry_later", 7.0, True)
    assert insights.summary is not None


def person(name: str, email: str | None) -> Participant:
    return Participant(name, email, None, None, None)


def test_no_shows_match_by_email_first_then_by_name():
    invitees = [Invitee("ana@example.com", "Ana Lima"), Invitee("BO@example.com", "Bo Berg"),
                Invitee("cy@example.com", "  Cy   Chen "), Invitee("di@example.com", "Di Dorn"),
                Invitee("ed@example.com", "Ed Eker"), Invitee("fay@example.com", "Fay Fu")]
    participants = [person("Ana (laptop)", "ana@example.com"),  # by e-mail, whatever the name says
                    person("bo berg", "bo@EXAMPLE.com"),  # address case ignored
                    person("cy chen", None),  # joined without an address: by name, casefold, trimmed
                    person("Di Dorn", "di.private@example.org"),  # an address nobody was invited with: by name
                    person("Fay Fu", "ed@example.com")]  # Ed's address: counts for Ed, not by name for Fay
    assert [i.display_name for i in no_shows(invitees, participants)] == ["Fay Fu"]


def test_no_shows_take_attendee_rows_pairs_and_invitees_without_an_address():
    invitees = [Invitee("", "Walk-in Wu"), Invitee("", "Never Ned"), Invitee("x@example.com", "Xi")]
    attendees = [SimpleNamespace(name="walk-in wu", email=None), ("Xi", "x@example.com")]
    assert [i.display_name for i in no_shows(invitees, attendees)] == ["Never Ned"]
    assert no_shows([], attendees) == ()
    assert len(no_shows(invitees, [])) == 3


def test_invited_counts_each_address_once():
    invitees = [Invitee("a@example.com", "A"), Invitee("A@example.com", "A again"), Invitee("", "No address"),
                Invitee("", "Another")]
    assert count_invited(invitees) == 3
