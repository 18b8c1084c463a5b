"""A ``recap worker`` stand-in for the queue tests: the same consumer, with jobs that leave marks in a folder.

``python -m tests.support.queue_worker QUEUE_URL QUEUE_NAME DATABASE_URL MARKS`` builds ``Jobs`` exactly as
``recap worker`` does and calls ``jobs.consumer(1).run()`` (Huey's signal handling included), but with the job
table of ``marking_tasks``: ``mark`` appends "<id> <attempt>" to ``MARKS/done.log``; ``hold`` writes
``MARKS/started-<id>``, waits for ``MARKS/release-<id>``, then marks. A test can so kill a worker mid-job.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.config import Settings
from bot.context import Services
from bot.errors import WebexRetryLater
from bot.jobs import Jobs, TaskFunction, create_huey

HOLD_LIMIT = 60.0  # seconds a held job waits for its release before giving up (a test that died)


def done_log(marks: Path) -> list[tuple[str, int]]:
    """(job id, attempt) of every finished job, in the order they finished."""
    path = marks / "done.log"
    lines = path.read_text().splitlines() if path.exists() else []
    return [(job_id, int(attempt)) for job_id, attempt in (line.split() for line in lines)]


def marking_tasks(marks: Path) -> dict[str, TaskFunction]:
    """The job table: ``mark``, ``hold``, and ``flaky`` (a 429 with ``retry_after`` on its first try)."""

    def mark(ctx, payload: dict) -> None:
        with open(marks / "done.log", "a") as log:  # one short O_APPEND write per job: lines never interleave
            log.write(f"{payload['id']} {payload.get('attempt', 1)}\n")

    def hold(ctx, payload: dict) -> None:
        (marks / f"started-{payload['id']}").write_text(str(os.getpid()))
        deadline = time.monotonic() + HOLD_LIMIT
        while not (marks / f"release-{payload['id']}").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        mark(ctx, payload)

    def flaky(ctx, payload: dict) -> None:
        tries = marks / f"tries-{payload['id']}.log"
        with open(tries, "a") as log:
            log.write(f"{time.time():.6f}\n")
        if len(tries.read_text().splitlines()) == 1:
            raise WebexRetryLater("429", status=429, retry_after=payload["retry_after"])
        mark(ctx, {**payload, "attempt": 2})

    return {"mark": mark, "hold": hold, "flaky": flaky}


def marking_jobs(queue_url: str, queue_name: str, database_url: str, marks: Path) -> Jobs:
    """``Jobs`` over the given queue with the marking job table."""
    services = Services(Settings(database_url=database_url, queue_url=queue_url))
    return Jobs(create_huey(queue_url, name=queue_name), services, tasks=marking_tasks(marks))


ROOT = Path(__file__).resolve().parents[2]


def wait_for(predicate, timeout: float = 30.0) -> bool:
    """Poll ``predicate`` until it is true or ``timeout`` seconds passed; its last value."""
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.02)
    return bool(predicate())


@contextmanager
def worker_process(queue, database_url: str, marks: Path, log_path: Path) -> Iterator[subprocess.Popen]:
    """This module as a worker process on ``queue`` (a ``QueueBackend``), logging to a file; killed on the way out."""
    command = [sys.executable, "-m", "tests.support.queue_worker", queue.url, queue.name, database_url, str(marks)]
    with open(log_path, "wb") as log:
        worker = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield worker
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()


def main(argv: list[str]) -> None:
    """Run one consumer thread until a signal stops it, as ``recap worker --workers 1`` does."""
    queue_url, queue_name, database_url, marks = argv
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    marking_jobs(queue_url, queue_name, database_url, Path(marks)).consumer(1).run()


if __name__ == "__main__":
    main(sys.argv[1:])
