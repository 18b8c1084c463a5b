"""Many processes, many faults: nothing lost, nothing posted twice (run alone with ``pytest -m multiprocess``).

The Procfile's layout twice over, on PostgreSQL (a fresh schema) and Redis (a fresh queue name): two
gunicorn web processes (two workers each, no load balancer: the emulator's webhooks go to one or the
other by resource and space type, copies to either) and two ``recap worker`` processes (four threads
each). The emulator runs as its own process (``tests.support.fault_world``), adds 20 ms to every call
and, during the storm, answers some calls with 429 (``Retry-After`` 1–2 s) and some reads with 503.

The storm (``tests.support.storm``): twelve spaces subscribe to six hosts' meetings, then a few hundred
webhooks — typed commands from 32 spaces (each data command on an archive of its own), commands refused
to a guest, card buttons, and meetings ending for subscribed hosts and for one nobody follows — a fifth
of them delivered two or three times. One worker is killed with SIGKILL mid-storm and started again.
The sweeps of the job ledger and of the recap ledger run every second during the drain (in production
they are periodic jobs: every minute and every five minutes); leases are short here (RECAP_JOB_LEASE=3,
RECAP_HTTP_TIMEOUT=5) so the drain takes seconds, not minutes.

Afterwards: every command and button answered exactly once (bot replies counted by ``parentId``), except
one whose worker died after it began posting in a space the bot cannot read back (a group space), which
may have 0 or 1 answers and is audited ``interrupted`` / ``unknown`` (in a 1:1 space the bot looks for
its answer and answers again when it is absent); every meeting of a subscribed host recapped exactly
once in each subscribed space (the ``Automatic recap · meeting <id>`` marker), an ``unknown`` ledger row
allowing at most one; nothing for the unsubscribed host; the queue, its schedule, the job ledger and the
recap ledger drained; the audit log complete (each data command audited; every successful archive fetch
has its ``ok`` line, except one a killed worker made and never showed). The counts are printed.
"""

from __future__ import annotations

import random
import re
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from bot.config import Settings
from bot.jobs import RetryPolicy, create_jobs, subject
from bot.recaps import marker, sweep
from bot.sandbox.emulator import BOT_EMAIL, SANDBOX_ADMIN_TOKEN, SANDBOX_BOT_TOKEN
from tests.support.backends import postgres_database, redis_queue
from tests.support.processes import Processes, child_env, healthy, wait_until
from tests.support.storm import Faults, Storm, Trigger, plan_triggers, report

pytestmark = [pytest.mark.multiprocess, pytest.mark.slow]
SECRET = "storm-webhook-secret"
PLAN = {"groups": 16, "directs": 16, "hosts": 7, "archives": 150, "cards": 60}
SUBSCRIBED = 6  # hosts 0–5 have two subscribed spaces each (a group and a 1:1); host 6 has none
MEETINGS_PER_HOST = 4
WAVES, KILL_AFTER_WAVE = 7, 3
DRAIN_LIMIT = 240.0  # a drain takes 5–20 s; the longest retry chain (backoff, growing looks) fits well


@pytest.fixture
def servers():
    """A fresh PostgreSQL schema and a fresh Redis queue name: (DATABASE_URL, QUEUE_URL)."""
    with postgres_database() as database_url, redis_queue() as queue:
        joiner = "&" if "?" in queue.url else "?"
        yield database_url, f"{queue.url}{joiner}queue={queue.name}"


def bot_env(api_url: str, database_url: str, queue_url: str) -> dict:
    """The environment of every web and worker process."""
    return child_env(WEBEX_BOT_TOKEN=SANDBOX_BOT_TOKEN, WEBEX_ADMIN_TOKEN=SANDBOX_ADMIN_TOKEN,
                     WEBEX_WEBHOOK_SECRET=SECRET, WEBEX_API_URL=api_url, RECAP_ADMINS="@example.com",
                     DATABASE_URL=database_url, QUEUE_URL=queue_url, RECAP_RECAP_DELAY="0",
                     RECAP_RECAP_DEADLINE="600", RECAP_HTTP_TIMEOUT="5", RECAP_JOB_LEASE="3",
                     # This emulator has no rate limit (its 429s are injected faults); pacing is tested across
                     # processes in test_pacing.py. Unpaced, the storm drains in seconds, as it did before pacing.
                     RECAP_WEBEX_RATE="0")


