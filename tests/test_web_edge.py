"""The webhook edge under faults and odd input: one transaction per delivery, outages answered 503 with
nothing kept, odd field types in signed envelopes dropped with one line, replays dropped by their own time.

Outages are real: PostgreSQL and Redis are reached through a loopback TCP proxy that the test cuts and
restores (``tests/support/tcp_proxy.py``).
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, func, select

from bot.app import create_app, jobs_of
from bot.config import Secret, Settings
from bot.storage import SeenEvent, utcnow
from bot.web import DATA_STRINGS, ENVELOPE_STRINGS
from bot.webex import sign
from tests.support.backends import POSTGRES_URL, REDIS_URL, database, queue_backend
from tests.support.bot_rig import SECRET, envelope, running_rig
from tests.support.tcp_proxy import TcpProxy

pytest_plugins = ["tests.support.backends"]  # database_url: SQLite, then PostgreSQL
PATH = "/webhooks/webex"


def edge(database_url: str, queue_url: str, name: str = "recap"):
    """The app's test client over real back ends (no Webex: the edge never calls it)."""
    app = create_app(Settings(webhook_secret=Secret(SECRET), database_url=database_url, queue_url=queue_url))
    if name != "recap":  # a Redis queue under the test's own key prefix
        from bot.jobs import Jobs, create_huey

        jobs = jobs_of(app)
        app = create_app(jobs.services.settings, jobs=Jobs(create_huey(queue_url, name=name), jobs.services))
    return app.test_client(), jobs_of(app)


def deliver(client, data_id: str, **data):
    body = envelope({"id": data_id, "roomId": "ROOM", "personId": "PERSON", **data})
    return client.post(PATH, data=body, headers={"X-Spark-Signature": sign(SECRET, body),
                                                 "Content-Type": "application/json"})


def seen_count(jobs) -> int:
    with jobs.services.store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(SeenEvent)).scalar_one()


def ledger_count(jobs) -> int:
    counts = jobs.services.store.job_ledger.counts(grace=timedelta(hours=1))
    return counts["queued"] + counts["running"]


# --- one transaction per delivery ----------------------------------------------------------------------------

def test_each_accepted_delivery_is_one_commit_of_its_key_and_its_ledger_row(tmp_path, database_url):
    client, jobs = edge(database_url, f"sqlite:///{tmp_path / 'queue.db'}")
    commits = []
    event.listen(jobs.services.store.engine, "commit", lambda conn: commits.append(1))
    for number in range(5):
        assert deliver(client, f"M{number}").status_code == 202
    assert len(commits) == 5  # not one per row (seen key, ledger row): one per delivery
    assert seen_count(jobs) == ledger_count(jobs) == len(jobs.pending()) == 5
    assert {job.job_id for job in jobs.pending()} == {row.id for row in jobs.services.store.job_ledger.overdue(
        grace=timedelta(0), now=utcnow() + timedelta(hours=2))}  # each queued job is the one its row names
    jobs.services.store.engine.dispose()


# --- outages -----------------------------------------------------------------------------------------------------

@pytest.fixture
def postgres_proxy():
    upstream_port = int(POSTGRES_URL.rsplit(":", 1)[1].split("/")[0])
    proxy = TcpProxy(("127.0.0.1", upstream_port))
    yield proxy, upstream_port
    proxy.close()


def test_a_database_outage_is_answered_503_queues_nothing_and_a_redelivery_works_once_it_is_back(
        tmp_path, postgres_proxy, caplog):
    proxy, upstream_port = postgres_proxy
    with database("postgresql", tmp_path) as url:
        client, jobs = edge(proxy.address(url, upstream_port), f"sqlite:///{tmp_path / 'queue.db'}")
        assert deliver(client, "BEFORE").status_code == 202
        proxy.cut()
        with caplog.at_level(logging.INFO, logger="bot.web"):
            answers = [deliver(client, "DURING") for _ in range(3)]
        assert [(a.status_code, a.get_json()) for a in answers] == [(503, {"status": "database unavailable"})] * 3
        assert len(jobs.pending()) == 1  # only the delivery made before the outage
        down = [r for r in caplog.records if r.name == "bot.web"]
        assert len(down) == 1 and "database is unavailable" in down[0].getMessage() and down[0].exc_info is None
        proxy.restore()
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="bot.web"):
            assert deliver(client, "DURING").status_code == 202  # Webex's redelivery
        assert [job.payload["data"]["id"] for job in jobs.pending()] == ["BEFORE", "DURING"]
        assert any("database answers again" in r.getMessage() for r in caplog.records)
        jobs.services.store.engine.dispose()


