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
