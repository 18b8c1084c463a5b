"""Jobs run under the job ledger (``bot.storage.job_ledger``): claims, leases kept alive by a heartbeat, the sweep.

A run claims its job's row for the attempt it carries. One heartbeat thread per process renews the leases
of the runs it holds every third of ``RECAP_JOB_LEASE``, so a job is taken back only when its worker is
dead (or frozen for a whole lease), never because it is slow. The sweep (a periodic job, every minute)
queues again the jobs whose lease lapsed and those still queued ``GRACE_LEASES`` leases after their time.

A job whose worker died after it began posting a bot message may have answered already, and Webex has
no idempotent post. The runner (``bot.jobs.runner``) asks the job's answer check in the task table (for
commands, ``bot.chat.recovery``) whether the answer is in the space: in a 1:1 space it can tell, and a job
whose answer is provably absent runs again (exactly once). Otherwise (the answer found, or a group space,
which a bot cannot read) it is recorded here instead (log and audit line) and not run again: at most once,
as automatic recaps in a group space are after an expired claim. Jobs that keep a ledger of their own
(``rerun_safe``) always run again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.context import Context
from bot.storage import JobLedger, LedgerJob, NewJob, utcnow

log = logging.getLogger(__name__)
GRACE_LEASES = 10  # a job queued this many leases past its time was lost on its way through the queue


class Heartbeat:
    """Renews the leases this process holds, from one thread that exists only while it holds some."""

    def __init__(self, ledger: JobLedger, lease: timedelta):
        self.ledger, self.lease = ledger, lease
        self._held: set[str] = set()
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def hold(self, token: str) -> None:
        """Keep the lease of the run holding ``token`` alive until ``release``."""
        with self._changed:
            self._held.add(token)
            if self._thread is None:
                self._thread = threading.Thread(target=self._beat, name="recap-job-heartbeat", daemon=True)
                self._thread.start()

    def release(self, token: str) -> None:
        """Stop renewing ``token`` (the thread ends once nothing is held)."""
        with self._changed:
            self._held.discard(token)
            self._changed.notify_all()

    def _beat(self) -> None:
        interval = self.lease.total_seconds() / 3
        while True:
            with self._changed:
                self._changed.wait_for(lambda: not self._held, timeout=interval)
                if not self._held:
                    self._thread = None
                    return
                tokens = sorted(self._held)
            try:
                self.ledger.renew(tokens, lease=self.lease)
            except Exception:  # noqa: BLE001 - a database hiccup: the next beat tries again, well within the lease
                log.warning("could not renew the leases of %d running job(s)", len(tokens), exc_info=True)


@dataclass(frozen=True)
class Claim:
    """This process's hold on one run of a job."""

    ledger: JobLedger
    heartbeat: Heartbeat
    job: LedgerJob
    token: str

    @property
    def interrupted_while_posting(self) -> bool:
        """Whether an earlier run of this attempt died after it began posting (the answer may be out)."""
        return self.job.posts > 0

    def post_begun(self) -> None:
        """Record that this run is about to post a bot message."""
        self.ledger.post_begun(self.job.id, self.token)

    def finish(self) -> None:
        """The run is over: the job leaves the ledger."""
        self.release()
        self.ledger.finish(self.job.id, self.token)

    def release(self) -> None:
        """Stop renewing the lease (after ``finish`` or ``retry``, or when the run ended abnormally)."""
        self.heartbeat.release(self.token)

    def record_interrupted(self, ctx: Context, task: str, found: str | None) -> bool:
        """Log and audit a run that died after it began posting; True when it should run again (answer ``absent``).

        ``found`` is the verdict of the job's answer check (``bot.chat.recovery`` for commands): ``absent``
        (run it again now), ``found`` (the answer is out), ``unknowable`` or None for a job that has no check
        (it may be out: not answered again, at most once). Unless ``absent``, the job is closed here.
        """
        outcomes = {"absent": "retried: the worker stopped before its answer reached the space; answering again",
                    "found": "ok: the worker stopped after answering; the answer is in the space"}
        outcome = outcomes.get(found, "unknown: the worker stopped while answering; not answered again")
        (log.info if found == "found" else log.warning)(
            "job %s (%s): its worker died while posting; %s", self.job.id, task, outcome.split(": ", 1)[1])
        ctx.audit("interrupted", (subject(self.job.payload),), outcome)  # the webhook event it was answering
        if found == "absent":
            return True
        self.finish()
        return False

    def retry(self, attempt: int, due_at: datetime, payload: dict | None = None) -> None:
        """The job goes back to ``queued`` for ``attempt``, due at ``due_at`` (queue it after this)."""
        self.release()
        self.ledger.retry(self.job.id, self.token, attempt=attempt, due_at=due_at, payload=payload)


