"""The Webex API emulator: the endpoints Recap calls, with in-memory state, faults, latency and a rate limit."""

from bot.sandbox.emulator.app import (
    NO_RETRY_AFTER,
    SANDBOX_ADMIN_CLIENT_ID,
    SANDBOX_ADMIN_CLIENT_SECRET,
    SANDBOX_ADMIN_REFRESH_TOKEN,
    SANDBOX_ADMIN_TOKEN,
    SANDBOX_BOT_TOKEN,
    SANDBOX_COMPLIANCE_TOKEN,
    SANDBOX_SERVICE_APP_ID,
    SANDBOX_USER_TOKEN,
    create_emulator,
)
from bot.sandbox.emulator.http import state
from bot.sandbox.emulator.meetings_end import deliver_ended, release_due
from bot.sandbox.emulator.messaging import CARD_TYPE, MAX_TEXT_BYTES, store_message
from bot.sandbox.emulator.oauth import expire_minted_tokens, token_switches
from bot.sandbox.emulator.ratelimit import RateLimit
from bot.sandbox.emulator.records import TIME_KEYS, now_utc, parse_iso
from bot.sandbox.emulator.seed import ADMIN_EMAIL, BOT_EMAIL, GROUP_ROOM_TITLE, USER_EMAIL
from bot.sandbox.emulator.state import EmulatorState
from bot.sandbox.ids import person_id

__all__ = [
    "ADMIN_EMAIL",
    "BOT_EMAIL",
    "CARD_TYPE",
    "EmulatorState",
    "GROUP_ROOM_TITLE",
    "MAX_TEXT_BYTES",
    "NO_RETRY_AFTER",
    "RateLimit",
    "SANDBOX_ADMIN_CLIENT_ID",
    "SANDBOX_ADMIN_CLIENT_SECRET",
    "SANDBOX_ADMIN_REFRESH_TOKEN",
    "SANDBOX_ADMIN_TOKEN",
    "SANDBOX_BOT_TOKEN",
    "SANDBOX_COMPLIANCE_TOKEN",
    "SANDBOX_SERVICE_APP_ID",
    "SANDBOX_USER_TOKEN",
    "TIME_KEYS",
    "USER_EMAIL",
    "create_emulator",
    "deliver_ended",
    "expire_minted_tokens",
    "now_utc",
    "parse_iso",
    "person_id",
    "release_due",
    "state",
    "store_message",
    "token_switches",
]
