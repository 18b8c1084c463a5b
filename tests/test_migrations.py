"""Schema migrations (Alembic) on SQLite and PostgreSQL: the revisions build what the models describe.

A fresh database upgraded to head matches ``Base.metadata`` (autogenerate finds nothing: a model change without
a revision fails here); one made before migrations (``tests/data/schema_0001_*.sql``) is stamped and upgraded
with every row kept; SQLite upgrades itself at start, several processes at once; PostgreSQL behind head is refused.
"""

from __future__ import annotations

import multiprocessing
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import Column, Connection, Integer, Table, create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

import bot.storage.schema
from bot.cli import main
from bot.cli.doctor import check_schema
from bot.errors import ConfigError
from bot.sandbox.emulator import SANDBOX_BOT_TOKEN
from bot.storage import Base, Store, create_engine_for, create_store, display_url
from bot.storage.schema import BASELINE, BASELINE_TABLES, SchemaState, head_revision, schema_state, upgrade_database
from tests.support.backends import DATABASES, postgres_database

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
HEAD = head_revision()


@contextmanager
def empty_database(kind: str, folder: Path) -> Iterator[str]:
    """A URL of a database with nothing in it: a new SQLite file, or a PostgreSQL schema not upgraded."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'recap.db'}"
    else:
        with postgres_database(upgraded=False) as url:
            yield url


@contextmanager
def legacy_database(kind: str, folder: Path) -> Iterator[str]:
    """An empty database loaded with the dump of one made before migrations (tables and rows, no revision)."""
    dump = (DATA / f"schema_0001_{kind}.sql").read_text(encoding="utf-8")
    with empty_database(kind, folder) as url:
        if kind == "sqlite":
            with sqlite3.connect(make_url(url).database) as conn:
                conn.executescript(dump)
        else:
            with create_engine(url, poolclass=NullPool).begin() as conn:
                conn.exec_driver_sql(dump)  # plain statements, no psql needed
        yield url


@pytest.fixture(params=DATABASES)
def kind(request) -> str:
    return request.param


def connected(url: str) -> Connection:
    return create_engine(url, poolclass=NullPool).connect()  # no pool: nothing left open once it is closed


def differences(url: str) -> list:
    """What Alembic's autogenerate would change to make the database match the models ([] when they agree)."""
    with connected(url) as conn:
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)


def columns_of(url: str, tables=BASELINE_TABLES) -> dict[str, str]:
    """The columns each of ``tables`` has now, as a select list (read before an upgrade: revision 0001's)."""
    with connected(url) as conn:
        return {table: ", ".join(f'"{c["name"]}"' for c in inspect(conn).get_columns(table)) for table in tables}


def rows(url: str, tables=BASELINE_TABLES, columns: dict[str, str] | None = None) -> dict[str, list[tuple]]:
    """Every row of ``tables``, in the ``columns`` given (a later revision may add columns), else in all of them."""
    columns = columns or columns_of(url, tables)
    with connected(url) as conn:
        return {table: [tuple(row) for row in conn.execute(text(f'SELECT {names} FROM "{table}" ORDER BY 1'))]
                for table, names in columns.items()}


def state_of(url: str) -> SchemaState:
    return schema_state(create_engine(url, poolclass=NullPool))


def recap(*args: str, url: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env={"DATABASE_URL": url})
    return result.exit_code, result.output.strip()


def test_a_fresh_database_upgraded_to_head_is_what_the_models_describe(kind, tmp_path):
    with empty_database(kind, tmp_path) as url:
        before, after = upgrade_database(url)
        assert before.empty and after.at_head and after.revision == HEAD
        assert set(after.tables) == set(Base.metadata.tables)
        assert differences(url) == []  # a model changed without a new revision would show here


