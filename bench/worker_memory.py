"""Peak memory of a ``recap worker`` answering commands on the largest generated archive.

The archive is ``generate_archive(seed=7, participants=2000, chats=10000, polls=50, questions=1000)``
(the card-rendering benchmark's), served by the emulator in this process. A ``recap worker`` runs as a
child process on SQLite; the script queues the jobs a web process would (one typed command each,
from the admin's 1:1 space) and, after each reply is posted, reads the worker's ``VmRSS`` and ``VmHWM``
(the peak resident set so far) from ``/proc/<pid>/status``. First one thread: the five views one after
the other, every export, then the automatic recap of the archive's meeting; then a fresh worker with two
threads (``recap worker``'s default) answering two commands at once, both fetching; then ``recap serve``
with its consumer inside (its gunicorn worker measured) doing the same.

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

from bench_common import clean_env, free_port, machine, record, stop, wait_until_up

from bot.config import Settings
from bot.jobs import create_jobs
from bot.recaps import normalise_email
from bot.sandbox.emulator import ADMIN_EMAIL, BOT_EMAIL, SANDBOX_ADMIN_TOKEN, SANDBOX_BOT_TOKEN, create_emulator
from bot.sandbox.generator import generate_archive
from bot.sandbox.server import serve_in_thread

SPEC = {"participants": 2000, "chats": 10000, "polls": 50, "questions": 1000}
VIEWS = ("summary", "attendance", "polls", "qa", "chats")
EXPORTS = ("export {} csv attendance", "export {} csv joins", "export {} csv chats", "export {} csv polls",
           "export {} csv qa", "export {} json")
LIMIT_MIB = 150


NOTES = """`python bench/worker_memory.py --record` wrote this section. A worker answers every view and every
export of this archive within about 25 MiB above its idle size. The archive is never held whole: its JSON
is read from the socket by a streaming parser (ijson, `bot/meetings/stream.py`), one record at a time,
into the meeting's digest (`bot/digest`: attendance merged per person, poll counts with the first voter
names, Q&A, chat counts and the last lines a card shows; about 120 KB stored), and every later view, button
and the automatic recap read the stored digest. Exports need every row: they are written into a file as
the archive streams past and uploaded from there. Before (this benchmark on the previous release), one
command peaked at 414–419 MiB and two at once at 657 MiB: the body as bytes, orjson's whole dict tree and
the typed records side by side."""


def status(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of a process, in MiB; for ``recap serve``, of its gunicorn worker (the app and consumer)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    if children:  # gunicorn's master forks the worker that holds the app and the consumer
        return status(int(children[0]))
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

    def worker(self, threads: int, *, serve: bool = False) -> subprocess.Popen:
        """A ``recap worker`` child (or ``recap serve`` with its consumer inside), once its consumer has started."""
        log, port = self.folder / f"{'serve' if serve else 'worker'}-{threads}.log", free_port()
        command = (["serve", "--port", str(port), "--threads", "2", "--consumers", str(threads)] if serve
                   else ["worker", "--workers", str(threads)])
        proc = subprocess.Popen([sys.executable, "-c", "from bot.cli import run; run()", *command], env=self.env,
                                cwd=self.folder, stderr=open(log, "wb"), stdout=subprocess.DEVNULL)
        if serve:  # its consumer starts with the app, before /healthz answers
            wait_until_up(f"http://127.0.0.1:{port}/healthz", proc)
            return proc
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
        for view in VIEWS:  # the first fetches the archive and stores its digest; the others read the digest
            bench.wait_reply(bench.command(f"{view} {archive_id}"))
            rows.append((f"`{view}` answered", status(proc.pid)))
        for export in EXPORTS:  # every row, streamed from Webex into a file
            bench.wait_reply(bench.command(export.format(archive_id)))
            rows.append((f"`{export.format('…')}` posted", status(proc.pid)))
        bench.wait_reply(bench.recap(archive_id))
        rows.append(("automatic recap of the archive's meeting posted", status(proc.pid)))
    finally:
        stop(proc)
    bench.jobs.services.store.purge_digests()  # the two threads below both fetch the archive again
    proc = bench.worker(2)
    try:
        rows.append(("worker started, idle (2 threads)", status(proc.pid)))
        threads = [bench.command(text) for text in (f"summary {archive_id}", f"export {archive_id} csv polls")]
        for thread in threads:
            bench.wait_reply(thread)
        rows.append(("`summary` (fetching) and `export … csv polls` answered at once", status(proc.pid)))
    finally:
        stop(proc)
    bench.jobs.services.store.purge_digests()
    proc = bench.worker(2, serve=True)
    try:
        rows.append(("`recap serve` started, idle (consumer inside, 2 threads)", status(proc.pid)))
        threads = [bench.command(text) for text in (f"summary {archive_id}", f"export {archive_id} csv polls")]
        for thread in threads:
            bench.wait_reply(thread)
        rows.append(("`recap serve`: `summary` (fetching) and `export … csv polls` at once", status(proc.pid)))
    finally:
        stop(proc)
    return rows


def report(rows: list[tuple[str, dict]], size: int) -> str:
    """Markdown table of the measurements."""
    lines = [f"Measured {machine()}; archive JSON {size / 2**20:.1f} MiB (2,000 people, 10,000 chat lines, 50 polls, "
             "1,000 questions); `recap worker` on SQLite, the emulator in the benchmark's process.", "",
             "| after | VmRSS MiB | VmHWM (peak) MiB |", "| --- | ---: | ---: |"]
    lines += [f"| {what} | {mem['VmRSS']:.0f} | {mem['VmHWM']:.0f} |" for what, mem in rows]
    peak = max(mem["VmHWM"] for _, mem in rows)
    verdict = "within" if peak <= LIMIT_MIB else "OVER"
    lines += ["", f"Highest peak: {peak:.0f} MiB, {verdict} the {LIMIT_MIB} MiB goal."]
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
