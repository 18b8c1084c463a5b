"""`recap doctor` against the emulator: every verdict, the hints, the exit code, and no token in the output."""

from __future__ import annotations

import os
import socket

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.cli.doctor import diagnose, failed
from bot.config import OAuthRefresh, Secret, Settings
from bot.sandbox.emulator import (
    SANDBOX_ADMIN_CLIENT_ID,
    SANDBOX_ADMIN_CLIENT_SECRET,
    SANDBOX_ADMIN_REFRESH_TOKEN,
    SANDBOX_ADMIN_TOKEN,
    SANDBOX_BOT_TOKEN,
    SANDBOX_COMPLIANCE_TOKEN,
    SANDBOX_USER_TOKEN,
)
from bot.storage import head_revision
from bot.webex import WebexClients, sync_webhooks

PUBLIC_URL = "https://recap.example.com/"
TOKENS = (SANDBOX_ADMIN_TOKEN, SANDBOX_BOT_TOKEN, SANDBOX_COMPLIANCE_TOKEN, SANDBOX_USER_TOKEN,
          SANDBOX_ADMIN_CLIENT_SECRET, SANDBOX_ADMIN_REFRESH_TOKEN)


@pytest.fixture
def settings(emulator_settings, tmp_path) -> Settings:
    return emulator_settings.replace(public_url=PUBLIC_URL, database_url=f"sqlite:///{tmp_path / 'recap.db'}",
                                     queue_url=f"sqlite:///{tmp_path / 'queue.db'}")


@pytest.fixture
def synced(settings) -> Settings:
    sync_webhooks(WebexClients(settings), settings)
    return settings


def verdicts(findings) -> dict[str, str]:
    return {f.topic: f.verdict for f in findings}


def finding(findings, topic: str):
    (found,) = [f for f in findings if f.topic == topic]
    return found


def test_a_healthy_deployment_is_all_ok(synced):
    findings = diagnose(synced)
    assert verdicts(findings) == {
        "database": "ok", "database schema": "ok", "queue": "ok", "bot credential": "ok", "admin credential": "ok",
        "admin archives": "ok", "admin meetings": "ok", "compliance credential": "ok", "compliance chats": "ok",
        "insight AI summary": "ok", "insight Speakers": "ok", "insight Recording": "ok", "insight Invitees": "ok",
        "webhook messages/created": "ok", "webhook attachmentActions/created": "ok",
        "webhook meetings/ended (org)": "ok"}
    assert not failed(findings)
    assert finding(findings, "bot credential").message == "Recap <recap@webex.bot> (bot)"
    assert "admin@example.com" in finding(findings, "admin credential").message
    assert "HTTP 404, not 403" in finding(findings, "compliance chats").message  # the probe id told it
    # A fresh SQLite file is upgraded, as every start does; the next run finds it at head.
    assert finding(findings, "database schema").message == f"created the schema at {head_revision()} (head)"
    assert finding(diagnose(synced), "database schema").message == f"at {head_revision()} (head)"


def test_a_user_token_as_admin_fails_on_archives_with_the_hint(synced):
    findings = diagnose(synced.replace(admin_token=Secret(SANDBOX_USER_TOKEN)))
    assert "<user@example.com> (person)" in finding(findings, "admin credential").message
    archives = finding(findings, "admin archives")
    assert archives.verdict == "FAIL" and "HTTP 403" in archives.message
    assert "full administrator" in archives.fix and "meeting:admin_recordings_read" in archives.fix
    assert "FAIL  admin archives: cannot: Webex answered HTTP 403" in archives.line()
    assert finding(findings, "admin webhooks").verdict == "FAIL"  # it cannot see org webhooks either
    assert failed(findings)


def test_a_compliance_token_without_the_role_fails_on_chats(synced):
    findings = diagnose(synced.replace(compliance_token=Secret(SANDBOX_USER_TOKEN)))
    chats = finding(findings, "compliance chats")
    assert chats.verdict == "FAIL" and "HTTP 403" in chats.message
    assert "spark-compliance:meetings_read" in chats.fix


