"""Command round trip: from the webhook to the reply posted, with every Webex call taking 50 ms.

The emulator (in this process, ``latency_ms=50`` on every ``/v1/`` call) plays Webex; the bot runs
as real processes, in two layouts: ``recap serve`` (gunicorn with the job consumer inside, the
embedded default) and the Procfile's (gunicorn ``--workers 2`` plus ``recap worker``), both on
SQLite. A sample starts when the admin's message is stored (the webhook leaves at once) and ends
when the bot's reply to it has been answered by the emulator. The least possible time is the
number of sequential Webex calls the bot made for it × 50 ms.

    python bench/round_trip.py [--samples 20] [--latency-ms 50] [--record]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from bench_common import clean_env, free_port, gunicorn, machine, percentile, record, stop, wait_until_up
from flask import request

from bot.sandbox.emulator import ADMIN_EMAIL, BOT_EMAIL, SANDBOX_ADMIN_TOKEN, SANDBOX_BOT_TOKEN, create_emulator
from bot.sandbox.server import serve_in_thread

SECRET = "bench-webhook-secret"
ARCHIVE = "4E3254897D3A2E24E05386CA24AD93A6_R_1000637312"
NOTES = """`python bench/round_trip.py --record` wrote this section. The calls are sequential by nature: a typed
command reads the message, then the archive, then posts the card; a button also reads the card
action, the card's message (for its thread and space) and the person who pressed it (for the
access check). The overhead above the least possible is the webhook delivery, the queue hand-off,
parsing and rendering the card. In the Procfile layout the separate worker polls the idle SQLite
queue (at most every 250 ms); inside `recap serve` the web edge wakes the consumer at once."""


class ReplyClock:
    """Notes when the emulator has answered each ``POST /v1/messages`` (an after-request hook)."""

    def __init__(self, app):
        self.posted: list[tuple[float, str | None]] = []
        self.changed = threading.Condition()
        app.after_request(self._after)

    def _after(self, response):
        if request.method == "POST" and request.path == "/v1/messages" and response.status_code == 200:
            body = request.get_json(silent=True) or request.form
            with self.changed:
                self.posted.append((time.perf_counter(), body.get("parentId")))
                self.changed.notify_all()
        return response

    def wait(self, since: int, parent_id: str, timeout: float = 30.0) -> float:
        """The time of the first reply posted in thread ``parent_id`` after entry ``since``."""
        def found():
            return next((t for t, parent in self.posted[since:] if parent == parent_id), None)
        with self.changed:
            if not self.changed.wait_for(lambda: found() is not None, timeout):
                raise SystemExit(f"no reply in thread {parent_id} within {timeout:g}s")
            return found()


def start_bot(layout: str, api_url: str, folder: Path) -> tuple[list[subprocess.Popen], str]:
    """The bot's processes for a layout, and its base URL once it answers."""
    port = free_port()
    env = clean_env(WEBEX_BOT_TOKEN=SANDBOX_BOT_TOKEN, WEBEX_ADMIN_TOKEN=SANDBOX_ADMIN_TOKEN,
                    WEBEX_WEBHOOK_SECRET=SECRET, WEBEX_API_URL=api_url, RECAP_ADMINS=ADMIN_EMAIL,
                    DATABASE_URL=f"sqlite:///{folder / f'{layout}.db'}",
                    QUEUE_URL=f"sqlite:///{folder / f'{layout}-queue.db'}")
    recap = [sys.executable, "-c", "from bot.cli import run; run()"]
    if layout == "serve":
        processes = [subprocess.Popen([*recap, "serve", "--port", str(port), "--threads", "4"], env=env,
                                      cwd=folder, stdout=subprocess.DEVNULL)]
    else:
        processes = [gunicorn("bot:create_app()", port, env, folder, workers=2),
                     subprocess.Popen([*recap, "worker", "--workers", "2"], env=env, cwd=folder,
                                      stderr=subprocess.DEVNULL)]
    base = f"http://127.0.0.1:{port}"
    wait_until_up(base + "/healthz", processes[0])
    return processes, base


