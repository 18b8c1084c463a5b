"""One long-lived client per configured credential: the bot (webexpythonsdk), the admin and the compliance officer.

The admin and compliance clients are paced (``bot.webex.pacing``): ``RECAP_WEBEX_RATE`` requests a minute per
credential, in the shared ``budget`` (the database's, from ``webex_clients``) or else this process's.
"""

from __future__ import annotations

from collections.abc import Callable

import requests

from bot.config import Settings
from bot.errors import WebexAuthError
from bot.webex.client import WebexClient
from bot.webex.messaging import Messaging
from bot.webex.pacing import Budget, Pacer, token_key
from bot.webex.translate import AUTH_HINTS


class WebexClients:
    """The clients for every configured credential, built once per process."""

    def __init__(self, settings: Settings, admin_token: Callable[[], str] | None = None,
                 session: requests.Session | None = None, admin_refresh: Callable[[str], str] | None = None,
                 budget: Budget | None = None):
        def make(token, role):
            if token is None:
                return None
            return WebexClient(settings.api_url, token, role=role, timeout=settings.http_timeout,
                               session=session, on_unauthorized=admin_refresh if role == "admin" else None,
                               pacer=pacer_for(settings, token, role, budget))

        self.settings = settings
        self.bot = Messaging.for_settings(settings) if settings.bot_token else None
        admin = admin_token or (str(settings.admin_token) if settings.admin_token else None)
        self.admin = make(admin, "admin")
        self.compliance = make(str(settings.compliance_token) if settings.compliance_token else None,
                               "compliance")

    def require(self, role: str) -> WebexClient | Messaging:
        """The client for ``role``, or a ``WebexAuthError`` saying which credential is missing."""
        client = getattr(self, role)
        if client is None:
            raise WebexAuthError(f"no {role} credential is configured", hint=AUTH_HINTS[role])
        return client

    def messaging(self) -> Messaging:
        """The bot's client (a ``WebexAuthError`` when no bot token is configured)."""
        return self.require("bot")


def pacer_for(settings: Settings, token: str | Callable[[], str], role: str,
              budget: Budget | None = None) -> Pacer | None:
    """The pacer of one credential (None when ``RECAP_WEBEX_RATE`` is 0), keyed by a hash of who it is."""
    if not settings.webex_rate:
        return None
    if not callable(token):
        identity = f"token\0{token}"
    elif role == "admin" and settings.admin_oauth is not None:
        # A refreshed access token changes; the user behind the integration's grant, whose quota it is, does not.
        identity = f"oauth\0{settings.admin_oauth.client_id}\0{settings.admin_oauth.refresh_token}"
    else:
        identity = f"callable\0{role}"
    return Pacer(token_key(settings.api_url, identity), settings.webex_rate, budget=budget, role=role)
