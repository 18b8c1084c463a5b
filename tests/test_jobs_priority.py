"""Webhooks first: an embedded consumer's worker waits for a gap between the web edge's requests (bounded).

No test here asserts a duration: only who waits for whom, with generous timeouts for threads to finish.
"""

from __future__ import annotations

import threading

from bot.jobs.backend import WakeableWorker
from bot.jobs.priority import EdgeFirst


def waiting(edge: EdgeFirst) -> tuple[threading.Thread, list[float]]:
    waited: list[float] = []
    thread = threading.Thread(target=lambda: waited.append(edge.wait_turn()), daemon=True)
    thread.start()
    return thread, waited


def test_a_worker_waits_while_a_request_is_in_flight_and_goes_when_it_ends():
    edge = EdgeFirst(quiet=0.0, patience=60.0)
    with edge.serving():
        thread, waited = waiting(edge)
        thread.join(0.3)
        assert thread.is_alive() and waited == []  # held back: a webhook is being answered
    thread.join(10)
    assert not thread.is_alive() and len(waited) == 1


def test_a_worker_is_never_held_back_longer_than_its_patience():
    edge = EdgeFirst(quiet=0.0, patience=0.05)
    with edge.serving():  # a request that never ends, as under a sustained burst
        thread, waited = waiting(edge)
        thread.join(10)
        assert not thread.is_alive() and waited[0] >= 0.05


def test_an_idle_edge_does_not_hold_a_worker():
    edge = EdgeFirst(quiet=0.0, patience=60.0)
    thread, waited = waiting(edge)
    thread.join(10)
    assert not thread.is_alive() and waited[0] < 60.0


def test_only_the_embedded_consumer_gives_way(tmp_path):
    from bot.config import Settings
    from bot.jobs import create_jobs

    jobs = create_jobs(Settings(database_url=f"sqlite:///{tmp_path / 'r.db'}",
                                queue_url=f"sqlite:///{tmp_path / 'q.db'}"))
    embedded = jobs.consumer(2, embedded=True)
    assert [worker.edge for worker, _ in embedded.worker_threads] == [jobs.edge, jobs.edge]
    separate = jobs.consumer(2)  # `recap worker`: shares nothing with a web process
    assert not any(isinstance(worker, WakeableWorker) for worker, _ in separate.worker_threads)
    jobs.close()
    jobs.services.store.close()
