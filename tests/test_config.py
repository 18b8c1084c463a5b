"""Settings: every variable of DESIGN.md §4 read, validated, and never echoed when secret."""

from __future__ import annotations

import pytest

from bot.config import DEFAULT_API_URL, Settings
from bot.errors import ConfigError

BOT = "bot-token-abcdefgh"
SECRET = "whsec-0123456789"


def settings(**env) -> Settings:
    return Settings.from_env(env, env_file=None)


def test_defaults_run_the_sandbox():
    s = settings()
    assert s.sandbox and s.bot_token is None
    assert s.api_url == DEFAULT_API_URL
    assert s.timezone == "UTC"
    assert s.database_url.startswith("sqlite:///") and s.queue_url.startswith("sqlite:///")


def test_every_variable_is_read():
    s = settings(
        WEBEX_BOT_TOKEN=BOT, WEBEX_WEBHOOK_SECRET=SECRET, WEBEX_ADMIN_TOKEN="admin-token-123",
        WEBEX_COMPLIANCE_TOKEN="compliance-token-1", WEBEX_API_URL="http://127.0.0.1:9/v1",
        RECAP_PUBLIC_URL="https://recap.example.com/", RECAP_ADMINS="Alice@Example.com, @corp.example.org",
        RECAP_TIMEZONE="Europe/Paris", DATABASE_URL="postgresql+psycopg://recap@127.0.0.1/test",
        QUEUE_URL="redis://127.0.0.1:6379/0",
    )
    assert not s.sandbox
    assert s.bot_token == BOT and s.webhook_secret == SECRET
    assert s.api_url == "http://127.0.0.1:9/v1/"  # trailing slash added for urljoin
    assert s.admins == ("alice@example.com", "@corp.example.org")
    assert s.timezone == "Europe/Paris"
    assert s.queue_url == "redis://127.0.0.1:6379/0"


@pytest.mark.parametrize("email, allowed", [
    ("alice@example.com", True), ("ALICE@example.com", True), ("bob@corp.example.org", True),
    ("bob@example.com", False), ("eve@evilcorp.example.org", False), ("", False), (None, False),
])
def test_admins_match_addresses_and_domains(email, allowed):
    s = settings(RECAP_ADMINS="alice@example.com @corp.example.org")
    assert s.is_admin(email) is allowed


@pytest.mark.parametrize("env, names", [
    ({"RECAP_TIMEZONE": "Mars/Olympus"}, "RECAP_TIMEZONE"),
    ({"WEBEX_API_URL": "ftp://x"}, "WEBEX_API_URL"),
    ({"RECAP_PUBLIC_URL": "recap.example.com"}, "RECAP_PUBLIC_URL"),
    ({"RECAP_ADMINS": "alice, @"}, "RECAP_ADMINS"),
    ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL"),
    ({"DATABASE_URL": "postgresql://recap@127.0.0.1:port/db"}, "DATABASE_URL"),  # SQLAlchemy could not build it
    ({"QUEUE_URL": "amqp://x"}, "QUEUE_URL"),
    ({"RECAP_HTTP_TIMEOUT": "soon"}, "RECAP_HTTP_TIMEOUT"),
    ({"WEBEX_BOT_TOKEN": BOT}, "WEBEX_WEBHOOK_SECRET"),
    ({"WEBEX_ADMIN_CLIENT_ID": "cid"}, "WEBEX_ADMIN_CLIENT_SECRET"),
])
def test_bad_values_name_the_variable(env, names):
    with pytest.raises(ConfigError) as info:
        settings(**env)
    assert names in str(info.value)


def test_malformed_token_is_never_echoed():
    leaked = "secret part with spaces"
    with pytest.raises(ConfigError) as info:
        settings(WEBEX_ADMIN_TOKEN=leaked)
    assert "WEBEX_ADMIN_TOKEN" in str(info.value)
    assert leaked not in str(info.value)


def test_database_password_is_never_echoed():
    with pytest.raises(ConfigError) as info:
        settings(DATABASE_URL="not a url with hunter2")
    assert "hunter2" not in str(info.value)


def test_secrets_do_not_show_in_repr():
    s = settings(WEBEX_BOT_TOKEN=BOT, WEBEX_WEBHOOK_SECRET=SECRET)
    assert BOT not in repr(s) and SECRET not in repr(s)


def test_admin_token_and_oauth_are_exclusive_and_oauth_needs_all_three():
    trio = {"WEBEX_ADMIN_CLIENT_ID": "cid", "WEBEX_ADMIN_CLIENT_SECRET": "client-secret-1",
            "WEBEX_ADMIN_REFRESH_TOKEN": "refresh-token-1"}
    s = settings(**trio)
    assert s.admin_oauth is not None and s.admin_oauth.client_id == "cid"
    with pytest.raises(ConfigError):
        settings(WEBEX_ADMIN_TOKEN="admin-token-123", **trio)


def test_dotenv_file_is_read_and_environment_wins(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("RECAP_TIMEZONE=Asia/Tokyo\nRECAP_ADMINS=a@example.com\n")
    s = Settings.from_env({"RECAP_ADMINS": "b@example.com"}, env_file=env_file)
    assert s.timezone == "Asia/Tokyo"
    assert s.admins == ("b@example.com",)
