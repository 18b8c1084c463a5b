"""A first run of the sandbox fetches the card renderer: ``npm ci`` of the pinned versions into the user cache.

``recap sandbox`` (and ``recap run`` without a bot token) calls ``fetch_renderer`` before it serves the page.
When no local copy is configured or installed, it copies ``templates/sandbox/renderer/package.json`` and
``package-lock.json`` (the test harness's versions; its sha512 integrity hashes for the two packages the
page loads, adaptivecards and markdown-it; markdown-it's node-only dependencies are pinned by version
only: the page never loads them and ``--ignore-scripts`` runs nothing of theirs) into a staging folder
beside the cache, runs ``npm ci`` there under a time limit, and moves the folder into place only when
npm succeeded and the scripts match their pinned sha384 hashes. npm refuses a tarball whose hash
differs from the lock. It prints one progress line. Nothing here stops the sandbox: with npm
missing, the registry unreachable or the time up, it says why and the page falls back to the CDN
(``RendererSources.problem`` carries the reason to the page).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from bot.errors import ConfigError
from bot.sandbox.page.scripts import PINS_DIR, RendererSources, cache_folder, cache_ready, pinned_versions, shown_path

DEFAULT_TIMEOUT = 60.0  # seconds for the whole `npm ci`; RECAP_RENDERER_TIMEOUT changes it
# Fail fast when the registry cannot be reached: one retry, short back-off (npm's default waits minutes).
NPM_ARGS = ("ci", "--omit=peer", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund",
            "--no-update-notifier", "--loglevel=error", "--fetch-retries=1", "--fetch-retry-mintimeout=1000",
            "--fetch-retry-maxtimeout=3000", "--fetch-timeout=20000")
_UNREACHABLE = {"ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "ECONNRESET", "ENETUNREACH", "EHOSTUNREACH",
                "ERR_SOCKET_TIMEOUT", "ECONNABORTED", "EPROTO", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
                "SELF_SIGNED_CERT_IN_CHAIN", "CERT_HAS_EXPIRED"}


def install_timeout(environ: Mapping[str, str]) -> float:
    """Seconds ``npm ci`` may take (``RECAP_RENDERER_TIMEOUT``, a positive number; default 60)."""
    raw = (environ.get("RECAP_RENDERER_TIMEOUT") or "").strip()
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(raw)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < 3600:
        raise ConfigError(f"RECAP_RENDERER_TIMEOUT must be a number of seconds above 0 and below 3600, not {raw!r}")
    return seconds


def npm_problem(returncode: int, output: str) -> str:
    """Why ``npm ci`` failed, in a few words, from its exit code and error output."""
    codes = re.findall(r"\bcode:? '?([A-Z][A-Z0-9_]+)\b", output)
    if any(code in _UNREACHABLE for code in codes):
        return "npm: registry unreachable"
    if "EINTEGRITY" in codes:
        return "npm: a package did not match its pinned integrity hash"
    if "E404" in codes:
        missing = re.search(r"requested resource '([^']+)' could not be found", output)
        return f"npm: the registry has no {missing.group(1) if missing else 'copy of a pinned package'}"
    if {"E401", "E403"} & set(codes):
        return "npm: the registry refused access (check npm's login or token)"
    if codes:
        return f"npm: error {codes[0]}"
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    return f"npm: exit code {returncode}" + (f", {lines[-1][:120]}" if lines else "")


def install(folder: Path, *, env: Mapping[str, str], timeout: float) -> str | None:
    """``npm ci`` the pinned renderer into ``folder``; None when it is there, else why not (never raises)."""
    npm = shutil.which("npm", path=env.get("PATH", os.defpath))
    if npm is None:
        return "npm: not found on PATH"
    staging = folder.with_name(f".{folder.name}.partial-{os.getpid()}")
    try:
        _remove_abandoned(folder)
        staging.mkdir(parents=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(PINS_DIR / name, staging / name)
        problem = _run_npm([npm, *NPM_ARGS], staging, env, timeout)
        if problem is None and not cache_ready(staging):
            problem = "npm installed files that do not match the pinned hashes"
        if problem is None:
            shutil.rmtree(folder, ignore_errors=True)
            os.replace(staging, folder)
        return problem
    except OSError as exc:
        return f"cannot write to {shown_path(folder.parent)}: {exc.strerror or exc}; set RECAP_RENDERER_DIR to a folder"
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _remove_abandoned(folder: Path) -> None:
    """Remove staging folders of installs whose process is gone (stopped mid-way), and this process's own."""
    for staging in folder.parent.glob(f".{folder.name}.partial-*"):
        pid = staging.name.rpartition("-")[2]
        if pid.isdigit() and (int(pid) == os.getpid() or not _alive(int(pid))):
            shutil.rmtree(staging, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process: alive
        return True
    return True


def _run_npm(command: list[str], cwd: Path, env: Mapping[str, str], timeout: float) -> str | None:
    # Its own process group: on time-out the whole group goes (npm and anything it started), not npm alone.
    try:
        process = subprocess.Popen(command, cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL, start_new_session=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
    except OSError as exc:
        return f"npm did not start ({exc.strerror or exc})"
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (OSError, AttributeError):  # already gone, or no process groups (Windows)
            process.kill()
        process.communicate()
        return f"npm: no answer within {timeout:g} s"
    return None if process.returncode == 0 else npm_problem(process.returncode, output)


def fetch_renderer(environ: Mapping[str, str], *, env: Mapping[str, str] | None = None,
                   out: TextIO | None = None) -> RendererSources:
    """The page's renderer sources, installing the pinned renderer into the cache first when no local copy exists.

    ``environ`` holds Recap's settings (``Settings.extra``), ``env`` the environment npm runs with (default:
    this process's, so ``npm_config_registry`` and proxies apply). Prints one progress line on ``out``.
    """
    timeout = install_timeout(environ)  # a mistake in the settings is said before anything else
    sources = RendererSources.resolve(environ)
    if sources.local:
        return sources
    out = out or sys.stdout
    folder = cache_folder(environ)
    out.write(f"Fetching the card renderer (adaptivecards {pinned_versions()['adaptivecards']}) "
              f"into {shown_path(folder.parent)} … ")
    out.flush()
    problem = install(folder, env=os.environ if env is None else env, timeout=timeout)
    sources = RendererSources.resolve(environ, problem=problem)
    out.write("done\n" if sources.local else f"failed ({problem}); the page will load it from the CDN\n")
    out.flush()
    return sources