def subject(payload: dict) -> str:
    """What a job is about, for a log line: the webhook event's data id, or the meeting of a recap delivery."""
    data = payload.get("data") if isinstance(payload.get("data"), dict) else {}
    return str(data.get("id") or payload.get("meetingId") or "-")


class JobLeases:
    """The ledger as the job runner uses it: record before queueing, claim to run, sweep what was lost."""

    def __init__(self, ledger: JobLedger, lease_seconds: float):
        self.ledger = ledger
        self.lease = timedelta(seconds=lease_seconds)
        self.grace = self.lease * GRACE_LEASES
        self.heartbeat = Heartbeat(ledger, self.lease)

    @staticmethod
    def new_job(task: str, payload: dict, *, attempt: int, delay: float = 0.0, job_id: str | None = None) -> NewJob:
        """The ledger row of a job about to be queued (a fresh id unless ``job_id`` is given)."""
        return NewJob(job_id or uuid.uuid4().hex, task, payload, attempt, utcnow() + timedelta(seconds=delay))

    def record(self, task: str, payload: dict, *, attempt: int, delay: float = 0.0,
               key: str | None = None) -> tuple[str, bool]:
        """Write the row of a job about to be queued; its id, and False when a job of ``key`` had a row already."""
        job = self.new_job(task, payload, attempt=attempt, delay=delay,
                           job_id=None if key is None else hashlib.sha256(f"{task}:{key}".encode()).hexdigest()[:32])
        if key is None:
            self.ledger.add(job)
            return job.id, True
        return job.id, self.ledger.add_once(job)

    def claim(self, job_id: str, attempt: int) -> Claim | None:
        """Hold the job for this run (renewed by the heartbeat), or None when it is not ours to run."""
        token = uuid.uuid4().hex
        holder = f"{socket.gethostname()}:{os.getpid()}"  # at claim time: gunicorn and Huey may have forked
        job = self.ledger.claim(job_id, attempt, token=token, lease=self.lease, holder=holder)
        if job is None:
            current = self.ledger.get(job_id)
            if current is None:  # done by an earlier copy of it, or recorded in another database
                log.info("job %s is in no ledger row (done already, or DATABASE_URL differs from the web's)", job_id)
            else:
                log.info("job %s attempt %d: %s elsewhere (attempt %d); skipped", job_id, attempt, current.state,
                         current.attempt)
            return None
        self.heartbeat.hold(token)
        return Claim(self.ledger, self.heartbeat, job, token)

    def sweep(self, requeue: Callable[[LedgerJob], None], *, now: datetime | None = None) -> list[LedgerJob]:
        """Queue again every overdue job (lapsed lease, or lost in the queue); the ones this call re-queued."""
        now = now or utcnow()
        redriven = []
        for job in self.ledger.overdue(grace=self.grace, now=now):
            if not self.ledger.redrive(job, grace=self.grace, now=now):
                continue  # another sweeper took it, or it started meanwhile
            log.warning("job %s (%s, attempt %d, about %s) was %s; queued again", job.id, job.task, job.attempt,
                        subject(job.payload),
                        "held by a worker that stopped renewing it" if job.state == "running" else "lost in the queue")
            requeue(job)
            redriven.append(job)
        return redriven

    def counts(self) -> dict[str, int]:
        """Queued, running and overdue jobs."""
        return self.ledger.counts(grace=self.grace)
