"""The admin integration's OAuth token endpoint call: a refresh token in, a new access token out."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin

import requests

from bot.config import Secret, Settings
from bot.errors import WebexAuthError, WebexError, WebexRetryLater
from bot.webex.client import USER_AGENT, response_json
from bot.webex.translate import REFRESH_HINT, error_for


@dataclass(frozen=True)
class TokenGrant:
    """What the OAuth token endpoint handed out (the tokens are ``Secret``s: they never print)."""

    access_token: Secret
    expires_in: float
    refresh_token: Secret | None = None


def request_access_token(settings: Settings, refresh_token: str, *,
                         session: requests.Session | None = None) -> TokenGrant:
    """Exchange the admin integration's refresh token for a new access token (``POST access_token``)."""
    oauth = settings.admin_oauth
    if oauth is None:
        raise WebexAuthError("no admin OAuth refresh credentials are configured", hint=REFRESH_HINT)
    url = urljoin(settings.api_url, "access_token")
    form = {"grant_type": "refresh_token", "client_id": oauth.client_id,
            "client_secret": str(oauth.client_secret), "refresh_token": str(refresh_token)}
    headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
    try:
        response = (session or requests).post(url, data=form, headers=headers, timeout=settings.http_timeout)
    except requests.Timeout as exc:
        raise WebexRetryLater(f"Webex did not answer POST access_token in {settings.http_timeout:g}s") from exc
    except requests.ConnectionError as exc:
        raise WebexRetryLater("could not reach Webex for POST access_token") from exc
    if response.status_code in (400, 401, 403):
        # An unknown client, a wrong secret or a dead refresh token: retrying cannot help.
        error = error_for(response, "admin")
        raise WebexAuthError(error.args[0], hint=REFRESH_HINT, status=error.status,
                             tracking_id=error.tracking_id)
    if response.status_code >= 400:
        raise error_for(response, "admin")
    return _grant(response_json(response), response.status_code)


def _grant(body: dict, status: int) -> TokenGrant:
    access, lifetime, refresh = body.get("access_token"), body.get("expires_in"), body.get("refresh_token")
    if not isinstance(access, str) or not access or not isinstance(lifetime, int | float) or lifetime < 0:
        raise WebexError("Webex answered POST access_token without an access_token and expires_in", status=status)
    rotated = Secret(refresh) if isinstance(refresh, str) and refresh else None  # Webex may hand out a new one
    return TokenGrant(Secret(access), float(lifetime), rotated)
