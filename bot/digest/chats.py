"""Chat statistics of an archive's chat or of post-meeting chats: counts by type, top senders, the lines."""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.meetings import Archive, ArchiveChat, MeetingChat


@dataclass(frozen=True)
class ChatLine:
    """One chat message, from the archive or from the post-meeting chat API."""

    type: str
    sender: str
    sender_email: str | None
    time: datetime | None
    target: str
    text: str


@dataclass(frozen=True)
class ChatStats:
    """Messages by type, top senders, first and last message, and the lines themselves."""

    total: int
    by_type: dict[str, int]
    top_senders: tuple[tuple[str, int], ...]
    first: datetime | None
    last: datetime | None
    lines: tuple[ChatLine, ...]
    hidden: int = 0  # messages left out of this view for privacy
    visible: int | None = None  # messages in this view when ``lines`` keeps only the last of them

    @property
    def in_view(self) -> int:
        """How many messages this view covers (``lines`` may hold only the last ones)."""
        return len(self.lines) if self.visible is None else self.visible


def chat_line(chat: ArchiveChat | MeetingChat) -> ChatLine:
    """A common shape for archive chat lines and post-meeting chat messages."""
    if isinstance(chat, MeetingChat):
        names = [r.display_name or r.email or "?" for r in chat.receivers]
        target = "All Participants" if chat.type == "public" and not names else (
            ", ".join(names) if len(names) <= 3 else f"{len(names)} people")
        return ChatLine(chat.type, chat.sender.display_name, chat.sender.email, chat.time, target, chat.text)
    return ChatLine(chat.type, chat.sender_name, None, chat.time, chat.target, chat.text)


def _order(line: ChatLine) -> tuple:
    return (line.time is None, line.time or datetime.min)


def chat_stats(source: Archive | Iterable[ArchiveChat | MeetingChat], *, top: int = 5) -> ChatStats:
    """Chat statistics of an archive's chats or of post-meeting chats, lines in time order."""
    chats = source.chats if isinstance(source, Archive) else source
    lines = sorted((chat_line(c) for c in chats), key=_order)
    return chat_summary(lines, top=top)


def chat_summary(lines: Iterable[ChatLine], *, top: int = 5, hidden: int = 0) -> ChatStats:
    """Statistics over already-normalised chat lines."""
    lines = tuple(lines)
    by_type = {"public": 0, "group": 0, "private": 0}
    by_type.update(Counter(line.type or "other" for line in lines))
    senders = Counter(line.sender.strip() or "(no name)" for line in lines)
    times = [line.time for line in lines if line.time]
    return ChatStats(len(lines), by_type, tuple(senders.most_common(top)), min(times, default=None),
                     max(times, default=None), lines, hidden)


LINES_KEPT = 50  # the last lines a card can show (the chat view shows at most 40)


