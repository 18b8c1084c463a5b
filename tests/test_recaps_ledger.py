"""The delivery ledger under pressure: racing workers, a worker killed after posting, jobs lost with a worker.

Each test runs on a SQLite file and on PostgreSQL (``database_url``: skipped without a server on
loopback, failed on CI). Workers are threads with their own ``Services`` (own engine and
connections, as separate processes would have), started together by a barrier.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from bot.cards import render_card
from bot.context import Context, Services
from bot.recaps import delivery as recaps_delivery
from bot.recaps import pipeline as recaps
from bot.storage import utcnow
from tests.support.recaps_rig import DELAY, end_meeting, recap_messages, recap_rig, subscribe

pytest_plugins = ["tests.support.backends"]  # database_url: SQLite, then PostgreSQL
WORKERS = 4


@pytest.fixture
def rig(tmp_path, emulator, database_url):
    with recap_rig(tmp_path, emulator[0], database_url=database_url) as rig:
        yield rig


def ended_and_due(rig, room_id: str) -> tuple[dict, dict]:
    """A subscribed space, an ended meeting whose data is ready, and the payload of its due delivery job."""
    subscribe(rig, "subscribe all", room_id)
    meeting = end_meeting(rig)
    rig.run_jobs()
    (job,) = rig.jobs.scheduled()
    return meeting, job.payload


def test_workers_racing_on_one_delivery_post_once(rig):
    group = rig.group_room()
    meeting, payload = ended_and_due(rig, group)
    rig.emulator.latency_ms = 20  # every worker is mid-fetch at once, then all reach the claim together
    barrier, errors, services = threading.Barrier(WORKERS), [], []

    def worker() -> None:
        own = Services(rig.settings)  # its own engine: a separate process as far as the database can tell
        services.append(own)
        ctx = Context(own, room_id=group, scheduler=lambda *job: errors.append(("scheduled", job)))
        barrier.wait()
        try:
            recaps.deliver_recap(ctx, payload)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    for own in services:
        own.store.engine.dispose()
    assert errors == []
    (recap,) = recap_messages(rig, group, meeting["id"])
    assert len([c for c in rig.emulator.calls("POST", "messages") if c.json.get("roomId") == group]) == 2  # + subscribe
    (row,) = rig.jobs.services.store.deliveries(meeting["id"])
    assert (row.state, row.message_id) == ("posted", recap["id"])


def test_a_worker_killed_after_posting_is_not_posted_twice_in_a_1to1(rig):
    direct = rig.direct_room()
    meeting, payload = ended_and_due(rig, direct)
    store = rig.jobs.services.store
    # The killed worker: claimed 20 minutes ago, posted its card, died before recording it.
    assert store.claim_delivery(meeting["id"], direct, token="dead", lease=recaps_delivery.CLAIM_LEASE,
                                now=utcnow() - timedelta(minutes=20)) == "fresh"
    card = render_card("error", title="t", what_happened="w", what_to_do="d")
    posted = rig.jobs.services.webex.messaging().post(
        direct, markdown=f"{card.markdown}\n\n_{recaps_delivery.marker(meeting['id'])}_", card=card.content)
    rig.run_jobs(after=DELAY + 1)
    assert [m["id"] for m in recap_messages(rig, direct, meeting["id"])] == [posted["id"]]
    (row,) = store.deliveries(meeting["id"])
    assert (row.state, row.message_id) == ("posted", posted["id"])


def test_the_sweep_requeues_deliveries_whose_job_died_with_its_worker(rig):
    direct = rig.direct_room()
    meeting, _ = ended_and_due(rig, direct)
    store = rig.jobs.services.store
    rig.jobs.huey.flush()  # the worker holding the scheduled job was killed: the job is gone
    assert store.claim_delivery(meeting["id"], direct, token="dead", lease=timedelta(minutes=10),
                                now=utcnow() - timedelta(minutes=20)) == "fresh"
    long_ago = utcnow() - timedelta(days=1)
    assert store.open_delivery("abc123def456_I_42", direct, deadline_at=long_ago + timedelta(days=2), now=long_ago)
    ctx = rig.jobs.context_for({})
    assert recaps_delivery.sweep(ctx) == 2  # the expired claim and the wait nobody looked after for a day
    assert sorted(j.payload["meetingId"] for j in rig.jobs.pending()) == sorted([meeting["id"], "abc123def456_I_42"])
    rig.run_jobs(after=1)
    assert len(recap_messages(rig, direct, meeting["id"])) == 1
    assert store.delivery(meeting["id"], direct).state == "posted"
    assert recaps_delivery.sweep(ctx) == 0  # nothing left behind: the other one is waiting again, just looked at


def test_retry_delays_grow_and_stop_at_a_cap():
    delays = [recaps_delivery.retry_delay(n, 900) for n in range(1, 12)]
    assert delays == sorted(delays) and delays[0] == 112.5 and delays[-1] == 3600
    assert recaps_delivery.retry_delay(1, 0) == 1 and recaps_delivery.retry_delay(30, 0) == 60


def test_a_job_runs_at_its_due_time_even_when_run_early():
    due = utcnow() + timedelta(hours=1)
    assert recaps_delivery.logical_now({"due": due.isoformat()}) == due
    assert recaps_delivery.logical_now({}) <= utcnow()
