"""The admin token is shared through the database: one refresh for many processes, on SQLite and PostgreSQL.

"Processes" are separate ``Services`` (their own engine and clients) in threads, and real OS
processes for the last test; the emulator's request log proves one ``POST access_token``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from bot.context import Services
from bot.sandbox.emulator import expire_minted_tokens
from bot.storage import create_store, utcnow
from tests.test_admin_token import oauth_settings

pytest_plugins = ["tests.support.backends"]  # database_url: SQLite, then PostgreSQL
ROOT = Path(__file__).resolve().parents[1]
LEASE = timedelta(seconds=30)


@pytest.fixture
def engines():
    """Engines opened by a test, disposed at its end (PostgreSQL connections must not outlive it)."""
    opened = []
    yield opened
    for engine in opened:
        engine.dispose()


def tokens_on(url: str, engines: list):
    store = create_store(url)
    engines.append(store.engine)
    return store.tokens("shared-test-client-secret")


def process(settings, engines: list) -> Services:
    services = Services(settings)
    engines.append(services.store.engine)
    return services


def test_the_lease_admits_one_refresher_and_a_saved_grant_frees_it(database_url, engines):
    tokens = tokens_on(database_url, engines)
    tokens.prepare("admin", "source-1", "refresh-1")
    assert tokens.take_lease("admin", "A", LEASE) is True
    assert tokens.take_lease("admin", "B", LEASE) is False
    later = utcnow() + timedelta(hours=1)
    assert tokens.save_grant("admin", "B", access_token="from-B", expires_at=later, refresh_at=later,
                             refresh_token=None) is False  # B never held the lease: compare-and-swap refuses
    assert tokens.save_grant("admin", "A", access_token="from-A", expires_at=later, refresh_at=later,
                             refresh_token="refresh-2") is True
    row = tokens.load("admin")
    assert (row.access_token, row.refresh_token, row.version) == ("from-A", "refresh-2", 1)
    assert tokens.take_lease("admin", "B", LEASE) is True  # saving released it
    tokens.release_lease("admin", "B")
    assert tokens.take_lease("admin", "C", timedelta(seconds=-1)) is True  # a lapsed lease (a crashed holder)…
    assert tokens.take_lease("admin", "D", LEASE) is True  # …is taken over


def test_new_configured_credentials_reset_the_row_once(database_url, engines):
    tokens = tokens_on(database_url, engines)
    first = tokens.prepare("admin", "source-1", "refresh-1")
    assert tokens.prepare("admin", "source-1", "refresh-1") == first
    reset = tokens.prepare("admin", "source-2", "refresh-new")
    assert reset.refresh_token == "refresh-new" and reset.access_token is None and reset.version == first.version + 1


def test_four_processes_hit_by_expiry_at_once_refresh_once(emulator, database_url, engines):
    server, state = emulator
    settings = oauth_settings(server.api_url, database_url)
    processes = [process(settings, engines) for _ in range(4)]
    for services in processes:
        services.webex.admin.get_json("people/me")
    assert len(state.calls("POST", "access_token")) == 1  # the first minted, the others read it
    expire_minted_tokens(state)
    state.latency_ms = 100  # every call takes a while: the 401s overlap the one refresh in flight
    state.clear_log()
    barrier, errors = threading.Barrier(len(processes)), []

    def call(services: Services) -> None:
        barrier.wait()
        try:
            services.webex.admin.get_json("people/me")
        except Exception as exc:  # noqa: BLE001 - collected and asserted on below
            errors.append(exc)

    threads = [threading.Thread(target=call, args=(s,)) for s in processes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(state.calls("POST", "access_token")) == 1
    answered = [c for c in state.calls("GET", "people/me") if c.status == 200]
    assert len(answered) == 4 and len({c.headers["Authorization"] for c in answered}) == 1
    assert [c.status for c in state.calls("GET", "people/me")].count(401) == 4


CHILD = """
import sys
from bot.config import Settings
from bot.context import Services
services = Services(Settings.from_env())
print("ready", flush=True)
sys.stdin.readline()
print(services.webex.admin.get_json("people/me")["emails"][0], flush=True)
"""


def test_two_os_processes_sharing_a_database_refresh_once(emulator, tmp_path, engines):
    server, state = emulator
    settings = oauth_settings(server.api_url, f"sqlite:///{tmp_path / 'shared.db'}")
    process(settings, engines).webex.admin.get_json("people/me")  # a token both children will find expired
    expire_minted_tokens(state)
    state.latency_ms = 150
    state.clear_log()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("WEBEX_", "RECAP_"))},
           "PYTHONPATH": str(ROOT), "WEBEX_BOT_TOKEN": str(settings.bot_token),
           "WEBEX_WEBHOOK_SECRET": str(settings.webhook_secret), "WEBEX_API_URL": server.api_url,
           "WEBEX_ADMIN_CLIENT_ID": settings.admin_oauth.client_id,
           "WEBEX_ADMIN_CLIENT_SECRET": str(settings.admin_oauth.client_secret),
           "WEBEX_ADMIN_REFRESH_TOKEN": str(settings.admin_oauth.refresh_token),
           "DATABASE_URL": settings.database_url, "QUEUE_URL": "memory://"}
    children = [subprocess.Popen([sys.executable, "-c", CHILD], env=env, cwd=tmp_path, text=True,
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                for _ in range(2)]
    try:
        assert [child.stdout.readline().strip() for child in children] == ["ready", "ready"]
        for child in children:  # both go at once
            child.stdin.write("go\n")
            child.stdin.flush()
        outputs = [child.communicate(timeout=60) for child in children]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
    assert [out.strip() for out, _ in outputs] == ["admin@example.com", "admin@example.com"], outputs
    assert len(state.calls("POST", "access_token")) == 1
    assert "not-a-secret" not in "".join(err for _, err in outputs)  # nothing of a token on stderr either
