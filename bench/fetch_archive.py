"""Benchmark: fetch and parse a 2,000-participant / 10,000-chat archive from the emulator.

The emulator runs in its own process (``recap emulator``) so the figures measure only the
client side: HTTP, JSON decoding and ``bot.meetings.parse.parse_archive``. Run:

    python bench/fetch_archive.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import requests

from bot.meetings import get_archive, parse_archive
from bot.sandbox.emulator import SANDBOX_ADMIN_TOKEN
from bot.sandbox.generator import generate_archive
from bot.webex import WebexClient


def free_port() -> int:
    """A loopback port that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_emulator(fixtures: Path, port: int) -> subprocess.Popen:
    """``recap emulator`` in a child process, waited on until it answers."""
    proc = subprocess.Popen([sys.executable, "-m", "bot", "emulator", "--port", str(port),
                             "--fixtures", str(fixtures)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/v1/people/me", timeout=1,
                         headers={"Authorization": f"Bearer {SANDBOX_ADMIN_TOKEN}"})
            return proc
        except requests.ConnectionError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the emulator did not start")


def main() -> None:
    """Run the benchmark and print a Markdown table row set."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    raw = generate_archive(seed=42, participants=2_000, chats=10_000, polls=10, questions=200)
    body = json.dumps(raw).encode()
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "archives").mkdir()
        (Path(tmp) / "archives" / f"{raw['archiveId']}.json").write_bytes(body)
        port = free_port()
        proc = start_emulator(Path(tmp), port)
        try:
            client = WebexClient(f"http://127.0.0.1:{port}/v1/", SANDBOX_ADMIN_TOKEN, role="admin", timeout=60)
            get_archive(client, raw["archiveId"])  # warm-up: connection and the emulator's own cache
            fetch = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                archive = get_archive(client, raw["archiveId"], timezone="UTC")
                fetch.append(time.perf_counter() - start)
            parse = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                parse_archive(json.loads(body))
                parse.append(time.perf_counter() - start)
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            tracemalloc.start()
            get_archive(client, raw["archiveId"], timezone="UTC")
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        finally:
            proc.terminate()
            proc.wait(10)

    print(f"archive: {len(archive.participants)} joins, {len(archive.chats)} chats, {len(archive.polls)} polls, "
          f"{len(archive.qas)} questions; {len(body) / 1e6:.1f} MB of JSON")
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
          f"repeat {args.repeat}")
    print("| measure | median | min |")
    print("| --- | --- | --- |")
    print(f"| fetch + parse over HTTP | {statistics.median(fetch) * 1e3:.0f} ms | {min(fetch) * 1e3:.0f} ms |")
    print(f"| parse only (json.loads + parse_archive) | {statistics.median(parse) * 1e3:.0f} ms "
          f"| {min(parse) * 1e3:.0f} ms |")
    print(f"| peak Python allocations during one fetch + parse (tracemalloc) | {peak / 2**20:.1f} MiB | |")
    print(f"| process max RSS after the run | {rss_after / 1024:.0f} MiB (before the traced run: "
          f"{rss_before / 1024:.0f} MiB) | |")


if __name__ == "__main__":
    main()
