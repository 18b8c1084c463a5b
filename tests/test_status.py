"""``recap status``: queue depth, the job ledger and the recap delivery ledger, for text and for monitors."""

from __future__ import annotations

import json
from datetime import timedelta

from click.testing import CliRunner

from bot.cli import main
from bot.cli.status import collect
from bot.config import Settings
from bot.jobs import create_jobs
from bot.storage import utcnow


def settings_for(tmp_path) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path / 'recap.db'}", queue_url=f"sqlite:///{tmp_path / 'q.db'}")


def test_an_idle_deployment_has_nothing_queued_or_overdue(tmp_path):
    found = collect(settings_for(tmp_path))
    assert (found.queued_now, found.scheduled, found.jobs) == (0, 0, {"queued": 0, "running": 0, "overdue": 0})
    assert set(found.deliveries.values()) == {0} and not found.attention


def test_it_counts_jobs_deliveries_and_what_the_sweeps_should_have_taken_back(tmp_path):
    settings = settings_for(tmp_path)
    jobs = create_jobs(settings)
    jobs.enqueue("event", {"data": {"id": "now"}})
    jobs.enqueue("event", {"data": {"id": "later"}}, delay=600)
    (job, _) = sorted(jobs.leases.ledger.jobs(), key=lambda j: j.due_at)
    jobs.leases.ledger.claim(job.id, 1, token="dead", lease=timedelta(seconds=1), now=utcnow() - timedelta(hours=1))
    store = jobs.services.store
    long_ago = utcnow() - timedelta(hours=1)
    for meeting in ("m1_I_1", "m2_I_2"):
        store.open_delivery(meeting, "room", deadline_at=utcnow() + timedelta(days=1), now=long_ago)
    store.claim_delivery("m1_I_1", "room", token="dead", lease=timedelta(minutes=1), now=long_ago)
    store.engine.dispose()
    found = collect(settings)
    assert (found.queued_now, found.scheduled) == (2, 0)  # the delayed job waits in the queue until a worker looks
    assert found.jobs == {"queued": 1, "running": 1, "overdue": 1}
    assert (found.deliveries["waiting"], found.deliveries["claimed"], found.stale_claims) == (1, 1, 1)
    assert found.attention


def test_the_command_prints_text_or_json_and_fails_when_something_is_overdue(tmp_path, monkeypatch):
    settings = settings_for(tmp_path)
    # recap status reads its settings from the environment, as every recap command does
    for name, value in (("DATABASE_URL", settings.database_url), ("QUEUE_URL", settings.queue_url)):
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    text = runner.invoke(main, ["status"])
    assert text.exit_code == 0, text.output
    assert "job ledger: 0 queued, 0 running, 0 overdue" in text.output
    store = create_jobs(settings).services.store
    store.open_delivery("m_I_1", "room", deadline_at=utcnow() + timedelta(days=1))
    store.claim_delivery("m_I_1", "room", token="dead", lease=timedelta(seconds=1), now=utcnow() - timedelta(hours=1))
    store.engine.dispose()
    machine = runner.invoke(main, ["status", "--format", "json"])
    assert machine.exit_code == 1
    report = json.loads(machine.output)
    assert report["staleClaims"] == 1 and report["attention"] and report["deliveries"]["claimed"] == 1
