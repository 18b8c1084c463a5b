"""A loopback stand-in for the npm registry: packuments and tarballs ``npm pack`` made from real installed packages.

``packed_packages`` packs each package folder of ``tests/renderer/node_modules`` (their real files: npm
packs reproducibly, so each tarball's sha512 is the very hash the package-lock pins). ``npm_registry``
serves them on 127.0.0.1 the way registry.npmjs.org does (``GET /<name>`` a packument, ``GET
/<name>/-/<file>.tgz`` the tarball) and records every path asked for; point ``npm_config_registry`` at it.

Also a pytest plugin (``pytest_plugins = ["tests.support.npm_registry"]``) for its ``packs`` fixture.
PYTEST_DONT_REWRITE: test modules import it before pytest loads it as a plugin.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from bot.sandbox.page.scripts import PINS_DIR

NODE_MODULES = Path(__file__).resolve().parents[1] / "renderer" / "node_modules"
NPM = shutil.which("npm")


def lock_packages(folder: Path) -> dict[str, dict]:
    """The package-lock entries of ``folder`` by package name (the root entry left out)."""
    lock = json.loads((folder / "package-lock.json").read_text(encoding="utf-8"))
    return {key.rpartition("node_modules/")[2]: entry for key, entry in lock["packages"].items() if key}


# Every package the sandbox's install fetches: the pinned ones and markdown-it's dependencies (not swiper, a peer).
PACKAGES = [name for name, entry in lock_packages(PINS_DIR).items() if not entry.get("peer")]


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def npm_env(tmp_path: Path, registry: str, path: str | None = None) -> dict[str, str]:
    """This process's environment for npm, with the registry given and npm's cache and config in ``tmp_path``."""
    env = {k: v for k, v in os.environ.items() if not k.lower().startswith("npm_config_")}
    env.update(npm_config_registry=registry, npm_config_cache=str(tmp_path / "npm-cache"),
               npm_config_userconfig=str(tmp_path / "npmrc"), npm_config_globalconfig=str(tmp_path / "npmrc-global"))
    if path is not None:
        env["PATH"] = path
    return env


@pytest.fixture(scope="module")
def packs(tmp_path_factory) -> dict[str, Packed] | None:
    """The sandbox's packages as ``npm pack`` makes them from the tests' node_modules; None without npm."""
    if NPM is None:
        return None  # the tests then check what a machine without npm gets
    assert (NODE_MODULES / "adaptivecards").is_dir(), "tests/renderer/node_modules is missing: run .ci/install-browser"
    return packed_packages(PACKAGES, tmp_path_factory.mktemp("packs"))


@dataclass(frozen=True)
class Packed:
    """One package as ``npm pack`` made it: its manifest and its tarball."""

    name: str
    manifest: dict
    tarball: Path

    @property
    def integrity(self) -> str:
        """The tarball's subresource integrity (``sha512-...``), as a registry and a lock file state it."""
        return "sha512-" + base64.b64encode(hashlib.sha512(self.tarball.read_bytes()).digest()).decode()


def packed_packages(names: list[str], out_dir: Path, source: Path = NODE_MODULES) -> dict[str, Packed]:
    """``npm pack`` each of ``names`` from ``source`` (the tests' node_modules) into ``out_dir`` (one npm run)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    folders = [str(source / name) for name in names]
    subprocess.run([shutil.which("npm") or "npm", "pack", "--ignore-scripts", "--silent", "--pack-destination",
                    str(out_dir), *folders], check=True, capture_output=True, timeout=120)
    packed = {}
    for name in names:
        manifest = json.loads((source / name / "package.json").read_text(encoding="utf-8"))
        tarball = out_dir / f"{name.replace('@', '').replace('/', '-')}-{manifest['version']}.tgz"
        packed[name] = Packed(name, manifest, tarball)
    return packed


@dataclass
class Registry:
    """A running stand-in: its address and the paths npm asked for."""

    url: str
    requests: list[str] = field(default_factory=list)


@contextmanager
def npm_registry(packages: dict[str, Packed]) -> Iterator[Registry]:
    """Serve ``packages`` as an npm registry on 127.0.0.1 (a free port) while the block runs."""
    registry = Registry("")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            path = unquote(urlsplit(self.path).path)
            registry.requests.append(path)
            name, _, file_name = path.lstrip("/").partition("/-/")
            package = packages.get(name)
            if package is None:
                self._send(404, b'{"error":"Not found"}', "application/json")
            elif file_name:
                found = file_name == package.tarball.name
                body = package.tarball.read_bytes() if found else b"{}"
                self._send(200 if found else 404, body, "application/octet-stream")
            else:
                self._send(200, json.dumps(packument(package, registry.url)).encode(), "application/json")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    registry.url = f"http://127.0.0.1:{server.server_port}/"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield registry
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def packument(package: Packed, base_url: str) -> dict:
    """The registry document of one package with its one version, as registry.npmjs.org shapes it."""
    manifest, version = package.manifest, package.manifest["version"]
    keep = ("name", "version", "description", "license", "main", "dependencies", "peerDependencies",
            "peerDependenciesMeta", "optionalDependencies", "bin", "engines")
    entry = {k: manifest[k] for k in keep if k in manifest}
    sha1 = hashlib.sha1(package.tarball.read_bytes()).hexdigest()  # noqa: S324 (npm's legacy shasum field)
    entry["dist"] = {"tarball": f"{base_url}{package.name}/-/{package.tarball.name}", "integrity": package.integrity,
                     "shasum": sha1}
    return {"name": package.name, "dist-tags": {"latest": version}, "versions": {version: entry}}
