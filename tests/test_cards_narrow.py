"""Every view at phone widths (320, 360 and 500 px cards) in the official renderer: nothing sticks out or is cut.

Fails on any element whose content overflows horizontally or whose box leaves the card, any button outside
the card (the buttons under "More" included: the test opens it), any text-character bar and any visible
backtick. Screenshots land in test-output/cards/narrow/<width>/ for review.
"""

from __future__ import annotations

import functools
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.cards import render as cards
from bot.chat.commands import Command
from bot.chat.insight_exports import unavailable_card
from bot.chat.lookup import no_archive_card
from bot.chat.picker import PickerRow
from bot.digest import digest_of, with_meeting
from bot.meetings import Outcome, parse_archive, parse_archive_summary, parse_meeting, parse_meeting_chat
from bot.meetings.outcomes import REFUSALS
from bot.sandbox.generator import generate_archive, generate_archive_summaries, generate_meeting_chats
from tests.support.browser import CARD_OUTPUT_DIR, RENDERER_DIR, serve_directory, watch_page
from tests.support.insights import generated_insights, with_insights, without

pytest_plugins = ["tests.support.browser"]
pytestmark = pytest.mark.browser

WIDTHS = (320, 360, 500)
DOC_EXAMPLE = Path(__file__).parent / "data" / "doc_example_archive.json"
OUT_DIR = CARD_OUTPUT_DIR / "narrow"
TEXT_BARS = "█▌░"

# Runs in the page after renderCards: per card, what sticks out, before and after opening every "More".
CHECK = r"""(chars) => Array.from(document.querySelectorAll('section.slot'), (slot) => {
  const root = slot.querySelector('.card-frame > *');
  const found = [];
  const label = (el) => (el.className || el.tagName) + ' "' + (el.textContent || '').trim().slice(0, 60) + '"';
  const inspect = (when) => {
    const box = root.getBoundingClientRect();
    root.querySelectorAll('*').forEach((el) => {
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) return;  // not shown (a closed "More", an empty column)
      // Content wider than its box is cut off unless it may spill (the bleeding "More" panel spills into the
      // card's padding); spilling past the card is caught by the box test below.
      const clips = getComputedStyle(el).overflowX !== 'visible';
      if (clips && el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1) {
        found.push(when + 'overflows: ' + label(el));
      }
      if (r.right > box.right + 1 || r.left < box.left - 1) found.push(when + 'outside the card: ' + label(el));
    });
    root.querySelectorAll('.ac-pushButton').forEach((b) => {
      const r = b.getBoundingClientRect();
      if (r.width && (r.right > box.right + 1 || r.left < box.left - 1)) {
        found.push(when + 'button outside: ' + label(b));
      }
    });
    root.querySelectorAll('.ac-textBlock').forEach((block) => {  // "peopl e": a word broken over two lines
      const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        // Runs of Latin letters and digits have no break opportunity inside: a break there is forced.
        for (const m of node.textContent.matchAll(/[A-Za-z0-9\u00C0-\u024F]+/g)) {
          const range = document.createRange();
          range.setStart(node, m.index);
          range.setEnd(node, m.index + m[0].length);
          const lines = new Set(Array.from(range.getClientRects(), (r) => Math.round(r.top)));
          if (lines.size > 1) found.push(when + 'word split over lines: ' + m[0]);
        }
      }
    });
    const shown = root.innerText;
    if ([...chars].some((c) => shown.includes(c))) found.push(when + 'text-character bar');
    const ticks = shown.split('\n').filter((line) => line.includes('`'));
    if (ticks.length) found.push(when + 'visible backtick: ' + ticks.join(' | '));
  };
  inspect('');
  const more = Array.from(root.querySelectorAll('.ac-pushButton'))
    .filter((b) => ['More', 'Export'].includes(b.textContent.trim()));
  more.forEach((b) => b.click());
  if (more.length) inspect('with More open: ');
  return found;
})"""


@functools.cache
def _archives() -> dict:
    generated = generate_archive(seed=11, participants=60, chats=120, polls=3, questions=12)
    empty = parse_archive({"archiveId": "ABCDEF12_R_9", "title": "Quiet call"})  # nothing but a title
    return {"doc": parse_archive(json.loads(DOC_EXAMPLE.read_text())), "gen": parse_archive(generated), "empty": empty}


