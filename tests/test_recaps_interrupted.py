"""Exactly once, with no hole: a worker that dies between a recap's delivery row and its first job.

``meeting_ended`` opens one delivery row per subscribed space, then queues that delivery's first look.
A worker that dies between the two left a row with no job, found only by the delivery sweep after
2·max(delay, retry_delay(99)) + 300 s (two hours with the defaults). Now the job ledger queues
``meeting_ended`` again once the dead worker's lease lapses, and the re-run queues the first look of
every row it finds waiting with none; the first look is a keyed job, so a re-run never adds a second.

The death is a ``BaseException`` raised at exactly that point (no ``except Exception`` stops it, so
nothing after it runs, as in a killed process). It is set with ``monkeypatch`` because neither the
emulator nor a real ``kill`` can stop a worker between two given statements deterministically; the
multi-process kills are in ``tests/test_multiprocess_faults.py``.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.jobs import Jobs
from bot.recaps import delivery as recaps_delivery
from bot.storage import Store, utcnow
from tests.support.recaps_rig import DELAY, end_meeting, recap_messages, recap_rig, subscribe

pytest_plugins = ["tests.support.backends"]  # database_url: SQLite, then PostgreSQL


class WorkerDied(BaseException):
    """Stands for the worker process dying at this point."""


@pytest.fixture
def rig(tmp_path, emulator, database_url):
    with recap_rig(tmp_path, emulator[0], database_url=database_url) as rig:
        yield rig


def die_after(monkeypatch, owner: type, name: str) -> None:
    """Make ``owner.name`` do its work (committed), then kill the worker before anything after it runs."""
    real = getattr(owner, name)

    def then_die(*args, **kwargs):
        real(*args, **kwargs)
        raise WorkerDied(name)

    monkeypatch.setattr(owner, name, then_die)


def lease_lapsed(rig) -> object:
    """A moment after the dead worker's lease ran out (the heartbeat died with it)."""
    return utcnow() + timedelta(seconds=3 * rig.settings.job_lease)


def end_and_die(rig, monkeypatch, owner: type, name: str) -> dict:
    """End a meeting and run its ``meeting_ended`` job in a worker that dies right after ``owner.name``."""
    meeting = end_meeting(rig)
    die_after(monkeypatch, owner, name)
    with pytest.raises(WorkerDied):
        rig.run_jobs()
    monkeypatch.undo()
    return meeting


def rerun_and_deliver(rig, group: str, meeting: dict) -> None:
    """The ledger's sweep queues ``meeting_ended`` again; it runs, and the recap is delivered exactly once."""
    redriven = rig.jobs.sweep_jobs(now=lease_lapsed(rig))
    assert [job.task for job in redriven] == ["meeting_ended"]
    rig.run_jobs()
    (first_look,) = rig.jobs.scheduled()  # one, and only one, look at the meeting's data
    assert first_look.task == recaps_delivery.DELIVERY_TASK
    assert first_look.eta <= utcnow() + timedelta(seconds=DELAY)  # due when it always was, not hours later
    rig.run_jobs(after=DELAY)
    (recap,) = recap_messages(rig, group, meeting["id"])
    (row,) = rig.jobs.services.store.deliveries(meeting["id"])
    assert (row.state, row.message_id) == ("posted", recap["id"])


def test_a_worker_dying_after_the_delivery_row_leaves_no_hole(rig, monkeypatch):
    group = rig.group_room()
    subscribe(rig, "subscribe all", group)
    meeting = end_and_die(rig, monkeypatch, Store, "open_delivery")
    (row,) = rig.jobs.services.store.deliveries(meeting["id"])
    assert row.state == "waiting" and rig.jobs.scheduled() == []  # the hole: a row and no job
    rerun_and_deliver(rig, group, meeting)


def test_a_worker_dying_after_the_first_look_is_recorded_but_not_queued_leaves_no_hole(rig, monkeypatch):
    group = rig.group_room()
    subscribe(rig, "subscribe all", group)
    meeting = end_and_die(rig, monkeypatch, type(rig.jobs.leases.ledger), "add_once")
    ledger = rig.jobs.services.store.job_ledger
    assert rig.jobs.scheduled() == [] and ledger.counts(grace=timedelta(hours=1))["queued"] == 1  # recorded only
    rerun_and_deliver(rig, group, meeting)


def test_running_meeting_ended_again_adds_no_second_look(rig):
    group = rig.group_room()
    subscribe(rig, "subscribe all", group)
    meeting = end_meeting(rig)
    rig.run_jobs()
    (first,) = rig.jobs.scheduled()
    envelope = {"resource": "meetings", "event": "ended", "data": {"id": meeting["id"]}}
    Jobs.enqueue(rig.jobs, "meeting_ended", envelope)  # a retry of the job, after it succeeded
    rig.run_jobs()
    # The keyed first look is still waiting: its copy goes to the queue again, and the ledger lets one run.
    assert {job.job_id for job in rig.jobs.scheduled()} == {first.job_id}
    rig.run_jobs(after=DELAY)
    assert len(recap_messages(rig, group, meeting["id"])) == 1
    assert rig.jobs.scheduled() == []
