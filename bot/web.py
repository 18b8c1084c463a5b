"""The web edge: ``POST /webhooks/webex`` (verify, filter, de-duplicate, enqueue, answer) and ``GET /healthz``.

Each step can end the request; none parses a command or calls Webex. Webex disables a webhook
after 100 failed deliveries in 5 minutes, so the answer is immediate and the work is queued.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass

from flask import Blueprint, Flask, Response, current_app, request

from bot import logs, metrics
from bot.config import Settings
from bot.context import Services
from bot.jobs import Jobs
from bot.storage import DATABASE_ERRORS, Store, error_reason
from bot.webex import same_person, verify_signature

log = logging.getLogger(__name__)
bp = Blueprint("recap", __name__)

MAX_BODY_BYTES = 1024 * 1024
# (resource, event) → job name. Events not listed are acknowledged and ignored.
EVENT_JOBS = {
    ("messages", "created"): "event",
    ("attachmentActions", "created"): "event",
    ("meetings", "ended"): "meeting_ended",  # the org webhook (admin credential): automatic recaps
}
# The fields of an envelope a job reads as strings; present with another type, the delivery is dropped.
ENVELOPE_STRINGS = ("createdBy", "actorId", "orgId", "ownedBy", "appId")
DATA_STRINGS = ("roomId", "roomType", "personId", "personEmail", "messageId", "parentId", "hostEmail", "siteUrl",
                "meetingId", "created", "start", "end")


class Rejected(Exception):
    """A delivery that ends here, with the HTTP status to answer."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


@dataclass(frozen=True)
class Runtime:
    """What the web edge works with: the process's services (settings, store, clients) and its job queue."""

    services: Services
    jobs: Jobs

    @property
    def settings(self) -> Settings:
        """The process settings."""
        return self.services.settings

    @property
    def store(self) -> Store:
        """The database."""
        return self.services.store


def register(app: Flask, runtime: Runtime) -> None:
    """Mount the webhook blueprint on ``app`` and keep ``runtime`` as the app's one extension."""
    app.extensions["recap"] = runtime
    app.register_blueprint(bp)


def runtime_of(app: Flask) -> Runtime:
    """The runtime an app was built with."""
    return app.extensions["recap"]


def runtime() -> Runtime:
    """The runtime of the app serving this request."""
    return runtime_of(current_app)


@bp.post("/webhooks/webex")
def webex_webhook() -> Response:
    """Receive one Webex webhook delivery."""
    with runtime().jobs.edge.serving():  # an embedded job consumer waits for a gap between requests
        try:
            body = read_body()
            verify(body)
            envelope = parse_envelope(body)
            with logs.bound(event_id=envelope["data"]["id"]):
                status, reason = accept(envelope)
        except Rejected as rejected:
            status, reason = rejected.status, rejected.reason
    metrics.webhook_delivery(outcome_of(status, reason))
    return _status(status, reason)


def outcome_of(status: int, reason: str) -> str:
    """The ``recap_webhook_deliveries_total`` label of an answer: one of a few fixed words, never request data."""
    if status == 202:
        return "queued"
    if status == 503:
        return "unavailable"
    if status == 200:
        return "duplicate" if reason == "duplicate" else "ignored"
    return {401: "unsigned", 413: "too_large"}.get(status, "malformed")


def read_body() -> bytes:
    """The raw request bytes, refused with 413 beyond ``MAX_BODY_BYTES``.

    A chunked delivery has no Content-Length and its stream may hand back a chunk at a time, so the
    body is read until the stream ends (or the limit is passed), never with one ``read``.
    """
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise Rejected(413, "body too large")
    parts, size = [], 0
    while size <= MAX_BODY_BYTES:
        part = request.stream.read(MAX_BODY_BYTES + 1 - size)
        if not part:
            break
        parts.append(part)
        size += len(part)
    if size > MAX_BODY_BYTES:
        raise Rejected(413, "body too large")
    return b"".join(parts)


def verify(body: bytes) -> None:
    """401 unless ``X-Spark-Signature`` is the HMAC-SHA1 of the raw body under the webhook secret."""
    secret = runtime().settings.webhook_secret
    if not verify_signature(str(secret or ""), body, request.headers.get("X-Spark-Signature")):
        raise Rejected(401, "missing or invalid signature")


