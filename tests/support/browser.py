"""Headless Chromium for tests: render cards with the official Adaptive Cards renderer, collect problems, save PNGs.

Also a pytest plugin (`pytest_plugins = ["tests.support.browser"]`) for its fixtures. PYTEST_DONT_REWRITE: test
modules import it before pytest loads it as a plugin, and it has no asserts worth rewriting.
"""

from __future__ import annotations

import functools
import os
import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
RENDERER_DIR = ROOT / "tests" / "renderer"
ADAPTIVECARDS_DIST = RENDERER_DIR / "node_modules" / "adaptivecards" / "dist"
CARD_OUTPUT_DIR = ROOT / "test-output" / "cards"
CHROMIUM = Path("/usr/bin/chromium")
# Playwright adds --headless and a fresh temporary --user-data-dir itself. The resolver rule is a
# second lock on the door: whatever a page asks for, Chromium cannot reach beyond loopback.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
CARD_WIDTH = 420  # px: a Webex desktop message column; narrow enough to show cramped layouts
_NEEDED = {
    "Debian chromium": CHROMIUM,
    "adaptivecards (npm)": ADAPTIVECARDS_DIST / "adaptivecards.min.js",
    "markdown-it (npm)": RENDERER_DIR / "node_modules" / "markdown-it" / "dist" / "markdown-it.min.js",
}
_used_output_dirs: set[Path] = set()


@dataclass
class RenderResult:
    """What the official renderer said about one card, and where its screenshot is."""

    name: str
    errors: list[str] = field(default_factory=list)  # parse events, render exceptions
    warnings: list[str] = field(default_factory=list)  # validateProperties() events, console.warn
    console_errors: list[str] = field(default_factory=list)  # console.error, page errors, failed requests
    width: float = 0.0
    height: float = 0.0
    screenshot: Path | None = None
    clipped: list[str] = field(default_factory=list)  # texts cut off or sticking out (reported, not fatal)
    links: list[str] = field(default_factory=list)  # hrefs of rendered links

    @property
    def problems(self) -> list[str]:
        """Every error, warning and console error, labelled; empty means the card is clean."""
        return ([f"error: {m}" for m in self.errors] + [f"warning: {m}" for m in self.warnings]
                + [f"console: {m}" for m in self.console_errors])


def browser_unavailable_reason() -> str | None:
    """Why the browser tests cannot run here (missing Chromium, npm packages or playwright), or None."""
    missing = [f"{what} ({path})" for what, path in _NEEDED.items() if not path.exists()]
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("Python playwright (pip install -e '.[test]')")
    if missing:
        return "browser tests need: " + ", ".join(missing) + " — run .ci/install-browser"
    return None


