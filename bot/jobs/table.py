"""The shape of a task table: the jobs a runner knows by name, and the rules that go with some of them.

Generic: it names no job. Recap's own table, the one place that does, is ``bot.jobs.tasks``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Protocol

from bot.context import Context

TaskFunction = Callable[[Context, dict], None]
AnswerCheck = Callable[[Context, dict], str]  # after a run died while posting: "found", "absent" or "unknowable"
Sweep = Callable[[Context], object]


class FailureReport(Protocol):
    """Tells the person a job was for that it failed for good (an error card)."""

    def __call__(self, ctx: Context, exc: BaseException, *, attempts: int = 1) -> None:
        """Report ``exc``, which ended the job after ``attempts`` tries."""


@dataclass(frozen=True)
class TaskTable:
    """Jobs by name (each a function of a context and a JSON-able payload), with their rerun and report rules."""

    tasks: Mapping[str, TaskFunction]
    # Jobs that keep a ledger of their own and check it, so running them again after a crash is always safe.
    rerun_safe: frozenset[str] = frozenset()
    # Jobs that can tell whether an interrupted run's answer reached its space (the others stay at most once).
    answer_checks: Mapping[str, AnswerCheck] = field(default_factory=dict)
    report_failure: FailureReport | None = None  # None: a job that fails for good is only logged
    # Job name → its sweep, run every five minutes while that job is in the table: it re-queues what its
    # own ledger says a killed worker left behind.
    sweeps: Mapping[str, Sweep] = field(default_factory=dict)

    def with_tasks(self, tasks: Mapping[str, TaskFunction]) -> TaskTable:
        """The same rules over other jobs (tests and tools bring their own)."""
        return replace(self, tasks=dict(tasks))