def parse_envelope(body: bytes) -> dict:
    """The delivery as a dict with string ``resource``, ``event`` and ``data.id``, else 400."""
    try:
        envelope = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # absurdly deep nesting too
        raise Rejected(400, "body is not JSON") from None
    if not isinstance(envelope, dict) or not isinstance(envelope.get("data"), dict):
        raise Rejected(400, "not a webhook envelope")
    fields = (envelope.get("resource"), envelope.get("event"), envelope["data"].get("id"))
    if not all(isinstance(value, str) and value for value in fields):
        raise Rejected(400, "envelope lacks resource, event or data.id")
    return envelope


def accept(envelope: dict) -> tuple[int, str]:
    """Drop what is not ours to do, de-duplicate, enqueue; the status and reason to answer."""
    resource, event, data = envelope["resource"], envelope["event"], envelope["data"]
    job = EVENT_JOBS.get((resource, event))
    if job is None:
        return 200, "ignored: not an event Recap handles"
    odd = odd_fields(envelope)
    if odd:
        log.info("delivery %s/%s %.80s dropped: %s not a string", resource, event, data["id"], ", ".join(odd))
        return 200, "ignored: fields of the wrong type"
    if is_own_message(envelope):
        return 200, "ignored: the bot's own message"
    try:
        if not runtime().jobs.admit(job, envelope, (resource, event, data["id"])):
            return 200, "duplicate"
    except DATABASE_ERRORS as exc:
        _outage("database", exc)
        return 503, "database unavailable"
    except Exception as exc:  # noqa: BLE001 - any queue failure: nothing is kept, a redelivery tries again
        _outage("queue", exc)
        return 503, "queue unavailable"
    _outage(None)
    return 202, "queued"


def odd_fields(envelope: dict) -> list[str]:
    """The fields Recap reads that are present but not strings (a signed envelope can still carry them)."""
    odd = [name for name in ENVELOPE_STRINGS if name in envelope and not isinstance(envelope[name], str)]
    data = envelope["data"]
    return odd + [f"data.{name}" for name in DATA_STRINGS if name in data and not isinstance(data[name], str)]


_down: set[str] = set()  # what this process last found unavailable, so an outage is logged once, not per request
_down_lock = threading.Lock()


def _outage(part: str | None, exc: BaseException | None = None) -> None:
    """Log a change of state of the database or the queue: one line when it fails, one when it is back."""
    if part is None:
        if _down:
            with _down_lock:
                back = sorted(_down)
                _down.clear()
            for name in back:
                log.warning("the %s answers again; webhooks are accepted", name)
        return
    with _down_lock:
        new = part not in _down
        _down.add(part)
    if new:
        log.error("the %s is unavailable (%s: %s); webhooks are answered 503 until it is back", part,
                  type(exc).__name__, error_reason(exc) if exc is not None else "")


def is_own_message(envelope: dict) -> bool:
    """Whether a ``messages`` event is the bot's own post (the bot created its webhooks: ``createdBy``)."""
    if envelope["resource"] != "messages":
        return False
    author = envelope["data"].get("personId")
    if not isinstance(author, str) or not author:
        return False  # not a person id at all: the job will find no such message and drop it
    bot_ids = (envelope.get("createdBy"), runtime().services.known_bot_id())
    return any(isinstance(bot_id, str) and same_person(author, bot_id) for bot_id in bot_ids)


@bp.get("/healthz")
def healthz() -> Response:
    """Database and queue health: 200 when both answer, 503 otherwise (no details that could leak secrets)."""
    report, healthy = {}, True
    try:
        runtime().store.ping()
        report["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        report["database"], healthy = f"error: {type(exc).__name__}", False
    try:
        report["queued"] = runtime().jobs.ping()
        report["queue"] = "ok"
    except Exception as exc:  # noqa: BLE001
        report["queue"], healthy = f"error: {type(exc).__name__}", False
    return Response(json.dumps(report), status=200 if healthy else 503, mimetype="application/json")


def _status(status: int, reason: str) -> Response:
    response = Response(json.dumps({"status": reason}), status=status, mimetype="application/json")
    if status == 413:
        response.headers["Connection"] = "close"  # the unread rest of the body must not be taken for a request
    return response


@bp.get("/metrics")
def prometheus_metrics() -> Response:
    """Prometheus metrics of all this deployment's processes; 401 unless ``Bearer RECAP_METRICS_TOKEN``, when set."""
    if not metrics.authorized(runtime().settings.metrics_token, request.headers.get("Authorization")):
        return Response("metrics need RECAP_METRICS_TOKEN as a Bearer token\n", status=401, mimetype="text/plain",
                        headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    body, content_type = metrics.exposition(queue_depth=runtime().jobs.ping)
    return Response(body, status=200, content_type=content_type)
