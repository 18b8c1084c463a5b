"""Webex's failures in Recap's terms: every status code, SDK and ``requests`` exception becomes a ``WebexError``.

The clients of this package call into here at their one choke point; nothing above ``bot.webex`` sees a
status code or a ``requests`` exception. Nothing here sleeps on a rate limit: a 429/423 becomes a
``WebexRetryLater`` carrying ``retry_after`` and the caller (a job) decides what to do.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import requests
from webexpythonsdk.exceptions import ApiError, MalformedResponse, RateLimitError

from bot.errors import WebexAuthError, WebexBadRequest, WebexError, WebexNotFound, WebexRetryLater

RETRY_LATER_STATUSES = {423, 429, 502, 503, 504}
AUTH_HINTS = {
    "bot": "the bot token (WEBEX_BOT_TOKEN) is invalid or revoked",
    "admin": "the admin credential lacks full-administrator rights (meeting:admin_recordings_read)",
    "compliance": "the compliance credential lacks compliance-officer rights (spark-compliance:meetings_read)",
}
REFRESH_HINT = ("Webex refused the admin OAuth refresh: check WEBEX_ADMIN_CLIENT_ID and WEBEX_ADMIN_CLIENT_SECRET, "
                "or have a full administrator authorise the integration again and set the new "
                "WEBEX_ADMIN_REFRESH_TOKEN")


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP date); None when absent or bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def error_for(response: requests.Response, role: str) -> WebexError:
    """Translate a non-2xx response into the matching ``WebexError``."""
    status = response.status_code
    tracking_id = response.headers.get("trackingId") or response.headers.get("TrackingID")
    message = response.reason or "error"
    try:
        details = response.json()
    except ValueError:
        details = None
    if isinstance(details, dict):
        tracking_id = details.get("trackingId") or tracking_id
        message = details.get("message") or message
    where = f"{response.request.method} {path_of(response.url)}" if response.request else response.url
    text = f"Webex refused {where}: {message}"
    kw = {"status": status, "tracking_id": tracking_id}
    if status in RETRY_LATER_STATUSES:
        return WebexRetryLater(text, retry_after=parse_retry_after(response.headers.get("Retry-After")), **kw)
    if status in (401, 403):
        return WebexAuthError(text, hint=AUTH_HINTS.get(role, ""), **kw)
    if status in (404, 410):
        return WebexNotFound(text, **kw)
    if status in (400, 409, 415):
        return WebexBadRequest(text, **kw)
    if status >= 500:
        return WebexRetryLater(text, retry_after=parse_retry_after(response.headers.get("Retry-After")), **kw)
    return WebexError(text, **kw)


@contextmanager
def sdk_errors(role: str = "bot") -> Iterator[None]:
    """Translate webexpythonsdk and ``requests`` exceptions raised inside the block."""
    try:
        yield
    except RateLimitError as exc:
        raise WebexRetryLater(str(exc), retry_after=exc.retry_after, status=exc.status_code,
                              tracking_id=exc.tracking_id) from exc
    except ApiError as exc:
        raise error_for(exc.response, role) from exc
    except MalformedResponse as exc:
        raise WebexError(f"Webex sent an answer Recap cannot read: {exc}") from exc
    except requests.Timeout as exc:
        raise WebexRetryLater("Webex did not answer in time") from exc
    except requests.ConnectionError as exc:
        raise WebexRetryLater("could not reach Webex") from exc


def path_of(url: str) -> str:
    """The API path of a URL, for messages (``messages/…`` of ``https://webexapis.com/v1/messages/…?x``)."""
    return url.split("?", 1)[0].split("/v1/", 1)[-1]
