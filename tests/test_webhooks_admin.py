"""`recap webhooks sync|list|delete --mine` over real HTTP against the emulator.

Sync is idempotent (a second run changes nothing), repairs a wrong target or secret, re-activates
a webhook Webex disabled, and never touches a webhook it did not create; neither does delete.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.config import Settings
from bot.errors import ConfigError
from bot.sandbox.emulator import SANDBOX_ADMIN_TOKEN, SANDBOX_BOT_TOKEN, SANDBOX_COMPLIANCE_TOKEN
from bot.webex import WebexClient, WebexClients, delete_mine, list_webhooks, sync_webhooks
from tests.conftest import WEBHOOK_SECRET

PUBLIC_URL = "https://recap.example.com/"
TARGET = "https://recap.example.com/webhooks/webex"
ROOT = Path(__file__).resolve().parents[1]
RECAP_NAMES = {"recap: messages/created", "recap: attachmentActions/created", "recap: meetings/ended"}


@pytest.fixture
def settings(emulator_settings) -> Settings:
    return emulator_settings.replace(public_url=PUBLIC_URL)


@pytest.fixture
def clients(settings) -> WebexClients:
    return WebexClients(settings)


def actions(changes) -> list[tuple[str, str]]:
    return [(c.action, c.name) for c in changes]


def foreign(api_url: str, token: str, **fields) -> dict:
    """A webhook someone else created, through the API."""
    client = WebexClient(api_url, token, role="other")
    body = {"name": "ops monitor", "targetUrl": "https://ops.example.com/hook", "resource": "messages",
            "event": "created", "secret": "ops-secret-value", **fields}
    return client.post_json("webhooks", body)


def test_sync_twice_creates_each_webhook_once_then_changes_nothing(settings, clients, emulator):
    _, state = emulator
    first = sync_webhooks(clients, settings)
    assert actions(first) == [("created", n) for n in ("recap: messages/created", "recap: attachmentActions/created",
                                                       "recap: meetings/ended")]
    state.clear_log()
    second = sync_webhooks(clients, settings)
    assert [c.action for c in second] == ["unchanged"] * 3
    assert state.calls("POST", "webhooks") == state.calls("PUT", "webhooks") == state.calls("DELETE", "webhooks") == []
    hooks = {w["name"]: w for w in state.webhooks.values()}
    assert set(hooks) == RECAP_NAMES
    assert all(w["targetUrl"] == TARGET and w["secret"] == WEBHOOK_SECRET and w["status"] == "active"
               for w in hooks.values())
    assert hooks["recap: meetings/ended"]["ownedBy"] == "org"
    assert hooks["recap: meetings/ended"]["createdBy"] == state.person_by_email("admin@example.com")["id"]
    assert hooks["recap: messages/created"]["createdBy"] == state.bot_id
    assert hooks["recap: messages/created"]["ownedBy"] == "creator"


def test_a_webhook_webex_disabled_is_reactivated(settings, clients, emulator):
    _, state = emulator
    sync_webhooks(clients, settings)
    disabled = next(w for w in state.webhooks.values() if w["resource"] == "meetings")
    disabled["status"] = "inactive"  # what 100 failed deliveries in 5 minutes do
    state.clear_log()
    changes = sync_webhooks(clients, settings)
    assert ("re-activated", "recap: meetings/ended") in actions(changes)
    assert [c.action for c in changes].count("unchanged") == 2
    (put,) = state.calls("PUT", "webhooks")
    assert put.path.endswith(disabled["id"]) and put.json["status"] == "active"
    assert state.webhooks[disabled["id"]]["status"] == "active"


def test_a_wrong_target_and_secret_are_updated_in_place(settings, clients, emulator):
    _, state = emulator
    sync_webhooks(clients, settings)
    hook = next(w for w in state.webhooks.values() if w["resource"] == "attachmentActions")
    hook.update(targetUrl="https://old-host.example.com/webhooks/webex", secret="an-old-secret")
    changes = sync_webhooks(clients, settings)
    (updated,) = [c for c in changes if c.action == "updated"]
    assert updated.webhook_id == hook["id"] and updated.detail == "targetUrl, secret"
    assert state.webhooks[hook["id"]]["targetUrl"] == TARGET and state.webhooks[hook["id"]]["secret"] == WEBHOOK_SECRET
    assert len(state.webhooks) == 3
    assert [c.action for c in sync_webhooks(clients, settings)] == ["unchanged"] * 3


def test_foreign_webhooks_are_left_alone_by_sync_and_by_delete_mine(settings, clients, emulator):
    server, state = emulator
    # Someone else's: one on the bot pointing at Recap's own address, one org-wide meetings/ended webhook.
    bots = foreign(server.api_url, SANDBOX_BOT_TOKEN, targetUrl=TARGET, secret="not-ours")
    orgs = foreign(server.api_url, SANDBOX_ADMIN_TOKEN, name="audit tool", resource="meetings", event="ended",
                   ownedBy="org")
    before = {k: dict(v) for k, v in state.webhooks.items()}
    assert [c.action for c in sync_webhooks(clients, settings)] == ["created"] * 3
    assert [c.action for c in sync_webhooks(clients, settings)] == ["unchanged"] * 3
    assert {k: state.webhooks[k] for k in before} == before  # not a field changed
    deleted = delete_mine(clients)
    assert {c.name for c in deleted} == RECAP_NAMES and all(c.action == "deleted" for c in deleted)
    assert set(state.webhooks) == {bots["id"], orgs["id"]}
    touched = [c.path for c in state.calls() if c.method in ("PUT", "DELETE")]
    assert not any(bots["id"] in p or orgs["id"] in p for p in touched)


def test_duplicates_of_our_own_left_by_an_interrupted_sync_are_removed(settings, clients, emulator):
    server, state = emulator
    sync_webhooks(clients, settings)
    copy = foreign(server.api_url, SANDBOX_BOT_TOKEN, name="recap: messages/created", targetUrl=TARGET,
                   secret=WEBHOOK_SECRET)
    changes = sync_webhooks(clients, settings)
    assert ("deleted", "recap: messages/created") in actions(changes)
    assert sum(w["name"] == "recap: messages/created" for w in state.webhooks.values()) == 1
    assert [c.webhook_id for c in changes if c.action == "deleted"] == [copy["id"]]  # the newer copy goes


def test_without_an_admin_credential_the_org_webhook_is_skipped_with_a_reason(settings, emulator):
    _, state = emulator
    clients = WebexClients(settings.replace(admin_token=None))
    changes = sync_webhooks(clients, settings)
    assert [c.action for c in changes] == ["created", "created", "skipped"]
    assert "WEBEX_ADMIN_TOKEN" in changes[2].detail
    assert len(state.webhooks) == 2


def test_sync_needs_the_public_url(emulator_settings, emulator):
    with pytest.raises(ConfigError, match="RECAP_PUBLIC_URL is required"):
        sync_webhooks(WebexClients(emulator_settings), emulator_settings)
    assert emulator[1].calls("POST", "webhooks") == []


def test_list_shows_ownership_and_status_never_a_secret(settings, clients, emulator):
    server, _ = emulator
    sync_webhooks(clients, settings)
    foreign(server.api_url, SANDBOX_BOT_TOKEN)
    hooks = list_webhooks(clients, WEBHOOK_SECRET)
    assert sorted(h.mine for h in hooks) == [False, True, True, True]
    assert all(h.secret_matches for h in hooks if h.mine)
    assert [h.secret_matches for h in hooks if not h.mine] == [False]
    text = "\n".join(h.line() for h in hooks)
    assert WEBHOOK_SECRET not in text and "ops-secret-value" not in text
    assert "foreign" in text and "ownedBy=org" in text


# --- the command line ------------------------------------------------------------------------------------


@pytest.fixture
def cli_env(emulator, tmp_path, monkeypatch) -> dict:
    """The environment of a real deployment aimed at the emulator (no .env: the working folder is empty)."""
    server, _ = emulator
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("WEBEX_", "RECAP_")) or name in ("DATABASE_URL", "QUEUE_URL"):
            monkeypatch.delenv(name)
    return {"WEBEX_BOT_TOKEN": SANDBOX_BOT_TOKEN, "WEBEX_ADMIN_TOKEN": SANDBOX_ADMIN_TOKEN,
            "WEBEX_COMPLIANCE_TOKEN": SANDBOX_COMPLIANCE_TOKEN, "WEBEX_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "WEBEX_API_URL": server.api_url, "RECAP_PUBLIC_URL": PUBLIC_URL,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'recap.db'}", "QUEUE_URL": f"sqlite:///{tmp_path / 'q.db'}"}


def recap(env: dict, *args: str):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_cli_sync_prints_one_line_per_webhook_then_unchanged(cli_env, emulator):
    first = recap(cli_env, "webhooks", "sync")
    assert first.exit_code == 0, first.output
    lines = first.output.splitlines()
    assert len(lines) == 3 and all(line.startswith("created") for line in lines)
    assert "recap: meetings/ended" in lines[2] and TARGET in lines[2]
    second = recap(cli_env, "webhooks", "sync").output.splitlines()
    assert len(second) == 3 and all(line.startswith("unchanged") for line in second)
    listed = recap(cli_env, "webhooks", "list").output
    assert listed.count("recap: ") == 3 and WEBHOOK_SECRET not in listed


def test_cli_delete_needs_mine_and_then_deletes_only_ours(cli_env, emulator):
    server, state = emulator
    recap(cli_env, "webhooks", "sync")
    theirs = foreign(server.api_url, SANDBOX_BOT_TOKEN)
    refused = CliRunner().invoke(main, ["webhooks", "delete"], env=cli_env)
    assert refused.exit_code == 2 and "--mine" in refused.output
    assert len(state.webhooks) == 4
    done = recap(cli_env, "webhooks", "delete", "--mine")
    assert done.exit_code == 0 and done.output.count("deleted") == 3
    assert list(state.webhooks) == [theirs["id"]]
    assert recap(cli_env, "webhooks", "delete", "--mine").output.strip() == "no Recap webhooks to delete"


def test_cli_without_public_url_is_a_clear_configuration_error(cli_env, emulator, tmp_path):
    env = {**os.environ, **cli_env, "PYTHONPATH": str(ROOT)}
    del env["RECAP_PUBLIC_URL"]
    done = subprocess.run([sys.executable, "-m", "bot", "webhooks", "sync"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.startswith("configuration error: RECAP_PUBLIC_URL is required")
    assert emulator[1].calls("GET", "webhooks") == []  # it stopped before calling Webex
