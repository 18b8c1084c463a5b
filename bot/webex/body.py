"""A streamed response body as a binary file whose read errors are ``WebexError``s (for ``WebexClient.stream``)."""

from __future__ import annotations

import requests
from urllib3.exceptions import HTTPError as TransportError

from bot.errors import WebexRetryLater
from bot.webex.translate import path_of


class ResponseBody:
    """The body of a response sent with ``stream=True``, read as it arrives (decompressed when Webex compressed it).

    Its ``read`` is that of ``response.raw`` (a urllib3 response with ``decode_content``), except
    that a connection that breaks off or times out mid-body raises ``WebexRetryLater``, as ``request`` does for
    one that never answers: nothing above ``bot.webex`` sees a urllib3 or ``requests`` exception.
    """

    def __init__(self, response: requests.Response):
        self._raw = response.raw
        self._raw.decode_content = True
        self._where = f"{response.request.method} {path_of(response.url)}" if response.request else response.url

    def read(self, size: int | None = -1) -> bytes:
        """Up to ``size`` bytes of the body (all that is left when negative); ``b""`` at its end."""
        try:
            return self._raw.read(None if size is None or size < 0 else size)
        except (TransportError, OSError) as exc:
            raise WebexRetryLater(f"Webex's answer to {self._where} broke off: {exc}") from exc

    def readable(self) -> bool:
        """Always True: a body is for reading."""
        return True