def _cards() -> dict[str, dict]:
    found = {}
    for source, archive in _archives().items():
        for view in cards.VIEWS:
            for audience in ("group", "direct"):
                found[f"{view}-{source}-{audience}"] = cards.render_view(
                    view, archive, audience=audience, timezone="Europe/Berlin").content
    chats = [parse_meeting_chat(item) for item in generate_meeting_chats("M1_I_1", 200, seed=3)]
    automatic = {"kind": "host", "value": "alice@example.com", "id": 12}  # the subscription that sent it
    found["auto-recap"] = cards.render_view("summary", _archives()["gen"], audience="group",
                                            timezone="America/New_York", chats=chats, automatic=automatic).content
    found["auto-recap-direct"] = cards.render_view("summary", _archives()["doc"], audience="direct",
                                                   timezone="America/New_York", automatic=automatic).content
    for view in ("summary", "attendance", "chats"):  # a group space at privacy counts: numbers only, said once
        found[f"{view}-counts"] = cards.render_view(view, _archives()["gen"], audience="group",
                                                    timezone="Europe/Berlin", privacy="counts").content
    found["unsubscribe-confirm"] = cards.render_card("subscription", action="confirm", kind="host",
                                                     value="alice@example.com", id=12).content
    found["subscriptions-few"] = cards.render_card("subscription", action="list", subscriptions=[
        {"id": 3, "kind": "host", "value": "alice@example.com"},
        {"id": 17, "kind": "site", "value": "example.webex.com"}, {"id": 120, "kind": "all", "value": ""}]).content
    # The header with the meeting's number, site and "Open in Webex" (an automatic recap knows the instance).
    linked = with_meeting(digest_of(_archives()["gen"]), parse_meeting({
        "id": "M1_I_1", "meetingNumber": "25551234567", "siteUrl": "example.webex.com",
        "webLink": "https://example.webex.com/example/j.php?MTID=m0123456789abcdef0123456789abcdef"}))
    found["auto-recap-linked"] = cards.render_view("summary", linked, audience="group", timezone="America/New_York",
                                                   chats=chats).content
    for sort in ("name", "join"):  # the other orders of the 1:1 list (longest first is attendance-*-direct)
        found[f"attendance-gen-direct-{sort}"] = cards.render_view("attendance", linked, audience="direct",
                                                                   timezone="Europe/Berlin", sort=sort).content
    start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 31, tzinfo=UTC)
    summaries = [parse_archive_summary(item) for item in generate_archive_summaries(12, start, end, seed=5)]
    found["archives"] = cards.render_card("archives", archives=summaries, timezone="Europe/Berlin").content
    found["archives-empty"] = cards.render_card("archives", archives=[], timezone="Europe/Berlin").content
    found.update(_picker_and_chat_cards())
    found.update(_insight_cards())
    found["error"] = cards.render_card(
        "error", title="Webex refused the request", what_happened="Webex said the span is longer than 30 days.",
        what_to_do="Ask for 30 days or fewer, like `archives 2026-11-01 2026-11-20`.",  # a command: shown in bold
        tracking_id="ROUTER_1234ABCD-5678").content
    found.update(_flow_cards())
    found["subscriptions"] = cards.render_card("subscription", action="list", subscriptions=[
        {"id": n, "kind": ("host", "site", "all")[n % 3], "value": f"host{n}@example.com"} for n in range(6)]).content
    found["subscriptions-empty"] = cards.render_card("subscription", action="list", subscriptions=[]).content
    return found


def _insight_cards() -> dict[str, dict]:
    """The summary with insights, notes and speakers for every audience; one with sources missing; an automatic one."""
    raw = generate_archive(seed=11, participants=60, chats=120, polls=3, questions=12)
    insights = generated_insights(raw)
    digest = with_insights(digest_of(_archives()["gen"]), insights)
    found = {}
    for view in ("summary", "notes", "speakers"):
        for audience, privacy in (("direct", "names"), ("group", "names"), ("group", "counts")):
            found[f"insights-{view}-{audience}-{privacy}"] = cards.render_view(
                view, digest, audience=audience, privacy=privacy, timezone="Europe/Berlin").content
    partial = with_insights(digest, without(insights, "summary", "recording"))
    found["insights-summary-missing"] = cards.render_view("summary", partial, audience="direct",
                                                          timezone="Europe/Berlin").content
    automatic = {"kind": "host", "value": "alice@example.com", "id": 12}
    found["insights-auto-recap"] = cards.render_view("summary", digest, audience="direct", timezone="Europe/Berlin",
                                                     automatic=automatic).content
    return found


INSIGHT_NAMES = [f"insights-{v}-{a}" for v in ("summary", "notes", "speakers")
                 for a in ("direct-names", "group-names", "group-counts")] + ["insights-summary-missing",
                                                                             "insights-auto-recap"]


