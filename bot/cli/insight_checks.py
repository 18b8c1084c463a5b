"""``recap doctor``'s insight lines: for each optional source (AI summary, speakers, recording, invitees), one verdict.

Each source is read with the credential that may read it (webex-api-notes §8f), for the latest ended
meeting the admin credential can list, exactly as a recap would (``bot.meetings.fetch_insights``):

- ``ok``: read, or readable but empty for that meeting (access is what is checked);
- ``warn`` *missing scope*: Webex answered 403 (the fix names the scope);
- ``warn`` *feature off*: Webex answered 404 for a real ended meeting (the AI Assistant, transcripts or
  recording are off for that site, or it kept none);
- ``ok`` *not configured*: the credential that reads it is not set (the source is optional).

With no ended meeting to try, each source is probed with a well-formed id that is no meeting: a 403 still
tells a missing scope, a 400/404 that the right is there. Insights are optional: no line here fails.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

from bot.errors import WebexAuthError, WebexBadRequest, WebexError, WebexNotFound
from bot.meetings import LABELS, SOURCES, Insights, Meeting, Outcome, fetch_insights, iso_utc, parse_meeting
from bot.webex import WebexClient

OK, WARN = "ok", "warn"
LOOK_BACK = timedelta(days=7)
PROBE_MEETING = "00000000000000000000000000000000_I_000000000000000000"  # well-formed, never a real instance
NEEDS = {  # which credential and scope each source needs (the README's table says the same)
    "summary": ("compliance", "spark-compliance:meetings_read", "WEBEX_COMPLIANCE_TOKEN"),
    "speakers": ("compliance", "spark-compliance:meetings_read", "WEBEX_COMPLIANCE_TOKEN"),
    "recording": ("admin", "meeting:admin_recordings_read", "WEBEX_ADMIN_TOKEN"),
    "invitees": ("admin", "meeting:admin_schedule_read", "WEBEX_ADMIN_TOKEN"),
}
PROBES = {  # the call each source's probe makes, with the probe id
    "summary": ("admin/meetingSummaries", {"meetingId": PROBE_MEETING}),
    "speakers": ("meetingTranscripts", {"meetingId": PROBE_MEETING, "max": 1}),
    "recording": ("admin/recordings", {"meetingId": PROBE_MEETING, "max": 1}),
    "invitees": ("meetingInvitees", {"meetingId": PROBE_MEETING, "max": 1}),
}


class Credentials(Protocol):
    """The clients the checks use (``bot.webex.WebexClients``); either may be None."""

    admin: WebexClient | None
    compliance: WebexClient | None


def insight_lines(clients: Credentials, *, now: datetime | None = None) -> list[tuple[str, str, str, str]]:
    """``(verdict, topic, message, fix)`` per insight source, in ``SOURCES`` order."""
    now = now or datetime.now(UTC)
    meeting = latest_ended_meeting(clients.admin, now) if clients.admin is not None else None
    if meeting is not None:
        insights = fetch_insights(clients, meeting, now=now, late_window=timedelta(0))
        return [_verdict(source, insights, meeting) for source in SOURCES]
    return [_probe(clients, source) for source in SOURCES]


def latest_ended_meeting(admin: WebexClient, now: datetime) -> Meeting | None:
    """The most recent ended meeting instance of the last week the admin credential can list, if any."""
    params = {"meetingType": "meeting", "state": "ended", "max": 100,
              "from": iso_utc(now - LOOK_BACK), "to": iso_utc(now)}
    try:
        items = admin.get_json("meetings", params).get("items") or []
    except WebexError:
        return None  # the admin lines above already say why
    meetings = [parse_meeting(item) for item in items if isinstance(item, dict)]
    ended = [m for m in meetings if m.id and m.end is not None]
    return max(ended, key=lambda m: m.end) if ended else None  # the listing's order is not documented


def _verdict(source: str, insights: Insights, meeting: Meeting) -> tuple[str, str, str, str]:
    outcome: Outcome = insights.outcome(source)
    topic = f"insight {LABELS[source]}"
    role, scope, variable = NEEDS[source]
    latest = f"the latest ended meeting ({meeting.title or meeting.id})"
    if outcome.available:
        return OK, topic, f"ok: read for {latest}", ""
    if outcome.status == "no_credential":
        return OK, topic, f"not configured (optional): needs the {role} credential", f"set {variable} with {scope}"
    if outcome.status == "forbidden":
        return WARN, topic, f"missing scope: {outcome.reason}", f"give the {role} credential {scope}"
    if outcome.status == "not_found":
        return WARN, topic, f"feature off: Webex keeps none for {latest}", _FEATURE[source]
    if outcome.status in ("empty", "not_ready"):
        return OK, topic, f"ok: readable (none for {latest})", ""
    return WARN, topic, f"could not tell: {outcome.reason}", "run `recap doctor` again later"


_FEATURE = {
    "summary": "turn on the Webex AI Assistant and saving its summaries for the site",
    "speakers": "turn on transcripts (Webex AI Assistant or closed captions) with recording",
    "recording": "record the meetings (cloud recording) on the site",
    "invitees": "invitees exist for scheduled meetings only",
}


def _probe(clients: Credentials, source: str) -> tuple[str, str, str, str]:
    role, scope, variable = NEEDS[source]
    topic = f"insight {LABELS[source]}"
    client = getattr(clients, role)
    if client is None:
        return OK, topic, f"not configured (optional): needs the {role} credential", f"set {variable} with {scope}"
    path, params = PROBES[source]
    try:
        client.get_json(path, params)
    except WebexAuthError as exc:
        return WARN, topic, f"missing scope: Webex answered HTTP {exc.status} to GET {path}", \
            f"give the {role} credential {scope}"
    except (WebexBadRequest, WebexNotFound):
        return OK, topic, "ok: the right is there (no ended meeting in the last week to read from)", ""
    except WebexError as exc:
        return WARN, topic, f"could not tell: {exc}", "run `recap doctor` again later"
    return OK, topic, "ok: the right is there (no ended meeting in the last week to read from)", ""
