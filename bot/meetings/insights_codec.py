"""``Insights`` as JSON and back, so they are fetched once and kept (with the digest, in a job's payload).

``insights_to_json`` gives plain JSON types only (times as ISO 8601 strings); ``insights_from_json``
gives back an equal ``Insights``, or raises ``ValueError`` for data of another ``FORMAT`` (fetch again).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from bot.meetings.insights import Invitee, MeetingSummary, Recording, Speaker, Speakers
from bot.meetings.insights_api import Insights
from bot.meetings.outcomes import Outcome
from bot.meetings.parse import parse_time

FORMAT = 1  # bump when the shape changes: stored insights of another format are fetched again


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def insights_to_json(insights: Insights) -> dict:
    """The insights as a JSON-able dict (``format`` included)."""
    return {"format": FORMAT, **_plain(asdict(insights))}


def _recording(d: dict) -> Recording:
    return Recording(**{**d, "recorded": parse_time(d.get("recorded")), "created": parse_time(d.get("created"))})


def insights_from_json(data: dict) -> Insights:
    """The ``Insights`` that ``insights_to_json`` gave; ``ValueError`` for another format or a malformed dict."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError("stored insights are of another format")
    try:
        summary, speakers = data.get("summary"), data.get("speakers")
        invitees, no_shows = data.get("invitees"), data.get("no_shows")
        return Insights(
            meeting_id=data["meeting_id"],
            summary=MeetingSummary(**{**summary, "action_items": tuple(summary["action_items"])}) if summary else None,
            speakers=Speakers(**{**speakers, "speakers": tuple(Speaker(**s) for s in speakers["speakers"])})
            if speakers else None,
            recordings=tuple(_recording(r) for r in data.get("recordings") or ()),
            invitees=tuple(Invitee(**i) for i in invitees) if invitees is not None else None,
            no_shows=tuple(Invitee(**i) for i in no_shows) if no_shows is not None else None,
            invited=data.get("invited"),
            outcomes=tuple(Outcome(**o) for o in data["outcomes"]),
        )
    except (KeyError, TypeError) as exc:
        raise ValueError(f"stored insights are malformed: {exc}") from None
