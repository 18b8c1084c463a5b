"""Huey for ``bot.jobs.runner``: the instance a ``QUEUE_URL`` names, closing it, and its consumers.

A consumer (``QueueConsumer``, and ``EmbeddedConsumer`` inside another program) rides out a queue that
does not answer: one line when it goes, one when it is back, and a growing pause between tries.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from huey import MemoryHuey, RedisHuey
from huey.api import Huey
from huey.consumer import Consumer, Scheduler, Worker
from huey.storage import SqliteStorage

from bot.errors import ConfigError
from bot.jobs.priority import EdgeFirst

log = logging.getLogger(__name__)


class SqliteQueue(SqliteStorage):
    """Huey's SQLite queue in WAL mode with ``synchronous=NORMAL``, as Recap's state database is.

    Huey leaves SQLite's default, a full sync of the WAL at every commit: about 3 ms each on a cloud disk,
    which capped ingest near 300 deliveries a second (``bench/webhook_ingest.py``). With NORMAL a commit
    survives the process dying; a power cut may lose the last commits, as it may the state database's.
    """

    def _create_connection(self):
        conn = super()._create_connection()
        conn.execute("pragma synchronous=NORMAL")
        return conn


def create_huey(queue_url: str, *, name: str = "recap") -> Huey:
    """Huey for ``QUEUE_URL``: ``sqlite:///FILE`` (default), ``redis://…``, or ``memory://`` (immediate, tests).

    A Redis URL may name the queue (its key prefix) with ``?queue=NAME``, so deployments can share a database.
    """
    scheme = urlsplit(queue_url).scheme
    if scheme == "sqlite":
        filename = queue_url[len("sqlite:///"):] if queue_url.startswith("sqlite:///") else ""
        if not filename:
            raise ConfigError(f"QUEUE_URL must name a file, like sqlite:///recap-queue.db, got {queue_url!r}")
        return Huey(name, results=False, storage_class=SqliteQueue, filename=filename)
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


class QueueOutage:
    """A consumer's view of whether its queue answers: one log line when that changes, a growing pause meanwhile.

    Without it, every worker thread and the scheduler log a traceback for each failed poll (with Redis down
    that was 340 in 20 s); with it, "queue unreachable: …; retrying" once, then "queue reachable again".
    """

    def __init__(self, first_pause: float = 0.5, max_pause: float = 30.0):
        self.first_pause, self.max_pause = first_pause, max_pause
        self.pause = first_pause
        self.down = False
        self._lock = threading.Lock()

    def failed(self, exc: BaseException) -> float:
        """Note a failed call; the seconds to wait before the next (doubling up to ``max_pause``)."""
        with self._lock:
            if not self.down:
                reason = (str(exc).splitlines() or [""])[0]
                log.warning("queue unreachable: %s: %s; retrying (pausing up to %g s)", type(exc).__name__, reason,
                            self.max_pause)
            pause, self.down = self.pause, True
            self.pause = min(self.max_pause, self.pause * 2)
        return pause

    def answered(self) -> None:
        """Note a call that worked."""
        if self.down:
            with self._lock:
                if self.down:
                    log.warning("queue reachable again")
                self.down, self.pause = False, self.first_pause


class GuardedQueue:
    """The Huey a worker or the scheduler polls: a call that fails is reported to the ``QueueOutage`` and paused.

    Only the polling calls (``dequeue``, ``read_schedule``, ``enqueue``) are guarded; anything else is Huey's.
    """

    def __init__(self, huey: Huey, outage: QueueOutage, stop_flag: threading.Event):
        self._huey, self._outage, self._stop_flag = huey, outage, stop_flag

    def __getattr__(self, name: str):
        return getattr(self._huey, name)

    def dequeue(self):
        """The next task, or None (also when the queue cannot be read: after a pause)."""
        return self._guarded(self._huey.dequeue, None)

    def read_schedule(self, now=None) -> list:
        """The scheduled tasks now due ([] when the schedule cannot be read)."""
        return self._guarded(lambda: self._huey.read_schedule(now), [])

    def enqueue(self, task) -> None:
        """Queue ``task`` (a periodic or due one); dropped when the queue is down (the sweeps catch up)."""
        self._guarded(lambda: self._huey.enqueue(task), None)

    def _guarded(self, call, default):
        try:
            value = call()
        except Exception as exc:  # noqa: BLE001 - Redis down, a locked or vanished SQLite file: all the same here
            self._stop_flag.wait(self._outage.failed(exc))
            return default
        self._outage.answered()
        return value


class QueueConsumer(Consumer):
    """Huey's consumer whose workers and scheduler back off quietly while the queue is unreachable."""

    def __init__(self, huey: Huey, **options):
        self.outage = QueueOutage()  # set before the base class creates the workers
        super().__init__(huey, **options)

    def _create_worker(self) -> Worker:
        return Worker(huey=GuardedQueue(self.huey, self.outage, self.stop_flag), stop_flag=self.stop_flag,
                      default_delay=self.default_delay, max_delay=self.max_delay, backoff=self.backoff,
                      max_tasks=self.max_tasks)

    def _create_scheduler(self) -> Scheduler:
        return Scheduler(huey=GuardedQueue(self.huey, self.outage, self.stop_flag), stop_flag=self.stop_flag,
                         interval=self.scheduler_interval, periodic=self.periodic)


class WakeableWorker(Worker):
    """A worker whose idle wait ends as soon as a job is queued in this process, and which lets webhooks go first."""

    def __init__(self, *args, wake: threading.Event, edge: EdgeFirst | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.wake, self.edge = wake, edge

    def loop(self, now=None) -> None:
        """Take and run the next job once the web edge of this process is between requests."""
        if self.edge is not None:
            self.edge.wait_turn()
        super().loop(now)

    def sleep(self) -> None:
        """Wait while idle: until a job is queued here, or the back-off delay passes."""
        self.wake.wait(min(self.delay, self.max_delay))
        self.wake.clear()
        self.delay = min(self.delay * self.backoff, self.max_delay)


class EmbeddedConsumer(QueueConsumer):
    """A consumer inside another program: the host (web server, CLI) owns the signals; enqueue wakes it."""

    def __init__(self, huey: Huey, wake: threading.Event, edge: EdgeFirst | None = None, **options):
        self._wake, self._edge = wake, edge  # set before the base class creates the workers
        super().__init__(huey, **options)

    def _create_worker(self) -> Worker:
        return WakeableWorker(huey=GuardedQueue(self.huey, self.outage, self.stop_flag), stop_flag=self.stop_flag,
                              default_delay=self.default_delay, max_delay=self.max_delay, backoff=self.backoff,
                              max_tasks=self.max_tasks, wake=self._wake, edge=self._edge)

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
