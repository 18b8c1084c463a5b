"""Shared pieces of the sandbox browser tests: a sandbox on local renderer copies, and a watched chat page."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.cli.sandbox import Sandbox, start_sandbox
from bot.config import Settings
from bot.sandbox.page import RendererSources
from tests.support.browser import ADAPTIVECARDS_DIST, RENDERER_DIR, watch_page

OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "sandbox"


@contextmanager
def local_sandbox() -> Iterator[Sandbox]:
    """A sandbox whose page loads the local copies of the renderer (tests never reach the internet)."""
    renderer = RendererSources.resolve({
        "RECAP_ADAPTIVECARDS_JS": str(ADAPTIVECARDS_DIST / "adaptivecards.min.js"),
        "RECAP_MARKDOWN_IT_JS": str(RENDERER_DIR / "node_modules" / "markdown-it" / "dist" / "markdown-it.min.js")})
    with start_sandbox(Settings(), port=0, renderer=renderer) as running:
        yield running


@contextmanager
def chat_page(chromium, url: str, timeout_ms: int) -> Iterator[tuple]:
    """The chat page loaded in a fresh browser page: yields ``(page, problems)`` (console errors and the like)."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(timeout_ms)
    problems = watch_page(page)
    page.goto(url)
    page.locator("#archives .archive").first.wait_for()
    try:
        yield page, problems
    finally:
        page.close()
