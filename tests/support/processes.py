"""Real processes for the multi-process tests: the emulator, gunicorn web processes and ``recap worker``s.

Every child runs from a scratch folder (no ``.env``), with the project on ``PYTHONPATH``, only the
environment it is given (none of the developer's ``WEBEX_``/``RECAP_``/``DATABASE_``/``QUEUE_``
variables) and its output in a log file the test can show when something goes wrong. ``Processes`` is
a context manager that stops whatever is still running on the way out (SIGTERM, then SIGKILL).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
RECAP = [sys.executable, "-c", "from bot.cli.main import run; run()"]


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition: Callable[[], Any], timeout: float, step: float = 0.05, what: str = "condition") -> Any:
    """Poll ``condition`` until it returns something truthy; its value (AssertionError after ``timeout``)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            break
        time.sleep(step)
    assert value, f"{what} not met within {timeout:g} s"
    return value


def child_env(**values: str) -> dict:
    """The environment for a child: this one without Recap's variables, the project importable, plus ``values``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WEBEX_", "RECAP_", "DATABASE_", "QUEUE_"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(values)
    return env


@dataclass
class Child:
    """One child process and its log file."""

    name: str
    popen: subprocess.Popen
    log: Path

    @property
    def pid(self) -> int:
        """The process id."""
        return self.popen.pid

    def running(self) -> bool:
        """Whether it has not exited."""
        return self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL: no handler, no clean-up, jobs in flight die with it."""
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 15 s."""
        if not self.running():
            return
        self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()

    def tail(self, lines: int = 40) -> str:
        """The end of its log."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return f"--- {self.name} (pid {self.pid}) ---\n" + "\n".join(text.splitlines()[-lines:])


class Processes:
    """Starts children in ``folder``, remembers them, and stops them all on exit."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.children: list[Child] = []

    def __enter__(self) -> Processes:
        return self

    def __exit__(self, *exc) -> None:
        for child in reversed(self.children):
            child.stop()

    def start(self, name: str, command: list[str], env: dict) -> Child:
        """Run ``command`` with ``env``, its output going to ``folder/NAME.log`` (appended across restarts)."""
        log = self.folder / f"{name}.log"
        with open(log, "ab") as out:
            popen = subprocess.Popen(command, cwd=self.folder, env=env, stdout=out, stderr=subprocess.STDOUT)
        child = Child(name, popen, log)
        self.children.append(child)
        return child

    def emulator(self, plan: dict, *, latency_ms: int) -> tuple[Child, str, dict]:
        """The emulator with ``plan``'s world (``tests.support.fault_world``): the child, its base URL, the world."""
        port = free_port()
        plan_path, world_path = self.folder / "plan.json", self.folder / "world.json"
        plan_path.write_text(json.dumps(plan))
        child = self.start("emulator", [sys.executable, "-m", "tests.support.fault_world", str(plan_path),
                                        str(world_path), str(port), str(latency_ms)], child_env())
        wait_until(lambda: world_path.exists() or not child.running(), 60, what="the emulator's world")
        assert child.running(), child.tail()
        return child, f"http://127.0.0.1:{port}", json.loads(world_path.read_text())

    def web(self, name: str, env: dict, *, workers: int = 2) -> tuple[Child, str]:
        """``gunicorn "bot:create_app()"`` as the Procfile's ``web:`` line runs it; the child and its base URL."""
        port = free_port()
        child = self.start(name, [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers",
                                  str(workers), "--log-level", "warning", "bot:create_app()"], env)
        return child, f"http://127.0.0.1:{port}"

    def worker(self, name: str, env: dict, *, threads: int) -> Child:
        """``recap worker --workers THREADS``, the Procfile's ``worker:`` line."""
        return self.start(name, [*RECAP, "worker", "--workers", str(threads)], env)

    def logs(self, lines: int = 40) -> str:
        """The tail of every child's log (for a failure message)."""
        return "\n".join(child.tail(lines) for child in self.children)

    def stacks_and_logs(self) -> str:
        """Every running worker's thread stacks (``recap worker`` dumps them on SIGUSR1), then the logs' tails."""
        workers = [child for child in self.children if child.name.startswith("worker") and child.running()]
        for child in workers:
            child.popen.send_signal(signal.SIGUSR1)
        time.sleep(1.0 if workers else 0.0)
        return self.logs(lines=150)


def healthy(base_url: str) -> bool:
    """Whether a web process answers ``/healthz`` with 200."""
    try:
        return requests.get(base_url + "/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False
