"""The HTTP client of the meeting side (admin and compliance credentials): paging, the ``timezone`` header, errors.

It never repeats a call because of a rate limit: a 429/423 becomes a ``WebexRetryLater`` carrying
``retry_after`` and the caller (a job) decides what to do. With a ``Pacer`` (``bot.webex.pacing``; every
client built by ``WebexClients`` has one) each request first takes a permit of its credential's budget,
waiting a few seconds at most, and a 429/423 with ``Retry-After`` holds that credential's requests. A job of
several calls keeps what it learnt and resumes there (``bot.recaps.pipeline``), so under a sustained limit a
429 costs one call again, not all of them (bench/README.md, "End-to-end throughput"). Answers are read
as bytes (``response_json``): the response stream matters for large archives. The bot's own credential
goes through webexpythonsdk instead (``bot.webex.messaging``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote, urljoin

import orjson
import requests
from requests.adapters import HTTPAdapter

from bot import metrics
from bot.errors import WebexError, WebexRetryLater
from bot.webex.body import ResponseBody
from bot.webex.pacing import Pacer
from bot.webex.paging import WINDOW, OffsetListing
from bot.webex.translate import error_for, parse_retry_after, path_of

log = logging.getLogger(__name__)
USER_AGENT = "Recap/0.1 (Webex meeting-recap bot)"
POOL_SIZE = 32  # connections kept per host: windows of pages from several threads share one session
HOLD_STATUSES = (423, 429)  # with Retry-After, the pacer holds the token's requests until then


def segment(value: object) -> str:
    """``value`` as one URL path segment: an id from a webhook or a user never climbs to another endpoint."""
    return quote(str(value), safe="")


class WebexClient:
    """A long-lived HTTP session for one credential (bot, admin or compliance)."""

    def __init__(self, base_url: str, token: str | Callable[[], str], *, role: str,
                 timeout: float = 30.0, session: requests.Session | None = None,
                 on_unauthorized: Callable[[str], str] | None = None, pacer: Pacer | None = None):
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.role = role
        self.timeout = timeout
        self._token = token if callable(token) else (lambda: token)
        # Given the token Webex answered 401 to, returns a fresh one (a refreshable credential).
        self._on_unauthorized = on_unauthorized
        # Every request takes a permit from the credential's pacer first (none: unpaced, as tests build it).
        self.pacer = pacer
        if session is None:
            session = requests.Session()
            adapter = HTTPAdapter(pool_connections=4, pool_maxsize=POOL_SIZE)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
        self.session = session
        self.session.headers["User-Agent"] = USER_AGENT

    def __repr__(self) -> str:
        return f"WebexClient(role={self.role!r}, base_url={self.base_url!r})"

    def request(self, method: str, path: str, *, params: dict | None = None, json: Any = None,
                timezone: str | None = None, headers: dict | None = None, stream: bool = False,
                permitted: bool = False) -> requests.Response:
        """Send one request; return the 2xx response or raise the translated ``WebexError``.

        With ``stream`` the body is left unread (``WebexClient.stream`` reads it as it arrives). With
        ``permitted`` the caller has taken the request's permit from the pacer already (``list_by_offset``).
        """
        url = path if path.startswith(("http://", "https://")) else urljoin(self.base_url, path.lstrip("/"))
        all_headers = {"Accept": "application/json"}
        if timezone:
            all_headers["timezone"] = timezone
        all_headers.update(headers or {})
        token = self._token()
        response = self._send(method, url, token, params=params, json=json, headers=all_headers, stream=stream,
                              paced=not permitted)
        if response.status_code == 401 and self._on_unauthorized is not None:
            # The token expired or was revoked before its time: refresh, then retry exactly once.
            response.close()
            token = self._on_unauthorized(token)
            response = self._send(method, url, token, params=params, json=json, headers=all_headers, stream=stream)
        if response.status_code >= 400:
            raise error_for(response, self.role)
        return response

    def _send(self, method: str, url: str, token: str, *, headers: dict, paced: bool = True,
              **kwargs) -> requests.Response:
        headers = {**headers, "Authorization": f"Bearer {token}"}
        if self.pacer is not None and paced:
            self.pacer.acquire()  # may wait a little, or raise WebexRetryLater without sending
        try:
            response = self.session.request(method, url, headers=headers, timeout=self.timeout, **kwargs)
        except requests.Timeout as exc:
            metrics.webex_request(self.role, "error")
            raise WebexRetryLater(f"Webex did not answer {method} {path_of(url)} in {self.timeout:g}s") from exc
        except requests.ConnectionError as exc:
            metrics.webex_request(self.role, "error")
            raise WebexRetryLater(f"could not reach Webex for {method} {path_of(url)}") from exc
        metrics.webex_request(self.role, response.status_code)
        if self.pacer is not None and response.status_code in HOLD_STATUSES:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if retry_after:
                self.pacer.hold(retry_after)
        return response

    @contextmanager
    def stream(self, method: str, path: str, params: dict | None = None,
               timezone: str | None = None) -> Iterator[ResponseBody]:
        """Send one request like ``request`` (same errors, same 401 refresh); yield its body as a binary file.

        The body is read from the socket as the caller reads it, never held whole; the response is
        closed when the block ends.
        """
        response = self.request(method, path, params=params, timezone=timezone, stream=True)
        try:
            yield ResponseBody(response)
        finally:
            response.close()

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

        Follows ``Link: <…>; rel="next"`` one page at a time while Webex sends it (a next page may be
        empty). Where the endpoint pages by ``offset`` instead (post-meeting chats), ``offset_paging``
        reads it with a window of pages in flight (``list_by_offset``) until a short page comes back.
        """
        params = dict(params or {})
        if offset_paging:
            offset = int(params.pop("offset", 0))
            return self.list_by_offset(path, params, offset=offset, page_size=int(params.pop("max", page_size)),
                                       timezone=timezone)
        params.setdefault("max", page_size)
        return self._follow_links(path, params, timezone)

    def _follow_links(self, url: str | None, params: dict | None, timezone: str | None) -> Iterator[dict]:
        for page in self.pages(url, params, timezone=timezone):
            yield from page

    def pages(self, path: str | None, params: dict | None = None, *, timezone: str | None = None) -> Iterator[list]:
        """Yield the items of a Link-paged list one page at a time, following ``rel="next"`` while Webex sends it.

        For callers that need to know where pages end (a full last page without a next link may mean more).
        """
        url = path
        while url:
            response = self.request("GET", url, params=params, timezone=timezone)
            yield response_json(response).get("items") or []
            url, params = response.links.get("next", {}).get("url"), None  # the link carries every parameter

    def list_by_offset(self, path: str, params: dict | None = None, *, offset: int = 0, page_size: int = 100,
                       window: int = WINDOW, timezone: str | None = None,
                       parse: Callable[[dict], Any] | None = None) -> OffsetListing:
        """The items of an offset-paged endpoint from ``offset`` on, ``window`` pages in flight (``bot.webex.paging``).

        The first page is fetched before this returns (its errors are raised here); ``parse`` turns each
        raw item into a record on the page's thread. A 429 later on raises ``ListingInterrupted``.
        """
        base = {k: v for k, v in (params or {}).items() if k not in ("offset", "max")}

        def fetch_page(page_offset: int) -> list:
            query = {**base, "max": page_size, "offset": page_offset}
            answer = self.request("GET", path, params=query, timezone=timezone, permitted=self.pacer is not None)
            items = response_json(answer).get("items") or []
            return items if parse is None else [parse(item) for item in items]

        return OffsetListing(fetch_page, offset=offset, page_size=page_size, window=window,
                             what=f"GET {path_of(path)}", pace=self.pacer.acquire if self.pacer else None)


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
