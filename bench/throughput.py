"""End-to-end throughput: automatic recaps delivered per minute by 1, 2 and 4 ``recap worker`` processes.

The emulator (in this process, every Webex call 50 ms) holds ended meetings of ten hosts, each host
followed by one space (``subscribe host …``); the Procfile's processes run the bot: gunicorn (2 sync
workers) receives the org ``meetings/ended`` webhooks and N ``recap worker``s (2 threads each) deliver
the recaps, on PostgreSQL + Redis (``--backend sqlite`` for files). The clock starts when the first
webhook leaves and stops when the last recap card has been posted. A recap makes sequential Webex
calls: the meeting, the archive listing (100 a page: two pages while 200 meetings ended within the
same minutes), the archive (these with the admin's token), then the post (the bot's). The bound is
what the threads could do if the bot took no time: threads × 60 s / (calls × latency). The same runs
again with the emulator limiting every token to 300 requests a minute (a token bucket, 429 +
Retry-After): then the admin token's calls per minute are set next to the limit.

    python bench/throughput.py [--workers 1,2,4] [--threads 2] [--recaps 200] [--limited-recaps 60]
                               [--latency-ms 50] [--rate-limit 300] [--backend postgres|sqlite] [--record]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import requests
from bench_common import clean_env, free_port, gunicorn, machine, record, stop, wait_until_up
from flask import request

from bot.sandbox.emulator import (
    ADMIN_EMAIL,
    BOT_EMAIL,
    SANDBOX_ADMIN_TOKEN,
    SANDBOX_BOT_TOKEN,
    RateLimit,
    create_emulator,
    deliver_ended,
)
from bot.sandbox.server import serve_in_thread
from bot.storage import create_store, upgrade_database

SECRET = "bench-webhook-secret"
HOSTS = 10
POSTGRES_URL = os.environ.get("RECAP_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("RECAP_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


NOTES = """`python bench/throughput.py --record` wrote this section (about five minutes). Without a limit, one
worker delivers about 80 % of what its two threads could if the bot itself took no time. A recap costs the
worker about 30 ms of CPU — in a one-thread cProfile of 40 deliveries, rendering and checking the summary
card took 29 ms a recap (22 ms of it the Adaptive Cards schema check) — and about fifteen PostgreSQL round
trips, 12 ms: two jobs (`meeting_ended`, then the delivery) with their job-ledger rows, the delivery's claim
and outcome, two audit lines. The two threads of a worker also take turns on the GIL. Four workers (eight
threads) reach 70 %: the machine's two cores are then shared with gunicorn, the emulator, PostgreSQL and
Redis (the "cores busy" column counts only the bot's processes and the emulator). The archive listing is
paged 100 at a time, so a recap costs more calls when many meetings end within the same minutes (200 here:
two pages, 4 admin calls; 60: one page, 3).

Under the limit the admin token is the bottleneck whatever the number of workers: 300 requests a minute
allow 100 recaps a minute at 3 admin calls each; the bot delivers 95–100 and uses 285–300 of its 300 admin
calls a minute. More workers only add 429s, which cost a worker CPU (about 100 ms per recap instead of 25)
but no calls. Before this benchmark the same run stalled: a 429 on any of a recap's calls made the whole
delivery start over, so under a sustained limit a delivery rarely got its three admin calls through in a
row (60 recaps on 4 workers were not done after 14 minutes and 24,516 job runs). Now a delivery that is
refused comes back after Retry-After (plus up to 20 % jitter, `bot/recaps/delivery.py`) and resumes from
what its earlier looks learnt — the meeting, the archive candidates, the matched archive id are carried in
the job's payload (`bot/recaps/pipeline.py`) — so a 429 costs that one call again. No thread sleeps on a rate limit
(`bot/webex/client.py` raises `WebexRetryLater` at once). An earlier version waited out Retry-After ≤ 1 s in place
instead; it delivered 86–91 a minute here, fewer than resuming does.
"""


class RecapClock:
    """Notes the moment the emulator has stored each automatic-recap post (an after-request hook)."""

    def __init__(self, app):
        self.posted: list[float] = []
        self.changed = threading.Condition()
        app.after_request(self._after)

    def _after(self, response):
        if request.method == "POST" and request.path == "/v1/messages" and response.status_code == 200:
            if "Automatic recap" in ((request.get_json(silent=True) or {}).get("markdown") or ""):
                with self.changed:
                    self.posted.append(time.perf_counter())
                    self.changed.notify_all()
        return response

    def wait(self, count: int, timeout: float) -> float:
        """The moment of the ``count``-th post."""
        with self.changed:
            if not self.changed.wait_for(lambda: len(self.posted) >= count, timeout):
                raise SystemExit(f"only {len(self.posted)} of {count} recaps posted within {timeout:g} s")
            return self.posted[count - 1]


@contextmanager
def backend(kind: str, folder: Path):
    """(DATABASE_URL, QUEUE_URL): a fresh PostgreSQL schema and Redis queue name, or two SQLite files."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'recap.db'}", f"sqlite:///{folder / 'queue.db'}"
        return
    import redis
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    name = f"recap_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={name}"})
    try:
        upgrade_database(url.render_as_string(hide_password=False))  # `recap db upgrade`, as before a release
        yield url.render_as_string(hide_password=False), f"{REDIS_URL}?queue={name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=f"huey.*.{name}*"))
        if keys:
            client.delete(*keys)


