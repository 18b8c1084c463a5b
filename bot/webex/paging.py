"""Offset paging with a bounded window of pages in flight, yielded strictly in order, resumable after a 429.

Post-meeting chats page by ``offset`` (``max`` ≤ 100, no ``Link`` header in the spec). An ``OffsetListing``
fetches the next pages on a small thread pool of its own while the caller reads the current one:

- **Window.** At most ``window`` pages (default 8) are fetched and not yet yielded. It opens slowly: one
  page first (a small listing costs one request), then 2, 4, 8 as full pages come back.
- **Order and end.** Items are yielded in offset order, each once. The first short page ends the listing:
  pages launched beyond it are not sent if they have not been yet, and discarded, never yielded, if they
  were (at most ``window - 1`` requests past the end).
- **Failures.** The first page is fetched by the constructor, so a refused credential or a bad id raises
  at the call. When a page fails, no new page is launched; pages before it are still yielded, then its
  error is raised. A ``WebexRetryLater`` (429, 423, 5xx, timeout, or the pacer's refusal) becomes
  ``ListingInterrupted``, whose ``offset`` is the first offset not yet yielded: everything before it was
  yielded exactly once, so a listing restarted there fetches no earlier page again.
- **The rule for pages beyond a failure.** None is launched once a failure is seen, and those launched
  but not yet sent are not sent. Pages take their pacer permits in offset order (``Turns``), so when the
  pacer refuses one (a Retry-After hold, a spent budget) no later page has been sent. Only a page already
  on the wire when an earlier one failed at Webex (an isolated 423 or 5xx; under a real rate limit Webex
  refuses it too) is fetched and discarded, and fetched again on resume.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from typing import Any

from bot.errors import WebexRetryLater

WINDOW = 8  # pages in flight at most (the issue asks for 4–8)
TURN_TIMEOUT = 60.0  # seconds a page waits for the one before it to take its permit (a safety net only)


class ListingInterrupted(WebexRetryLater):
    """A paged listing stopped at ``offset`` (all before it was yielded once): resume there after ``retry_after``."""

    def __init__(self, message: str, *, offset: int, retry_after: float | None = None, **kw):
        super().__init__(message, retry_after=retry_after, **kw)
        self.offset = offset


class Skipped(Exception):
    """A page past the end or past a failed page: not fetched (never raised to a caller)."""


class Turns:
    """Lets a listing's pages take their permits in offset order, so pages sent are always a prefix of those asked."""

    def __init__(self, first: int, step: int):
        self._next, self._step = first, step
        self._changed = threading.Condition()

    @contextmanager
    def turn(self, offset: int, timeout: float = TURN_TIMEOUT) -> Iterator[None]:
        """Wait until every earlier page has had its turn, then hold this one (raising or not)."""
        with self._changed:
            self._changed.wait_for(lambda: self._next >= offset, timeout)
        try:
            yield
        finally:
            with self._changed:
                self._next = max(self._next, offset + self._step)
                self._changed.notify_all()


class OffsetListing(Iterator[Any]):
    """The items of an offset-paged endpoint from ``offset`` on; ``fetch_page(offset)`` returns one page."""

    def __init__(self, fetch_page: Callable[[int], Sequence[Any]], *, offset: int = 0, page_size: int = 100,
                 window: int = WINDOW, what: str = "listing", pace: Callable[[], None] | None = None):
        if offset < 0 or page_size < 1 or window < 1:
            raise ValueError("offset must be ≥ 0, page_size and window ≥ 1")
        self._fetch_page = fetch_page
        self._pace = pace  # takes a request's permit; called by the pages in offset order
        self._turns = Turns(offset, page_size)
        self.offset = offset  # the first offset not yet yielded
        self.page_size = page_size
        self.window = window
        self.what = what
        self._pending: deque[tuple[int, Future]] = deque()  # launched, not yet yielded, in offset order
        self._next_offset = offset
        self._open = 1  # the window opens 1, 2, 4, … up to ``window`` as full pages come back
        # Pages past this offset are neither launched nor sent: a page failed there, the end is there, or closed.
        self._stop_at = math.inf
        self._stop_lock = threading.Lock()
        self._items: Sequence[Any] = ()
        self._position = 0
        self._last = False  # the current page is the last one
        self._error: BaseException | None = None  # raised again by every later ``next``
        self._pool: ThreadPoolExecutor | None = ThreadPoolExecutor(window, thread_name_prefix="recap-page")
        self.requested = 0  # pages launched (for tests and benchmarks)
        self._launch()
        self._take_page()

    def __repr__(self) -> str:
        return f"OffsetListing({self.what}, offset={self.offset}, in flight={len(self._pending)})"

    @property
    def stopped(self) -> bool:
        """Whether a page failed, the end was seen or the listing was closed: no new page is launched."""
        return self._stop_at != math.inf

    def __iter__(self) -> OffsetListing:
        return self

    def __next__(self) -> Any:
        while self._position >= len(self._items):
            if self._error is not None:
                raise self._error
            if self._last:
                self.close()
                raise StopIteration
            self._take_page()
        item = self._items[self._position]
        self._position += 1
        self.offset += 1
        return item

    def close(self) -> None:
        """Stop: pages not started are dropped, pages in flight finish in the background and are discarded."""
        self._last, self._items, self._position = True, (), 0
        self._stop(-1)
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        self._pending.clear()

    def __enter__(self) -> OffsetListing:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        pool = getattr(self, "_pool", None)
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def _launch(self) -> None:
        while self._pool is not None and not self.stopped and len(self._pending) < self._open:
            page_offset = self._next_offset
            future = self._pool.submit(self._fetch, page_offset)
            future.add_done_callback(partial(self._watch, page_offset=page_offset))
            self._pending.append((self._next_offset, future))
            self._next_offset += self.page_size
            self.requested += 1

    def _fetch(self, page_offset: int) -> Sequence[Any]:
        """One page, its permit taken in turn; not sent once an earlier page failed or ended the listing."""
        if self._pace is not None:
            with self._turns.turn(page_offset):
                self._skip_past_stop(page_offset)
                self._pace()
        self._skip_past_stop(page_offset)
        return self._fetch_page(page_offset)

    def _skip_past_stop(self, page_offset: int) -> None:
        if page_offset > self._stop_at:
            raise Skipped(page_offset)

    def _stop(self, at: float) -> None:
        with self._stop_lock:
            self._stop_at = min(self._stop_at, at)

    def _watch(self, future: Future, page_offset: int) -> None:
        if not future.cancelled() and not isinstance(future.exception(), Skipped | None):
            self._stop(page_offset)

    def _take_page(self) -> None:
        """Wait for the page at ``offset`` and make it current (or raise its error, interrupting the listing)."""
        if not self._pending:  # closed
            self._last = True
            return
        page_offset, future = self._pending.popleft()
        try:
            items = future.result()
        except WebexRetryLater as exc:
            self.close()
            self._error = ListingInterrupted(f"{self.what} interrupted at offset {page_offset}: {exc}",
                                             offset=page_offset, retry_after=exc.retry_after, status=exc.status,
                                             tracking_id=exc.tracking_id)
            raise self._error from exc
        except BaseException as exc:
            self.close()
            self._error = exc
            raise
        self._items, self._position = items, 0
        if len(items) < self.page_size:
            self._last = True
            self._pool_done(page_offset)
        else:
            self._open = min(self.window, self._open * 2)
            self._launch()

    def _pool_done(self, last_offset: int) -> None:
        """The end is known: drop the speculative pages (``close`` would also drop the page being yielded)."""
        self._stop(last_offset)
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        self._pending.clear()
