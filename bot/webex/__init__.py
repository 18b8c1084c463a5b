"""Every HTTP call to Webex: one client per credential, paging, error translation, OAuth, webhooks, messaging.

The only package (with the sandbox's emulator) that imports ``requests`` and ``webexpythonsdk``."""

from bot.webex.admin_token import AdminToken, webex_clients
from bot.webex.client import (
    REFRESH_HINT,
    WebexClient,
    WebexClients,
    bot_sdk,
    sdk_errors,
    segment,
    sign,
    verify_signature,
)
from bot.webex.webhooks import (
    WANTED,
    Change,
    WantedWebhook,
    Webhook,
    delete_mine,
    list_webhooks,
    sync_webhooks,
    target_url,
)

__all__ = [
    "AdminToken",
    "Change",
    "REFRESH_HINT",
    "WANTED",
    "WantedWebhook",
    "WebexClient",
    "WebexClients",
    "Webhook",
    "bot_sdk",
    "delete_mine",
    "list_webhooks",
    "sdk_errors",
    "segment",
    "sign",
    "sync_webhooks",
    "target_url",
    "verify_signature",
    "webex_clients",
]
