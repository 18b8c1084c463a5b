"""Starting and running: refusals in one line, ``--version``, a queue that goes away and comes back, and a
person's mistakes logged as one line.

The commands run as real child processes (``recap …`` from a scratch folder, only the environment given),
against a PostgreSQL or Redis port where nothing listens; Redis coming and going is a real ``redis-server``.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import time
from importlib.metadata import version

import pytest

from bot.config import Settings
from bot.jobs import create_jobs
from bot.metrics import DIRECTORY_VARIABLE
from tests.support.bot_rig import running_rig
from tests.support.processes import RECAP, Processes, child_env, free_port, wait_until

TOKENS = {"WEBEX_BOT_TOKEN": "bot-token-for-startup", "WEBEX_WEBHOOK_SECRET": "startup-webhook-secret"}


def recap(args: list[str], tmp_path, **env: str) -> subprocess.CompletedProcess:
    """Run ``recap ARGS`` in ``tmp_path`` with only ``env`` of Recap's variables (SQLite there by default)."""
    values = {"DATABASE_URL": f"sqlite:///{tmp_path / 'recap.db'}", "QUEUE_URL": f"sqlite:///{tmp_path / 'q.db'}",
              **env}
    environment = child_env(**values)
    environment.pop(DIRECTORY_VARIABLE, None)
    return subprocess.run([*RECAP, *args], cwd=tmp_path, env=environment, capture_output=True, text=True,
                          timeout=60)


def one_line(result: subprocess.CompletedProcess) -> str:
    """The single line a refused start writes to stderr (the test fails on more, or on a traceback)."""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr + result.stdout, result.stderr
    return lines[0]


def test_version_prints_the_package_version(tmp_path):
    result = recap(["--version"], tmp_path)
    assert result.returncode == 0 and result.stdout.strip() == f"recap, version {version('recap-bot')}"


@pytest.mark.parametrize("command", ["serve", "worker"])
@pytest.mark.parametrize(("given", "missing"), [({}, "WEBEX_BOT_TOKEN"),
                                                ({"WEBEX_WEBHOOK_SECRET": "only-the-secret"}, "WEBEX_BOT_TOKEN"),
                                                ({"WEBEX_BOT_TOKEN": "only-the-token"}, "WEBEX_WEBHOOK_SECRET")])
def test_serve_and_worker_refuse_to_start_without_the_bots_credentials(tmp_path, command, given, missing):
    result = recap([command], tmp_path, **given)
    assert result.returncode == 2
    assert one_line(result).startswith(f"configuration error: {missing} ")


@pytest.mark.parametrize("command", [["serve", "--port", "0"], ["worker"], ["status"], ["audit"]])
def test_an_unreachable_database_stops_a_start_in_one_line_naming_database_url(tmp_path, command):
    closed = f"postgresql+psycopg://recap:db-password@127.0.0.1:{free_port()}/recap"
    result = recap(command, tmp_path, DATABASE_URL=closed, **TOKENS)
    line = one_line(result)
    assert result.returncode == 1 and line.startswith("error: database: ") and "DATABASE_URL" in line
    assert "db-password" not in line


@pytest.mark.parametrize("command", [["serve", "--port", "0"], ["worker"], ["status"]])
def test_an_unreachable_queue_stops_a_start_in_one_line_naming_queue_url(tmp_path, command):
    result = recap(command, tmp_path, QUEUE_URL=f"redis://127.0.0.1:{free_port()}/0", **TOKENS)
    line = one_line(result)
    assert result.returncode == 1 and line.startswith("error: queue: ") and "QUEUE_URL" in line


def test_a_bad_log_format_is_a_configuration_error(tmp_path):
    result = recap(["worker"], tmp_path, RECAP_LOG_FORMAT="xml", **TOKENS)
    assert result.returncode == 2
    assert one_line(result) == "configuration error: RECAP_LOG_FORMAT must be text or json, got 'xml'"


