"""The admin credential by OAuth refresh, over real HTTP against the emulator's token endpoint.

Minted tokens expire in the emulator (answered 401); Recap refreshes once, for every process
sharing the database, keeps a rotated refresh token, and fails clearly (never in a loop) when
the refresh itself is refused.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import pytest
import requests
from sqlalchemy import text

from bot.config import OAuthRefresh, Secret, Settings
from bot.context import Services
from bot.errors import WebexAuthError
from bot.sandbox.emulator import (
    SANDBOX_ADMIN_CLIENT_ID,
    SANDBOX_ADMIN_CLIENT_SECRET,
    SANDBOX_ADMIN_REFRESH_TOKEN,
    SANDBOX_ADMIN_TOKEN,
    SANDBOX_BOT_TOKEN,
    expire_minted_tokens,
    token_switches,
)
from bot.storage import create_store, utcnow
from bot.webex import AdminToken, WebexClients
from tests.conftest import WEBHOOK_SECRET

ARCHIVES = "recordingReport/meetingArchiveSummaries"


def oauth_settings(api_url: str, database_url: str, refresh_token: str = SANDBOX_ADMIN_REFRESH_TOKEN) -> Settings:
    """Settings whose admin credential is the sandbox integration's OAuth refresh trio."""
    oauth = OAuthRefresh(SANDBOX_ADMIN_CLIENT_ID, Secret(SANDBOX_ADMIN_CLIENT_SECRET), Secret(refresh_token))
    return Settings(bot_token=Secret(SANDBOX_BOT_TOKEN), admin_oauth=oauth, webhook_secret=Secret(WEBHOOK_SECRET),
                    api_url=api_url, database_url=database_url, queue_url="memory://", http_timeout=10.0)


@pytest.fixture
def settings(emulator, tmp_path) -> Settings:
    server, _ = emulator
    return oauth_settings(server.api_url, f"sqlite:///{tmp_path / 'recap.db'}")


def process(settings: Settings) -> Services:
    """What one Recap process builds: its own engine on the shared database, its own clients."""
    return Services(settings)


def row_of(store):
    """The admin token row as Recap reads it (its values opened with the sandbox integration's secret)."""
    return store.tokens(SANDBOX_ADMIN_CLIENT_SECRET).load("admin")


def token_posts(state) -> list:
    return state.calls("POST", "access_token")


def bearer(call) -> str:
    return call.headers["Authorization"].removeprefix("Bearer ")


def test_first_call_mints_a_token_that_every_process_then_shares(settings, emulator):
    _, state = emulator
    first, second = process(settings), process(settings)
    assert first.webex.admin.get_json("people/me")["emails"] == ["admin@example.com"]
    assert second.webex.admin.get_json("people/me")["emails"] == ["admin@example.com"]
    (post,) = token_posts(state)  # the second process found the token in the database
    assert post.headers.get("Authorization") is None  # the token endpoint takes the form, not a bearer
    minted = [bearer(c) for c in state.calls("GET", "people/me")]
    assert minted[0] == minted[1] and minted[0].startswith("sandbox-admin-access-")
    row = row_of(first.store)
    assert row.access_token == minted[0] and row.expires_at > utcnow() + timedelta(days=13)


def test_an_expired_token_gets_401_then_one_refresh_and_the_call_succeeds(settings, emulator):
    _, state = emulator
    services = process(settings)
    services.webex.admin.get_json("people/me")
    assert expire_minted_tokens(state) == 1
    state.clear_log()
    summaries = services.webex.admin.get_json(ARCHIVES, {"max": 1})
    assert "items" in summaries
    seen = [(c.method, c.path, c.status) for c in state.requests]
    assert seen == [("GET", f"/v1/{ARCHIVES}", 401), ("POST", "/v1/access_token", 200),
                    ("GET", f"/v1/{ARCHIVES}", 200)]
    old, new = (bearer(c) for c in state.calls("GET", ARCHIVES))
    assert old != new and row_of(services.store).access_token == new


