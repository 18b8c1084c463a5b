"""A meeting's digest, fetched once: the stored one when there is one of this format, else fetched, built, stored.

Every view, button and automatic recap of an archive reads its digest here, so Webex is asked for
the archive only once (archives do not change once they appear) until the digest expires
(``RECAP_DIGEST_TTL``) or a release changes the format version.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from datetime import timedelta

from bot import meetings
from bot.digest.builder import DigestBuilder
from bot.digest.codec import DigestFormatError, decode, encode
from bot.digest.model import FORMAT_VERSION, Digest, with_meeting
from bot.meetings import Meeting
from bot.storage import Store, StoredDigest
from bot.webex import WebexClient

log = logging.getLogger(__name__)
DECODED_KEPT = 4  # digests kept decoded per process (the largest is about 3 MiB as objects)
_decoded: OrderedDict[tuple, Digest] = OrderedDict()
_lock = threading.Lock()


def digest_for(store: Store, admin: WebexClient, archive_id: str, *, ttl: timedelta,
               timezone: str | None = None) -> Digest:
    """The digest of ``archive_id``: read back when stored (this format, within ``ttl``), else fetched and stored."""
    stored = store.load_digest(archive_id, newer_than=ttl)
    if stored is not None and stored.version == FORMAT_VERSION:
        try:
            return _decoded_form(stored)
        except DigestFormatError as exc:  # a damaged row: build it again rather than fail the view
            log.warning("stored digest of %s is unreadable (%s); fetching the archive again", archive_id, exc)
    digest = fetch_digest(admin, archive_id, timezone=timezone)
    store.save_digest(archive_id, FORMAT_VERSION, encode(digest))
    return digest


def remember_meeting(store: Store, digest: Digest, meeting: Meeting) -> Digest:
    """The digest with where its meeting lives (number, site, link), stored so the card's buttons show it too."""
    known = with_meeting(digest, meeting)
    if known != digest:
        store.save_digest(known.archive_id, FORMAT_VERSION, encode(known))
    return known


def _decoded_form(stored: StoredDigest) -> Digest:
    """The stored digest as objects: decoded once per process while it is among the last few asked for.

    The row is still read on every call, so a purge, an expiry or a new version is seen at once; only the
    decoding (tens of milliseconds for the largest meetings) is saved when the next button comes.
    """
    key = (stored.archive_id, stored.version, stored.created_at)
    with _lock:
        if key in _decoded:
            _decoded.move_to_end(key)
            return _decoded[key]
    digest = decode(stored.body)
    with _lock:
        _decoded[key] = digest
        while len(_decoded) > DECODED_KEPT:
            _decoded.popitem(last=False)
    return digest


def fetch_digest(admin: WebexClient, archive_id: str, *, timezone: str | None = None) -> Digest:
    """Fetch an archive and build its digest as the records pass."""
    builder = DigestBuilder()
    meetings.stream_archive(admin, archive_id, builder, timezone=timezone)
    return builder.finish()
