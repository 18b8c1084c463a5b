"""Recap against the script an admin would otherwise write: same job, side by side, each in a fresh process.

The job: fetch the largest generated archive (2,000 people, 10,000 chats, 50 polls, 1,000 questions) and
the meeting's 10,000 post-meeting chats, make one summary card, post it. The naive script is what the
Webex docs suggest: ``requests`` for the archive and for each chat page in a loop, ``.json()``, counts in
Python, one Jinja template, webexpythonsdk to post. Recap does it its way: the archive streamed into a
digest, the chat pages fetched in a bounded window, the summary card rendered from the digest. The
emulator runs in its own process on loopback with ``--latency-ms`` added to every call.

    python bench/naive_script.py [--repeat 3] [--latency-ms 50] [--record]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

import requests
from bench_common import ROOT, clean_env, emulator_process, machine, peak_mib, record

SPEC = {"participants": 2000, "chats": 10000, "polls": 50, "questions": 1000}
MEETING = "0ed74a2f0c7d4f1d9d7b3c7e1c0a1b2c_I_900000000000000001"
CHATS = 10_000
NAMES = {"naive": "naive script (requests + `.json()` + Jinja + webexpythonsdk)",
         "recap-unpaced": "Recap, unpaced (`RECAP_WEBEX_RATE=0`, like the script)",
         "recap": "Recap, paced at 300 requests/min per token (its default)"}
TEMPLATE = """{"type": "AdaptiveCard", "version": "1.3", "body": [
 {"type": "TextBlock", "text": {{ title|tojson }}, "weight": "Bolder", "size": "Large", "wrap": true},
 {"type": "FactSet", "facts": [
  {"title": "People", "value": "{{ people }}"}, {"title": "Polls", "value": "{{ polls }}"},
  {"title": "Questions", "value": "{{ questions }} ({{ answered }} answered)"},
  {"title": "Chat messages", "value": "{{ chats }}"}]}]}"""


def naive(api_url: str, archive_id: str) -> int:
    """The script people write: whole answers, ``.json()``, a loop over chat pages, one template."""
    import jinja2
    from webexpythonsdk import WebexAPI

    from bot.sandbox.emulator import ADMIN_EMAIL, SANDBOX_ADMIN_TOKEN, SANDBOX_BOT_TOKEN, SANDBOX_COMPLIANCE_TOKEN

    admin = {"Authorization": f"Bearer {SANDBOX_ADMIN_TOKEN}"}
    archive = requests.get(f"{api_url}recordingReport/meetingArchives/{archive_id}", headers=admin, timeout=300).json()
    chats, offset = [], 0
    while True:
        page = requests.get(f"{api_url}meetings/postMeetingChats", timeout=60,
                            headers={"Authorization": f"Bearer {SANDBOX_COMPLIANCE_TOKEN}"},
                            params={"meetingId": MEETING, "max": 100, "offset": offset}).json()["items"]
        chats.extend(page)
        if len(page) < 100:
            break
        offset += 100
    people = {p.get("email") or p.get("displayName") for p in archive["participants"]}
    card = json.loads(jinja2.Template(TEMPLATE).render(
        title=archive["title"], people=len(people), polls=len(archive["polls"]), questions=len(archive["qas"]),
        answered=sum(1 for q in archive["qas"] if q.get("answers")), chats=len(chats)))
    api = WebexAPI(access_token=SANDBOX_BOT_TOKEN, base_url=api_url)
    api.messages.create(toPersonEmail=ADMIN_EMAIL, markdown=f"Recap of {archive['title']}",
                        attachments=[{"contentType": "application/vnd.microsoft.card.adaptive", "content": card}])
    return len(chats)


def recap(api_url: str, archive_id: str, *, paced: bool = True) -> int:
    """Recap's way: the archive streamed into its digest, the chat pages in a window, the card from the digest.

    ``paced`` keeps Recap's default budget of 300 requests a minute per token (``RECAP_WEBEX_RATE``), as it
    runs against real Webex; unpaced it is measured like for like with the script, which has none.
    """
    from bot.cards import render_view
    from bot.config import Secret, Settings
    from bot.digest import fetch_digest
    from bot.meetings import list_meeting_chats
    from bot.sandbox.emulator import ADMIN_EMAIL, SANDBOX_ADMIN_TOKEN, SANDBOX_BOT_TOKEN, SANDBOX_COMPLIANCE_TOKEN
    from bot.webex import WebexClients

    settings = Settings(bot_token=Secret(SANDBOX_BOT_TOKEN), admin_token=Secret(SANDBOX_ADMIN_TOKEN),
                        compliance_token=Secret(SANDBOX_COMPLIANCE_TOKEN), webhook_secret=Secret("bench-secret"),
                        api_url=api_url, http_timeout=300, webex_rate=300.0 if paced else 0.0)
    clients = WebexClients(settings)
    digest = fetch_digest(clients.admin, archive_id)
    chats = list(list_meeting_chats(clients.compliance, MEETING))
    card = render_view("summary", digest, audience="direct", timezone="UTC", chats=chats)
    clients.messaging().api.messages.create(toPersonEmail=ADMIN_EMAIL, markdown=card.markdown, attachments=[
        {"contentType": "application/vnd.microsoft.card.adaptive", "content": card.content}])
    return len(chats)


def child(variant: str, api_url: str, archive_id: str, repeat: int) -> None:
    """One variant in this (fresh) process; prints its figures as JSON."""
    job = {"naive": naive, "recap": recap, "recap-unpaced": partial(recap, paced=False)}[variant]
    import bot.cards  # noqa: F401 - both pay the same imports before the idle reading
    idle, seconds, cpu = peak_mib("VmHWM"), [], []
    for _ in range(repeat):
        started, used = time.perf_counter(), time.process_time()
        chats = job(api_url, archive_id)
        seconds.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    print(json.dumps({"idle": idle, "peak": peak_mib("VmHWM"), "seconds": seconds, "cpu": cpu, "chats": chats}))


def run_child(variant: str, api_url: str, archive_id: str, repeat: int) -> dict:
    """Run one variant in a fresh interpreter and return its figures."""
    done = subprocess.run([sys.executable, __file__, "--child", variant, "--api-url", api_url,
                           "--archive-id", archive_id, "--repeat", str(repeat)],
                          env=clean_env(), cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{variant} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(rows: dict[str, dict], repeat: int, latency_ms: int) -> str:
    """The Markdown section."""
    lines = [f"Measured {machine()}; the emulator (its own process, loopback) adds {latency_ms} ms to every call; "
             f"`--repeat {repeat}`, each variant in a fresh process. Job: the largest archive + {CHATS:,} "
             "post-meeting chats + one summary card posted.", "",
             "| variant | median wall | median CPU | VmHWM idle MiB | VmHWM peak MiB |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for name, row in rows.items():
        lines.append(f"| {NAMES[name]} | {statistics.median(row['seconds']) * 1e3:,.0f} ms | "
                     f"{statistics.median(row['cpu']) * 1e3:,.0f} ms | {row['idle']:.0f} | {row['peak']:.0f} |")
    naive_row = rows["naive"]
    for name in ("recap-unpaced", "recap"):
        speed = statistics.median(naive_row["seconds"]) / statistics.median(rows[name]["seconds"])
        memory = naive_row["peak"] / rows[name]["peak"]
        lines.append(f"\n{NAMES[name]}: {speed:.2f}× the naive script's speed (wall), {memory:.1f}× less peak memory.")
    lines.append("\nGoal: faster, with at least 3× less peak memory (like for like: the unpaced row).")
    return "\n".join(lines)


def main() -> None:
    """Run both variants against one emulator process and print (or record) the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--record", action="store_true", help="write the results into bench/README.md")
    parser.add_argument("--child", choices=list(NAMES), help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    parser.add_argument("--archive-id", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.api_url, args.archive_id, args.repeat)
        return
    from bot.sandbox.generator import generate_archive, generate_meeting_chats

    raw = generate_archive(seed=7, **SPEC)
    archive_id = raw["archiveId"]
    with tempfile.TemporaryDirectory(prefix="recap-bench-") as tmp:
        for folder, name, data in (("archives", archive_id, raw), ("chats", MEETING,
                                                                    generate_meeting_chats(MEETING, CHATS, seed=3))):
            (Path(tmp) / folder).mkdir()
            (Path(tmp) / folder / f"{name}.json").write_text(json.dumps(data), encoding="utf-8")
        del raw
        with emulator_process(Path(tmp), latency_ms=args.latency_ms) as api_url:
            rows = {variant: run_child(variant, api_url, archive_id, args.repeat) for variant in NAMES}
    text = report(rows, args.repeat, args.latency_ms)
    print(text)
    if args.record:
        record("naive_script", "## Recap against a naive script (`bench/naive_script.py`)\n\n" + text)


if __name__ == "__main__":
    main()
