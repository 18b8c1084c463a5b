"""Dockerfile and compose.yaml, checked without Docker: what they run exists, and the rules they promise hold.

No Docker daemon is needed: the Dockerfile is read instruction by instruction, compose.yaml as YAML,
and each command they run is resolved in the installed package (the ``recap`` click group, gunicorn's
own loader for ``bot:create_app()``, the app's URL map for the health check's path).
"""

from __future__ import annotations

import ast
import fnmatch
import json
import os
import re
import shlex
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import click
import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from bot.cli.main import main as recap_group

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "compose.yaml"
LOCK = "requirements/lock.txt"
SERVICES = {"web", "worker", "migrate", "postgres", "redis"}
RECAP_SERVICES = ("web", "worker", "migrate")


# ---- reading the Dockerfile --------------------------------------------------------------------------

def instructions(text: str) -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` per instruction: comments dropped, continuation lines joined."""
    found: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue  # a comment inside a continued instruction is skipped too, as Docker does
        if line.endswith("\\"):
            pending += line[:-1].rstrip() + " "
            continue
        line, pending = pending + line, ""
        keyword, _, arguments = line.partition(" ")
        found.append((keyword.upper(), arguments.strip()))
    assert not pending, "the Dockerfile ends inside a continued instruction"
    return found


def stages(text: str) -> list[list[tuple[str, str]]]:
    """The instructions of each build stage, from its FROM on."""
    result: list[list[tuple[str, str]]] = []
    for keyword, arguments in instructions(text):
        if keyword == "FROM":
            result.append([])
        if result:
            result[-1].append((keyword, arguments))
    return result


def exec_form(arguments: str) -> list[str]:
    """A CMD/ENTRYPOINT/HEALTHCHECK CMD's argv: the JSON (exec) form, else the shell form split as sh would."""
    arguments = arguments.strip()
    return json.loads(arguments) if arguments.startswith("[") else shlex.split(arguments)


def env_of(stage: list[tuple[str, str]]) -> dict[str, str]:
    """The ENV ``KEY=value`` pairs of a stage (the form used here; values unquoted by shlex)."""
    env: dict[str, str] = {}
    for keyword, arguments in stage:
        if keyword == "ENV":
            for pair in shlex.split(arguments):
                key, sep, value = pair.partition("=")
                assert sep, f"ENV in the legacy 'KEY value' form: {arguments}"
                env[key] = value
    return env


def test_instructions_joins_continuations_and_drops_comments():
    text = "# syntax=docker/dockerfile:1\nFROM python:3.11-slim AS build\nRUN a \\\n  # why\n  && b\nUSER x\n"
    assert instructions(text) == [("FROM", "python:3.11-slim AS build"), ("RUN", "a && b"), ("USER", "x")]


@pytest.fixture(scope="module")
def dockerfile() -> str:
    return DOCKERFILE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def final(dockerfile) -> list[tuple[str, str]]:
    return stages(dockerfile)[-1]


def last(stage: list[tuple[str, str]], keyword: str) -> str:
    values = [arguments for k, arguments in stage if k == keyword]
    assert values, f"no {keyword} in the image's stage"
    return values[-1]


# ---- compose.yaml --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def compose() -> dict:
    import yaml  # PyYAML: a test dependency (the `test` extra)

    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def command_of(service: dict) -> list[str] | None:
    command = service.get("command")
    return shlex.split(command) if isinstance(command, str) else command


# ---- what they run exists -------------------------------------------------------------------------------

def resolve_recap(argv: list[str]) -> list[str]:
    """Walk ``recap ARGS…`` through the click group; the command names it reaches (fails on an unknown one)."""
    assert argv[0] == "recap", argv
    command: click.Command = recap_group
    reached: list[str] = []
    for token in argv[1:]:
        if token.startswith("-"):
            continue  # options are the command's own business
        if not isinstance(command, click.Group):
            break  # an argument of a leaf command
        with click.Context(command, info_name=" ".join(["recap", *reached])) as ctx:
            sub = command.get_command(ctx, token)
        assert sub is not None, f"`{' '.join(argv)}`: no command {token!r} under {ctx.info_name!r}"
        command = sub
        reached.append(token)
    return reached


def recap_commands(dockerfile: str, compose: dict) -> list[list[str]]:
    """Every ``recap …`` that compose.yaml or the Dockerfile runs (compose commands, RUN lines, CMD)."""
    found = [command_of(service) for service in compose["services"].values()]
    found = [argv for argv in found if argv and argv[0] == "recap"]
    for keyword, arguments in instructions(dockerfile):
        if keyword in ("CMD", "ENTRYPOINT") and exec_form(arguments)[0] == "recap":
            found.append(exec_form(arguments))
        if keyword == "RUN":
            for part in re.split(r"&&|\|\||;", arguments):
                words = shlex.split(part)
                if words and words[0] == "recap":
                    found.append([w for w in words if not w.startswith((">", "2>"))])
    return found


def test_resolve_recap_walks_groups_and_refuses_unknown_commands():
    assert resolve_recap(["recap", "worker", "--workers", "3"]) == ["worker"]
    assert resolve_recap(["recap", "--help"]) == []
    with pytest.raises(AssertionError, match="no command 'nonesuch'"):
        resolve_recap(["recap", "nonesuch"])


def test_every_recap_command_compose_and_the_image_run_exists(dockerfile, compose):
    """`recap db upgrade` fails here until bot/cli/db.py (the `db` group) lands: that is this test's point."""
    commands = recap_commands(dockerfile, compose)
    assert ["recap", "worker"] in commands and ["recap", "db", "upgrade"] in commands, commands
    for argv in commands:
        resolve_recap(argv)


def gunicorn_argv(final_stage) -> list[str]:
    argv = exec_form(last(final_stage, "CMD"))
    assert argv[0] == "gunicorn", f"the image's command is not gunicorn: {argv}"
    return argv


@pytest.fixture
def app_env(tmp_path, monkeypatch):
    """An empty directory (no .env) and SQLite files in it, as the image's /data volume."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("WEBEX_", "RECAP_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'recap.db'}")
    monkeypatch.setenv("QUEUE_URL", f"sqlite:///{tmp_path / 'recap-queue.db'}")


def test_the_image_serves_bot_create_app_with_gunicorn_on_port_8000(final, app_env):
    from flask import Flask
    from gunicorn.config import Config
    from gunicorn.util import import_app

    options = Config().parser().parse_args(gunicorn_argv(final)[1:])  # gunicorn's own option parser
    assert options.bind == ["0.0.0.0:8000"]
    assert options.args == ["bot:create_app()"], "the Procfile's app spec"
    assert "8000" in last(final, "EXPOSE").split()
    app = import_app(options.args[0])  # as gunicorn loads it in each worker
    assert isinstance(app, Flask)


def test_the_image_runs_the_procfiles_web_line(final):
    """Every gunicorn option of the Procfile's ``web:`` line, in the image too (bind and workers aside)."""
    from gunicorn.config import Config

    procfile = (ROOT / "Procfile").read_text(encoding="utf-8")
    web_line = re.search(r"^web:\s*(.+)$", procfile, re.M)
    assert web_line, procfile
    procfile_argv, image_argv = shlex.split(web_line[1]), gunicorn_argv(final)
    assert procfile_argv[0] == "gunicorn", procfile_argv
    parse = lambda argv: vars(Config().parser().parse_args(argv[1:]))  # noqa: E731
    procfile_options, image_options = parse(procfile_argv), parse(image_argv)
    # The Procfile's --workers is the image's WEB_CONCURRENCY (gunicorn's default worker count), which an
    # operator may change without a new image; the port is fixed at 8000 in the image.
    assert env_of(final).get("WEB_CONCURRENCY") == str(procfile_options.pop("workers")), "WEB_CONCURRENCY"
    procfile_options.pop("bind")
    for name, value in procfile_options.items():
        if value is not None:
            assert image_options[name] == value, (
                f"the Procfile's web line sets {name}={value!r}, the Dockerfile's CMD {image_options[name]!r}")


def test_the_healthcheck_asks_healthz_with_urllib_and_the_app_has_that_route(final, app_env):
    from gunicorn.config import Config

    import bot

    check = last(final, "HEALTHCHECK")
    parts = re.split(r"(?:^|\s)CMD\s", check, maxsplit=1)
    assert len(parts) == 2, f"HEALTHCHECK without CMD: {check}"
    argv = exec_form(parts[1])
    assert argv[:2] == ["python", "-c"], f"slim images have no curl or wget: {argv}"
    code = argv[2]
    ast.parse(code)  # valid Python
    assert "urllib.request" in code
    url = urlsplit(re.search(r"https?://[^'\"\s]+", code)[0])
    assert url.path == "/healthz"
    bind = Config().parser().parse_args(gunicorn_argv(final)[1:]).bind[0]
    assert url.port == int(bind.rpartition(":")[2]), "the check must ask the port gunicorn listens on"
    rules = {rule.rule: rule.methods for rule in bot.create_app().url_map.iter_rules()}
    assert "/healthz" in rules and "GET" in rules["/healthz"]


# ---- the image's rules ------------------------------------------------------------------------------------

def test_the_image_is_multi_stage_on_a_slim_base_matching_requires_python_and_the_lock(dockerfile):
    froms = [arguments.split() for keyword, arguments in instructions(dockerfile) if keyword == "FROM"]
    assert len(froms) >= 2, "build the wheel in a builder stage"
    assert len(froms[0]) == 3 and froms[0][1].upper() == "AS", "the builder stage is named"
    lock_python = re.search(r"pip-compile with Python (\d+\.\d+)", (ROOT / LOCK).read_text(encoding="utf-8"))[1]
    requires = SpecifierSet(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
                            ["project"]["requires-python"])
    for words in froms:
        image, _, tag = words[0].partition(":")
        assert image in ("python", "docker.io/library/python"), words
        assert tag.endswith("-slim") or "-slim-" in tag, f"not a slim base: {words[0]}"
        version = re.match(r"\d+\.\d+", tag)[0]
        assert Version(version) in requires, f"{words[0]} is outside requires-python {requires}"
        assert version == lock_python, f"{words[0]}: the lock was resolved with Python {lock_python}"


def test_the_image_builds_a_wheel_and_installs_it_with_the_lock(dockerfile, final):
    builder = stages(dockerfile)[0]
    runs = " ".join(arguments for keyword, arguments in builder if keyword == "RUN")
    assert "-m build --wheel" in runs or "pip wheel" in runs
    copies = [arguments.split() for keyword, arguments in final if keyword == "COPY"]
    lock_copies = [words[-1] for words in copies if LOCK in words[:-1]]
    assert lock_copies, "the image's stage copies requirements/lock.txt"
    installs = [arguments for keyword, arguments in final if keyword == "RUN" and "pip install" in arguments]
    assert installs, "the image's stage installs nothing"
    assert any(re.search(rf"(-c|--constraint)[ =]{re.escape(path)}\b", run) for run in installs for path in lock_copies)
    assert any("[postgres,redis]" in run for run in installs), "the postgres and redis extras"
    assert any("from=build" in arguments for keyword, arguments in final if keyword in ("COPY", "RUN")), (
        "the wheels come from the builder stage")


def test_the_image_runs_as_a_user_that_is_not_root(final):
    user = last(final, "USER").split(":")[0]
    assert user not in ("root", "0", ""), user
    # and CMD comes after USER: nothing runs as root at run time
    keywords = [keyword for keyword, _ in final]
    assert max(i for i, k in enumerate(keywords) if k == "USER") < keywords.index("CMD")


def test_the_image_keeps_its_state_in_a_volume_and_prints_at_once(final):
    env = env_of(final)
    assert env.get("PYTHONUNBUFFERED") == "1"
    volumes = " ".join(arguments for keyword, arguments in final if keyword == "VOLUME")
    for name in ("DATABASE_URL", "QUEUE_URL"):
        path = env[name].removeprefix("sqlite:///")
        assert path.startswith("/") and any(path.startswith(v.strip('[]"') + "/") for v in volumes.split()), (
            f"{name}={env[name]} is not in a volume ({volumes})")


def test_dockerignore_keeps_secrets_out_and_what_the_build_copies_in(dockerfile):
    patterns = [line.strip() for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.startswith("#")]
    ignored = lambda path: any(fnmatch.fnmatch(path, p.removeprefix("**/")) or  # noqa: E731
                               fnmatch.fnmatch(path.split("/")[0], p) for p in patterns if not p.startswith("!"))
    for secret in (".env", ".git", ".venv-ci"):
        assert ignored(secret), f"{secret} goes into the build context"
    for keyword, arguments in instructions(dockerfile):
        words = arguments.split()
        if keyword == "COPY" and not any(w.startswith("--from") for w in words):
            for source in words[:-1]:
                if not source.startswith("--"):
                    assert (ROOT / source).exists(), f"COPY {source}: no such file"
                    assert not ignored(source), f"COPY {source} is excluded by .dockerignore"


# ---- compose.yaml's rules ------------------------------------------------------------------------------

def test_compose_names_the_five_services(compose):
    assert set(compose["services"]) == SERVICES


def test_web_and_worker_start_after_the_migration_and_healthy_servers(compose):
    services = compose["services"]
    for name in ("web", "worker"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["postgres"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["migrate"].get("restart", "no") == "no", "a one-shot: never restarted"
    for name in ("postgres", "redis"):
        assert services[name]["healthcheck"]["test"], name


def test_compose_runs_the_image_as_the_procfile_does(compose):
    services = compose["services"]
    assert command_of(services["migrate"]) == ["recap", "db", "upgrade"]
    assert command_of(services["worker"]) == ["recap", "worker"]
    assert command_of(services["web"]) is None, "web keeps the image's gunicorn command"
    assert any(port.endswith(":8000") for port in services["web"]["ports"])
    for name in RECAP_SERVICES:
        assert services[name]["build"] in (".", {"context": "."}), name
        assert services[name]["image"] == services["web"]["image"], "one image, built once"
    for name in ("worker", "migrate"):  # the image's check asks gunicorn, which only web runs
        assert services[name]["healthcheck"] == {"disable": True}, name


def test_compose_points_every_process_at_postgresql_and_redis(compose):
    for name in RECAP_SERVICES:
        env = compose["services"][name]["environment"]
        assert env["DATABASE_URL"].startswith("postgresql+psycopg://") and "@postgres:5432/" in env["DATABASE_URL"]
        assert env["QUEUE_URL"] == "redis://redis:6379/0"


def test_compose_commits_no_secret(compose):
    """Credentials come from the environment or .env by interpolation; the file holds none."""
    secretish = re.compile(r"TOKEN|SECRET|PASSWORD|CLIENT_ID", re.I)
    interpolated = re.compile(r"^\$\{[A-Z0-9_]+(:?[-?][^}]*)?\}$")
    for name, service in compose["services"].items():
        env = service.get("environment") or {}
        assert isinstance(env, dict), f"{name}: environment as a mapping"
        for key, value in env.items():
            if key.startswith("WEBEX_") or secretish.search(key):
                assert interpolated.match(str(value)), f"{name}: {key} is not taken from the environment"
        if "DATABASE_URL" in env:
            password = re.match(r"^[a-z+]+://[^:@/]*(?::(?P<password>.*))?@postgres:", env["DATABASE_URL"])
            assert password, f"{name}: DATABASE_URL does not name the postgres service"
            assert password["password"] is None or interpolated.match(password["password"]), (
                f"{name}: the database password in DATABASE_URL is not taken from the environment")
        for entry in service.get("env_file") or []:
            path = entry["path"] if isinstance(entry, dict) else entry
            assert path == ".env", f"{name}: env_file {path}"
    assert ".env" in (ROOT / ".gitignore").read_text(encoding="utf-8").split(), ".env must stay out of git"