def register_webhooks(api_url: str, web_a: str, web_b: str) -> None:
    """1:1 messages and meetings to A, group messages and card buttons to B (as ``recap webhooks sync`` would)."""
    hooks = [(SANDBOX_BOT_TOKEN, web_a, "messages", "created", {"filter": "roomType=direct"}),
             (SANDBOX_BOT_TOKEN, web_b, "messages", "created", {"filter": "roomType=group"}),
             (SANDBOX_BOT_TOKEN, web_b, "attachmentActions", "created", {}),
             (SANDBOX_ADMIN_TOKEN, web_a, "meetings", "ended", {"ownedBy": "org"})]
    for token, base, resource, event, extra in hooks:
        requests.post(api_url + "webhooks", headers={"Authorization": f"Bearer {token}"}, timeout=30,
                      json={"name": f"storm {resource}", "targetUrl": base + "/webhooks/webex", "resource": resource,
                            "event": event, "secret": SECRET, **extra}).raise_for_status()


def subscriptions(world: dict) -> list[Trigger]:
    """Group space n and 1:1 space n subscribe to host n's meetings (n < SUBSCRIBED)."""
    found = []
    for n in range(SUBSCRIBED):
        for space in (world["groups"][n], world["directs"][n]):
            mention = "@Recap " if space["type"] == "group" else ""
            words = f"{mention}subscribe host {world['hosts'][n]}"
            found.append(Trigger("command", space["id"], space["person"], words))
    return found


def test_a_storm_with_faults_and_a_killed_worker_loses_nothing_and_posts_nothing_twice(servers, tmp_path, capsys):
    database_url, queue_url = servers
    started = time.monotonic()
    rng = random.Random(20261121)
    with Processes(tmp_path) as procs, ThreadPoolExecutor(8) as pool:
        _, emulator_url, world = procs.emulator(PLAN, latency_ms=20)
        env = bot_env(emulator_url + "/v1/", database_url, queue_url)
        (_, url_a), (_, url_b) = procs.web("web-a", env), procs.web("web-b", env)
        workers = [procs.worker(f"worker-{n}", env, threads=4) for n in (1, 2)]
        wait_until(lambda: healthy(url_a) and healthy(url_b), 60, what="both web processes healthy")
        register_webhooks(emulator_url + "/v1/", url_a, url_b)
        jobs = create_jobs(Settings.from_env(env, env_file=None))  # the test's view of the queue and the ledgers
        store = jobs.services.store
        storm = Storm(emulator_url, [url_a, url_b], SECRET, rng)
        subscribers = subscriptions(world)
        triggers = plan_triggers(world, rng, meetings_per_host=MEETINGS_PER_HOST)
        run = {"redriven": [], "recap_requeued": 0}
        try:
            with Faults(emulator_url, rng) as faults:
                storm.act_all(subscribers, pool)
                wait_until(lambda: all(store.subscriptions(t.room_id) for t in subscribers), 60,
                           what="twelve subscriptions stored")
                waves = [triggers[n::WAVES] for n in range(WAVES)]
                for number, wave in enumerate(waves, 1):
                    storm.act_all(wave, pool)
                    storm.replay(subscribers + triggers, pool)
                    if number == KILL_AFTER_WAVE:
                        run["killed"] = kill_mid_job(store, workers[0])
                        workers[0] = procs.worker("worker-1-restarted", env, threads=4)
                    time.sleep(0.8)
            drain(jobs, storm, subscribers + triggers, pool, run)
            run["swept_by_workers"] = swept_by_workers(procs)
            outcome = check(jobs, storm, world, subscribers, triggers, faults, run)
        except AssertionError as failure:
            raise AssertionError(f"{failure}\n{procs.stacks_and_logs()}") from None
        finally:
            jobs.services.store.engine.dispose()
    with capsys.disabled():
        print(report(outcome, storm, faults, run, time.monotonic() - started))


def held_by(store, pid: int) -> list:
    """The ledger rows of the jobs process ``pid`` is running."""
    return [job for job in store.job_ledger.jobs() if job.state == "running" and job.holder.endswith(f":{pid}")]


