"""Small records the emulator keeps: logged requests, faults, principals, deliveries, late releases.

They import nothing of the emulator, so the state and every endpoint module can share them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ROLES = ("bot", "admin", "compliance", "user")
# Sentinel for ``inject_fault(retry_after=NO_RETRY_AFTER)``: a 429/423 without a Retry-After header.
NO_RETRY_AFTER = ""
DEFAULT_RETRY_AFTER = 1


@dataclass
class RequestRecord:
    """One request the emulator answered (``status`` is filled in when the response leaves).

    ``query`` keeps the last value of each parameter; ``headers`` is case-insensitive.
    """

    method: str
    path: str
    query: dict
    headers: dict
    json: Any
    status: int | None = None
    form: dict = field(default_factory=dict)


@dataclass
class Fault:
    """An injected failure waiting for its next ``remaining`` matching requests."""

    status: int
    remaining: int
    retry_after: float | str | None
    path_prefix: str | None


@dataclass(frozen=True)
class Principal:
    """Whom a token stands for."""

    person_id: str
    role: str


@dataclass
class Delivery:
    """One POST the emulator made to a webhook target."""

    webhook_id: str
    target_url: str
    resource: str
    event: str
    body: dict
    headers: dict
    status: int | None = None
    error: str | None = None


@dataclass
class PendingRelease:
    """Post-meeting data waiting for its time: the archive detail, its meeting's id, its chats."""

    archive: dict
    meeting_id: str
    chats: list[dict]
    release_at: float  # time.monotonic() deadline (0 when only the request count matters)
    requests_left: int  # archive-summary listings still to answer without it


def normalise_path(path: str | None) -> str:
    """``/v1/messages`` and ``messages`` both become ``messages`` (for prefix matching)."""
    path = (path or "").lstrip("/")
    return path[3:] if path.startswith("v1/") else path
