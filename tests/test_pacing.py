"""Pacing under a per-token request budget: shared by threads and (through the database) by processes.

The spacing rule and the Retry-After hold run on a fake clock (sleeping moves it), so they are exact and
take no time; the sharing runs for real against the emulator, whose rate limit referees and whose request
log is counted per window. No test asserts a duration.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from bot.config import ConfigError, Settings
from bot.errors import WebexRetryLater
from bot.sandbox.emulator import SANDBOX_COMPLIANCE_TOKEN, RateLimit
from bot.storage import RequestBudget, create_engine_for, create_store
from bot.storage.budget import BudgetRow
from bot.webex import PROCESS_BUDGET, LocalBudget, Pacer, WebexClient, WebexClients, webex_clients
from tests.support.backends import DATABASES, database

pytest_plugins = ["tests.support.backends"]  # database_url: SQLite, then PostgreSQL
PATH = "meetings/postMeetingChats"


class FakeClock:
    """Epoch seconds that move only when someone sleeps."""

    def __init__(self):
        self.now, self.sleeps = 1_800_000_000.0, []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


@pytest.fixture(params=["process", *DATABASES])
def budget(request, tmp_path):
    """Each place pacing state can live: this process's memory, or the database (SQLite, PostgreSQL)."""
    if request.param == "process":
        yield LocalBudget()
        return
    with database(request.param, tmp_path) as url:
        store = create_store(url)
        yield RequestBudget(store.engine)
        store.close()


def pacer(budget, clock: FakeClock, *, per_minute: float = 60, max_wait: float = 3, burst: int = 1) -> Pacer:
    return Pacer("k" * 40, per_minute, budget=budget, burst=burst, max_wait=max_wait, clock=clock,
                 sleep=clock.sleep)


def test_permits_are_spaced_by_the_rate_and_a_far_one_is_refused_without_being_taken(budget):
    clock = FakeClock()
    steady = pacer(budget, clock)  # one a second
    for _ in range(4):
        steady.acquire()
    assert clock.sleeps == [1.0, 1.0, 1.0]
    impatient = pacer(budget, clock, max_wait=0.5)  # another client of the same token
    with pytest.raises(WebexRetryLater) as refused:
        impatient.acquire()
    assert refused.value.retry_after == 1.0 and refused.value.status is None
    steady.acquire()  # the refusal took nothing: still one second to wait, not two
    assert clock.sleeps[-1] == 1.0


def test_a_burst_goes_back_to_back_then_the_rate_applies(budget):
    clock = FakeClock()
    bursty = pacer(budget, clock, burst=3)
    for _ in range(4):
        bursty.acquire()
    assert clock.sleeps == [1.0]


def test_callers_racing_for_a_new_token_are_all_served_in_turn(budget):
    barrier = threading.Barrier(6)

    def take(_):
        barrier.wait(10)
        return budget.reserve("new" * 10, now=1_800_000_000.0, interval=0.5, tolerance=0, max_wait=5)

    with ThreadPoolExecutor(6) as pool:
        slots = list(pool.map(take, range(6)))
    assert all(slot.granted for slot in slots)  # a row created by another caller meanwhile refuses nobody
    assert sorted(slot.wait for slot in slots) == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5]  # one each, spaced


def test_a_retry_after_hold_stops_every_client_of_the_token_until_it_ends(budget):
    clock = FakeClock()
    first, other = pacer(budget, clock, max_wait=5), pacer(budget, clock, max_wait=2)
    first.acquire()
    first.hold(4)  # Webex said Retry-After: 4
    with pytest.raises(WebexRetryLater) as refused:
        other.acquire()  # another process: a long hold is not slept through, the job comes back later
    assert refused.value.retry_after == 4.0
    first.acquire()  # a short enough hold is waited out
    assert clock.sleeps == [4.0]
    first.acquire()
    assert clock.sleeps == [4.0, 1.0]  # then the rate again, not a rush


def test_retry_after_is_honoured_over_http_no_request_inside_the_hold(emulator, budget):
    server, state = emulator
    meeting_id = next(m for m in state.chats if "_I_" in m)
    clock = FakeClock()
    sent: list[float] = []

    def client(max_wait: float) -> WebexClient:
        paced = WebexClient(server.api_url, SANDBOX_COMPLIANCE_TOKEN, role="compliance", timeout=10,
                            pacer=pacer(budget, clock, per_minute=6_000, max_wait=max_wait))
        send = paced.session.request
        paced.session.request = lambda *a, **kw: (sent.append(clock()), send(*a, **kw))[1]
        return paced

    patient, impatient = client(5), client(1)
    state.inject_fault(429, retry_after=3, path_prefix=PATH)
    with pytest.raises(WebexRetryLater) as refused:
        patient.get_json(PATH, {"meetingId": meeting_id})
    assert (refused.value.status, refused.value.retry_after) == (429, 3)
    held_from = clock()
    with pytest.raises(WebexRetryLater) as held:
        impatient.get_json(PATH, {"meetingId": meeting_id})
    assert held.value.retry_after == 3.0 and held.value.status is None
    assert len(state.calls("GET", PATH)) == 1  # refused by the pacer: nothing sent
    assert patient.get_json(PATH, {"meetingId": meeting_id})["items"]
    assert clock.sleeps == [3.0] and sent[-1] >= held_from + 3  # sent once the hold was over
    assert [c.status for c in state.calls("GET", PATH)] == [429, 200]


