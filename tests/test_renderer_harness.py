"""The real-renderer harness itself: a clean card passes, and every kind of broken card is caught."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import browser
from tests.support.browser import CardRenderer, RenderResult

pytest_plugins = ["tests.support.browser"]


def _card(*body: dict, actions: list[dict] | None = None, version: str = "1.3") -> dict:
    card = {"type": "AdaptiveCard", "version": version, "body": list(body)}
    if actions is not None:
        card["actions"] = actions
    return card


def _text(text: str, **extra: object) -> dict:
    return {"type": "TextBlock", "text": text, "wrap": True, **extra}


SAMPLES = {
    "valid": _card(
        _text("Weekly sync — recap", size="Large", weight="Bolder"),
        {"type": "FactSet", "facts": [{"title": "Participants", "value": "12"}]},
        _text("A [documented link](https://example.com/docs)"),
        actions=[{"type": "Action.Submit", "title": "Attendance", "data": {"command": "attendance"}}],
    ),
    "escaped_markdown": _card(_text(r"\[click\](http://x) \*\*bold\*\*")),
    "unknown_element": _card(_text("before"), {"type": "Chart", "data": [1, 2]}),
    "invalid_value": _card(_text("huge", size="Gigantic")),
    "too_many_actions": _card(_text("six"), actions=[
        {"type": "Action.Submit", "title": f"Option {n}"} for n in range(6)
    ]),
    "newer_than_webex": _card(_text("heading", style="heading"), version="1.5"),
    "no_version": {"type": "AdaptiveCard", "body": [_text("no version")]},
    "duplicate_ids": _card({"type": "Input.Text", "id": "x"}, {"type": "Input.Text", "id": "x"}),
    "external_image": _card({"type": "Image", "url": "https://example.com/logo.png"}),
    "clipped_text": _card({"type": "TextBlock", "text": "word " * 200, "wrap": False}),
}


@pytest.fixture(scope="module")
def results(card_renderer_session: CardRenderer, card_output_dir: Path) -> dict[str, RenderResult]:
    """All samples rendered in one page load (the same path the card suite takes)."""
    rendered = card_renderer_session.render(list(SAMPLES.items()), card_output_dir / "harness")
    return {result.name: result for result in rendered}


@pytest.mark.browser
def test_a_valid_card_renders_clean_with_size_and_screenshot(results):
    valid = results["valid"]
    assert valid.problems == [] and valid.clipped == []
    assert valid.width == browser.CARD_WIDTH and valid.height > 100
    png = valid.screenshot.read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 2000  # a real picture, not an empty frame
    assert valid.links == ["https://example.com/docs"]  # markdown is processed, as in Webex


@pytest.mark.browser
def test_escaped_markdown_shows_literally(results):
    assert results["escaped_markdown"].problems == []
    assert results["escaped_markdown"].links == []  # so hostile-text tests can assert "no links"


@pytest.mark.browser
@pytest.mark.parametrize(("name", "expected"), [
    ("unknown_element", 'error: UnknownElementType: Unknown element type "Chart"'),
    ("invalid_value", 'error: InvalidPropertyValue [TextBlock]: Invalid value "Gigantic"'),
    ("newer_than_webex", "error: harness: card version 1.5 is newer than 1.3"),
    ("newer_than_webex", 'error: UnsupportedProperty [TextBlock]: Property "style" is supported in version 1.5'),
    ("no_version", 'error: harness: card needs a valid "version"'),
    ("too_many_actions", "warning: TooManyActions [AdaptiveCard]: Maximum number of actions exceeded (5)"),
    ("duplicate_ids", 'warning: DuplicateId [Input.Text #x]: Duplicate Id "x"'),
    ("external_image", "console: blocked non-loopback request: https://example.com/logo.png"),
])
def test_broken_cards_are_reported(results, name, expected):
    problems = results[name].problems
    assert any(problem.startswith(expected) for problem in problems), problems


@pytest.mark.browser
def test_page_problems_go_to_the_card_that_caused_them(results):
    clean = [name for name, result in results.items() if not result.problems]
    assert sorted(clean) == ["clipped_text", "escaped_markdown", "valid"]


@pytest.mark.browser
def test_text_cut_off_is_reported_but_not_an_error(results):
    clipped = results["clipped_text"]
    assert clipped.problems == []
    assert clipped.clipped and clipped.clipped[0].startswith("word word")


@pytest.mark.browser
def test_render_cards_standalone_and_unique_names(tmp_path):
    card = SAMPLES["valid"]
    with pytest.raises(ValueError, match="unique"):
        browser.render_cards([("a b", card), ("a_b", card)], tmp_path)
    (result,) = browser.render_cards([("solo", card)], tmp_path)
    assert result.problems == [] and result.screenshot == tmp_path / "solo.png" and result.screenshot.exists()


def test_missing_pieces_skip_locally_and_fail_on_ci(monkeypatch, tmp_path):
    monkeypatch.setitem(browser._NEEDED, "Debian chromium", tmp_path / "no-chromium")
    reason = browser.browser_unavailable_reason()
    assert reason and "no-chromium" in reason and ".ci/install-browser" in reason
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="no-chromium"):
        browser.require_browser()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="no-chromium"):
        browser.require_browser()
