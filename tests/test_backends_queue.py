"""The queue on SQLite and on Redis: consumers in threads and in processes, the schedule, Retry-After, worker death.

What Huey guarantees (huey 2.x/3.x; ``huey/storage.py`` dequeue, ``huey/consumer.py`` signals): taking a job off
the queue deletes it (Redis ``BRPOP``, SQLite ``DELETE`` in an exclusive transaction) and nothing acknowledges it,
so each queued job goes to exactly one worker, and a job whose worker dies mid-run is gone (at most once). Huey's
graceful signal lets running jobs finish; its other one stops the consumer at once, and Huey only emits
``SIGNAL_INTERRUPTED`` for the running jobs. ``recap worker`` makes SIGTERM the graceful one (what Procfile
platforms, systemd and Docker send), so SIGINT is the immediate stop. Jobs still queued or scheduled survive any
death. The tests below pin each of these facts on both back ends, so a change in Huey or in ``recap worker`` shows
up here. Getting a dead worker's job back is Recap's own job ledger (``bot/jobs/ledger.py``, tested in
``test_job_ledger.py``).
"""

from __future__ import annotations

import signal
import time
from collections import Counter
from pathlib import Path

import pytest

from bot.config import Settings
from bot.context import Services
from bot.jobs import Jobs
from bot.storage import create_store
from tests.support.queue_worker import done_log, marking_tasks, wait_for, worker_process

pytest_plugins = ["tests.support.backends"]  # queue: SQLite, then Redis


@pytest.fixture
def marks(tmp_path) -> Path:
    folder = tmp_path / "marks"
    folder.mkdir()
    return folder


@pytest.fixture
def services(tmp_path, queue):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'recap.db'}", queue_url=queue.url)
    services = Services(settings, store=create_store(settings))
    yield services
    services.store.engine.dispose()


def marking_jobs(queue, services, marks) -> Jobs:
    """Jobs with the marking job table on a new Huey of ``queue`` (another process's view of the same queue)."""
    return Jobs(queue.huey(), services, tasks=marking_tasks(marks))


def test_two_consumers_share_the_queue_and_the_schedule_each_job_runs_once(queue, services, marks):
    web = marking_jobs(queue, services, marks)
    workers = [marking_jobs(queue, services, marks) for _ in range(2)]
    consumers = [worker.start_consumer(workers=2) for worker in workers]
    now_ids, later_ids = [f"now-{n}" for n in range(40)], [f"later-{n}" for n in range(20)]
    try:
        for job_id in now_ids:
            web.enqueue("mark", {"id": job_id})
        for n, job_id in enumerate(later_ids):  # both consumers' schedulers race to move these to the queue
            web.enqueue("mark", {"id": job_id}, delay=0.5 + n / 40)
        assert wait_for(lambda: len(done_log(marks)) >= 60), done_log(marks)
    finally:
        for consumer in consumers:
            consumer.stop_flag.set()  # both stop at once: each graceful stop then waits only for its own threads
        for consumer in consumers:
            consumer.stop(graceful=True)
    runs = Counter(job_id for job_id, _ in done_log(marks))
    assert runs == Counter(now_ids + later_ids)  # every job, and each exactly once
    assert web.pending() == [] and web.scheduled() == []


def test_a_consumer_runs_a_delayed_job_once_its_time_has_come(queue, services, marks):
    jobs = marking_jobs(queue, services, marks)
    consumer = jobs.start_consumer(workers=1)
    try:
        due = time.time() + 1.5
        jobs.enqueue("mark", {"id": "later"}, delay=1.5)  # Huey queues it with an eta; a worker parks it
        assert wait_for(lambda: done_log(marks)), "the delayed job never ran"
    finally:
        consumer.stop(graceful=True)
    assert done_log(marks) == [("later", 1)]
    assert (marks / "done.log").stat().st_mtime >= due - 0.01  # not before its time


def test_a_consumer_honours_retry_after_then_runs_the_job_once(queue, services, marks):
    jobs = marking_jobs(queue, services, marks)
    consumer = jobs.start_consumer(workers=1)
    try:
        jobs.enqueue("flaky", {"id": "f", "retry_after": 1})
        assert wait_for(lambda: done_log(marks)), "the retried job never ran"
    finally:
        consumer.stop(graceful=True)
    first, second = (float(t) for t in (marks / "tries-f.log").read_text().split())
    assert second - first >= 0.99  # the retry waited for Retry-After (1 s) rather than hammering Webex
    assert done_log(marks) == [("f", 2)] and jobs.scheduled() == [] and jobs.pending() == []


@pytest.mark.slow
@pytest.mark.parametrize("signal_name, held_job", [
    ("SIGKILL", "lost"),       # OOM killer, power loss, `kill -9`: nothing can save the running job
    ("SIGINT", "lost"),        # the immediate shutdown: SIGNAL_INTERRUPTED is emitted, the job is not re-queued
    ("SIGTERM", "finished"),   # recap worker's graceful shutdown: the running job finishes, nothing new is taken
])
def test_what_becomes_of_jobs_when_a_worker_process_is_stopped(queue, services, marks, tmp_path, signal_name,
                                                               held_job):
    jobs = marking_jobs(queue, services, marks)
    for payload in ({"id": "held"}, {"id": "next-1"}, {"id": "next-2"}):
        jobs.enqueue("hold" if payload["id"] == "held" else "mark", payload)
    log_path = tmp_path / "worker.log"
    with worker_process(queue, services.settings.database_url, marks, log_path) as worker:
        assert wait_for(lambda: (marks / "started-held").exists()), log_path.read_text()
        worker.send_signal(getattr(signal, signal_name))
        if signal_name == "SIGTERM":  # release the job only once the shutdown began, so it is in flight throughout
            assert wait_for(lambda: "Shutting down gracefully" in log_path.read_text()), log_path.read_text()
            (marks / "release-held").touch()
        worker.wait(timeout=30)
    (marks / "release-held").touch()
    finished = [job_id for job_id, _ in done_log(marks)]
    assert finished == (["held"] if held_job == "finished" else []), log_path.read_text()
    # The jobs nobody had taken are still queued, and the held one is nowhere else (no retry, no schedule).
    assert [job.payload["id"] for job in jobs.pending()] == ["next-1", "next-2"]
    assert jobs.scheduled() == []
    jobs.run_pending()  # (may also run a periodic job the worker's scheduler queued: not ours to count)
    assert [job_id for job_id, _ in done_log(marks)] == finished + ["next-1", "next-2"]
