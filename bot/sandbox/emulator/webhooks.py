"""Webhooks in the emulator: ``/webhooks`` CRUD, and signed deliveries to registered targets.

Rules followed (webex-api-notes §4): PUT changes only name, targetUrl, secret and status (and
status only to ``active``); ``ownedBy: org`` is for the full-admin token (403 otherwise; Webex
also lets compliance officers, the sandbox keeps one org owner); a ``hostEmail``/``hostUserId``
filter needs ``ownedBy: org``; a bot cannot watch meeting resources (403). Deliveries carry the
envelope of §4b with ids only (no text), ``X-Spark-Signature`` = lowercase hex HMAC-SHA1 of the
raw body when the webhook has a secret, and 100 failures within 5 minutes disable a webhook.
Deliveries go only to targets on this machine (127.0.0.1, localhost, ::1); any other target is
recorded as a failed delivery without a request, so the emulator never reaches the network.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from urllib.parse import parse_qsl, urlsplit

import requests
from flask import Blueprint, Response, request

from bot.sandbox.emulator.http import (
    ApiError,
    body_json,
    cursor_offset,
    int_param,
    json_response,
    paged,
    principal,
    state,
)
from bot.sandbox.emulator.records import format_iso, now_utc
from bot.sandbox.emulator.types import Delivery
from bot.sandbox.emulator.world import EmulatorWorld
from bot.sandbox.ids import webex_id

bp = Blueprint("emulator_webhooks", __name__)

RESOURCES = ("attachmentActions", "dataSources", "memberships", "messages", "rooms", "meetings", "recordings",
             "convergedRecordings", "meetingParticipants", "meetingTranscripts", "telephony_calls",
             "telephony_conference", "telephony_mwi", "uc_counters", "serviceApp", "adminBatchJobs")
EVENTS = ("created", "updated", "deleted", "started", "ended", "joined", "left", "migrated", "authorized",
          "deauthorized", "statusChanged", "all")
MEETING_RESOURCES = ("meetings", "recordings", "convergedRecordings", "meetingParticipants", "meetingTranscripts")
APP_ID = webex_id("APPLICATION", "recap-sandbox")
DISABLE_AFTER, DISABLE_WINDOW = 100, 300.0
NOT_FOUND = "The requested resource could not be found."
# The emulator is offline by design: deliveries go to this machine only (others are recorded as failed).
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def _require_fields(data: dict, names: tuple[str, ...]) -> None:
    missing = [n for n in names if not isinstance(data.get(n), str) or not data[n].strip()]
    if missing:
        raise ApiError(400, f"Missing required field(s): {', '.join(missing)}.")
    if not data["targetUrl"].startswith(("http://", "https://")):
        raise ApiError(400, "targetUrl must be an http(s) URL.")


@bp.post("/webhooks")
def create_webhook() -> Response:
    """Register a webhook for the caller (or for the org, admin only)."""
    who, data = principal(), body_json()
    _require_fields(data, ("name", "targetUrl", "resource", "event"))
    if data["resource"] not in RESOURCES or data["event"] not in EVENTS:
        raise ApiError(400, "Unknown resource or event.")
    owned_by = data.get("ownedBy") or "creator"
    if owned_by not in ("creator", "org"):
        raise ApiError(400, "ownedBy must be creator or org.")
    if owned_by == "org" and who.role != "admin":
        raise ApiError(403, "Only a full administrator can create org-wide webhooks (ownedBy: org).")
    if who.role == "bot" and data["resource"] in MEETING_RESOURCES:
        raise ApiError(403, "A bot token has no meeting scopes.")
    keys = {k for k, _ in parse_qsl(data.get("filter") or "")}
    if keys & {"hostEmail", "hostUserId", "ownerEmail", "ownerId"} and owned_by != "org":
        raise ApiError(400, "A hostEmail or hostUserId filter requires ownedBy: org.")
    webhook = {"id": webex_id("WEBHOOK"), "name": data["name"], "targetUrl": data["targetUrl"],
               "resource": data["resource"], "event": data["event"]}
    webhook.update({k: data[k] for k in ("filter", "secret") if data.get(k)})
    webhook.update(orgId=state().org_id, createdBy=who.person_id, appId=APP_ID, ownedBy=owned_by,
                   status="active", created=format_iso(now_utc()))
    with state().lock:
        state().webhooks[webhook["id"]] = webhook
    return json_response(webhook)


@bp.get("/webhooks")
def list_webhooks() -> Response:
    """The caller's webhooks, or the org's with ``ownedBy=org`` (admin only), Link-paged."""
    who = principal()
    limit = int_param("max", 100, 1, 1000)
    owned_by = request.args.get("ownedBy")
    if owned_by not in (None, "", "org"):
        raise ApiError(400, "ownedBy accepts only org.")
    if owned_by == "org" and who.role != "admin":
        raise ApiError(403, "Only a full administrator can list org-wide webhooks.")
    org = owned_by == "org"
    with state().lock:
        hooks = [w for w in state().webhooks.values()
                 if (w["ownedBy"] == "org" if org else w["createdBy"] == who.person_id and w["ownedBy"] == "creator")]
    return paged(hooks, limit, cursor_offset())


def _owned(webhook_id: str) -> dict:
    who = principal()
    webhook = state().webhooks.get(webhook_id)
    if webhook is None or not (webhook["createdBy"] == who.person_id
                               or (webhook["ownedBy"] == "org" and who.role == "admin")):
        raise ApiError(404, NOT_FOUND)
    return webhook


@bp.get("/webhooks/<webhook_id>")
def get_webhook(webhook_id: str) -> Response:
    """One of the caller's webhooks."""
    return json_response(_owned(webhook_id))


