"""The job ledger: every queued job has a row until it is over, so a job a dead worker took with it runs again.

Huey forgets a job whose worker dies mid-run (``test_backends_queue`` pins it). Here, on SQLite and
PostgreSQL: the row's life (queued → running → gone, or back to queued for a retry), one claim per
attempt, the sweep re-queueing lapsed leases and jobs the queue lost, the heartbeat keeping a slow job's
lease, and the rule for a job that died while posting (not run again, audited). A job dies here the way
Huey's immediate shutdown (SIGINT for ``recap worker``) ends it: ``KeyboardInterrupt`` inside the job.
The last test kills a real worker process with SIGKILL.
"""

from __future__ import annotations

import os
import signal
import time
from datetime import datetime, timedelta

import pytest

from bot.chat import handlers
from bot.config import Secret, Settings
from bot.context import Services
from bot.errors import WebexRetryLater
from bot.jobs import Jobs, create_huey
from bot.sandbox.emulator import ADMIN_EMAIL, BOT_EMAIL, SANDBOX_BOT_TOKEN
from bot.storage import create_store, utcnow
from tests.support.backends import queue_backend
from tests.support.queue_worker import done_log, marking_tasks, wait_for, worker_process

pytest_plugins = ["tests.support.backends"]  # database_url: SQLite, then PostgreSQL; queue: SQLite, then Redis
LATER = timedelta(minutes=30)  # far past any lease and grace used here


@pytest.fixture
def sqlite_queue(tmp_path):
    with queue_backend("sqlite", tmp_path) as backend:
        yield backend


@pytest.fixture
def make_jobs(database_url, sqlite_queue):
    """``make_jobs(tasks, **settings)``: Jobs on the test's database and queue (one per simulated process)."""
    opened = []

    def make(tasks: dict, queue=None, **settings) -> Jobs:
        queue = queue or sqlite_queue
        options = Settings(database_url=database_url, queue_url=queue.url, **settings)
        services = Services(options, store=create_store(options))
        opened.append(services)
        return Jobs(queue.huey(), services, tasks=tasks)

    yield make
    for services in opened:
        services.store.engine.dispose()


def recorder(*outcomes):
    """A task that pops the next outcome (an exception to raise) and records the payloads it finished."""
    done, pending = [], list(outcomes)

    def work(ctx, payload):
        outcome = pending.pop(0) if pending else None
        if isinstance(outcome, BaseException):
            raise outcome
        done.append(payload)

    return work, done


def test_a_job_has_a_row_from_enqueue_until_it_is_over(make_jobs):
    work, done = recorder()
    jobs = make_jobs({"work": work})
    jobs.enqueue("work", {"n": 1})
    (row,) = jobs.leases.ledger.jobs()
    assert (row.task, row.payload, row.attempt, row.state) == ("work", {"n": 1}, 1, "queued")
    assert [job.job_id for job in jobs.pending()] == [row.id]
    assert jobs.run_pending() == 1
    assert done == [{"n": 1}] and jobs.leases.ledger.jobs() == []


def test_a_retry_keeps_the_row_for_the_next_attempt_at_its_time(make_jobs):
    work, done = recorder(WebexRetryLater("429", status=429, retry_after=30))
    jobs = make_jobs({"work": work})
    jobs.enqueue("work", {"n": 1})
    jobs.run_pending()
    (row,) = jobs.leases.ledger.jobs()
    (retry,) = jobs.scheduled()
    assert (row.state, row.attempt, retry.attempt, retry.job_id) == ("queued", 2, 2, row.id)
    assert 28 <= (row.due_at - utcnow()).total_seconds() <= 31
    jobs.run_pending(until=retry.eta)
    assert done == [{"n": 1}] and jobs.leases.ledger.jobs() == []


