"""``recap audit``: the audit log printed for an operator, all of it or since a time."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from bot.cli import main
from bot.storage import create_store


@pytest.fixture
def database(tmp_path):
    url = f"sqlite:///{tmp_path / 'recap.db'}"
    store = create_store(url)
    store.audit(person_email="admin@example.com", command="summary", ids=["A_R_1"], room_id="ROOM", outcome="ok")
    store.audit(person_email="user@example.com", command="polls", ids=["A_R_2"], room_id="GROUP",
                outcome="refused: not an authorised admin")
    with store.engine.begin() as conn:  # make the first line ten days old
        conn.execute(text("UPDATE audit_log SET at = :at WHERE command = 'summary'"),
                     {"at": (datetime.now(UTC) - timedelta(days=10)).replace(tzinfo=None)})
    store.engine.dispose()
    return url


@pytest.fixture
def audit(monkeypatch, tmp_path, database):
    monkeypatch.chdir(tmp_path)  # away from any .env of the checkout

    def run(*args):
        return CliRunner().invoke(main, ["audit", *args], env={"DATABASE_URL": database, "WEBEX_BOT_TOKEN": ""})
    return run


def test_audit_prints_every_line_oldest_first(audit):
    result = audit()
    assert result.exit_code == 0, result.output
    lines = [line.split("\t") for line in result.output.splitlines()]
    assert [line[1:] for line in lines] == [
        ["admin@example.com", "summary", "A_R_1", "ROOM", "ok"],
        ["user@example.com", "polls", "A_R_2", "GROUP", "refused: not an authorised admin"],
    ]
    assert datetime.fromisoformat(lines[0][0]) < datetime.fromisoformat(lines[1][0])


@pytest.mark.parametrize("since, commands", [
    ("7d", ["polls"]), ("11d", ["summary", "polls"]), ("1h", ["polls"]), ("30m", ["polls"]),
    ((datetime.now(UTC) - timedelta(days=3)).date().isoformat(), ["polls"]),
    ("2000-01-01T00:00:00+00:00", ["summary", "polls"]),
    ((datetime.now(UTC) + timedelta(days=1)).date().isoformat(), []),
])
def test_audit_since(audit, since, commands):
    result = audit("--since", since, "--format", "json")
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["command"] for line in result.output.splitlines()] == commands


def test_audit_json_lines_carry_every_field(audit):
    result = audit("--format", "json", "--since", "1d")
    (line,) = [json.loads(line) for line in result.output.splitlines()]
    assert set(line) == {"at", "person", "command", "ids", "space", "outcome"}
    assert line["ids"] == ["A_R_2"] and line["space"] == "GROUP"


def test_audit_refuses_a_bad_since(audit):
    result = audit("--since", "last tuesday")
    assert result.exit_code == 2 and "--since" in result.output
