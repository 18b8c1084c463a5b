"""Recap's state in SQL (SQLAlchemy, SQLite or PostgreSQL): the only package that imports SQLAlchemy."""

from bot.storage.job_ledger import JobLedger, LedgerJob
from bot.storage.models import Base, SeenEvent, UTCDateTime, utcnow
from bot.storage.store import Store, create_engine_for, create_store
from bot.storage.subscriptions import (
    CANCELLED,
    CLAIMED,
    FAILED,
    FINAL_STATES,
    GAVE_UP,
    POSTED,
    UNKNOWN,
    WAITING,
    RecapDelivery,
)
from bot.storage.tokens import StoredToken, TokenStore

__all__ = [
    "Base",
    "CANCELLED",
    "CLAIMED",
    "FAILED",
    "FINAL_STATES",
    "GAVE_UP",
    "JobLedger",
    "LedgerJob",
    "POSTED",
    "RecapDelivery",
    "SeenEvent",
    "Store",
    "StoredToken",
    "TokenStore",
    "UNKNOWN",
    "UTCDateTime",
    "WAITING",
    "create_engine_for",
    "create_store",
    "utcnow",
]