def test_a_database_from_before_migrations_keeps_every_row_through_recap_db_upgrade(kind, tmp_path):
    with legacy_database(kind, tmp_path) as url:
        baseline = columns_of(url)
        kept = rows(url, columns=baseline)
        assert all(len(found) == 2 for found in kept.values()), kept  # the dump has rows in every table
        assert state_of(url).unversioned
        assert recap("db", "upgrade", url=url) == (0, f"{display_url(url)}: stamped the tables made before migrations "
                                                      f"as the baseline, then upgraded to {HEAD} (head)")
        assert rows(url, columns=baseline) == kept and state_of(url).at_head and differences(url) == []
        assert recap("db", "upgrade", url=url) == (0, f"{display_url(url)}: already at {HEAD} (head); nothing to do")
        store = create_store(url)
        assert store.room_timezone("ROOM-DIRECT-1") == "Europe/Paris"
        assert store.room_privacy("ROOM-GROUP-2") is None  # revision 0002: an old space keeps the default, names
        store.set_room_privacy("ROOM-GROUP-2", "counts", by="admin@example.com")
        assert store.room_privacy("ROOM-GROUP-2") == "counts" and store.room_timezone("ROOM-GROUP-2") is None
        store.audit(person_email=None, command="help", room_id=None, outcome="ok")  # ids go on after the old rows
        assert [record.command for record in store.audit_log()] == ["summary", "recap", "help"]
        store.close()


def test_sqlite_from_before_migrations_upgrades_itself_at_start(tmp_path):
    with legacy_database("sqlite", tmp_path) as url:
        baseline = columns_of(url)
        kept = rows(url, columns=baseline)
        store = create_store(url)
        assert store.room_timezone("ROOM-DIRECT-1") == "Europe/Paris"
        assert store.mark_seen("messages", "created", "Y2lzY29zcGFyazovL3VzL01FU1NBR0UvMQ") is False  # seen before
        store.close()
        assert rows(url, columns=baseline) == kept and state_of(url).revision == HEAD


