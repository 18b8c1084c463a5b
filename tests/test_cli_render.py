"""`recap render` and `recap export` on an archive-detail JSON file (the API's own format)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cards import validate_card
from bot.cli import main

DOC_EXAMPLE = Path(__file__).parent / "data" / "doc_example_archive.json"
ROOT = Path(__file__).resolve().parents[1]


def invoke(*args: str, stdin: str | None = None, env: dict | None = None):
    result = CliRunner().invoke(main, list(args), input=stdin, env=env, catch_exceptions=False)
    return result


@pytest.mark.parametrize("view", ["summary", "attendance", "polls", "qa", "chats"])
def test_render_prints_a_valid_card_for_every_view(view):
    result = invoke("render", "--archive", str(DOC_EXAMPLE), "--view", view, "--timezone", "Asia/Shanghai")
    assert result.exit_code == 0, result.output
    card = json.loads(result.output)
    validate_card(card)
    assert "Thu 3 Nov 2022 · 10:32–10:37 (Asia/Shanghai)" in result.output  # first join → end


def test_render_markdown_and_group_audience():
    result = invoke("render", "--archive", str(DOC_EXAMPLE), "--format", "markdown", "--timezone", "UTC")
    assert result.exit_code == 0
    assert "3 people · 3 at peak" in result.output and "marcos@example.com" in result.output
    group = invoke("render", "--archive", str(DOC_EXAMPLE), "--audience", "group", "--view", "qa", "--timezone", "UTC")
    assert group.exit_code == 0
    assert "@example.com" not in group.output and "What we will do next step?" not in group.output


def test_render_reads_stdin_and_defaults_to_recap_timezone():
    result = invoke("render", "--archive", "-", stdin=DOC_EXAMPLE.read_text(), env={"RECAP_TIMEZONE": "Europe/Berlin"})
    assert result.exit_code == 0
    assert "(Europe/Berlin)" in result.output


def test_render_refuses_what_is_not_an_archive():
    not_json = invoke("render", "--archive", "-", stdin="{oops")
    assert not_json.exit_code == 2 and "not JSON" in not_json.output
    a_list = invoke("render", "--archive", "-", stdin="[]")
    assert a_list.exit_code == 2 and "one archive-detail JSON object" in a_list.output


def test_an_unknown_zone_is_a_one_line_error_from_the_console_script():
    command = [sys.executable, "-c", "from bot.cli import run; run()", "render", "--archive", str(DOC_EXAMPLE),
               "--timezone", "Mars/Base"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 1
    assert "error: unknown time zone 'Mars/Base'" in done.stderr and "Traceback" not in done.stderr


def test_export_csv_tables():
    result = invoke("export", "--archive", str(DOC_EXAMPLE), "--timezone", "Asia/Shanghai")
    assert result.exit_code == 0
    rows = list(csv.reader(io.StringIO(result.output, newline="")))
    assert rows[0][:2] == ["name", "email"] and [r[0] for r in rows[1:]] == ["Antoine Griezmann", "Marco Reus",
                                                                             "Marcos Alonso"]
    polls = invoke("export", "--archive", str(DOC_EXAMPLE), "--table", "polls", "--timezone", "UTC")
    assert [r[7] for r in csv.reader(io.StringIO(polls.output, newline=""))][1:] == ["2", "1", "2"]


def test_export_json_is_the_archive():
    result = invoke("export", "--archive", str(DOC_EXAMPLE), "--format", "json", "--timezone", "UTC")
    assert result.exit_code == 0
    assert json.loads(result.output)["archive"] == json.loads(DOC_EXAMPLE.read_text())