def register_webhooks(api_url: str, base: str) -> list[str]:
    """The bot's two webhooks, pointing at this layout's bot."""
    ids = []
    for resource in ("messages", "attachmentActions"):
        answer = requests.post(api_url + "webhooks", headers={"Authorization": f"Bearer {SANDBOX_BOT_TOKEN}"},
                               json={"name": resource, "targetUrl": base + "/webhooks/webex", "resource": resource,
                                     "event": "created", "secret": SECRET}, timeout=30)
        ids.append(answer.json()["id"])
    return ids


def sample(state, clock: ReplyClock, act) -> tuple[float, int]:
    """(seconds from the act to the reply, Webex calls made meanwhile) for one command or button."""
    since, calls_before = len(clock.posted), len(state.requests)
    started = time.perf_counter()
    thread = act()
    ended = clock.wait(since, thread)
    calls = [r for r in state.requests[calls_before:] if r.path.startswith("/v1/")]
    return ended - started, len(calls)


def run_layout(layout: str, server, state, clock: ReplyClock, folder: Path, samples: int) -> dict:
    """Warm up, then time typed commands and card buttons for one layout."""
    processes, base = start_bot(layout, server.api_url, folder)
    hooks = register_webhooks(server.api_url, base)
    room = state.direct_room(ADMIN_EMAIL, BOT_EMAIL)["id"]

    def command():
        return state.post_as(ADMIN_EMAIL, room, f"summary {ARCHIVE}")["id"]

    try:
        sample(state, clock, command)  # warm-up: the bot learns who it is (GET /people/me) once
        typed = [sample(state, clock, command) for _ in range(samples)]
        since = len(clock.posted)
        root = command()
        clock.wait(since, root)
        card_id = next(m["id"] for m in list(state.messages.values())
                       if m.get("parentId") == root and m["personEmail"] == BOT_EMAIL)

        def button():
            state.submit_card(ADMIN_EMAIL, card_id, {}, action_title="Polls")
            return root
        pressed = [sample(state, clock, button) for _ in range(samples)]
    finally:
        for hook in hooks:
            requests.delete(server.api_url + f"webhooks/{hook}", headers={
                "Authorization": f"Bearer {SANDBOX_BOT_TOKEN}"}, timeout=30)
        for process in processes:
            stop(process)
    return {"typed": typed, "pressed": pressed}


def report(results: dict, latency_ms: int, samples: int) -> str:
    """Markdown: one line per layout and action, measured against the least possible."""
    lines = [f"Measured {machine()}; the emulator adds {latency_ms} ms to every Webex call; {samples} samples "
             "each, one at a time, after a warm-up command.", "",
             "| layout | action | Webex calls | least possible | p50 | p95 | max | p50 overhead |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    names = {"serve": "`recap serve` (consumer inside)", "procfile": "Procfile (gunicorn + `recap worker`)"}
    actions = {"typed": "`summary <archiveId>`", "pressed": "card button “Polls”"}
    for layout, by_action in results.items():
        for action, rows in by_action.items():
            times = [t * 1000 for t, _ in rows]
            calls = max(set(c for _, c in rows), key=[c for _, c in rows].count)
            least = calls * latency_ms
            p50 = percentile(times, 0.5)
            lines.append(f"| {names[layout]} | {actions[action]} | {calls} | {least} ms | {p50:.0f} ms | "
                         f"{percentile(times, 0.95):.0f} ms | {max(times):.0f} ms | +{p50 - least:.0f} ms |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--record", action="store_true", help="write the results into bench/README.md")
    args = parser.parse_args()
    app = create_emulator(latency_ms=args.latency_ms)
    state, clock = app.extensions["webex_emulator"], ReplyClock(app)
    results = {}
    with serve_in_thread(app) as server, tempfile.TemporaryDirectory(prefix="recap-bench-") as tmp:
        for layout in ("serve", "procfile"):
            results[layout] = run_layout(layout, server, state, clock, Path(tmp), args.samples)
    text = report(results, args.latency_ms, args.samples)
    print(text)
    if args.record:
        record("round_trip", "## Command round trip (`bench/round_trip.py`)\n\n" + text + "\n\n" + NOTES)


if __name__ == "__main__":
    main()
