"""When a failed job is tried again (``RetryPolicy``), and the payloads the runner passes between attempts."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

from bot.errors import WebexRetryLater
from bot.storage import is_transient


@dataclass(frozen=True)
class RetryPolicy:
    """When to try a failed job again, and how long to wait."""

    max_attempts: int = 6
    base_delay: float = 2.0
    max_delay: float = 300.0
    max_retry_after: float = 900.0  # a longer Retry-After means "not today": give up and say so

    def delay_for(self, exc: BaseException, attempt: int) -> float | None:
        """Seconds to wait before attempt ``attempt + 1``, or None when ``exc`` ends the job."""
        if attempt >= self.max_attempts:
            return None
        if isinstance(exc, WebexRetryLater):
            if exc.retry_after is None:
                return self.backoff(attempt)
            return exc.retry_after if exc.retry_after <= self.max_retry_after else None
        if is_transient(exc):  # a locked or restarting database
            return self.backoff(attempt)
        return None

    def backoff(self, attempt: int) -> float:
        """Exponential delay with a little jitter, so retries of many jobs do not arrive together."""
        return min(self.max_delay, self.base_delay * 2 ** (attempt - 1)) * random.uniform(1.0, 1.1)


def jsonable(payload: dict) -> dict:
    """A copy of ``payload`` as the queue will give it back, or TypeError for what JSON cannot carry."""
    try:
        return json.loads(json.dumps(payload))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"job payloads must be JSON-able: {exc}") from None


def moved_on(payload: dict, exc: Exception) -> dict:
    """The payload for the next attempt: with the ``progress`` the failed run carried out (a listing's offset)."""
    progress = getattr(exc, "progress", None)
    if not isinstance(progress, dict):
        return payload
    return {**payload, "progress": {**payload.get("progress", {}), **progress}}
