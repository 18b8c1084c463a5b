"""``recap sandbox`` end to end over real HTTP: the page's API posts as a person, the emulator delivers the
signed webhook, the bot (with its embedded consumer) answers through the API, and the page's API shows it."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time

import pytest
import requests

from bot.cli.sandbox import WEBHOOK_PATH, start_sandbox
from bot.config import Settings
from bot.errors import ConfigError
from bot.sandbox.emulator import ADMIN_EMAIL, BOT_EMAIL, SANDBOX_ADMIN_TOKEN, SANDBOX_BOT_TOKEN
from bot.sandbox.page import TOKEN_HEADER, serve_page
from bot.sandbox.page.scripts import _SCRIPTS, RendererSources
from tests.support.bot_rig import nodes_of
from tests.support.npm_registry import NODE_MODULES

EXAMPLE = "4E3254897D3A2E24E05386CA24AD93A6_R_1000637312"
GENERATED_TITLES = {"Weekly sync", "Quarterly all-hands 📣", 'Design review: "Q3" <b>plan</b>',
                    "مراجعة المشروع الأسبوعية", "Customer workshop"}


@pytest.fixture(scope="module")
def sandbox():
    """One sandbox for the module (tests use their own threads, so they do not see each other's replies)."""
    with start_sandbox(Settings(), port=0, renderer=RendererSources.resolve({}, installed=False)) as running:
        yield running


@pytest.fixture(scope="module")
def world(sandbox) -> dict:
    return requests.get(sandbox.url + "api/world", timeout=10).json()


def room(world: dict, who: str, space: str) -> str:
    return next(p for p in world["people"] if p["key"] == who)["spaces"][space]


def post(sandbox, path: str, body: dict) -> requests.Response:
    """A change through the page's API, as the page's script makes it (JSON, with this run's token)."""
    return requests.post(sandbox.url + path, json=body, headers={TOKEN_HEADER: sandbox.token}, timeout=10)


def say(sandbox, room_id: str, text: str, *, who: str = "admin") -> dict:
    """Post through the page's API and return the stored message."""
    response = post(sandbox, f"api/rooms/{room_id}/messages", {"as": who, "text": text})
    assert response.status_code == 201, response.text
    return response.json()["message"]


def replies(sandbox, room_id: str, parent_id: str, count: int = 1, *, who: str = "admin") -> list[dict]:
    """The bot's replies in the thread of ``parent_id``, as the page sees them (polled until ``count`` arrived)."""
    deadline = time.monotonic() + 15
    while True:
        messages = requests.get(f"{sandbox.url}api/rooms/{room_id}/messages", params={"as": who}, timeout=10).json()
        found = [m for m in messages["messages"] if m["parentId"] == parent_id and m["person"]["isBot"]]
        if len(found) >= count or time.monotonic() > deadline:
            assert len(found) >= count, f"no reply to {parent_id} within 15 s"
            return found
        time.sleep(0.05)


def card_text(message: dict) -> str:
    return json.dumps(message["card"], ensure_ascii=False)


def test_help_then_summary_as_the_admin_in_the_1to1(sandbox, world):
    direct = room(world, "admin", "direct")
    help_message = say(sandbox, direct, "help")
    (help_card,) = replies(sandbox, direct, help_message["id"])
    assert help_card["person"]["email"] == BOT_EMAIL and "What I can do" in card_text(help_card)

    summary = say(sandbox, direct, f"summary {EXAMPLE}")
    (recap,) = replies(sandbox, direct, summary["id"])
    assert "Marcos Alonso's Personal Room" in card_text(recap)
    assert "marcos@example.com" in card_text(recap)  # the full view: a 1:1 with an authorised admin


def test_an_ordinary_user_is_refused_and_nothing_is_fetched(sandbox, world):
    archive_calls = len(sandbox.state.calls("GET", "recordingReport"))
    direct = room(world, "user", "direct")
    message = say(sandbox, direct, f"summary {EXAMPLE}", who="user")
    (refusal,) = replies(sandbox, direct, message["id"], who="user")
    assert "Sorry, this is for administrators" in card_text(refusal)
    assert len(sandbox.state.calls("GET", "recordingReport")) == archive_calls


def test_the_group_space_mentions_the_bot_and_gets_the_privacy_view(sandbox, world):
    group = room(world, "admin", "group")
    message = say(sandbox, group, f"summary {EXAMPLE}")
    stored = sandbox.state.messages[message["id"]]
    assert stored["text"] == f"Recap summary {EXAMPLE}" and sandbox.state.bot_id in stored["mentionedPeople"]
    assert f'data-object-id="{sandbox.state.bot_id}"' in stored["html"]
    assert message["mentionsBot"]
    (recap,) = replies(sandbox, group, message["id"])
    assert "Marcos Alonso's Personal Room" in card_text(recap) and "@example.com" not in card_text(recap)
    # Typing the mention yourself does not add a second one.
    again = say(sandbox, group, "@Recap help")
    assert sandbox.state.messages[again["id"]]["text"] == "Recap help"


def test_a_card_button_creates_an_attachment_action_and_the_detail_card_arrives(sandbox, world):
    direct = room(world, "admin", "direct")
    message = say(sandbox, direct, f"summary {EXAMPLE}")
    (recap,) = replies(sandbox, direct, message["id"])
    pressed = post(sandbox, "api/actions", {
        "as": "admin", "messageId": recap["id"], "inputs": {"action": "attendance", "archiveId": EXAMPLE}})
    assert pressed.status_code == 201, pressed.text
    action = sandbox.state.actions[pressed.json()["action"]["id"]]
    assert action["inputs"] == {"action": "attendance", "archiveId": EXAMPLE}
    assert action["personId"] == sandbox.state.person_by_email(ADMIN_EMAIL)["id"]
    _, detail = replies(sandbox, direct, message["id"], count=2)
    assert detail["card"]["body"] != recap["card"]["body"] and "Antoine Griezmann" in card_text(detail)


def test_archives_without_dates_lists_the_seeded_meetings(sandbox, world):
    direct = room(world, "admin", "direct")
    message = say(sandbox, direct, "archives")
    (picker,) = replies(sandbox, direct, message["id"])
    assert set(_meetings(picker["card"]).values()) == GENERATED_TITLES  # the 2022 example: outside the last 30 days
    older = say(sandbox, direct, "archives 2022-11-01 2022-11-30")
    (month,) = replies(sandbox, direct, older["id"])
    assert list(_meetings(month["card"])) == [EXAMPLE]


def _meetings(card: dict) -> dict[str, str]:
    """The picker's meetings (a row with its own Recap button each, up to five): archive id → title as shown."""
    found = {}
    for row in card["body"]:
        if row.get("type") == "ColumnSet":
            about, button = row["columns"]
            (submit,) = button["items"][0]["actions"]
            title = re.sub(r"\\(.)", r"\1", about["items"][0]["text"]).strip("\u2068\u2069")
            found[submit["data"]["archiveId"]] = title
    assert found, card
    return found


def test_an_export_is_a_file_the_page_serves_as_a_download(sandbox, world):
    direct = room(world, "admin", "direct")
    message = say(sandbox, direct, f"export {EXAMPLE} csv")
    (reply,) = replies(sandbox, direct, message["id"])
    (file,) = reply["files"]
    assert file["name"].endswith(".csv") and not file["url"].startswith(("/", "http"))
    download = requests.get(sandbox.url + file["url"], timeout=10)
    assert download.status_code == 200 and download.headers["Content-Disposition"].startswith("attachment;")
    assert "Antoine Griezmann" in download.text


def test_the_bot_registered_its_webhooks_through_the_api_with_its_token(sandbox):
    hooks = sorted(sandbox.state.webhooks.values(), key=lambda hook: hook["resource"])
    assert [(h["resource"], h["event"], h["ownedBy"]) for h in hooks] == [
        ("attachmentActions", "created", "creator"), ("meetings", "ended", "org"), ("messages", "created", "creator")]
    assert {h["targetUrl"] for h in hooks} == {sandbox.bot.url + WEBHOOK_PATH}
    assert all(h["secret"] == str(sandbox.settings.webhook_secret) for h in hooks)
    admin_id = sandbox.state.person_by_email(ADMIN_EMAIL)["id"]
    assert [h["createdBy"] for h in hooks] == [sandbox.state.bot_id, admin_id, sandbox.state.bot_id]
    # named as `recap webhooks sync` names them, so a later sync recognises them as Recap's own
    assert {h["name"] for h in hooks} == {"recap: messages/created", "recap: attachmentActions/created",
                                          "recap: meetings/ended"}
    assert [c.action for c in sandbox.webhooks] == ["created"] * 3
    calls = sandbox.state.calls("POST", "webhooks")
    # The bot's own webhooks with the bot token; the org's meetings/ended one with the admin token.
    assert sorted(call.headers["Authorization"] for call in calls) == sorted(
        [f"Bearer {SANDBOX_BOT_TOKEN}"] * 2 + [f"Bearer {SANDBOX_ADMIN_TOKEN}"])
    assert sandbox.settings.admins == (ADMIN_EMAIL,) and sandbox.settings.database_url.startswith("sqlite:///")


def test_the_page_api_refuses_what_a_person_could_not_do(sandbox, world):
    url, admin_direct, user_direct = sandbox.url, room(world, "admin", "direct"), room(world, "user", "direct")
    messages = f"api/rooms/{admin_direct}/messages"
    assert post(sandbox, messages, {"as": "root", "text": "help"}).status_code == 400
    assert post(sandbox, messages, {"as": "user", "text": "help"}).status_code == 404  # someone else's 1:1
    assert requests.get(f"{url}api/rooms/{user_direct}/messages", params={"as": "admin"}, timeout=10).status_code == 404
    assert post(sandbox, messages, {"as": "admin", "text": "  "}).status_code == 400
    assert post(sandbox, messages, {"as": "admin", "text": "x" * 8000}).status_code == 400
    assert post(sandbox, "api/actions", {"as": "admin", "messageId": "nope", "inputs": {}}).status_code == 400
    assert requests.get(f"{url}files/nope", timeout=10).status_code == 404
    assert requests.get(f"{url}vendor/adaptivecards.min.js", timeout=10).status_code == 404  # the CDN is used


def test_the_page_loads_the_renderer_from_the_pinned_cdn_when_no_copy_is_configured(sandbox, world):
    page = requests.get(sandbox.url, timeout=10)
    assert page.status_code == 200 and "<title>Recap sandbox</title>" in page.text
    for script in sandbox.renderer.scripts:
        assert f'src="{script.cdn_url}" integrity="{script.integrity}" crossorigin="anonymous"' in page.text
        assert script.cdn_url.startswith("https://unpkg.com/")
    assert "script-src 'self' https://unpkg.com;" in page.headers["Content-Security-Policy"]
    assert world["examples"][0]["command"] == "help" and any(EXAMPLE in e["command"] for e in world["examples"])
    assert {a["title"] for a in world["archives"]} == GENERATED_TITLES | {"Marcos Alonso's Personal Room"}


def test_a_configured_renderer_copy_is_served_by_the_page(tmp_path):
    from bot.sandbox.emulator import create_emulator
    from bot.sandbox.page import create_page_app

    (tmp_path / "ac.js").write_text("window.AdaptiveCards = {};", encoding="utf-8")
    renderer = RendererSources.resolve({"RECAP_ADAPTIVECARDS_JS": str(tmp_path / "ac.js")}, installed=False)
    assert renderer.describe() == f"local copy {tmp_path / 'ac.js'}"
    app = create_page_app(create_emulator().extensions["webex_emulator"], renderer)
    with serve_page(app, "127.0.0.1", 0) as server:
        page = requests.get(server.url + "/", timeout=10).text
        assert '<script src="vendor/adaptivecards.min.js" defer>' in page
        script = requests.get(server.url + "/vendor/adaptivecards.min.js", timeout=10)
        assert script.text == "window.AdaptiveCards = {};" and "javascript" in script.headers["Content-Type"]
    with pytest.raises(ConfigError, match="RECAP_ADAPTIVECARDS_JS"):
        RendererSources.resolve({"RECAP_ADAPTIVECARDS_JS": str(tmp_path / "missing.js")})


def test_the_cdn_pins_match_the_renderer_the_tests_use():
    """The CDN URL's version and integrity hash are those of the npm copy the browser tests render with."""
    for script, (_, _, package, _) in zip(RendererSources.resolve({}, installed=False).scripts, _SCRIPTS, strict=True):
        npm_copy = NODE_MODULES / package / "dist" / script.name
        if not npm_copy.is_file():
            pytest.skip("tests/renderer/node_modules is not installed (.ci/install-browser)")
        version = json.loads((npm_copy.parents[1] / "package.json").read_text(encoding="utf-8"))["version"]
        assert f"@{version}/dist/{script.name}" in script.cdn_url
        digest = base64.b64encode(hashlib.sha384(npm_copy.read_bytes()).digest()).decode()
        assert script.integrity == f"sha384-{digest}"


def test_stopping_removes_the_sandbox_folder():
    running = start_sandbox(Settings(), port=0, renderer=RendererSources.resolve({}, installed=False))
    folder = running.data_dir
    assert (folder / "recap.db").is_file()
    running.stop()
    assert not folder.exists()


def test_a_generated_meetings_summary_shows_every_insight_in_the_1to1(sandbox, world):
    """Issue 13's sandbox check: the AI summary, action items, speakers with bars, recording and no-shows."""
    direct = room(world, "admin", "direct")
    listed = say(sandbox, direct, "archives")
    (picker,) = replies(sandbox, direct, listed["id"])
    weekly = next(archive for archive, title in _meetings(picker["card"]).items() if title == "Weekly sync")
    asked = say(sandbox, direct, f"summary {weekly}")
    (recap,) = replies(sandbox, direct, asked["id"])
    card, shown = recap["card"], card_text(recap)
    for heading in ("Summary", "Action items", "Who spoke", "invited, never came"):
        assert heading in shown, heading
    bars = [n for n in nodes_of(card) if n.get("type") == "ColumnSet" and n.get("columns") and
            all("width" in c for c in n["columns"]) and any(c.get("style") == "accent" for c in n["columns"])]
    assert len(bars) >= 2  # native bars of each speaker's share (and the polls')
    (recording,) = [a for a in nodes_of(card) if a.get("type") == "Action.OpenUrl" and a.get("title") == "Recording"]
    assert recording["url"].startswith("https://")
    assert "not available" not in shown  # the sandbox has both credentials: every source came

