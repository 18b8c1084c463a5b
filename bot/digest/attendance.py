"""Attendance from an archive's joins: people, merged time, late joiners, early leavers, peak, median."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.meetings import Archive, Participant

GRACE = timedelta(minutes=5)  # joined this long after the start = late; left this long before the end = early


@dataclass(frozen=True)
class Attendee:
    """One person (not one join): their joins merged into time actually spent in the meeting."""

    name: str
    email: str | None
    joins: int
    rejoins: int  # times they came back after a gap (overlapping joins on two devices are not rejoins)
    first_join: datetime | None
    last_leave: datetime | None
    seconds: int
    late: bool
    left_early: bool
    # "host" (matched to the archive's host) or "cohost". The archive has no roles, so "cohost" is a named
    # gap: only the meeting participants API knows co-hosts, and Recap does not call it yet.
    role: str = ""


@dataclass(frozen=True)
class Attendance:
    """Who came and for how long."""

    people: tuple[Attendee, ...]
    joins: int
    peak: int
    peak_time: datetime | None
    median_seconds: int | None
    late_joiners: int
    early_leavers: int


def _joins_range(archive: Archive) -> tuple[datetime | None, datetime | None]:
    """The first join and the last leave (or join, for someone with no leave time) of anyone."""
    joined = [p.joined for p in archive.participants if p.joined]
    moments = joined + [p.left for p in archive.participants if p.left]
    return min(joined, default=None), max(moments, default=None)


def reference_span(archive: Archive) -> tuple[datetime | None, datetime | None]:
    """The span late joiners and early leavers are measured against.

    The recorded start and end; where one is missing, or the end is not after the start (the
    documented example has both at the last leave), the first join / last leave stand in.
    """
    first, last = _joins_range(archive)
    start, end = archive.start, archive.end
    if start and end and end <= start:
        start, end = first or start, last or end
    return start or first, end or last


def meeting_span(archive: Archive) -> tuple[datetime | None, datetime | None]:
    """The span a card shows: the reference span, widened to every join and leave that falls outside it.

    Widening is for display only: someone who joined before the recorded start (join before host,
    a lobby) should not make everyone who came on time look late.
    """
    start, end = reference_span(archive)
    first, last = _joins_range(archive)
    return min(filter(None, (start, first)), default=None), max(filter(None, (end, last)), default=None)


def _person_key(participant: Participant, by_name: dict[str, str]) -> str:
    if participant.email:
        return "e:" + participant.email.strip().lower()
    name = participant.display_name.strip().casefold()
    # A join without an e-mail belongs to the one e-mail group carrying the same name, if any.
    return by_name.get(name, "n:" + name)


def _group_joins(participants: Iterable[Participant]) -> dict[str, list[Participant]]:
    participants = list(participants)
    names: dict[str, set[str]] = {}
    for p in participants:
        if p.email:
            names.setdefault(p.display_name.strip().casefold(), set()).add("e:" + p.email.strip().lower())
    by_name = {name: next(iter(keys)) for name, keys in names.items() if len(keys) == 1}
    groups: dict[str, list[Participant]] = {}
    for p in participants:
        groups.setdefault(_person_key(p, by_name), []).append(p)
    return groups


def people_count(archive: Archive) -> int:
    """How many people came (joins grouped as :func:`attendance` groups them), without timing anyone."""
    return len(_group_joins(archive.participants))


def _intervals(joins: list[Participant], start: datetime | None, end: datetime | None):
    spans = []
    for join in joins:
        lower, upper = join.joined or start, join.left or end
        if lower is None or upper is None:
            continue
        spans.append((lower, max(lower, upper)))
    merged: list[list[datetime]] = []
    for lower, upper in sorted(spans):
        if merged and lower <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], upper)
        else:
            merged.append([lower, upper])
    return [(lower, upper) for lower, upper in merged]


def _attendee(joins: list[Participant], start: datetime | None, end: datetime | None):
    spans = _intervals(joins, start, end)
    named = next((j for j in joins if j.display_name.strip()), joins[0])
    email = next((j.email for j in joins if j.email), None)
    first = min((j.joined for j in joins if j.joined), default=spans[0][0] if spans else None)
    last = max((j.left for j in joins if j.left), default=spans[-1][1] if spans else None)
    if any(j.left is None for j in joins) and end is not None:
        last = max(last, end) if last else end  # still there when the meeting ended
    seconds = int(sum((upper - lower).total_seconds() for lower, upper in spans))
    attendee = Attendee(
        name=named.display_name.strip(), email=email, joins=len(joins), rejoins=max(len(spans) - 1, 0),
        first_join=first, last_leave=last, seconds=seconds,
        late=bool(start and first and first > start + GRACE),
        left_early=bool(end and last and last < end - GRACE))
    return attendee, spans


def _peak(spans: list[tuple[datetime, datetime]]) -> tuple[int, datetime | None]:
    # Leaves sort before joins at the same instant, so a hand-over is not counted twice.
    events = sorted([(lower, 1) for lower, upper in spans if upper > lower]
                    + [(upper, -1) for lower, upper in spans if upper > lower])
    current = peak = 0
    when = None
    for moment, delta in events:
        current += delta
        if current > peak:
            peak, when = current, moment
    return peak, when


def attendance(archive: Archive) -> Attendance:
    """People (joins grouped by e-mail, else display name), merged time, late/early, peak, median.

    People come in order of first join; late and early are judged against :func:`reference_span`.
    """
    start, end = reference_span(archive)
    people, spans = [], []
    for joins in _group_joins(archive.participants).values():
        person, person_spans = _attendee(joins, start, end)
        people.append(person)
        spans.extend(person_spans)
    people.sort(key=lambda p: (p.first_join is None, p.first_join or datetime.min, p.name.casefold()))
    peak, peak_time = _peak(spans)
    if people and peak == 0:
        peak = 1  # everyone had zero-length joins; at least one person was there
    timed = [p.seconds for p in people if p.first_join or p.seconds]
    return Attendance(
        people=tuple(people), joins=len(archive.participants), peak=peak, peak_time=peak_time,
        median_seconds=int(statistics.median(timed)) if timed else None,
        late_joiners=sum(p.late for p in people), early_leavers=sum(p.left_early for p in people))


def mark_host(attendance: Attendance, email: str | None, name: str | None) -> Attendance:
    """The attendance with the host marked: the person with the host's e-mail, else the first with the host's name."""
    people = attendance.people
    email_key, name_key = (email or "").strip().lower(), (name or "").strip().casefold()
    index = next((i for i, p in enumerate(people) if email_key and (p.email or "").strip().lower() == email_key), None)
    if index is None:
        index = next((i for i, p in enumerate(people) if name_key and p.name.casefold() == name_key), None)
    if index is None:
        return attendance
    marked = replace(people[index], role="host")
    return replace(attendance, people=people[:index] + (marked,) + people[index + 1:])


def number_shared_names(people: Iterable[Attendee]) -> tuple[Attendee, ...]:
    """People with a display name someone else also has get ``(1)``, ``(2)``… in the order given.

    A group space sees no e-mail addresses, so two different "Quentin Haddad"s could not be told
    apart otherwise; the numbers are neutral (they say nothing about who is who).
    """
    people = tuple(people)
    counts = Counter(p.name.casefold() for p in people if p.name)
    seen: Counter[str] = Counter()
    numbered = []
    for person in people:
        key = person.name.casefold()
        if person.name and counts[key] > 1:
            seen[key] += 1
            person = replace(person, name=f"{person.name} ({seen[key]})")
        numbered.append(person)
    return tuple(numbered)
