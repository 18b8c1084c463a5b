"""The sandbox page refuses what another web page could make a browser send, over real HTTP to a started sandbox.

A cross-site form or ``text/plain`` post, a foreign ``Origin``, ``Sec-Fetch-Site: cross-site``, a missing or
wrong token, a DNS-rebinding ``Host``: each is refused with a JSON reason, and the emulator shows nothing
happened (no meeting ended, no message, no card action). Headless Chromium on another site's page
gets the same refusals. The page's own request still works, and ``recap sandbox --host 0.0.0.0`` warns
that the page has no login.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from bot.cli.sandbox import exposure_warning, start_sandbox
from bot.config import Settings
from bot.sandbox.emulator import ADMIN_EMAIL, create_emulator
from bot.sandbox.page import TOKEN_HEADER, RendererSources, create_page_app, guard_of, is_loopback
from tests.support.browser import serve_directory, watch_page

pytest_plugins = ["tests.support.browser"]
ROOT = Path(__file__).resolve().parents[1]
ATTACKER = "http://attacker.example"
CHANGES = {"/api/rooms/<room_id>/messages", "/api/actions", "/api/meetings/end"}  # every POST of the page's API


@pytest.fixture(scope="module")
def sandbox():
    with start_sandbox(Settings(), port=0, renderer=RendererSources.resolve({}, installed=False)) as running:
        yield running


@pytest.fixture(scope="module")
def direct_room(sandbox) -> str:
    world = requests.get(sandbox.url + "api/world", timeout=10).json()
    return next(p for p in world["people"] if p["key"] == "admin")["spaces"]["direct"]


def footprint(sandbox) -> tuple:
    """What only the page's API creates: ended meetings, people's messages, card actions (bot replies excluded)."""
    state = sandbox.state
    with state.lock:
        said = sorted(m["id"] for m in state.messages.values() if m["personId"] != state.bot_id)
        return len(state.meetings), said, len(state.actions)


def own_headers(sandbox) -> dict[str, str]:
    """The headers Chromium sends with the page's own fetch: its origin, same-origin, this run's token."""
    return {"Origin": sandbox.url.rstrip("/"), "Sec-Fetch-Site": "same-origin", TOKEN_HEADER: sandbox.token}


def send(sandbox, body: str, kind: str, headers: dict[str, str], path: str = "api/meetings/end",
         ) -> requests.Response:
    """POST ``path`` with a body encoded as ``kind``: json, text (text/plain), form or multipart."""
    payload = json.loads(body)
    encoded = {"json": {"json": payload}, "form": {"data": payload},
               "multipart": {"files": {k: (None, str(v)) for k, v in payload.items()}},
               "text": {"data": body, "headers": {"Content-Type": "text/plain;charset=UTF-8", **headers}}}[kind]
    encoded.setdefault("headers", headers)
    return requests.post(sandbox.url + path, timeout=10, **encoded)


def refused(sandbox, response: requests.Response, status: int, before: tuple) -> str:
    """Assert a JSON refusal with ``status`` and that nothing changed in the emulator; return the reason."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    assert footprint(sandbox) == before
    return response.json()["error"]


CROSS_SITE = {"Origin": ATTACKER, "Sec-Fetch-Site": "cross-site"}


@pytest.mark.parametrize(("kind", "headers", "status", "reason"), [
    ("text", CROSS_SITE, 403, "cross-site"),  # fetch(url, {mode: "no-cors", method: "POST", body: "..."})
    ("form", CROSS_SITE, 403, "cross-site"),  # <form method=post action=http://127.0.0.1:8080/api/meetings/end>
    ("multipart", CROSS_SITE, 403, "cross-site"),  # the same form, enctype=multipart/form-data
    ("text", {}, 415, "JSON"),  # an old browser that sends neither header: still not JSON
    ("form", {}, 415, "JSON"),
    ("json", {"Origin": ATTACKER}, 403, ATTACKER),
    ("json", {"Origin": "null"}, 403, "null"),  # a sandboxed frame or a data: URL
    ("json", {"Sec-Fetch-Site": "cross-site"}, 403, "cross-site"),
    ("json", {"Sec-Fetch-Site": "same-site"}, 403, "same-site"),  # another port of localhost is same-site
    ("json", {}, 403, TOKEN_HEADER),
    ("json", {TOKEN_HEADER: "guessed"}, 403, TOKEN_HEADER),
])
def test_a_change_not_made_by_the_page_is_refused_and_no_meeting_ends(sandbox, kind, headers, status, reason):
    before = footprint(sandbox)
    response = send(sandbox, json.dumps({"hostEmail": ADMIN_EMAIL, "title": "Ended by another site"}), kind, headers)
    assert reason in refused(sandbox, response, status, before)
    assert not [m for m in sandbox.state.meetings.values() if m["title"] == "Ended by another site"]