def kill_mid_job(store, worker) -> list:
    """SIGKILL the worker while it runs jobs; the rows it left running (they die with it)."""
    wait_until(lambda: held_by(store, worker.pid), 20, step=0.005, what="the worker running a job")
    worker.kill()
    return held_by(store, worker.pid)


SWEPT = re.compile(r"job (\w+) \((\w+), attempt \d+, about ([^,)]+)\) was .*; queued again")


def swept_by_workers(procs: Processes) -> list[tuple[str, str, str]]:
    """(job id, task, subject) of every job the workers' own periodic sweep queued again (from their logs)."""
    return [match.groups() for child in procs.children if child.name.startswith("worker")
            for match in SWEPT.finditer(child.log.read_text(errors="replace"))]


def drain(jobs, storm: Storm, triggers: list[Trigger], pool, run: dict) -> None:
    """Run both sweeps every second (as their periodic jobs would, sooner) until nothing is left to do."""
    def settled() -> bool:
        run["redriven"] += jobs.sweep_jobs()
        run["recap_requeued"] += sweep(jobs.context_for({}))
        storm.replay(triggers, pool)
        store = jobs.services.store
        left = {"job ledger": [f"{j.task} {j.state} attempt {j.attempt} due {j.due_at:%H:%M:%S} about "
                               f"{subject(j.payload)} held by {j.holder}" for j in store.job_ledger.jobs()],
                "queue": [f"{j.task} attempt {j.attempt}" for j in jobs.pending()],
                "schedule": [f"{j.task} attempt {j.attempt} at {j.eta}" for j in jobs.scheduled()],
                "recap ledger": store.deliveries(states=("waiting", "claimed")),
                "triggers whose copies are not sent": [t for t in triggers if t.copies and t.data_id not in
                                                       storm.replayed]}
        run["left"] = {name: value for name, value in left.items() if value}
        return not run["left"]
    began = time.monotonic()
    try:
        wait_until(settled, DRAIN_LIMIT, step=1.0, what="the queue, the schedule and both ledgers drained")
    except AssertionError as failure:
        raise AssertionError(f"{failure} (at {time.strftime('%H:%M:%S')}); still there: {run['left']}") from None
    run["drain_seconds"] = time.monotonic() - began


def check(jobs, storm: Storm, world: dict, subscribers, triggers, faults, run: dict) -> dict:
    """Every assertion of the test; the counts for the report."""
    store = jobs.services.store
    messages = requests.get(storm.emulator_url + "/_world/messages", timeout=30).json()
    stats = requests.get(storm.emulator_url + "/_world/stats", timeout=30).json()
    ours = {t.data_id for t in subscribers + triggers}
    originals = Counter((d["target_url"].split("/webhooks")[0], d["status"]) for d in
                        requests.get(storm.emulator_url + "/_emulator/deliveries", timeout=30).json()
                        if d["body"]["data"]["id"] in ours)
    assert set(status for _, status in originals) == {202}, originals  # each one accepted and queued, once
    audit = store.audit_log()
    bot = [m for m in messages if m["personEmail"] == BOT_EMAIL]
    cards = {card["id"] for card in world["cards"]}
    replies = Counter(m["parentId"] for m in bot if m["parentId"])
    interrupted = {i for line in audit if line.command == "interrupted" for i in line.ids}
    uncertain = {i for line in audit if line.command == "interrupted" and line.outcome.startswith("unknown")
                 for i in line.ids}  # a group space, which a bot cannot read back: at most once
    asked = [t for t in subscribers + triggers if t.kind != "meeting"]
    for trigger in asked:
        allowed = (0, 1) if trigger.data_id in uncertain else (1,)
        assert replies[trigger.thread] in allowed, (trigger, replies[trigger.thread])
    threads = {t.thread for t in asked}
    strays = [m for m in bot if m["id"] not in cards and m["parentId"] not in threads
              and "Automatic recap" not in (m["markdown"] or "")]
    assert strays == [], strays  # nothing posted that nobody asked for

    recaps = check_recaps(store, world, triggers, bot)
    audited = check_audit(audit, triggers, stats, run, interrupted)
    return {"answered": sum(replies[t.thread] for t in asked), "asked": len(asked), "interrupted": len(interrupted),
            "uncertain": len(uncertain), "answered_again": sum(1 for line in audit if line.command == "interrupted"
                                                                and line.outcome.startswith("retried")),
            **recaps, **audited, "requests": stats["requests"], "statuses": stats["statuses"],
            "originals": sorted(originals.values())}


