"""A Webex API emulator (Flask) for tests, benchmarks and the offline sandbox.

It plays ``https://webexapis.com/v1/`` under the ``/v1/`` prefix with in-memory state, reachable
as ``app.extensions["webex_emulator"]`` (an :class:`~bot.sandbox.emulator.state.EmulatorState`).
Responses follow the official OpenAPI subsets (copied to ``tests/schemas/webex-openapi/``); where
Webex is silent, each endpoint module's docstring says what the emulator chose.

Tokens (fixed, not secrets; send ``Authorization: Bearer <token>``):

====================================  ===============================================================
``SANDBOX_BOT_TOKEN``                 the bot "Recap" (``recap@webex.bot``): messaging, own webhooks
``SANDBOX_ADMIN_TOKEN``               full admin ``admin@example.com``: archives, meetings, org webhooks,
                                      recordings, invitees (``hostEmail``), transcript lists
``SANDBOX_COMPLIANCE_TOKEN``          compliance officer ``compliance@example.com``: post-meeting chats,
                                      AI summaries, transcripts and snippets, recordings
``SANDBOX_USER_TOKEN``                ordinary user ``user@example.com``: messaging only
====================================  ===============================================================

OAuth refresh (``POST /v1/access_token``) takes ``SANDBOX_ADMIN_CLIENT_ID``,
``SANDBOX_ADMIN_CLIENT_SECRET`` and ``SANDBOX_ADMIN_REFRESH_TOKEN`` and mints new admin tokens.
A missing or unknown token is 401; a token without the rights is 403 (bot or user on archives
and meetings, anyone but the compliance officer on post-meeting chats).

Fixtures. ``create_emulator(seed=True)`` loads ``bot/sandbox/fixtures/`` (the archive example
of the Webex documentation verbatim, plus a few generated meetings, people and rooms described
by ``fixtures/seed.json``). ``fixtures_dir`` (``recap emulator --fixtures DIR``) then adds or
replaces data from a folder laid out like this::

    DIR/archives/<anything>.json     one archive-detail JSON object per file, exactly what
                                     GET /recordingReport/meetingArchives/{archiveId} returns
    DIR/chats/<meetingInstanceId>.json
                                     a JSON list of post-meeting chat items, exactly the
                                     ``items`` of GET /meetings/postMeetingChats

Every archive gets an ended meeting instance with its title, host and a window covering every
join; its id is stable for the archive id (``GET /v1/meetings?meetingType=meeting&state=ended``
lists them; ``state.meeting_for_archive(id)`` gives it in Python). Archives loaded from a folder
also get post-meeting chats repeating their ``chats`` (a chat file for that instance replaces
them; ``state.add_archive`` alone adds none). A chat file whose instance is unknown gets a bare
ended meeting of its own. Archive summaries are created 15 minutes after
the archive's end. Timestamps are served in the zone of the ``timezone`` header (UTC without
one): send ``timezone: Asia/Shanghai`` to read the documented example back byte for byte.

Ending a meeting: ``state.end_meeting(host_email, ...)`` (``POST /_emulator/meetings/end``) stores a
generated ended instance, publishes its archive and chats at once or late, and delivers the signed
``meetings/ended`` webhook to org-owned webhooks (see ``bot.sandbox.emulator.meetings_end``).

Insights (AI summaries, transcripts, recordings, invitees of every ended instance; who may read
which as webex-api-notes §8f says): generated per meeting from its archive, replaceable and switched
per source (forbidden, missing, empty, late) with ``state.insights`` (see
``bot.sandbox.emulator.insight_store``; over HTTP under ``/_emulator/insights``).

Switches: ``state.latency_ms``, ``state.inject_fault(...)`` (checked before the token, like a
gateway in front of Webex), ``state.rate_limit`` (a token bucket per access token, see
``bot.sandbox.emulator.ratelimit``), the request log ``state.requests`` (every ``/v1/`` call, 401s
included); the same over HTTP (no auth, loopback only) under ``/_emulator/`` (see
``bot.sandbox.emulator.control``).
"""

from __future__ import annotations

import time
from pathlib import Path

from flask import Flask, Response, g, request
from requests.structures import CaseInsensitiveDict
from werkzeug.exceptions import HTTPException

import bot.sandbox.emulator.control as emulator_control
import bot.sandbox.emulator.insights as emulator_insights
import bot.sandbox.emulator.meetings as emulator_meetings
import bot.sandbox.emulator.meetings_end as emulator_meetings_end
import bot.sandbox.emulator.messaging as emulator_messaging
import bot.sandbox.emulator.oauth as emulator_oauth
import bot.sandbox.emulator.recordings as emulator_recordings
import bot.sandbox.emulator.webhooks as emulator_webhooks
from bot.sandbox.emulator.http import ApiError, error_response, state, tracking_id
from bot.sandbox.emulator.oauth import (
    SANDBOX_ADMIN_CLIENT_ID,
    SANDBOX_ADMIN_CLIENT_SECRET,
    SANDBOX_ADMIN_REFRESH_TOKEN,
    SANDBOX_SERVICE_APP_ID,
)
from bot.sandbox.emulator.seed import (
    ADMIN_EMAIL,
    BOT_EMAIL,
    COMPLIANCE_EMAIL,
    GROUP_ROOM_TITLE,
    USER_EMAIL,
    add_principals,
    load_fixtures_dir,
    load_seed,
)
from bot.sandbox.emulator.state import EmulatorState
from bot.sandbox.emulator.types import NO_RETRY_AFTER, RequestRecord

