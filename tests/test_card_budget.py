"""``RECAP_CARD_BUDGET`` reaches every card: ``recap render`` and the bot's replies, set through the environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cards import card_size
from bot.config import Settings
from bot.sandbox.generator import generate_archive
from tests.support.bot_rig import card_of, running_rig

ROOT = Path(__file__).resolve().parents[1]
BUDGET = 8_000


@pytest.fixture(scope="module")
def archive_file(tmp_path_factory) -> Path:
    """A 64-person archive whose attendance card is well over 8,000 bytes at the default budget."""
    path = tmp_path_factory.mktemp("budget") / "archive-64.json"
    path.write_text(json.dumps(generate_archive(seed=64, participants=64, chats=300, polls=3, questions=30)))
    return path


def render(archive: Path, view: str, **env: str) -> dict:
    """``recap render`` run as the console script would run it, with ``env`` added to a clean environment."""
    environ = {key: value for key, value in os.environ.items() if not key.startswith(("RECAP_", "WEBEX_"))}
    command = [sys.executable, "-c", "from bot.cli import run; run()", "render", "--archive", str(archive),
               "--view", view, "--timezone", "UTC"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120, env={**environ, **env})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("view", ["attendance", "summary", "chats"])
def test_recap_render_keeps_to_the_budget_in_the_environment(archive_file, view):
    unbounded = render(archive_file, view)
    assert card_size(unbounded) > BUDGET  # so the smaller card below is the budget's doing
    bounded = render(archive_file, view, RECAP_CARD_BUDGET=str(BUDGET))
    assert card_size(bounded) <= BUDGET


@pytest.mark.parametrize("configured", [False, True], ids=["default budget", "RECAP_CARD_BUDGET=8000"])
def test_the_bot_renders_within_the_configured_budget(tmp_path, emulator, archive_file, configured):
    server, state = emulator
    archive = json.loads(archive_file.read_text())
    state.add_archive(archive)
    environ = {"RECAP_CARD_BUDGET": str(BUDGET)} if configured else {}
    budget = Settings.from_env(environ, env_file=None).card_budget_bytes
    with running_rig(tmp_path, server, card_budget_bytes=budget) as rig:
        rig.say(f"attendance {archive['archiveId']}")
        rig.run_jobs()
        (reply,) = rig.replies()
    size = card_size(card_of(reply))
    assert size <= BUDGET if configured else size > BUDGET
