"""A card button on the largest archive against the same button on the 3-person documented example.

Both archives' summary cards are posted once (the first command fetches each archive and stores its
digest); then the "Polls" button of each card is pressed, alternately, one at a time, and timed from
the press to the reply posted. The bot runs as ``recap serve`` on SQLite against the emulator in this
process. The goal (issue "Large meetings"): the largest archive's button within 3× the small one's.

    python bench/button_ratio.py [--samples 20] [--latency-ms 0] [--record]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import requests
from bench_common import machine, percentile, record, stop
from round_trip import ARCHIVE, ReplyClock, register_webhooks, sample, start_bot

from bot.sandbox.emulator import ADMIN_EMAIL, BOT_EMAIL, SANDBOX_BOT_TOKEN, create_emulator
from bot.sandbox.generator import generate_archive
from bot.sandbox.server import serve_in_thread

SPEC = {"participants": 2000, "chats": 10000, "polls": 50, "questions": 1000}
GOAL = 3.0


def summary_card(state, clock: ReplyClock, room: str, archive_id: str) -> tuple[str, str]:
    """Ask for the summary; (the command's id, the card's id)."""
    since = len(clock.posted)
    root = state.post_as(ADMIN_EMAIL, room, f"summary {archive_id}")["id"]
    clock.wait(since, root, timeout=300)
    card = next(m["id"] for m in list(state.messages.values())
                if m.get("parentId") == root and m["personEmail"] == BOT_EMAIL)
    return root, card


def run(server, state, clock: ReplyClock, folder: Path, archives: dict[str, str], samples: int) -> dict:
    """Seconds per button press, per archive."""
    processes, base = start_bot("serve", server.api_url, folder)
    hooks = register_webhooks(server.api_url, base)
    room = state.direct_room(ADMIN_EMAIL, BOT_EMAIL)["id"]
    try:
        cards = {name: summary_card(state, clock, room, archive_id) for name, archive_id in archives.items()}
        times: dict[str, list[float]] = {name: [] for name in archives}
        for _ in range(samples + 1):
            for name, (root, card) in cards.items():
                def press(root=root, card=card):
                    state.submit_card(ADMIN_EMAIL, card, {}, action_title="Polls")
                    return root
                times[name].append(sample(state, clock, press)[0])
        return {name: values[1:] for name, values in times.items()}  # the first press of each warms up
    finally:
        for hook in hooks:
            requests.delete(server.api_url + f"webhooks/{hook}", headers={
                "Authorization": f"Bearer {SANDBOX_BOT_TOKEN}"}, timeout=30)
        for process in processes:
            stop(process)


def report(times: dict, latency_ms: int, samples: int) -> str:
    """Markdown: p50 and p95 per archive, and the ratio of the p50s."""
    lines = [f"Measured {machine()}; `recap serve` on SQLite; the emulator adds {latency_ms} ms to every Webex call; "
             f"{samples} presses of each card's “Polls” button, alternately, one at a time.", "",
             "| archive | p50 | p95 | max |", "| --- | ---: | ---: | ---: |"]
    for name, values in times.items():
        ms = [t * 1000 for t in values]
        lines.append(f"| {name} | {percentile(ms, 0.5):.0f} ms | {percentile(ms, 0.95):.0f} ms | {max(ms):.0f} ms |")
    small, large = (percentile([t * 1000 for t in v], 0.5) for v in times.values())
    ratio = large / small
    verdict = "within" if ratio <= GOAL else "OVER"
    lines += ["", f"Ratio of the p50s: {ratio:.2f}×, {verdict} the {GOAL:g}× goal."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--record", action="store_true", help="write the results into bench/README.md")
    args = parser.parse_args()
    app = create_emulator(latency_ms=args.latency_ms)
    state, clock = app.extensions["webex_emulator"], ReplyClock(app)
    large = generate_archive(seed=7, **SPEC)
    state.add_archive(large)
    archives = {"documented example (3 people)": ARCHIVE,
                "largest (2,000 people, 10,000 chats, 50 polls, 1,000 questions)": large["archiveId"]}
    with serve_in_thread(app) as server, tempfile.TemporaryDirectory(prefix="recap-bench-") as tmp:
        times = run(server, state, clock, Path(tmp), archives, args.samples)
    text = report(times, args.latency_ms, args.samples)
    print(text)
    if args.record:
        record("button_ratio", "## A button on a large meeting (`bench/button_ratio.py`)\n\n" + text + "\n\n"
               "`python bench/button_ratio.py --record` wrote this section. A button reads the card action, the "
               "card's message and the person (three bot calls), then the meeting's stored digest (the row is read "
               "every time; its decoded form is kept for the last four meetings a process served), renders the view "
               "and posts it: the archive is not fetched again, so the large meeting costs only its bigger card. "
               "Before digests, every button fetched and parsed the whole archive again (47 MiB here).")


if __name__ == "__main__":
    main()