# Another site's page (served from localhost, so 127.0.0.1 is cross-site to it) posts to the sandbox twice:
# a no-cors text/plain fetch (its answer is opaque), then a text/plain form, whose answer the browser shows.
ATTACK_PAGE = """<!doctype html><title>another site</title>
<form id="f" method="post" enctype="text/plain" action="{target}">
<input name='{{"title": "Ended by another site", "x": "' value='"}}'></form>
<script>
fetch("{target}", {{method: "POST", mode: "no-cors", headers: {{"Content-Type": "text/plain"}},
  body: JSON.stringify({{title: "Ended by another site"}})}}).finally(() => document.getElementById("f").submit());
</script>"""


@pytest.mark.browser
def test_a_real_browser_on_another_site_cannot_end_a_meeting(chromium, sandbox, tmp_path):
    target = sandbox.url + "api/meetings/end"
    (tmp_path / "attack.html").write_text(ATTACK_PAGE.format(target=target), encoding="utf-8")
    before = footprint(sandbox)
    with serve_directory(tmp_path) as base_url:
        page = chromium.new_page()
        watch_page(page)  # loopback only; its 403 console line is the point here, not a problem
        try:
            page.goto(base_url.replace("127.0.0.1", "localhost") + "attack.html")
            page.wait_for_url(target)
            shown = page.text_content("body")
        finally:
            page.close()
    assert "refused a cross-site request" in shown
    assert footprint(sandbox) == before


def test_the_token_and_json_alone_do_not_pass_a_foreign_origin(sandbox):
    before = footprint(sandbox)
    other_port = sandbox.url.rstrip("/").rsplit(":", 1)[0] + ":1"
    for origin in (ATTACKER, other_port, "http://localhost:" + str(sandbox.page.port) + ".attacker.example"):
        headers = {**own_headers(sandbox), "Origin": origin}
        refused(sandbox, send(sandbox, '{"title": "x"}', "json", headers), 403, before)
    text = send(sandbox, '{"title": "x"}', "text", own_headers(sandbox))  # all else right, but not JSON
    refused(sandbox, text, 415, before)


def test_every_change_of_the_page_api_is_guarded(sandbox, direct_room):
    rules = {rule.rule for rule in sandbox.page.app.url_map.iter_rules()
             if rule.methods - {"GET", "HEAD", "OPTIONS"}}
    assert rules == CHANGES  # a new endpoint that changes something: add it here, and it is checked below
    bodies = {f"api/rooms/{direct_room}/messages": {"as": "admin", "text": "help"},
              "api/actions": {"as": "admin", "messageId": "any", "inputs": {}},
              "api/meetings/end": {"title": "Ended by another site"}}
    before = footprint(sandbox)
    for path, body in bodies.items():
        for kind, headers, status in (("text", CROSS_SITE, 403), ("form", CROSS_SITE, 403), ("json", {}, 403),
                                      ("json", {TOKEN_HEADER: sandbox.token, "Origin": ATTACKER}, 403)):
            refused(sandbox, send(sandbox, json.dumps(body), kind, headers, path), status, before)


def test_the_page_own_requests_work(sandbox, direct_room):
    meetings = len(sandbox.state.meetings)
    ended = send(sandbox, '{"title": "Ended by the page"}', "json", own_headers(sandbox))
    assert ended.status_code == 201, ended.text
    assert sandbox.state.meetings[ended.json()["meeting"]["id"]]["title"] == "Ended by the page"
    said = send(sandbox, json.dumps({"as": "admin", "text": "help"}), "json", own_headers(sandbox),
                f"api/rooms/{direct_room}/messages")
    assert said.status_code == 201 and said.json()["message"]["text"] == "help"
    # A script or curl sends neither Origin nor Sec-Fetch-Site; a typed address in a browser sends "none".
    for headers in ({TOKEN_HEADER: sandbox.token}, {TOKEN_HEADER: sandbox.token, "Sec-Fetch-Site": "none"}):
        assert send(sandbox, "{}", "json", headers).status_code == 201
    port = sandbox.page.port
    by_name = {TOKEN_HEADER: sandbox.token, "Host": f"localhost:{port}", "Origin": f"http://localhost:{port}"}
    assert send(sandbox, "{}", "json", by_name).status_code == 201
    assert len(sandbox.state.meetings) == meetings + 4


