"""``recap status``: what an operator watches — queue depth, the job ledger, the recap delivery ledger.

Read-only and quick (a few counts), so a monitor can run it every minute: ``--format json`` for
machines. ``overdue`` jobs (a lapsed lease, or queued far past their time) and ``claimed``
deliveries whose lease ran out are what the periodic sweeps re-queue; a number that stays above
zero across several minutes means no worker is running the sweeps (or none is running at all).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings
from bot.jobs import create_jobs


@dataclass(frozen=True)
class Status:
    """The counts ``recap status`` prints."""

    queued_now: int  # in the queue (a delayed job waits there until a worker moves it to the schedule)
    scheduled: int
    jobs: dict[str, int]
    deliveries: dict[str, int]
    stale_claims: int

    @property
    def attention(self) -> bool:
        """Whether something is overdue (a sweep should have re-queued it)."""
        return bool(self.jobs.get("overdue") or self.stale_claims)

    def lines(self) -> list[str]:
        """Human-readable lines."""
        jobs, recaps = self.jobs, self.deliveries
        return [f"queue: {self.queued_now} job(s) queued, {self.scheduled} in the schedule (retries, later looks)",
                f"job ledger: {jobs['queued']} queued, {jobs['running']} running, {jobs['overdue']} overdue",
                "recap deliveries: " + ", ".join(f"{count} {state}" for state, count in recaps.items())
                + f"; {self.stale_claims} claim(s) past their lease"]

    def as_dict(self) -> dict:
        """The same, for ``--format json``."""
        return {"queue": {"now": self.queued_now, "scheduled": self.scheduled}, "jobs": self.jobs,
                "deliveries": self.deliveries, "staleClaims": self.stale_claims, "attention": self.attention}


def collect(settings: Settings) -> Status:
    """Count what is queued, running and waiting, from the queue and both ledgers."""
    jobs = create_jobs(settings)
    store = jobs.services.store
    try:
        deliveries = store.delivery_counts()
        return Status(jobs.ping(), len(jobs.scheduled()), jobs.leases.counts(), deliveries.by_state,
                      deliveries.stale_claims)
    finally:
        jobs.close()
        store.close()
