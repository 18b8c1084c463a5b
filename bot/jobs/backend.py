"""Huey for ``bot.jobs.runner``: the instance a ``QUEUE_URL`` names, closing it, and a consumer embedded elsewhere."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from huey import MemoryHuey, RedisHuey, SqliteHuey
from huey.api import Huey
from huey.consumer import Consumer, Worker

from bot.errors import ConfigError


def create_huey(queue_url: str, *, name: str = "recap") -> Huey:
    """Huey for ``QUEUE_URL``: ``sqlite:///FILE`` (default), ``redis://…``, or ``memory://`` (immediate, tests).

    A Redis URL may name the queue (its key prefix) with ``?queue=NAME``, so deployments can share a database.
    """
    scheme = urlsplit(queue_url).scheme
    if scheme == "sqlite":
        filename = queue_url[len("sqlite:///"):] if queue_url.startswith("sqlite:///") else ""
        if not filename:
            raise ConfigError(f"QUEUE_URL must name a file, like sqlite:///recap-queue.db, got {queue_url!r}")
        return SqliteHuey(name, filename=filename, results=False)
    if scheme in ("redis", "rediss"):
        parts = urlsplit(queue_url)
        query = parse_qsl(parts.query)
        name = next((value for key, value in query if key == "queue" and value), name)
        url = urlunsplit(parts._replace(query=urlencode([(k, v) for k, v in query if k != "queue"])))
        return RedisHuey(name, url=url, results=False)
    if scheme == "memory":
        return MemoryHuey(name, results=False, immediate=True)
    raise ConfigError(f"QUEUE_URL must be sqlite:///FILE, redis://HOST:PORT/DB or memory://, got {queue_url!r}")


def close_huey(huey: Huey) -> None:
    """Release what a Huey holds open: Redis's connection pool, SQLite's connection (a later call reopens them)."""
    storage = huey.storage
    if hasattr(storage, "pool"):
        storage.pool.disconnect()  # Redis
    elif hasattr(storage, "close"):
        storage.close()  # SQLite


class WakeableWorker(Worker):
    """A worker whose idle wait ends as soon as a job is queued in this process."""

    def __init__(self, *args, wake: threading.Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.wake = wake

    def sleep(self) -> None:
        """Wait while idle: until a job is queued here, or the back-off delay passes."""
        self.wake.wait(min(self.delay, self.max_delay))
        self.wake.clear()
        self.delay = min(self.delay * self.backoff, self.max_delay)


class EmbeddedConsumer(Consumer):
    """A consumer inside another program: the host (web server, CLI) owns the signals; enqueue wakes it."""

    def __init__(self, huey: Huey, wake: threading.Event, **options):
        self._wake = wake  # set before the base class creates the workers
        super().__init__(huey, **options)

    def _create_worker(self) -> Worker:
        return WakeableWorker(huey=self.huey, stop_flag=self.stop_flag, default_delay=self.default_delay,
                              max_delay=self.max_delay, backoff=self.backoff, max_tasks=self.max_tasks,
                              wake=self._wake)

    def _set_signal_handlers(self) -> None:
        pass


@dataclass(frozen=True)
class QueuedJob:
    """A job waiting in the queue or the schedule (for tests, ``healthz`` and operators)."""

    task: str
    payload: dict
    attempt: int
    eta: datetime | None
    job_id: str | None = None


def naive_utc(moment: datetime) -> datetime:
    """A moment as Huey keeps it: naive UTC."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def queued_job(task) -> QueuedJob:
    """The ``QueuedJob`` a Huey task of the runner stands for."""
    name, payload, attempt, *job_id = task.args
    return QueuedJob(name, payload, attempt, task.eta.replace(tzinfo=UTC) if task.eta else None, *job_id)
