"""Webex-shaped identifiers for the emulator and the generator (opaque base64 ``ciscospark://`` ids)."""

from __future__ import annotations

import base64
import hashlib
import uuid

_NAMESPACE = uuid.UUID("0f6d7a52-8a4e-4d3e-9c3b-52ec0a7e1f00")
ORG_DOMAIN = "example.com"
SITE_URL = "example.webex.com"


def webex_id(kind: str, key: str | None = None) -> str:
    """An id like Webex's: base64 (URL-safe, unpadded) of ``ciscospark://us/KIND/uuid``.

    With a ``key`` the id is stable (same key, same id); without one it is random.
    """
    value = uuid.uuid5(_NAMESPACE, f"{kind}:{key}") if key is not None else uuid.uuid4()
    raw = f"ciscospark://us/{kind}/{value}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def person_id(email: str) -> str:
    """The stable person id of an e-mail address (the same in the emulator and in generated data)."""
    return webex_id("PEOPLE", email.strip().lower())


def meeting_ids_for_archive(archive_id: str) -> tuple[str, str]:
    """(series id, ended instance id) the emulator gives the meeting behind an archive.

    Derived by hashing, so it is stable across runs but carries no visible link to the archive id:
    real Webex archives name no meeting, and clients must match by title and time window.
    """
    digest = hashlib.sha256(f"meeting:{archive_id}".encode()).hexdigest()
    series = digest[:32]
    conference = int(digest[32:47], 16) % 10**18
    return series, f"{series}_I_{conference}"


ORG_ID = webex_id("ORGANIZATION", ORG_DOMAIN)
