"""``recap run`` without a bot token and ``recap sandbox`` as real processes: they print the page's address, serve."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from bot.sandbox.emulator import SANDBOX_BOT_TOKEN

ROOT = Path(__file__).resolve().parents[1]


def start(args: list[str], cwd: Path, **settings: str) -> subprocess.Popen:
    """The ``recap`` command line in a child process, with only ``settings`` for Webex and Recap in its environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WEBEX_", "RECAP_", "DATABASE_", "QUEUE_"))}
    # Should the sandbox find no renderer copy and run npm, npm meets a closed loopback port, never the internet.
    env["npm_config_registry"] = "http://127.0.0.1:9/"
    env.update(settings, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-c", "from bot.cli import run; run()", *args], env=env, cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def page_url(process: subprocess.Popen) -> str:
    """Read the banner up to the chat page's address (the process prints it once everything is up)."""
    seen = []
    for line in process.stdout:
        seen.append(line)
        match = re.search(r"chat page:\s+(http://127\.0\.0\.1:\d+/)", line)
        if match:
            return match.group(1)
    raise AssertionError("no chat page address in: " + "".join(seen))


def test_recap_run_without_a_bot_token_starts_the_sandbox(tmp_path):
    process = start(["run", "--port", "0"], tmp_path)
    try:
        url = page_url(process)
        page = requests.get(url, timeout=10)
        assert page.status_code == 200 and "<title>Recap sandbox</title>" in page.text
        world = requests.get(url + "api/world", timeout=10).json()
        assert [p["email"] for p in world["people"]] == ["admin@example.com", "user@example.com"]
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=20)
    assert process.returncode == 0, output
    assert "stopping" in output and "Traceback" not in output
    assert not any(tmp_path.iterdir())  # nothing in the working folder: state and queue live in a temporary one


def test_recap_run_with_a_bot_token_serves_the_bot_instead(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = start(["run", "--port", str(port)], tmp_path, WEBEX_BOT_TOKEN=SANDBOX_BOT_TOKEN,
                    WEBEX_WEBHOOK_SECRET="run-test-secret", DATABASE_URL=f"sqlite:///{tmp_path / 'recap.db'}",
                    QUEUE_URL=f"sqlite:///{tmp_path / 'queue.db'}")
    try:
        deadline, health = time.monotonic() + 20, None
        while process.poll() is None and time.monotonic() < deadline:
            try:
                health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.05)
        assert process.poll() is None and health is not None, "recap run exited early or never answered"
        assert health.json()["database"] == "ok"  # the bot's own endpoint: gunicorn, not the sandbox page
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=20)
    assert "chat page" not in output and "Traceback" not in output


def test_recap_sandbox_on_a_taken_port_says_so(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        process = start(["sandbox", "--port", str(taken.getsockname()[1])], tmp_path)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 1 and "is in use" in output and "Traceback" not in output
