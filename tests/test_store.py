"""The store: de-duplication keys, space settings and the audit log, on SQLite files and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from bot.storage import create_store

pytest_plugins = ["tests.support.backends"]  # database_url: SQLite, then PostgreSQL


@pytest.fixture
def store(database_url):
    store = create_store(database_url)
    yield store
    store.engine.dispose()


def test_a_delivery_is_new_once_then_seen(store):
    assert store.mark_seen("messages", "created", "M1") is True
    assert store.mark_seen("messages", "created", "M1") is False
    # The key is the whole triple: another event or resource with the same data id is new.
    assert store.mark_seen("messages", "deleted", "M1") is True
    assert store.mark_seen("attachmentActions", "created", "M1") is True


def test_forget_seen_lets_a_redelivery_through(store):
    store.mark_seen("messages", "created", "M2")
    store.forget_seen("messages", "created", "M2")
    assert store.mark_seen("messages", "created", "M2") is True


def test_concurrent_deliveries_yield_exactly_one_winner(store):
    results, barrier = [], threading.Barrier(8)

    def deliver():
        barrier.wait()
        results.append(store.mark_seen("messages", "created", "RACE"))

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]


def test_prune_drops_only_old_keys(store):
    store.mark_seen("messages", "created", "OLD")
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE seen_events SET seen_at = :at WHERE data_id = 'OLD'"),
                     {"at": datetime(2000, 1, 1)})
    store.mark_seen("messages", "created", "NEW")
    assert store.prune_seen(timedelta(days=7)) == 1
    assert store.mark_seen("messages", "created", "OLD") is True
    assert store.mark_seen("messages", "created", "NEW") is False


def test_room_timezone_set_replace_and_clear(store):
    assert store.room_timezone("ROOM") is None
    store.set_room_timezone("ROOM", "Europe/Paris", by="admin@example.com")
    store.set_room_timezone("OTHER", "Asia/Tokyo")
    store.set_room_timezone("ROOM", "America/New_York", by="admin@example.com")
    assert store.room_timezone("ROOM") == "America/New_York"
    assert store.room_timezone("OTHER") == "Asia/Tokyo"
    store.set_room_timezone("ROOM", None)
    assert store.room_timezone("ROOM") is None


def test_audit_log_keeps_who_what_where_when_outcome(store):
    before = datetime.now(UTC) - timedelta(seconds=1)
    store.audit(person_email="admin@example.com", command="summary", ids=["A_R_1"], room_id="ROOM", outcome="ok")
    store.audit(person_email="user@example.com", command="polls", ids=["A_R_2", ""], room_id="ROOM2",
                outcome="refused: not an authorised admin")
    entries = store.audit_log()
    assert [(e.person_email, e.command, e.ids, e.room_id, e.outcome) for e in entries] == [
        ("admin@example.com", "summary", ("A_R_1",), "ROOM", "ok"),
        ("user@example.com", "polls", ("A_R_2",), "ROOM2", "refused: not an authorised admin"),
    ]
    assert all(e.at.tzinfo is not None and e.at >= before for e in entries)
    assert store.audit_log(since=datetime.now(UTC) + timedelta(minutes=1)) == []
    assert len(store.audit_log(since=before)) == 2
    assert len(store.audit_log(limit=1)) == 1


def test_schema_creation_is_idempotent_and_survives_a_second_process(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    first, second = create_store(url), create_store(url)
    first.mark_seen("messages", "created", "X")
    assert second.mark_seen("messages", "created", "X") is False
    second.ping()
    first.engine.dispose()
    second.engine.dispose()


def test_in_memory_sqlite_is_one_database_across_threads():
    store = create_store("sqlite://")
    store.mark_seen("messages", "created", "X")
    seen = []
    thread = threading.Thread(target=lambda: seen.append(store.mark_seen("messages", "created", "X")))
    thread.start()
    thread.join()
    assert seen == [False]


def test_naive_datetimes_are_refused(store):
    with pytest.raises(Exception, match="naive"):
        store.audit_log(since=datetime(2026, 1, 1))
