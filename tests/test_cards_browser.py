"""Every card Recap sends, drawn by Microsoft's official Adaptive Cards renderer in headless Chromium.

Small (the documented example) and huge (2,000 people, 10,000 chats, 50 polls, 1,000 questions)
archives, both audiences, and every command card; any parse error, warning or console error fails.
Screenshots and a size/clipping report land in test-output/cards/.
"""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cards import render as cards
from bot.chat import COMMANDS
from bot.meetings import parse_archive, parse_archive_summary, parse_meeting_chat
from bot.sandbox.generator import generate_archive, generate_archive_summaries, generate_meeting_chats
from tests.support.browser import CardRenderer, RenderResult

pytest_plugins = ["tests.support.browser"]
pytestmark = pytest.mark.browser

DOC_EXAMPLE = Path(__file__).parent / "data" / "doc_example_archive.json"
AUDIENCES = ("group", "direct")
TIMEZONES = {"doc": "Europe/Berlin", "huge": "America/Los_Angeles"}
HOSTILE = "[click](http://x) <@all> **bold** <b>html</b> \"quotes\" \\ ‮rtl 😀"


@functools.cache
def _archives() -> dict:
    huge = generate_archive(seed=7, participants=2000, chats=10000, polls=50, questions=1000)
    return {"doc": parse_archive(json.loads(DOC_EXAMPLE.read_text())), "huge": parse_archive(huge)}


def _view_cards() -> dict[str, dict]:
    found = {}
    for source, archive in _archives().items():
        for view in cards.VIEWS:
            for audience in AUDIENCES:
                card = cards.render_view(view, archive, audience=audience, timezone=TIMEZONES[source])
                found[f"{source}-{view}-{audience}"] = card.content
    meeting_chats = [parse_meeting_chat(item) for item in generate_meeting_chats("M1_I_1", 3000, seed=3)]
    for audience in AUDIENCES:  # the chats view fed by post-meeting chats instead of the archive's
        card = cards.render_view("chats", _archives()["doc"], audience=audience, timezone="UTC", chats=meeting_chats)
        found[f"meeting-chats-{audience}"] = card.content
    return found


def _command_cards() -> dict[str, dict]:
    start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 31, tzinfo=UTC)
    summaries = [parse_archive_summary(item) for item in generate_archive_summaries(150, start, end, seed=5)]
    subscriptions = [{"id": n, "kind": ("host", "site", "all")[n % 3], "value": f"host{n}@example.com"}
                     for n in range(60)]
    contexts = {
        "help": ("help", {"commands": COMMANDS.values()}),
        "help-did-you-mean": ("help", {"commands": COMMANDS.values(), "unknown": "sumary", "did_you_mean": "summary"}),
        "error": ("error", {"title": "Webex refused the request", "what_happened": "403 from Webex",
                            "what_to_do": "Give the admin credential meeting:admin_recordings_read.",
                            "tracking_id": "ROUTER_1234ABCD-5678"}),
        "error-hostile": ("error", {"title": HOSTILE, "what_happened": HOSTILE * 10, "what_to_do": HOSTILE}),
        "archives": ("archives", {"archives": summaries, "timezone": "Europe/Berlin"}),
        "archives-range": ("archives", {"archives": summaries[:3], "timezone": "UTC", "start": start, "end": end}),
        "archives-empty": ("archives", {"archives": [], "timezone": "UTC"}),
        "refusal": ("refusal", {"command": "summary 4E32_R_1"}),
        "subscribed": ("subscription", {"action": "subscribed", "kind": "host", "value": "alice@example.com",
                                        "id": 12}),
        "unsubscribed": ("subscription", {"action": "unsubscribed", "kind": "site", "value": "acme.webex.com"}),
        "subscriptions": ("subscription", {"action": "list", "subscriptions": subscriptions}),
        "subscriptions-empty": ("subscription", {"action": "list", "subscriptions": []}),
    }
    return {name: cards.render_card(kind, **context).content for name, (kind, context) in contexts.items()}


VIEW_NAMES = [f"{s}-{v}-{a}" for s in TIMEZONES for v in cards.VIEWS for a in AUDIENCES] + [
    f"meeting-chats-{a}" for a in AUDIENCES]
COMMAND_NAMES = ["help", "help-did-you-mean", "error", "error-hostile", "archives", "archives-range",
                 "archives-empty", "refusal", "subscribed", "unsubscribed", "subscriptions", "subscriptions-empty"]


@pytest.fixture(scope="module")
def rendered(card_renderer_session: CardRenderer, card_output_dir: Path) -> dict[str, RenderResult]:
    """Every card, rendered on one page load; writes report.txt (sizes, clipped texts) beside the PNGs."""
    all_cards = {**_view_cards(), **_command_cards()}
    results = card_renderer_session.render(list(all_cards.items()), card_output_dir)
    lines = [f"{r.name}: {r.width:.0f}x{r.height:.0f}px, {len(json.dumps(all_cards[r.name])):,} bytes"
             + "".join(f"\n  clipped: {text}" for text in r.clipped) for r in results]
    (card_output_dir / "report.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {result.name: result for result in results}


def test_every_card_kind_is_covered(rendered):
    assert set(cards.VIEWS) == {"summary", "attendance", "polls", "qa", "chats", "notes", "speakers"}
    assert set(cards.KINDS) == {"help", "error", "archives", "refusal", "subscription"}
    assert sorted(rendered) == sorted(VIEW_NAMES + COMMAND_NAMES)


@pytest.mark.parametrize("name", VIEW_NAMES + COMMAND_NAMES)
def test_card_renders_without_problems(rendered, name):
    result = rendered[name]
    assert result.problems == [], f"{name}: " + "\n".join(result.problems)
    assert result.clipped == [], f"{name}: text cut off or sticking out of the card: {result.clipped}"
    assert result.height > 40 and result.screenshot.stat().st_size > 1000


@pytest.mark.parametrize("name", [n for n in VIEW_NAMES if n.startswith("huge")] + ["error-hostile"])
def test_meeting_text_never_becomes_a_link(rendered, name):
    # Generated archives are full of markdown links, mentions and HTML; cards must show them as text.
    assert rendered[name].links == []