class ChatTally:
    """Chat statistics built one line at a time, keeping only the last lines a card can show.

    Counts, senders and times cover every line; the lines kept are the latest ``keep`` by time (in
    the order ``chat_stats`` sorts them), once over all lines and once over the public ones, so
    both the 1:1 view and the group view can be told from the tally alone.
    """

    def __init__(self, keep: int = LINES_KEPT):
        self.keep, self.count = keep, 0
        self.by_type: Counter[str] = Counter()
        self.senders = _Senders()
        self.public_senders = _Senders()
        self.first: datetime | None = None
        self.last: datetime | None = None
        self._latest: list[tuple] = []
        self._latest_public: list[tuple] = []

    def add(self, line: ChatLine) -> None:
        """Count one line (an archive chat or a post-meeting chat, as a ``ChatLine``)."""
        self.count += 1
        sender = line.sender.strip() or "(no name)"
        self.by_type[line.type or "other"] += 1
        entry = (*_order(line), self.count, line)
        self.senders.add(sender, entry[:3])
        if line.time:
            self.first = line.time if self.first is None else min(self.first, line.time)
            self.last = line.time if self.last is None else max(self.last, line.time)
        self._push(self._latest, entry)
        if line.type == "public":
            self.public_senders.add(sender, entry[:3])
            self._push(self._latest_public, entry)

    def _push(self, heap: list, entry: tuple) -> None:
        if len(heap) < self.keep:
            heapq.heappush(heap, entry)
        elif entry > heap[0]:
            heapq.heapreplace(heap, entry)

    def dump(self) -> dict:
        """What the tally has counted, as JSON-able values (a job carries it in its payload to resume a listing)."""
        def entries(heap: list[tuple]) -> list:
            return [[seq, line.type, line.sender, line.sender_email, line.time.isoformat() if line.time else None,
                     line.target, line.text] for *_, seq, line in heap]
        return {"keep": self.keep, "count": self.count, "by_type": dict(self.by_type),
                "first": self.first.isoformat() if self.first else None,
                "last": self.last.isoformat() if self.last else None,
                "senders": self.senders.dump(), "public_senders": self.public_senders.dump(),
                "latest": entries(self._latest), "latest_public": entries(self._latest_public)}

    @classmethod
    def load(cls, data: dict) -> ChatTally:
        """A tally from ``dump``'s values, to go on counting where it stopped."""
        counted = cls(int(data["keep"]))
        counted.count, counted.by_type = int(data["count"]), Counter(data["by_type"])
        counted.senders, counted.public_senders = _Senders.load(data["senders"]), _Senders.load(data["public_senders"])
        for heap, rows in ((counted._latest, data["latest"]), (counted._latest_public, data["latest_public"])):
            for seq, kind, sender, email, time, target, text in rows:
                line = ChatLine(kind, sender, email, datetime.fromisoformat(time) if time else None, target, text)
                heapq.heappush(heap, (*_order(line), seq, line))
        times = [entry[-1].time for entry in counted._latest if entry[-1].time]
        counted.first, counted.last = _bound(data, "first", min, times), _bound(data, "last", max, times)
        return counted

    def stats(self, *, top: int = 5) -> ChatStats:
        """Every line counted; the latest kept lines, oldest first (the 1:1 view)."""
        by_type = {"public": 0, "group": 0, "private": 0, **self.by_type}
        return ChatStats(self.count, by_type, self.senders.top(top), self.first, self.last,
                         _lines(self._latest), 0, self.count)

    def public_stats(self, *, top: int = 5) -> ChatStats:
        """Every line counted; only public lines shown and top senders among them (the group view)."""
        public = self.by_type.get("public", 0)
        full = self.stats(top=top)
        return ChatStats(full.total, full.by_type, self.public_senders.top(top), full.first,
                         full.last, _lines(self._latest_public), self.count - public, public)


class _Senders:
    """Lines per sender; ties rank by each sender's first line in time order, as ``chat_summary`` ranks them."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.first: dict[str, tuple] = {}

    def add(self, sender: str, key: tuple) -> None:
        self.counts[sender] += 1
        if sender not in self.first or key < self.first[sender]:
            self.first[sender] = key

    def dump(self) -> list:
        """Each sender with their count and first line's place, JSON-able."""
        return [[sender, count, self.first[sender][0], _iso(self.first[sender][1]), self.first[sender][2]]
                for sender, count in self.counts.items()]

    @classmethod
    def load(cls, rows: list) -> _Senders:
        """Senders from ``dump``'s rows."""
        senders = cls()
        for sender, count, no_time, when, seq in rows:
            senders.counts[sender] = count
            senders.first[sender] = (no_time, datetime.min if no_time else datetime.fromisoformat(when), seq)
        return senders

    def top(self, count: int) -> tuple[tuple[str, int], ...]:
        ranked = sorted(self.counts, key=lambda sender: (-self.counts[sender], self.first[sender]))
        return tuple((sender, self.counts[sender]) for sender in ranked[:count])


def _iso(when: datetime) -> str:
    return when.isoformat()


def _bound(data: dict, key: str, pick, times: list) -> datetime | None:
    value = data.get(key)
    return datetime.fromisoformat(value) if value else (pick(times) if times else None)


def _lines(heap: list[tuple]) -> tuple[ChatLine, ...]:
    return tuple(entry[-1] for entry in sorted(heap))


def tally(chats: Iterable[ArchiveChat | MeetingChat], keep: int = LINES_KEPT) -> ChatTally:
    """A tally over ``chats`` (archive chat lines or post-meeting chats)."""
    counted = ChatTally(keep)
    for chat in chats:
        counted.add(chat_line(chat))
    return counted
