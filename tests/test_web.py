"""The web edge over real HTTP: what it accepts, queues, drops and refuses, without ever calling Webex itself."""

from __future__ import annotations

import shutil

import pytest
import requests

from bot.app import create_app, jobs_of
from bot.config import Settings
from bot.webex import sign
from tests.support.bot_rig import EXAMPLE_ARCHIVE, SECRET, envelope, running_rig


@pytest.fixture
def rig(tmp_path, emulator):
    with running_rig(tmp_path, emulator[0]) as rig:
        yield rig


def message_event(rig, data_id="M1", **data):
    return envelope({"id": data_id, "roomId": rig.direct_room(), "personId": "SOMEONE", **data},
                    created_by=rig.bot_id)


def test_a_valid_delivery_is_queued_without_calling_webex(rig):
    response = rig.post(message_event(rig))
    assert (response.status_code, response.json()) == (202, {"status": "queued"})
    (job,) = rig.jobs.pending()
    assert job.task == "event" and job.payload["data"]["id"] == "M1"
    assert rig.emulator.requests == []


def test_card_actions_are_queued_too(rig):
    body = envelope({"id": "A1", "messageId": "M", "personId": "P", "roomId": "R"}, resource="attachmentActions")
    assert rig.post(body).status_code == 202
    assert len(rig.jobs.pending()) == 1


@pytest.mark.parametrize("resource, event", [("messages", "deleted"), ("memberships", "created"),
                                             ("rooms", "updated")])
def test_events_recap_does_not_handle_are_acknowledged_and_dropped(rig, resource, event):
    response = rig.post(envelope({"id": "X"}, resource=resource, event=event))
    assert response.status_code == 200 and response.json()["status"].startswith("ignored")
    assert rig.jobs.pending() == []


def test_the_bots_own_message_is_dropped_by_author(rig):
    response = rig.post(message_event(rig, personId=rig.bot_id))
    assert response.status_code == 200 and "own message" in response.json()["status"]
    assert rig.jobs.pending() == []


def test_deliveries_are_deduplicated_by_resource_event_and_id(rig):
    assert rig.post(message_event(rig, "M1")).status_code == 202
    assert rig.post(message_event(rig, "M1")).json() == {"status": "duplicate"}
    assert rig.post(message_event(rig, "M2")).status_code == 202
    body = envelope({"id": "M1", "messageId": "X", "personId": "P", "roomId": "R"}, resource="attachmentActions")
    assert rig.post(body).status_code == 202  # same data id, another resource
    assert len(rig.jobs.pending()) == 3


def test_deduplication_holds_across_processes_sharing_the_database(rig, tmp_path):
    other = create_app(rig.settings.replace(queue_url=f"sqlite:///{tmp_path / 'other-queue.db'}"))
    client = other.test_client()  # a second web process on the same database, another queue
    body = message_event(rig, "M9")
    signed = {"X-Spark-Signature": sign(SECRET, body)}
    assert client.post("/webhooks/webex", data=body, headers=signed).status_code == 202
    assert rig.post(body).json() == {"status": "duplicate"}
    assert rig.jobs.pending() == [] and len(jobs_of(other).pending()) == 1
    jobs_of(other).services.store.engine.dispose()


def test_when_the_queue_is_down_the_delivery_fails_and_can_be_redelivered(rig, tmp_path):
    queue_file = tmp_path / "queue.db"
    rig.jobs.huey.storage.close()
    for suffix in ("", "-wal", "-shm"):
        path = tmp_path / f"queue.db{suffix}"
        if path.exists():
            path.unlink()
    queue_file.mkdir()  # SQLite cannot open a folder: every queue write fails
    response = rig.post(message_event(rig, "M5"))
    assert response.status_code == 503
    shutil.rmtree(queue_file)
    rig.jobs.huey.storage.initialize_schema()
    assert rig.post(message_event(rig, "M5")).status_code == 202  # the key was released


def test_healthz_reports_database_and_queue(rig):
    response = requests.get(rig.bot_url + "/healthz", timeout=5)
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "queue": "ok", "queued": 0}
    rig.post(message_event(rig))
    assert requests.get(rig.bot_url + "/healthz", timeout=5).json()["queued"] == 1


def test_healthz_is_503_when_the_database_is_gone(tmp_path):
    db = tmp_path / "db" / "recap.db"
    db.parent.mkdir()
    app = create_app(Settings(database_url=f"sqlite:///{db}", queue_url="memory://"))
    jobs_of(app).services.store.engine.dispose()
    shutil.rmtree(db.parent)
    db.parent.write_text("not a folder")  # the database path now runs through a file: unopenable
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "error: OperationalError" and response.json["queue"] == "ok"


def test_the_edge_never_parses_commands(rig):
    # A command-looking body is just bytes to the edge: queued as the envelope, untouched.
    body = message_event(rig, "M3", text=f"summary {EXAMPLE_ARCHIVE}")
    assert rig.post(body).status_code == 202
    assert rig.jobs.pending()[0].payload["data"]["text"] == f"summary {EXAMPLE_ARCHIVE}"
    assert rig.emulator.requests == []


def test_only_post_is_allowed_on_the_webhook(rig):
    assert requests.get(rig.bot_url + "/webhooks/webex", timeout=5).status_code == 405


def test_absurdly_nested_json_is_a_400_not_a_crash(rig):
    body = b"[" * 100_000 + b"]" * 100_000
    response = rig.post(body)
    assert response.status_code == 400
