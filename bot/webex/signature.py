"""Webhook signatures: ``X-Spark-Signature`` is the lowercase hex HMAC-SHA1 of the raw body under the secret."""

from __future__ import annotations

import hashlib
import hmac


def verify_signature(secret: str, body: bytes, signature: str | None) -> bool:
    """True when ``signature`` is the lowercase hex HMAC-SHA1 of the raw ``body`` under ``secret``."""
    if not secret or not signature:
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
    # Compare bytes: compare_digest refuses str with non-ASCII characters, and a header may carry any.
    return hmac.compare_digest(expected.encode(), signature.strip().lower().encode("utf-8", "surrogateescape"))


def sign(secret: str, body: bytes) -> str:
    """The ``X-Spark-Signature`` value Webex would send for ``body`` (used by the emulator)."""
    return hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
