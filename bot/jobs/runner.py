"""The generic queue runner: one Huey task that runs named jobs from a ``TaskTable``, and the retry policy.

The runner names no job: the table it is given does (Recap's is ``bot.jobs.tasks``). Jobs receive JSON-able
payloads only (ids and event dicts, never clients or ORM objects). ``WebexRetryLater`` re-schedules the job
``retry_after`` seconds later instead of sleeping a worker; other transient failures back off
exponentially; both are capped, and a job that finally fails is handed to the table's ``report_failure``.
Every job has a row in the job ledger while it is queued or running (``bot.jobs.ledger``): Huey
forgets a job whose worker dies, the ledger's sweep queues it again.
"""

from __future__ import annotations

import json
import logging
import random
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from huey import crontab
from huey.api import Huey
from huey.consumer import Consumer

from bot.context import Context, Services, failed_in
from bot.errors import UsageError, WebexRetryLater
from bot.jobs.backend import EmbeddedConsumer, QueuedJob, close_huey, naive_utc, queued_job
from bot.jobs.ledger import Claim, JobLeases
from bot.jobs.table import TaskTable
from bot.storage import LedgerJob, is_transient

log = logging.getLogger(__name__)
__all__ = ["QueuedJob", "RetryPolicy", "Runner"]
SEEN_EVENTS_KEPT = timedelta(days=7)


@dataclass(frozen=True)
class RetryPolicy:
    """When to try a failed job again, and how long to wait."""

    max_attempts: int = 6
    base_delay: float = 2.0
    max_delay: float = 300.0
    max_retry_after: float = 900.0  # a longer Retry-After means "not today": give up and say so

    def delay_for(self, exc: BaseException, attempt: int) -> float | None:
        """Seconds to wait before attempt ``attempt + 1``, or None when ``exc`` ends the job."""
        if attempt >= self.max_attempts:
            return None
        if isinstance(exc, WebexRetryLater):
            if exc.retry_after is None:
                return self.backoff(attempt)
            return exc.retry_after if exc.retry_after <= self.max_retry_after else None
        if is_transient(exc):  # a locked or restarting database
            return self.backoff(attempt)
        return None

    def backoff(self, attempt: int) -> float:
        """Exponential delay with a little jitter, so retries of many jobs do not arrive together."""
        return min(self.max_delay, self.base_delay * 2 ** (attempt - 1)) * random.uniform(1.0, 1.1)


