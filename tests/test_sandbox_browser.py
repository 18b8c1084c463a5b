"""The sandbox chat page driven by headless Chromium: type a command, see the card drawn by Microsoft's renderer,
press its buttons, see the detail card. Any console error or non-loopback request fails; screenshots go to
test-output/sandbox/."""

from __future__ import annotations

import pytest

from bot.cli.sandbox import start_sandbox
from bot.config import Settings
from bot.sandbox.emulator import ADMIN_EMAIL, USER_EMAIL
from bot.sandbox.page import RendererSources
from tests.support.browser import watch_page
from tests.support.sandbox_page import OUTPUT, chat_page, local_sandbox

pytest_plugins = ["tests.support.browser"]
pytestmark = pytest.mark.browser

EXAMPLE = "4E3254897D3A2E24E05386CA24AD93A6_R_1000637312"
TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def sandbox(chromium):
    """The sandbox, its page on local copies of the renderer."""
    with local_sandbox() as running:
        yield running


@pytest.fixture
def page(chromium, sandbox):
    """The chat page in a fresh browser page; yields (page, problems); no problem may be left at the end."""
    with chat_page(chromium, sandbox.url, TIMEOUT_MS) as (browser_page, problems):
        yield browser_page, problems
    assert problems == []


def send(page, text: str):
    """Type ``text`` and press Enter; return the locator of the cards the bot answers with in its thread."""
    page.fill("#message-text", text)
    page.press("#message-text", "Enter")
    mine = page.locator(".message.from-person").last
    mine.locator(".text", has_text=text).wait_for()
    return mine.locator(".thread .card-frame > .ac-adaptiveCard")  # each message's card, not the ShowCards inside


def test_summary_card_then_the_polls_button(page, sandbox):
    browser, problems = page
    cards = send(browser, f"summary {EXAMPLE}")
    summary = cards.first
    summary.get_by_text("Marcos Alonso's Personal Room", exact=True).wait_for()
    browser.screenshot(path=str(OUTPUT / "summary.png"))

    # With the AI summary, speakers and recording the card is full: the views are in the last "More",
    # one choice of part with "Show" and "Download CSV".
    summary.get_by_role("button", name="More").last.click()
    summary.locator("select").last.select_option("polls")
    summary.get_by_role("button", name="Show").click()
    polls = cards.nth(1)  # both cards answer in the thread of the typed command, as in Webex
    polls.get_by_text("POLLS", exact=True).wait_for()
    polls.get_by_text("Antoine Griezmann").wait_for()
    assert cards.count() == 2
    (action,) = [a for a in sandbox.state.actions.values() if a["inputs"].get("action") == "show"]
    assert action["inputs"] == {"action": "show", "archiveId": EXAMPLE, "table": "polls"}
    assert action["personId"] == sandbox.state.person_by_email(ADMIN_EMAIL)["id"]
    browser.screenshot(path=str(OUTPUT / "polls.png"))
    assert problems == []


def test_the_archive_picker_sends_the_chosen_meeting(page, sandbox):
    browser, problems = page
    cards = send(browser, "archives")
    picker = cards.first
    # Up to five meetings: each row has its own Recap button beside the meeting's title, time and host.
    row = picker.locator(".ac-columnSet", has_text="Design review")
    row.get_by_role("button", name="Recap").click()
    recap = cards.nth(1)
    # Meeting text is shown literally: the title's "<b>plan</b>" is text, never markup.
    recap.get_by_text('Design review: "Q3" <b>plan</b>', exact=True).wait_for()
    assert recap.locator("b").count() == 0
    assert browser.locator("#archives b").count() == 0
    assert browser.locator("#archives .archive-title", has_text='Design review: "Q3" <b>plan</b>').count() == 1
    (action,) = [a for a in sandbox.state.actions.values() if a["inputs"].get("action") == "summary"]
    assert action["inputs"]["archiveId"] in sandbox.state.archives
    assert sandbox.state.archives[action["inputs"]["archiveId"]]["title"].startswith("Design review")
    browser.screenshot(path=str(OUTPUT / "archives.png"))
    assert problems == []


def test_an_ordinary_user_in_the_group_space_is_refused(page, sandbox):
    browser, problems = page
    browser.get_by_text("Uma User").click()
    browser.locator("#spaces label").nth(1).click()
    browser.locator("#mention").wait_for()
    cards = send(browser, f"summary {EXAMPLE}")
    browser.locator(".message.from-person").last.locator(".mention", has_text="@Recap").wait_for()
    cards.first.get_by_text("Sorry, this is for administrators").wait_for()
    stored = [m for m in sandbox.state.messages.values() if m["personEmail"] == USER_EMAIL]
    assert stored and "<spark-mention" in stored[-1]["html"]
    browser.screenshot(path=str(OUTPUT / "group-refusal.png"))
    assert problems == []


def test_without_the_renderer_cards_show_their_text_and_the_page_says_why(chromium):
    """Offline with no local copy: the CDN cannot load (the harness blocks it), the page still works."""
    with start_sandbox(Settings(), port=0, renderer=RendererSources.resolve({}, installed=False)) as offline:
        browser = chromium.new_page(viewport={"width": 1280, "height": 900})
        browser.set_default_timeout(TIMEOUT_MS)
        problems = watch_page(browser)
        try:
            browser.goto(offline.url)
            warning = browser.locator("#renderer-warning")
            warning.wait_for()
            assert "RECAP_ADAPTIVECARDS_JS" in warning.text_content()
            send(browser, "help")
            fallback = browser.locator(".message.from-person").last.locator(".thread .card-fallback")
            fallback.get_by_text("what I can do").wait_for()
            browser.screenshot(path=str(OUTPUT / "no-renderer.png"))
        finally:
            browser.close()
    assert problems and all("unpkg.com" in problem for problem in problems), problems
