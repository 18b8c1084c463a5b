"""Recap's task table: the one place that names the jobs, and the queue wired to it (``Jobs``, ``create_jobs``).

Add a job here (or pass ``tasks=``), never by import side effect. A job receives ``(ctx, payload)`` with a
JSON-able payload; see ``bot.jobs.runner`` for how it is run, retried and reported.
"""

from __future__ import annotations

from collections.abc import Mapping

from huey.api import Huey

from bot.chat import answer_in_space, handlers
from bot.config import Settings
from bot.context import Services
from bot.jobs.backend import create_huey
from bot.jobs.runner import RetryPolicy, Runner
from bot.jobs.table import AnswerCheck, TaskFunction, TaskTable
from bot.recaps import delivery, pipeline

__all__ = ["ANSWER_CHECKS", "Jobs", "RERUN_SAFE", "create_jobs", "default_table", "default_tasks", "table_for"]
# Jobs that keep a ledger of their own and check it, so running them again after a crash is always safe.
RERUN_SAFE = frozenset({"meeting_ended", delivery.DELIVERY_TASK})
# Jobs that can tell whether an interrupted run's answer reached its space (the others stay at most once).
ANSWER_CHECKS: dict[str, AnswerCheck] = {"event": answer_in_space}


def default_tasks() -> dict[str, TaskFunction]:
    """The jobs: name → function(ctx, payload)."""
    return {"event": handlers.handle_event, "meeting_ended": pipeline.on_meeting_ended,
            delivery.DELIVERY_TASK: pipeline.deliver_recap}


def default_table() -> TaskTable:
    """Recap's jobs with their rules: which may rerun, which can check an answer, who reports, what sweeps."""
    return TaskTable(default_tasks(), rerun_safe=RERUN_SAFE, answer_checks=ANSWER_CHECKS,
                     report_failure=handlers.report_failure, sweeps={delivery.DELIVERY_TASK: delivery.sweep})


def table_for(tasks: TaskTable | Mapping[str, TaskFunction] | None) -> TaskTable:
    """``tasks`` as a table: Recap's when None, Recap's rules over the given jobs for a plain mapping."""
    if isinstance(tasks, TaskTable):
        return tasks
    return default_table() if tasks is None else default_table().with_tasks(tasks)


class Jobs(Runner):
    """The queue bound to this process's services, running Recap's task table (or ``tasks=``)."""

    def __init__(self, huey: Huey, services: Services, *, tasks: TaskTable | Mapping[str, TaskFunction] | None = None,
                 policy: RetryPolicy | None = None):
        super().__init__(huey, services, table_for(tasks), policy=policy)


def create_jobs(settings_or_services: Settings | Services, **options) -> Jobs:
    """The queue for ``QUEUE_URL`` bound to services (built from settings when settings are given)."""
    services = settings_or_services if isinstance(settings_or_services, Services) else Services(settings_or_services)
    return Jobs(create_huey(services.settings.queue_url), services, **options)