def require_browser() -> None:
    """Skip the test when the browser is unavailable, or fail it on CI (CI=true) where it must run."""
    reason = browser_unavailable_reason()
    if reason is None:
        return
    if os.environ.get("CI", "").lower() in ("true", "1"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # stdlib signature
        pass  # keep test output clean; failures surface as console errors in the page


@contextmanager
def serve_directory(directory: Path) -> Iterator[str]:
    """Serve a directory over HTTP on 127.0.0.1, port 0, in a thread; yield its base URL (ends with /)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, name="static-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def launch_chromium(playwright: Any) -> Any:
    """Launch Debian's headless Chromium through playwright (never a downloaded browser)."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


def watch_page(page: Any) -> list[str]:
    """Guard a page to loopback only and return the live list of its console errors and failed requests."""
    problems: list[str] = []

    def guard(route: Any) -> None:
        url = route.request.url
        if urlsplit(url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            problems.append(f"blocked non-loopback request: {url}")
            route.abort()

    page.route("**/*", guard)
    page.on("console", lambda msg: msg.type == "error" and problems.append(
        f"console.error: {msg.text} (at {msg.location.get('url') or '?'})"))
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("requestfailed", lambda req: problems.append(f"request failed: {req.url} ({req.failure})"))
    page.on("response", lambda resp: resp.status >= 400 and problems.append(f"HTTP {resp.status}: {resp.url}"))
    return problems


def _file_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "card"


_SETTLE = """async () => {
  await document.fonts.ready;
  await Promise.all(Array.from(document.images, (img) => img.complete ? null : img.decode().catch(() => null)));
}"""


def _attribute(page_problems: list[str], results: list[RenderResult], resources: list[list[str]]) -> None:
    """Give each page-level problem to the cards that load the URL it names, else to every card of the batch."""
    for problem in page_problems:
        owners = [r for r, urls in zip(results, resources, strict=True) if any(url in problem for url in urls)]
        for result in owners or results:
            result.console_errors.append(problem)


class CardRenderer:
    """Renders batches of cards on one page load each, in one long-lived browser."""

    def __init__(self, browser: Any, base_url: str, width: int = CARD_WIDTH) -> None:
        self.browser, self.base_url, self.width = browser, base_url, width

    def render(self, cards: list[tuple[str, dict]], out_dir: Path) -> list[RenderResult]:
        """Render (name, card JSON) pairs; return one result per card and save `out_dir/<name>.png`."""
        files = [_file_name(name) + ".png" for name, _ in cards]
        if len(set(files)) != len(files):
            raise ValueError(f"card names must be unique as file names: {files}")
        out_dir.mkdir(parents=True, exist_ok=True)
        _used_output_dirs.add(out_dir.resolve())
        page = self.browser.new_page(viewport={"width": self.width + 64, "height": 900})
        try:
            page_problems = watch_page(page)
            page.goto(self.base_url + "render.html")
            items = [{"name": name, "card": card} for name, card in cards]
            raw = page.evaluate("([items, options]) => window.renderCards(items, options)",
                                [items, {"width": self.width}])
            page.evaluate(_SETTLE)
            results = [self._result(index, entry, out_dir / file, page) for index, (entry, file)
                       in enumerate(zip(raw, files, strict=True))]
        finally:
            page.close()
        _attribute(page_problems, results, [entry["resources"] for entry in raw])
        return results

    def _result(self, index: int, raw: dict, png: Path, page: Any) -> RenderResult:
        page.locator(f'section[data-slot="{index}"] .card-frame').screenshot(path=str(png), animations="disabled")
        return RenderResult(
            name=raw["name"], errors=raw["errors"], warnings=raw["warnings"], console_errors=raw["consoleErrors"],
            width=raw["width"], height=raw["height"], screenshot=png, clipped=raw["clipped"], links=raw["links"],
        )


@contextmanager
def card_renderer(width: int = CARD_WIDTH) -> Iterator[CardRenderer]:
    """A CardRenderer with its own static server, playwright driver and browser, torn down on exit."""
    from playwright.sync_api import sync_playwright

    with serve_directory(RENDERER_DIR) as base_url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            yield CardRenderer(browser, base_url, width)
        finally:
            browser.close()


def _render_standalone(cards: list[tuple[str, dict]], out_dir: Path) -> list[RenderResult]:
    with card_renderer() as renderer:
        return renderer.render(cards, out_dir)


def render_cards(cards: list[tuple[str, dict]], out_dir: Path) -> list[RenderResult]:
    """Render cards in a fresh headless Chromium; one result per card, screenshots in `out_dir`."""
    # Playwright's sync API will not start in a thread whose event loop is already running (as it is
    # while the session `chromium` fixture is open), so the one-off browser gets a thread of its own.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="render-cards") as pool:
        return pool.submit(_render_standalone, cards, out_dir).result()


# --- pytest fixtures (use with `pytest_plugins = ["tests.support.browser"]`) -------------------------


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """A session-wide headless Debian Chromium (playwright Browser); skips or fails when unavailable."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def card_renderer_session(chromium: Any) -> Iterator[CardRenderer]:
    """A session-wide CardRenderer sharing the `chromium` browser, with the harness served on loopback."""
    with serve_directory(RENDERER_DIR) as base_url:
        yield CardRenderer(chromium, base_url)


@pytest.fixture(scope="session")
def card_output_dir() -> Path:
    """Where card screenshots go: test-output/cards/ in the checkout (gitignored)."""
    CARD_OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    return CARD_OUTPUT_DIR


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print where screenshots were saved, so a person can look at them."""
    for folder in sorted(_used_output_dirs):
        terminalreporter.write_line(f"card screenshots: {folder}")
