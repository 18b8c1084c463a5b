"""Insight records: the AI summary, talk time per speaker, recordings, invitees and no-shows.

``bot.meetings.insights_api`` fetches them (each source ending in a ``bot.meetings.outcomes.Outcome``);
this module parses and counts. The summary's note arrives as HTML and is kept here as plain text
(``bot.meetings.htmltext``): meeting text, to be escaped like any other.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.meetings.htmltext import html_to_text
from bot.meetings.parse import parse_time


@dataclass(frozen=True)
class MeetingSummary:
    """The AI Assistant's summary: the note as plain text (one line per paragraph or list item) and action items."""

    id: str
    meeting_id: str
    status: str  # available | deleted
    note: str
    action_items: tuple[str, ...]


@dataclass(frozen=True)
class Speaker:
    """One speaker of the transcript: total talk time, share of all speaking time, snippets spoken."""

    name: str
    email: str | None
    talk_ms: int
    share: float  # 0..1 of the meeting's total speaking time
    snippets: int


@dataclass(frozen=True)
class Speakers:
    """Every speaker, most talk time first, and the total speaking time."""

    transcript_id: str
    speakers: tuple[Speaker, ...]
    total_ms: int
    complete: bool = True  # False when Webex may hold more snippets than it paged (see ``fetch_speakers``)

    @property
    def count(self) -> int:
        """How many people spoke."""
        return len(self.speakers)


@dataclass(frozen=True)
class Recording:
    """A recording of the meeting: where to play it and how long it is."""

    id: str
    meeting_id: str
    topic: str
    playback_url: str
    download_url: str | None
    duration_seconds: int
    size_bytes: int | None
    recorded: datetime | None
    created: datetime | None
    status: str


@dataclass(frozen=True)
class Invitee:
    """Someone invited to the meeting."""

    email: str
    display_name: str
    co_host: bool = False
    panelist: bool = False


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0 else None


def parse_summary(d: Mapping) -> MeetingSummary:
    """A ``SummaryObject``: the HTML note read as plain text, the action items in order (empty ones dropped)."""
    notes = d.get("notes") if isinstance(d.get("notes"), Mapping) else {}
    items = d.get("actionItems") if isinstance(d.get("actionItems"), list) else []
    actions = tuple(t for t in (_text(i.get("content")) for i in items if isinstance(i, Mapping)) if t)
    note = html_to_text(notes.get("content")) if isinstance(notes.get("content"), str) else ""
    return MeetingSummary(_text(d.get("id")), _text(d.get("meetingId")), _text(d.get("status")) or "available",
                          note, actions)


def parse_recording(d: Mapping) -> Recording:
    """A ``RecordingObject`` (user, admin or compliance shape)."""
    return Recording(_text(d.get("id")), _text(d.get("meetingId")), _text(d.get("topic")), _text(d.get("playbackUrl")),
                     _text(d.get("downloadUrl")) or None, _int(d.get("durationSeconds")) or 0,
                     _int(d.get("sizeBytes")), parse_time(d.get("timeRecorded")), parse_time(d.get("createTime")),
                     _text(d.get("status")) or "available")


def parse_invitee(d: Mapping) -> Invitee:
    """A ``GetInviteeObject``."""
    return Invitee(_text(d.get("email")), _text(d.get("displayName")), d.get("coHost") is True,
                   d.get("panelist") is True)


@dataclass
class TalkTime:
    """Talk time counted snippet by snippet (a stream: snippets are added and dropped, never kept)."""

    transcript_id: str = ""
    _people: dict[str, list] = field(default_factory=dict)  # key → [name, email, ms, snippets]

    def add(self, snippet: Mapping) -> None:
        """Count one ``SnippetObject``: its duration goes to its speaker (by e-mail, else by name)."""
        name, email = _text(snippet.get("personName")), _text(snippet.get("personEmail")) or None
        duration = _int(snippet.get("durationMillisecond")) or 0
        key = "e:" + email.casefold() if email else "n:" + " ".join(name.split()).casefold()
        person = self._people.setdefault(key, [name, email, 0, 0])
        person[0] = person[0] or name
        person[2] += int(duration)
        person[3] += 1

    def result(self, *, complete: bool = True) -> Speakers:
        """Every speaker, most talk time first (then by name), with their share of the total."""
        total = sum(p[2] for p in self._people.values())
        speakers = [Speaker(name or "(unknown speaker)", email, ms, ms / total if total else 0.0, count)
                    for name, email, ms, count in self._people.values()]
        speakers.sort(key=lambda s: (-s.talk_ms, s.name.casefold()))
        return Speakers(self.transcript_id, tuple(speakers), total, complete)


def _name_email(person: Any) -> tuple[str, str | None]:
    """``(name, email)`` of a ``Participant``, a digest ``Attendee``, an ``Invitee`` or a ``(name, email)`` pair."""
    if isinstance(person, tuple):
        name, email = (person + (None, None))[:2]
    else:
        name = getattr(person, "display_name", None) or getattr(person, "name", None)
        email = getattr(person, "email", None)
    return _text(name), (_text(email).casefold() or None)


def _as_invitee(item: Any) -> Invitee:
    if isinstance(item, Invitee):
        return item
    name, email = _name_email(item)
    return Invitee(email or "", name)


def _same_name(name: str) -> str:
    return " ".join(name.split()).casefold()


def no_shows(invitees: Iterable[Any], participants: Iterable[Any]) -> tuple[Invitee, ...]:
    """The invitees who never joined: matched by e-mail first, then by display name (casefold, trimmed).

    A participant matched by e-mail to one invitee does not also count, by name, for another; so a name
    vouches only for people who joined without an address (or with one nobody was invited with).
    """
    invited = [_as_invitee(i) for i in invitees]
    people = [_name_email(p) for p in participants]
    emails = {email for _, email in people if email}
    invited_emails = {i.email.casefold() for i in invited if i.email}
    names = {_same_name(name) for name, email in people if name and (not email or email not in invited_emails)}
    return tuple(i for i in invited
                 if not (i.email and i.email.casefold() in emails) and _same_name(i.display_name) not in names)


def count_invited(invitees: Iterable[Invitee]) -> int:
    """How many people were invited (one per e-mail address; an invitee without one counts alone)."""
    seen, count = set(), 0
    for invitee in invitees:
        key = invitee.email.casefold()
        if not key or key not in seen:
            count += 1
        seen.add(key)
    return count
