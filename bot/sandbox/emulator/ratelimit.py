"""A rate limit for the emulator: a token bucket per access token, answering 429 with ``Retry-After`` when empty.

Webex allows "about 300 requests per minute" per user (webex-api-notes §6) and says how long to wait
in ``Retry-After`` (whole seconds). The bucket of each token refills at ``per_minute / 60`` requests a
second and holds at most ``burst`` (default: one second's worth, at least 1), so a client can never
do better than ``per_minute`` over a minute however it spreads its calls. A refused call takes no
token. Switched on with ``state.rate_limit = RateLimit(300)``, ``PUT /_emulator/rate-limit`` or
``recap emulator --rate-limit 300``.
"""

from __future__ import annotations

import math
import threading
import time


class RateLimit:
    """Token buckets, one per bearer token, shared by the emulator's request threads."""

    def __init__(self, per_minute: float, burst: float | None = None):
        if per_minute <= 0:
            raise ValueError("per_minute must be positive")
        self.per_minute = per_minute
        self.rate = per_minute / 60.0
        self.burst = max(1.0, burst if burst is not None else self.rate)
        self._buckets: dict[str, tuple[float, float]] = {}  # token → (tokens left, when counted)
        self._lock = threading.Lock()
        self.refused = 0

    def retry_after(self, token: str, now: float | None = None) -> int | None:
        """None when ``token`` may make this call (a token is taken); else the whole seconds to wait."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, counted = self._buckets.get(token, (self.burst, now))
            tokens = min(self.burst, tokens + (now - counted) * self.rate)
            if tokens >= 1.0:
                self._buckets[token] = (tokens - 1.0, now)
                return None
            self._buckets[token] = (tokens, now)
            self.refused += 1
            return max(1, math.ceil((1.0 - tokens) / self.rate))

    def describe(self) -> dict:
        """The settings, for ``GET /_emulator/state``."""
        return {"perMinute": self.per_minute, "burst": self.burst, "refused": self.refused}