def test_postgresql_behind_head_is_refused_at_start_naming_recap_db_upgrade(tmp_path):
    with legacy_database("postgresql", tmp_path) as url:
        with pytest.raises(ConfigError, match=r"made before migrations .*: run `recap db upgrade`"):
            create_store(url)
        upgrade_database(url)
        create_store(url).close()
    with empty_database("postgresql", tmp_path) as url:  # `recap worker` says it in one line, and exits 2
        env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": url, "QUEUE_URL": f"sqlite:///{tmp_path / 'queue.db'}",
               "WEBEX_BOT_TOKEN": SANDBOX_BOT_TOKEN, "WEBEX_WEBHOOK_SECRET": "never-used-secret"}
        done = subprocess.run([sys.executable, "-c", "from bot.cli import run; run()", "worker"], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [f"configuration error: DATABASE_URL {display_url(url)}: the schema is "
                                                f"empty (no tables yet), behind head {HEAD}: run `recap db upgrade`"]


def test_recap_db_current_says_where_the_schema_stands(kind, tmp_path):
    with empty_database(kind, tmp_path) as url:
        assert recap("db", "current", url=url) == (1, f"{display_url(url)}: empty (no tables yet), behind head "
                                                      f"{HEAD} — run `recap db upgrade`")
        assert recap("db", "upgrade", url=url) == (0, f"{display_url(url)}: created the schema at {HEAD} (head)")
        assert recap("db", "current", url=url) == (0, f"{display_url(url)}: at {HEAD} (head)")


def test_an_unreachable_database_is_one_line_naming_database_url(tmp_path):
    for url in (f"sqlite:///{tmp_path / 'no-such-dir' / 'recap.db'}",
                "postgresql+psycopg://recap:hunter2@127.0.0.1:1/recap?connect_timeout=2"):
        for command in ("current", "upgrade"):
            code, output = recap("db", command, url=url)
            assert code == 1 and len(output.splitlines()) == 1 and "DATABASE_URL" in output, output
            assert "hunter2" not in output


def test_doctor_reports_the_schema_in_one_line(kind, tmp_path):
    first = {"sqlite": f"ok    database schema: created the schema at {HEAD} (head)",  # as every start does
             "postgresql": f"FAIL  database schema: empty (no tables yet), behind head {HEAD} — run `recap db upgrade`"}
    with empty_database(kind, tmp_path) as url:
        store = Store(create_engine_for(url))
        assert check_schema(store).line() == first[kind]
        upgrade_database(url)
        assert check_schema(store).line() == f"ok    database schema: at {HEAD} (head)"
        store.close()


def test_a_revision_this_release_does_not_know_is_refused_everywhere(kind, tmp_path):
    with empty_database(kind, tmp_path) as url:
        upgrade_database(url)
        with connected(url) as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
            conn.commit()
        with pytest.raises(ConfigError, match="at 9999, a revision this release does not know.*: run the release"):
            create_store(url)
        assert recap("db", "current", url=url)[0] == 1


def test_sqlite_too_old_to_count_as_the_baseline_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    Base.metadata.tables["seen_events"].create(create_engine(url, poolclass=NullPool))  # before the others existed
    with pytest.raises(ConfigError, match=f"without audit_log, .*: too old to count as {BASELINE}"):
        create_store(url)


def test_in_memory_sqlite_upgrades_itself_and_the_states_read_well():
    assert schema_state(create_store("sqlite://").engine).at_head
    behind = SchemaState(BASELINE, "0002", BASELINE_TABLES)  # (this release has a single revision yet)
    assert (behind.describe(), behind.fix()) == (f"at {BASELINE}, behind head 0002", "run `recap db upgrade`")
    assert SchemaState(None, BASELINE, ("huey_task",)).empty  # tables of somebody else are not Recap's


def start_in_process(url: str, barrier, results) -> None:
    """In a child process: wait for the others, then start as serve or worker would (``create_store``)."""
    barrier.wait(timeout=60)
    try:
        if url.startswith("sqlite"):
            create_store(url).close()
        else:
            upgrade_database(url)  # PostgreSQL: `recap db upgrade` run on several hosts at once
        results.put("ok")
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which fails the test with it
        results.put(f"{type(exc).__name__}: {exc}")


@pytest.mark.slow
@pytest.mark.parametrize("start", ["empty", "legacy"])
def test_processes_starting_together_upgrade_the_schema_once(kind, start, tmp_path):
    made = empty_database if start == "empty" else legacy_database
    with made(kind, tmp_path) as url:
        context = multiprocessing.get_context("spawn")  # no fork of a threaded pytest process
        barrier, results = context.Barrier(4), context.Queue()
        processes = [context.Process(target=start_in_process, args=(url, barrier, results)) for _ in range(4)]
        for process in processes:
            process.start()
        outcomes = [results.get(timeout=120) for _ in processes]
        for process in processes:
            process.join(timeout=30)
        assert outcomes == ["ok"] * 4
        assert state_of(url).at_head and differences(url) == []
        assert rows(url, ["alembic_version"]) == {"alembic_version": [(HEAD,)]}


def test_recap_db_revision_writes_the_next_revision_from_the_models(tmp_path, monkeypatch):
    scripts = tmp_path / "migrations"
    shutil.copytree(bot.storage.schema.MIGRATIONS, scripts)
    monkeypatch.setattr(bot.storage.schema, "MIGRATIONS", scripts)
    bot.storage.schema._script.cache_clear()
    probe = Table("probe_rows", Base.metadata, Column("id", Integer, primary_key=True))
    try:
        written = scripts / "versions" / f"{int(HEAD) + 1:04d}_add_probe_rows.py"
        assert recap("db", "revision", "-m", "add probe rows", url="sqlite://") == (0, f"wrote {written}")
        source = written.read_text(encoding="utf-8")
        assert f"down_revision = '{HEAD}'" in source and "op.create_table('probe_rows'" in source
        url = f"sqlite:///{tmp_path / 'next.db'}"
        assert upgrade_database(url)[1].revision == f"{int(HEAD) + 1:04d}" and differences(url) == []
    finally:
        Base.metadata.remove(probe)
        monkeypatch.undo()
        bot.storage.schema._script.cache_clear()
