"""Webhooks first: inside the web process, the job consumer starts its next job only between webhook requests.

``recap serve`` runs the web edge and the job consumer in one process, so they share one interpreter
lock and, on SQLite, one database file. A job started while deliveries arrive holds both for the
milliseconds it runs, and under a burst the deliveries waited behind the jobs (open-loop p99 in the
hundreds of milliseconds, ``bench/webhook_ingest.py``). Webex needs its answer now; a job can wait a
moment. So the edge marks each request it serves, and an embedded worker about to take a job waits
until no request has been in flight for ``QUIET`` seconds, for ``PATIENCE`` seconds at most: under a
sustained burst jobs still start, about one a second per worker, and the backlog runs as soon as it ends.
Separate ``recap worker`` processes do not wait: they share nothing with a web process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

QUIET = 0.002  # seconds without a request before a job may start
PATIENCE = 1.0  # the longest a job waits for that


class EdgeFirst:
    """Request bookkeeping of the web edge, and the wait of the workers that must give it way."""

    def __init__(self, *, quiet: float = QUIET, patience: float = PATIENCE):
        self.quiet, self.patience = quiet, patience
        self._serving = 0
        self._last_done = 0.0
        self._changed = threading.Condition()

    @contextmanager
    def serving(self) -> Iterator[None]:
        """Mark a request in flight (the web edge wraps each webhook in it)."""
        with self._changed:
            self._serving += 1
        try:
            yield
        finally:
            with self._changed:
                self._serving -= 1
                self._last_done = time.monotonic()
                self._changed.notify_all()

    def wait_turn(self) -> float:
        """Block until the edge has been quiet for ``quiet`` seconds, or ``patience`` passed; the seconds waited."""
        started = time.monotonic()
        deadline = started + self.patience
        with self._changed:
            while (now := time.monotonic()) < deadline:
                if self._serving:
                    self._changed.wait(deadline - now)
                    continue
                rest = self._last_done + self.quiet - now
                if rest <= 0:
                    break
                self._changed.wait(min(rest, deadline - now))
        return time.monotonic() - started
