"""Offset paging with a window of pages in flight: complete, in order, each once; resumable after a 429.

The window's rules are pinned first on ``OffsetListing`` with a scripted page source, then over real HTTP
against the emulator with its latency, fault injection and request log. No test asserts a duration.
"""

from __future__ import annotations

import threading
import time

import pytest
import requests

from bot.errors import WebexBadRequest, WebexRetryLater
from bot.meetings import list_meeting_chats
from bot.sandbox.emulator import SANDBOX_COMPLIANCE_TOKEN
from bot.sandbox.generator import generate_meeting_chats
from bot.storage import RequestBudget, create_store
from bot.webex import WINDOW, ListingInterrupted, OffsetListing, WebexClient, WebexClients

PATH = "meetings/postMeetingChats"


class Pages:
    """A scripted offset-paged source of ``total`` numbers: pages wait for their gate, some offsets fail."""

    def __init__(self, total: int, *, fail: dict[int, Exception] | None = None, gated: bool = False):
        self.total, self.fail, self.gated, self.lock = total, fail or {}, gated, threading.Lock()
        self.calls: list[int] = []
        self.gates: dict[int, threading.Event] = {}

    def gate(self, offset: int) -> threading.Event:
        with self.lock:
            return self.gates.setdefault(offset, threading.Event())

    def __call__(self, offset: int) -> list[int]:
        with self.lock:
            self.calls.append(offset)
        if offset in self.fail:
            raise self.fail[offset]
        if self.gated:
            assert self.gate(offset).wait(10), f"page {offset} was never released"
        return list(range(offset, min(offset + 100, self.total)))

    def release_all(self) -> None:
        self.gated = False
        with self.lock:
            for gate in self.gates.values():
                gate.set()


def drain(listing, into: list, key=lambda item: item) -> None:
    """Append every item of ``listing`` to ``into``, keeping those read before an exception."""
    for item in listing:
        into.append(key(item))


def test_items_come_in_order_each_once_and_the_first_short_page_ends_it():
    pages = Pages(2_345)
    listing = OffsetListing(pages, page_size=100)
    assert list(listing) == list(range(2_345))
    assert sorted(set(pages.calls)) == sorted(pages.calls)  # no page asked twice
    assert max(pages.calls) < 2_300 + WINDOW * 100  # pages past the end: at most the window, discarded


def test_the_window_opens_one_page_at_a_time_so_a_small_listing_costs_one_request():
    small = Pages(5)
    assert list(OffsetListing(small, page_size=100)) == [0, 1, 2, 3, 4]
    assert small.calls == [0]
    three = Pages(250)
    listing = OffsetListing(three, page_size=100)
    assert list(listing) == list(range(250)) and listing.requested == 6  # 1, then 2, then 4 in flight
    assert sorted(three.calls) == [0, 100, 200, 300, 400, 500]


def test_a_listing_can_start_at_any_offset_and_says_where_it_is():
    listing = OffsetListing(Pages(1_000), offset=250, page_size=100)
    first = [next(listing) for _ in range(30)]
    assert first == list(range(250, 280)) and listing.offset == 280
    listing.close()
    assert list(listing) == []  # closed: nothing more, nothing fetched
    assert list(OffsetListing(Pages(1_000), offset=listing.offset)) == list(range(280, 1_000))


def test_errors_of_the_first_page_are_raised_by_the_call_itself():
    with pytest.raises(WebexBadRequest):
        OffsetListing(Pages(500, fail={0: WebexBadRequest("bad id", status=400)}))
    with pytest.raises(ListingInterrupted) as info:
        OffsetListing(Pages(500, fail={700: WebexRetryLater("busy", retry_after=4, status=429)}), offset=700)
    assert (info.value.offset, info.value.retry_after, info.value.status) == (700, 4, 429)


def test_after_a_failed_page_nothing_new_is_launched_and_the_pages_before_it_are_yielded():
    pages = Pages(10_000, fail={300: WebexRetryLater("busy", retry_after=2, status=429)}, gated=True)
    for offset in (0, 100, 200):
        pages.gate(offset).set()
    try:
        listing = OffsetListing(pages, page_size=100)  # page 0 read; pages 100 and 200 launched
        got = [next(listing) for _ in range(101)]  # into page 100: 300 (fails at once), 400 and 500 (held)
        deadline = time.monotonic() + 10
        while not listing.stopped and time.monotonic() < deadline:
            time.sleep(0.01)
        assert listing.stopped
        with pytest.raises(ListingInterrupted) as info:
            drain(listing, got)
        assert got == list(range(300))  # everything before the failed page, once
        assert (info.value.offset, info.value.retry_after, info.value.status) == (300, 2, 429)
        assert isinstance(info.value, WebexRetryLater)
        # 400 and 500 were launched with 300 (sent only if they started before it failed); none after it
        assert {0, 100, 200, 300} <= set(pages.calls) <= {0, 100, 200, 300, 400, 500}
        with pytest.raises(ListingInterrupted):
            next(listing)  # asked again, it says the same, it does not pretend to be finished
    finally:
        pages.release_all()


# --- over HTTP ------------------------------------------------------------------------------------------


class CountingSession(requests.Session):
    """Counts the requests on the wire at once (the most seen) for the in-flight bound."""

    def __init__(self):
        super().__init__()
        self.lock, self.now, self.most = threading.Lock(), 0, 0

    def request(self, *args, **kwargs):
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            return super().request(*args, **kwargs)
        finally:
            with self.lock:
                self.now -= 1


