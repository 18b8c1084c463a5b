"""Webhooks in the emulator: the CRUD rules, and signed deliveries to a small receiver served in a thread."""

from __future__ import annotations

import json
import time

import pytest
import requests
from flask import Flask, request

from bot.sandbox.emulator import (
    ADMIN_EMAIL,
    BOT_EMAIL,
    GROUP_ROOM_TITLE,
    SANDBOX_ADMIN_TOKEN,
    SANDBOX_BOT_TOKEN,
    SANDBOX_COMPLIANCE_TOKEN,
    SANDBOX_USER_TOKEN,
)
from bot.sandbox.server import serve_in_thread
from bot.webex import sign, verify_signature

SECRET = "receiver-secret"
ENVELOPE_KEYS = {"id", "name", "targetUrl", "resource", "event", "orgId", "createdBy", "appId", "ownedBy", "status",
                 "created", "actorId", "data"}
CARD = {"contentType": "application/vnd.microsoft.card.adaptive",
        "content": {"type": "AdaptiveCard", "version": "1.3", "body": [],
                    "actions": [{"type": "Action.Submit", "title": "Go", "data": {"view": "qa"}}]}}


def auth(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def receiver():
    """A webhook target that records each raw delivery and answers ``receiver.status``."""
    app = Flask("receiver")
    app.received, app.status = [], 200

    @app.post("/hook")
    def hook():
        app.received.append((dict(request.headers), request.get_data()))
        return "", app.status

    with serve_in_thread(app) as server:
        server.hook_url = server.url + "/hook"
        yield server


def register(server, token, target, **extra):
    body = {"name": "recap", "targetUrl": target, "resource": "messages", "event": "created", "secret": SECRET}
    answer = requests.post(server.api_url + "webhooks", json={**body, **extra}, headers=auth(token), timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_put_changes_only_name_target_secret_and_status(emulator):
    server, _ = emulator
    hook = register(server, SANDBOX_BOT_TOKEN, "https://a.example.com/w")
    changed = requests.put(server.api_url + f"webhooks/{hook['id']}", headers=auth(SANDBOX_BOT_TOKEN), timeout=10,
                           json={"name": "new", "targetUrl": "https://b.example.com/w", "secret": "other",
                                 "resource": "rooms", "event": "deleted", "status": "active"}).json()
    assert (changed["name"], changed["targetUrl"], changed["secret"]) == ("new", "https://b.example.com/w", "other")
    assert (changed["resource"], changed["event"], changed["created"]) == ("messages", "created", hook["created"])


@pytest.mark.parametrize("token, extra, status", [
    (SANDBOX_ADMIN_TOKEN, {"ownedBy": "org", "resource": "meetings", "event": "ended"}, 200),
    (SANDBOX_COMPLIANCE_TOKEN, {"ownedBy": "org"}, 403),
    (SANDBOX_USER_TOKEN, {"ownedBy": "org"}, 403),
    (SANDBOX_BOT_TOKEN, {"resource": "meetings", "event": "ended"}, 403),
    (SANDBOX_ADMIN_TOKEN, {"resource": "meetings", "event": "ended", "filter": "hostEmail=a@example.com"}, 400),
    (SANDBOX_BOT_TOKEN, {"ownedBy": "everyone"}, 400),
    (SANDBOX_BOT_TOKEN, {"targetUrl": "ftp://x"}, 400),
])
def test_who_may_create_which_webhook(emulator, token, extra, status):
    server, _ = emulator
    body = {"name": "n", "targetUrl": "https://x.example.com/w", "resource": "messages", "event": "created", **extra}
    assert requests.post(server.api_url + "webhooks", json=body, headers=auth(token), timeout=10).status_code == status


def test_listing_shows_own_webhooks_or_the_orgs_and_pages(emulator):
    server, _ = emulator
    mine = [register(server, SANDBOX_BOT_TOKEN, f"https://x.example.com/{i}")["id"] for i in range(3)]
    org = register(server, SANDBOX_ADMIN_TOKEN, "https://o.example.com/w", ownedBy="org", resource="meetings",
                   event="ended")
    first = requests.get(server.api_url + "webhooks", params={"max": 2}, headers=auth(SANDBOX_BOT_TOKEN), timeout=10)
    second = requests.get(first.links["next"]["url"], headers=auth(SANDBOX_BOT_TOKEN), timeout=10)
    assert [w["id"] for w in first.json()["items"] + second.json()["items"]] == mine
    org_list = requests.get(server.api_url + "webhooks", params={"ownedBy": "org"}, headers=auth(SANDBOX_ADMIN_TOKEN),
                            timeout=10).json()["items"]
    assert [w["id"] for w in org_list] == [org["id"]]


def test_a_person_message_is_delivered_signed_with_ids_only(emulator, receiver):
    server, state = emulator
    hook = register(server, SANDBOX_BOT_TOKEN, receiver.hook_url)
    message = state.post_as(ADMIN_EMAIL, state.direct_room(ADMIN_EMAIL, BOT_EMAIL)["id"], "summary X_R_1")
    [delivery] = state.wait_for_deliveries(1)
    headers, raw = receiver.app.received[0]
    envelope = json.loads(raw)
    assert set(envelope) == ENVELOPE_KEYS and delivery.status == 200
    assert (envelope["id"], envelope["resource"], envelope["event"]) == (hook["id"], "messages", "created")
    assert envelope["actorId"] == message["personId"] and envelope["status"] == "active"
    assert envelope["data"]["id"] == message["id"] and "text" not in envelope["data"]
    assert headers["X-Spark-Signature"] == sign(SECRET, raw)
    assert verify_signature(SECRET, raw, headers["X-Spark-Signature"])


def test_group_messages_reach_the_bot_only_when_they_mention_it(emulator, receiver):
    server, state = emulator
    register(server, SANDBOX_BOT_TOKEN, receiver.hook_url, filter="mentionedPeople=me")
    room = next(r["id"] for r in state.rooms.values() if r["title"] == GROUP_ROOM_TITLE)
    state.post_as(ADMIN_EMAIL, room, "not for the bot")
    mention = state.post_as(ADMIN_EMAIL, room, "@Recap help")
    state.wait_for_deliveries(1)
    time.sleep(0.3)  # room for a wrong second delivery to show up; none may
    assert [json.loads(raw)["data"]["id"] for _, raw in receiver.app.received] == [mention["id"]]
    assert json.loads(receiver.app.received[0][1])["data"]["mentionedPeople"] == [state.bot_id]


def test_the_bots_own_posts_fire_its_webhook_too(emulator, receiver):
    server, state = emulator
    register(server, SANDBOX_BOT_TOKEN, receiver.hook_url)
    posted = requests.post(server.api_url + "messages", json={"toPersonEmail": ADMIN_EMAIL, "text": "hello"},
                           headers=auth(SANDBOX_BOT_TOKEN), timeout=10).json()
    [delivery] = state.wait_for_deliveries(1)
    assert delivery.body["actorId"] == state.bot_id and delivery.body["data"]["id"] == posted["id"]


def test_card_submissions_are_delivered_and_readable(emulator, receiver):
    server, state = emulator
    register(server, SANDBOX_BOT_TOKEN, receiver.hook_url, resource="attachmentActions")
    card = requests.post(server.api_url + "messages", headers=auth(SANDBOX_BOT_TOKEN), timeout=10,
                         json={"toPersonEmail": ADMIN_EMAIL, "text": "card", "attachments": [CARD]}).json()
    action = state.submit_card(ADMIN_EMAIL, card["id"], {}, action_title="Go")
    [delivery] = state.wait_for_deliveries(1)
    assert delivery.body["resource"] == "attachmentActions" and delivery.body["data"]["id"] == action["id"]
    assert "inputs" not in delivery.body["data"]
    fetched = requests.get(server.api_url + f"attachment/actions/{action['id']}", headers=auth(SANDBOX_BOT_TOKEN),
                           timeout=10).json()
    assert fetched["inputs"] == {"view": "qa"}


def test_100_failed_deliveries_disable_a_webhook_until_put_active(emulator, receiver):
    server, state = emulator
    receiver.app.status = 500
    hook = register(server, SANDBOX_BOT_TOKEN, receiver.hook_url)
    room = state.direct_room(ADMIN_EMAIL, BOT_EMAIL)["id"]
    for i in range(100):
        state.post_as(ADMIN_EMAIL, room, f"m{i}")
    assert len(state.wait_for_deliveries(100, timeout=20)) == 100
    url = server.api_url + f"webhooks/{hook['id']}"
    assert requests.get(url, headers=auth(SANDBOX_BOT_TOKEN), timeout=10).json()["status"] == "inactive"
    revived = requests.put(url, json={"name": "recap", "targetUrl": receiver.hook_url, "status": "active"},
                           headers=auth(SANDBOX_BOT_TOKEN), timeout=10).json()
    assert revived["status"] == "active"


def test_people_act_over_the_control_endpoints_too(emulator, receiver):
    server, state = emulator
    register(server, SANDBOX_BOT_TOKEN, receiver.hook_url)
    room = state.direct_room(ADMIN_EMAIL, BOT_EMAIL)["id"]
    message = requests.post(server.url + "/_emulator/messages", timeout=10,
                            json={"personEmail": ADMIN_EMAIL, "roomId": room, "text": "archives"}).json()
    assert state.messages[message["id"]]["text"] == "archives"
    state.wait_for_deliveries(1)
    deliveries = requests.get(server.url + "/_emulator/deliveries", timeout=10).json()
    assert deliveries[0]["status"] == 200 and deliveries[0]["body"]["data"]["id"] == message["id"]
    missing = requests.post(server.url + "/_emulator/messages", timeout=10,
                            json={"personEmail": "nobody@example.com", "roomId": room, "text": "x"})
    assert missing.status_code == 404


def test_targets_off_this_machine_are_never_called(emulator):
    server, state = emulator
    register(server, SANDBOX_BOT_TOKEN, "https://bot.example.com/webex")
    state.post_as(ADMIN_EMAIL, state.direct_room(ADMIN_EMAIL, BOT_EMAIL)["id"], "help")
    [delivery] = state.wait_for_deliveries(1)
    assert delivery.status is None and "only calls targets on this machine" in delivery.error
