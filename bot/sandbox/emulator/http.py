"""HTTP plumbing shared by the emulator's endpoints: Webex error bodies, parameters, paging links, access."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Response, current_app, g, request

from bot.sandbox.emulator.records import parse_iso
from bot.sandbox.emulator.types import Principal
from bot.sandbox.emulator.world import EmulatorWorld

JSON_TYPE = "application/json;charset=UTF-8"


class ApiError(Exception):
    """Raised by an endpoint to answer with a Webex-shaped error."""

    def __init__(self, status: int, message: str, *, retry_after: float | str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after


def new_tracking_id() -> str:
    """A tracking id in Webex's style (``ROUTER_`` + an upper-case UUID)."""
    return "ROUTER_" + str(uuid.uuid4()).upper()


def tracking_id() -> str:
    """This request's tracking id (the same in the header and in an error body)."""
    if "tracking_id" not in g:
        g.tracking_id = new_tracking_id()
    return g.tracking_id


def error_response(status: int, message: str, *, retry_after: float | str | None = None) -> Response:
    """``{"message", "errors": [{"description"}], "trackingId"}`` with the ``trackingId`` header."""
    body = {"message": message, "errors": [{"description": message}], "trackingId": tracking_id()}
    response = Response(json.dumps(body), status=status, mimetype=JSON_TYPE)
    if retry_after is not None:
        response.headers["Retry-After"] = f"{retry_after:g}" if isinstance(retry_after, float) else str(retry_after)
    return response


def json_response(data: Any, status: int = 200, *, link: str | None = None) -> Response:
    """A JSON answer (UTF-8, key order kept), with an optional ``Link`` header."""
    response = Response(json.dumps(data, ensure_ascii=False), status=status, mimetype=JSON_TYPE)
    if link:
        response.headers["Link"] = link
    return response


def state() -> EmulatorWorld:
    """The emulator state of the current app (an ``EmulatorState``; endpoints need only its data)."""
    return current_app.extensions["webex_emulator"]


def principal() -> Principal:
    """Who is calling (set by the auth hook)."""
    return g.principal


def require_role(*roles: str, message: str) -> Principal:
    """The caller, or a 403 when their token has none of ``roles``."""
    who = principal()
    if who.role not in roles:
        raise ApiError(403, message)
    return who


def body_json() -> dict:
    """The request's JSON object, or a 400."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    return data


def int_param(name: str, default: int | None, low: int, high: int) -> int | None:
    """An integer query parameter within ``[low, high]`` (400 otherwise)."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        number = float(raw)
    except ValueError:
        raise ApiError(400, f"Invalid {name}: {raw!r} is not a number.") from None
    if number != int(number) or not low <= number <= high:
        raise ApiError(400, f"Invalid {name}: it must be an integer from {low} to {high}.")
    return int(number)


def request_zone() -> ZoneInfo | None:
    """The IANA zone of the ``timezone`` header (None: UTC); 400 for an unknown zone."""
    name = request.headers.get("timezone", "").strip()
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ApiError(400, f"Invalid timezone {name!r}: expected an IANA time zone such as UTC.") from None


def time_param(name: str, zone: ZoneInfo | None) -> datetime | None:
    """A timestamp query parameter in any ISO 8601 form (naive: the request's zone); 400 if malformed."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    when = parse_iso(raw, zone or UTC)
    if when is None:
        raise ApiError(400, f"Invalid {name}: {raw!r} is not an ISO 8601 date-time.")
    return when


def cursor_offset() -> int:
    """The offset hidden in an opaque ``cursor`` parameter of a next link (0 on the first page)."""
    raw = request.args.get("cursor")
    if not raw:
        return 0
    try:
        return max(0, int(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode().split(":", 1)[1]))
    except (ValueError, IndexError, UnicodeDecodeError):
        raise ApiError(400, "Invalid cursor.") from None


def next_link(**changes: Any) -> str:
    """``<URL>; rel="next"`` for this request with every query parameter kept and ``changes`` applied."""
    params = [(k, v) for k, v in request.args.items(multi=True) if k not in changes]
    params += [(k, v) for k, v in changes.items() if v is not None]
    return f'<{request.base_url}?{urlencode(params)}>; rel="next"'


def cursor_link(offset: int, **extra: Any) -> str:
    """A next link that carries the offset of the next page in an opaque ``cursor``."""
    cursor = base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")
    return next_link(cursor=cursor, **extra)


def paged(items: list, limit: int, offset: int, **extra: Any) -> Response:
    """One page of ``items`` starting at ``offset``, with a cursor link while more remain."""
    chunk = items[offset:offset + limit]
    more = offset + limit < len(items)
    return json_response({"items": chunk}, link=cursor_link(offset + limit, **extra) if more else None)
