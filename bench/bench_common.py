"""Helpers shared by the bot benchmarks: percentiles, child processes, free ports, recording into README.md."""

from __future__ import annotations

import os
import platform
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
README = Path(__file__).resolve().parent / "README.md"


def percentile(values: list[float], share: float) -> float:
    """The ``share`` percentile (0..1) by nearest rank; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def clean_env(**values: str) -> dict:
    """The environment without Recap's variables, plus ``values`` (children must not see a developer's .env)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WEBEX_", "RECAP_", "DATABASE_", "QUEUE_"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(values)
    return env


def gunicorn(app_spec: str, port: int, env: dict, cwd: Path, *, workers: int, chdir: Path | None = None
             ) -> subprocess.Popen:
    """Start gunicorn (sync workers, no access log) serving ``app_spec`` on loopback."""
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
               "--worker-class", "sync", "--log-level", "warning", "--pythonpath", str(ROOT)]
    if chdir:
        command += ["--chdir", str(chdir)]
    return subprocess.Popen([*command, app_spec], env=env, cwd=cwd)


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 30.0) -> None:
    """Wait until ``url`` answers (any status), or fail if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with code {process.returncode}")
        try:
            requests.get(url, timeout=5)
            return
        except requests.RequestException:  # not listening yet, or no worker booted yet
            time.sleep(0.05)
    raise SystemExit(f"{url} did not come up in {timeout:g}s")


def stop(process: subprocess.Popen) -> None:
    """Terminate a child and wait for it."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def machine() -> str:
    """One line naming the machine and the software the numbers came from."""
    return (f"{datetime.now(UTC):%Y-%m-%d}, {os.cpu_count()} CPUs ({platform.machine()}), "
            f"Python {platform.python_version()}, {platform.system()} {platform.release()}")


def record(name: str, markdown: str) -> None:
    """Put ``markdown`` between this benchmark's markers in bench/README.md (other sections are left alone)."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    text = README.read_text(encoding="utf-8") if README.exists() else "# Benchmarks\n"
    block = f"{begin}\n{markdown.strip()}\n{end}"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    README.write_text(text, encoding="utf-8")


@contextmanager
def emulator_process(fixtures: Path, *, latency_ms: int = 0) -> Iterator[str]:
    """``recap emulator --fixtures`` in a process of its own on a free loopback port; its API URL."""
    port = free_port()
    command = [sys.executable, "-m", "bot", "emulator", "--port", str(port), "--fixtures", str(fixtures),
               "--latency-ms", str(latency_ms)]
    emulator = subprocess.Popen(command, env=clean_env(), cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
    try:
        api_url = f"http://127.0.0.1:{port}/v1/"
        wait_until_up(api_url + "people/me", emulator)
        yield api_url
    finally:
        stop(emulator)


def peak_mib(key: str = "VmHWM") -> float:
    """``VmHWM`` (peak) or ``VmRSS`` of this process, in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name == key:
            return int(rest.split()[0]) / 1024
    raise KeyError(key)
