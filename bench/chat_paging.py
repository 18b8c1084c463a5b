"""Post-meeting chats: 10,000 chats at 50 ms a call, windowed vs sequential, then under a 300/min rate limit.

The emulator runs in its own process (``recap emulator --latency-ms 50`` with the chats as a fixture),
so the listing does not share a GIL with it. Part 1 times, side by side in one run, the same listing
with one page in flight (sequential, as before issue 10) and with the window (8), against the sequential
floor: the requests a sequential listing must make (100 full pages and the empty one that ends it)
× the latency. Part 2 limits every token to 300 requests a minute (``PUT /_emulator/rate-limit``) and runs
the listing as a job would: on ``ListingInterrupted`` it waits ``retry_after`` and resumes at the
exception's ``offset``. Paced (the pacer at ``--rate`` a minute, its budget in a SQLite file, like
``recap worker``), by two processes at once sharing that budget, and unpaced for contrast. The emulator's
request log says how many requests were refused and whether an offset was ever answered twice.

    python bench/chat_paging.py [--chats 10000] [--latency-ms 50] [--repeat 3] [--rate 300] [--record]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import requests
from bench_common import clean_env, free_port, machine, record, stop, wait_until_up

from bot.meetings import list_meeting_chats, parse_meeting_chat
from bot.sandbox.emulator import SANDBOX_COMPLIANCE_TOKEN
from bot.sandbox.generator import generate_meeting_chats
from bot.storage import RequestBudget, create_engine_for, create_store
from bot.webex import WINDOW, ListingInterrupted, Pacer, WebexClient, token_key

MEETINGS = ("be0c4a11be0c4a11be0c4a11be0c4a11_I_100000000000000001",
            "be0c4a11be0c4a11be0c4a11be0c4a11_I_100000000000000002")
PATH = "meetings/postMeetingChats"
MAX_RESUMES = 1_000  # a bounded loop: a listing that needs more has failed


def client(api_url: str, *, rate: float = 0, database: str | None = None) -> WebexClient:
    """The compliance client; with ``rate``, paced through the budget rows of ``database``."""
    pacer = None
    if rate:
        budget = RequestBudget(create_engine_for(database)) if database else None
        pacer = Pacer(token_key(api_url, f"token\0{SANDBOX_COMPLIANCE_TOKEN}"), rate, budget=budget,
                      role="compliance")
    return WebexClient(api_url, SANDBOX_COMPLIANCE_TOKEN, role="compliance", pacer=pacer)


def job(api_url: str, meeting_id: str, rate: float = 0, database: str | None = None, window: int = WINDOW) -> dict:
    """List every chat as a job would: resume at the exception's offset after its ``retry_after``."""
    webex, offset, ids, resumes, waited = client(api_url, rate=rate, database=database), 0, [], 0, 0.0
    started = time.perf_counter()
    while True:
        try:
            if window == WINDOW:  # what Recap runs
                listing = list_meeting_chats(webex, meeting_id, offset=offset)
            else:
                listing = webex.list_by_offset(PATH, {"meetingId": meeting_id}, offset=offset, window=window,
                                               parse=parse_meeting_chat)
            for chat in listing:
                ids.append(chat.id)
            break
        except ListingInterrupted as exc:
            resumes, offset = resumes + 1, exc.offset
            if resumes > MAX_RESUMES:
                raise SystemExit(f"{meeting_id}: more than {MAX_RESUMES} resumes") from exc
            wait = exc.retry_after if exc.retry_after is not None else 1.0
            waited += wait
            time.sleep(wait)  # the job runner would bring the job back after it
    return {"seconds": time.perf_counter() - started, "ids": ids, "resumes": resumes, "waited": waited}


def _process(arguments: tuple, ready, go, results) -> None:
    ready.put(True)  # imported, ready to list
    go.wait(60)
    results.put((arguments[1], job(*arguments)))


def in_processes(jobs: list[tuple]) -> tuple[float, list[dict]]:
    """Run each job in a process of its own, all started together once imported: (wall seconds, results)."""
    context = multiprocessing.get_context("spawn")
    ready, go, results = context.Queue(), context.Event(), context.Queue()
    processes = [context.Process(target=_process, args=(arguments, ready, go, results)) for arguments in jobs]
    for process in processes:
        process.start()
    for _ in processes:
        ready.get(timeout=120)
    started = time.perf_counter()
    go.set()
    done = dict(results.get(timeout=600) for _ in processes)
    wall = time.perf_counter() - started
    for process in processes:
        process.join(30)
    return wall, [done[arguments[1]] for arguments in jobs]


def log(url: str) -> list[dict]:
    return requests.get(f"{url}/_emulator/requests", params={"method": "GET", "pathPrefix": PATH}, timeout=30).json()


def clear(url: str) -> None:
    requests.delete(f"{url}/_emulator/requests", timeout=30)


def audit(url: str, runs: list[dict], expected: dict[str, list[str]]) -> dict:
    """What the emulator saw: requests, refusals, offsets answered twice; and whether every listing was whole."""
    calls = log(url)
    answered = Counter((c["query"]["meetingId"], c["query"]["offset"]) for c in calls if c["status"] == 200)
    return {"requests": len(calls), "refused": sum(c["status"] == 429 for c in calls),
            "twice": sum(n > 1 for n in answered.values()),
            "complete": all(run["ids"] == expected[run["meeting"]] for run in runs)}


