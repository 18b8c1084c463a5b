"""Pacing under Webex's per-token request budget: a permit before every request, and ``Retry-After`` honoured.

Webex allows about 300 requests a minute per user and answers 429 with ``Retry-After`` beyond it
(webex-api-notes §6). A ``Pacer`` spaces one credential's requests with GCRA (the "generic cell rate
algorithm", a token bucket kept as one timestamp): a request may go at ``max(now, tat - tolerance,
hold_until)``, and each permit moves ``tat`` one interval (``60 / per_minute`` seconds) on.

- **Shared.** The state lives in a budget, never in the ``Pacer``: ``PROCESS_BUDGET`` (this module, one
  per process, so every thread and every client of a token share it) or ``bot.storage.RequestBudget``
  (a row per token in the database, so N web and worker processes together stay under the limit).
  Rows and log lines name a token by ``token_key``, a salted SHA-256: the token is never stored or logged.
- **Bounded.** ``acquire`` sleeps at most ``max_wait`` seconds; a permit further off raises
  ``WebexRetryLater`` with the wait and takes nothing, so the job runner reschedules the job instead of
  blocking a worker.
- **Retry-After.** After a 429/423 carrying it, ``hold`` stops every request of that token until then
  (in the shared budget too); ``acquire`` waits out a short hold and refuses a long one.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

from bot.errors import WebexRetryLater
from bot.storage import DATABASE_ERRORS, Slot

log = logging.getLogger(__name__)

DEFAULT_PER_MINUTE = 300.0  # Webex's figure for most APIs (webex-api-notes §6)
MAX_WAIT = 5.0  # seconds a request may sleep for its permit; beyond it the job is rescheduled
BURST = 1  # permits that may go back to back; 1 keeps the Webex-side bucket (a second's worth) nearly full


def token_key(api_url: str, identity: str) -> str:
    """A one-way name for a credential at an API base (the budget row's key); the token cannot be read back."""
    return hashlib.sha256(f"recap-webex-budget\0{api_url}\0{identity}".encode()).hexdigest()[:40]


class Budget(Protocol):
    """Where pacing state lives: ``LocalBudget`` (one process) or ``bot.storage.RequestBudget`` (all of them)."""

    name: str

    def reserve(self, key: str, *, now: float, interval: float, tolerance: float, max_wait: float) -> Slot:
        """Take one permit when usable within ``max_wait`` seconds of ``now``."""

    def hold(self, key: str, until: float) -> None:
        """Hold ``key``'s requests until ``until`` (epoch seconds)."""


class LocalBudget:
    """The GCRA state of every token in this process (the same rule as ``RequestBudget``, under a lock)."""

    name = "process"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: dict[str, tuple[float, float]] = {}  # key → (tat, hold_until)

    def reserve(self, key: str, *, now: float, interval: float, tolerance: float, max_wait: float) -> Slot:
        """Take one permit for ``key`` when it is usable within ``max_wait`` seconds of ``now``."""
        with self._lock:
            tat, hold_until = self._rows.get(key, (0.0, 0.0))
            usable_at = max(now, tat - tolerance, hold_until)
            if usable_at > now + max_wait:
                return Slot(False, usable_at - now)
            self._rows[key] = (max(tat, hold_until, now) + interval, hold_until)
            return Slot(True, usable_at - now)

    def hold(self, key: str, until: float) -> None:
        """Hold ``key``'s requests until ``until`` (a later hold already set is kept)."""
        with self._lock:
            tat, hold_until = self._rows.get(key, (0.0, 0.0))
            self._rows[key] = (tat, max(hold_until, until))


PROCESS_BUDGET = LocalBudget()


class Pacer:
    """One credential's permits: ``per_minute`` requests a minute, ``burst`` back to back, shared through ``budget``."""

    def __init__(self, key: str, per_minute: float = DEFAULT_PER_MINUTE, *, budget: Budget | None = None,
                 burst: int = BURST, max_wait: float = MAX_WAIT, role: str = "webex",
                 clock: Callable[[], float] = time.time, sleep: Callable[[float], None] = time.sleep):
        if per_minute <= 0:
            raise ValueError("per_minute must be positive")
        self.key = key
        self.per_minute = per_minute
        self.interval = 60.0 / per_minute
        self.tolerance = (max(1, burst) - 1) * self.interval
        self.max_wait = max_wait
        self.role = role
        self.budget = budget or PROCESS_BUDGET
        self._clock, self._sleep = clock, sleep
        self._held_until = 0.0  # this process's copy of the last hold: a long one refuses without a round trip
        self._warned_at = float("-inf")

    def __repr__(self) -> str:
        return f"Pacer({self.role}, {self.per_minute:g}/min, {self.budget.name})"

    def acquire(self) -> None:
        """Wait (at most ``max_wait`` s) for this credential's next permit, or raise ``WebexRetryLater``."""
        now = self._clock()
        if self._held_until - now > self.max_wait:
            raise self._refusal(self._held_until - now, "Webex asked to hold")
        slot = self._reserve(now)
        if not slot.granted:
            raise self._refusal(slot.wait, "the request budget is spent")
        if slot.wait > 0:
            self._sleep(slot.wait)

    def hold(self, seconds: float) -> None:
        """Hold this credential's requests for ``seconds`` (Webex's ``Retry-After``), in every process."""
        until = self._clock() + max(0.0, seconds)
        self._held_until = max(self._held_until, until)
        log.info("Webex asked the %s credential to wait %.1f s (Retry-After); its requests are held", self.role,
                 seconds)
        try:
            self.budget.hold(self.key, until)
        except DATABASE_ERRORS as exc:
            self._fallback(exc)
            PROCESS_BUDGET.hold(self.key, until)

    def _reserve(self, now: float) -> Slot:
        kw = {"now": now, "interval": self.interval, "tolerance": self.tolerance, "max_wait": self.max_wait}
        try:
            return self.budget.reserve(self.key, **kw)
        except DATABASE_ERRORS as exc:
            # The database is down: pace this process alone rather than stop talking to Webex.
            self._fallback(exc)
            return PROCESS_BUDGET.reserve(self.key, **kw)

    def _refusal(self, wait: float, why: str) -> WebexRetryLater:
        return WebexRetryLater(f"not calling Webex for the {self.role} credential for {wait:.1f} s: {why}",
                               retry_after=round(wait, 3))

    def _fallback(self, exc: BaseException) -> None:
        now = time.monotonic()
        if now - self._warned_at > 60:
            self._warned_at = now
            log.warning("the shared Webex request budget is unavailable (%s); pacing this process alone",
                        type(exc).__name__)
