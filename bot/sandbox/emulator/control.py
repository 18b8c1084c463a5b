"""``/_emulator/…`` control endpoints: the Python switches of the emulator over HTTP (loopback only, no auth).

=======================================  ============================================================
``GET /_emulator/state``                 tokens, people, rooms, archive and meeting ids
``GET|DELETE /_emulator/requests``       the request log (``?method=&pathPrefix=``) / clear it
``POST|DELETE /_emulator/faults``        ``{"status", "count", "retryAfter", "pathPrefix"}`` / clear
``PUT /_emulator/latency``               ``{"ms": 250}``
``PUT /_emulator/rate-limit``            ``{"perMinute": 300, "burst": 5}`` per token (0 or null: none)
``POST /_emulator/archives``             an archive-detail JSON (``?created=ISO``) → its meeting
``POST /_emulator/meetings``             a meeting JSON → the stored meeting
``POST /_emulator/meetings/end``         ``{"hostEmail", "title", "seed", "participants", "chats",
                                         "lateSeconds", "lateRequests", "deliver"}`` → the ended meeting
``POST /_emulator/chats/<meetingId>``    a JSON list of post-meeting chat items
``POST /_emulator/messages``             ``{"personEmail", "roomId", "text", "html"}`` → the message
``POST /_emulator/actions``              ``{"personEmail", "messageId", "inputs"}`` → the card action
``GET /_emulator/deliveries``            webhook deliveries so far (status code, envelope)
``PUT|DELETE /_emulator/insights/switches``
                                         ``{"source", "mode", "lateSeconds", "meetingId"}`` / all back
                                         to ``ok`` (sources, modes: ``insight_store``)
``PUT /_emulator/insights/<meetingId>``  replace parts: ``{"summary", "transcript", "snippets",
                                         "recording", "invitees"}``
=======================================  ============================================================
"""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, Response, jsonify, request

import bot.sandbox.emulator.events as events
import bot.sandbox.emulator.meetings_end as meetings_end
from bot.sandbox.emulator.http import ApiError, state
from bot.sandbox.emulator.ratelimit import RateLimit
from bot.sandbox.emulator.records import parse_iso

bp = Blueprint("emulator_control", __name__)
LOOPBACK = ("127.0.0.1", "::1", "localhost")


def loopback_only() -> Response | None:
    """403 unless the caller is on this machine."""
    address = request.remote_addr or ""
    if address in LOOPBACK or address.startswith("127."):
        return None
    return Response("control endpoints answer loopback callers only\n", status=403, mimetype="text/plain")


def _body(kind: type = dict):
    data = request.get_json(silent=True)
    if not isinstance(data, kind):
        raise ApiError(400, f"expected a JSON {kind.__name__}")
    return data


@bp.get("/state")
def overview() -> Response:
    """What the emulator holds, for a person poking at it with curl."""
    emulator = state()
    tokens: dict[str, str] = {}
    for token, who in emulator.tokens.items():
        tokens.setdefault(who.role, token)  # the fixed sandbox token of each role, not later minted ones
    return jsonify(tokens=tokens,
                   people=[{"id": p["id"], "email": p["emails"][0], "displayName": p["displayName"]}
                           for p in emulator.people.values()],
                   rooms=[{"id": r["id"], "title": r["title"], "type": r["type"]} for r in emulator.rooms.values()],
                   archives={a: emulator.archive_meetings.get(a) for a in emulator.archives},
                   meetings=list(emulator.meetings), latencyMs=emulator.latency_ms,
                   insightSwitches=[{"source": source, "meetingId": meeting_id, "mode": switch.mode,
                                     "lateSeconds": switch.late_seconds}
                                    for (source, meeting_id), switch in emulator.insights.switches.items()],
                   rateLimit=emulator.rate_limit.describe() if emulator.rate_limit else None)


@bp.get("/requests")
def request_log() -> Response:
    """The request log, optionally filtered by method and path prefix."""
    calls = state().calls(request.args.get("method"), request.args.get("pathPrefix", ""))
    return jsonify([{**asdict(call), "headers": dict(call.headers)} for call in calls])


@bp.delete("/requests")
def clear_request_log() -> Response:
    """Forget the request log."""
    state().clear_log()
    return Response(status=204)


@bp.post("/faults")
def add_fault() -> Response:
    """Inject a fault for the next matching requests."""
    data = _body()
    if not isinstance(data.get("status"), int):
        raise ApiError(400, "status (an HTTP status code) is required")
    state().inject_fault(data["status"], count=int(data.get("count", 1)), retry_after=data.get("retryAfter"),
                         path_prefix=data.get("pathPrefix"))
    return Response(status=204)


@bp.delete("/faults")
def clear_faults() -> Response:
    """Drop every pending fault."""
    state().clear_faults()
    return Response(status=204)


@bp.put("/latency")
def set_latency() -> Response:
    """Delay every API response by ``ms`` milliseconds."""
    state().latency_ms = max(0, int(_body().get("ms", 0)))
    return Response(status=204)


