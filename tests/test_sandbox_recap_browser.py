"""The sandbox's automatic recap in headless Chromium: Ada subscribes the group space, presses "End a meeting",
and after the sandbox's shortened delay the recap card arrives in the group space, once, drawn by Microsoft's
renderer; the "Meetings in the emulator" list shows the ended meeting. Any console error or non-loopback
request fails; screenshots go to test-output/sandbox/."""

from __future__ import annotations

import pytest

from bot.recaps import marker
from bot.sandbox.emulator import ADMIN_EMAIL, GROUP_ROOM_TITLE
from bot.sandbox.page import SANDBOX_RECAP_DELAY
from bot.storage import create_store
from tests.support.sandbox_page import OUTPUT, chat_page, local_sandbox

pytest_plugins = ["tests.support.browser"]
pytestmark = pytest.mark.browser

TIMEOUT_MS = 10_000  # for the page's own steps (a reply, a list refresh)
RECAP_TIMEOUT_MS = int((SANDBOX_RECAP_DELAY + 10) * 1000)  # the delay the bot waits, then fetching and posting
TITLE = "Sandbox browser retro"


@pytest.fixture(scope="module")
def sandbox(chromium):
    """The sandbox, its page on local copies of the renderer."""
    with local_sandbox() as running:
        yield running


@pytest.fixture
def page(chromium, sandbox):
    """The chat page as Ada Admin in the group space; yields (page, problems); no problem may be left at the end."""
    with chat_page(chromium, sandbox.url, TIMEOUT_MS) as (browser_page, problems):
        browser_page.locator("#people label", has_text="Ada Admin").locator("input").check()
        browser_page.locator("#spaces label").nth(1).click()
        browser_page.locator("#mention").wait_for()
        yield browser_page, problems
    assert problems == []


def recaps_in_state(sandbox, meeting_id: str) -> list[dict]:
    """The messages the bot stored in the emulator that carry the meeting's automatic-recap marker."""
    with sandbox.state.lock:
        return [m for m in sandbox.state.messages.values() if marker(meeting_id) in (m.get("markdown") or "")]


def test_subscribe_end_a_meeting_and_the_recap_card_arrives_once(page, sandbox):
    from playwright.sync_api import expect  # here, not at the top: without playwright the harness skips, not errors

    browser, problems = page
    group_id = next(r["id"] for r in sandbox.state.rooms.values() if r["title"] == GROUP_ROOM_TITLE)
    browser.fill("#message-text", f"subscribe host {ADMIN_EMAIL}")
    browser.press("#message-text", "Enter")
    mine = browser.locator(".message.from-person").last
    mine.locator(".text", has_text="subscribe host").wait_for()
    mine.locator(".thread .ac-adaptiveCard", has_text="Subscribed").wait_for()
    meetings = browser.locator("#archives .archive")
    listed_before = meetings.count()

    panel = browser.locator("#end-meeting")
    assert panel.locator("input[name=hostEmail]").input_value() == ADMIN_EMAIL
    panel.locator("input[name=title]").fill(TITLE)
    panel.get_by_role("button", name="End a meeting", exact=True).click()
    status = browser.locator("#end-meeting-status")
    status.get_by_text(f"“{TITLE}” ended").wait_for()
    # The list refreshes on its own: the ended meeting is there, marked as just ended, without reloading the page.
    ended = browser.locator("#archives .archive.just-ended")
    ended.locator(".archive-title", has_text=TITLE).wait_for()
    assert meetings.count() == listed_before + 1
    meeting_id = ended.get_attribute("data-meeting-id")
    assert meeting_id in sandbox.state.meetings and sandbox.state.meetings[meeting_id]["title"] == TITLE
    browser.screenshot(path=str(OUTPUT / "meeting-ended.png"))
    browser.locator("section", has=panel).screenshot(path=str(OUTPUT / "end-meeting-panel.png"))

    recap = browser.locator(".message.from-bot", has=browser.locator(".ac-adaptiveCard", has_text=TITLE))
    recap.first.wait_for(timeout=RECAP_TIMEOUT_MS)
    (stored,) = recaps_in_state(sandbox, meeting_id)
    assert stored["roomId"] == group_id and stored.get("parentId") is None
    assert recap.first.get_attribute("data-message-id") == stored["id"]
    assert recap.first.locator(".card-fallback").count() == 0  # drawn by the official renderer
    # A post nobody waited for is shown from its top, so the person sees which meeting it is about.
    expect(recap.first.locator(".ac-adaptiveCard").get_by_text(TITLE).first).to_be_in_viewport()
    browser.screenshot(path=str(OUTPUT / "recap-arrived.png"))

    # Exactly once: the ledger says posted, and by the page's next reply every earlier message is on screen.
    store = create_store(sandbox.settings.database_url)  # the bot's own database, read from outside
    try:
        assert [d.state for d in store.deliveries(meeting_id)] == ["posted"]
    finally:
        store.engine.dispose()
    browser.fill("#message-text", "subscriptions")
    browser.press("#message-text", "Enter")
    browser.locator(".message.from-person").last.locator(".thread .ac-adaptiveCard").wait_for()
    assert recap.count() == 1 and len(recaps_in_state(sandbox, meeting_id)) == 1
    assert problems == []


def test_a_meeting_whose_archive_is_not_out_yet_is_listed_as_such(page, sandbox):
    browser, problems = page
    panel = browser.locator("#end-meeting")
    panel.locator("input[name=hostEmail]").fill("nobody.subscribed@example.com")  # no recap job: nothing matches
    panel.locator("input[name=title]").fill("Archive still to come")
    panel.locator("select[name=late]").select_option("never")
    panel.get_by_role("button", name="End a meeting", exact=True).click()
    pending = browser.locator("#archives .archive.pending.just-ended", has_text="Archive still to come")
    pending.get_by_text("archive not published yet").wait_for()
    assert pending.locator(".archive-id").count() == 0  # no archive id to put in a summary command yet
    assert browser.locator("#end-meeting-status").get_by_text("The bot gives up after").count() == 1
    assert problems == []