def check_recaps(store, world: dict, triggers: list[Trigger], bot: list[dict]) -> dict:
    """One recap per (meeting of a subscribed host, subscribed space); none for the host nobody follows."""
    spaces_of = {world["hosts"][n]: {world["groups"][n]["id"], world["directs"][n]["id"]} for n in range(SUBSCRIBED)}
    meetings = [t for t in triggers if t.kind == "meeting"]
    expected = {(t.data_id, room) for t in meetings for room in spaces_of.get(t.host, ())}
    rows = {(row.meeting_id, row.room_id): row for row in store.deliveries()}
    assert set(rows) == expected
    posted = Counter((m["roomId"], meeting.data_id) for m in bot for meeting in meetings
                     if marker(meeting.data_id) in (m["markdown"] or ""))
    for (meeting_id, room_id), row in rows.items():
        assert row.state in ("posted", "unknown"), row
        assert posted[(room_id, meeting_id)] == 1 or (row.state == "unknown" and posted[(room_id, meeting_id)] == 0)
    assert sum(posted.values()) == sum(1 for row in rows.values() if row.state == "posted") + sum(
        posted[(r.room_id, r.meeting_id)] for r in rows.values() if r.state == "unknown")
    return {"recaps_expected": len(expected), "recaps_posted": sum(posted.values()),
            "recaps_unknown": sum(1 for row in rows.values() if row.state == "unknown"),
            "meetings": len(meetings), "unfollowed_meetings": sum(1 for t in meetings if t.host not in spaces_of)}


def check_audit(audit, triggers: list[Trigger], stats: dict, run: dict, interrupted: set) -> dict:
    """Each data command audited; every successful archive fetch audited ``ok`` (bar the killed worker's).

    An archive is fetched once: its digest is stored, and a retried job (after a 429 on its post, say) reads the
    digest back, so it is audited ``ok`` again without a second fetch.
    """
    fetched = Counter()
    for key, count in stats["archive_fetches"].items():
        archive, status = key.rsplit(" ", 1)
        if status == "200":
            fetched[archive] += count
    ok = Counter(i for line in audit if line.outcome == "ok" for i in line.ids)
    failed = Counter(i for line in audit if line.outcome.startswith("error") for i in line.ids)
    # A sweep took the killed worker's jobs back: the test's own (every second) or a worker's periodic one.
    swept = {job.id: subject(job.payload) for job in run["redriven"]}
    swept.update({job_id: about for job_id, _, about in run["swept_by_workers"]})
    assert {job.id for job in run["killed"]} <= set(swept), (run["killed"], swept)
    redriven = set(swept.values()) | interrupted
    data = [t for t in triggers if t.archive and t.person != "guest@partner.test"]
    for trigger in data:
        slack = 1 if trigger.data_id in redriven else 0
        gave_up = failed[trigger.archive] >= RetryPolicy().max_attempts  # answered with an error card instead
        assert (ok[trigger.archive] >= 1 or gave_up) and (
            fetched[trigger.archive] <= min(ok[trigger.archive], 1) + slack), (
            trigger, ok[trigger.archive], fetched[trigger.archive])
    refused = Counter(i for line in audit if line.outcome.startswith("refused") for i in line.ids)
    guests = [t for t in triggers if t.person == "guest@partner.test"]
    assert [t for t in guests if refused[t.archive] < 1] == []
    rooms = Counter((line.command, line.room_id) for line in audit)
    assert [t for t in triggers if t.text.endswith("archives") and rooms[("archives", t.room_id)] < 1] == []
    posted = Counter(line.ids[0] + " " + (line.room_id or "") for line in audit
                     if line.command == "auto-recap" and line.outcome == "ok: posted")
    assert all(count == 1 for count in posted.values()), posted
    return {"audit_lines": len(audit), "data_commands": len(data), "refusals": len(guests),
            "ok_fetch_lines": sum(ok[t.archive] for t in data), "fetches_200": sum(fetched[t.archive] for t in data),
            "recap_post_lines": sum(posted.values())}
