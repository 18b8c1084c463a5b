"""Every uniqueness rule of the schema is enforced by the database itself, on SQLite and on PostgreSQL, under races.

The rules are read from the SQLAlchemy metadata (unique constraints, unique indexes, natural primary keys), so a
table added later is raced here without a new test. Contenders insert the same key with otherwise different
rows from their own connections at the same moment: exactly one row may survive, the others get IntegrityError.
"""

from __future__ import annotations

import importlib
import multiprocessing
import pkgutil
import random
import threading
import zlib
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Enum, Table, TypeDecorator, UniqueConstraint, and_, func, select
from sqlalchemy.exc import IntegrityError

import bot.storage
from bot.storage import Base, Store, UTCDateTime, create_engine_for, create_store

pytest_plugins = ["tests.support.backends"]  # database_url: SQLite, then PostgreSQL
CONTENDERS = 4


def load_every_table() -> None:
    """Import every ``bot.storage`` module, so tables added in new modules are on ``Base.metadata``."""
    for module in pkgutil.iter_modules(bot.storage.__path__):
        importlib.import_module(f"bot.storage.{module.name}")


def uniqueness_rules() -> list[tuple[Table, tuple[str, ...]]]:
    """(table, key columns) for each unique constraint, unique index and natural (not generated) primary key."""
    load_every_table()
    rules: dict[tuple[str, tuple[str, ...]], Table] = {}
    for table in Base.metadata.sorted_tables:
        keys = [tuple(c.name for c in constraint.columns) for constraint in table.constraints
                if isinstance(constraint, UniqueConstraint)]
        keys += [tuple(c.name for c in index.columns) for index in table.indexes if index.unique]
        if table.autoincrement_column is None and table.primary_key.columns:
            keys.append(tuple(c.name for c in table.primary_key.columns))
        rules.update({(table.name, key): table for key in keys})
    return [(table, key) for (_, key), table in sorted(rules.items())]


RULES = uniqueness_rules()


def sample(column, salt: str):
    """A value for ``column`` that differs between salts (and fits the column's length)."""
    kind = column.type
    if isinstance(kind, Enum):
        return kind.enums[0]
    python_type = (kind.impl_instance if isinstance(kind, TypeDecorator) else kind).python_type
    number = zlib.crc32(salt.encode()) % 1_000_000
    if python_type is str:
        return f"{salt}-{column.name}"[: getattr(kind, "length", None) or 255]
    if python_type is bool:
        return True
    if python_type in (int, float):
        return python_type(number)
    if python_type is datetime:
        moment = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=number)
        aware = isinstance(kind, UTCDateTime) or getattr(kind, "timezone", False)
        return moment if aware else moment.replace(tzinfo=None)
    if python_type is date:
        return date(2026, 1, 1) + timedelta(days=number % 1000)
    if python_type in (dict, list):
        return python_type({salt: number}) if python_type is dict else [salt, number]
    if python_type is bytes:
        return salt.encode()
    raise AssertionError(f"test_backends_store has no sample value for {column} ({kind}); add one to sample()")


def row_for(conn, table: Table, key: tuple[str, ...], salt: str, parents: dict) -> dict:
    """A full row: key columns from the shared salt "key", every other column from ``salt``."""
    row = {}
    for column in table.columns:
        if column is table.autoincrement_column:
            continue
        column_salt = "key" if column.name in key else salt
        if column.foreign_keys:
            target = next(iter(column.foreign_keys)).column
            row[column.name] = parent_row(conn, target.table, column_salt, parents)[target.name]
        else:
            row[column.name] = sample(column, column_salt)
    return row


def parent_row(conn, table: Table, salt: str, parents: dict) -> dict:
    """A committed row of ``table`` for foreign keys to point at (one per table and salt)."""
    if (table.name, salt) not in parents:
        row = row_for(conn, table, (), salt, parents)
        result = conn.execute(table.insert().values(row))
        parents[table.name, salt] = {**row, **result.inserted_primary_key._asdict()}
    return parents[table.name, salt]


