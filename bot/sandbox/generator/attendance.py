"""Who attends a generated meeting and when: people (some without e-mail), joins, rejoins, presence."""

from __future__ import annotations

import random
import re
import unicodedata
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import bot.sandbox.generator.text as words


class Person:
    """A generated attendee and their joins ``(joined, left, correlationId)`` in seconds from the start."""

    __slots__ = ("name", "email", "sessions")

    def __init__(self, name: str, email: str | None):
        self.name, self.email, self.sessions = name, email, []

    def cid_at(self, second: int) -> int | None:
        """The correlationId of the join covering ``second``, or None when absent then."""
        for joined, left, cid in self.sessions:
            if joined <= second <= left:
                return cid
        return None

    def user(self, cid: int) -> dict:
        """``{correlationId, displayName, email?}`` as polls and answers name people."""
        record = {"correlationId": cid, "displayName": self.name}
        if self.email:
            record["email"] = self.email
        return record


class Clock:
    """Seconds from the meeting start → ISO 8601 UTC strings."""

    def __init__(self, start: datetime):
        self.start = start.astimezone(UTC).replace(microsecond=0)

    def __call__(self, second: int) -> str:
        return (self.start + timedelta(seconds=second)).strftime("%Y-%m-%dT%H:%M:%SZ")


def email_for(name: str, index: int) -> str:
    """A plausible ASCII address for a display name (``zoe.zed.o.brien.3@example.com``)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", ".", ascii_name).strip(".") or "attendee"
    return f"{slug}.{index}@example.com"


def make_people(rng: random.Random, count: int, host: tuple[str, str] | None) -> list[Person]:
    """The host, the hostile names, then random names (initials keep them apart); person 2 and ~15% are guests."""
    host_name, host_email = host or ("Hana Host", "hana.host@example.com")
    people, taken = [Person(host_name, host_email)], {host_name}
    for i in range(1, count):
        if i <= len(words.HOSTILE_NAMES):
            name = words.HOSTILE_NAMES[i - 1]
        else:
            first, last = rng.choice(words.FIRST_NAMES), rng.choice(words.LAST_NAMES)
            name = f"{first} {last}"
            if name in taken:  # real rosters rarely repeat a name; a middle initial or a number tells them apart
                name = f"{first} {chr(65 + rng.randrange(26))}. {last}"
            if name in taken:
                name = f"{first} {last} {i}"
        taken.add(name)
        guest = i == 2 or rng.random() < 0.15
        people.append(Person(name, None if guest else email_for(name, i)))
    return people


def split_joins(rng: random.Random, joined: int, left: int, parts: int) -> list[tuple[int, int]]:
    """``parts`` joins with gaps between them, inside ``[joined, left]``."""
    if left - joined < parts * 240:
        return [(joined, left)]
    cuts = sorted(rng.sample(range(joined + 120, left - 120), parts - 1))
    bounds = [joined, *cuts, left]
    spans = []
    for a, b in pairwise(bounds):
        gap = min(rng.randint(30, 300), (b - a) // 2) if b != left else 0
        spans.append((a, b - gap))
    return spans


def attend(rng: random.Random, people: list[Person], duration: int) -> None:
    """Give everyone joins; person 1 rejoins, 2 joins late, 3 leaves early, the rest at random."""
    serial = 0
    for i, person in enumerate(people):
        late = i == 2 or (i > 3 and rng.random() < 0.2)
        early = i == 3 or (i > 3 and rng.random() < 0.15)
        joined = -120 if i == 0 else (rng.randint(duration // 10, duration // 2) if late else rng.randint(-300, 300))
        left = duration if i == 0 else (rng.randint(joined + 60, max(joined + 61, duration * 4 // 5)) if early
                                        else rng.randint(duration - 120, duration))
        rejoins = i == 1 or (i > 3 and rng.random() < 0.15)
        spans = split_joins(rng, joined, max(left, joined + 60), 3 if i == 1 else rng.randint(2, 4)) if rejoins \
            else [(joined, max(left, joined + 60))]
        for a, b in spans:
            sign = -1 if rng.random() < 0.4 else 1
            person.sessions.append((a, b, sign * (10_000_000 + serial * 9973 + rng.randrange(9973))))
            serial += 1


def present(rng: random.Random, people: list[Person], second: int) -> tuple[Person, int]:
    """Someone in the meeting at ``second`` (the host when a few random picks miss)."""
    for _ in range(30):
        person = people[rng.randrange(len(people))]
        cid = person.cid_at(second)
        if cid is not None:
            return person, cid
    return people[0], people[0].sessions[0][2]


def participants_json(people: list[Person], clock: Clock) -> list[dict]:
    """``participants[]`` of the archive: one row per join, in joining order."""
    rows = []
    for person in people:
        for joined, left, cid in person.sessions:
            row = {"correlationId": cid, "displayName": person.name, "joinedTime": clock(joined),
                   "leftTime": clock(left)}
            if person.email:
                row["email"] = person.email
            rows.append((joined, row))
    rows.sort(key=lambda r: r[0])
    return [row for _, row in rows]


def hostile_slots(rng: random.Random, count: int) -> dict[int, str]:
    """Positions that get one of each hostile text, so every big enough meeting has them all."""
    slots = rng.sample(range(count), min(count, len(words.HOSTILE_TEXTS)))
    return dict(zip(slots, words.HOSTILE_TEXTS, strict=False))