# --- real sharing: threads of a process, processes through the database -----------------------------


class StampedLog(list):
    """The emulator's request log, each record stamped with its arrival time."""

    def append(self, record) -> None:
        record.at = time.monotonic()
        super().append(record)


def most_in_a_window(stamps: list[float], window: float) -> int:
    return max(sum(1 for t in stamps if start <= t < start + window) for start in stamps)


def hammer(clients: list[WebexClient], meeting_id: str, each: int) -> None:
    """Every client, on a thread of its own, makes ``each`` calls as fast as it may (a failure is raised)."""
    def run(client):
        for _ in range(each):
            client.get_json(PATH, {"meetingId": meeting_id, "max": 1})

    with ThreadPoolExecutor(len(clients)) as pool:
        for future in [pool.submit(run, client) for client in clients]:
            future.result(60)


RATE, EACH = 600, 12  # ten a second; two callers of twelve calls each


def assert_paced(state) -> None:
    calls = state.calls("GET", PATH)
    assert len(calls) == 2 * EACH and all(c.status == 200 for c in calls)  # the referee refused none
    # Never more than the budget in any second (one permit may start the second, one of slack for arrival jitter).
    assert most_in_a_window([c.at for c in calls], 1.0) <= RATE // 60 + 2
    assert state.rate_limit.refused == 0


def test_two_threads_of_a_process_share_the_token_budget(emulator, emulator_settings):
    server, state = emulator
    meeting_id = next(m for m in state.chats if "_I_" in m)
    settings = emulator_settings.replace(webex_rate=RATE)
    clients = [WebexClients(settings).compliance, WebexClients(settings).compliance]  # two callers, one token
    assert clients[0].pacer.key == clients[1].pacer.key and clients[0].pacer.budget is PROCESS_BUDGET
    state.requests = StampedLog()
    state.rate_limit = RateLimit(RATE, burst=3)  # the referee: Webex's limit with a little slack for jitter
    hammer(clients, meeting_id, EACH)
    assert_paced(state)


def test_two_processes_sharing_one_database_stay_under_the_budget_together(emulator, emulator_settings, database_url):
    server, state = emulator
    meeting_id = next(m for m in state.chats if "_I_" in m)
    settings = emulator_settings.replace(webex_rate=RATE, database_url=database_url)
    create_store(database_url).close()
    engines = [create_engine_for(database_url) for _ in range(2)]  # each "process" with its own connections
    try:
        clients = [WebexClients(settings, budget=RequestBudget(engine)).compliance for engine in engines]
        state.requests = StampedLog()
        state.rate_limit = RateLimit(RATE, burst=3)
        hammer(clients, meeting_id, EACH)
        assert_paced(state)
        with engines[0].connect() as conn:
            rows = conn.execute(select(BudgetRow.key, BudgetRow.tat, BudgetRow.hold_until)).all()
        assert len(rows) == 1 and SANDBOX_COMPLIANCE_TOKEN not in str(rows)  # one row per token, by hash only
    finally:
        for engine in engines:
            engine.dispose()


def test_each_credential_gets_a_pacer_keyed_by_a_hash_and_rate_zero_turns_pacing_off(emulator_settings, tmp_path,
                                                                                     caplog):
    clients = WebexClients(emulator_settings)
    admin, compliance = clients.admin.pacer, clients.compliance.pacer
    assert admin.per_minute == compliance.per_minute == 300 and admin.key != compliance.key
    for pacer_ in (admin, compliance):
        assert len(pacer_.key) == 40 and str(emulator_settings.admin_token) not in pacer_.key
    assert WebexClients(emulator_settings.replace(webex_rate=0)).admin.pacer is None
    store = create_store(f"sqlite:///{tmp_path / 'recap.db'}")
    try:
        shared = webex_clients(emulator_settings, store)
        assert isinstance(shared.admin.pacer.budget, RequestBudget) and shared.admin.pacer.key == admin.key
        with caplog.at_level(logging.DEBUG):
            shared.admin.pacer.hold(1)
        assert caplog.text and str(emulator_settings.admin_token) not in caplog.text
    finally:
        store.close()


def test_the_rate_is_a_setting():
    for value, rate in (({}, 300), ({"RECAP_WEBEX_RATE": "120"}, 120), ({"RECAP_WEBEX_RATE": "0"}, 0)):
        assert Settings.from_env(value, env_file=None).webex_rate == rate
    with pytest.raises(ConfigError, match="RECAP_WEBEX_RATE"):
        Settings.from_env({"RECAP_WEBEX_RATE": "-1"}, env_file=None)
