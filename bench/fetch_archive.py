"""Benchmark: fetch the largest generated archive whole (``get_archive``) and as a stream (``stream_archive``).

The archive is ``generate_archive(seed=7, participants=2000, chats=10000, polls=50, questions=1000)``, the
one of ``bench/render_cards.py`` and ``bench/worker_memory.py`` (about 47 MiB of JSON). The emulator runs in
its own process (``recap emulator --fixtures``) on loopback and is asked once before any measure, so it
serves its cached rendering. Each variant then runs in a fresh child process, so that peaks do not mix:
the child imports the bot, reads its ``VmHWM`` (peak resident set) from ``/proc/self/status``, fetches the
archive ``--repeat`` times, timing each, and reads ``VmHWM`` again.

- ``get_archive``: the whole body in memory, ``orjson.loads``, ``parse_archive`` (the old path);
- ``stream_archive``: ijson over the response stream into a sink that only counts the records;
- ``parse_archive_stream``: the same stream collected into an ``Archive`` (every record kept, no raw dict).

    python bench/fetch_archive.py [--repeat 5] [--record]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from bench_common import ROOT, clean_env, emulator_process, machine, peak_mib, record

SPEC = {"participants": 2000, "chats": 10000, "polls": 50, "questions": 1000}
VARIANTS = {
    "whole": "`get_archive`: whole body, `orjson.loads`, `parse_archive` (before)",
    "stream": "`stream_archive` into a counting sink (ijson, yajl2_c)",
    "collect": "`parse_archive_stream`: the stream collected into an `Archive`",
}


class Counter:
    """An archive sink that counts what it is handed and keeps nothing."""

    def __init__(self) -> None:
        self.counts = dict.fromkeys(("participants", "chats", "polls", "qas", "system_infos"), 0)

    def field(self, name, value) -> None:
        pass

    def participant(self, item) -> None:
        self.counts["participants"] += 1

    def chat(self, item) -> None:
        self.counts["chats"] += 1

    def poll(self, item) -> None:
        self.counts["polls"] += 1

    def question(self, item) -> None:
        self.counts["qas"] += 1

    def system_info(self, item) -> None:
        self.counts["system_infos"] += 1


def child(variant: str, api_url: str, archive_id: str, repeat: int) -> None:
    """One variant in this (fresh) process; prints its figures as JSON."""
    from bot.meetings import get_archive, parse_archive_stream, stream_archive
    from bot.sandbox.emulator import SANDBOX_ADMIN_TOKEN
    from bot.webex import WebexClient

    def counts_of(archive) -> dict:
        return {k: len(getattr(archive, k)) for k in ("participants", "chats", "polls", "qas", "system_infos")}

    def once() -> dict:
        if variant == "whole":
            return counts_of(get_archive(client, archive_id))
        if variant == "collect":
            with client.stream("GET", f"recordingReport/meetingArchives/{archive_id}") as body:
                return counts_of(parse_archive_stream(body))
        sink = Counter()
        stream_archive(client, archive_id, sink)
        return sink.counts

    client = WebexClient(api_url, SANDBOX_ADMIN_TOKEN, role="admin", timeout=120)
    idle = peak_mib("VmHWM")
    seconds, counts = [], {}
    for _ in range(repeat):
        start = time.perf_counter()
        counts = once()  # nothing of one run is kept while the next one runs
        seconds.append(time.perf_counter() - start)
    print(json.dumps({"idle": idle, "peak": peak_mib("VmHWM"), "rss": peak_mib("VmRSS"), "seconds": seconds,
                      "counts": counts}))


def run_child(variant: str, api_url: str, archive_id: str, repeat: int) -> dict:
    """Run one variant in a fresh interpreter and return its figures."""
    done = subprocess.run([sys.executable, __file__, "--child", variant, "--api-url", api_url,
                           "--archive-id", archive_id, "--repeat", str(repeat)],
                          env=clean_env(), cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{variant} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(size: int, repeat: int, rows: dict[str, dict]) -> str:
    """The Markdown section: what was measured, then one row per variant."""
    whole, stream = rows["whole"], rows["stream"]
    lines = [f"Measured {machine()}; archive JSON {size / 2**20:.1f} MiB "
             f"({stream['counts']['participants']:,} joins of 2,000 people, {stream['counts']['chats']:,} chat lines, "
             f"{stream['counts']['polls']} polls, {stream['counts']['qas']:,} questions); `--repeat {repeat}`, "
             "each variant in a fresh process; the emulator in its own process on loopback.", "",
             "| variant | median | min | VmHWM idle MiB | VmHWM peak MiB | peak above idle MiB |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for name, row in rows.items():
        lines.append(f"| {VARIANTS[name]} | {statistics.median(row['seconds']) * 1e3:,.0f} ms "
                     f"| {min(row['seconds']) * 1e3:,.0f} ms | {row['idle']:.0f} | {row['peak']:.0f} "
                     f"| {row['peak'] - row['idle']:.0f} |")
    above = (whole["peak"] - whole["idle"]) / max(1.0, stream["peak"] - stream["idle"])
    lines += ["", f"The stream path peaks {above:.0f}× lower above the idle process than the old one, at "
                  f"{statistics.median(stream['seconds']) / statistics.median(whole['seconds']):.2f}× its median time."]
    return "\n".join(lines)


def main() -> None:
    """Run the benchmark (or, with ``--child``, one variant of it) and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--record", action="store_true", help="write the results into bench/README.md")
    parser.add_argument("--child", choices=sorted(VARIANTS), help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    parser.add_argument("--archive-id", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.api_url, args.archive_id, args.repeat)
        return

    from bot.sandbox.emulator import SANDBOX_ADMIN_TOKEN
    from bot.sandbox.generator import generate_archive

    raw = generate_archive(seed=7, **SPEC)
    archive_id = raw["archiveId"]
    with tempfile.TemporaryDirectory(prefix="recap-bench-") as tmp:
        (Path(tmp) / "archives").mkdir()
        (Path(tmp) / "archives" / f"{archive_id}.json").write_text(json.dumps(raw), encoding="utf-8")
        del raw
        with emulator_process(Path(tmp)) as api_url:
            warm = requests.get(f"{api_url}recordingReport/meetingArchives/{archive_id}", timeout=120,
                                headers={"Authorization": f"Bearer {SANDBOX_ADMIN_TOKEN}"})
            warm.raise_for_status()
            size = len(warm.content)
            del warm
            rows = {name: run_child(name, api_url, archive_id, args.repeat) for name in VARIANTS}
    counts = {json.dumps(row["counts"], sort_keys=True) for row in rows.values()}
    if len(counts) != 1:
        raise SystemExit(f"the variants disagree on what the archive holds: {counts}")
    text = report(size, args.repeat, rows)
    print(text)
    if args.record:
        record("fetch_archive", "## Fetching and parsing a large archive (`bench/fetch_archive.py`)\n\n" + text
               + "\n\n" + NOTES)


NOTES = """`python bench/fetch_archive.py --record` wrote this section (`--repeat 5` by default; about a minute).
The peak is the kernel's `VmHWM`, read in a fresh process per variant, so one variant's garbage does not
raise the next one's peak. The figures this section showed before came from `tracemalloc` on a 12 MiB
archive; tracemalloc charges orjson with a large read buffer it reserves but mostly never touches (issue 10
quotes 189 MiB), so it measured the wrong thing, on a smaller archive than the one that matters.

The old path holds the whole body (requests), orjson's decoded dicts and lists, and the typed records beside
them (`Archive.raw` keeps the decoded JSON). The stream path holds one 64 KiB read, one item's dict and its
record at a time; what it adds to the idle process is the parser and the largest item, a poll with its voters.
Collecting every record into an `Archive` (the third row) shows what the records alone weigh, most of it
the 300,000 poll voters: the reason a digest keeps counts rather than records. The stream path's time goes
to building each item's dict from ijson's events in Python, then to the same `bot.meetings.parse` functions
as the old path. The cyclic garbage collector is paused while an archive is parsed
(`bot.meetings.events.gc_paused`): the parse makes no reference cycles, and without the pause the collector
rescanned the heap so often that the same parse took about 1.6 times the CPU time."""


if __name__ == "__main__":
    main()
