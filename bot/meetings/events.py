"""Python values built from ijson's events, one container at a time, and a pause of the cyclic GC while parsing.

The builders give what ``json.loads`` gives for the same text (numbers included), so a record built
from a streamed item equals one built from the decoded document.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

Events = Iterator[tuple[str, Any]]  # (event, value) pairs of ijson's basic_parse
OPEN = frozenset({"start_map", "start_array"})
CLOSE = frozenset({"end_map", "end_array"})

_pause_lock = threading.Lock()
_pausers = 0
_resume = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """Hold the cyclic garbage collector off for the block (nested and concurrent blocks share one pause).

    Parsing an archive allocates millions of short-lived dicts, tuples and records, none of them in a
    reference cycle, so the collector finds nothing; yet the churn made it scan the whole heap again and
    again, and a 47 MiB archive took 1.6 times the CPU time (bench/README.md). Reference counting still
    frees everything at once; cycles made by other threads meanwhile wait until the pause ends.
    """
    global _pausers, _resume
    with _pause_lock:
        if not _pausers:
            _resume = gc.isenabled()
            gc.disable()
        _pausers += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pausers -= 1
            if not _pausers and _resume:
                gc.enable()


def each(events: Events, parse: Callable[[dict], Any], emit: Callable[[Any], None]) -> bool:
    """Build, parse and emit each object item of the array just opened (others skipped); whether it had any."""
    seen = False
    for event, _ in events:
        if event == "end_array":
            break
        seen = True
        if event == "start_map":
            emit(parse(_map(events)))
        elif event == "start_array":
            skip(events)
    return seen


def _map(events: Events) -> dict:
    """The object just opened, as a dict (faster than ijson's ObjectBuilder: one loop per container)."""
    built: dict = {}
    key = None
    for event, value in events:  # the commonest events first: a key, then a string
        if event == "map_key":
            key = value
        elif event == "string":
            built[key] = value
        elif event == "end_map":
            break
        elif event == "start_map":
            built[key] = _map(events)
        elif event == "start_array":
            built[key] = _list(events)
        else:
            built[key] = float(value) if value.__class__ is Decimal else value
    return built


def _list(events: Events) -> list:
    """The array just opened, as a list."""
    built: list = []
    for event, value in events:
        if event == "end_array":
            break
        if event == "start_map":
            built.append(_map(events))
        elif event == "start_array":
            built.append(_list(events))
        else:
            built.append(float(value) if value.__class__ is Decimal else value)
    return built


def value_of(events: Events, event: str, value: Any) -> Any:
    """The value an event opens (a whole object or array) or is (a scalar)."""
    if event == "start_map":
        return _map(events)
    if event == "start_array":
        return _list(events)
    # ijson gives non-integers as Decimal (use_float fails on integers beyond 64 bits); json.loads gives floats.
    return float(value) if value.__class__ is Decimal else value


def skip(events: Events) -> None:
    """Consume the object or array just opened without building it."""
    depth = 1
    for event, _ in events:
        if event in OPEN:
            depth += 1
        elif event in CLOSE:
            depth -= 1
            if not depth:
                return
