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
MAX_MESSAGE = 300  # characters of Webex's reason kept for a card: a reason, not a document
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
    try:
        details = response.json()
    except ValueError:
        details = None
    said = webex_message(details)
    if isinstance(details, dict):
        tracking_id = details.get("trackingId") or tracking_id
    where = f"{response.request.method} {path_of(response.url)}" if response.request else response.url
    error = _error_of(f"Webex refused {where}: {said or response.reason or 'error'}", role,
                      response.headers.get("Retry-After"), status=status, tracking_id=tracking_id)
    error.webex_message = said  # Webex's own words, quoted to the person who asked (bot.chat.failures)
    return error


def _error_of(text: str, role: str, retry_after: str | None, *, status: int, **kw) -> WebexError:
    if status in RETRY_LATER_STATUSES or status >= 500:
        return WebexRetryLater(text, retry_after=parse_retry_after(retry_after), status=status, **kw)
    if status in (401, 403):
        return WebexAuthError(text, hint=AUTH_HINTS.get(role, ""), status=status, **kw)
    if status in (404, 410):
        return WebexNotFound(text, status=status, **kw)
    if status in (400, 409, 415):
        return WebexBadRequest(text, status=status, **kw)
    return WebexError(text, status=status, **kw)


def webex_message(details: object) -> str | None:
    """The reason in a Webex error body (``message``, else the first ``errors[].description``), if any."""
    if not isinstance(details, dict):
        return None
    errors = details.get("errors")
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    for said in (details.get("message"), first.get("description")):
        if isinstance(said, str) and said.strip():
            return said.strip()[:MAX_MESSAGE]
    return None


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
