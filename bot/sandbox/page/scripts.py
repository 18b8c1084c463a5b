"""Where the sandbox page gets Microsoft's Adaptive Cards renderer (and markdown-it) from.

Per script, the first of: the file named by its environment variable (``RECAP_ADAPTIVECARDS_JS``,
``RECAP_MARKDOWN_IT_JS``; read from the environment or ``.env``); the copy ``recap sandbox`` installed
with npm into the user cache (``renderer_install``; ``RECAP_RENDERER_DIR``, else
``$XDG_CACHE_HOME/recap/renderer``, else ``~/.cache/recap/renderer``), used only when its bytes match
the pinned hash; the copy installed for the tests in this checkout (``tests/renderer/node_modules``,
after ``.ci/install-browser``; not consulted when ``RECAP_RENDERER_DIR`` is set); else the public CDN
(``RECAP_RENDERER_CDN``, default ``https://unpkg.com``), pinned to the version the tests use and checked
with subresource integrity. A local copy is served by the sandbox itself (``/vendor/<name>``), so the
page works offline. The versions come from ``templates/sandbox/renderer/package-lock.json``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bot.errors import ConfigError
from bot.resources import templates_dir

# The renderer's own npm files, when the test harness is installed in this checkout (never shipped).
_NPM = Path(__file__).resolve().parents[3] / "tests" / "renderer" / "node_modules"
PINS_DIR = templates_dir() / "sandbox" / "renderer"  # package.json + package-lock.json: what `npm ci` installs
DEFAULT_CDN = "https://unpkg.com"


def pinned_versions() -> dict[str, str]:
    """Each package of the renderer's lock file and its pinned version (``{"adaptivecards": "3.0.6", ...}``)."""
    lock = json.loads((PINS_DIR / "package-lock.json").read_text(encoding="utf-8"))
    return {key.rpartition("node_modules/")[2]: entry["version"]
            for key, entry in lock["packages"].items() if key}


def cache_root(environ: Mapping[str, str]) -> Path:
    """The folder the renderer is installed under: ``RECAP_RENDERER_DIR``, else the XDG user cache."""
    configured = (environ.get("RECAP_RENDERER_DIR") or "").strip()
    if configured:
        return Path(configured).expanduser()
    xdg = (environ.get("XDG_CACHE_HOME") or os.environ.get("XDG_CACHE_HOME") or "").strip()
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"  # the XDG rule: relative is ignored
    return base / "recap" / "renderer"


def cache_folder(environ: Mapping[str, str]) -> Path:
    """Where this release's pinned renderer is (or goes): one folder per adaptivecards version."""
    return cache_root(environ) / f"adaptivecards-{pinned_versions()['adaptivecards']}"


@dataclass(frozen=True)
class Script:
    """A renderer script: served from a local copy when there is one, else from the public CDN (pinned, SRI)."""

    name: str
    local: Path | None
    cdn_url: str
    integrity: str

    @property
    def url(self) -> str:
        """Where the page loads it from."""
        return f"vendor/{self.name}" if self.local else self.cdn_url


# (file name, environment variable, npm package, subresource integrity of its dist/<file name>)
_SCRIPTS = (
    ("adaptivecards.min.js", "RECAP_ADAPTIVECARDS_JS", "adaptivecards",
     "sha384-M6IdJidOpX9E8ISrXtcfFvFTf4ePKNWDy3pRXxzb/8dro8ceUoIIzcK4higcq/JC"),
    ("markdown-it.min.js", "RECAP_MARKDOWN_IT_JS", "markdown-it",
     "sha384-LBg3cu/4PwcPBsol9jWL9Urcnre7UF0sm8zsSI3GeaqIeBt8Pb/EFybhfnkqzEF8"),
)


def matches(path: Path, integrity: str) -> bool:
    """Whether the file at ``path`` exists and hashes to ``integrity`` (``sha384-<base64>``)."""
    try:
        digest = hashlib.sha384(path.read_bytes()).digest()
    except OSError:
        return False
    return integrity == "sha384-" + base64.b64encode(digest).decode()


