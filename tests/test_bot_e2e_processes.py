"""The real process layouts: ``recap serve`` (web and consumer in one process) and ``recap worker`` beside a web app."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from bot.sandbox.emulator import ADMIN_EMAIL, BOT_EMAIL, SANDBOX_ADMIN_TOKEN, SANDBOX_BOT_TOKEN
from tests.support.bot_rig import EXAMPLE_ARCHIVE, SECRET, WEBHOOK_PATH, card_text, running_rig

ROOT = Path(__file__).resolve().parent.parent


def recap_process(args: list[str], env: dict, cwd: Path) -> subprocess.Popen:
    """Run the ``recap`` command line in a child process (from a folder without a ``.env``)."""
    code = f"import sys; sys.path.insert(0, {str(ROOT)!r}); from bot.cli import run; sys.argv[0] = 'recap'; run()"
    return subprocess.Popen([sys.executable, "-c", code, *args], env=env, cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def bot_environment(api_url: str, database_url: str, queue_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WEBEX_", "RECAP_", "DATABASE_", "QUEUE_"))}
    env.update(WEBEX_BOT_TOKEN=SANDBOX_BOT_TOKEN, WEBEX_ADMIN_TOKEN=SANDBOX_ADMIN_TOKEN, WEBEX_WEBHOOK_SECRET=SECRET,
               WEBEX_API_URL=api_url, RECAP_ADMINS=ADMIN_EMAIL, DATABASE_URL=database_url, QUEUE_URL=queue_url)
    return env


def until(condition, timeout: float = 20.0, step: float = 0.05):
    """Poll ``condition`` until it returns something truthy (a child process has no event to wait on)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"condition not met within {timeout}s")


def stop(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bot_replies(state) -> list[dict]:
    return [m for m in list(state.messages.values()) if m["personEmail"] == BOT_EMAIL]


@pytest.mark.slow
def test_recap_serve_answers_through_its_embedded_consumer(tmp_path, emulator):
    server, state = emulator
    port = free_port()
    env = bot_environment(server.api_url, f"sqlite:///{tmp_path / 'recap.db'}", f"sqlite:///{tmp_path / 'q.db'}")
    process = recap_process(["serve", "--port", str(port), "--threads", "4"], env, tmp_path)
    try:
        base = f"http://127.0.0.1:{port}"
        until(lambda: process.poll() is not None or _healthy(base))
        assert process.poll() is None, "recap serve exited early"
        requests.post(server.api_url + "webhooks", headers={"Authorization": f"Bearer {SANDBOX_BOT_TOKEN}"},
                      json={"name": "recap", "targetUrl": base + WEBHOOK_PATH, "resource": "messages",
                            "event": "created", "secret": SECRET}, timeout=10).raise_for_status()
        message = state.post_as(ADMIN_EMAIL, state.direct_room(ADMIN_EMAIL, BOT_EMAIL)["id"],
                                f"summary {EXAMPLE_ARCHIVE}")
        (reply,) = until(lambda: bot_replies(state))
        assert reply["parentId"] == message["id"]
        assert "Marcos Alonso's Personal Room" in card_text(reply)
    finally:
        output = stop(process)
    assert "Traceback" not in output, output


def _healthy(base: str) -> bool:
    try:
        return requests.get(base + "/healthz", timeout=1).status_code == 200
    except requests.ConnectionError:
        return False


@pytest.mark.slow
def test_recap_worker_runs_the_jobs_a_web_process_queued(tmp_path, emulator):
    server, state = emulator
    with running_rig(tmp_path, server) as rig:
        env = bot_environment(server.api_url, rig.settings.database_url, rig.settings.queue_url)
        process = recap_process(["worker", "--workers", "1"], env, tmp_path)
        try:
            message = rig.say("help")
            (reply,) = until(lambda: bot_replies(state))
            assert reply["parentId"] == message["id"] and "What I can do" in card_text(reply)
            process.send_signal(signal.SIGUSR1)  # an operator asking where a stuck worker is stuck
            time.sleep(0.5)
            assert process.poll() is None, "SIGUSR1 must not stop the worker"
        finally:
            output = stop(process)
    assert "Traceback" not in output, output
    dump = output[output.index("(most recent call first)"):]
    assert "Thread 0x" in dump and "huey/consumer.py" in dump, output  # every thread, the consumer's among them
