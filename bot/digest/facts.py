"""What a list of meetings shows of a stored digest (times, host, people count), read without building it.

The archive picker lists up to a hundred archives: building each stored digest would take tens of
milliseconds apiece, so only the few top-level fields are read from the stored JSON. An archive
without a stored digest (of this format, within its time to live) simply has no facts.
"""

from __future__ import annotations

import dataclasses
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import orjson

from bot.digest.attendance import Attendance
from bot.digest.model import FORMAT_VERSION, Digest
from bot.storage import Store

_DIGEST = [f.name for f in dataclasses.fields(Digest)]
_PEOPLE = [f.name for f in dataclasses.fields(Attendance)].index("people")


@dataclass(frozen=True)
class MeetingFacts:
    """A meeting's span, host and people count, as its stored digest has them."""

    start: datetime | None
    end: datetime | None
    host_display_name: str
    host_email: str | None
    people: int


def peek(data: bytes) -> MeetingFacts | None:
    """The facts of one stored digest's bytes, or None when they are not a digest of this format."""
    try:
        plain = orjson.loads(zlib.decompress(data))
        field = dict(zip(_DIGEST, plain, strict=True))
        if field["version"] != FORMAT_VERSION:
            return None
        return MeetingFacts(_time(field["start"]), _time(field["end"]), str(field["host_display_name"] or ""),
                            field["host_email"] if isinstance(field["host_email"], str) else None,
                            len(field["attendance"][_PEOPLE]))
    except (ValueError, TypeError, KeyError, IndexError, zlib.error):
        return None


def stored_facts(store: Store, archive_ids: Iterable[str], *, ttl: timedelta) -> dict[str, MeetingFacts]:
    """The facts of each archive whose digest is stored (of this format, made within ``ttl``); others are left out."""
    found = {}
    for archive_id in archive_ids:
        stored = store.load_digest(archive_id, newer_than=ttl)
        facts = peek(stored.body) if stored is not None and stored.version == FORMAT_VERSION else None
        if facts is not None:
            found[archive_id] = facts
    return found


def _time(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None
