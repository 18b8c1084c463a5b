"""The storm of the multi-process fault test: what people do, the webhooks it sets off, copies, and faults.

A ``Trigger`` is one thing a person does in the emulator that Webex would announce by webhook: a typed
command (its message), a card button (its attachment action) or a meeting ending (its instance). The
emulator stores it and delivers the signed webhook to the registered target (web process A or B).
``Storm.replay`` then sends a copy, or two, of a fifth of those deliveries, signed again, to either web
process, as Webex does when it is not sure a delivery arrived. ``Faults`` keeps the emulator answering
some calls with 429 (``Retry-After`` 1–2 s) and some reads with 503 while the storm lasts; ``report``
prints the counts of a run.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests

# Reads only: a 503 on POST /messages would leave a post's outcome unknown, which automatic recaps settle as
# "at most once" in group spaces (README); 429 (refused, nothing posted) goes to every path.
READ_PATHS = ("messages/", "people/", "attachment/actions/", "recordingReport/", "meetings/")
VIEWS = ("summary", "attendance", "polls", "qa")


@dataclass
class Trigger:
    """One act of a person (or a meeting ending) and what the bot should do about it."""

    kind: str  # "command" | "action" | "meeting"
    room_id: str | None
    person: str | None
    text: str = ""  # the typed command, or the card action's view
    archive: str | None = None
    host: str | None = None
    card_id: str | None = None
    copies: int = 0  # extra deliveries of its webhook
    data_id: str = ""  # the webhook's data.id: message, attachment action or meeting instance
    thread: str = ""  # the bot's answer carries this parentId (commands and buttons)


@dataclass
class Storm:
    """Sends triggers through the emulator's control endpoints and copies of their webhooks to the web processes."""

    emulator_url: str
    web_urls: list[str]
    secret: str
    rng: random.Random
    copies_sent: Counter = field(default_factory=Counter)  # (web url, answer status) → count
    replayed: set = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def act(self, trigger: Trigger) -> None:
        """Do it in the emulator (the emulator delivers the webhook)."""
        base = self.emulator_url + "/_emulator/"
        if trigger.kind == "command":
            body = {"personEmail": trigger.person, "roomId": trigger.room_id, "text": trigger.text}
            trigger.data_id = trigger.thread = _post(base + "messages", body)["id"]
        elif trigger.kind == "action":
            body = {"personEmail": trigger.person, "messageId": trigger.card_id,
                    "inputs": {"action": trigger.text, "archiveId": trigger.archive}}
            trigger.data_id, trigger.thread = _post(base + "actions", body)["id"], trigger.card_id
        else:
            meeting = _post(base + "meetings/end", {"hostEmail": trigger.host, "title": trigger.text,
                                                    "participants": 8, "chats": 12})
            trigger.data_id = meeting["id"]

    def act_all(self, triggers: list[Trigger], pool: ThreadPoolExecutor) -> None:
        """Do several at once (a burst), waiting until the emulator stored them all."""
        list(pool.map(self.act, triggers))

    def replay(self, triggers: list[Trigger], pool: ThreadPoolExecutor) -> int:
        """Send the copies of every delivered trigger's webhook not copied yet; how many triggers were copied."""
        wanted = {t.data_id: t for t in triggers if t.copies and t.data_id and t.data_id not in self.replayed}
        if not wanted:
            return 0
        delivered = requests.get(self.emulator_url + "/_emulator/deliveries", timeout=30).json()
        jobs = []
        for delivery in delivered:
            trigger = wanted.pop(delivery["body"]["data"]["id"], None)
            if trigger is None or delivery["status"] is None:
                continue
            self.replayed.add(trigger.data_id)
            jobs += [delivery["body"]] * trigger.copies
        list(pool.map(self._send_copy, jobs))
        return len(self.replayed)

    def _send_copy(self, envelope: dict) -> None:
        body = json.dumps(envelope).encode()
        signature = hmac.new(self.secret.encode(), body, hashlib.sha1).hexdigest()
        target = self.rng.choice(self.web_urls)
        answer = requests.post(target + "/webhooks/webex", data=body, timeout=30,
                               headers={"Content-Type": "application/json", "X-Spark-Signature": signature})
        with self.lock:
            self.copies_sent[(target, answer.status_code)] += 1


class Faults:
    """While running, one call in ``every_429`` answers 429 (any call) and one read in about ``every_503`` answers 503.

    Faults go through the emulator's own switch (``POST /_emulator/faults``, one at a time, each used by the
    next matching call); a new one is injected once the last was used and enough calls went by, so the
    rate follows the traffic rather than the clock.
    """

    def __init__(self, emulator_url: str, rng: random.Random, *, every_429: int = 30, every_503: int = 45):
        self.base, self.rng = emulator_url, rng
        self.every = {429: every_429, 503: every_503}
        self.injected = Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="faults", daemon=True)

    def __enter__(self) -> Faults:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(10)
        requests.delete(self.base + "/_emulator/faults", timeout=30)  # nothing left over for the drain

    def _run(self) -> None:
        last = {429: 0, 503: 0}
        while not self._stop.wait(0.02):
            stats = requests.get(self.base + "/_world/stats", timeout=30).json()
            for status, every in self.every.items():
                used = stats["statuses"].get(str(status), 0)
                if used >= self.injected[status] and stats["requests"] - last[status] >= every:
                    self._inject(status)
                    last[status] = stats["requests"]

    def _inject(self, status: int) -> None:
        fault = ({"status": 429, "count": 1, "retryAfter": self.rng.choice((1, 2))} if status == 429 else
                 {"status": 503, "count": 1, "pathPrefix": self.rng.choice(READ_PATHS)})
        _post(self.base + "/_emulator/faults", fault, json_answer=False)
        self.injected[status] += 1


