"""Recap's state in SQL (SQLite or PostgreSQL) and its migrations: the only package importing SQLAlchemy, Alembic."""

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
from bot.storage.job_ledger import JobLedger, LedgerJob, NewJob
from bot.storage.models import Base, SeenEvent, UTCDateTime, utcnow
from bot.storage.schema import (
    SchemaState,
    current_revision,
    head_revision,
    new_revision,
    schema_state,
    upgrade_database,
    upgrade_schema,
)
from bot.storage.seen import SEEN_KEPT, replayed
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
    "NewJob",
    "POSTED",
    "SEEN_KEPT",
    "RecapDelivery",
    "RequestBudget",
    "STATES",
    "SchemaState",
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
    "current_revision",
    "display_url",
    "error_reason",
    "head_revision",
    "is_transient",
    "new_revision",
    "replayed",
    "schema_state",
    "upgrade_database",
    "upgrade_schema",
    "utcnow",
]
