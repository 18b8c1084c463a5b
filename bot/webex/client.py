"""Every HTTP call to Webex but the OAuth token grant: one client per credential, paging, and error translation.

This module and ``bot.webex.oauth`` (the admin token endpoint) are the only ones that see ``requests``
exceptions or HTTP status codes; everything above them deals in the error tree of :mod:`bot.errors`.
It never sleeps on a rate limit, nor repeats a call because of one: a 429/423 becomes a
``WebexRetryLater`` carrying ``retry_after`` and the caller (a job) decides what to do. A job of
several calls keeps what it learnt and resumes there (``bot.recaps.pipeline``), so under a sustained limit a
429 costs one call again, not all of them (bench/README.md, "End-to-end throughput").
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urljoin

import orjson
import requests
from webexpythonsdk import WebexAPI
from webexpythonsdk.exceptions import ApiError, RateLimitError

from bot.config import Settings
from bot.errors import (
    WebexAuthError,
    WebexBadRequest,
    WebexError,
    WebexNotFound,
    WebexRetryLater,
)

log = logging.getLogger(__name__)

RETRY_LATER_STATUSES = {423, 429, 502, 503, 504}
AUTH_HINTS = {
    "bot": "the bot token (WEBEX_BOT_TOKEN) is invalid or revoked",
    "admin": "the admin credential lacks full-administrator rights (meeting:admin_recordings_read)",
    "compliance": "the compliance credential lacks compliance-officer rights (spark-compliance:meetings_read)",
}
USER_AGENT = "Recap/0.1 (Webex meeting-recap bot)"
REFRESH_HINT = ("Webex refused the admin OAuth refresh: check WEBEX_ADMIN_CLIENT_ID and WEBEX_ADMIN_CLIENT_SECRET, "
                "or have a full administrator authorise the integration again and set the new "
                "WEBEX_ADMIN_REFRESH_TOKEN")


def verify_signature(secret: str, body: bytes, signature: str | None) -> bool:
    """True when ``signature`` is the lowercase hex HMAC-SHA1 of the raw ``body`` under ``secret``."""
    if not secret or not signature:
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
    # Compare bytes: compare_digest refuses str with non-ASCII characters, and a header may carry any.
    return hmac.compare_digest(expected.encode(), signature.strip().lower().encode("utf-8", "surrogateescape"))


def sign(secret: str, body: bytes) -> str:
    """The ``X-Spark-Signature`` value Webex would send for ``body`` (used by the emulator)."""
    return hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


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
    where = f"{response.request.method} {_path_of(response.url)}" if response.request else response.url
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


def segment(value: object) -> str:
    """``value`` as one URL path segment: an id from a webhook or a user never climbs to another endpoint."""
    return quote(str(value), safe="")


def _path_of(url: str) -> str:
    return url.split("?", 1)[0].split("/v1/", 1)[-1]


class WebexClient:
    """A long-lived HTTP session for one credential (bot, admin or compliance)."""

    def __init__(self, base_url: str, token: str | Callable[[], str], *, role: str,
                 timeout: float = 30.0, session: requests.Session | None = None,
                 on_unauthorized: Callable[[str], str] | None = None):
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.role = role
        self.timeout = timeout
        self._token = token if callable(token) else (lambda: token)
        # Given the token Webex answered 401 to, returns a fresh one (a refreshable credential).
        self._on_unauthorized = on_unauthorized
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT

    def __repr__(self) -> str:
        return f"WebexClient(role={self.role!r}, base_url={self.base_url!r})"

    def request(self, method: str, path: str, *, params: dict | None = None, json: Any = None,
                timezone: str | None = None, headers: dict | None = None) -> requests.Response:
        """Send one request; return the 2xx response or raise the translated ``WebexError``."""
        url = path if path.startswith(("http://", "https://")) else urljoin(self.base_url, path.lstrip("/"))
        all_headers = {"Accept": "application/json"}
        if timezone:
            all_headers["timezone"] = timezone
        all_headers.update(headers or {})
        token = self._token()
        response = self._send(method, url, token, params=params, json=json, headers=all_headers)
        if response.status_code == 401 and self._on_unauthorized is not None:
            # The token expired or was revoked before its time: refresh, then retry exactly once.
            token = self._on_unauthorized(token)
            response = self._send(method, url, token, params=params, json=json, headers=all_headers)
        if response.status_code >= 400:
            raise error_for(response, self.role)
        return response

    def _send(self, method: str, url: str, token: str, *, headers: dict, **kwargs) -> requests.Response:
        headers = {**headers, "Authorization": f"Bearer {token}"}
        try:
            return self.session.request(method, url, headers=headers, timeout=self.timeout, **kwargs)
        except requests.Timeout as exc:
            raise WebexRetryLater(f"Webex did not answer {method} {_path_of(url)} in {self.timeout:g}s") from exc
        except requests.ConnectionError as exc:
            raise WebexRetryLater(f"could not reach Webex for {method} {_path_of(url)}") from exc

    def get_json(self, path: str, params: dict | None = None, *, timezone: str | None = None) -> dict:
        """GET a JSON object."""
        return response_json(self.request("GET", path, params=params, timezone=timezone))

    def post_json(self, path: str, body: dict) -> dict:
        """POST a JSON body and return the JSON answer."""
        return response_json(self.request("POST", path, json=body))

    def put_json(self, path: str, body: dict) -> dict:
        """PUT a JSON body and return the JSON answer."""
        return response_json(self.request("PUT", path, json=body))

    def delete(self, path: str) -> None:
        """DELETE a resource."""
        self.request("DELETE", path)

    def paginate(self, path: str, params: dict | None = None, *, timezone: str | None = None,
                 offset_paging: bool = False, page_size: int = 100) -> Iterator[dict]:
        """Yield every item of a list endpoint.

        Follows ``Link: <…>; rel="next"`` while Webex sends it (a next page may be empty). Where
        the endpoint pages by ``offset`` instead (post-meeting chats), ``offset_paging`` steps the
        offset by the page size until a short page comes back.
        """
        params = dict(params or {})
        params.setdefault("max", page_size)
        url: str | None = path
        offset = int(params.get("offset", 0))
        while url:
            response = self.request("GET", url, params=params, timezone=timezone)
            items = response_json(response).get("items") or []
            yield from items
            next_link = response.links.get("next", {}).get("url")
            if next_link:
                url, params = next_link, None  # the link carries every parameter
            elif offset_paging and len(items) >= int((params or {}).get("max", page_size)):
                offset += len(items)
                params = {**(params or {}), "offset": offset}
            else:
                url = None


def response_json(response: requests.Response) -> dict:
    """The JSON object of an answer ({} when it has no body); a ``WebexError`` when it is not JSON."""
    if response.status_code == 204 or not response.content:
        return {}
    try:
        # orjson reads the UTF-8 bytes as they are; requests' .json() first decodes them to one str, which
        # CPython stores at 4 bytes a character as soon as an emoji is in it: 184 MiB for a 46 MiB archive.
        return orjson.loads(response.content)
    except ValueError as exc:
        raise WebexError(f"Webex sent a non-JSON answer to {_path_of(response.url)}",
                         status=response.status_code) from exc


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
    except requests.Timeout as exc:
        raise WebexRetryLater("Webex did not answer in time") from exc
    except requests.ConnectionError as exc:
        raise WebexRetryLater("could not reach Webex") from exc


def bot_sdk(settings: Settings) -> WebexAPI:
    """The bot's webexpythonsdk client, configured once; it never sleeps on a rate limit."""
    return WebexAPI(access_token=str(settings.bot_token), base_url=settings.api_url,
                    single_request_timeout=int(settings.http_timeout), wait_on_rate_limit=False)


class WebexClients:
    """The clients for every configured credential, built once per process."""

    def __init__(self, settings: Settings, admin_token: Callable[[], str] | None = None,
                 session: requests.Session | None = None, admin_refresh: Callable[[str], str] | None = None):
        def make(token, role):
            if token is None:
                return None
            return WebexClient(settings.api_url, token, role=role, timeout=settings.http_timeout,
                               session=session, on_unauthorized=admin_refresh if role == "admin" else None)

        self.settings = settings
        self.bot = make(str(settings.bot_token) if settings.bot_token else None, "bot")
        admin = admin_token or (str(settings.admin_token) if settings.admin_token else None)
        self.admin = make(admin, "admin")
        self.compliance = make(str(settings.compliance_token) if settings.compliance_token else None,
                               "compliance")

    def require(self, role: str) -> WebexClient:
        """The client for ``role``, or a ``WebexAuthError`` saying which credential is missing."""
        client = getattr(self, role)
        if client is None:
            raise WebexAuthError(f"no {role} credential is configured", hint=AUTH_HINTS[role])
        return client
