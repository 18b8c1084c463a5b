"""The admin credential by OAuth refresh: a fresh access token for every process, refreshed once for all.

``AdminToken`` is what the admin ``WebexClient`` calls for its bearer token. The current token
lives in the database (``bot.storage.tokens``), so every web and worker process uses the same one.
It is refreshed a little before it expires (five minutes, or half its life when that is shorter)
and when Webex answers 401 to it; one process refreshes under a database lease while the others
wait for its result. A rotated refresh token is kept. Token values are ``Secret``s and never logged.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.config import Settings
from bot.errors import WebexError, WebexRetryLater
from bot.storage import RequestBudget, Store, StoredToken, TokenStore, utcnow
from bot.webex.clients import WebexClients
from bot.webex.oauth import TokenGrant, request_access_token

log = logging.getLogger(__name__)

NAME = "admin"
REFRESH_MARGIN = timedelta(minutes=5)
RETRY_EARLY_REFRESH = timedelta(seconds=30)  # a failed early refresh is retried this often while the token lasts
WAIT_STEP = 0.05  # seconds between looks at the row while another process refreshes


class AdminToken:
    """The admin access token from the configured OAuth refresh credentials, shared through ``tokens``."""

    def __init__(self, settings: Settings, tokens: TokenStore, *,
                 grant: Callable[[str], TokenGrant] | None = None, clock: Callable[[], datetime] = utcnow):
        if settings.admin_oauth is None:
            raise ValueError("AdminToken needs settings.admin_oauth")
        self._configured = settings.admin_oauth.refresh_token
        oauth = settings.admin_oauth
        self._source = _fingerprint(oauth.client_id, str(oauth.client_secret), str(self._configured))
        self._tokens = tokens
        self._grant = grant or (lambda refresh_token: request_access_token(settings, refresh_token))
        self._clock = clock
        # Long enough for the token call to finish (its timeout), short enough that a crash costs little.
        self._lease = timedelta(seconds=2 * settings.http_timeout + 10)
        self._owner = f"{socket.gethostname()[:64]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._lock = threading.Lock()  # one refresh per process; the lease makes it one per database
        self._current: StoredToken | None = None
        self._early_retry_at: datetime | None = None

    def __repr__(self) -> str:
        return "AdminToken(***)"

    def __call__(self) -> str:
        """The access token to send now, refreshed first when it is missing or due."""
        current = self._current
        if current is not None and current.fresh(self._clock()):
            return str(current.access_token)
        with self._lock:
            current = self._row()
            now = self._clock()
            if current.fresh(now):
                return str(current.access_token)
            if current.usable(now):
                return str(self._early_refresh(current).access_token)
            return str(self._refresh(lambda row: not row.fresh(self._clock())).access_token)

    def refresh(self, rejected: str) -> str:
        """A new access token after Webex answered 401 to ``rejected`` (another process's refresh counts)."""
        with self._lock:
            current = self._row()
            if current.access_token and current.access_token != rejected and current.usable(self._clock()):
                return str(current.access_token)
            log.info("the admin access token was refused (401); refreshing it")
            return str(self._refresh(lambda row: not row.access_token or row.access_token == rejected)
                       .access_token)

    def _row(self) -> StoredToken:
        row = self._tokens.prepare(NAME, self._source, str(self._configured))
        self._current = row
        return row

    def _early_refresh(self, current: StoredToken) -> StoredToken:
        """Refresh ahead of expiry; while the token still works, a failure only postpones the next try."""
        now = self._clock()
        if self._early_retry_at and now < self._early_retry_at:
            return current
        try:
            return self._refresh(lambda row: not row.fresh(self._clock()))
        except WebexError as exc:
            self._early_retry_at = now + RETRY_EARLY_REFRESH
            log.warning("could not refresh the admin access token ahead of expiry (%s); it is still valid until %s",
                        type(exc).__name__, current.expires_at)
            return current

    def _refresh(self, needed: Callable[[StoredToken], bool]) -> StoredToken:
        """Refresh under the database lease, or wait for the process holding it, until ``needed`` is false."""
        deadline = time.monotonic() + self._lease.total_seconds() + 5
        while True:
            if self._tokens.take_lease(NAME, self._owner, self._lease):
                return self._refresh_holding_lease(needed)
            time.sleep(WAIT_STEP)  # another process is at the token endpoint: use its result
            row = self._tokens.load(NAME)
            if row is not None and not needed(row):
                self._current = row
                return row
            if time.monotonic() > deadline:
                raise WebexRetryLater("another Recap process is refreshing the admin access token; try again")

    def _refresh_holding_lease(self, needed: Callable[[StoredToken], bool]) -> StoredToken:
        try:
            row = self._tokens.load(NAME)
            if row is not None and not needed(row):
                self._current = row
                return row  # someone finished a refresh between our look and our lease
            refresh_token = row.refresh_token if row is not None and row.refresh_token else self._configured
            return self._save(self._grant(str(refresh_token)))
        finally:
            self._tokens.release_lease(NAME, self._owner)  # a no-op once the grant is saved

    def _save(self, grant: TokenGrant) -> StoredToken:
        now = self._clock()
        lifetime = timedelta(seconds=grant.expires_in)
        expires_at = now + lifetime
        refresh_at = expires_at - min(REFRESH_MARGIN, lifetime / 2)
        saved = self._tokens.save_grant(NAME, self._owner, access_token=grant.access_token, expires_at=expires_at,
                                        refresh_at=refresh_at, refresh_token=grant.refresh_token)
        if not saved:
            # Our lease lapsed during the call and another process took over: use this token once, keep theirs.
            log.warning("the admin token refresh outlived its lease; the new token is used for this call only")
            return StoredToken(grant.access_token, expires_at, refresh_at, grant.refresh_token, -1)
        log.info("refreshed the admin access token; valid until %s", expires_at.isoformat(timespec="seconds"))
        self._early_retry_at = None
        self._current = self._tokens.load(NAME)
        return self._current


def _fingerprint(client_id: str, client_secret: str, refresh_token: str) -> str:
    """A one-way mark of the configured credentials: a new secret or refresh token in the environment resets the row.

    The secret is in it because it keys the sealing of the row's tokens: values sealed with an old one are unreadable.
    """
    return hashlib.sha256(f"{client_id}\0{client_secret}\0{refresh_token}".encode()).hexdigest()[:32]


def webex_clients(settings: Settings, store: Store) -> WebexClients:
    """The Webex clients of a process, paced through ``store``; with OAuth refresh, the admin one refreshes there."""
    budget = RequestBudget(store.engine)  # every process paces each credential through the same rows
    if settings.admin_oauth is None:
        return WebexClients(settings, budget=budget)
    token = AdminToken(settings, store.tokens(str(settings.admin_oauth.client_secret)))
    return WebexClients(settings, admin_token=token, admin_refresh=token.refresh, budget=budget)
