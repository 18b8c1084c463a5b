"""Archive details parsed as a stream: a sink gets one typed record at a time, the document is never held whole.

``feed_archive`` reads the JSON of ``GET /recordingReport/meetingArchives/{archiveId}`` from a binary
file (``WebexClient.stream``'s body) with ijson. Each item of ``participants``, ``chats``, ``polls``,
``qas`` and ``systemInfos`` is built as a dict from the parser's events, turned into its record by the
per-item function of ``bot.meetings.parse`` and handed to the sink, then dropped. The result is the
same as ``parse_archive`` on the whole document, tolerance included (missing or odd-typed lists,
non-object items, extra fields, keys in any order), except that a key given twice is read twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from bot.errors import WebexError
from bot.meetings.events import OPEN, Events, each, gc_paused, skip, value_of
from bot.meetings.parse import (
    assemble_archive,
    parse_archive_chat,
    parse_participant,
    parse_poll,
    parse_question,
    parse_system_info,
)
from bot.meetings.records import Archive, ArchiveChat, Participant, Poll, Question, SystemInfo

try:
    # yajl2_c, ijson's C backend (its wheels bundle it): parsing runs in C, Python sees only the events.
    import ijson.backends.yajl2_c as ijson_backend
except ImportError:  # pragma: no cover - a platform without the C wheel: the fastest backend that loads
    import ijson as ijson_backend
from ijson import JSONError

BACKEND: str = ijson_backend.backend_name  # which ijson backend parses the archives ("yajl2_c" here)
CHUNK = 64 * 1024  # bytes read from the source at a time
# The Archive's own top-level fields: handed to ``field`` whatever their type, as parse_archive reads them.
ARCHIVE_FIELDS = frozenset({"archiveId", "serviceType", "title", "start", "end", "hostDisplayName", "hostEmail"})


class BinarySource(Protocol):
    """A binary file to read from: ``WebexClient.stream``'s body, an open file, ``io.BytesIO``."""

    def read(self, size: int = -1, /) -> bytes:
        """Up to ``size`` bytes; ``b""`` at the end."""


class ArchiveSink(Protocol):
    """What ``feed_archive`` hands the parts of an archive to, in document order, one at a time."""

    def field(self, name: str, value: Any) -> None:
        """A top-level scalar (``archiveId``, ``title``, ``start``, …, or an unknown key's)."""

    def participant(self, item: Participant) -> None:
        """One join from ``participants``."""

    def chat(self, item: ArchiveChat) -> None:
        """One line from ``chats``."""

    def poll(self, item: Poll) -> None:
        """One poll from ``polls``."""

    def question(self, item: Question) -> None:
        """One Q&A entry from ``qas``."""

    def system_info(self, item: SystemInfo) -> None:
        """One attendee's system information from ``systemInfos`` (or the older ``systemInfo``)."""


class ArchiveCollector:
    """A sink that keeps every part, for ``archive()``: the ``Archive`` that ``parse_archive`` gives (``raw`` empty)."""

    def __init__(self) -> None:
        self.fields: dict[str, Any] = {}
        self.participants: list[Participant] = []
        self.chats: list[ArchiveChat] = []
        self.polls: list[Poll] = []
        self.questions: list[Question] = []
        self.system_infos: list[SystemInfo] = []

    def field(self, name: str, value: Any) -> None:
        """Keep a top-level field (the last value of a repeated key wins, as in a decoded dict)."""
        self.fields[name] = value

    def participant(self, item: Participant) -> None:
        """Keep a join."""
        self.participants.append(item)

    def chat(self, item: ArchiveChat) -> None:
        """Keep a chat line."""
        self.chats.append(item)

    def poll(self, item: Poll) -> None:
        """Keep a poll."""
        self.polls.append(item)

    def question(self, item: Question) -> None:
        """Keep a Q&A entry."""
        self.questions.append(item)

    def system_info(self, item: SystemInfo) -> None:
        """Keep a system-information entry."""
        self.system_infos.append(item)

    def archive(self) -> Archive:
        """The collected archive."""
        return assemble_archive(self.fields, self.participants, self.chats, self.polls, self.questions,
                                self.system_infos)


def parse_archive_stream(source: BinarySource) -> Archive:
    """``parse_archive`` over a binary file of archive-detail JSON, without decoding the document whole."""
    collector = ArchiveCollector()
    feed_archive(source, collector)
    return collector.archive()


def feed_archive(source: BinarySource, sink: ArchiveSink) -> None:
    """Read archive-detail JSON from ``source`` and hand its fields and items to ``sink`` as they are parsed.

    An empty body reads as ``{}`` (as ``response_json`` does); anything else that is not one JSON object
    raises ``WebexError``, possibly after the sink got the items before the fault. The cyclic garbage
    collector is paused meanwhile (``bot.meetings.events.gc_paused``).
    """
    head = source.read(CHUNK)
    if not head:
        return
    try:
        with gc_paused():
            _feed(ijson_backend.basic_parse(_Rejoined(head, source), buf_size=CHUNK), sink)
    except JSONError as exc:
        reason = exc.args[0] if exc.args else ""
        reason = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
        raise WebexError(f"Webex sent an archive that is not JSON: {reason.splitlines()[0]}") from exc
    except RecursionError as exc:
        raise WebexError("Webex sent an archive nested too deeply to read") from exc


class _Rejoined:
    """The bytes ``feed_archive`` peeked at, then the rest of the source."""

    def __init__(self, head: bytes, source: BinarySource):
        self._head, self._source = head, source

    def read(self, size: int = -1) -> bytes:
        if not size:
            return b""
        if self._head:
            head, self._head = self._head, b""
            return head
        return self._source.read(size)


def _feed(events: Events, sink: ArchiveSink) -> None:
    event, _ = next(events)
    if event != "start_map":
        raise WebexError("Webex sent an archive that is not a JSON object")
    lists: dict[str, tuple[Callable[[dict], Any], Callable[[Any], None]]] = {
        "participants": (parse_participant, sink.participant), "chats": (parse_archive_chat, sink.chat),
        "polls": (parse_poll, sink.poll), "qas": (parse_question, sink.question)}
    # parse_archive reads ``systemInfos or systemInfo``: the older key counts only when the newer one is
    # missing or empty, so its items wait here while that is not known yet.
    primary: bool | None = None  # whether systemInfos held something (None: not seen yet)
    legacy: list[SystemInfo] = []
    for event, key in events:
        if event == "end_map":
            break
        event, value = next(events)
        if key in lists:
            if event == "start_array":
                each(events, *lists[key])
            elif event in OPEN:
                skip(events)
        elif key == "systemInfos":
            primary = (each(events, parse_system_info, sink.system_info) if event == "start_array"
                       else bool(value_of(events, event, value)))
        elif key == "systemInfo":
            if event == "start_array" and not primary:
                each(events, parse_system_info, sink.system_info if primary is False else legacy.append)
            elif event in OPEN:
                skip(events)
        elif event not in OPEN or key in ARCHIVE_FIELDS:
            sink.field(key, value_of(events, event, value))
        else:
            skip(events)
    for _ in events:  # nothing may follow the object: the parser raises on trailing data
        pass
    if not primary:
        for info in legacy:
            sink.system_info(info)
