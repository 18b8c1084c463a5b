"""``GET /metrics``: the series Recap counts, scraped after real deliveries and jobs, kept private, added up across
gunicorn's workers.

Counts are process-wide (prometheus_client keeps one set per process), so each test compares a scrape after
with a scrape before what it does.
"""

from __future__ import annotations

import os
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from bot import metrics
from bot.app import create_app, jobs_of
from bot.config import Secret, Settings
from bot.context import Context, Services
from bot.recaps import delivery
from bot.sandbox.emulator import ADMIN_EMAIL, BOT_EMAIL, SANDBOX_BOT_TOKEN
from bot.webex import WebexClient, sign
from tests.support.bot_rig import EXAMPLE_ARCHIVE, SECRET, bot_settings, envelope
from tests.support.processes import Processes, child_env, free_port, healthy, wait_until
from tests.support.recaps_rig import DELAY, end_meeting, recap_rig, subscribe

METRICS_TOKEN = "scrape-token-1234567890"


def scrape(client, token: str | None = None) -> dict:
    """``GET /metrics`` through ``client`` (a Flask test client or a base URL): ``{(name, labels): value}``."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if isinstance(client, str):
        response = requests.get(client + "/metrics", headers=headers, timeout=10)
        assert response.status_code == 200, response.text
        text = response.text
    else:
        response = client.get("/metrics", headers=headers)
        assert response.status_code == 200, response.text
        text = response.get_data(as_text=True)
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def value(found: dict, name: str, **labels: str) -> float:
    """One sample of a scrape (0 when absent: a counter not yet touched)."""
    return found.get((name, frozenset(labels.items())), 0.0)


def deliver(client, state, text: str, *, email: str = ADMIN_EMAIL) -> dict:
    """A person says ``text`` in the emulator; its signed webhook is delivered to the app; the message."""
    message = state.post_as(email, state.direct_room(email, BOT_EMAIL)["id"], text)
    body = envelope({key: message[key] for key in ("id", "roomId", "personId", "personEmail")})
    response = client.post("/webhooks/webex", data=body, headers={"X-Spark-Signature": sign(SECRET, body)})
    assert response.status_code == 202, response.get_data(as_text=True)
    return message


@pytest.fixture
def app(tmp_path, emulator):
    server, _ = emulator
    app = create_app(bot_settings(tmp_path, server.api_url, metrics_token=Secret(METRICS_TOKEN)))
    yield app
    jobs_of(app).services.store.engine.dispose()


def test_jobs_their_seconds_webex_calls_and_queue_depth_after_real_deliveries(app, emulator):
    _, state = emulator
    client, jobs = app.test_client(), jobs_of(app)
    before = scrape(client, METRICS_TOKEN)
    deliver(client, state, "help")
    deliver(client, state, "summary 12345")  # not an archive id: the person's mistake
    deliver(client, state, "summary 0000000000000000_R_1")  # well-formed, unknown to Webex: theirs too
    queued = scrape(client, METRICS_TOKEN)
    assert value(queued, "recap_queue_depth") == 3
    assert jobs.run_pending() == 3
    after = scrape(client, METRICS_TOKEN)
    grew = lambda name, **labels: value(after, name, **labels) - value(before, name, **labels)  # noqa: E731
    assert grew("recap_jobs_total", task="event", outcome="ok") == 1
    assert grew("recap_jobs_total", task="event", outcome="usage") == 2
    assert grew("recap_jobs_total", task="event", outcome="failed") == 0
    assert grew("recap_job_seconds_count", task="event") == 3
    assert grew("recap_job_seconds_bucket", task="event", le="+Inf") == 3
    assert grew("recap_job_seconds_sum", task="event") > 0
    # Each job reads its message and posts a card with the bot's credential; the unknown archive is a 404.
    assert grew("recap_webex_requests_total", credential="bot", status="200") >= 6
    assert grew("recap_webex_requests_total", credential="admin", status="404") == 1
    assert value(after, "recap_queue_depth") == 0


def test_no_token_or_secret_appears_in_a_scrape(app, emulator):
    _, state = emulator
    client = app.test_client()
    deliver(client, state, f"summary {EXAMPLE_ARCHIVE}")
    jobs_of(app).run_pending()
    text = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).get_data(as_text=True)
    assert "recap_webex_requests_total" in text and 'credential="admin"' in text
    settings = jobs_of(app).services.settings
    for secret in (settings.bot_token, settings.admin_token, settings.compliance_token, settings.webhook_secret,
                   settings.metrics_token):
        assert str(secret) not in text


def test_with_a_metrics_token_a_scrape_without_it_is_refused(app):
    client = app.test_client()
    for headers in ({}, {"Authorization": "Bearer wrong-token-123"}, {"Authorization": f"Basic {METRICS_TOKEN}"}):
        response = client.get("/metrics", headers=headers)
        assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
        assert b"recap_" not in response.data
    assert client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).status_code == 200


def test_without_a_metrics_token_the_endpoint_is_open(tmp_path):
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'recap.db'}", queue_url="memory://"))
    assert "recap_queue_depth" in {name for name, _ in scrape(app.test_client())}
    jobs_of(app).services.store.engine.dispose()


def test_webhook_outcomes_are_counted_by_name(app):
    client = app.test_client()
    before = scrape(client, METRICS_TOKEN)
    body = envelope({"id": "M-METRICS", "roomId": "R", "personId": "P"})
    signed = {"X-Spark-Signature": sign(SECRET, body)}
    answers = [client.post("/webhooks/webex", data=body, headers=signed).status_code for _ in range(2)]
    answers.append(client.post("/webhooks/webex", data=body, headers={"X-Spark-Signature": "0" * 40}).status_code)
    odd = envelope({"id": "M-ODD", "roomId": 5})
    odd_signed = {"X-Spark-Signature": sign(SECRET, odd)}
    answers.append(client.post("/webhooks/webex", data=odd, headers=odd_signed).status_code)
    assert answers == [202, 200, 401, 200]
    after = scrape(client, METRICS_TOKEN)
    grown = {outcome: value(after, "recap_webhook_deliveries_total", outcome=outcome)
             - value(before, "recap_webhook_deliveries_total", outcome=outcome)
             for outcome in ("queued", "duplicate", "unsigned", "ignored")}
    assert grown == {"queued": 1, "duplicate": 1, "unsigned": 1, "ignored": 1}
    assert "M-METRICS" not in client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).get_data(
        as_text=True)  # labels are fixed words, never request data


def test_a_webex_request_that_gets_no_answer_counts_as_an_error(app):
    client = app.test_client()
    before = scrape(client, METRICS_TOKEN)
    unreachable = WebexClient(f"http://127.0.0.1:{free_port()}/v1/", "admin-token-123", role="admin", timeout=2)
    with pytest.raises(Exception, match="could not reach Webex"):
        unreachable.get_json("people/me")
    after = scrape(client, METRICS_TOKEN)
    assert (value(after, "recap_webex_requests_total", credential="admin", status="error")
            - value(before, "recap_webex_requests_total", credential="admin", status="error")) == 1


def test_recap_deliveries_count_what_they_came_to(tmp_path, emulator):
    with recap_rig(tmp_path, emulator[0]) as rig:
        client = create_app(rig.settings, jobs=rig.jobs).test_client()
        group = rig.group_room()
        subscribe(rig, "subscribe all", group)
        before = scrape(client)
        end_meeting(rig)
        rig.run_jobs()
        (job,) = rig.jobs.scheduled()
        rig.run_jobs(after=DELAY + 1)
        # A late copy of the job finds the delivery finished: it posts nothing.
        ctx = Context(Services(rig.settings), room_id=group, scheduler=lambda *job: None)
        card = ctx.card("error", title="late", what_happened="-", what_to_do="-", tracking_id=None)
        delivery.post_once(ctx, job.payload, card, state="posted", now=delivery.logical_now(job.payload))
        after = scrape(client)
        ctx.store.engine.dispose()
    for outcome, count in (("posted", 1), ("skipped", 1), ("failed", 0)):
        assert value(after, "recap_recap_deliveries_total", outcome=outcome) - value(
            before, "recap_recap_deliveries_total", outcome=outcome) == count, outcome


def test_dead_processes_files_are_removed_and_live_ones_kept(tmp_path):
    (tmp_path / f"counter_{os.getpid()}.db").write_bytes(b"")
    gone = tmp_path / "histogram_999999999.db"  # no such process
    gone.write_bytes(b"")
    assert metrics.remove_dead(tmp_path) == [gone]
    assert [path.name for path in tmp_path.iterdir()] == [f"counter_{os.getpid()}.db"]


def test_the_default_directory_sits_beside_a_sqlite_database_or_in_the_temp_folder(tmp_path):
    beside = metrics.default_directory(Settings(database_url=f"sqlite:///{tmp_path / 'recap.db'}"))
    assert beside == tmp_path / "recap.db-metrics"
    shared = [metrics.default_directory(Settings(database_url=f"postgresql+psycopg://recap:{password}@db/recap"))
              for password in ("one-password", "another")]
    assert shared[0] == shared[1] and "password" not in str(shared[0])  # the password is not part of it
    assert metrics.default_directory(Settings(metrics_dir=str(tmp_path / "m"))) == tmp_path / "m"


@pytest.mark.slow
def test_the_counts_of_both_gunicorn_workers_add_up(tmp_path, emulator):
    """The Procfile's web line with two workers, jobs run inline (memory://) so each worker counts its own."""
    server, state = emulator
    state_latency, state.latency_ms = state.latency_ms, 30  # requests overlap: both workers get some
    env = child_env(WEBEX_BOT_TOKEN=SANDBOX_BOT_TOKEN, WEBEX_WEBHOOK_SECRET=SECRET, WEBEX_API_URL=server.api_url,
                    DATABASE_URL=f"sqlite:///{tmp_path / 'recap.db'}", QUEUE_URL="memory://")
    env.pop(metrics.DIRECTORY_VARIABLE, None)  # the default, derived from DATABASE_URL, is under test
    messages = [state.post_as(ADMIN_EMAIL, state.direct_room(ADMIN_EMAIL, BOT_EMAIL)["id"], "help")
                for _ in range(24)]
    with Processes(tmp_path) as procs:
        port = free_port()
        web = procs.start("web", [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
                                  "bot:create_app()"], env)
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: healthy(base) or not web.running(), 60, what="gunicorn")
        assert web.running(), procs.logs()

        def post(message: dict) -> int:
            body = envelope({key: message[key] for key in ("id", "roomId", "personId", "personEmail")})
            return requests.post(base + "/webhooks/webex", data=body, timeout=30,
                                 headers={"X-Spark-Signature": sign(SECRET, body)}).status_code

        with ThreadPoolExecutor(8) as pool:
            assert set(pool.map(post, messages)) == {202}, procs.logs()
        folder = tmp_path / "recap.db-metrics"
        writers = {path.stem.rpartition("_")[2] for path in folder.glob("counter_*.db")}
        assert len(writers) == 2, (sorted(folder.iterdir()), procs.logs())  # both workers counted some
        for _ in range(4):  # whichever worker answers the scrape, it adds up both
            found = scrape(base)
            assert value(found, "recap_jobs_total", task="event", outcome="ok") == len(messages)
            assert value(found, "recap_job_seconds_count", task="event") == len(messages)
    state.latency_ms = state_latency
