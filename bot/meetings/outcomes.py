"""How fetching an optional meeting source went: ``ok``, or why it is left out, in words a card can show.

Statuses: ``ok``; ``no_credential`` (the credential that may read it is not configured); ``forbidden``
(403/401: a missing scope, or a credential that may not read it, webex-api-notes §8f); ``not_found``
(404: the feature is off, or Webex kept none); ``empty`` (none); ``not_ready`` (none yet, soon after the
meeting's end); ``retry_later`` (429/5xx: Webex asked to wait); ``failed`` (any other refusal).
``Outcome.line()`` gives "AI summary: not available (the compliance credential is missing the scope …)".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Generic, TypeVar

from bot.errors import WebexAuthError, WebexBadRequest, WebexError, WebexNotFound, WebexRetryLater

T = TypeVar("T")
SOURCES = ("summary", "speakers", "recording", "invitees")
LABELS = {"summary": "AI summary", "speakers": "Speakers", "recording": "Recording", "invitees": "Invitees"}
# Outcome statuses: ``ok`` and the reasons a source is left out.
OK, NO_CREDENTIAL, FORBIDDEN, NOT_FOUND, EMPTY, NOT_READY, RETRY_LATER, FAILED = (
    "ok", "no_credential", "forbidden", "not_found", "empty", "not_ready", "retry_later", "failed")


@dataclass(frozen=True)
class Outcome:
    """How fetching one source went: ``status`` (``ok`` or a reason it is missing) and ``reason`` in plain words."""

    source: str
    status: str
    reason: str = ""
    retry_after: float | None = None  # seconds Webex asked to wait (``retry_later``)

    @property
    def available(self) -> bool:
        """Whether the source's data is there."""
        return self.status == OK

    @property
    def pending(self) -> bool:
        """Whether asking again later may help (not ready yet, or Webex asked to wait)."""
        return self.status in (NOT_READY, RETRY_LATER)

    def line(self) -> str:
        """``AI summary: not available (the compliance credential is missing the scope …)`` (or ``…: ok``)."""
        label = LABELS.get(self.source, self.source)
        if self.available:
            return f"{label}: ok"
        if self.status == NOT_READY:
            return f"{label}: not ready yet"
        return f"{label}: not available ({self.reason})" if self.reason else f"{label}: not available"


@dataclass(frozen=True)
class Fetched(Generic[T]):
    """What a fetch gives: the value (None unless the outcome is ``ok``) and the outcome."""

    value: T | None
    outcome: Outcome


SCOPE = "the {role} credential is missing the scope ({scope})"
REFUSALS = {  # why a 403 happened, by source and credential (webex-api-notes §8f)
    ("summary", "compliance"): SCOPE.format(role="compliance", scope="spark-compliance:meetings_read"),
    ("summary", "admin"): "an admin credential may not read AI summaries; the compliance credential can",
    ("speakers", "compliance"): SCOPE.format(role="compliance", scope="spark-compliance:meetings_read"),
    ("speakers", "admin"): "an admin credential may not read transcript snippets; the compliance credential can",
    ("recording", "admin"): SCOPE.format(role="admin", scope="meeting:admin_recordings_read"),
    ("recording", "compliance"): SCOPE.format(role="compliance", scope="spark-compliance:meetings_read"),
    ("invitees", "admin"): SCOPE.format(role="admin", scope="meeting:admin_schedule_read"),
    ("invitees", "compliance"): "a compliance credential may not read invitees; the admin credential can",
}


def empty(source: str, ended: datetime | None, now: datetime | None, late_window: timedelta, what: str) -> Outcome:
    """``not_ready`` when the meeting ended less than ``late_window`` ago (Webex may still publish), else ``empty``."""
    if ended is not None and (now or datetime.now(UTC)) - ended < late_window:
        return Outcome(source, NOT_READY, "not ready yet")
    return Outcome(source, EMPTY, what)


def failure(source: str, role: str, exc: WebexError) -> Outcome:
    """The outcome of a call Webex refused (with ``role``'s credential), in plain words."""
    if isinstance(exc, WebexAuthError):
        if exc.status == 401:
            return Outcome(source, FORBIDDEN, f"the {role} credential was refused (invalid or expired)")
        return Outcome(source, FORBIDDEN, REFUSALS.get((source, role), f"the {role} credential may not read it"))
    if isinstance(exc, WebexNotFound):
        return Outcome(source, NOT_FOUND, "the feature is off, or Webex kept none for this meeting")
    if isinstance(exc, WebexRetryLater):
        return Outcome(source, RETRY_LATER, "Webex asked to wait (rate limit or a passing fault)", exc.retry_after)
    if isinstance(exc, WebexBadRequest):
        said = getattr(exc, "webex_message", None)
        return Outcome(source, FAILED, f"Webex refused the request ({said})" if said else "Webex refused the request")
    return Outcome(source, FAILED, "Webex did not answer properly")
