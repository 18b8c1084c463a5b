"""Log lines: ``RECAP_LOG_FORMAT`` text or json, the ids of the request, job and event, and no secret ever.

Each test sends the root logger's records to a buffer through ``bot.logs.configure`` (the handler the
commands install) and drives real code: webhook deliveries, jobs against the emulator, a scrape.
"""

from __future__ import annotations

import io
import json
import logging
import uuid

import pytest
import requests

from bot import logs
from bot.app import create_app, jobs_of
from bot.config import OAuthRefresh, Secret, Settings
from bot.errors import ConfigError
from bot.jobs import create_jobs
from bot.sandbox.emulator import ADMIN_EMAIL, BOT_EMAIL
from bot.webex import sign
from tests.support.bot_rig import SECRET, bot_settings, envelope
from tests.support.processes import RECAP, Processes, child_env, free_port, healthy, wait_until

METRICS_TOKEN = "metrics-token-0123456789"
OAUTH = OAuthRefresh("client-id", Secret("oauth-client-secret-42"), Secret("oauth-refresh-token-42"))


@pytest.fixture
def captured():
    """Configure logs into a buffer (DEBUG and up); give ``read(settings, format)`` the lines; restore the root."""
    root = logging.getLogger()
    handlers, level, buffers = list(root.handlers), root.level, []

    def start(settings: Settings) -> io.StringIO:
        buffer = io.StringIO()
        logs.configure(settings, level=logging.DEBUG, stream=buffer)
        buffers.append(buffer)
        return buffer

    yield start
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
    root.setLevel(level)


def json_lines(buffer: io.StringIO) -> list[dict]:
    """Every line of the buffer, each parsed as one JSON object (a line that is not one fails the test)."""
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def say(client, state, text: str) -> dict:
    """A person says ``text``; its signed webhook is delivered through the test client; the message."""
    message = state.post_as(ADMIN_EMAIL, state.direct_room(ADMIN_EMAIL, BOT_EMAIL)["id"], text)
    body = envelope({key: message[key] for key in ("id", "roomId", "personId", "personEmail")})
    response = client.post("/webhooks/webex", data=body, headers={"X-Spark-Signature": sign(SECRET, body)})
    assert response.status_code == 202
    return message


@pytest.fixture
def app(tmp_path, emulator):
    app = create_app(bot_settings(tmp_path, emulator[0].api_url, log_format="json"))
    yield app
    jobs_of(app).services.store.engine.dispose()


def test_json_lines_carry_time_level_logger_message_and_the_job_and_event_ids(app, emulator, captured):
    buffer = captured(jobs_of(app).services.settings)
    message = say(app.test_client(), emulator[1], "summary 0000000000000000_R_1")  # unknown to Webex
    jobs_of(app).run_pending()
    lines = json_lines(buffer)
    assert lines and all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    (refused,) = [line for line in lines if line["logger"] == "bot.jobs.runner"]
    assert refused["level"] == "INFO" and "WebexNotFound" in refused["message"]
    assert refused["event_id"] == message["id"] and len(refused["job_id"]) >= 16
    assert "exception" not in refused  # a person's mistake: one line, no traceback


def test_a_web_request_has_an_id_on_its_lines_and_in_its_answer(tmp_path, captured):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'recap.db'}", log_format="json",
                        queue_url=f"redis://127.0.0.1:{free_port()}/0")  # the queue is down: the scrape says so
    app = create_app(settings)
    buffer = captured(settings)
    response = app.test_client().get("/metrics", headers={"X-Request-Id": "req-42"})
    assert response.headers["X-Request-Id"] == "req-42"
    (line,) = [line for line in json_lines(buffer) if line["logger"] == "bot.metrics"]
    assert line["request_id"] == "req-42" and "queue depth unknown" in line["message"]
    fresh = app.test_client().get("/metrics", headers={"X-Request-Id": "not an id\u00e9"}).headers["X-Request-Id"]
    assert uuid.UUID(fresh)  # an id that does not look like one is replaced by a fresh one
    jobs_of(app).services.store.engine.dispose()