def test_each_attempt_runs_once_however_many_copies_are_queued(make_jobs):
    work, done = recorder()
    web, worker = make_jobs({"work": work}), make_jobs({"work": work})
    web.enqueue("work", {"n": 1})
    (job,) = web.pending()
    for _ in range(2):  # copies, as a sweep re-queues a job that was only slow
        web._queue("work", job.payload, job.attempt, job.job_id, 0.0)
    assert worker.run_pending() == 3
    assert done == [{"n": 1}] and worker.leases.ledger.jobs() == []


def test_a_copy_of_an_earlier_attempt_does_not_run_the_retry_early(make_jobs):
    work, done = recorder(WebexRetryLater("429", status=429, retry_after=60))
    jobs = make_jobs({"work": work})
    jobs.enqueue("work", {"n": 1})
    (first,) = jobs.pending()
    jobs._queue("work", first.payload, 1, first.job_id, 0.0)  # a copy of attempt 1, still in the queue
    assert jobs.run_pending() == 2  # attempt 1 fails and is rescheduled; the copy finds attempt 2 waiting
    assert done == [] and [j.attempt for j in jobs.scheduled()] == [2]


def test_a_job_whose_worker_died_is_queued_again_by_the_sweep_and_runs_once(make_jobs):
    work, done = recorder(KeyboardInterrupt())  # the worker stops mid-job: Huey forgets the job
    jobs = make_jobs({"work": work})
    jobs.enqueue("work", {"n": 1})
    jobs.run_pending()
    (row,) = jobs.leases.ledger.jobs()
    assert row.state == "running" and jobs.pending() == [] and jobs.scheduled() == [] and done == []
    assert row.holder.endswith(f":{os.getpid()}")  # who held it, for an operator
    assert jobs.sweep_jobs() == []  # its lease has not lapsed yet: the worker might still be alive
    (redriven,) = jobs.sweep_jobs(now=utcnow() + LATER)
    assert (redriven.id, redriven.attempt) == (row.id, 1)
    assert jobs.sweep_jobs(now=utcnow() + LATER) == []  # one sweeper re-queues it, once
    jobs.run_pending()
    assert done == [{"n": 1}] and jobs.leases.ledger.jobs() == []


def test_a_job_the_queue_lost_is_queued_again_once_it_is_long_overdue(make_jobs):
    work, done = recorder()
    jobs = make_jobs({"work": work}, job_lease=30.0)
    jobs.enqueue("work", {"n": 1}, delay=60)
    jobs.huey.storage.flush_all()  # a queue server restarted without its data
    assert jobs.sweep_jobs(now=utcnow() + timedelta(seconds=200)) == []  # due, but within its grace (300 s)
    (redriven,) = jobs.sweep_jobs(now=utcnow() + timedelta(seconds=400))
    assert redriven.task == "work"
    jobs.run_pending()
    assert done == [{"n": 1}] and jobs.leases.ledger.jobs() == []


def test_the_heartbeat_keeps_a_slow_job_from_being_taken_back(make_jobs):
    observed = []

    def slow(ctx, payload):
        for _ in range(3):
            time.sleep(1.0)  # three leases long
            observed.append([job.id for job in jobs.sweep_jobs()])

    jobs = make_jobs({"slow": slow}, job_lease=1.0)
    jobs.enqueue("slow", {})
    jobs.run_pending()
    assert observed == [[], [], []]  # never overdue while its worker lives
    assert jobs.leases.ledger.jobs() == []


@pytest.fixture
def posting_jobs(make_jobs, emulator):
    """Jobs whose tasks post through the emulator and then die, as a worker killed after sending its answer."""
    server, state = emulator

    died = []

    def answer(ctx, payload):
        ctx.reply_text(f"answer {payload['n']}")
        if payload.get("die") and not died:
            died.append(payload["n"])
            raise KeyboardInterrupt

    tasks = {"event": answer, "recap_delivery": answer}
    return make_jobs(tasks, bot_token=Secret(SANDBOX_BOT_TOKEN), api_url=server.api_url), state


