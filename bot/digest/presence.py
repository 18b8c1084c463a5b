"""Who was in the meeting while a poll ran: each person's stays, matched to poll respondents by e-mail or name.

A poll's share is only fair against the people who could have answered it. The attendance spans
say who was there while it ran; a respondent is matched to a person by e-mail, else by display
name (as :mod:`bot.digest.polls` tells voters apart), and a respondent matched to nobody (a join
the archive did not list) still counts as present, so nobody answers "out of" a base that is too small.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.digest.attendance import _group_joins, _intervals, reference_span
from bot.meetings import Archive

NAMES_KEPT = 8  # names of people who did not answer kept per question; the rest is a count


@dataclass(frozen=True)
class Stay:
    """One person's merged time in the meeting, and the keys a poll respondent may be known by."""

    name: str
    keys: frozenset[str]
    spans: tuple[tuple[datetime, datetime], ...]

    def present(self, start: datetime | None, end: datetime | None) -> bool:
        """Whether this person was in the meeting at some moment of ``[start, end]`` (always, when unknown)."""
        if start is None:
            return True
        end = end or start
        return any(lower <= end and upper >= start for lower, upper in self.spans)


def identity(email: str | None, name: str) -> frozenset[str]:
    """The keys someone may be known by: their e-mail and their display name, normalised."""
    keys = {"e:" + email.strip().lower()} if email and email.strip() else set()
    return frozenset(keys | ({"n:" + name.strip().casefold()} if name.strip() else set()))


def stays(archive: Archive) -> tuple[Stay, ...]:
    """Every person (joins grouped as the attendance groups them) with their merged spans."""
    start, end = reference_span(archive)
    found = []
    for joins in _group_joins(archive.participants).values():
        named = next((j for j in joins if j.display_name.strip()), joins[0])
        keys = frozenset().union(*(identity(j.email, j.display_name) for j in joins))
        found.append(Stay(named.display_name.strip(), keys, tuple(_intervals(joins, start, end))))
    return tuple(found)


@dataclass(frozen=True)
class Presence:
    """Who could answer one poll: the people present while it ran, plus respondents matched to nobody."""

    present: tuple[Stay, ...]
    unmatched: int  # respondents who match no one present

    @property
    def count(self) -> int:
        """The base of the poll's shares."""
        return len(self.present) + self.unmatched

    def missing(self, respondents: Iterable[frozenset[str]]) -> tuple[tuple[str, ...], int]:
        """Names (the first :data:`NAMES_KEPT`, by name) and number of the people present who did not answer."""
        answered = frozenset().union(*respondents)
        names = sorted((s.name for s in self.present if not s.keys & answered), key=str.casefold)
        return tuple(names[:NAMES_KEPT]), len(names)


def presence(everyone: tuple[Stay, ...], start: datetime | None, end: datetime | None,
             respondents: Iterable[frozenset[str]]) -> Presence:
    """The people present during ``[start, end]``; respondents no present person matches are counted too."""
    present = tuple(s for s in everyone if s.present(start, end))
    known = frozenset().union(*(s.keys for s in present))
    return Presence(present, sum(1 for keys in set(respondents) if keys and not keys & known))
