"""The job queue: Huey per QUEUE_URL, JSON-only payloads, the retry policy, giving up with a card, consumers."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage
from sqlalchemy.exc import OperationalError

from bot.config import Settings
from bot.context import Services
from bot.errors import (
    ConfigError,
    UsageError,
    WebexAuthError,
    WebexBadRequest,
    WebexNotFound,
    WebexRetryLater,
)
from bot.jobs import Jobs, RetryPolicy, create_huey, create_jobs
from bot.storage import create_store

pytest_plugins = ["tests.support.backends"]  # queue: SQLite, then Redis


@pytest.fixture
def services(tmp_path):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'recap.db'}", queue_url=f"sqlite:///{tmp_path / 'q.db'}")
    services = Services(settings, store=create_store(settings))
    yield services
    services.store.engine.dispose()


def recording_jobs(services, huey, outcomes, **options):
    """Jobs whose one task, ``work``, pops the next outcome: an exception to raise, or a value to record."""
    done = []

    def work(ctx, payload):
        outcome = outcomes.pop(0) if outcomes else None
        if isinstance(outcome, BaseException):
            raise outcome
        done.append(payload)

    jobs = Jobs(huey, services, tasks={"work": work}, **options)
    return jobs, done


@pytest.mark.parametrize("exc, attempt, expected", [
    (WebexRetryLater("busy", retry_after=2), 1, 2),
    (WebexRetryLater("busy", retry_after=0), 3, 0),
    (WebexRetryLater("busy", retry_after=2), 6, None),          # the cap
    (WebexRetryLater("busy", retry_after=3600), 1, None),       # "come back in an hour" is a no for now
    (WebexRetryLater("timeout"), 1, (2.0, 2.2)),                # no Retry-After: backoff 2 s …
    (WebexRetryLater("timeout"), 3, (8.0, 8.8)),                # … doubling …
    (WebexRetryLater("timeout"), 5, (32.0, 35.2)),
    (OperationalError("SELECT 1", {}, Exception("database is locked")), 2, (4.0, 4.4)),
    (WebexAuthError("no", status=403), 1, None),
    (WebexNotFound("no", status=404), 1, None),
    (WebexBadRequest("no", status=400), 1, None),
    (UsageError("no"), 1, None),
    (ConfigError("no"), 1, None),
    (KeyError("bug"), 1, None),
])
def test_retry_policy(exc, attempt, expected):
    delay = RetryPolicy().delay_for(exc, attempt)
    if isinstance(expected, tuple):
        assert expected[0] <= delay <= expected[1]
    else:
        assert delay == expected


def test_backoff_is_capped():
    assert 300 <= RetryPolicy(max_attempts=50).backoff(30) <= 330


@pytest.mark.parametrize("url, kind", [
    ("sqlite:///{tmp}/queue.db", SqliteStorage),
    ("memory://", MemoryStorage),
    ("redis://127.0.0.1:6379/15", RedisStorage),  # no connection yet: built from the URL only
])
def test_create_huey_by_url(tmp_path, url, kind):
    huey = create_huey(url.format(tmp=tmp_path))
    assert isinstance(huey.storage, kind)
    assert huey.immediate is (kind is MemoryStorage)
    assert huey.results is False


def test_the_sqlite_queue_is_wal_with_normal_sync(tmp_path):
    """Huey's default is a full sync of the WAL at every commit: about 3 ms each, a cap on ingest (bench/)."""
    storage = create_huey(f"sqlite:///{tmp_path / 'queue.db'}").storage
    assert storage.conn.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert storage.conn.execute("pragma synchronous").fetchone()[0] == 1  # NORMAL
    storage.close()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///", "ftp://x", "queue.db"])
def test_create_huey_refuses_unusable_urls(url):
    with pytest.raises(ConfigError, match="QUEUE_URL"):
        create_huey(url)


def test_payloads_must_be_json_and_tasks_must_exist(services, queue):
    jobs, _ = recording_jobs(services, queue.huey(), [])
    with pytest.raises(TypeError, match="JSON-able"):
        jobs.enqueue("work", {"when": datetime.now(UTC)})
    with pytest.raises(TypeError, match="JSON-able"):
        jobs.enqueue("work", {"client": object()})
    with pytest.raises(KeyError, match="no job named"):
        jobs.enqueue("nope", {})
    assert jobs.pending() == []


