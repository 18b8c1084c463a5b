"""Token endpoints of the emulator: OAuth refresh, service-app tokens, token expiry.

``POST /v1/access_token`` is not in the published specs; it follows the standard Webex shape
(form-encoded ``grant_type=refresh_token``, ``client_id``, ``client_secret``, ``refresh_token``;
answer ``access_token``, ``expires_in``, ``refresh_token``, ``refresh_token_expires_in``) and needs
no bearer token. Every minted token is a new full-admin token that expires after ``expires_in``
(then it is answered 401 like any unknown token); the fixed sandbox tokens never expire.
``POST /v1/applications/{id}/token`` mints one for the sandbox service app (the caller must be
the admin); ``GET /v1/authorizations/tokenExpiry`` tells any token when it expires.

Switches for tests (per emulator, see ``token_switches``): ``access_seconds`` (lifetime of the
next minted integration tokens), ``rotate_refresh_tokens`` (each refresh hands out a new refresh
token and the one used stops working, which Webex may do; the emulator is strict to prove the
new one is kept), and ``expire_minted_tokens(state)`` to end every minted token at once.
"""

from __future__ import annotations

import itertools
import threading
import time
import weakref
from dataclasses import dataclass, field

from flask import Blueprint, Response, request

from bot.sandbox.emulator.http import ApiError, body_json, json_response, principal, require_role, state
from bot.sandbox.emulator.seed import ADMIN_EMAIL
from bot.sandbox.emulator.world import EmulatorWorld

bp = Blueprint("emulator_oauth", __name__)

SANDBOX_ADMIN_CLIENT_ID = "sandbox-admin-client-id"
SANDBOX_ADMIN_CLIENT_SECRET = "sandbox-admin-client-secret-not-a-secret"
SANDBOX_ADMIN_REFRESH_TOKEN = "sandbox-admin-refresh-token-not-a-secret"
SANDBOX_SERVICE_APP_ID = "sandbox-service-app"
ACCESS_SECONDS = 14 * 24 * 3600  # integration access tokens last 14 days
SERVICE_APP_SECONDS = 3600
REFRESH_SECONDS = 90 * 24 * 3600
NEVER_EXPIRES = 365 * 24 * 3600  # what tokenExpiry says about the fixed sandbox tokens
UNAUTHENTICATED = ("/v1/access_token",)
_serial = itertools.count(1)


@dataclass
class TokenSwitches:
    """One emulator's token state: lifetimes, valid refresh tokens, and when each minted token expires."""

    access_seconds: float = ACCESS_SECONDS
    rotate_refresh_tokens: bool = False
    refresh_tokens: set[str] = field(default_factory=lambda: {SANDBOX_ADMIN_REFRESH_TOKEN})
    expiries: dict[str, float] = field(default_factory=dict)  # minted token → time.time() it stops working
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


_switches: weakref.WeakKeyDictionary[EmulatorWorld, TokenSwitches] = weakref.WeakKeyDictionary()
_switches_lock = threading.Lock()


def token_switches(emulator: EmulatorWorld) -> TokenSwitches:
    """The token switches of an emulator (created on first use)."""
    with _switches_lock:
        return _switches.setdefault(emulator, TokenSwitches())


def expire_minted_tokens(emulator: EmulatorWorld) -> int:
    """End every minted access token now (the fixed sandbox tokens stay); return how many."""
    switches = token_switches(emulator)
    with switches.lock:
        for token in switches.expiries:
            switches.expiries[token] = 0.0
        return len(switches.expiries)


@bp.before_app_request
def _forget_expired_token() -> None:
    """Drop a minted token whose time is up, so the authentication hook answers it 401."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if not request.path.startswith("/v1/") or scheme.lower() != "bearer":
        return
    emulator, token = state(), token.strip()
    switches = token_switches(emulator)
    with switches.lock:
        expiry = switches.expiries.get(token)
        if expiry is None or time.time() < expiry:
            return
        del switches.expiries[token]
    with emulator.lock:
        emulator.tokens.pop(token, None)


def _mint(lifetime: float, *, refresh_token: str = SANDBOX_ADMIN_REFRESH_TOKEN) -> dict:
    serial = next(_serial)
    token = f"sandbox-admin-access-{serial}-not-a-secret"
    emulator = state()
    emulator.add_token(token, ADMIN_EMAIL, "admin")
    switches = token_switches(emulator)
    with switches.lock:
        switches.expiries[token] = time.time() + lifetime
    return {"access_token": token, "expires_in": int(lifetime), "refresh_token": refresh_token,
            "refresh_token_expires_in": REFRESH_SECONDS, "token_type": "Bearer"}


@bp.post("/access_token")
def refresh_access_token() -> Response:
    """Exchange a valid sandbox refresh token for a new admin access token."""
    form = request.form
    if (form.get("client_id"), form.get("client_secret")) != (SANDBOX_ADMIN_CLIENT_ID, SANDBOX_ADMIN_CLIENT_SECRET):
        raise ApiError(401, "Invalid client credentials.")
    switches = token_switches(state())
    used = form.get("refresh_token") or ""
    with switches.lock:
        if form.get("grant_type") != "refresh_token" or used not in switches.refresh_tokens:
            raise ApiError(400, "Invalid grant: expected grant_type=refresh_token and a valid refresh_token.")
        refresh_token = used
        if switches.rotate_refresh_tokens:
            refresh_token = f"sandbox-admin-refresh-{next(_serial)}-not-a-secret"
            switches.refresh_tokens = {refresh_token}
        lifetime = switches.access_seconds
    return json_response(_mint(lifetime, refresh_token=refresh_token))


@bp.post("/applications/<application_id>/token")
def service_app_token(application_id: str) -> Response:
    """A token pair for the sandbox service app, requested by the admin."""
    require_role("admin", message="Only an integration with spark:applications_token may request this.")
    data = body_json()
    missing = [k for k in ("clientId", "clientSecret", "targetOrgId") if not data.get(k)]
    if missing:
        raise ApiError(400, f"Missing required field(s): {', '.join(missing)}.")
    if application_id != SANDBOX_SERVICE_APP_ID:
        raise ApiError(404, "The requested application could not be found.")
    if (data["clientId"], data["clientSecret"]) != (SANDBOX_ADMIN_CLIENT_ID, SANDBOX_ADMIN_CLIENT_SECRET):
        raise ApiError(401, "Invalid client credentials.")
    if data["targetOrgId"] != state().org_id:
        raise ApiError(403, "The service app is not authorized in the target organization.")
    return json_response(_mint(SERVICE_APP_SECONDS))


@bp.get("/authorizations/tokenExpiry")
def token_expiry() -> Response:
    """When the caller's token expires (fixed sandbox tokens: a year from now), epoch milliseconds."""
    principal()
    token = request.headers.get("Authorization", "").partition(" ")[2].strip()
    switches = token_switches(state())
    with switches.lock:
        expiry = switches.expiries.get(token, time.time() + NEVER_EXPIRES)
    return json_response({"exp": int(expiry * 1000)})