def test_refreshes_ahead_of_expiry_without_waiting_for_a_401(settings, emulator):
    _, state = emulator
    token_switches(state).access_seconds = 3600  # like a service app's token
    now = [utcnow()]
    store = create_store(settings)
    token = AdminToken(settings, store.tokens(SANDBOX_ADMIN_CLIENT_SECRET), clock=lambda: now[0])
    client = WebexClients(settings, admin_token=token, admin_refresh=token.refresh).admin
    client.get_json("people/me")
    now[0] += timedelta(minutes=54)  # six minutes left: not yet due
    client.get_json("people/me")
    assert len(token_posts(state)) == 1
    now[0] += timedelta(minutes=2)  # four minutes left: inside the five-minute margin
    client.get_json("people/me")
    assert len(token_posts(state)) == 2
    assert all(c.status == 200 for c in state.calls("GET", "people/me"))  # no 401 was needed


def test_a_failed_early_refresh_keeps_the_still_valid_token(settings, emulator):
    _, state = emulator
    token_switches(state).access_seconds = 3600
    now = [utcnow()]
    token = AdminToken(settings, create_store(settings).tokens(SANDBOX_ADMIN_CLIENT_SECRET), clock=lambda: now[0])
    client = WebexClients(settings, admin_token=token, admin_refresh=token.refresh).admin
    client.get_json("people/me")
    now[0] += timedelta(minutes=57)
    state.inject_fault(503, path_prefix="access_token")
    client.get_json("people/me")  # served with the old token, still valid for three minutes
    client.get_json("people/me")  # and the failed refresh is not retried on every call
    assert [c.status for c in token_posts(state)] == [200, 503]
    now[0] += timedelta(seconds=31)
    client.get_json("people/me")
    assert [c.status for c in token_posts(state)] == [200, 503, 200]


def test_a_rotated_refresh_token_is_kept_and_used_by_the_next_process(settings, emulator):
    _, state = emulator
    token_switches(state).rotate_refresh_tokens = True  # the configured one dies at its first use
    services = process(settings)
    services.webex.admin.get_json("people/me")
    rotated = row_of(services.store).refresh_token
    assert rotated != SANDBOX_ADMIN_REFRESH_TOKEN
    expire_minted_tokens(state)
    newcomer = process(settings)  # started later, with the original refresh token in its environment
    newcomer.webex.admin.get_json("people/me")
    assert [p.status for p in token_posts(state)] == [200, 200]  # the original would have been refused (400)
    assert row_of(newcomer.store).refresh_token not in (rotated, SANDBOX_ADMIN_REFRESH_TOKEN)


def test_a_refused_refresh_token_fails_once_with_a_hint(emulator, tmp_path):
    server, state = emulator
    settings = oauth_settings(server.api_url, f"sqlite:///{tmp_path / 'r.db'}", refresh_token="revoked-refresh-token")
    services = process(settings)
    with pytest.raises(WebexAuthError) as caught:
        services.webex.admin.get_json(ARCHIVES)
    assert caught.value.status == 400
    assert "WEBEX_ADMIN_REFRESH_TOKEN" in caught.value.hint and "authorise" in caught.value.hint
    assert len(token_posts(state)) == 1 and state.calls("GET", ARCHIVES) == []
    assert "revoked-refresh-token" not in str(caught.value) + caught.value.hint


def test_when_the_refresh_fails_after_a_401_the_call_fails_without_a_loop(settings, emulator):
    _, state = emulator
    services = process(settings)
    services.webex.admin.get_json("people/me")
    expire_minted_tokens(state)
    token_switches(state).refresh_tokens = set()  # the integration was de-authorised
    state.clear_log()
    with pytest.raises(WebexAuthError) as caught:
        services.webex.admin.get_json("people/me")
    assert "WEBEX_ADMIN_REFRESH_TOKEN" in caught.value.hint
    assert [(c.path, c.status) for c in state.requests] == [("/v1/people/me", 401), ("/v1/access_token", 400)]


def test_tokens_that_die_at_once_end_in_one_retry_not_a_loop(settings, emulator):
    _, state = emulator
    token_switches(state).access_seconds = 0  # every minted token is born expired
    services = process(settings)
    with pytest.raises(WebexAuthError) as caught:
        services.webex.admin.get_json("people/me")
    assert caught.value.status == 401
    assert [c.status for c in state.calls("GET", "people/me")] == [401, 401]
    assert len(token_posts(state)) == 2  # the one before the call, the one after its 401


