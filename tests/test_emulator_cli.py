"""``recap emulator`` as a real process: it prints its address and tokens, serves, and loads a fixtures folder."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import requests

from bot.sandbox.emulator import SANDBOX_ADMIN_TOKEN, SANDBOX_BOT_TOKEN
from bot.sandbox.generator import generate_archive

ROOT = Path(__file__).parents[1]


def start(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", "from bot.cli import run; run()", "emulator", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)


def test_emulator_command_serves_the_fixtures_folder(tmp_path):
    archive = generate_archive(21, participants=4, chats=2, polls=0, questions=0)
    (tmp_path / "archives").mkdir()
    (tmp_path / "archives" / "mine.json").write_text(json.dumps(archive), encoding="utf-8")
    process = start("--port", "0", "--fixtures", str(tmp_path), "--latency-ms", "1")
    try:
        banner = process.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+", banner).group(0)
        tokens = [process.stdout.readline() for _ in range(4)]
        assert any(SANDBOX_BOT_TOKEN in line for line in tokens)
        me = requests.get(f"{url}/v1/people/me", headers={"Authorization": f"Bearer {SANDBOX_BOT_TOKEN}"}, timeout=10)
        assert me.json()["displayName"] == "Recap"
        detail = requests.get(f"{url}/v1/recordingReport/meetingArchives/{archive['archiveId']}", timeout=10,
                              headers={"Authorization": f"Bearer {SANDBOX_ADMIN_TOKEN}"})
        assert detail.json() == archive
    finally:
        process.terminate()
        process.communicate(timeout=10)


def test_a_broken_fixture_file_is_a_clear_usage_error(tmp_path):
    (tmp_path / "archives").mkdir()
    (tmp_path / "archives" / "bad.json").write_text("[1, 2]", encoding="utf-8")
    process = start("--port", "0", "--fixtures", str(tmp_path))
    _, err = process.communicate(timeout=30)
    assert process.returncode == 2 and "bad.json" in err and "Traceback" not in err


def test_the_insights_option_switches_sources_off_and_refuses_a_bad_value():
    process = start("--port", "0", "--insights", "summaries=forbidden,recordings=missing")
    try:
        url = re.search(r"http://127\.0\.0\.1:\d+", process.stdout.readline()).group(0)
        meeting = requests.get(f"{url}/v1/meetings", params={"meetingType": "meeting", "state": "ended"}, timeout=10,
                               headers={"Authorization": f"Bearer {SANDBOX_ADMIN_TOKEN}"}).json()["items"][0]
        recordings = requests.get(f"{url}/v1/admin/recordings", params={"meetingId": meeting["id"]}, timeout=10,
                                  headers={"Authorization": f"Bearer {SANDBOX_ADMIN_TOKEN}"})
        assert recordings.status_code == 404
    finally:
        process.terminate()
        process.communicate(timeout=10)
    bad = start("--port", "0", "--insights", "summaries")
    _, err = bad.communicate(timeout=30)
    assert bad.returncode == 2 and "Invalid value for --insights" in err and "Traceback" not in err