def race(engine, table: Table, rows: list[dict]) -> list[BaseException | None]:
    """Insert each row from its own connection and thread, all released at once; None for each success."""
    barrier = threading.Barrier(len(rows))

    def insert(row):
        with engine.connect() as conn:
            barrier.wait(timeout=30)
            try:
                with conn.begin():
                    conn.execute(table.insert().values(row))
            except IntegrityError as exc:
                return exc
        return None

    with ThreadPoolExecutor(len(rows)) as pool:
        return list(pool.map(insert, rows))


def test_the_schema_has_the_uniqueness_rules_recap_relies_on():
    found = {(table.name, key) for table, key in RULES}
    assert ("seen_events", ("resource", "event", "data_id")) in found
    assert ("room_settings", ("room_id",)) in found
    assert ("subscriptions", ("room_id", "kind", "value")) in found
    assert ("recap_deliveries", ("meeting_id", "room_id")) in found


@pytest.mark.parametrize("table, key", RULES, ids=[f"{table.name}:{'+'.join(key)}" for table, key in RULES])
def test_a_key_inserted_at_once_from_several_connections_is_stored_once(database_url, table, key):
    store = create_store(database_url)
    try:
        parents: dict = {}
        with store.engine.begin() as conn:
            rows = [row_for(conn, table, key, f"c{n}", parents) for n in range(CONTENDERS)]
        outcomes = race(store.engine, table, rows)
        winners = [n for n, outcome in enumerate(outcomes) if outcome is None]
        assert len(winners) == 1, f"{table.name}{key}: outcomes {outcomes}"
        with store.engine.connect() as conn:
            same_key = and_(*(table.c[name] == rows[0][name] for name in key))
            assert conn.scalar(select(func.count()).select_from(table).where(same_key)) == 1
            (stored,) = conn.execute(select(table).where(same_key)).mappings()
        loser = next(n for n in range(CONTENDERS) if n not in winners)
        differing = [name for name in rows[0] if name not in key and rows[winners[0]][name] != rows[loser][name]]
        # The row kept is the winner's whole row, not a mix (the contenders differ outside the key).
        assert all(stored[name] == rows[winners[0]][name] for name in differing)
    finally:
        store.engine.dispose()


def mark_seen_in_process(database_url: str, keys: list[str], barrier, results) -> None:
    """In a child process: wait for the others, then ``mark_seen`` every key; report the keys this process won."""
    store = Store(create_engine_for(database_url))
    barrier.wait(timeout=60)
    results.put([key for key in keys if store.mark_seen("messages", "created", key)])
    store.engine.dispose()


@pytest.mark.slow
def test_processes_racing_mark_seen_each_key_is_won_exactly_once(database_url):
    keys = [f"RACE-{n}" for n in range(300)]
    create_store(database_url).engine.dispose()  # the schema exists before the race
    context = multiprocessing.get_context("spawn")  # no fork of a threaded pytest process
    barrier, results = context.Barrier(4), context.Queue()
    processes = [context.Process(target=mark_seen_in_process,
                                 args=(database_url, random.sample(keys, len(keys)), barrier, results))
                 for _ in range(4)]
    for process in processes:
        process.start()
    won = [key for _ in processes for key in results.get(timeout=120)]
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0
    assert sorted(won) == sorted(keys)  # every key won, none twice
    store = create_store(database_url)
    assert [store.mark_seen("messages", "created", key) for key in keys[:5]] == [False] * 5
    store.engine.dispose()


@pytest.mark.parametrize("data_id", ["a\x00b", "x" * 300, "\ud800", "é" * 255, ""],
                         ids=["nul", "300-chars", "lone-surrogate", "255-non-ascii", "empty"])
def test_any_string_is_a_seen_key_on_every_database(database_url, data_id):
    # Webhook ids come from the request: PostgreSQL refuses NUL and over-long values where SQLite keeps them.
    store = create_store(database_url)
    try:
        assert store.mark_seen("messages", "created", data_id) is True
        assert store.mark_seen("messages", "created", data_id) is False
        assert store.mark_seen("messages", "created", data_id + "!") is True  # a near twin is another key
        store.forget_seen("messages", "created", data_id)
        assert store.mark_seen("messages", "created", data_id) is True
    finally:
        store.engine.dispose()
