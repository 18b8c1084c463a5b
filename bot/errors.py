"""The exception tree: every failure Recap knows how to explain."""

from __future__ import annotations


class RecapError(Exception):
    """Base of every error Recap raises on purpose."""


class ConfigError(RecapError):
    """A setting is missing or malformed; the message names the variable."""


class WebexError(RecapError):
    """Webex answered with an error (or did not answer at all)."""

    def __init__(self, message: str, *, status: int | None = None, tracking_id: str | None = None):
        super().__init__(message)
        self.status = status
        self.tracking_id = tracking_id

    def __str__(self) -> str:
        text = super().__str__()
        extras = []
        if self.status is not None:
            extras.append(f"HTTP {self.status}")
        if self.tracking_id:
            extras.append(f"trackingId {self.tracking_id}")
        return f"{text} ({', '.join(extras)})" if extras else text


class WebexAuthError(WebexError):
    """401/403: the credential is wrong, expired or lacks the rights (the hint says which)."""

    def __init__(self, message: str, *, hint: str = "", **kw):
        super().__init__(message, **kw)
        self.hint = hint


class WebexNotFound(WebexError):
    """404/410: the id does not exist (or is no longer available)."""


class WebexRetryLater(WebexError):
    """429/423/502/503/504 or a timeout: try again, after ``retry_after`` seconds when known."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw):
        super().__init__(message, **kw)
        self.retry_after = retry_after


class WebexBadRequest(WebexError):
    """400/409/415: Webex refused the request as malformed; retrying will not help."""


class CardError(RecapError):
    """A card could not be rendered within the schema and Webex's limits."""


class UsageError(RecapError):
    """The user typed something Recap cannot act on; shown to them as a help card."""