@bp.put("/rate-limit")
def set_rate_limit() -> Response:
    """Limit every token to ``perMinute`` calls (a token bucket holding ``burst``); 0 or null lifts the limit."""
    data = _body()
    per_minute, burst = data.get("perMinute"), data.get("burst")
    if not all(v is None or (isinstance(v, int | float) and not isinstance(v, bool) and v >= 0)
               for v in (per_minute, burst)):
        raise ApiError(400, "perMinute and burst are non-negative numbers")
    state().rate_limit = RateLimit(per_minute, burst or None) if per_minute else None
    return Response(status=204)


@bp.post("/archives")
def add_archive() -> Response:
    """Store an archive; answer with its ended meeting instance."""
    created = parse_iso(request.args.get("created"))
    try:
        return jsonify(state().add_archive(_body(), created=created))
    except ValueError as exc:
        raise ApiError(400, str(exc)) from None


@bp.post("/meetings")
def add_meeting() -> Response:
    """Store a meeting."""
    try:
        return jsonify(state().add_meeting(_body()))
    except ValueError as exc:
        raise ApiError(400, str(exc)) from None


@bp.post("/meetings/end")
def end_meeting() -> Response:
    """End a generated meeting now; ``meetings/ended`` goes to the org webhooks (see ``meetings_end``)."""
    data = _body()
    options = {"title": data.get("title") or None, "seed": data.get("seed"),
               "participants": data.get("participants", 12), "chats": data.get("chats", 30),
               "late_seconds": data.get("lateSeconds", 0), "late_requests": data.get("lateRequests", 0),
               "deliver": data.get("deliver", True)}
    if not isinstance(data.get("hostEmail"), str) or "@" not in data["hostEmail"]:
        raise ApiError(400, "hostEmail (the host's e-mail address) is required")
    numbers = ("seed", "participants", "chats", "late_seconds", "late_requests")
    if any(options[k] is not None and (isinstance(options[k], bool) or not isinstance(options[k], int | float))
           for k in numbers) or not isinstance(options["deliver"], bool):
        raise ApiError(400, "seed, participants, chats, lateSeconds and lateRequests are numbers; deliver a boolean")
    options.update({k: int(options[k]) for k in ("participants", "chats", "late_requests", "seed")
                    if options[k] is not None})
    try:
        return jsonify(meetings_end.end_meeting(state(), host_email=data["hostEmail"].strip(), **options))
    except ValueError as exc:
        raise ApiError(400, str(exc)) from None


@bp.post("/chats/<meeting_id>")
def add_chats(meeting_id: str) -> Response:
    """Append post-meeting chats to a meeting instance."""
    state().add_meeting_chats(meeting_id, _body(list))
    return Response(status=204)


@bp.post("/messages")
def post_as() -> Response:
    """A person says something in a room (webhooks fire)."""
    data = _body()
    try:
        return jsonify(events.post_as(state(), data.get("personEmail", ""), data.get("roomId", ""),
                                      data.get("text", ""), html=data.get("html")))
    except KeyError as exc:
        raise ApiError(404, str(exc)) from None


@bp.post("/actions")
def submit_card() -> Response:
    """A person presses a card's Action.Submit (webhooks fire)."""
    data = _body()
    try:
        return jsonify(events.submit_card(state(), data.get("personEmail", ""), data.get("messageId", ""),
                                          data.get("inputs") or {}))
    except KeyError as exc:
        raise ApiError(404, str(exc)) from None


@bp.get("/deliveries")
def deliveries() -> Response:
    """Webhook deliveries made so far."""
    return jsonify([asdict(d) for d in state().deliveries])


@bp.put("/insights/switches")
def set_insight_switch() -> Response:
    """Make an insight source forbidden, missing, empty or late (for every meeting or one ``meetingId``)."""
    data = _body()
    late = data.get("lateSeconds", 0)
    if isinstance(late, bool) or not isinstance(late, int | float):
        raise ApiError(400, "lateSeconds is a number")
    meeting_id = data.get("meetingId")
    if meeting_id is not None and not isinstance(meeting_id, str):
        raise ApiError(400, "meetingId is a string")
    try:
        state().insights.set_switch(str(data.get("source", "")), str(data.get("mode", "")), late_seconds=late,
                                    meeting_id=meeting_id)
    except ValueError as exc:
        raise ApiError(400, str(exc)) from None
    return Response(status=204)


@bp.delete("/insights/switches")
def clear_insight_switches() -> Response:
    """Every insight source back to normal."""
    state().insights.clear_switches()
    return Response(status=204)


@bp.put("/insights/<meeting_id>")
def set_insights(meeting_id: str) -> Response:
    """Replace parts of one meeting's insights (e.g. a summary with hostile HTML, or ``"recording": null``)."""
    try:
        state().insights.set_insights(meeting_id, **_body())
    except ValueError as exc:
        raise ApiError(400, str(exc)) from None
    return Response(status=204)
