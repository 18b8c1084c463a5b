"""Recap's state in SQL (SQLAlchemy, SQLite or PostgreSQL): the only package that imports SQLAlchemy."""

from bot.storage.budget import RequestBudget, Slot
from bot.storage.deliveries import (
    CANCELLED,
    CLAIMED,
    FAILED,
    FINAL_STATES,
    GAVE_UP,
    POSTED,
    STATES,
    UNKNOWN,
    WAITING,
    DeliveryCounts,
    DeliveryRecord,
    RecapDelivery,
)
from bot.storage.digests import StoredDigest
from bot.storage.errors import DATABASE_ERRORS, TRANSIENT_ERRORS, error_reason, is_transient
from bot.storage.job_ledger import JobLedger, LedgerJob
from bot.storage.models import Base, SeenEvent, UTCDateTime, utcnow
from bot.storage.store import AuditRecord, Store, create_engine_for, create_store, display_url
from bot.storage.subscriptions import SubscriptionRecord
from bot.storage.tokens import StoredToken, TokenStore

__all__ = [
    "StoredDigest",
    "AuditRecord",
    "Base",
    "CANCELLED",
    "CLAIMED",
    "DATABASE_ERRORS",
    "DeliveryCounts",
    "DeliveryRecord",
    "FAILED",
    "FINAL_STATES",
    "GAVE_UP",
    "JobLedger",
    "LedgerJob",
    "POSTED",
    "RecapDelivery",
    "RequestBudget",
    "STATES",
    "SeenEvent",
    "Slot",
    "Store",
    "StoredToken",
    "SubscriptionRecord",
    "TRANSIENT_ERRORS",
    "TokenStore",
    "UNKNOWN",
    "UTCDateTime",
    "WAITING",
    "create_engine_for",
    "create_store",
    "display_url",
    "error_reason",
    "is_transient",
    "utcnow",
]