def test_a_revoked_bot_token_fails_with_what_to_do(synced):
    findings = diagnose(synced.replace(bot_token=Secret("revoked-bot-token")))
    bot = finding(findings, "bot credential")
    assert bot.verdict == "FAIL" and "HTTP 401" in bot.message and "WEBEX_BOT_TOKEN" in bot.fix
    assert finding(findings, "bot webhooks").verdict == "FAIL"


def test_a_person_token_as_bot_is_a_warning(synced):
    assert finding(diagnose(synced.replace(bot_token=Secret(SANDBOX_USER_TOKEN))), "bot credential").verdict == "warn"


def test_webhooks_missing_disabled_or_elsewhere_each_fail_until_synced(settings, emulator):
    _, state = emulator
    missing = diagnose(settings)
    assert finding(missing, "webhook messages/created").message == "missing"
    assert "recap webhooks sync" in finding(missing, "webhook messages/created").fix
    sync_webhooks(WebexClients(settings), settings)
    hooks = {w["resource"]: w for w in state.webhooks.values()}
    hooks["meetings"]["status"] = "inactive"
    hooks["messages"]["targetUrl"] = "https://old.example.com/webhooks/webex"
    hooks["attachmentActions"]["secret"] = "stale-secret"
    broken = diagnose(settings)
    assert "disabled by Webex" in finding(broken, "webhook meetings/ended (org)").message
    assert "points at https://old.example.com/" in finding(broken, "webhook messages/created").message
    assert "secret" in finding(broken, "webhook attachmentActions/created").message
    assert "stale-secret" not in "\n".join(f.line() for f in broken)
    sync_webhooks(WebexClients(settings), settings)
    assert not failed(diagnose(settings))


def test_without_public_url_webhooks_fail(synced):
    findings = diagnose(synced.replace(public_url=None))
    webhooks = finding(findings, "webhooks")
    assert webhooks.verdict == "FAIL" and "RECAP_PUBLIC_URL" in webhooks.message


def test_an_unreachable_database_and_queue_fail(synced, tmp_path):
    port = _closed_port()
    findings = diagnose(synced.replace(database_url=f"sqlite:///{tmp_path / 'no-such-dir' / 'recap.db'}",
                                       queue_url=f"redis://:hunter2@127.0.0.1:{port}/0"))
    assert finding(findings, "database").verdict == "FAIL"
    queue = finding(findings, "queue")
    assert queue.verdict == "FAIL" and "hunter2" not in queue.line() and ":***@" in queue.line()


def test_oauth_admin_is_checked_through_a_refresh(synced, emulator):
    _, state = emulator
    oauth = OAuthRefresh(SANDBOX_ADMIN_CLIENT_ID, Secret(SANDBOX_ADMIN_CLIENT_SECRET),
                         Secret(SANDBOX_ADMIN_REFRESH_TOKEN))
    findings = diagnose(synced.replace(admin_token=None, admin_oauth=oauth))
    assert finding(findings, "admin credential").message.endswith("via OAuth refresh")
    assert not failed(findings) and len(state.calls("POST", "access_token")) == 1
    dead = OAuthRefresh(SANDBOX_ADMIN_CLIENT_ID, Secret(SANDBOX_ADMIN_CLIENT_SECRET), Secret("dead-refresh-token"))
    refused = finding(diagnose(synced.replace(admin_token=None, admin_oauth=dead)), "admin credential")
    assert refused.verdict == "FAIL" and "WEBEX_ADMIN_REFRESH_TOKEN" in refused.fix