def world(state, database_url: str, recaps: int) -> list[dict]:
    """Ten hosts, a followed space each, and ``recaps`` ended meetings (archives out at once); the meetings."""
    store = create_store(database_url)
    meetings = []
    for n in range(HOSTS):
        host = f"host{n}@example.com"
        state.add_person(host, f"Host {n}")
        room = state.add_room(f"Recaps of host {n}", [ADMIN_EMAIL, BOT_EMAIL])
        store.add_subscription(room["id"], "host", host, room_type="group", by=ADMIN_EMAIL)
    for n in range(recaps):
        meetings.append(state.end_meeting(f"host{n % HOSTS}@example.com", title=f"Bench meeting {n}", seed=n,
                                          participants=12, chats=30, deliver=False))
    store.engine.dispose()
    return meetings


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time used so far by these processes and their children that exited (gunicorn's workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += sum(int(value) for value in fields[11:15]) / ticks  # utime, stime, cutime, cstime
    return total


def tree(pid: int) -> list[int]:
    """A process and its children (gunicorn's master and workers)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [pid] + [int(child) for child in children]


def start_bot(env: dict, folder: Path, workers: int, threads: int) -> tuple[list[subprocess.Popen], str]:
    """gunicorn (the Procfile's web) and ``workers`` × ``recap worker``; wait until all are up."""
    port = free_port()
    web = gunicorn("bot:create_app()", port, env, folder, workers=2)
    logs = [folder / f"worker-{n}.log" for n in range(workers)]
    procs = [web] + [subprocess.Popen([sys.executable, "-c", "from bot.cli.main import run; run()", "worker",
                                       "--workers", str(threads)], env=env, cwd=folder,
                                      stderr=open(log, "wb"), stdout=subprocess.DEVNULL) for log in logs]
    base = f"http://127.0.0.1:{port}"
    wait_until_up(base + "/healthz", web)
    deadline = time.monotonic() + 30
    while not all("consumer started" in log.read_text() for log in logs):
        if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
            raise SystemExit("a recap worker did not start: " + " | ".join(log.read_text()[-500:] for log in logs))
        time.sleep(0.05)
    return procs, base


def run(workers: int, threads: int, recaps: int, latency_ms: int, limit: int, kind: str) -> dict:
    """Deliver ``recaps`` recaps with ``workers`` workers (``limit`` requests a minute per token, 0: none)."""
    app = create_emulator(seed=False, latency_ms=latency_ms)
    state, clock = app.extensions["webex_emulator"], RecapClock(app)
    with tempfile.TemporaryDirectory(prefix="recap-bench-") as tmp, serve_in_thread(app) as server, \
            backend(kind, Path(tmp)) as (database_url, queue_url):
        meetings = world(state, database_url, recaps)
        env = clean_env(WEBEX_BOT_TOKEN=SANDBOX_BOT_TOKEN, WEBEX_ADMIN_TOKEN=SANDBOX_ADMIN_TOKEN,
                        WEBEX_WEBHOOK_SECRET=SECRET, WEBEX_API_URL=server.api_url, RECAP_ADMINS=ADMIN_EMAIL,
                        DATABASE_URL=database_url, QUEUE_URL=queue_url, RECAP_RECAP_DELAY="0",
                        RECAP_RECAP_DEADLINE="3600")
        procs, base = start_bot(env, Path(tmp), workers, threads)
        try:
            requests.post(server.api_url + "webhooks", headers={"Authorization": f"Bearer {SANDBOX_ADMIN_TOKEN}"},
                          json={"name": "bench", "targetUrl": base + "/webhooks/webex", "resource": "meetings",
                                "event": "ended", "secret": SECRET, "ownedBy": "org"}, timeout=30).raise_for_status()
            if limit:
                state.rate_limit = RateLimit(limit)
            pids = {"web": tree(procs[0].pid), "workers": [p.pid for p in procs[1:]]}
            cpu = {name: cpu_seconds(group) for name, group in pids.items()}
            cpu["emulator"] = time.process_time()
            mark = len(state.requests)
            started = time.perf_counter()
            for meeting in meetings:
                deliver_ended(state, meeting)
            ended = clock.wait(recaps, timeout=1800)
            cpu = {name: (cpu_seconds(pids[name]) if name in pids else time.process_time()) - used
                   for name, used in cpu.items()}
        finally:
            for proc in procs:
                stop(proc)
    calls = state.requests[mark:]
    roles = {token: who.role for token, who in state.tokens.items()}
    by_role = Counter(roles.get(r.headers.get("Authorization", "").partition(" ")[2], "?") for r in calls
                      if r.status == 200)
    return {"workers": workers, "threads": threads, "limit": limit, "recaps": recaps, "seconds": ended - started,
            "calls": by_role, "refused": sum(1 for r in calls if r.status == 429), "cpu": cpu}


def report(rows: list[dict], latency_ms: int, kind: str) -> str:
    """Markdown: each run next to its bound."""
    lines = [f"Measured {machine()}; {'PostgreSQL + Redis' if kind == 'postgres' else 'SQLite files'}; every Webex "
             f"call {latency_ms} ms; gunicorn 2 sync workers; each `recap worker` 2 threads.", "",
             "| workers | limit per token | recaps | seconds | recaps/min | bound | share of bound | "
             "admin calls/min | Webex calls per recap (admin + bot) | 429s | CPU ms per recap: workers / web / "
             "emulator | cores busy |",
             "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- | ---: |"]
    for row in rows:
        admin, bot = row["calls"]["admin"] / row["recaps"], row["calls"]["bot"] / row["recaps"]
        per_min = row["recaps"] / row["seconds"] * 60
        bound = row["workers"] * row["threads"] * 60 / ((admin + bot) * latency_ms / 1000)
        if row["limit"]:
            bound = min(bound, row["limit"] / admin)
        limit = f"{row['limit']}/min" if row["limit"] else "none"
        lines.append(f"| {row['workers']} | {limit} | {row['recaps']} | {row['seconds']:.1f} | {per_min:.0f} | "
                     f"{bound:.0f} | {per_min / bound:.0%} | {admin * per_min:.0f} | {admin:.2f} + {bot:.2f} | "
                     f"{row['refused']} | "
                     + " / ".join(f"{row['cpu'][k] * 1000 / row['recaps']:.0f}" for k in ("workers", "web", "emulator"))
                     + f" | {sum(row['cpu'].values()) / row['seconds']:.2f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--recaps", type=int, default=200)
    parser.add_argument("--limited-recaps", type=int, default=60)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--rate-limit", type=int, default=300)
    parser.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--record", action="store_true", help="write the results into bench/README.md")
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    rows = []
    for limit, recaps in ((0, args.recaps), (args.rate_limit, args.limited_recaps)):
        for workers in counts if recaps else ():
            rows.append(run(workers, args.threads, recaps, args.latency_ms, limit, args.backend))
            print(report(rows[-1:], args.latency_ms, args.backend).splitlines()[-1], flush=True)
    text = report(rows, args.latency_ms, args.backend)
    print(text)
    if args.record:
        record("throughput", "## End-to-end throughput (`bench/throughput.py`)\n\n" + text + "\n\n" + NOTES)


if __name__ == "__main__":
    main()
