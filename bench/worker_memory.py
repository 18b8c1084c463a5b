"""Peak memory of a ``recap worker`` answering commands on the largest generated archive.

The archive is ``generate_archive(seed=7, participants=2000, chats=10000, polls=50, questions=1000)``
(the card-rendering benchmark's), served by the emulator in this process. A ``recap worker`` runs as a
child process on SQLite; the script queues the jobs a web process would (one typed command each,
from the admin's 1:1 space) and, after each reply is posted, reads the worker's ``VmRSS`` and ``VmHWM``
(the peak resident set so far) from ``/proc/<pid>/status``. First one thread, the five views one after
the other, then the automatic recap of the archive's meeting; then a fresh worker with two
threads (``recap worker``'s default) answering two commands at once.

    python bench/worker_memory.py [--record]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_common import clean_env, machine, record, stop

from bot.config import Settings
from bot.jobs import create_jobs
from bot.recaps import normalise_email
from bot.sandbox.emulator import ADMIN_EMAIL, BOT_EMAIL, SANDBOX_ADMIN_TOKEN, SANDBOX_BOT_TOKEN, create_emulator
from bot.sandbox.generator import generate_archive
from bot.sandbox.server import serve_in_thread

SPEC = {"participants": 2000, "chats": 10000, "polls": 50, "questions": 1000}
VIEWS = ("summary", "attendance", "polls", "qa", "chats")


NOTES = """`python bench/worker_memory.py --record` wrote this section. One command on this archive takes a
worker about 340 MiB above its idle 81 MiB, seven times the JSON: Webex's answer as bytes (47 MiB) while
orjson builds the decoded dicts and lists (about 140 MiB), then the typed records of `parse_archive` next
to them (about 80 MiB: `Archive.raw` keeps the decoded JSON for exports), then the card. Two threads
answering at once need about twice that. Before this benchmark the worker decoded answers with requests'
`.json()`, which first turns the whole body into one Python str; a single emoji in a chat line makes
CPython store every character of that str in 4 bytes (184 MiB for this archive). The peak was then 506 MiB
for one command and 919 MiB for two at once; parsing the bytes with orjson (`bot/webex/client.py`) removed that
copy and a third of the parse time. After a command the resident set stays near 300 MiB: CPython keeps the
freed memory for the next command rather than handing it back. Size a worker host at about 80 MiB plus
350 MiB per consumer thread (`recap worker --workers N`) for archives this large."""


def status(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of a process, in MiB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values


class Bench:
    """The emulator with the big archive, the settings of a bot aimed at it, and the queue to feed a worker."""

    def __init__(self, server, state, folder: Path):
        self.server, self.state, self.folder = server, state, folder
        self.env = clean_env(WEBEX_BOT_TOKEN=SANDBOX_BOT_TOKEN, WEBEX_ADMIN_TOKEN=SANDBOX_ADMIN_TOKEN,
                             WEBEX_WEBHOOK_SECRET="bench-webhook-secret", WEBEX_API_URL=server.api_url,
                             RECAP_ADMINS=ADMIN_EMAIL,
                             DATABASE_URL=f"sqlite:///{folder / 'recap.db'}",
                             QUEUE_URL=f"sqlite:///{folder / 'queue.db'}", RECAP_RECAP_DELAY="0",
                             RECAP_HTTP_TIMEOUT="120")
        self.jobs = create_jobs(Settings.from_env(self.env, env_file=None))
        self.room = state.direct_room(ADMIN_EMAIL, BOT_EMAIL)["id"]

    def worker(self, threads: int) -> subprocess.Popen:
        """A ``recap worker`` child, once its consumer has started."""
        log = self.folder / f"worker-{threads}.log"
        proc = subprocess.Popen([sys.executable, "-c", "from bot.cli.main import run; run()", "worker", "--workers",
                                 str(threads)], env=self.env, cwd=self.folder, stderr=open(log, "wb"))
        while "consumer started" not in log.read_text():
            if proc.poll() is not None:
                raise SystemExit(log.read_text())
            time.sleep(0.05)
        return proc

    def command(self, text: str) -> str:
        """Queue the job of a typed command, as the web edge does; the message id (the reply's thread)."""
        message = self.state.post_as(ADMIN_EMAIL, self.room, text)  # no webhook registered: nothing delivered
        data = {k: message[k] for k in ("id", "roomId", "roomType", "personId", "personEmail", "created")}
        self.jobs.enqueue("event", {"resource": "messages", "event": "created", "data": data})
        return message["id"]

    def recap(self, archive_id: str) -> str:
        """Queue the automatic recap of the archive's meeting (its host followed in the 1:1 space); the meeting id."""
        meeting = self.state.meeting_for_archive(archive_id)
        self.jobs.services.store.add_subscription(self.room, "host", normalise_email(meeting["hostEmail"]),
                                                  room_type="direct", by=ADMIN_EMAIL)
        data = {k: meeting.get(k) for k in ("id", "start", "end", "hostEmail", "siteUrl")}
        self.jobs.enqueue("meeting_ended", {"resource": "meetings", "event": "ended", "data": data})
        return meeting["id"]

    def wait_reply(self, marker: str, timeout: float = 300.0) -> dict:
        """The bot's message answering thread ``marker`` (or carrying it in its markdown)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in list(self.state.messages.values()):
                if message["personEmail"] == BOT_EMAIL and (
                        message.get("parentId") == marker or marker in (message.get("markdown") or "")):
                    return message
            time.sleep(0.05)
        raise SystemExit(f"no reply for {marker} within {timeout:g} s")


def measure(bench: Bench, archive_id: str) -> list[tuple[str, dict]]:
    """Rows of (what was just answered, the worker's memory)."""
    rows = []
    proc = bench.worker(1)
    try:
        rows.append(("worker started, idle (1 thread)", status(proc.pid)))
        for view in VIEWS:
            bench.wait_reply(bench.command(f"{view} {archive_id}"))
            rows.append((f"`{view}` answered", status(proc.pid)))
        bench.wait_reply(bench.recap(archive_id))
        rows.append(("automatic recap of the archive's meeting posted", status(proc.pid)))
    finally:
        stop(proc)
    proc = bench.worker(2)
    try:
        rows.append(("worker started, idle (2 threads)", status(proc.pid)))
        threads = [bench.command(f"{view} {archive_id}") for view in ("summary", "polls")]
        for thread in threads:
            bench.wait_reply(thread)
        rows.append(("`summary` and `polls` answered at once", status(proc.pid)))
    finally:
        stop(proc)
    return rows


def report(rows: list[tuple[str, dict]], size: int) -> str:
    """Markdown table of the measurements."""
    lines = [f"Measured {machine()}; archive JSON {size / 2**20:.1f} MiB (2,000 people, 10,000 chat lines, 50 polls, "
             "1,000 questions); `recap worker` on SQLite, the emulator in the benchmark's process.", "",
             "| after | VmRSS MiB | VmHWM (peak) MiB |", "| --- | ---: | ---: |"]
    lines += [f"| {what} | {mem['VmRSS']:.0f} | {mem['VmHWM']:.0f} |" for what, mem in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--record", action="store_true", help="write the results into bench/README.md")
    args = parser.parse_args()
    archive = generate_archive(seed=7, **SPEC)
    app = create_emulator(seed=False)
    state = app.extensions["webex_emulator"]
    state.add_archive(archive)
    with serve_in_thread(app) as server, tempfile.TemporaryDirectory(prefix="recap-bench-") as tmp:
        bench = Bench(server, state, Path(tmp))
        rows = measure(bench, archive["archiveId"])
        bench.jobs.services.store.engine.dispose()
    text = report(rows, len(json.dumps(archive).encode()))
    print(text)
    if args.record:
        record("worker_memory", "## Worker peak memory (`bench/worker_memory.py`)\n\n" + text + "\n\n" + NOTES)


if __name__ == "__main__":
    main()