def test_cli_prints_a_verdict_per_line_no_token_and_exits_1_on_fail(synced, emulator, tmp_path, monkeypatch):
    server, _ = emulator
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("WEBEX_", "RECAP_")) or name in ("DATABASE_URL", "QUEUE_URL"):
            monkeypatch.delenv(name)
    env = {"WEBEX_BOT_TOKEN": SANDBOX_BOT_TOKEN, "WEBEX_ADMIN_TOKEN": SANDBOX_ADMIN_TOKEN,
           "WEBEX_COMPLIANCE_TOKEN": SANDBOX_COMPLIANCE_TOKEN, "WEBEX_WEBHOOK_SECRET": str(synced.webhook_secret),
           "WEBEX_API_URL": server.api_url, "RECAP_PUBLIC_URL": PUBLIC_URL, "DATABASE_URL": synced.database_url,
           "QUEUE_URL": synced.queue_url}
    healthy = CliRunner().invoke(main, ["doctor"], env=env)
    assert healthy.exit_code == 0, healthy.output
    lines = healthy.output.splitlines()
    assert len(lines) == 16 and all(line.startswith("ok ") for line in lines)
    sick = CliRunner().invoke(main, ["doctor"], env={**env, "WEBEX_ADMIN_TOKEN": SANDBOX_USER_TOKEN})
    assert sick.exit_code == 1
    assert any(line.startswith("FAIL  admin archives") for line in sick.output.splitlines())
    for token in TOKENS:
        assert token not in healthy.output + sick.output


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- insight sources: one line each, ok / missing scope / feature off, never a failure -------------------

INSIGHT_TOPICS = ("insight AI summary", "insight Speakers", "insight Recording", "insight Invitees")


def insight_verdicts(findings) -> dict[str, tuple[str, str]]:
    return {f.topic: (f.verdict, f.message) for f in findings if f.topic.startswith("insight ")}


def test_each_insight_source_is_read_for_the_latest_ended_meeting(synced, emulator):
    _, state = emulator
    state.end_meeting("alice@example.com", seed=21, deliver=False)
    lines = insight_verdicts(diagnose(synced))
    assert tuple(lines) == INSIGHT_TOPICS
    for topic, (verdict, message) in lines.items():
        assert verdict == "ok" and message.startswith("ok: read for the latest ended meeting"), (topic, message)


def test_a_forbidden_source_is_a_missing_scope_and_a_missing_one_is_feature_off(synced, emulator):
    _, state = emulator
    state.end_meeting("alice@example.com", seed=22, deliver=False)
    state.insights.apply_spec("summaries=forbidden,recordings=missing")
    findings = diagnose(synced)
    lines = insight_verdicts(findings)
    assert lines["insight AI summary"][0] == "warn" and "missing scope" in lines["insight AI summary"][1]
    assert "spark-compliance:meetings_read" in finding(findings, "insight AI summary").fix
    assert lines["insight Recording"] == ("warn", lines["insight Recording"][1])
    assert lines["insight Recording"][1].startswith("feature off")
    assert lines["insight Speakers"][0] == lines["insight Invitees"][0] == "ok"
    assert not failed(findings)  # insights are optional: a deployment without them still works


def test_without_the_compliance_credential_its_sources_are_not_configured(synced, emulator):
    _, state = emulator
    state.end_meeting("alice@example.com", seed=23, deliver=False)
    lines = insight_verdicts(diagnose(synced.replace(compliance_token=None)))
    assert lines["insight AI summary"] == ("ok", "not configured (optional): needs the compliance credential")
    assert lines["insight Speakers"][1].startswith("not configured")
    assert lines["insight Recording"][1].startswith("ok: read") and lines["insight Invitees"][1].startswith("ok: read")


def test_with_no_ended_meeting_a_probe_still_tells_a_missing_scope(synced, emulator):
    _, state = emulator
    with state.lock:
        state.meetings.clear()  # no ended meeting to read from: each source is probed with a made-up id
    lines = insight_verdicts(diagnose(synced.replace(admin_token=Secret(SANDBOX_COMPLIANCE_TOKEN))))
    assert lines["insight Invitees"][0] == "warn" and "missing scope" in lines["insight Invitees"][1]
    healthy = insight_verdicts(diagnose(synced))
    assert all(verdict == "ok" and "the right is there" in message for verdict, message in healthy.values())