def cache_ready(folder: Path) -> bool:
    """Whether ``folder`` holds every pinned script, byte for byte (a half or tampered install does not count)."""
    return all(matches(folder / "node_modules" / package / "dist" / name, integrity)
               for name, _, package, integrity in _SCRIPTS)


def cdn_base(environ: Mapping[str, str]) -> str:
    """The CDN the page falls back to (``RECAP_RENDERER_CDN``, an http or https address; default unpkg)."""
    base = (environ.get("RECAP_RENDERER_CDN") or DEFAULT_CDN).strip().rstrip("/")
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"RECAP_RENDERER_CDN must be an http(s) address such as {DEFAULT_CDN}, {base!r} is not one")
    return base


@dataclass(frozen=True)
class RendererSources:
    """Where the page gets the renderer and markdown-it from, and why not locally when it uses the CDN."""

    scripts: tuple[Script, ...]
    problem: str | None = None  # why the local install failed ("npm: registry unreachable"), when it was tried

    @classmethod
    def resolve(cls, environ: Mapping[str, str], *, installed: bool = True,
                problem: str | None = None) -> RendererSources:
        """Each script from its configured file, else the user cache, else the tests' npm copy, else the pinned CDN.

        ``installed=False`` looks at neither installed copy (tests that want the CDN tags); ``problem`` is why
        installing failed, shown by the page when it has to use the CDN.
        """
        versions, cdn = pinned_versions(), cdn_base(environ)
        folder = cache_folder(environ)
        cached = installed and cache_ready(folder)
        checkout = installed and not (environ.get("RECAP_RENDERER_DIR") or "").strip()
        scripts = []
        for name, variable, package, integrity in _SCRIPTS:
            configured = (environ.get(variable) or "").strip()
            if configured and not Path(configured).is_file():
                raise ConfigError(f"{variable} must name a file (the package's dist/{name}), "
                                  f"{configured!r} is not one")
            npm_copy = _NPM / package / "dist" / name
            local = (Path(configured) if configured else folder / "node_modules" / package / "dist" / name if cached
                     else npm_copy if checkout and npm_copy.is_file() else None)
            scripts.append(Script(name, local, f"{cdn}/{package}@{versions[package]}/dist/{name}", integrity))
        return cls(tuple(scripts), None if scripts[0].local else problem)

    @property
    def local(self) -> bool:
        """Whether the cards' renderer is served by the sandbox itself (no internet needed)."""
        return self.scripts[0].local is not None

    @property
    def cdn_origin(self) -> str:
        """The CDN's origin (``https://unpkg.com``), for the page's Content-Security-Policy."""
        parts = urlsplit(self.scripts[0].cdn_url)
        return f"{parts.scheme}://{parts.netloc}"

    def describe(self) -> str:
        """One line for the banner and the page: where the cards' renderer comes from."""
        card = self.scripts[0]
        if card.local:
            return f"local copy {shown_path(card.local)}"
        why = f"; {self.problem}" if self.problem else ""
        return f"public CDN {card.cdn_url} (needs internet{why})"

    def fallback_note(self) -> str:
        """What the page says when the renderer did not load and cards are shown as their text."""
        hint = (" Connect to the internet and start recap sandbox again, or point RECAP_ADAPTIVECARDS_JS at a local "
                "adaptivecards.min.js.")
        card = self.scripts[0]
        if card.local:
            return f"Cards are shown as text: the renderer's local copy ({shown_path(card.local)}) did not load." + hint
        if self.problem:
            return (f"Cards are shown as text: the card renderer could not be installed ({self.problem}) "
                    "nor loaded from the CDN." + hint)
        return f"Cards are shown as text: the card renderer could not be loaded from the CDN ({card.cdn_url})." + hint


def shown_path(path: Path) -> str:
    """``path`` with the home folder written as ``~`` (shorter on a line, and no user name on screen)."""
    home = str(Path.home())
    text = str(path)
    return "~" + text[len(home):] if home != "/" and (text == home or text.startswith(home + os.sep)) else text
