"""A first run of the sandbox fetches the card renderer with npm into the user cache, else falls back to the CDN.

npm runs for real, against a loopback stand-in for its registry (``tests/support/npm_registry.py``:
tarballs ``npm pack`` made from the tests' own node_modules, so the integrity hashes are the real ones)
or against a closed loopback port. npm's own cache and config are a temporary folder each, so nothing
a previous run downloaded can help, and nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import io
import json
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
import requests

from bot.errors import ConfigError
from bot.sandbox.emulator import create_emulator
from bot.sandbox.page import RendererSources, create_page_app, fetch_renderer, serve_page
from bot.sandbox.page.renderer_install import install_timeout
from bot.sandbox.page.scripts import PINS_DIR, cache_folder, cache_root, shown_path
from tests.support.npm_registry import (
    NODE_MODULES,
    NPM,
    closed_port,
    lock_packages,
    npm_env,
    npm_registry,
    packed_packages,
)
from tests.test_sandbox_cli import page_url, start

pytest_plugins = ["tests.support.npm_registry"]  # the `packs` fixture

HARNESS = Path(__file__).parent / "renderer"
AC_FILE = Path("node_modules") / "adaptivecards" / "dist" / "adaptivecards.min.js"
MD_FILE = Path("node_modules") / "markdown-it" / "dist" / "markdown-it.min.js"
PROGRESS = "Fetching the card renderer (adaptivecards 3.0.6) into {root} … "


def empty(folder: Path) -> bool:
    """Whether nothing was left in ``folder`` (missing counts as empty)."""
    return not folder.exists() or not any(folder.iterdir())


def without_npm(tmp_path: Path) -> None:
    """What a machine without npm gets instead of an install: the CDN, and the reason (the registry is not asked)."""
    out = io.StringIO()
    sources = fetch_renderer({"RECAP_RENDERER_DIR": str(tmp_path / "cache")},
                             env=npm_env(tmp_path, f"http://127.0.0.1:{closed_port()}/"), out=out)
    assert sources.problem == "npm: not found on PATH" and not sources.local
    assert out.getvalue().endswith("failed (npm: not found on PATH); the page will load it from the CDN\n")


def test_the_sandbox_pins_the_versions_and_hashes_of_the_test_harness():
    """One set of pins: the sandbox installs what the browser tests render with, checked by the same sha512."""
    ours, harness = lock_packages(PINS_DIR), lock_packages(HARNESS)
    pinned = json.loads((PINS_DIR / "package.json").read_text(encoding="utf-8"))["dependencies"]
    assert pinned == json.loads((HARNESS / "package.json").read_text(encoding="utf-8"))["dependencies"]
    assert {name: e["version"] for name, e in ours.items()} == {name: e["version"] for name, e in harness.items()}
    for name in pinned:  # the packages whose files the page loads keep the lock's integrity hash
        assert ours[name]["integrity"] == harness[name]["integrity"] and ours[name]["integrity"].startswith("sha512-")


def test_the_cache_folder_follows_the_setting_then_xdg_then_home(tmp_path, monkeypatch):
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert cache_root({}) == Path.home() / ".cache" / "recap" / "renderer"
    assert cache_root({"XDG_CACHE_HOME": str(tmp_path / "xdg")}) == tmp_path / "xdg" / "recap" / "renderer"
    assert cache_root({"XDG_CACHE_HOME": "relative/dir"}) == Path.home() / ".cache" / "recap" / "renderer"
    assert cache_root({"XDG_CACHE_HOME": str(tmp_path / "xdg"), "RECAP_RENDERER_DIR": str(tmp_path / "mine")}) == \
        tmp_path / "mine"
    assert cache_folder({"RECAP_RENDERER_DIR": str(tmp_path)}) == tmp_path / "adaptivecards-3.0.6"
    # The progress line and the page write the home folder as ~ (shorter, and no user name on screen).
    assert shown_path(Path.home() / ".cache" / "recap") == "~/.cache/recap" and shown_path(tmp_path) == str(tmp_path)


def test_a_first_run_installs_the_renderer_into_the_cache_and_the_page_serves_it(tmp_path, packs):
    if packs is None:
        return without_npm(tmp_path)
    settings = {"RECAP_RENDERER_DIR": str(tmp_path / "cache")}
    finished = subprocess.Popen(["true"])  # an earlier run, stopped half-way: its staging folder was left behind
    finished.wait()
    (tmp_path / "cache" / f".adaptivecards-3.0.6.partial-{finished.pid}" / "node_modules").mkdir(parents=True)
    out = io.StringIO()
    with npm_registry(packs) as registry:
        sources = fetch_renderer(settings, env=npm_env(tmp_path, registry.url), out=out)
    assert out.getvalue() == PROGRESS.format(root=tmp_path / "cache") + "done\n"
    assert "/adaptivecards/-/adaptivecards-3.0.6.tgz" in registry.requests
    assert "/markdown-it/-/markdown-it-14.3.3.tgz" in registry.requests
    folder = tmp_path / "cache" / "adaptivecards-3.0.6"
    assert (folder / AC_FILE).read_bytes() == (NODE_MODULES.parent / AC_FILE).read_bytes()
    assert (folder / MD_FILE).read_bytes() == (NODE_MODULES.parent / MD_FILE).read_bytes()
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["adaptivecards-3.0.6"]  # no staging folders left
    assert sources.local and sources.problem is None
    assert [s.local for s in sources.scripts] == [folder / AC_FILE, folder / MD_FILE]

    app = create_page_app(create_emulator().extensions["webex_emulator"], sources)
    with serve_page(app, "127.0.0.1", 0) as server:
        page = requests.get(server.url + "/", timeout=10)
        assert '<script src="vendor/adaptivecards.min.js" defer>' in page.text and "unpkg" not in page.text
        assert f'data-renderer-source="local copy {folder / AC_FILE}"' in page.text  # the page names its source
        served = requests.get(server.url + "/vendor/adaptivecards.min.js", timeout=10)
        assert served.content == (folder / AC_FILE).read_bytes()

    # The next run finds it: no npm, no network (the registry is gone), no progress line.
    again = io.StringIO()
    sources = fetch_renderer(settings, env=npm_env(tmp_path, f"http://127.0.0.1:{closed_port()}/"), out=again)
    assert again.getvalue() == "" and sources.scripts[0].local == folder / AC_FILE

    # A damaged copy does not count: the page falls back to the CDN until it is installed again.
    (folder / AC_FILE).write_text("window.AdaptiveCards = 'tampered';", encoding="utf-8")
    assert not RendererSources.resolve(settings).local


def test_a_tarball_that_does_not_match_the_pinned_hash_is_refused(tmp_path, packs):
    """A registry serving other bytes for adaptivecards 3.0.6 (consistently, hash and all) gets nothing installed."""
    if packs is None:
        return without_npm(tmp_path)
    source = tmp_path / "modules"
    shutil.copytree(NODE_MODULES / "adaptivecards", source / "adaptivecards")
    with (source / "adaptivecards" / "dist" / "adaptivecards.min.js").open("a", encoding="utf-8") as script:
        script.write("\nwindow.stolen = document.cookie;\n")
    forged = {**packs, **packed_packages(["adaptivecards"], tmp_path / "forged", source)}
    out = io.StringIO()
    with npm_registry(forged) as registry:
        sources = fetch_renderer({"RECAP_RENDERER_DIR": str(tmp_path / "cache")},
                                 env=npm_env(tmp_path, registry.url), out=out)
    assert sources.problem == "npm: a package did not match its pinned integrity hash", out.getvalue()
    assert not sources.local and empty(tmp_path / "cache")
    assert out.getvalue().endswith("failed (npm: a package did not match its pinned integrity hash); "
                                   "the page will load it from the CDN\n")


def test_a_registry_without_a_pinned_package_is_named(tmp_path, packs):
    if packs is None:
        return without_npm(tmp_path)
    partial = {name: packed for name, packed in packs.items() if name != "uc.micro"}
    with npm_registry(partial) as registry:
        sources = fetch_renderer({"RECAP_RENDERER_DIR": str(tmp_path / "cache")},
                                 env=npm_env(tmp_path, registry.url), out=io.StringIO())
    assert sources.problem == "npm: the registry has no uc.micro@2.1.0" and not sources.local
    assert empty(tmp_path / "cache")


def test_an_unreachable_registry_leaves_the_page_on_the_cdn_saying_why(tmp_path):
    cdn = f"http://127.0.0.1:{closed_port()}"
    settings = {"RECAP_RENDERER_DIR": str(tmp_path / "cache"), "RECAP_RENDERER_CDN": cdn}
    out = io.StringIO()
    sources = fetch_renderer(settings, env=npm_env(tmp_path, f"http://127.0.0.1:{closed_port()}/"), out=out)
    expected = "npm: registry unreachable" if NPM else "npm: not found on PATH"
    assert out.getvalue() == PROGRESS.format(root=tmp_path / "cache") + \
        f"failed ({expected}); the page will load it from the CDN\n"
    assert sources.problem == expected and empty(tmp_path / "cache")

    app = create_page_app(create_emulator().extensions["webex_emulator"], sources)
    with serve_page(app, "127.0.0.1", 0) as server:
        page = requests.get(server.url + "/", timeout=10)
    for script in sources.scripts:  # pinned, checked by the browser (SRI), from the configured CDN
        assert f'src="{script.cdn_url}" integrity="{script.integrity}" crossorigin="anonymous"' in page.text
    assert f'src="{cdn}/adaptivecards@3.0.6/dist/adaptivecards.min.js"' in page.text
    assert f"script-src 'self' {cdn};" in page.headers["Content-Security-Policy"]
    assert (f"Cards are shown as text: the card renderer could not be installed ({expected}) nor loaded from the "
            "CDN.") in page.text
    assert f"public CDN {cdn}/adaptivecards@3.0.6/dist/adaptivecards.min.js (needs internet; {expected})" in page.text


def test_without_npm_the_sandbox_says_so_and_uses_the_cdn(tmp_path):
    (tmp_path / "bin").mkdir()
    out = io.StringIO()
    sources = fetch_renderer({"RECAP_RENDERER_DIR": str(tmp_path / "cache")},
                             env=npm_env(tmp_path, "http://127.0.0.1:9/", path=str(tmp_path / "bin")), out=out)
    assert sources.problem == "npm: not found on PATH" and not sources.local
    assert "failed (npm: not found on PATH)" in out.getvalue()


def test_a_cache_folder_that_cannot_be_written_is_named(tmp_path):
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    sources = fetch_renderer({"RECAP_RENDERER_DIR": str(tmp_path / "file" / "cache")},
                             env=npm_env(tmp_path, "http://127.0.0.1:9/"), out=io.StringIO())
    if NPM:  # without npm the sandbox never gets as far as writing
        assert sources.problem == (f"cannot write to {tmp_path / 'file' / 'cache'}: Not a directory; "
                                   "set RECAP_RENDERER_DIR to a folder")
    assert not sources.local and sources.problem


def test_an_npm_that_never_answers_is_stopped_at_the_time_limit(tmp_path):
    """A stand-in npm that hangs (and leaves a child holding its output open): the sandbox still goes on."""
    (tmp_path / "bin").mkdir()
    fake = tmp_path / "bin" / "npm"
    fake.write_text(f"#!/bin/sh\n{shutil.which('sleep')} 300 &\necho $! > {tmp_path / 'pid'}\nwait\n", encoding="utf-8")
    fake.chmod(0o755)
    out = io.StringIO()
    sources = fetch_renderer({"RECAP_RENDERER_DIR": str(tmp_path / "cache"), "RECAP_RENDERER_TIMEOUT": "1"},
                             env=npm_env(tmp_path, "http://127.0.0.1:9/", path=str(tmp_path / "bin")), out=out)
    assert sources.problem == "npm: no answer within 1 s" and not sources.local
    assert empty(tmp_path / "cache")
    child = Path("/proc") / (tmp_path / "pid").read_text().strip() / "stat"
    assert not child.exists() or child.read_text().split(") ")[1].startswith("Z")  # its child was killed too


def test_renderer_settings_that_make_no_sense_are_refused_in_one_line():
    assert install_timeout({}) == 60 and install_timeout({"RECAP_RENDERER_TIMEOUT": "5"}) == 5
    for bad in ("soon", "0", "-3", "99999"):
        with pytest.raises(ConfigError, match="RECAP_RENDERER_TIMEOUT"):
            install_timeout({"RECAP_RENDERER_TIMEOUT": bad})
    out = io.StringIO()
    with pytest.raises(ConfigError, match="RECAP_RENDERER_TIMEOUT"):  # said before the progress line, not inside it
        fetch_renderer({"RECAP_RENDERER_TIMEOUT": "soon", "RECAP_RENDERER_DIR": "/nonexistent"}, env={}, out=out)
    assert out.getvalue() == ""
    for bad in ("unpkg.com", "ftp://example.com", "https://"):
        with pytest.raises(ConfigError, match="RECAP_RENDERER_CDN"):
            RendererSources.resolve({"RECAP_RENDERER_CDN": bad}, installed=False)


def test_recap_run_fetches_the_renderer_on_its_first_run(tmp_path, packs):
    """``recap run`` as a real process: one progress line, then the banner, and the page serves the cached copy."""
    if packs is None:
        return without_npm(tmp_path)
    work, cache = tmp_path / "work", tmp_path / "cache"
    work.mkdir()
    with npm_registry(packs) as registry:
        npm_settings = {k: v for k, v in npm_env(tmp_path, registry.url).items() if k.startswith("npm_config_")}
        process = start(["run", "--port", "0"], work, RECAP_RENDERER_DIR=str(cache), **npm_settings)
        seen: list[str] = []
        try:
            for line in process.stdout:  # the whole banner: it ends with how to stop
                seen.append(line)
                if line.startswith("Press Ctrl-C"):
                    break
            url = page_url(ReadLines(seen))
            served = requests.get(url + "vendor/adaptivecards.min.js", timeout=10)
            assert served.status_code == 200 and served.content == (NODE_MODULES.parent / AC_FILE).read_bytes()
        finally:
            process.send_signal(signal.SIGTERM)
            rest, _ = process.communicate(timeout=20)
    output = "".join(seen) + rest
    assert process.returncode == 0 and "Traceback" not in output, output
    assert PROGRESS.format(root=cache) + "done\n" in output
    assert f"local copy {cache / 'adaptivecards-3.0.6' / AC_FILE}" in output  # the banner names the source


class ReadLines:
    """Lines already read from a process, offered as its ``stdout`` to ``page_url`` (which wants a process)."""

    def __init__(self, lines: list[str]):
        self.stdout = iter(lines)