def _flow_cards() -> dict[str, dict]:
    """Issue 13's answers: a meeting instance with no archive yet, and an export whose insight source is refused."""
    stand_in = SimpleNamespace(audience="group", card=lambda kind, **context: cards.render_card(kind, **context))
    meeting = parse_meeting({"id": "M1_I_1", "title": "Quarterly all-hands 📣 with the whole engineering organisation",
                             "end": "2026-12-05T09:00:00Z"})
    asked = Command("summary", meeting_id="0ed74a1c0551494fb7a04e2881bf50ae_I_166022169160077044")
    refused = Outcome("speakers", "forbidden", REFUSALS[("speakers", "compliance")])
    return {"no-archive": no_archive_card(stand_in, asked, meeting).content,
            "export-unavailable": unavailable_card(stand_in, "speakers", refused).content}


def _picker_and_chat_cards() -> dict[str, dict]:
    """The picker with a button per meeting, and a meeting's chat with many-line messages and its buttons."""
    start = datetime(2026, 12, 5, 7, 55, tzinfo=UTC)
    titles = ["Weekly sync", "Quarterly all-hands 📣 with the whole engineering organisation and guests",
              "مراجعة المشروع الأسبوعية", "Design review: \"Q3\" <b>plan</b>", "Internationalisation roadmap"]
    rows = [PickerRow(f"ABCDEF12_R_{n}", title, start + timedelta(days=-n, hours=1), start - timedelta(days=n),
                      start - timedelta(days=n) + timedelta(minutes=52 + 40 * n), ("Alice Martin", "Zoë O'Brien-"
                      "Featherstonehaugh")[n % 2], None, (12, None, 1250)[n % 3]) for n, title in enumerate(titles)]
    rows[3] = PickerRow("ABCDEF12_R_3", titles[3], start - timedelta(days=4))  # no meeting matched: archive time
    chats = [parse_meeting_chat(item) for item in generate_meeting_chats("M1_I_1", 6, seed=3)]
    lines = "Agenda:\n# not a heading\n1. budget\n2. hiring\n\nslides: https://example.com/q3"
    chats = [replace(chat, text=lines) if n % 2 else chat for n, chat in enumerate(chats)]
    meeting = replace(_archives()["gen"], chats=(), polls=(), qas=())
    return {"archives-buttons": cards.render_card("archives", archives=rows, timezone="Europe/Berlin").content,
            "chats-meeting-direct": cards.render_view("chats", meeting, audience="direct", timezone="Europe/Berlin",
                                                      chats=chats).content}


def _render(browser, base_url: str, width: int) -> dict[str, list[str]]:
    """Render every card at ``width``; save screenshots; return each card's problems."""
    all_cards = _cards()
    out = OUT_DIR / str(width)
    out.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": width + 64, "height": 900})
    try:
        page_problems = watch_page(page)
        page.goto(base_url + "render.html")
        items = [{"name": name, "card": card} for name, card in all_cards.items()]
        raw = page.evaluate("([items, options]) => window.renderCards(items, options)", [items, {"width": width}])
        page.evaluate("async () => { await document.fonts.ready; }")
        for index, name in enumerate(all_cards):
            page.locator(f'section[data-slot="{index}"] .card-frame').screenshot(path=str(out / f"{name}.png"))
        found = page.evaluate(CHECK, TEXT_BARS)
        for index, name in enumerate(all_cards):  # again with every "More" open
            page.locator(f'section[data-slot="{index}"] .card-frame').screenshot(path=str(out / f"{name}-more.png"))
    finally:
        page.close()
    return {entry["name"]: entry["errors"] + entry["warnings"] + entry["consoleErrors"] + entry["clipped"]
            + problems + page_problems for entry, problems in zip(raw, found, strict=True)}


@pytest.fixture(scope="module")
def narrow(chromium) -> dict[int, dict[str, list[str]]]:
    """Problems of every card at every width, rendered once per width."""
    with serve_directory(RENDERER_DIR) as base_url:
        return {width: _render(chromium, base_url, width) for width in WIDTHS}


NAMES = [f"{v}-{s}-{a}" for v in cards.VIEWS for s in ("doc", "gen", "empty") for a in ("group", "direct")] + [
    "auto-recap", "auto-recap-linked", "attendance-gen-direct-name", "attendance-gen-direct-join", "archives",
    "archives-empty", "archives-buttons", "chats-meeting-direct", "error", "subscriptions", "subscriptions-empty",
    "auto-recap-direct", "summary-counts", "attendance-counts", "chats-counts", "unsubscribe-confirm",
    "subscriptions-few", "no-archive", "export-unavailable"] + INSIGHT_NAMES


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", NAMES)
def test_card_holds_at_phone_width(narrow, name, width):
    problems = narrow[width][name]
    assert problems == [], f"{name} at {width}px:\n" + "\n".join(problems)


def test_every_view_is_covered(narrow):
    assert sorted(narrow[360]) == sorted(NAMES)
