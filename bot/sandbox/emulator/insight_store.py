"""The emulator's post-meeting insights: generated once per meeting, replaceable by tests, and their switches.

Each ended meeting instance gets its AI summary, transcript and snippets, recording and invitees from
``bot.sandbox.generator.insights`` on first request (deterministic from the meeting id), made from its
archive when the emulator has one (published or still pending) and from the meeting alone otherwise.
``set_insights`` replaces any part for one meeting (hostile HTML, a long transcript, no invitees…).

Switches make a **source** (``summaries``, ``transcripts``, ``recordings``, ``invitees``) behave, for
every meeting or for one (``meeting_id``; it wins over the global switch):

- ``ok``: served normally (the default);
- ``forbidden``: 403, as when the credential lacks the scope (whatever the token);
- ``missing``: 404, as when the feature is off for the site or Webex kept nothing;
- ``empty``: 200 with no items;
- ``late``: 200 with no items until ``late_seconds`` after the meeting's end, then served.

Transcript snippets follow the ``transcripts`` switch (403, 404, or 404 while not ready).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.sandbox.generator import generate_insights

SOURCES = ("summaries", "transcripts", "recordings", "invitees")
MODES = ("ok", "forbidden", "missing", "empty", "late")
PARTS = ("summary", "transcript", "snippets", "recording", "invitees")
DEFAULT_LATE_SECONDS = 900.0


@dataclass(frozen=True)
class InsightSwitch:
    """How one source answers: a ``MODES`` value and, for ``late``, seconds after the meeting's end."""

    mode: str = "ok"
    late_seconds: float = 0.0

    def withheld(self, meeting_end: datetime | None, now: datetime) -> bool:
        """Whether the data is held back (``empty``, or ``late`` and not yet ``late_seconds`` past the end)."""
        if self.mode == "empty":
            return True
        if self.mode != "late":
            return False
        return meeting_end is None or (now - meeting_end).total_seconds() < self.late_seconds


class InsightStore:
    """Generated insights per meeting id, tests' replacements, the transcript index and the switches."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.switches: dict[tuple[str, str | None], InsightSwitch] = {}
        self.overrides: dict[str, dict[str, Any]] = {}
        self.generated: dict[tuple[str, str | None], dict] = {}  # (meeting id, archive id) → insights
        self.transcripts: dict[str, str] = {}  # transcript id → meeting id

    def set_switch(self, source: str, mode: str, *, late_seconds: float = 0.0, meeting_id: str | None = None) -> None:
        """Make ``source`` (or ``"all"``) answer in ``mode`` for every meeting, or only for ``meeting_id``."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        if source != "all" and source not in SOURCES:
            raise ValueError(f"source must be one of {', '.join(SOURCES)} or all")
        if late_seconds < 0:
            raise ValueError("lateSeconds cannot be negative")
        with self.lock:
            for name in SOURCES if source == "all" else (source,):
                self.switches[(name, meeting_id)] = InsightSwitch(mode, float(late_seconds))

    def apply_spec(self, spec: str) -> None:
        """Set switches from a command-line value: ``summaries=forbidden,recordings=late:600,invitees=missing``.

        ``late`` takes its seconds after a colon (default 900: Webex's usual quarter of an hour); ``all``
        names every source. A ``ValueError`` says what is wrong.
        """
        for part in filter(None, (p.strip() for p in spec.split(","))):
            source, equals, mode = part.partition("=")
            mode, _, seconds = mode.partition(":")
            if not equals or (seconds and mode != "late"):
                raise ValueError(f"{part!r}: expected source=mode (late:SECONDS for late)")
            try:
                late = float(seconds) if seconds else DEFAULT_LATE_SECONDS
            except ValueError:
                raise ValueError(f"{part!r}: the seconds after late: must be a number") from None
            self.set_switch(source.strip(), mode.strip(), late_seconds=late)

    def clear_switches(self) -> None:
        """Every source back to ``ok``."""
        with self.lock:
            self.switches.clear()

    def switch(self, source: str, meeting_id: str | None) -> InsightSwitch:
        """The switch in force for ``source`` of ``meeting_id``: its own, else the global one, else ``ok``."""
        with self.lock:
            return self.switches.get((source, meeting_id)) or self.switches.get((source, None)) or InsightSwitch()

    def set_insights(self, meeting_id: str, **parts: Any) -> None:
        """Replace parts (``PARTS``: summary, transcript, snippets, recording, invitees) of one meeting's insights.

        ``recording=None`` or ``summary=None`` means the meeting has none.
        """
        unknown = set(parts) - set(PARTS)
        if unknown:
            raise ValueError(f"unknown insight parts: {', '.join(sorted(unknown))}")
        with self.lock:
            self.overrides.setdefault(meeting_id, {}).update(parts)
            transcript = parts.get("transcript")
            if isinstance(transcript, dict) and transcript.get("id"):
                self.transcripts[str(transcript["id"])] = meeting_id

    def insights(self, meeting: dict, archive: dict | None) -> dict:
        """The insights of a meeting: generated (once per archive seen) with the tests' replacements on top."""
        key = (meeting["id"], archive.get("archiveId") if archive else None)
        with self.lock:
            made = self.generated.get(key)
        if made is None:
            made = generate_insights(archive, meeting)
            with self.lock:
                self.generated[key] = made
                self.transcripts[made["transcript"]["id"]] = meeting["id"]
        with self.lock:
            return {**made, **self.overrides.get(meeting["id"], {})}
