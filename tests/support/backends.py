"""The real back ends for tests: a database URL per SQLite / PostgreSQL, a queue per SQLite / Redis, each isolated.

A pytest plugin (``pytest_plugins = ["tests.support.backends"]``) with the fixtures ``database_url`` (params
``sqlite``, ``postgresql``) and ``queue`` (params ``sqlite``, ``redis``). A missing server skips the test with the
reason, except on CI (``CI=true``), where it fails: CI must prove every back end. Servers are found through
``RECAP_TEST_POSTGRES_URL`` and ``RECAP_TEST_REDIS_URL`` (defaults: loopback, trust auth, Redis DB 15).

PostgreSQL: one fresh schema per test, named in the URL (``options=-csearch_path=…``) so any process given the
URL lands in it, upgraded to head as ``recap db upgrade`` leaves it (Recap refuses a PostgreSQL schema behind
head, where SQLite upgrades itself); dropped afterwards. Redis: one Huey queue name (the key prefix) per test; only
its keys are deleted afterwards, never the whole database. PYTEST_DONT_REWRITE: test modules import it before pytest
loads it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import NoReturn

import pytest
from huey.api import Huey
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from bot.jobs import create_huey
from bot.storage import upgrade_database

POSTGRES_URL = os.environ.get("RECAP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("RECAP_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
DATABASES = ("sqlite", "postgresql")
QUEUES = ("sqlite", "redis")


def unavailable(service: str, exc: BaseException) -> NoReturn:
    """Skip (or on CI, fail) the current test because ``service`` cannot be reached."""
    reason = f"{service} is not reachable on loopback ({type(exc).__name__}: {exc}); `bash .ci/services` starts it"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{service} is required on CI (CI=true): {reason}", pytrace=False)
    pytest.skip(reason)


def unique_name(prefix: str = "recap_test") -> str:
    """A fresh lowercase identifier, safe as a schema name and as a Huey queue name."""
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


# --- databases ----------------------------------------------------------------------------------------


@contextmanager
def postgres_database(*, upgraded: bool = True) -> Iterator[str]:
    """A URL whose connections land in a fresh PostgreSQL schema at head (``upgraded=False``: empty); dropped after."""
    schema = unique_name()
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "no usable server here"
        admin.dispose()
        unavailable("PostgreSQL", exc)
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        if upgraded:
            upgrade_database(url.render_as_string(hide_password=False))  # what an operator does before a release
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            # A connection left idle in a transaction would block the drop forever: give up loudly instead.
            conn.execute(text("SET lock_timeout = '20s'"))
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def database(kind: str, folder) -> Iterator[str]:
    """A ``DATABASE_URL`` of back end ``kind`` (``sqlite``: a new file in ``folder``; ``postgresql``: a fresh schema at
    head)."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / f'{unique_name()}.db'}"
    elif kind == "postgresql":
        with postgres_database() as url:
            yield url
    else:
        raise ValueError(f"no database back end {kind!r}")


@pytest.fixture(params=DATABASES)
def database_url(request, tmp_path) -> Iterator[str]:
    """A ``DATABASE_URL`` on each back end in turn: a new SQLite file (it upgrades itself), then a PostgreSQL schema
    at head."""
    with database(request.param, tmp_path) as url:
        yield url


# --- queues -------------------------------------------------------------------------------------------


@dataclass
class QueueBackend:
    """One isolated queue: ``QUEUE_URL`` plus the Huey name (Redis key prefix) that keeps it apart from others."""

    kind: str
    url: str
    name: str
    opened: list[Huey] = field(default_factory=list, repr=False)

    def huey(self) -> Huey:
        """A new Huey on this queue (one per simulated process); closed when the test ends."""
        huey = create_huey(self.url, name=self.name)
        self.opened.append(huey)
        return huey

    def close(self) -> None:
        """Close every Huey's connections (SQLite handle, Redis pool)."""
        for huey in self.opened:
            storage = huey.storage
            if hasattr(storage, "pool"):
                storage.pool.disconnect()
            else:
                storage.close()
        self.opened.clear()


@contextmanager
def redis_queue() -> Iterator[QueueBackend]:
    """A queue on the loopback Redis under a fresh name; only that name's keys are deleted afterwards."""
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        client.ping()
    except Exception as exc:  # noqa: BLE001 - missing module or server: either way, no Redis here
        unavailable("Redis", exc)
    backend = QueueBackend("redis", REDIS_URL, unique_name())
    try:
        yield backend
    finally:
        backend.close()
        # Huey's keys are huey.redis.NAME, huey.schedule.NAME, huey.results.NAME, huey.notify.NAME.*, …
        keys = list(client.scan_iter(match=f"huey.*.{backend.name}*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()


@contextmanager
def queue_backend(kind: str, folder) -> Iterator[QueueBackend]:
    """A ``QueueBackend`` of kind ``sqlite`` (a file in ``folder``) or ``redis`` (a fresh key prefix)."""
    if kind == "sqlite":
        backend = QueueBackend("sqlite", f"sqlite:///{folder / f'{unique_name()}-queue.db'}", "recap")
        try:
            yield backend
        finally:
            backend.close()
    elif kind == "redis":
        with redis_queue() as backend:
            yield backend
    else:
        raise ValueError(f"no queue back end {kind!r}")


@pytest.fixture(params=QUEUES)
def queue(request, tmp_path) -> Iterator[QueueBackend]:
    """A ``QueueBackend`` on each queue back end in turn: a SQLite file, then a fresh Redis key prefix."""
    with queue_backend(request.param, tmp_path) as backend:
        yield backend