def test_a_command_that_died_while_posting_is_not_answered_again_and_is_audited(posting_jobs):
    jobs, state = posting_jobs
    room = next(iter(state.rooms))
    jobs.enqueue("event", {"n": 1, "die": True, "roomId": room})
    jobs.run_pending()
    (row,) = jobs.leases.ledger.jobs()
    assert (row.state, row.posts) == ("running", 1)
    jobs.sweep_jobs(now=utcnow() + LATER)
    jobs.run_pending()
    answers = [m for m in state.messages.values() if m.get("markdown") == "answer 1"]
    assert len(answers) == 1 and jobs.leases.ledger.jobs() == []
    (line,) = jobs.services.store.audit_log()
    assert (line.command, line.room_id) == ("interrupted", room) and line.outcome.startswith("unknown")


def dies_once(moment: str):
    """The real ``event`` job, whose first run dies ``before`` its post reaches Webex or just ``after`` it."""
    died = []

    def event(ctx, payload):
        if died:
            return handlers.handle_event(ctx, payload)
        died.append(moment)
        if moment == "before":
            begun = ctx.on_post

            def die():
                begun()  # the ledger notes the post as begun, then the worker dies before the HTTP call
                raise KeyboardInterrupt

            handlers.handle_event(ctx.about(on_post=die), payload)  # a context is immutable: a copy that dies
        else:
            handlers.handle_event(ctx, payload)
            raise KeyboardInterrupt

    return event


@pytest.fixture
def command_jobs(make_jobs, emulator):
    """(make(moment) → Jobs running the real ``event`` job that dies once, the emulator's state)."""
    server, state = emulator

    def make(moment: str) -> Jobs:
        return make_jobs({"event": dies_once(moment)}, bot_token=Secret(SANDBOX_BOT_TOKEN), api_url=server.api_url)

    return make, state


def typed(state, room_id: str, text: str) -> dict:
    """The webhook envelope of ``text`` posted by the admin in ``room_id`` (what the web process would queue)."""
    message = state.post_as(ADMIN_EMAIL, room_id, text)
    return {"resource": "messages", "event": "created",
            "data": {"id": message["id"], "roomId": room_id, "personId": message["personId"]}}


def answers(state, message_id: str) -> list[dict]:
    return [m for m in state.messages.values() if m["personEmail"] == BOT_EMAIL and m.get("parentId") == message_id]


def interrupted(command_jobs, moment: str, room: str, text: str = "help") -> tuple[Jobs, dict]:
    """``text`` typed in ``room``, its job dying once ``moment`` its post, then swept and run again."""
    make, state = command_jobs
    jobs, envelope = make(moment), typed(state, room, text)
    die_and_sweep(jobs, envelope)
    return jobs, envelope


def die_and_sweep(jobs: Jobs, envelope: dict) -> None:
    """Run the job (its first run dies), let the sweep take it back after the lease, run it again."""
    jobs.enqueue("event", envelope)
    jobs.run_pending()
    (row,) = jobs.leases.ledger.jobs()
    assert (row.state, row.posts) == ("running", 1)  # died after it began posting
    jobs.sweep_jobs(now=utcnow() + LATER)
    jobs.run_pending()
    assert jobs.leases.ledger.jobs() == []


def test_in_a_direct_space_a_command_whose_answer_never_went_out_is_answered_after_all(command_jobs):
    _, state = command_jobs
    jobs, envelope = interrupted(command_jobs, "before", state.direct_room(ADMIN_EMAIL, BOT_EMAIL)["id"])
    (answer,) = answers(state, envelope["data"]["id"])  # exactly once: nothing was out, so it ran again
    assert "What I can do" in str(answer["attachments"])
    (line,) = jobs.services.store.audit_log()
    assert (line.command, line.ids) == ("interrupted", (envelope["data"]["id"],))
    assert line.outcome.startswith("retried: ")


