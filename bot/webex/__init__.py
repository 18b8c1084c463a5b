"""Every HTTP call to Webex: one client per credential, paging, error translation, OAuth, webhooks, messaging.

The only package (with the sandbox's emulator) that imports ``requests`` and ``webexpythonsdk``.
"""

from bot.webex.admin_token import AdminToken, webex_clients
from bot.webex.client import WebexClient, segment
from bot.webex.clients import WebexClients
from bot.webex.messaging import Messaging, same_person
from bot.webex.signature import sign, verify_signature
from bot.webex.translate import REFRESH_HINT, sdk_errors
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
    "REFRESH_HINT", "WANTED", "AdminToken", "Change", "Messaging", "WantedWebhook", "WebexClient", "WebexClients",
    "Webhook", "delete_mine", "list_webhooks", "same_person", "sdk_errors", "segment", "sign", "sync_webhooks",
    "target_url", "verify_signature", "webex_clients",
]