def part_one(url: str, args, expected) -> list[str]:
    floor = (args.chats // 100 + 1) * args.latency_ms / 1000
    rows, times = [], {1: [], WINDOW: []}
    for _ in range(args.repeat):
        for window in (1, WINDOW):  # side by side in one run, alternating
            clear(url)
            run = {**job(f"{url}/v1/", MEETINGS[0], window=window), "meeting": MEETINGS[0]}
            seen = audit(url, [run], expected)
            assert seen["complete"] and not seen["twice"], seen
            times[window].append((run["seconds"], seen["requests"]))
    for window, label in ((1, "sequential (1 page in flight)"), (WINDOW, f"windowed ({WINDOW} pages in flight)")):
        median = statistics.median(s for s, _ in times[window])
        requests_made = max(r for _, r in times[window])
        rows.append(f"| {label} | {median:.2f} s | {min(s for s, _ in times[window]):.2f} s | {requests_made} "
                    f"| **{median / floor:.2f} ×** |")
    head = [f"Sequential floor: {args.chats // 100 + 1} requests × {args.latency_ms} ms = {floor:.2f} s.", "",
            "| listing | median | best | requests | median / floor |", "| --- | ---: | ---: | ---: | ---: |"]
    return head + rows


def part_two(url: str, args, expected, database: str) -> list[str]:
    requests.put(f"{url}/_emulator/rate-limit", json={"perMinute": 300}, timeout=10).raise_for_status()
    rows = ["| under 300/min | wall time | requests | 429s | resumes (waited) | offsets answered twice | complete |",
            "| --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    cases = [("paced, one job", [(MEETINGS[0], args.rate)]),
             ("paced, two processes sharing the budget", [(MEETINGS[0], args.rate), (MEETINGS[1], args.rate)]),
             ("not paced (contrast)", [(MEETINGS[0], 0)])]
    for label, jobs in cases:
        time.sleep(2)  # let the emulator's bucket fill again between cases
        clear(url)
        wall, runs = in_processes([(f"{url}/v1/", meeting, rate, database) for meeting, rate in jobs])
        runs = [{**run, "meeting": meeting} for run, (meeting, _) in zip(runs, jobs, strict=True)]
        seen = audit(url, runs, expected)
        rows.append(f"| {label} | {wall:.1f} s | {seen['requests']} | {seen['refused']} "
                    f"| {sum(r['resumes'] for r in runs)} ({sum(r['waited'] for r in runs):.0f} s) "
                    f"| {seen['twice']} | {'yes' if seen['complete'] else '**no**'} |")
        print(rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rate", type=float, default=300.0, help="the pacer's requests a minute (RECAP_WEBEX_RATE)")
    parser.add_argument("--record", action="store_true", help="write the results into bench/README.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        fixtures = Path(folder) / "fixtures"
        (fixtures / "chats").mkdir(parents=True)
        expected = {}
        for n, meeting in enumerate(MEETINGS):
            items = generate_meeting_chats(meeting, args.chats, seed=n)
            (fixtures / "chats" / f"{meeting}.json").write_text(json.dumps(items), encoding="utf-8")
            expected[meeting] = [item["id"] for item in items]
        database = f"sqlite:///{Path(folder) / 'recap.db'}"
        create_store(database).close()
        port = free_port()
        emulator = subprocess.Popen([sys.executable, "-m", "bot", "emulator", "--port", str(port), "--fixtures",
                                     str(fixtures), "--latency-ms", str(args.latency_ms)],
                                    env=clean_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(f"{url}/_emulator/state", emulator)
            first = part_one(url, args, expected)
            print("\n".join(first), flush=True)
            second = part_two(url, args, expected, database)
        finally:
            stop(emulator)
    text = "\n".join([
        "## Post-meeting chats: window and pacing (`bench/chat_paging.py`)", "",
        f"Measured {machine()}; {args.chats:,} post-meeting chats, emulator latency {args.latency_ms} ms a call, "
        f"median of {args.repeat} alternating runs.", "", *first, "", *second, "", NOTES])
    print(text)
    if args.record:
        record("chat_paging", text)


NOTES = """`python bench/chat_paging.py --record` wrote this section (about two minutes; the command alone prints
it). The emulator runs in a process of its own. The window reads 10,000 chats in about a fifth of the
sequential floor (the issue's goal: half); the sequential listing, as before issue 10, is slower than the
floor by its own per-request cost. The window's requests past the end (at most 7) are pages read ahead,
then discarded. Under the 300/min limit, "paced" is the pacer `WebexClients` gives every admin and compliance
client (`RECAP_WEBEX_RATE`, default 300 a minute, one permit at a time) with its budget in a SQLite file,
as in a `recap worker`: the listing runs at the limit itself (101 requests, 100 intervals of 0.2 s), meets
no 429 and sends no page past the end (those waiting for a permit are dropped once the end is known). The
two processes are two real processes listing a meeting each through that one budget row: together they
stay at 300 a minute with no 429. Unpaced, the same window meets many 429s; it still completes
by resuming as a job would (after `retry_after`, from `ListingInterrupted.offset`, never before it), but
the pages already in flight beyond each refused one are discarded and served again on resume (the last
column): that waste is what pacing removes. "Offsets answered twice" counts pages the emulator served with
200 more than once (a 429 serves nothing)."""


if __name__ == "__main__":
    main()