@pytest.fixture
def chats(emulator):
    """An ended meeting with 10,000 post-meeting chats: ``(meeting_id, their ids in order)``."""
    _, state = emulator
    meeting_id = next(m for m, meeting in state.meetings.items() if meeting.get("state") == "ended" and "_I_" in m)
    items = generate_meeting_chats(meeting_id, 10_000, seed=5)
    state.add_meeting_chats(meeting_id, items, replace=True)
    state.clear_log()
    return meeting_id, [item["id"] for item in items]


def compliance(server, session: requests.Session | None = None) -> WebexClient:
    return WebexClient(server.api_url, SANDBOX_COMPLIANCE_TOKEN, role="compliance", timeout=10, session=session)


def answered(state, status: int = 200) -> list[int]:
    return [int(c.query["offset"]) for c in state.calls("GET", PATH) if c.status == status]


def test_ten_thousand_chats_complete_in_order_each_once_with_at_most_eight_in_flight(emulator, chats):
    server, state = emulator
    meeting_id, expected = chats
    state.latency_ms = 50  # every page takes a while: the window fills
    session = CountingSession()
    got = [chat.id for chat in list_meeting_chats(compliance(server, session), meeting_id)]
    assert got == expected  # complete, in order, each once
    assert 2 <= session.most <= 8  # pages overlapped, never more than the window
    offsets = answered(state)
    assert len(offsets) == len(set(offsets)) and sorted(offsets)[:101] == list(range(0, 10_100, 100))
    wait_until_quiet(state)  # pages read ahead past the end finish in the background, discarded
    assert len(state.calls("GET", PATH)) <= 101 + 7


def wait_until_quiet(state, pages: int | None = None, timeout: float = 10.0) -> None:
    """Wait until no logged request is unanswered (and, given ``pages``, that many have been answered)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        calls = state.calls("GET", PATH)
        if all(c.status is not None for c in calls) and (pages is None or len(calls) >= pages):
            return
        time.sleep(0.01)


def test_a_429_mid_listing_stops_at_the_first_unread_offset_and_resuming_there_fetches_no_page_twice(emulator, chats):
    server, state = emulator
    meeting_id, expected = chats
    state.latency_ms = 20
    client = compliance(server)
    listing = list_meeting_chats(client, meeting_id)
    got = [next(listing).id for _ in range(2_050)]
    wait_until_quiet(state, pages=29)  # reading page 2000, the window holds pages up to 2800; nothing on the wire
    assert max(answered(state)) == 2_800
    state.inject_fault(429, count=WINDOW, retry_after=3, path_prefix=PATH)  # Webex refuses the next requests
    with pytest.raises(ListingInterrupted) as info:
        drain(listing, got, lambda chat: chat.id)
    exc = info.value
    assert (exc.offset, exc.retry_after, exc.status) == (2_900, 3, 429)
    assert got == expected[:exc.offset]  # everything before the offset, each once
    wait_until_quiet(state)
    state.clear_faults()  # Retry-After has passed
    before_resume = len(state.calls("GET", PATH))
    got += [chat.id for chat in list_meeting_chats(client, meeting_id, offset=exc.offset)]
    assert got == expected  # the union is complete, in order
    offsets = answered(state)
    assert len(offsets) == len(set(offsets))  # no offset answered twice
    assert all(o >= exc.offset for o in answered(state, 429))  # only pages not yet read were refused
    resumed = [int(c.query["offset"]) for c in state.calls("GET", PATH)[before_resume:]]
    assert min(resumed) == exc.offset  # the resumed listing asked for no earlier page


def test_resuming_from_a_mid_page_offset_reads_on_from_there(emulator, chats):
    server, state = emulator
    meeting_id, expected = chats
    client = compliance(server)
    listing = list_meeting_chats(client, meeting_id, offset=9_870)
    head = [next(listing).id for _ in range(5)]
    listing.close()
    rest = [chat.id for chat in list_meeting_chats(client, meeting_id, offset=listing.offset)]
    assert head + rest == expected[9_870:]


def test_a_hold_from_another_process_interrupts_a_listing_before_its_next_request(emulator, emulator_settings,
                                                                                  tmp_path):
    server, state = emulator
    meeting_id = next(m for m in state.chats if "_I_" in m)
    expected = [c["id"] for c in generate_meeting_chats(meeting_id, 3_000, seed=2)]
    state.add_meeting_chats(meeting_id, generate_meeting_chats(meeting_id, 3_000, seed=2), replace=True)
    state.latency_ms = 30
    store = create_store(f"sqlite:///{tmp_path / 'budget.db'}")
    settings = emulator_settings.replace(webex_rate=60_000)
    try:
        ours = WebexClients(settings, budget=RequestBudget(store.engine)).compliance
        ours.pacer.max_wait = 0.5
        theirs = WebexClients(settings, budget=RequestBudget(store.engine)).compliance
        state.clear_log()
        listing, got = list_meeting_chats(ours, meeting_id), []
        got += [next(listing).id for _ in range(250)]
        theirs.pacer.hold(2)  # another process was told Retry-After: 2
        with pytest.raises(ListingInterrupted) as info:
            for chat in listing:
                got.append(chat.id)
        exc = info.value
        assert got == expected[:exc.offset] and 1.5 < exc.retry_after < 2.5  # the hold's rest
        assert max(int(c.query["offset"]) for c in state.calls("GET", PATH)) < exc.offset  # refused before sending
        time.sleep(exc.retry_after)  # the job runner would bring the job back after it
        got += [chat.id for chat in list_meeting_chats(ours, meeting_id, offset=exc.offset)]
        assert got == expected
        offsets = [int(c.query["offset"]) for c in state.calls("GET", PATH) if c.status == 200]
        assert len(offsets) == len(set(offsets))
    finally:
        store.close()