SANDBOX_BOT_TOKEN = "sandbox-bot-token-not-a-secret"
SANDBOX_ADMIN_TOKEN = "sandbox-admin-token-not-a-secret"
SANDBOX_COMPLIANCE_TOKEN = "sandbox-compliance-token-not-a-secret"
SANDBOX_USER_TOKEN = "sandbox-user-token-not-a-secret"
TOKENS = {"bot": SANDBOX_BOT_TOKEN, "admin": SANDBOX_ADMIN_TOKEN, "compliance": SANDBOX_COMPLIANCE_TOKEN,
          "user": SANDBOX_USER_TOKEN}
__all__ = ["create_emulator", "EmulatorState", "SANDBOX_BOT_TOKEN", "SANDBOX_ADMIN_TOKEN", "SANDBOX_COMPLIANCE_TOKEN",
           "SANDBOX_USER_TOKEN", "TOKENS", "BOT_EMAIL", "ADMIN_EMAIL", "USER_EMAIL", "COMPLIANCE_EMAIL",
           "GROUP_ROOM_TITLE", "NO_RETRY_AFTER", "SANDBOX_ADMIN_CLIENT_ID", "SANDBOX_ADMIN_CLIENT_SECRET",
           "SANDBOX_ADMIN_REFRESH_TOKEN", "SANDBOX_SERVICE_APP_ID"]

MAX_LOGGED = 100_000
FAULT_MESSAGES = {
    423: "The resource is temporarily locked; retry after the delay in Retry-After.",
    429: "Too Many Requests: the request has been rate limited; retry after the delay in Retry-After.",
    500: "Internal Server Error: something went wrong on the server.",
    502: "Bad Gateway: the server received an invalid response from an upstream server.",
    503: "Service Unavailable: the server is overloaded or under maintenance.",
    504: "Gateway Timeout: an upstream server did not answer in time.",
}


def create_emulator(fixtures_dir: Path | None = None, *, latency_ms: int = 0, seed: bool = True) -> Flask:
    """A fresh emulator app; ``seed`` loads the built-in fixtures, ``fixtures_dir`` adds a folder's."""
    app = Flask("webex_emulator")
    emulator = EmulatorState(latency_ms=latency_ms)
    app.extensions["webex_emulator"] = emulator
    add_principals(emulator, TOKENS)
    if seed:
        load_seed(emulator)
    if fixtures_dir is not None:
        load_fixtures_dir(emulator, Path(fixtures_dir))
    for module in (emulator_meetings, emulator_insights, emulator_recordings, emulator_messaging, emulator_webhooks,
                   emulator_oauth):
        app.register_blueprint(module.bp, url_prefix="/v1")
    app.register_blueprint(emulator_control.bp, url_prefix="/_emulator")
    app.before_request(_before_request)
    app.after_request(_after_request)
    app.register_error_handler(ApiError, lambda e: error_response(e.status, e.message, retry_after=e.retry_after))
    app.register_error_handler(HTTPException, _http_error)
    return app


def _before_request() -> Response | None:
    """Log, delay, fail on purpose, then authenticate every ``/v1/`` request."""
    if request.path.startswith("/_emulator"):
        return emulator_control.loopback_only()
    if not request.path.startswith("/v1/"):
        return None
    emulator = state()
    g.record = _record()
    with emulator.lock:
        emulator.requests.append(g.record)
        if len(emulator.requests) > MAX_LOGGED:  # a sandbox left running for days must not grow forever
            del emulator.requests[: len(emulator.requests) - MAX_LOGGED]
    if emulator.latency_ms:
        time.sleep(emulator.latency_ms / 1000)
    if emulator.pending_releases:  # post-meeting data published late (meetings_end)
        emulator_meetings_end.release_due(emulator, request.path)
    fault = emulator.take_fault(request.path)
    if fault is not None:
        return error_response(fault.status, FAULT_MESSAGES.get(fault.status, "Injected failure."),
                              retry_after=fault.retry_after)
    if request.path in emulator_oauth.UNAUTHENTICATED:
        return None
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if emulator.rate_limit is not None and token.strip():
        wait = emulator.rate_limit.retry_after(token.strip())
        if wait is not None:
            return error_response(429, FAULT_MESSAGES[429], retry_after=wait)
    who = emulator.tokens.get(token.strip()) if scheme.lower() == "bearer" else None
    if who is None:
        return error_response(401, "The request requires a valid access token set in the Authorization "
                                   "request header.")
    g.principal = who
    return None


def _record() -> RequestRecord:
    multipart = request.mimetype == "multipart/form-data"
    return RequestRecord(request.method, request.path, request.args.to_dict(), CaseInsensitiveDict(request.headers),
                         request.get_json(silent=True) if request.is_json else None,
                         form=request.form.to_dict() if multipart else {})


def _after_request(response: Response) -> Response:
    if request.path.startswith("/v1/"):
        response.headers.setdefault("trackingId", tracking_id())
        if "record" in g:
            g.record.status = response.status_code
    return response


def _http_error(exc: HTTPException) -> Response:
    """Routing errors (404 unknown path, 405 wrong method) in Webex's error shape."""
    return error_response(exc.code or 500, exc.description or exc.name)