def test_new_credentials_in_the_environment_replace_the_stored_tokens(settings, emulator):
    _, state = emulator
    services = process(settings)
    services.webex.admin.get_json("people/me")
    before = row_of(services.store)
    other = settings.replace(admin_oauth=OAuthRefresh(SANDBOX_ADMIN_CLIENT_ID, Secret(SANDBOX_ADMIN_CLIENT_SECRET),
                                                      Secret("a-new-refresh-token-pasted-in")))
    with pytest.raises(WebexAuthError):  # the emulator does not know it: proves it was used, not the stored one
        process(other).webex.admin.get_json("people/me")
    after = row_of(services.store)
    assert after.access_token is None and after.refresh_token == "a-new-refresh-token-pasted-in"
    assert after.version > before.version


def test_the_database_holds_the_tokens_sealed_and_only_the_client_secret_opens_them(settings, emulator):
    services = process(settings)
    services.webex.admin.get_json("people/me")
    row = row_of(services.store)
    with services.store.engine.connect() as conn:  # what a database dump or backup would show
        raw = conn.execute(text("SELECT access_token, refresh_token FROM oauth_tokens")).one()
    dump = " ".join(raw)
    assert str(row.access_token) not in dump and SANDBOX_ADMIN_REFRESH_TOKEN not in dump
    assert all(value.startswith("fernet:") for value in raw)
    stranger = services.store.tokens("some-other-client-secret").load("admin")
    assert stranger.access_token is None and stranger.refresh_token is None


def test_a_new_client_secret_starts_again_from_the_configured_refresh_token(settings, emulator):
    _, state = emulator
    process(settings).webex.admin.get_json("people/me")
    rotated = settings.replace(admin_oauth=OAuthRefresh(SANDBOX_ADMIN_CLIENT_ID, Secret("a-rotated-client-secret"),
                                                        Secret(SANDBOX_ADMIN_REFRESH_TOKEN)))
    services = process(rotated)
    with pytest.raises(WebexAuthError):  # the emulator knows only the sandbox secret: proves a fresh grant was asked
        services.webex.admin.get_json("people/me")
    row = services.store.tokens("a-rotated-client-secret").load("admin")
    assert row.access_token is None and row.refresh_token == SANDBOX_ADMIN_REFRESH_TOKEN  # readable with the new key
    assert [p.status for p in token_posts(state)][-1] != 200


def test_no_token_value_reaches_a_log_line_or_a_repr(settings, emulator, caplog):
    _, state = emulator
    caplog.set_level(logging.DEBUG)
    services = process(settings)
    services.webex.admin.get_json("people/me")
    expire_minted_tokens(state)
    services.webex.admin.get_json("people/me")
    row = row_of(services.store)
    shown = caplog.text + repr(row) + repr(services.webex.admin) + repr(services.webex.admin._token)
    assert "refreshed the admin access token" in caplog.text
    for secret in (SANDBOX_ADMIN_CLIENT_SECRET, SANDBOX_ADMIN_REFRESH_TOKEN, *(bearer(c) for c in state.requests
                                                                             if "Authorization" in c.headers)):
        assert secret not in shown


def test_the_emulator_expires_minted_tokens_but_never_the_sandbox_ones(emulator):
    server, state = emulator
    token_switches(state).access_seconds = 600
    form = {"grant_type": "refresh_token", "client_id": SANDBOX_ADMIN_CLIENT_ID,
            "client_secret": SANDBOX_ADMIN_CLIENT_SECRET, "refresh_token": SANDBOX_ADMIN_REFRESH_TOKEN}
    minted = requests.post(server.api_url + "access_token", data=form, timeout=10).json()
    assert minted["expires_in"] == 600 and minted["refresh_token"] == SANDBOX_ADMIN_REFRESH_TOKEN

    def ask(token: str, path: str) -> requests.Response:
        return requests.get(server.api_url + path, headers={"Authorization": f"Bearer {token}"}, timeout=10)

    expiry = ask(minted["access_token"], "authorizations/tokenExpiry").json()["exp"] / 1000
    assert 0 < expiry - time.time() <= 600
    assert ask(SANDBOX_ADMIN_TOKEN, "authorizations/tokenExpiry").json()["exp"] / 1000 - time.time() > 300 * 86400
    expire_minted_tokens(state)
    assert ask(minted["access_token"], "people/me").status_code == 401
    assert ask(SANDBOX_ADMIN_TOKEN, "people/me").status_code == 200
    assert requests.post(server.api_url + "access_token", data={**form, "client_secret": "wrong-secret"},
                         timeout=10).status_code == 401