def _post(url: str, body: dict, *, json_answer: bool = True):
    answer = requests.post(url, json=body, timeout=30)
    answer.raise_for_status()
    return answer.json() if json_answer else None


def plan_triggers(world: dict, rng: random.Random, *, meetings_per_host: int) -> list[Trigger]:
    """The storm: data commands (one archive each), refusals, help, listings, buttons, meetings ending; shuffled."""
    spaces = world["groups"] + world["directs"]
    archives = iter(world["archives"])
    triggers = []

    def command(space: dict, words: str, *, person: str | None = None, archive: str | None = None) -> Trigger:
        mention = "@Recap " if space["type"] == "group" else ""
        return Trigger("command", space["id"], person or space["person"], mention + words, archive=archive)

    for n in range(90):
        space, archive, view = spaces[n % len(spaces)], next(archives), VIEWS[n % len(VIEWS)]
        person = "admin@example.com" if space["type"] == "group" and n % 2 else None
        triggers.append(command(space, f"{view} {archive}", person=person, archive=archive))
    for n, space in enumerate(world["groups"][:8]):
        archive = world["archives"][n]
        triggers.append(command(space, f"summary {archive}", person=world["guest"], archive=archive))  # refused
    triggers += [command(spaces[n % len(spaces)], "help") for n in range(24)]
    triggers += [command(spaces[n % len(spaces)], "subscriptions") for n in range(3, 15)]
    triggers += [command(spaces[n], "archives") for n in range(16, 24)]
    for n, card in enumerate(world["cards"]):
        triggers.append(Trigger("action", card["roomId"], card["person"], VIEWS[n % len(VIEWS)],
                                archive=next(archives), card_id=card["id"]))
    for host in world["hosts"]:
        triggers += [Trigger("meeting", None, None, f"Storm meeting {host[:6]} {n}", host=host)
                     for n in range(meetings_per_host)]
    rng.shuffle(triggers)
    for trigger in triggers:
        if rng.random() < 0.2:
            trigger.copies = rng.choice((1, 2))
    return triggers


def report(outcome: dict, storm: Storm, faults: Faults, run: dict, elapsed: float) -> str:
    """The counts, for the CI log."""
    copies = Counter(status for (_, status) in storm.copies_sent.elements())
    by_web = Counter(url for (url, _) in storm.copies_sent.elements())
    return "\n".join([
        "", "== multi-process fault test (2 gunicorn web × 2 workers, 2 recap workers × 4 threads; PostgreSQL, Redis)",
        f"commands and buttons: {outcome['asked']} asked, {outcome['answered']} answers "
        f"({outcome['interrupted']} interrupted while posting: {outcome['answered_again']} found unanswered in "
        f"their 1:1 space and answered again, {outcome['uncertain']} in a space that cannot be read back)",
        f"webhooks: {sum(outcome['originals'])} delivered by the emulator, all 202, by web process "
        f"{outcome['originals']}; {sum(copies.values())} copies of {len(storm.replayed)} of them, by answer "
        f"{dict(copies)}, by web process {sorted(by_web.values())}",
        f"recaps: {outcome['meetings']} meetings ended ({outcome['unfollowed_meetings']} of an unfollowed host), "
        f"{outcome['recaps_expected']} expected, {outcome['recaps_posted']} posted, "
        f"{outcome['recaps_unknown']} unknown",
        f"faults injected: {dict(faults.injected)}; emulator answered {outcome['requests']} calls, "
        f"by status {dict(sorted(outcome['statuses'].items()))}",
        f"worker SIGKILLed while running {len(run['killed'])} job(s) ({Counter(j.task for j in run['killed'])}); "
        f"job sweep re-queued {len(run['redriven'])} ({Counter(j.task for j in run['redriven'])}) "
        f"and the workers' periodic sweep {len(run['swept_by_workers'])} "
        f"({Counter(task for _, task, _ in run['swept_by_workers'])}), recap sweep re-queued {run['recap_requeued']}",
        f"audit: {outcome['audit_lines']} lines; {outcome['data_commands']} data commands, "
        f"{outcome['ok_fetch_lines']} ok lines for {outcome['fetches_200']} archive fetches; "
        f"{outcome['refusals']} refusals; {outcome['recap_post_lines']} recap posts audited",
        f"drained in {run['drain_seconds']:.1f} s: queue 0, schedule 0, job ledger 0, deliveries waiting/claimed 0",
        f"elapsed {elapsed:.1f} s", ""])
