"""Insights for card tests: what the emulator's generator makes for a meeting, parsed as ``fetch_insights`` would."""

from __future__ import annotations

from dataclasses import replace

from bot.digest import Digest
from bot.meetings import (
    Insights,
    Outcome,
    TalkTime,
    count_invited,
    no_shows,
    parse_invitee,
    parse_recording,
    parse_summary,
)
from bot.meetings.outcomes import FORBIDDEN, OK
from bot.sandbox.generator.insights import generate_insights

FORBIDDEN_SUMMARY = Outcome("summary", FORBIDDEN, "the compliance credential is missing the scope "
                            "(spark-compliance:meetings_read)")


def generated_insights(archive: dict, meeting_id: str = "M1_I_1") -> Insights:
    """Every source present: the generator's summary, snippets, recording and invitees of ``archive``'s meeting."""
    meeting = {"id": meeting_id, "title": archive.get("title"), "start": archive.get("start"),
               "end": archive.get("end"), "hostEmail": archive.get("hostEmail"),
               "hostDisplayName": archive.get("hostDisplayName")}
    raw = generate_insights(archive, meeting)
    talk = TalkTime(raw["transcript"]["id"])
    for snippet in raw["snippets"]:
        talk.add(snippet)
    invitees = tuple(parse_invitee(i) for i in raw["invitees"])
    people = [(p.get("displayName"), p.get("email")) for p in archive.get("participants") or []]
    return Insights(meeting_id, parse_summary(raw["summary"]), talk.result(), (parse_recording(raw["recording"]),),
                    invitees, no_shows(invitees, people), count_invited(invitees),
                    tuple(Outcome(s, OK) for s in ("summary", "speakers", "recording", "invitees")))


def without(insights: Insights, *sources: str, outcome: Outcome | None = None) -> Insights:
    """``insights`` with ``sources`` missing (each refused, or with ``outcome``), as Webex leaves them out."""
    fields = {"summary": {"summary": None}, "speakers": {"speakers": None}, "recording": {"recordings": ()},
              "invitees": {"invitees": None, "no_shows": None, "invited": None}}
    changes: dict = {}
    for source in sources:
        changes.update(fields[source])
    outcomes = tuple((outcome if outcome and outcome.source == o.source else Outcome(o.source, FORBIDDEN, "refused"))
                     if o.source in sources else o for o in insights.outcomes)
    return replace(insights, **changes, outcomes=outcomes)


def with_insights(digest: Digest, insights: Insights | None) -> Digest:
    """The digest as it is kept once its insights were fetched."""
    return replace(digest, meeting_id=insights.meeting_id if insights else None, insights=insights)


def huge_insights(meeting_id: str = "M1_I_1", people: int = 2000) -> Insights:
    """Far more than a card holds: a 400-line note, 300 action items, ``people`` speakers and 500 no-shows."""
    from bot.meetings import Invitee, MeetingSummary, Recording, Speaker, Speakers

    note = "\n".join(f"• Point {n}: <@all> **decided** [x](http://evil.example) by ann{n}@example.com"
                     for n in range(400))
    items = tuple(f"Owner {n} <b>to</b> follow up with bo{n}@example.com" for n in range(300))
    weights = [people - n for n in range(people)]
    total = sum(weights) * 1000
    speakers = tuple(Speaker(f"Speaker {n} ⟪", f"s{n}@example.com", w * 1000, w * 1000 / total, w)
                     for n, w in enumerate(weights))
    absent = tuple(Invitee(f"gone{n}@example.com", f"Gone {n} ⟪") for n in range(500))
    recording = Recording("r1", meeting_id, "Huge", "https://example.webex.com/recordingservice/play/r1", None,
                          5400, None, None, None, "available")
    return Insights(meeting_id, MeetingSummary("s1", meeting_id, "available", note, items),
                    Speakers("t1", speakers, total), (recording,), absent + (Invitee("x@example.com", "X"),),
                    absent, 501, tuple(Outcome(s, OK) for s in ("summary", "speakers", "recording", "invitees")))