def test_gunicorn_with_recaps_hooks_refuses_a_bad_start_before_forking(tmp_path):
    """The web line with ``--config python:bot.cli.serve``: one line of Recap's, no worker ever boots."""
    environment = child_env(DATABASE_URL=f"sqlite:///{tmp_path / 'recap.db'}", QUEUE_URL="memory://")
    result = subprocess.run([sys.executable, "-m", "gunicorn", "--config", "python:bot.cli.serve", "--bind",
                             f"127.0.0.1:{free_port()}", "bot:create_app()"], cwd=tmp_path, env=environment,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "Traceback" not in result.stderr and "Booting worker" not in result.stderr
    assert result.stderr.splitlines()[-1].startswith("configuration error: WEBEX_BOT_TOKEN is not set")


def test_the_embedded_consumer_says_once_that_the_queue_is_unreachable(tmp_path, caplog):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'recap.db'}",
                        queue_url=f"redis://127.0.0.1:{free_port()}/0")
    jobs = create_jobs(settings)
    caplog.set_level(logging.DEBUG)
    consumer = jobs.start_consumer(2)
    try:
        wait_until(lambda: any("queue unreachable" in r.getMessage() for r in caplog.records), 10,
                   what="the outage line")
        time.sleep(2)  # two seconds of polling a queue that is not there
    finally:
        consumer.stop(graceful=True)
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
    assert len(loud) == 1, [r.getMessage() for r in loud]
    assert loud[0].getMessage().startswith("queue unreachable: ConnectionError: ") and loud[0].exc_info is None
    jobs.services.store.engine.dispose()


@pytest.mark.slow
def test_recap_worker_rides_out_redis_going_away_and_coming_back(tmp_path):
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    redis = [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    env = child_env(DATABASE_URL=f"sqlite:///{tmp_path / 'recap.db'}", QUEUE_URL=f"redis://127.0.0.1:{port}/0",
                    **TOKENS)
    env.pop(DIRECTORY_VARIABLE, None)
    with Processes(tmp_path) as procs:
        queue = procs.start("redis", redis, env)
        wait_until(lambda: b"Ready to accept" in queue.log.read_bytes(), 30, what="redis")
        worker = procs.worker("worker", env, threads=2)
        wait_until(lambda: "consumer started" in worker.log.read_text(), 30, what="the worker")
        queue.stop()
        wait_until(lambda: "queue unreachable" in worker.log.read_text(), 30, what="the outage line")
        time.sleep(2)
        procs.start("redis-again", redis, env)
        wait_until(lambda: "queue reachable again" in worker.log.read_text(), 60, what="the recovery line")
        assert worker.running(), procs.logs()
        log = worker.log.read_text()
    assert "Traceback" not in log, log
    assert log.count("queue unreachable") == 1 and log.count("queue reachable again") == 1, log


@pytest.mark.parametrize(("text", "error", "refused"), [("summary 12345", "CommandUsageError", None),
                                                        ("summary 0000000000000000_R_1", "WebexNotFound", None),
                                                        ("archives 2026-01-01 2026-01-20", "WebexBadRequest", 400)])
def test_a_persons_mistake_is_one_info_line_not_a_failure(tmp_path, emulator, caplog, text, error, refused):
    with running_rig(tmp_path, emulator[0]) as rig:
        if refused:  # Webex turns the person's range down (HTTP 400), as it does a span it will not list
            rig.emulator.inject_fault(refused, path_prefix="recordingReport")
        message = rig.say(text)
        caplog.set_level(logging.INFO, logger="bot.jobs.runner")
        rig.run_jobs()
        (reply,) = [m for m in rig.replies() if m.get("parentId") == message["id"]]
    (record,) = [r for r in caplog.records if r.name == "bot.jobs.runner"]
    assert record.levelno == logging.INFO and error in record.getMessage() and record.exc_info is None
    assert "failed for good" not in caplog.text and reply["attachments"]  # the person got their card