@bp.put("/webhooks/<webhook_id>")
def update_webhook(webhook_id: str) -> Response:
    """Change name, targetUrl, secret or status (to ``active`` only); other fields are ignored."""
    webhook, data = _owned(webhook_id), body_json()
    _require_fields(data, ("name", "targetUrl"))
    if data.get("status") not in (None, "active"):
        raise ApiError(400, "status can only be set to active.")
    with state().lock:
        webhook.update({k: data[k] for k in ("name", "targetUrl", "secret", "status") if data.get(k)})
    return json_response(webhook)


@bp.delete("/webhooks/<webhook_id>")
def delete_webhook(webhook_id: str) -> Response:
    """Delete one of the caller's webhooks."""
    webhook = _owned(webhook_id)
    with state().lock:
        state().webhooks.pop(webhook["id"], None)
    return Response(status=204)


# --- deliveries ------------------------------------------------------------------------------

def _sees(emulator: EmulatorWorld, webhook: dict, resource: str, data: dict) -> bool:
    """Whether the webhook's owner could see this event (org-owned webhooks see everything)."""
    if webhook["ownedBy"] == "org":
        return True
    owner = webhook["createdBy"]
    if resource == "messages":
        owner_is_bot = owner == emulator.bot_id
        return emulator.is_member(data["roomId"], owner) and (
            not owner_is_bot or data.get("roomType") == "direct" or data["personId"] == owner
            or owner in data.get("mentionedPeople", ()))
    if resource == "attachmentActions":
        card = emulator.messages.get(data.get("messageId", ""), {})
        return owner in (data.get("personId"), card.get("personId"))
    return False


# Filters compared as plain equality with the event's data (the meeting ones ignore case, as e-mails and
# site names do); anything else in a filter is not emulated and matches.
EQUAL_FILTERS = ("roomId", "roomType", "personId", "personEmail", "messageId", "id", "meetingType", "state",
                 "hostUserId")
CASELESS_FILTERS = ("hostEmail", "siteUrl")


def _filter_matches(webhook: dict, data: dict) -> bool:
    """The simple ``key=value&…`` filters of messages, card actions and meetings, plus ``mentionedPeople``."""
    for key, value in parse_qsl(webhook.get("filter") or ""):
        if key == "mentionedPeople":
            wanted = webhook["createdBy"] if value == "me" else value
            if wanted not in data.get("mentionedPeople", ()):
                return False
        elif key in EQUAL_FILTERS and data.get(key) != value:
            return False
        elif key in CASELESS_FILTERS and str(data.get(key) or "").lower() != value.lower():
            return False
    return True


def _matches(webhook: dict, resource: str, event: str) -> bool:
    if webhook["status"] != "active" or webhook["resource"] != resource:
        return False
    return webhook["event"] == event or (webhook["event"] == "all" and event in ("created", "updated", "deleted"))


def deliver_event(emulator: EmulatorWorld, resource: str, event: str, data: dict, *, actor_id: str) -> int:
    """Send the event to every matching webhook in a background thread; return how many were due."""
    with emulator.lock:
        hooks = [dict(w) for w in emulator.webhooks.values()
                 if _matches(w, resource, event) and _filter_matches(w, data) and _sees(emulator, w, resource, data)]
    payload = _event_data(resource, data)
    for webhook in hooks:
        envelope = {k: webhook[k] for k in ("id", "name", "targetUrl", "resource", "event", "filter", "orgId",
                                             "createdBy", "appId", "ownedBy", "status", "created") if k in webhook}
        envelope.update(event=event, status="active", actorId=actor_id, data=payload)
        threading.Thread(target=_post, args=(emulator, webhook, envelope), daemon=True).start()
    return len(hooks)


def _event_data(resource: str, data: dict) -> dict:
    """What a delivery carries: ids and metadata, never a message's text or a card's inputs."""
    keys = {"messages": ("id", "roomId", "roomType", "personId", "personEmail", "mentionedPeople", "created"),
            "attachmentActions": ("id", "type", "messageId", "personId", "roomId", "created")}.get(resource)
    return {k: data[k] for k in keys if k in data} if keys else dict(data)


def _post(emulator: EmulatorWorld, webhook: dict, envelope: dict) -> None:
    body = json.dumps(envelope).encode()
    headers = {"Content-Type": "application/json", "User-Agent": "Webex-Emulator/1.0"}
    if webhook.get("secret"):
        headers["X-Spark-Signature"] = hmac.new(webhook["secret"].encode(), body, hashlib.sha1).hexdigest()
    delivery = Delivery(webhook["id"], webhook["targetUrl"], envelope["resource"], envelope["event"],
                        envelope, headers)
    if urlsplit(webhook["targetUrl"]).hostname not in LOOPBACK_HOSTS:
        delivery.error = "not delivered: the emulator only calls targets on this machine"
    else:
        try:
            delivery.status = requests.post(webhook["targetUrl"], data=body, headers=headers, timeout=10).status_code
        except requests.RequestException as exc:
            delivery.error = type(exc).__name__
    with emulator.delivered:
        emulator.deliveries.append(delivery)
        if delivery.status is None or not 200 <= delivery.status < 300:
            _count_failure(emulator, webhook["id"])
        emulator.delivered.notify_all()


def _count_failure(emulator: EmulatorWorld, webhook_id: str) -> None:
    """Disable a webhook after 100 failed deliveries within 5 minutes, as Webex does."""
    now = time.monotonic()
    recent = [t for t in emulator.failures.get(webhook_id, []) if now - t < DISABLE_WINDOW] + [now]
    emulator.failures[webhook_id] = recent
    if len(recent) >= DISABLE_AFTER and webhook_id in emulator.webhooks:
        emulator.webhooks[webhook_id]["status"] = "inactive"