def test_the_page_carries_this_runs_token(sandbox):
    page = requests.get(sandbox.url, timeout=10).text
    (token,) = re.findall(r'<meta name="recap-sandbox-token" content="([^"]+)">', page)
    assert token == sandbox.token and len(token) >= 32
    emulator = create_emulator().extensions["webex_emulator"]
    renderer = RendererSources.resolve({}, installed=False)
    apps = [create_page_app(emulator, renderer) for _ in range(2)]
    assert guard_of(apps[0]).token != guard_of(apps[1]).token  # a fresh token per run


@pytest.mark.parametrize("path", ["", "api/world", "api/meetings", "static/page.js", "files/nope", "no-such-page"])
def test_a_rebinding_host_is_refused_on_every_route(sandbox, path):
    port = sandbox.page.port
    for host in (f"attacker.example:{port}", f"127.0.0.1.attacker.example:{port}", f"127.0.0.1:{port + 1}",
                 "localhost", f"0.0.0.0:{port}"):
        response = requests.get(sandbox.url + path, headers={"Host": host}, timeout=10)
        assert response.status_code == 421 and "own address" in response.json()["error"], (host, response.text)


def test_the_loopback_names_are_the_page_own_address(sandbox):
    port = sandbox.page.port
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", f"LocalHost:{port}"):
        response = requests.get(sandbox.url, headers={"Host": host}, timeout=10)
        assert response.status_code == 200 and "<title>Recap sandbox</title>" in response.text, host


def test_a_rebinding_host_cannot_end_a_meeting_even_with_the_token(sandbox):
    before = footprint(sandbox)
    host = f"attacker.example:{sandbox.page.port}"
    headers = {TOKEN_HEADER: sandbox.token, "Host": host, "Origin": f"http://{host}", "Sec-Fetch-Site": "same-origin"}
    refused(sandbox, send(sandbox, '{"title": "Ended by a rebinding page"}', "json", headers), 421, before)


def test_a_request_without_a_host_header_is_refused(sandbox):
    connection = http.client.HTTPConnection("127.0.0.1", sandbox.page.port, timeout=10)
    try:
        connection.putrequest("GET", "/api/world", skip_host=True)  # HTTP/1.1 requires Host; no browser omits it
        connection.endheaders()
        response = connection.getresponse()
        assert response.status == 421 and "own address" in json.loads(response.read())["error"]
    finally:
        connection.close()


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.8.9.10", True), ("localhost", True), ("LOCALHOST", True), ("::1", True),
    ("[::1]", True), ("0.0.0.0", False), ("::", False), ("192.168.1.20", False), ("my-laptop.local", False),
])
def test_which_hosts_are_loopback(host, loopback):
    assert is_loopback(host) is loopback
    assert (exposure_warning(host) is None) is loopback


@pytest.mark.slow
@pytest.mark.parametrize("host", ["0.0.0.0", "127.0.0.1"])
def test_recap_sandbox_beyond_loopback_warns_that_the_page_has_no_login(tmp_path, host):
    """Bound to every interface on a free port (only loopback is ever contacted): a warning on stderr."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WEBEX_", "RECAP_", "DATABASE_", "QUEUE_"))}
    process = subprocess.Popen([sys.executable, "-c", "from bot.cli import run; run()", "sandbox", "--host", host,
                                "--port", "0"], env={**env, "PYTHONPATH": str(ROOT)}, cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        port = next((m.group(1) for line in process.stdout
                     if (m := re.search(rf"chat page:\s+http://{re.escape(host)}:(\d+)/", line))), None)
        assert port, "no chat page address in the banner"
        page = requests.get(f"http://127.0.0.1:{port}/", timeout=10)
        assert page.status_code == 200 and "<title>Recap sandbox</title>" in page.text
        assert requests.get(f"http://127.0.0.1:{port}/", headers={"Host": f"{host}:{port}"}, timeout=10).ok
        foreign = requests.get(f"http://127.0.0.1:{port}/", headers={"Host": f"192.0.2.7:{port}"}, timeout=10)
        assert foreign.status_code == 421  # another address of this machine is not the one given
    finally:
        process.send_signal(signal.SIGTERM)
        _, errors = process.communicate(timeout=20)
    assert process.returncode == 0 and "Traceback" not in errors, errors
    if host == "0.0.0.0":
        assert "has no login" in errors and "anyone who can reach it can drive the bot" in errors
    else:
        assert "WARNING" not in errors and "no login" not in errors
