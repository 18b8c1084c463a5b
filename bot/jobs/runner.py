"""The generic queue runner: one Huey task that runs named jobs from a ``TaskTable`` (retries: ``bot.jobs.policy``).

The runner names no job: the table it is given does (Recap's is ``bot.jobs.tasks``). Jobs receive JSON-able
payloads only (ids and event dicts, never clients or ORM objects). ``WebexRetryLater`` re-schedules the job
``retry_after`` seconds later instead of sleeping a worker; other transient failures back off
exponentially; both are capped, and a job that finally fails is handed to the table's ``report_failure``.
Every job has a row in the job ledger while it is queued or running (``bot.jobs.ledger``): Huey
forgets a job whose worker dies, the ledger's sweep queues it again.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta

from huey import crontab
from huey.api import Huey
from huey.consumer import Consumer

from bot import logs, metrics
from bot.context import Context, Services, failed_in
from bot.errors import UsageError, WebexBadRequest, WebexNotFound
from bot.jobs.backend import EmbeddedConsumer, QueueConsumer, QueuedJob, close_huey, naive_utc, queued_job
from bot.jobs.ledger import Claim, JobLeases
from bot.jobs.policy import RetryPolicy, jsonable, moved_on
from bot.jobs.priority import EdgeFirst
from bot.jobs.table import TaskTable
from bot.storage import SEEN_KEPT, LedgerJob

log = logging.getLogger(__name__)
__all__ = ["QueuedJob", "RetryPolicy", "Runner"]


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
        self.edge = EdgeFirst()  # the web edge marks its requests; an embedded consumer gives them way
        self._run_task = huey.task(name="recap.run")(self._run)
        huey.periodic_task(crontab(minute="7", hour="*/6"), name="recap.prune_seen")(self._prune_seen)
        huey.periodic_task(crontab(minute="*/5"), name="recap.sweep_tasks")(self._sweep_tasks)
        huey.periodic_task(crontab(minute="*"), name="recap.sweep_jobs")(self.sweep_jobs)

    def enqueue(self, task: str, payload: dict, *, delay: float | None = None, attempt: int = 1,
                key: str | None = None) -> None:
        """Queue job ``task`` with a JSON-able ``payload``, to run now or ``delay`` seconds from now.

        A ``key`` names the job, so that queueing it again is safe: while a job of that key waits in the
        ledger, its copy is sent to the queue once more (the ledger lets one copy run; a crash may have lost
        the first on its way to the queue), and a key whose job runs or ran already queues nothing.
        """
        payload = jsonable(self._known(task, payload))
        delay = max(0.0, float(delay or 0.0))
        job_id, new = self.leases.record(task, payload, attempt=attempt, delay=delay, key=key)
        if not new:
            self._queue_again(job_id)  # a job of this key is recorded already
            return
        try:
            self._queue(task, payload, attempt, job_id, delay)
        except BaseException:
            self.leases.ledger.remove(job_id)  # not queued: the caller hears of it and may try again
            raise

    def admit(self, task: str, payload: dict, key: tuple[str, str, str]) -> bool:
        """Queue a webhook event's job unless its ``(resource, event, data id)`` was seen; False for a repeat.

        The seen key and the job's ledger row are written in one transaction (one commit per delivery),
        then the job is queued; if the queue fails, both are withdrawn so that a redelivery can try again.
        """
        job = self.leases.new_job(task, jsonable(self._known(task, payload)), attempt=1)
        store = self.services.store
        if not store.admit(*key, job=job):
            return False
        try:
            self._queue(task, job.payload, 1, job.id, 0.0)
        except BaseException:
            store.withdraw(*key, job_id=job.id)
            raise
        return True

    def _known(self, task: str, payload: dict) -> dict:
        if task not in self.tasks:
            raise KeyError(f"no job named {task!r}")
        return payload

    def _queue_again(self, job_id: str) -> None:
        job = self.leases.ledger.get(job_id)
        if job is None or job.state != "queued":
            return  # over, or running: nothing was lost
        delay = max(0.0, (job.due_at - datetime.now(UTC)).total_seconds())
        log.info("job %s (%s) is still queued; sent to the queue again in case it was lost", job_id, job.task)
        self._queue(job.task, job.payload, job.attempt, job.id, delay)

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
        text = {name: value if isinstance(value := data.get(name), str) else None  # the web edge drops others
                for name in ("roomId", "personId", "personEmail")}
        return Context(self.services, room_id=text["roomId"], person_id=text["personId"],
                       person_email=text["personEmail"], progress=progress,
                       scheduler=lambda task, body, delay, key: self.enqueue(task, body, delay=delay, key=key))

    def _run(self, task: str, payload: dict, attempt: int, job_id: str | None = None) -> None:
        with logs.bound(job_id=job_id, event_id=logs.event_id_of(payload)):  # on every line this run logs
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
        started, outcome = time.monotonic(), "ok"
        try:
            self.tasks[task](ctx, payload)
        except Exception as exc:  # noqa: BLE001 - every failure is either retried or reported, never dropped
            delay = self.policy.delay_for(exc, attempt)
            if delay is not None:
                log.info("job %s attempt %d failed (%s); retrying in %.1fs", task, attempt, exc, delay)
                metrics.job_finished(task, "retried", since=started)
                self._retry(claim, task, moved_on(payload, exc), attempt + 1, delay)
                return
            outcome = self._give_up(ctx, task, exc, attempt)  # "usage" (a person's mistake) or "failed"
        metrics.job_finished(task, outcome, since=started)
        if claim:
            claim.finish()

    def _retry(self, claim: Claim | None, task: str, payload: dict, attempt: int, delay: float) -> None:
        if claim is None:
            self.enqueue(task, payload, delay=delay, attempt=attempt)
            return
        claim.retry(attempt, datetime.now(UTC) + timedelta(seconds=delay), payload)
        self._queue(task, payload, attempt, claim.job.id, delay)  # if this fails, the sweep queues it later

    def _give_up(self, ctx: Context, task: str, exc: Exception, attempt: int) -> str:
        mistake = isinstance(exc, UsageError) or (isinstance(exc, WebexNotFound | WebexBadRequest)
                                                  and failed_in(exc, ctx) is not ctx)
        if mistake:  # what they typed, or their id or range Webex refused: the card says what to do; one line here
            log.info("job %s: the request could not be met: %s: %s", task, type(exc).__name__, exc)
        else:
            log.warning("job %s failed for good after %d attempt(s)", task, attempt, exc_info=exc)
        if self.table.report_failure is not None:
            try:
                # in the space and thread of the command that failed, which the job's context may not know yet
                self.table.report_failure(failed_in(exc, ctx), exc, attempts=attempt)
            except Exception:  # noqa: BLE001 - nothing left to tell the user with; the log keeps it
                log.exception("job %s: could not post the error card", task)
        return "usage" if mistake else "failed"

    def _prune_seen(self) -> None:
        """Drop old de-duplication keys, and digests past ``RECAP_DIGEST_TTL`` (README "Data retention")."""
        store = self.services.store
        store.prune_seen(SEEN_KEPT)
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
            return EmbeddedConsumer(self.huey, self._wake, self.edge, **options)
        # SIGTERM is what Procfile platforms, systemd and Docker send to stop a process: let it finish its
        # running jobs (SIGINT stops at once; the job ledger takes those jobs back after their lease).
        return QueueConsumer(self.huey, graceful_signal="TERM", **options)

    def start_consumer(self, workers: int = 2) -> Consumer:
        """Run a consumer in threads of this process (the embedded default); ``stop()`` it on the way out."""
        consumer = self.consumer(workers, embedded=True)
        consumer.start()
        return consumer
