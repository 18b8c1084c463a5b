"""A meeting's insights (AI summary, speakers, recording, invitees) as one audience may see them (DESIGN §5).

The admin's 1:1 sees everything. A group space at ``privacy names`` (the default) sees the AI note and
its action items (e-mail addresses masked whole), how many people spoke and for how long in all, how
many were invited and how many never came, and the recording's link; never anyone's talk time, nor
who did not come. At ``privacy counts`` it sees numbers only: no note, no action item, no name, and no
recording link either (a recording holds people's faces and words: playing it names everyone in it),
only its length. Counts are taken over everything first, so the numbers stay true.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.meetings import Insights, Invitee, Speaker


@dataclass(frozen=True)
class InsightView:
    """What a card may show of a meeting's insights; None (or empty) where the source is missing or withheld."""

    note: tuple[str, ...] | None  # the AI note's lines (None: no summary, or withheld under ``counts``)
    action_items: tuple[str, ...]  # empty when there are none or they are withheld
    action_count: int | None  # how many action items the summary has (None: no summary)
    speakers: tuple[Speaker, ...]  # per-person talk time: the 1:1 only
    speaker_count: int | None  # how many people spoke (None: no transcript)
    talk_ms: int | None  # everyone's speaking time together
    speakers_complete: bool
    recording_url: str | None  # the playback link (None: no recording, or withheld under ``counts``)
    recording_seconds: int | None  # the recording's length (None: no recording)
    no_shows: tuple[Invitee, ...]  # who was invited and never came: the 1:1 only
    no_show_count: int | None  # None when the invitees are unknown
    invited: int | None
    unavailable: str  # which sources are missing and why, for the admin's 1:1 only ("" elsewhere, or if none)
    withheld: bool  # True under ``counts``: the note, action items and names are left out on purpose


def insight_view(insights: Insights, *, private: bool, counts_only: bool,
                 shown: Callable[[str], str]) -> InsightView:
    """``insights`` filtered for a 1:1 (``private=False``) or a group space; ``shown`` masks a group's text."""
    summary, speakers, recording = insights.summary, insights.speakers, insights.recording
    hide_words = private and counts_only
    note = None
    if summary is not None and not hide_words:
        note = tuple(shown(line) for line in summary.note.splitlines() if line.strip())
    actions = () if summary is None or hide_words else tuple(shown(item) for item in summary.action_items)
    no_shows = insights.no_shows
    return InsightView(
        note=note, action_items=actions, action_count=None if summary is None else len(summary.action_items),
        speakers=() if speakers is None or private else speakers.speakers,
        speaker_count=None if speakers is None else speakers.count,
        talk_ms=None if speakers is None else speakers.total_ms,
        speakers_complete=True if speakers is None else speakers.complete,
        recording_url=None if recording is None or hide_words else recording.playback_url or None,
        recording_seconds=None if recording is None else recording.duration_seconds,
        no_shows=() if no_shows is None or private else no_shows,
        no_show_count=None if no_shows is None else len(no_shows), invited=insights.invited,
        unavailable="" if private else insights.unavailable_line(), withheld=hide_words)