def test_queued_jobs_wait_for_a_runner_then_run_once(services, queue):
    jobs, done = recording_jobs(services, queue.huey(), [])
    jobs.enqueue("work", {"n": 1, "items": (1, 2)})
    assert [j.payload for j in jobs.pending()] == [{"n": 1, "items": [1, 2]}]
    assert done == []
    assert jobs.run_pending() == 1
    assert done == [{"n": 1, "items": [1, 2]}]
    assert jobs.run_pending() == 0


def test_a_delayed_job_waits_in_the_schedule(services, queue):
    jobs, done = recording_jobs(services, queue.huey(), [])
    before = datetime.now(UTC)
    jobs.enqueue("work", {"n": 1}, delay=60)
    assert jobs.run_pending() == 0 and done == []
    (waiting,) = jobs.scheduled()
    assert 59 <= (waiting.eta - before).total_seconds() <= 61 and waiting.attempt == 1
    assert jobs.run_pending(until=before + timedelta(seconds=30)) == 0
    assert jobs.run_pending(until=before + timedelta(seconds=62)) == 1 and done == [{"n": 1}]


def test_retry_later_reschedules_with_the_next_attempt(services, queue):
    jobs, done = recording_jobs(services, queue.huey(),
                                [WebexRetryLater("429", retry_after=5)])
    jobs.enqueue("work", {"n": 1})
    before = datetime.now(UTC)
    assert jobs.run_pending() == 1 and done == []
    (retry,) = jobs.scheduled()
    assert retry.attempt == 2 and 4 <= (retry.eta - before).total_seconds() <= 6
    jobs.run_pending(until=retry.eta)
    assert done == [{"n": 1}] and jobs.scheduled() == []


def test_a_job_that_keeps_failing_gives_up_at_the_cap(services, queue, caplog):
    failures = [WebexRetryLater("503", status=503)] * 10
    jobs, done = recording_jobs(services, queue.huey(), failures,
                                policy=RetryPolicy(max_attempts=3))
    jobs.enqueue("work", {"n": 1})  # no roomId: nobody to tell, so the log says so
    assert jobs.run_pending(until=datetime.now(UTC) + timedelta(hours=1)) == 3
    assert len(failures) == 7 and done == []
    assert jobs.scheduled() == [] and jobs.pending() == []
    assert "failed for good after 3 attempt(s)" in caplog.text
    assert "no space to report to" in caplog.text


def test_a_permanent_failure_is_not_retried(services, queue):
    failures = [WebexNotFound("404", status=404), None]
    jobs, done = recording_jobs(services, queue.huey(), failures)
    jobs.enqueue("work", {"n": 1})
    assert jobs.run_pending(until=datetime.now(UTC) + timedelta(hours=1)) == 1
    assert failures == [None] and done == []


def test_immediate_mode_runs_at_enqueue_time(services):
    jobs, done = recording_jobs(services, create_huey("memory://"), [])
    jobs.enqueue("work", {"n": 1})
    assert done == [{"n": 1}]


def test_context_for_takes_space_and_person_from_the_event(services, tmp_path):
    jobs = create_jobs(services)
    ctx = jobs.context_for({"resource": "messages", "data": {"roomId": "R", "personId": "P", "personEmail": "a@b.c"}})
    assert (ctx.room_id, ctx.person_id, ctx.person_email) == ("R", "P", "a@b.c")
    assert jobs.context_for({"roomId": "R2"}).room_id == "R2"


def test_a_job_can_schedule_another_through_its_context(services, queue):
    seen = []

    def first(ctx, payload):
        ctx.schedule("second", {"from": payload["n"]}, 30)

    jobs = Jobs(queue.huey(), services,
                tasks={"first": first, "second": lambda ctx, payload: seen.append(payload)})
    jobs.enqueue("first", {"n": 7})
    jobs.run_pending()
    (later,) = jobs.scheduled()
    assert (later.task, later.payload) == ("second", {"from": 7})
    jobs.run_pending(until=later.eta)
    assert seen == [{"from": 7}]


def test_the_embedded_consumer_runs_jobs_in_background_threads(services, queue):
    ran = threading.Event()
    jobs = Jobs(queue.huey(), services,
                tasks={"work": lambda ctx, payload: ran.set()})
    consumer = jobs.start_consumer(workers=1)
    try:
        jobs.enqueue("work", {})
        assert ran.wait(10)
    finally:
        consumer.stop(graceful=True)


def test_a_second_process_sees_the_same_queue(services, queue):
    web, _ = recording_jobs(services, queue.huey(), [])
    worker, done = recording_jobs(services, queue.huey(), [])
    web.enqueue("work", {"n": 1})
    assert worker.run_pending() == 1 and done == [{"n": 1}]
