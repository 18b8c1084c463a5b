"""Where the sandbox page gets Microsoft's Adaptive Cards renderer (and markdown-it) from.

Per script: the file named by its environment variable (``RECAP_ADAPTIVECARDS_JS``,
``RECAP_MARKDOWN_IT_JS``; read from the environment or ``.env``), else the copy installed for the
tests in this checkout (``tests/renderer/node_modules``, after ``.ci/install-browser``), else the
public CDN, pinned to the version the tests use and checked with subresource integrity. A local
copy is served by the sandbox itself (``/vendor/<name>``), so the page works offline.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.errors import ConfigError

# The renderer's own npm files, when the test harness is installed in this checkout (never shipped).
_NPM = Path(__file__).resolve().parents[3] / "tests" / "renderer" / "node_modules"


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


# (file name, environment variable, installed copy, CDN URL, subresource integrity of that exact file)
_SCRIPTS = (
    ("adaptivecards.min.js", "RECAP_ADAPTIVECARDS_JS", _NPM / "adaptivecards" / "dist" / "adaptivecards.min.js",
     "https://unpkg.com/adaptivecards@3.0.6/dist/adaptivecards.min.js",
     "sha384-M6IdJidOpX9E8ISrXtcfFvFTf4ePKNWDy3pRXxzb/8dro8ceUoIIzcK4higcq/JC"),
    ("markdown-it.min.js", "RECAP_MARKDOWN_IT_JS", _NPM / "markdown-it" / "dist" / "markdown-it.min.js",
     "https://unpkg.com/markdown-it@14.3.3/dist/markdown-it.min.js",
     "sha384-LBg3cu/4PwcPBsol9jWL9Urcnre7UF0sm8zsSI3GeaqIeBt8Pb/EFybhfnkqzEF8"),
)


@dataclass(frozen=True)
class RendererSources:
    """Where the page gets Microsoft's Adaptive Cards renderer and markdown-it from."""

    scripts: tuple[Script, ...]

    @classmethod
    def resolve(cls, environ: Mapping[str, str], *, installed: bool = True) -> RendererSources:
        """Each script from its configured file (``RECAP_…_JS``), else the tests' npm copy, else the pinned CDN."""
        scripts = []
        for name, variable, npm_copy, cdn_url, integrity in _SCRIPTS:
            configured = (environ.get(variable) or "").strip()
            if configured and not Path(configured).is_file():
                raise ConfigError(f"{variable} must name a file (the package's dist/{name}), "
                                  f"{configured!r} is not one")
            local = Path(configured) if configured else npm_copy if installed and npm_copy.is_file() else None
            scripts.append(Script(name, local, cdn_url, integrity))
        return cls(tuple(scripts))

    def describe(self) -> str:
        """One line for the banner: where the cards' renderer comes from."""
        card = self.scripts[0]
        return f"local copy {card.local}" if card.local else f"public CDN {card.cdn_url} (needs internet)"