def test_an_exception_is_a_field_of_its_line(tmp_path, captured):
    def broken(ctx, payload):
        raise RuntimeError("the job broke")

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'recap.db'}", queue_url=f"sqlite:///{tmp_path / 'q.db'}",
                        log_format="json")
    jobs = create_jobs(settings, tasks={"broken": broken})
    buffer = captured(settings)
    jobs.enqueue("broken", {"data": {"id": "EVENT-1"}})
    jobs.run_pending()
    (line,) = [line for line in json_lines(buffer) if line["logger"] == "bot.jobs.runner"]
    assert line["level"] == "WARNING" and "failed for good" in line["message"] and line["event_id"] == "EVENT-1"
    assert line["exception"].startswith("Traceback") and "RuntimeError: the job broke" in line["exception"]
    jobs.services.store.engine.dispose()


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_no_configured_secret_or_bearer_value_reaches_a_line(tmp_path, emulator, captured, log_format):
    server, state = emulator
    settings = bot_settings(tmp_path, server.api_url, log_format=log_format, metrics_token=Secret(METRICS_TOKEN))
    app = create_app(settings)
    seen = settings.replace(admin_oauth=OAUTH)  # masked too, though this bot uses a plain admin token

    def leaky(ctx, payload):  # a failure whose message carries what must never be written
        raise RuntimeError(f"sent Authorization: Bearer {settings.admin_token} with {settings.bot_token}, "
                           f"{OAUTH.client_secret}, {OAUTH.refresh_token} to postgresql://recap:pg-password@db/recap")

    buffer = captured(seen)
    client = app.test_client()
    say(client, state, "help")
    say(client, state, "summary 0000000000000000_R_1")
    body = envelope({"id": "X", "roomId": "R", "personId": "P"})
    assert client.post("/webhooks/webex", data=body, headers={"X-Spark-Signature": "sha1=bad"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    jobs_of(app).run_pending()
    leaking = create_jobs(settings, tasks={"leaky": leaky})
    leaking.enqueue("leaky", {})
    leaking.run_pending()
    logging.getLogger("tests").info("the header was %s", f"Bearer {METRICS_TOKEN}")
    text = buffer.getvalue()
    assert "failed for good" in text and "RuntimeError" in text and "Bearer ***" in text
    for secret in (*logs.secrets_of(seen), "pg-password"):
        assert secret not in text, secret
    if log_format == "json":
        json_lines(buffer)  # every line one object, the traceback inside it
    for jobs in (jobs_of(app), leaking):
        jobs.services.store.engine.dispose()


def test_the_log_format_setting_accepts_text_or_json_only():
    assert Settings.from_env({}, env_file=None).log_format == "text"
    assert Settings.from_env({"RECAP_LOG_FORMAT": "JSON"}, env_file=None).log_format == "json"
    with pytest.raises(ConfigError, match="RECAP_LOG_FORMAT must be text or json, got 'xml'"):
        Settings.from_env({"RECAP_LOG_FORMAT": "xml"}, env_file=None)


def test_text_lines_name_the_job_and_event(tmp_path, captured):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'recap.db'}", queue_url=f"sqlite:///{tmp_path / 'q.db'}")
    buffer = captured(settings)
    with logs.bound(job_id="J1", event_id="E1"):
        logging.getLogger("bot.test").warning("something to say")
    logging.getLogger("bot.test").warning("outside any job")
    first, second = buffer.getvalue().splitlines()
    assert first.endswith("WARNING bot.test: something to say [job_id=J1 event_id=E1]")
    assert second.endswith("WARNING bot.test: outside any job")


@pytest.mark.slow
def test_recap_serve_writes_json_lines_gunicorns_own_included(tmp_path):
    port = free_port()
    env = child_env(WEBEX_BOT_TOKEN="bot-token-for-logs", WEBEX_WEBHOOK_SECRET="logs-webhook-secret",
                    RECAP_LOG_FORMAT="json", DATABASE_URL=f"sqlite:///{tmp_path / 'recap.db'}",
                    QUEUE_URL=f"sqlite:///{tmp_path / 'q.db'}")
    with Processes(tmp_path) as procs:
        serve = procs.start("serve", [*RECAP, "serve", "--port", str(port)], env)
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: healthy(base) or not serve.running(), 60, what="recap serve")
        assert requests.get(base + "/healthz", headers={"X-Request-Id": "probe-7"}, timeout=5).status_code == 200
        serve.stop()
    lines = [json.loads(line) for line in serve.log.read_text().splitlines()]  # each line one object
    loggers = {line["logger"] for line in lines}
    assert {"gunicorn.error", "gunicorn.access", "huey.consumer"} <= loggers, loggers
    (access,) = [line for line in lines if line["logger"] == "gunicorn.access" and "probe-7" in str(line)]
    assert access["request_id"] == "probe-7" and "GET /healthz" in access["message"]
