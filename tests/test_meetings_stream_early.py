"""Streamed archive items reach the sink while the body is still being read, not after."""

from __future__ import annotations

import json

from bot.meetings import ArchiveCollector, feed_archive, parse_archive
from bot.sandbox.emulator import SANDBOX_ADMIN_TOKEN
from bot.sandbox.generator import generate_archive
from bot.webex import WebexClient
from tests.test_meetings_stream import assert_same_archive


class CountingReader:
    """A binary source that counts the bytes it has handed out."""

    def __init__(self, source):
        self.source, self.count = source, 0

    def read(self, size: int = -1) -> bytes:
        data = self.source.read(size)
        self.count += len(data)
        return data


class FirstArrivals:
    """A sink that notes how far the reader had got when the first item of each kind arrived."""

    def __init__(self, reader: CountingReader):
        self.reader, self.seen, self.counts = reader, {}, {}

    def _note(self, kind: str) -> None:
        self.seen.setdefault(kind, self.reader.count)
        self.counts[kind] = self.counts.get(kind, 0) + 1

    def field(self, name, value):
        self._note("field")

    def participant(self, item):
        self._note("participant")

    def chat(self, item):
        self._note("chat")

    def poll(self, item):
        self._note("poll")

    def question(self, item):
        self._note("question")

    def system_info(self, item):
        self._note("system_info")


def test_items_reach_the_sink_long_before_the_body_is_read(emulator):
    server, state = emulator
    admin = WebexClient(server.api_url, SANDBOX_ADMIN_TOKEN, role="admin", timeout=30)
    raw = generate_archive(seed=11, participants=2000, chats=10000, polls=3, questions=200)
    state.add_archive(raw)
    with admin.stream("GET", f"recordingReport/meetingArchives/{raw['archiveId']}") as body:
        reader = CountingReader(body)
        sink = FirstArrivals(reader)
        feed_archive(reader, sink)
    total = reader.count
    assert total > 3 * 2**20
    assert sink.seen["participant"] <= 2 * 64 * 1024  # within the first two reads of a 3+ MiB body
    assert sink.seen["participant"] < sink.seen["chat"] < sink.seen["poll"] < sink.seen["question"] < total
    assert sink.counts["participant"] == len(raw["participants"]) and sink.counts["chat"] == 10000


def generator_source(data: bytes, size: int = 4096):
    """A file whose bytes come from a generator, ``size`` at a time, and which records how many it gave out."""
    chunks = (data[i:i + size] for i in range(0, len(data), size))

    class Source:
        given = 0

        def read(self, _size: int = -1) -> bytes:
            chunk = next(chunks, b"")
            Source.given += len(chunk)
            return chunk

    return Source()


def test_a_generator_backed_source_gives_items_early():
    data = json.dumps(generate_archive(seed=12, participants=500, chats=2000, polls=1, questions=10)).encode()
    source = generator_source(data)
    firsts = []

    class Sink(ArchiveCollector):
        def participant(self, item):
            firsts.append(source.given)
            super().participant(item)

    sink = Sink()
    feed_archive(source, sink)
    assert firsts[0] <= 8192 < len(data) and source.given == len(data)
    assert_same_archive(sink.archive(), parse_archive(json.loads(data)))