def test_in_a_direct_space_a_command_answered_before_its_worker_died_is_not_answered_twice(command_jobs):
    _, state = command_jobs
    jobs, envelope = interrupted(command_jobs, "after", state.direct_room(ADMIN_EMAIL, BOT_EMAIL)["id"])
    assert len(answers(state, envelope["data"]["id"])) == 1
    (line,) = jobs.services.store.audit_log()
    assert (line.command, line.ids, line.outcome) == (
        "interrupted", (envelope["data"]["id"],), "ok: the worker stopped after answering; the answer is in the space")


def test_in_a_group_space_an_interrupted_command_stays_at_most_once(command_jobs):
    _, state = command_jobs
    room = state.add_room("Team", [ADMIN_EMAIL, BOT_EMAIL])["id"]
    jobs, envelope = interrupted(command_jobs, "before", room, "@Recap help")
    assert answers(state, envelope["data"]["id"]) == []  # a bot cannot read a group space to check: not repeated
    (line,) = jobs.services.store.audit_log()
    assert (line.command, line.room_id) == ("interrupted", room) and line.outcome.startswith("unknown")


def test_a_job_with_its_own_ledger_runs_again_after_dying_while_posting(posting_jobs):
    jobs, state = posting_jobs
    room = next(iter(state.rooms))
    jobs.enqueue("recap_delivery", {"n": 2, "die": True, "roomId": room})
    jobs.run_pending()
    jobs.sweep_jobs(now=utcnow() + LATER)
    jobs.run_pending()  # recap deliveries check their own ledger before posting, so running again is safe
    assert len([m for m in state.messages.values() if m.get("markdown") == "answer 2"]) == 2
    assert jobs.leases.ledger.jobs() == [] and jobs.services.store.audit_log() == []


def test_a_queue_that_refuses_the_job_leaves_no_row(make_jobs, tmp_path):
    work, _ = recorder()
    jobs = make_jobs({"work": work})

    def broken(*args, **kwargs):
        raise ConnectionError("queue down")

    jobs._run_task = broken  # the queue server is unreachable (the web edge answers 503, Webex retries)
    with pytest.raises(ConnectionError):
        jobs.enqueue("work", {"n": 1})
    assert jobs.leases.ledger.jobs() == []


@pytest.mark.slow
def test_a_job_whose_worker_process_was_killed_runs_again(make_jobs, queue, tmp_path):
    marks = tmp_path / "marks"
    marks.mkdir()
    jobs = make_jobs(marking_tasks(marks), queue=queue)
    jobs.enqueue("hold", {"id": "held"})
    log_path = tmp_path / "worker.log"
    with worker_process(queue, jobs.services.settings.database_url, marks, log_path) as worker:
        assert wait_for(lambda: (marks / "started-held").exists()), log_path.read_text()
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    (marks / "release-held").touch()
    assert jobs.pending() == [] and done_log(marks) == []  # Huey lost it, as test_backends_queue pins
    (redriven,) = jobs.sweep_jobs(now=utcnow() + LATER)
    assert redriven.payload == {"id": "held"}
    jobs.run_pending()
    assert done_log(marks) == [("held", 1)] and jobs.leases.ledger.jobs() == []


def test_the_sweep_is_a_periodic_job_every_minute(make_jobs):
    jobs = make_jobs({})
    (sweep,) = [task for task in jobs.huey._registry.periodic_tasks if task.name == "recap.sweep_jobs"]
    assert sweep.validate_datetime(datetime(2026, 1, 1, 10, 17)) and sweep.validate_datetime(datetime(2026, 1, 1, 3, 0))


def test_a_redis_queue_url_may_name_its_queue():
    huey = create_huey("redis://127.0.0.1:6379/15?queue=recap_blue")
    assert huey.name == "recap_blue" and "queue" not in huey.storage.pool.connection_kwargs
    assert huey.storage.pool.connection_kwargs["db"] == 15
    assert create_huey("redis://127.0.0.1:6379/15").name == "recap"
    huey.storage.pool.disconnect()
