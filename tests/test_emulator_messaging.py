"""Messaging endpoints of the emulator over HTTP: posting (JSON, multipart via the SDK), limits, visibility."""

from __future__ import annotations

import pytest
import requests

from bot.sandbox.emulator import (
    ADMIN_EMAIL,
    BOT_EMAIL,
    GROUP_ROOM_TITLE,
    SANDBOX_ADMIN_TOKEN,
    SANDBOX_BOT_TOKEN,
    USER_EMAIL,
)
from bot.webex import Messaging

BOT = {"Authorization": f"Bearer {SANDBOX_BOT_TOKEN}"}
ADMIN = {"Authorization": f"Bearer {SANDBOX_ADMIN_TOKEN}"}
CARD = {"contentType": "application/vnd.microsoft.card.adaptive",
        "content": {"type": "AdaptiveCard", "version": "1.3", "body": [],
                    "actions": [{"type": "Action.Submit", "title": "Show polls",
                                 "data": {"view": "polls", "archiveId": "X_R_1"}}]}}


def post(server, body, headers=BOT):
    return requests.post(server.api_url + "messages", json=body, headers=headers, timeout=10)


def group_room(state):
    return next(r["id"] for r in state.rooms.values() if r["title"] == GROUP_ROOM_TITLE)


def test_sdk_uploads_one_local_file_as_multipart(emulator, emulator_settings, tmp_path):
    server, state = emulator
    room = state.direct_room(ADMIN_EMAIL, BOT_EMAIL)["id"]
    export = tmp_path / "attendance.csv"
    export.write_bytes("name,minutes\nZoë,42\n".encode())
    api = Messaging.for_settings(emulator_settings).api
    message = api.messages.create(roomId=room, text="Your export", files=[str(export)])
    [call] = state.calls("POST", "messages")
    assert call.headers["Content-Type"].startswith("multipart/form-data") and call.form["roomId"] == room
    assert message.text == "Your export" and len(message.files) == 1
    download = requests.get(message.files[0], headers=BOT, timeout=10)
    assert download.content == export.read_bytes() and 'filename="attendance.csv"' in download.headers[
        "Content-Disposition"]


def test_multipart_with_two_files_is_refused(emulator):
    server, state = emulator
    room = state.direct_room(ADMIN_EMAIL, BOT_EMAIL)["id"]
    answer = requests.post(server.api_url + "messages", data={"roomId": room}, headers=BOT, timeout=10,
                           files=[("files", ("a.txt", b"a")), ("files", ("b.txt", b"b"))])
    assert answer.status_code == 400


@pytest.mark.parametrize("field", ["text", "markdown"])
def test_text_and_markdown_are_limited_to_7439_bytes(emulator, field):
    server, state = emulator
    room = state.direct_room(ADMIN_EMAIL, BOT_EMAIL)["id"]
    fits = "é" * 3719 + "a"  # 7439 bytes in UTF-8, only 3720 characters
    assert post(server, {"roomId": room, field: fits}).status_code == 200
    assert post(server, {"roomId": room, field: fits + "a"}).status_code == 400


@pytest.mark.parametrize("body", [
    {"text": "x", "attachments": [CARD, CARD]},
    {"text": "x", "attachments": [{**CARD, "contentType": "text/html"}]},
    {"text": "x", "files": ["https://example.com/a.png", "https://example.com/b.png"]},
    {},
    {"text": "x", "parentId": "no-such-message"},
])
def test_malformed_messages_are_400(emulator, body):
    server, state = emulator
    assert post(server, {"roomId": state.direct_room(ADMIN_EMAIL, BOT_EMAIL)["id"], **body}).status_code == 400


def test_one_target_only_and_direct_messages_use_the_1_to_1_room(emulator):
    server, state = emulator
    room = state.direct_room(USER_EMAIL, BOT_EMAIL)["id"]
    answer = post(server, {"toPersonEmail": USER_EMAIL, "text": "hi"}).json()
    assert answer["roomId"] == room and answer["roomType"] == "direct" and answer["toPersonEmail"] == USER_EMAIL
    assert post(server, {"roomId": room, "toPersonEmail": USER_EMAIL, "text": "hi"}).status_code == 400
    assert post(server, {"toPersonEmail": "stranger@elsewhere.example", "text": "hi"}).status_code == 404


def test_threads_allow_one_level_of_replies(emulator):
    server, state = emulator
    room = state.direct_room(ADMIN_EMAIL, BOT_EMAIL)["id"]
    root = post(server, {"roomId": room, "text": "root"}).json()
    reply = post(server, {"roomId": room, "text": "reply", "parentId": root["id"]}).json()
    assert reply["parentId"] == root["id"]
    assert post(server, {"roomId": room, "text": "nested", "parentId": reply["id"]}).status_code == 400


def test_a_bot_in_a_group_sees_only_what_mentions_it(emulator):
    server, state = emulator
    room = group_room(state)
    plain = state.post_as(ADMIN_EMAIL, room, "lunch anyone?")
    mention = state.post_as(ADMIN_EMAIL, room, "@Recap summary X_R_1")
    assert mention["text"] == "Recap summary X_R_1" and mention["mentionedPeople"] == [state.bot_id]
    assert f'data-object-id="{state.bot_id}">Recap</spark-mention>' in mention["html"]
    get = lambda m, h: requests.get(server.api_url + f"messages/{m['id']}", headers=h, timeout=10)  # noqa: E731
    assert (get(plain, BOT).status_code, get(mention, BOT).status_code) == (404, 200)
    assert get(plain, ADMIN).status_code == 200
    listing = requests.get(server.api_url + "messages", params={"roomId": room}, headers=BOT, timeout=10)
    assert listing.status_code == 403
    mine = requests.get(server.api_url + "messages", params={"roomId": room, "mentionedPeople": "me"},
                        headers=BOT, timeout=10).json()["items"]
    assert [m["id"] for m in mine] == [mention["id"]]


def test_message_list_pages_newest_first_keeping_its_parameters(emulator):
    server, state = emulator
    room = state.direct_room(ADMIN_EMAIL, BOT_EMAIL)["id"]
    sent = [post(server, {"roomId": room, "text": f"m{i}"}).json()["id"] for i in range(5)]
    url, params, seen = server.api_url + "messages", {"roomId": room, "max": 2}, []
    while url:
        answer = requests.get(url, params=params, headers=BOT, timeout=10)
        seen += [m["id"] for m in answer.json()["items"]]
        url, params = answer.links.get("next", {}).get("url"), None
        assert url is None or ("roomId=" in url and "max=2" in url and "beforeMessage=" in url)
    assert seen == sent[::-1]


def test_card_submission_merges_the_action_data_with_the_inputs(emulator):
    server, state = emulator
    room = state.direct_room(ADMIN_EMAIL, BOT_EMAIL)["id"]
    card = post(server, {"roomId": room, "text": "card", "attachments": [CARD]}).json()
    action = state.submit_card(ADMIN_EMAIL, card["id"], {"view": "qa", "note": "typed"}, action_title="Show polls")
    fetched = requests.get(server.api_url + f"attachment/actions/{action['id']}", headers=BOT, timeout=10).json()
    assert fetched["inputs"] == {"view": "qa", "archiveId": "X_R_1", "note": "typed"}
    assert (fetched["type"], fetched["messageId"], fetched["roomId"]) == ("submit", card["id"], room)
    with pytest.raises(ValueError):
        state.submit_card(ADMIN_EMAIL, post(server, {"roomId": room, "text": "no card"}).json()["id"], {})
