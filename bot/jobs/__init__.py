"""The job queue: the generic runner, the task table, the Huey backend and the job ledger (leases, sweep).

The only package that imports Huey."""

from bot.jobs.ledger import subject
from bot.jobs.runner import Jobs, RetryPolicy, TaskFunction, create_huey, create_jobs

__all__ = ["Jobs", "RetryPolicy", "TaskFunction", "create_huey", "create_jobs", "subject"]