def test_a_queue_outage_keeps_neither_the_key_nor_the_ledger_row(tmp_path, database_url):
    proxy = TcpProxy(("127.0.0.1", int(REDIS_URL.rsplit(":", 1)[1].split("/")[0])))
    try:
        with queue_backend("redis", tmp_path) as queue:
            client, jobs = edge(database_url, proxy.address(queue.url, 6379), name=queue.name)
            proxy.cut()
            answer = deliver(client, "M1")
            assert (answer.status_code, answer.get_json()) == (503, {"status": "queue unavailable"})
            assert seen_count(jobs) == ledger_count(jobs) == 0
            proxy.restore()
            assert deliver(client, "M1").status_code == 202
            assert seen_count(jobs) == ledger_count(jobs) == len(jobs.pending()) == 1
            jobs.close()
            jobs.services.store.engine.dispose()
    finally:
        proxy.close()


# --- odd field types in signed envelopes -------------------------------------------------------------------------

not_strings = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                        st.lists(st.text(max_size=5), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(),
                                                                                    max_size=2))


@st.composite
def odd_envelopes(draw) -> dict:
    """A signed-to-be envelope of an event Recap handles, with one or more read-as-string fields of another type."""
    resource, event_name = draw(st.sampled_from([("messages", "created"), ("attachmentActions", "created"),
                                                 ("meetings", "ended")]))
    data = {"id": draw(st.text(min_size=1, max_size=30)), "roomId": "ROOM", "personId": "PERSON"}
    body = {"resource": resource, "event": event_name, "data": data}
    fields = draw(st.lists(st.sampled_from([("top", n) for n in ENVELOPE_STRINGS] +
                                           [("data", n) for n in DATA_STRINGS]), min_size=1, max_size=3, unique=True))
    for where, name in fields:
        (body if where == "top" else data)[name] = draw(not_strings)
    return body


class Lines(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(odd_envelopes())
def test_odd_field_types_in_a_signed_envelope_are_dropped_with_a_2xx_and_one_line(tmp_path, body):
    client, jobs = _odd_edge(tmp_path)
    raw = json.dumps(body).encode()
    lines, logger = Lines(), logging.getLogger("bot")
    level = logger.level
    logger.addHandler(lines)
    logger.setLevel(logging.INFO)
    try:
        answer = client.post(PATH, data=raw, headers={"X-Spark-Signature": sign(SECRET, raw)})
    finally:
        logger.removeHandler(lines)
        logger.setLevel(level)
    assert (answer.status_code, answer.get_json()) == (200, {"status": "ignored: fields of the wrong type"})
    assert seen_count(jobs) == 0 and jobs.pending() == []
    assert len(lines.records) == 1 and lines.records[0].levelno == logging.INFO
    assert lines.records[0].exc_info is None and "not a string" in lines.records[0].getMessage()


_EDGES: dict = {}


def _odd_edge(tmp_path):
    if tmp_path not in _EDGES:  # one app for all examples of the test
        _EDGES.clear()
        _EDGES[tmp_path] = edge(f"sqlite:///{tmp_path / 'recap.db'}", f"sqlite:///{tmp_path / 'queue.db'}")
    return _EDGES[tmp_path]


def test_jobs_given_odd_types_finish_without_a_traceback(tmp_path, emulator, caplog):
    """Jobs queued before the edge checked types (or by hand) meet the same values: no crash, no error card."""
    with running_rig(tmp_path, emulator[0]) as rig:
        odd = [{"id": "M1", "personId": 5, "roomId": rig.direct_room()}, {"id": 7, "personId": "P"},
               {"id": "M2", "personId": ["x"], "roomId": None, "personEmail": {"a": 1}}, {"id": None}]
        for data in odd:
            rig.jobs.enqueue("event", {"resource": "messages", "event": "created", "data": data})
        rig.jobs.enqueue("event", {"resource": "attachmentActions", "event": "created", "data": {"id": 3.5}})
        with caplog.at_level(logging.INFO):
            rig.run_jobs()
        assert [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info] == []
        assert rig.replies() == []
