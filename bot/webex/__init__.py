"""Every HTTP call to Webex: one client per credential, paging, pacing, error translation, OAuth, webhooks, messaging.

The only package (with the sandbox's emulator) that imports ``requests`` and ``webexpythonsdk``.
"""

from bot.webex.admin_token import AdminToken, webex_clients
from bot.webex.client import WebexClient, segment
from bot.webex.clients import WebexClients
from bot.webex.messaging import Messaging, same_person
from bot.webex.pacing import PROCESS_BUDGET, LocalBudget, Pacer, token_key
from bot.webex.paging import WINDOW, ListingInterrupted, OffsetListing
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
    "PROCESS_BUDGET", "REFRESH_HINT", "WANTED", "WINDOW", "AdminToken", "Change", "ListingInterrupted",
    "LocalBudget", "Messaging", "OffsetListing", "Pacer", "WantedWebhook", "WebexClient", "WebexClients", "Webhook",
    "delete_mine", "list_webhooks", "same_person", "sdk_errors", "segment", "sign", "sync_webhooks", "target_url",
    "token_key", "verify_signature", "webex_clients",
]