class Runner:
    """The queue bound to this process's services and a task table: enqueue named jobs, run them, retry them."""

    def __init__(self, huey: Huey, services: Services, table: TaskTable, *, policy: RetryPolicy | None = None):
        self.huey = huey
        self.services = services
        self.table = table
        self.tasks = dict(table.tasks)
        self.policy = policy or RetryPolicy()
        self.leases = JobLeases(services.store.job_ledger, services.settings.job_lease)
        self._wake = threading.Event()  # wakes an embedded consumer's idle workers
        self._run_task = huey.task(name="recap.run")(self._run)
        huey.periodic_task(crontab(minute="7", hour="*/6"), name="recap.prune_seen")(self._prune_seen)
        huey.periodic_task(crontab(minute="*/5"), name="recap.sweep_tasks")(self._sweep_tasks)
        huey.periodic_task(crontab(minute="*"), name="recap.sweep_jobs")(self.sweep_jobs)

    def enqueue(self, task: str, payload: dict, *, delay: float | None = None, attempt: int = 1) -> None:
        """Queue job ``task`` with a JSON-able ``payload``, to run now or ``delay`` seconds from now."""
        if task not in self.tasks:
            raise KeyError(f"no job named {task!r}")
        try:
            payload = json.loads(json.dumps(payload))
        except (TypeError, ValueError) as exc:
            raise TypeError(f"job payloads must be JSON-able: {exc}") from None
        delay = max(0.0, float(delay or 0.0))
        job_id = self.leases.record(task, payload, attempt=attempt, delay=delay)
        try:
            self._queue(task, payload, attempt, job_id, delay)
        except BaseException:
            self.leases.ledger.remove(job_id)  # not queued: the caller hears of it and may try again
            raise

    def _queue(self, task: str, payload: dict, attempt: int, job_id: str, delay: float) -> None:
        if delay:
            self._run_task.schedule(args=(task, payload, attempt, job_id), delay=delay)
        else:
            self._run_task(task, payload, attempt, job_id)
            self._wake.set()

    def context_for(self, payload: dict) -> Context:
        """A context for a payload: its space and person come from ``roomId``/``personId`` or the event's data."""
        data = payload.get("data") if isinstance(payload.get("data"), dict) else payload
        progress = payload.get("progress") if isinstance(payload.get("progress"), dict) else {}
        return Context(self.services, room_id=data.get("roomId"), person_id=data.get("personId"),
                       person_email=data.get("personEmail"), progress=progress,
                       scheduler=lambda task, body, delay: self.enqueue(task, body, delay=delay))

    def _run(self, task: str, payload: dict, attempt: int, job_id: str | None = None) -> None:
        claim = self.leases.claim(job_id, attempt) if job_id else None  # no id: queued before the ledger existed
        if job_id and claim is None:
            return  # running elsewhere, done already, or superseded by a later attempt
        ctx = self.context_for(payload)
        try:
            if claim and task not in self.table.rerun_safe:
                if claim.interrupted_while_posting and not self._answer_absent(ctx, claim, task, payload):
                    return
                ctx = ctx.about(on_post=claim.post_begun)  # the ledger hears of each post before it is sent
            self._attempt(ctx, claim, task, payload, attempt)
        finally:
            if claim:
                claim.release()  # whatever happened, this process stops renewing the lease

    def _answer_absent(self, ctx: Context, claim: Claim, task: str, payload: dict) -> bool:
        """After a run died while posting: True when its answer provably never reached the space (run again)."""
        check = self.table.answer_checks.get(task)
        return claim.record_interrupted(ctx, task, check(ctx, payload) if check else None)

    def _attempt(self, ctx: Context, claim: Claim | None, task: str, payload: dict, attempt: int) -> None:
        try:
            self.tasks[task](ctx, payload)
        except Exception as exc:  # noqa: BLE001 - every failure is either retried or reported, never dropped
            delay = self.policy.delay_for(exc, attempt)
            if delay is not None:
                log.info("job %s attempt %d failed (%s); retrying in %.1fs", task, attempt, exc, delay)
                self._retry(claim, task, _moved_on(payload, exc), attempt + 1, delay)
                return
            self._give_up(ctx, task, exc, attempt)
        if claim:
            claim.finish()

    def _retry(self, claim: Claim | None, task: str, payload: dict, attempt: int, delay: float) -> None:
        if claim is None:
            self.enqueue(task, payload, delay=delay, attempt=attempt)
            return
        claim.retry(attempt, datetime.now(UTC) + timedelta(seconds=delay), payload)
        self._queue(task, payload, attempt, claim.job.id, delay)  # if this fails, the sweep queues it later

    def _give_up(self, ctx: Context, task: str, exc: Exception, attempt: int) -> None:
        if isinstance(exc, UsageError):
            log.info("job %s: usage error: %s", task, exc)
        else:
            log.warning("job %s failed for good after %d attempt(s)", task, attempt, exc_info=exc)
        if self.table.report_failure is None:
            return
        try:
            # in the space and thread of the command that failed, which the job's context may not know yet
            self.table.report_failure(failed_in(exc, ctx), exc, attempts=attempt)
        except Exception:  # noqa: BLE001 - nothing left to tell the user with; the log keeps it
            log.exception("job %s: could not post the error card", task)

    def _prune_seen(self) -> None:
        """Drop old de-duplication keys, and digests past ``RECAP_DIGEST_TTL`` (README "Data retention")."""
        store = self.services.store
        store.prune_seen(SEEN_EVENTS_KEPT)
        store.purge_digests(older_than=timedelta(days=self.services.settings.digest_ttl_days))

    def _sweep_tasks(self) -> None:
        for task, sweep in self.table.sweeps.items():
            if task in self.tasks:
                sweep(self.context_for({}))

    def sweep_jobs(self, *, now: datetime | None = None) -> list[LedgerJob]:
        """Queue again the jobs a dead worker held or the queue lost (the periodic ``recap.sweep_jobs``)."""
        return self.leases.sweep(lambda job: self._queue(job.task, job.payload, job.attempt, job.id, 0.0), now=now)

    # --- running without a consumer (tests, one-shot tools) ------------------------------------

    def run_pending(self, *, until: datetime | None = None) -> int:
        """Run, in this thread, every queued job and every scheduled one due by ``until``; return how many ran."""
        moment = naive_utc(until or datetime.now(UTC))
        count = 0
        while True:
            for task in self.huey.read_schedule(moment):
                self.huey.enqueue(task)
            if not self.huey.pending_count():  # Redis's dequeue would block a second on an empty queue
                return count
            task = self.huey.dequeue()
            if task is None:
                return count
            count += self.huey.ready_to_run(task, moment)  # a job for later goes back to the schedule
            self.huey.execute(task, moment)

    def pending(self) -> list[QueuedJob]:
        """Jobs queued to run now."""
        return [queued_job(t) for t in self.huey.pending() if t.name == self._run_task.name]

    def scheduled(self) -> list[QueuedJob]:
        """Jobs waiting for their time (retries among them), soonest first."""
        jobs = [queued_job(t) for t in self.huey.scheduled() if t.name == self._run_task.name]
        return sorted(jobs, key=lambda j: j.eta or datetime.min.replace(tzinfo=UTC))

    def ping(self) -> int:
        """The number of queued jobs; raises when the queue cannot be read."""
        return self.huey.pending_count()

    def close(self) -> None:
        """Release the queue's connections (Redis pool, SQLite file); a later call reopens them."""
        close_huey(self.huey)

    # --- consumers ------------------------------------------------------------------------------

    def consumer(self, workers: int = 2, *, embedded: bool = False) -> Consumer:
        """A thread consumer; an idle SQLite queue is polled four times a second (Redis blocks instead).

        An ``embedded`` one (inside the web process) is also woken at once by ``enqueue``.
        """
        options = {"workers": workers, "worker_type": "thread", "periodic": True, "initial_delay": 0.05,
                   "backoff": 1.5, "max_delay": 0.25}
        if embedded:
            return EmbeddedConsumer(self.huey, self._wake, **options)
        # SIGTERM is what Procfile platforms, systemd and Docker send to stop a process: let it finish its
        # running jobs (SIGINT stops at once; the job ledger takes those jobs back after their lease).
        return Consumer(self.huey, graceful_signal="TERM", **options)

    def start_consumer(self, workers: int = 2) -> Consumer:
        """Run a consumer in threads of this process (the embedded default); ``stop()`` it on the way out."""
        consumer = self.consumer(workers, embedded=True)
        consumer.start()
        return consumer


def _moved_on(payload: dict, exc: Exception) -> dict:
    """The payload for the next attempt: with the ``progress`` the failed run carried out (a listing's offset)."""
    progress = getattr(exc, "progress", None)
    if not isinstance(progress, dict):
        return payload
    return {**payload, "progress": {**payload.get("progress", {}), **progress}}
