"""The HTTP client of the meeting side (admin and compliance credentials): paging, the ``timezone`` header, errors.

It never sleeps on a rate limit, nor repeats a call because of one: a 429/423 becomes a
``WebexRetryLater`` carrying ``retry_after`` and the caller (a job) decides what to do. A job of
several calls keeps what it learnt and resumes there (``bot.recaps.pipeline``), so under a sustained limit a
429 costs one call again, not all of them (bench/README.md, "End-to-end throughput"). Answers are read
as bytes (``response_json``): the response stream matters for large archives. The bot's own credential
goes through webexpythonsdk instead (``bot.webex.messaging``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote, urljoin

import orjson
import requests

from bot.errors import WebexError, WebexRetryLater
from bot.webex.translate import error_for, path_of

log = logging.getLogger(__name__)
USER_AGENT = "Recap/0.1 (Webex meeting-recap bot)"


def segment(value: object) -> str:
    """``value`` as one URL path segment: an id from a webhook or a user never climbs to another endpoint."""
    return quote(str(value), safe="")


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
            raise WebexRetryLater(f"Webex did not answer {method} {path_of(url)} in {self.timeout:g}s") from exc
        except requests.ConnectionError as exc:
            raise WebexRetryLater(f"could not reach Webex for {method} {path_of(url)}") from exc

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
        raise WebexError(f"Webex sent a non-JSON answer to {path_of(response.url)}",
                         status=response.status_code) from exc
