"""The job queue: the generic runner, the task table, the Huey backend and the job ledger (leases, sweep).

The only package that imports Huey."""

from bot.jobs.backend import QueuedJob, close_huey, create_huey
from bot.jobs.ledger import subject
from bot.jobs.runner import RetryPolicy, Runner
from bot.jobs.table import AnswerCheck, FailureReport, TaskFunction, TaskTable
from bot.jobs.tasks import Jobs, create_jobs, default_table, default_tasks

__all__ = [
    "AnswerCheck",
    "FailureReport",
    "Jobs",
    "QueuedJob",
    "RetryPolicy",
    "Runner",
    "TaskFunction",
    "TaskTable",
    "close_huey",
    "create_huey",
    "create_jobs",
    "default_table",
    "default_tasks",
    "subject",
]
